// pipelines/utterance_ner_local.yaml end to end on a generated export.
#include <doctest/doctest.h>

#include "sluice/pipeline.hpp"
#include "support/temp_dir.hpp"
#include "support/test_nodes.hpp"
#include "support/utterance_generator.hpp"

using namespace sluice;
using namespace sluice::testing;

namespace {

RunReport run_local_ner(const std::string& input, const std::string& output, int threads,
                        const std::string& chunk_size = "") {
  LoadOptions load;
  load.variables = {{"input", input}, {"output", output}};
  auto spec = load_pipeline_file(std::string(SLUICE_SOURCE_DIR) + "/pipelines/utterance_ner_local.yaml", load);
  if (!spec) {
    RunReport failed;
    failed.status = spec.status();
    return failed;
  }
  if (!chunk_size.empty()) spec->nodes[0].options.set("chunk_size", Value::scalar(chunk_size));
  auto pipeline = Pipeline::build(*spec, builtin_registry());
  if (!pipeline) {
    RunReport failed;
    failed.status = pipeline.status();
    return failed;
  }
  RunOptions options;
  options.threads = threads;
  return (*pipeline)->run(options);
}

/// Splits CSV text into records (RFC 4180 aware), for checks on the output's shape.
std::vector<std::string> records(const std::string& text) {
  std::vector<std::string> out;
  std::string current;
  bool quoted = false;
  for (char c : text) {
    if (c == '"') quoted = !quoted;
    if (c == '\n' && !quoted) {
      out.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) out.push_back(current);
  return out;
}

}  // namespace

TEST_CASE("utterance_ner_local: every row kept, four ner columns, same output for any threads and batch size") {
  TempDir dir;
  nodes::UtteranceGeneratorOptions generator;
  generator.rows = 20000;
  generator.seed = 7;
  REQUIRE(nodes::write_utterance_export(dir.file("export.csv"), generator).ok());
  const std::string input = read_file(dir.file("export.csv"));

  const RunReport reference = run_local_ner(dir.file("export.csv"), dir.file("out-1.csv"), 1);
  REQUIRE_MESSAGE(reference.status.ok(), reference.status.message());
  const std::string expected = read_file(dir.file("out-1.csv"));

  const auto in_records = records(input);
  const auto out_records = records(expected);
  REQUIRE(out_records.size() == in_records.size());
  CHECK(out_records[0] == in_records[0] + ",ner_dates,ner_phones,ner_emails,ner_tickets");
  // Every original row is kept as it was, with the new columns appended.
  for (std::size_t i = 1; i < in_records.size(); i += 997) {
    CHECK(out_records[i].rfind(in_records[i] + ",", 0) == 0);
  }
  CHECK(reference.nodes[2].rows_out == 20000);
  // The generator plants entities: each column has values somewhere.
  for (const char* needle : {"TICKET-", "@", "555"}) CHECK(expected.find(needle) != std::string::npos);

  int variant = 0;
  for (int threads : {2, 4}) {
    for (const char* chunk : {"4KiB", "64KiB", "1MiB"}) {
      CAPTURE(threads);
      CAPTURE(chunk);
      const std::string out = dir.file("out-" + std::to_string(++variant) + "x.csv");
      const RunReport report = run_local_ner(dir.file("export.csv"), out, threads, chunk);
      REQUIRE_MESSAGE(report.status.ok(), report.status.message());
      CHECK(read_file(out) == expected);
    }
  }
}
