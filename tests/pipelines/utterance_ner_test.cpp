// pipelines/utterance_ner.yaml end to end against the in-process emulator (127.0.0.1 only):
// export -> parse -> NER -> serialize -> import (+ a local copy), fault-free, under every injected
// fault alone and all together, and in the ways it must fail.
#include <doctest/doctest.h>

#include <algorithm>

#include <map>
#include <mutex>

#include "emulator/crypto.hpp"
#include "emulator/emulator.hpp"
#include "sluice/pipeline.hpp"
#include "support/temp_dir.hpp"
#include "support/utterance_generator.hpp"

using namespace sluice;
using namespace sluice::testing;

namespace {

constexpr std::uint64_t kRows = 3000;
const std::string kSecret = "sluice-demo-secret";

struct Outcome {
  RunReport report;
  std::vector<std::string> lines;  ///< every log line, verbose ones included
  std::vector<emulator::ImportRecord> imports;
  emulator::EmulatorStats stats;
  std::string copy;  ///< the local copy, "" when none was written
};

/// Runs the pipeline file against a fresh emulator with `options`. `variables` override the
/// environment the pipeline reads; `export_options` override the export node's options.
Outcome run_workflow(emulator::EmulatorOptions options,
                     const std::map<std::string, std::string>& variables = {},
                     const std::map<std::string, std::string>& export_options = {}) {
  options.rows = kRows;
  auto server = emulator::Emulator::start(std::move(options));
  REQUIRE_MESSAGE(server.ok(), server.status().message());
  TempDir dir;
  LoadOptions load;
  load.use_environment = false;
  load.variables = {{"COGNIGY_BASE_URL", (*server)->base_url()},
                    {"COGNIGY_CLIENT_ID", "sluice-demo"},
                    {"COGNIGY_CLIENT_SECRET", kSecret},
                    {"COGNIGY_BOT_ID", "demo-bot"},
                    {"VERSION_TAG", "v3"},
                    {"OUTPUT", dir.file("enriched.csv")}};
  for (const auto& [name, value] : variables) load.variables[name] = value;
  auto spec =
      load_pipeline_file(std::string(SLUICE_SOURCE_DIR) + "/pipelines/utterance_ner.yaml", load);
  REQUIRE_MESSAGE(spec.ok(), spec.status().message());
  for (auto& node : spec->nodes) {
    if (node.type == "platform_export") {
      // Short waits keep the test fast; the behaviour is the same as with the defaults.
      node.options.set("poll_interval", Value::scalar("10ms"));
      node.options.set("retry_delay", Value::scalar("5ms"));
      node.options.set("chunk_size", Value::scalar("16KiB"));
      for (const auto& [name, value] : export_options) node.options.set(name, Value::scalar(value));
    }
    if (node.type == "training_import") node.options.set("retry_delay", Value::scalar("5ms"));
  }
  auto pipeline = Pipeline::build(*spec, builtin_registry());
  REQUIRE_MESSAGE(pipeline.ok(), pipeline.status().message());

  Outcome outcome;
  std::mutex mutex;
  RunOptions run;
  run.threads = 2;
  run.verbose = true;
  run.on_log = [&](const std::string& line) {
    std::lock_guard lock(mutex);
    outcome.lines.push_back(line);
  };
  outcome.report = (*pipeline)->run(run);
  outcome.imports = (*server)->imports();
  outcome.stats = (*server)->stats();
  if (std::filesystem::exists(dir.file("enriched.csv")))
    outcome.copy = read_file(dir.file("enriched.csv"));

  // Whatever happened, no secret was shown.
  const std::string secret = load.variables["COGNIGY_CLIENT_SECRET"];
  CHECK(outcome.report.status.message().find(secret) == std::string::npos);
  for (const auto& line : outcome.lines) CHECK(line.find(secret) == std::string::npos);
  return outcome;
}

/// The fault-free run, once for the whole file.
const Outcome& reference() {
  static const Outcome outcome = run_workflow({});
  return outcome;
}

void check_same_import(const Outcome& outcome) {
  REQUIRE_MESSAGE(outcome.report.status.ok(), outcome.report.status.message());
  const Outcome& expected = reference();
  REQUIRE(outcome.imports.size() == 1);
  REQUIRE(expected.imports.size() == 1);
  CHECK(outcome.imports[0].sha256 == expected.imports[0].sha256);
  CHECK(outcome.imports[0].file_bytes == expected.imports[0].file_bytes);
  CHECK(outcome.imports[0].rows == kRows);
  CHECK(outcome.copy == expected.copy);
}

}  // namespace

TEST_CASE(
    "utterance_ner: a fault-free run imports every row once, enriched, as the local pipeline "
    "would write it") {
  const Outcome& outcome = reference();
  REQUIRE_MESSAGE(outcome.report.status.ok(), outcome.report.status.message());
  REQUIRE(outcome.imports.size() == 1);
  const emulator::ImportRecord& record = outcome.imports[0];
  CHECK(record.rows == kRows);
  CHECK(record.columns == std::vector<std::string>{"id", "utterance", "intent", "locale", "channel",
                                                   "created_at", "ner_dates", "ner_phones",
                                                   "ner_emails", "ner_tickets"});
  CHECK(record.name.rfind("enriched_ner_v3_", 0) == 0);
  CHECK(record.name.size() == std::string("enriched_ner_v3_YYYYMMDD_HHMMSS").size());
  CHECK(record.description == "Automated NER enrichment batch v3");
  CHECK(record.file_name == "enriched_utterances.csv");
  // The local copy is the imported file.
  CHECK(emulator::sha256_hex(outcome.copy) == record.sha256);
  CHECK(outcome.copy.size() == record.file_bytes);

  // The same export through the local pipeline gives the same bytes.
  TempDir dir;
  nodes::UtteranceGeneratorOptions generator;
  generator.rows = kRows;
  REQUIRE(nodes::write_utterance_export(dir.file("export.csv"), generator).ok());
  LoadOptions load;
  load.variables = {{"input", dir.file("export.csv")}, {"output", dir.file("local.csv")}};
  auto spec = load_pipeline_file(
      std::string(SLUICE_SOURCE_DIR) + "/pipelines/utterance_ner_local.yaml", load);
  REQUIRE(spec.ok());
  auto pipeline = Pipeline::build(*spec, builtin_registry());
  REQUIRE(pipeline.ok());
  REQUIRE((*pipeline)->run().status.ok());
  CHECK(read_file(dir.file("local.csv")) == outcome.copy);

  // One line per HTTP call with --verbose, and the import is reported.
  bool call_logged = false;
  bool import_logged = false;
  for (const auto& line : outcome.lines) {
    if (line.starts_with("export: POST /api/v2/bots/demo-bot/exports -> 201")) call_logged = true;
    if (line.starts_with("import: imported 3000 rows as " + record.id)) import_logged = true;
  }
  CHECK(call_logged);
  CHECK(import_logged);
  CHECK(outcome.stats.exports_created == 1);
  CHECK(outcome.stats.imports == 1);
}

TEST_CASE("utterance_ner: every fault alone, and all together, ends in the same import") {
  using Setup = void (*)(emulator::Faults&);
  struct Scenario {
    const char* name;
    Setup setup;
  };
  const Scenario scenarios[] = {
      {"rate limit with Retry-After",
       [](emulator::Faults& f) {
         f.rate_limit_every = 3;
         f.retry_after_seconds = 1;
       }},
      {"server errors", [](emulator::Faults& f) { f.server_error_every = 3; }},
      {"short token lifetime",
       [](emulator::Faults& f) {
         f.token_lifetime_seconds = 1;
         f.polls_before_ready = 20;  // 20 polls 30 ms apart outlive a token's 1 s
         f.slow_response_ms = 20;
       }},
      {"download URL expires between attempts",
       [](emulator::Faults& f) {
         // The drop makes the client come back; the 429 on every 3rd download request makes it
         // come back after the URL's 0.5 s are over.
         f.download_url_lifetime_seconds = 0.5;
         f.drop_download_after_bytes = 100'000;
         f.drop_download_times = 2;
         f.rate_limit_every = 3;
         f.retry_after_seconds = 1;
         f.fault_path_prefix = "/downloads/";
       }},
      {"slow export", [](emulator::Faults& f) { f.polls_before_ready = 5; }},
      {"dropped downloads, ranges",
       [](emulator::Faults& f) { f.drop_download_after_bytes = 50'000; }},
      {"dropped downloads, no ranges",
       [](emulator::Faults& f) {
         f.drop_download_after_bytes = 50'000;
         f.accept_ranges = false;
       }},
      {"slow responses", [](emulator::Faults& f) { f.slow_response_ms = 40; }},
      {"all together",
       [](emulator::Faults& f) {
         f.rate_limit_every = 11;
         f.retry_after_seconds = 1;
         f.server_error_every = 4;
         f.token_lifetime_seconds = 1.5;
         f.download_url_lifetime_seconds = 0.5;
         f.polls_before_ready = 3;
         f.drop_download_after_bytes = 45'000;
         f.slow_response_ms = 15;
       }},
      {"all together, no ranges",
       [](emulator::Faults& f) {
         f.rate_limit_every = 17;
         f.retry_after_seconds = 1;
         f.server_error_every = 4;
         f.token_lifetime_seconds = 1.5;
         f.download_url_lifetime_seconds = 0.5;
         f.polls_before_ready = 3;
         f.drop_download_after_bytes = 80'000;
         f.accept_ranges = false;
         f.slow_response_ms = 15;
       }},
  };
  for (const Scenario& scenario : scenarios) {
    CAPTURE(scenario.name);
    emulator::EmulatorOptions options;
    scenario.setup(options.faults);
    const Outcome outcome = run_workflow(options);
    check_same_import(outcome);
    const std::string name = scenario.name;
    if (name == "rate limit with Retry-After") CHECK(outcome.stats.rate_limited >= 2);
    if (name == "server errors") CHECK(outcome.stats.server_errors >= 2);
    if (name == "short token lifetime") CHECK(outcome.stats.tokens_issued >= 3);
    if (name == "download URL expires between attempts") CHECK(outcome.stats.expired_urls >= 1);
    if (name.starts_with("dropped downloads")) CHECK(outcome.stats.downloads_dropped >= 6);
    if (name == "dropped downloads, ranges") CHECK(outcome.stats.range_downloads >= 6);
    if (name.starts_with("all together")) {
      CHECK(outcome.stats.server_errors >= 1);
      CHECK(outcome.stats.downloads_dropped >= 4);
    }
  }
}

TEST_CASE("utterance_ner: the bearer token never goes to a download host on another origin") {
  emulator::EmulatorOptions options;
  options.download_host = "127.0.0.1";
  options.faults.drop_download_after_bytes = 100'000;
  const Outcome outcome = run_workflow(options);
  check_same_import(outcome);
  CHECK(outcome.stats.downloads >= 2);
  CHECK(outcome.stats.foreign_origin_authorization == 0);
  CHECK(outcome.stats.downloads_with_authorization == 0);
}

TEST_CASE("utterance_ner: failures end with a clear error and nothing uploaded") {
  struct Failure {
    const char* name;
    emulator::EmulatorOptions options;
    std::map<std::string, std::string> variables;
    std::map<std::string, std::string> export_options;
    std::vector<std::string> expected;  ///< parts of the error message
  };
  std::vector<Failure> failures;
  {
    Failure f{"wrong credentials", {}, {{"COGNIGY_CLIENT_SECRET", "wrong-secret-3f9a"}}, {}, {}};
    f.expected = {"node 'export'", "rejected the client credentials (invalid_client)",
                  "COGNIGY_CLIENT_SECRET"};
    failures.push_back(f);
  }
  {
    Failure f{"export scope denied", {}, {}, {}, {}};
    f.options.faults.denied_scopes = {"bot:export:read"};
    f.expected = {"node 'export'", "lacks scope 'bot:export:read'"};
    failures.push_back(f);
  }
  {
    Failure f{"import scope denied", {}, {}, {}, {}};
    f.options.faults.denied_scopes = {"bot:import:write"};
    f.expected = {"node 'import' (training_import) could not commit",
                  "lacks scope 'bot:import:write'"};
    failures.push_back(f);
  }
  {
    Failure f{"failed export", {}, {}, {}, {}};
    f.options.faults.fail_export = true;
    f.expected = {"node 'export'", "export exp_", "failed on the platform"};
    failures.push_back(f);
  }
  {
    Failure f{"unknown bot", {}, {{"COGNIGY_BOT_ID", "ghost-bot"}}, {}, {}};
    f.expected = {"unknown bot 'ghost-bot'"};
    failures.push_back(f);
  }
  {
    Failure f{"never completes", {}, {}, {{"poll_deadline", "300ms"}}, {}};
    f.options.faults.never_complete = true;
    f.expected = {"export exp_",
                  "did not complete within 300ms (last status running); raise "
                  "poll_deadline"};
    failures.push_back(f);
  }
  for (const Failure& failure : failures) {
    CAPTURE(failure.name);
    const Outcome outcome =
        run_workflow(failure.options, failure.variables, failure.export_options);
    REQUIRE_FALSE(outcome.report.status.ok());
    for (const auto& part : failure.expected) {
      CAPTURE(part);
      CHECK(outcome.report.status.message().find(part) != std::string::npos);
    }
    CHECK(outcome.imports.empty());
    CHECK(outcome.stats.imports == 0);
  }
}

TEST_CASE("utterance_ner: every missing variable is named in one message") {
  LoadOptions load;
  load.use_environment = false;
  load.variables = {{"COGNIGY_BASE_URL", "http://127.0.0.1:9"}};
  const auto spec =
      load_pipeline_file(std::string(SLUICE_SOURCE_DIR) + "/pipelines/utterance_ner.yaml", load);
  REQUIRE_FALSE(spec.ok());
  const std::string message = spec.status().message();
  CHECK(message.find("4 variables are not set: COGNIGY_CLIENT_ID, COGNIGY_CLIENT_SECRET, "
                     "COGNIGY_BOT_ID, VERSION_TAG; set them in the environment or with --set "
                     "NAME=value") != std::string::npos);
  CHECK(std::count(message.begin(), message.end(), '\n') == 0);  // one line
  // Optional ones have defaults: the token URL and the local copy's path.
  CHECK(message.find("COGNIGY_TOKEN_URL") == std::string::npos);
  CHECK(message.find("OUTPUT") == std::string::npos);
  CHECK(message.find("utterance_ner.yaml:") != std::string::npos);
}
