#pragma once
/// training_import: uploads the enriched CSV (the incoming bytes, in order) to a bot as a training
/// import (api-contract.md section A, step 4). Input: bytes.
///
/// While the run goes on, the bytes are spooled to a temp file in $TMPDIR (never held in memory)
/// and their data rows are counted (RFC 4180: line breaks inside quoted fields do not end a row;
/// the header is not a data row). Passing `max_bytes` fails the run at once. Only commit(), i.e.
/// after the WHOLE run succeeded, uploads: POST /api/v2/bots/{bot_id}/imports, multipart/form-data
/// with `name` = enriched_ner_<version_tag>_<YYYYMMDD_HHMMSS> (UTC), `description` = "Automated
/// NER enrichment batch <version_tag>" and the file part `file` (`file_name`, text/csv) streamed
/// from the spool file, reopened for every attempt. The call carries an Idempotency-Key, so a
/// retry after a 5xx or a dropped connection cannot import twice. The platform's row count must
/// equal the rows sent. A failed or cancelled run uploads nothing; the spool file is removed in
/// every case.

#include <cstdint>
#include <string>

#include "sluice/node_registry.hpp"
#include "support/platform_connection.hpp"

namespace sluice::nodes {

/// The contract's limit for an import's file part: 50 MiB.
inline constexpr std::uint64_t kImportLimitBytes = 50ULL * 1024 * 1024;

struct TrainingImportOptions {
  PlatformConnectionOptions connection;
  std::string bot_id;
  std::string version_tag;
  std::string file_name = "enriched_utterances.csv";
  std::uint64_t max_bytes = kImportLimitBytes;
};

NodeType training_import_type();

}  // namespace sluice::nodes
