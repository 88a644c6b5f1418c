#pragma once
/// The whole public API of sluice in one include: load a pipeline file (or build a PipelineSpec
/// in code), register node types of your own next to the built-ins, and run it.

#include "sluice/arena.hpp"
#include "sluice/batch.hpp"
#include "sluice/block_pool.hpp"
#include "sluice/durable_file.hpp"
#include "sluice/metrics.hpp"
#include "sluice/node.hpp"
#include "sluice/node_registry.hpp"
#include "sluice/options.hpp"
#include "sluice/pipeline.hpp"
#include "sluice/pipeline_spec.hpp"
#include "sluice/row_errors.hpp"
#include "sluice/status.hpp"
#include "sluice/value.hpp"
