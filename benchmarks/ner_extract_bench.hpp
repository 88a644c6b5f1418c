#pragma once
// Benchmarks of ner_extract that depend on the pipeline files (one per configured entity) are
// registered at startup, after the command line is read, rather than statically.

namespace sluice::bench {

/// Registers ner_extract/entity/<name> for every entity of the heavy profile.
void register_entity_benchmarks();

}  // namespace sluice::bench
