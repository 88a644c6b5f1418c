// training_import against the in-process emulator, and a local server where the test must see
// or shape the exact answer.
#include "sinks/training_import.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>
#include <regex>

#include "emulator/crypto.hpp"
#include "emulator/emulator.hpp"
#include "nodes/support/http/http_test_support.hpp"
#include "sluice/pipeline.hpp"
#include "support/temp_dir.hpp"
#include "support/test_nodes.hpp"
#include "support/utterance_generator.hpp"

using namespace sluice;
using namespace sluice::testing;

namespace {

const char* kImportYaml = R"(
id: import_test
nodes:
  - id: read
    type: file_read
    options: { path: "${input}", chunk_size: 4KiB }
  - id: import
    type: training_import
    input: read
    options:
      base_url: "${base}"
      client_id: sluice-demo
      client_secret: "${secret:-sluice-demo-secret}"
      bot_id: demo-bot
      version_tag: "${tag:-v7}"
      max_bytes: "${max_bytes:-50MiB}"
      retry_delay: 5ms
)";

std::unique_ptr<emulator::Emulator> start(emulator::EmulatorOptions options) {
  auto started = emulator::Emulator::start(std::move(options));
  REQUIRE_MESSAGE(started.ok(), started.status().message());
  return std::move(started).value();
}

/// Points $TMPDIR (where the spool file goes) at a directory for the life of the object.
class ScopedTmpdir {
 public:
  explicit ScopedTmpdir(const std::string& path) {
    if (const char* old = std::getenv("TMPDIR")) old_ = old;
    ::setenv("TMPDIR", path.c_str(), 1);
  }
  ~ScopedTmpdir() {
    if (old_) {
      ::setenv("TMPDIR", old_->c_str(), 1);
    } else {
      ::unsetenv("TMPDIR");
    }
  }

 private:
  std::optional<std::string> old_;
};

struct LoggedRun {
  RunReport report;
  std::vector<std::string> lines;
};

LoggedRun run_logged(const std::string& yaml, const std::map<std::string, std::string>& variables) {
  auto lines = std::make_shared<std::vector<std::string>>();
  auto mutex = std::make_shared<std::mutex>();
  RunOptions run;
  run.verbose = true;
  run.on_log = [lines, mutex](const std::string& line) {
    std::lock_guard lock(*mutex);
    lines->push_back(line);
  };
  LoggedRun result;
  result.report = run_yaml(yaml, variables, run);
  result.lines = *lines;
  return result;
}

std::string generated_csv(std::uint64_t rows, bool crlf) {
  nodes::UtteranceGeneratorOptions generator;
  generator.rows = rows;
  generator.seed = 11;
  generator.crlf = crlf;
  return nodes::generate_utterance_export(generator);
}

}  // namespace

TEST_CASE("training_import uploads the whole CSV once, after the run, with the contract's fields") {
  for (const bool crlf : {false, true}) {
    CAPTURE(crlf);
    TempDir dir;
    // 3000 rows include a few with line breaks inside quoted fields: they are not extra rows.
    const std::string csv = generated_csv(3000, crlf);
    write_file(dir.file("in.csv"), csv);
    const auto server = start({});
    const ScopedTmpdir tmpdir(dir.file("spool"));
    std::filesystem::create_directory(dir.file("spool"));

    const LoggedRun run =
        run_logged(kImportYaml, {{"input", dir.file("in.csv")}, {"base", server->base_url()}});
    REQUIRE_MESSAGE(run.report.status.ok(), run.report.status.message());
    const auto imports = server->imports();
    REQUIRE(imports.size() == 1);
    const auto& record = imports[0];
    CHECK(record.bot_id == "demo-bot");
    CHECK(std::regex_match(record.name, std::regex("enriched_ner_v7_20[0-9]{6}_[0-9]{6}")));
    CHECK(record.description == "Automated NER enrichment batch v7");
    CHECK(record.file_name == "enriched_utterances.csv");
    CHECK(record.content_type == "text/csv");
    CHECK(record.rows == 3000);
    CHECK(record.file_bytes == csv.size());
    CHECK(record.sha256 == emulator::sha256_hex(csv));
    CHECK(record.idempotency_key.size() == 32);

    bool logged = false;
    for (const auto& line : run.lines) {
      if (line.starts_with("import: imported 3000 rows as " + record.id + " (" + record.name +
                           ")")) {
        logged = true;
      }
    }
    CHECK(logged);
    // The spool file is gone.
    CHECK(std::filesystem::is_empty(dir.file("spool")));
  }
}

TEST_CASE("training_import retries a failed upload with the same Idempotency-Key and body") {
  TempDir dir;
  const std::string csv = generated_csv(500, false);
  write_file(dir.file("in.csv"), csv);
  emulator::EmulatorOptions options;
  // Request 1 is the token, request 2 the first upload (503), request 3 its retry.
  options.faults.server_error_every = 2;
  const auto server = start(options);
  const RunReport report =
      run_yaml(kImportYaml, {{"input", dir.file("in.csv")}, {"base", server->base_url()}});
  REQUIRE_MESSAGE(report.status.ok(), report.status.message());
  REQUIRE(server->imports().size() == 1);
  CHECK(server->imports()[0].sha256 == emulator::sha256_hex(csv));
  std::vector<std::string> keys;
  for (const auto& request : server->requests()) {
    if (request.path == "/api/v2/bots/demo-bot/imports") keys.push_back(request.idempotency_key);
  }
  REQUIRE(keys.size() == 2);
  CHECK(keys[0] == keys[1]);
  CHECK(server->stats().server_errors == 1);
}

TEST_CASE("training_import uploads nothing when the run fails, and removes its spool file") {
  TempDir dir;
  const ScopedTmpdir tmpdir(dir.path().string());
  const auto server = start({});

  SUBCASE("the CSV passes max_bytes: the run stops early") {
    const std::string csv = generated_csv(3000, false);
    write_file(dir.file("in.csv"), csv);
    const RunReport report = run_yaml(
        kImportYaml,
        {{"input", dir.file("in.csv")}, {"base", server->base_url()}, {"max_bytes", "64KiB"}});
    REQUIRE_FALSE(report.status.ok());
    CHECK(report.status.message().find("node 'import'") != std::string::npos);
    CHECK(report.status.message().find("over the 64 KiB import limit (max_bytes)") !=
          std::string::npos);
    CHECK(report.status.message().find("the enriched CSV is already ") != std::string::npos);
    CHECK(report.nodes[0].bytes_out < csv.size());
  }
  SUBCASE("a malformed row upstream fails the run") {
    write_file(dir.file("in.csv"), "id,utterance\n1,hello\n2,a,b,c\n");
    const char* yaml = R"(
id: import_fail
nodes:
  - { id: read, type: file_read, options: { path: "${input}" } }
  - { id: parse, type: csv_parse, input: read }
  - { id: serialize, type: csv_serialize, input: parse }
  - id: import
    type: training_import
    input: serialize
    options:
      base_url: "${base}"
      client_id: sluice-demo
      client_secret: sluice-demo-secret
      bot_id: demo-bot
      version_tag: v1
)";
    const RunReport report =
        run_yaml(yaml, {{"input", dir.file("in.csv")}, {"base", server->base_url()}});
    REQUIRE_FALSE(report.status.ok());
    CHECK(report.status.message().find("node 'parse'") != std::string::npos);
  }
  SUBCASE("the token lacks the import scope: the upload is refused") {
    write_file(dir.file("in.csv"), "id,utterance\n1,hello\n");
    emulator::EmulatorOptions options;
    options.faults.denied_scopes = {"bot:import:write"};
    const auto denying = start(options);
    const RunReport report =
        run_yaml(kImportYaml, {{"input", dir.file("in.csv")}, {"base", denying->base_url()}});
    REQUIRE_FALSE(report.status.ok());
    CHECK(report.status.message().find("could not commit") != std::string::npos);
    CHECK(report.status.message().find("POST /api/v2/bots/demo-bot/imports was refused (403 "
                                       "insufficient_scope): the access token lacks scope "
                                       "'bot:import:write'") != std::string::npos);
    CHECK(denying->imports().empty());
  }
  CHECK(server->imports().empty());
  CHECK(server->stats().imports == 0);
  for (const auto& name : dir.entries()) CHECK(name.rfind("sluice-import-", 0) != 0);
}

TEST_CASE(
    "training_import sends the exact bytes as multipart and checks the platform's row count") {
  // RFC 4180 corner cases: CRLF, a quoted line break, doubled quotes, no final line break.
  const std::string csv =
      "a,b\r\n\"x\r\ny\",1\r\n\"he said \"\"hi\"\"\",2\r\n\"multi\nline\nfield\",3";
  TempDir dir;
  write_file(dir.file("in.csv"), csv);

  std::atomic<int> answer_rows{3};
  std::mutex mutex;
  std::map<std::string, std::string> seen;
  nodes::http::testing::LocalServer api;
  api.server().Post("/oauth/token", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"access_token":"tok-123456","token_type":"Bearer","expires_in":3600})",
                    "application/json");
  });
  api.server().Post(
      "/api/v2/bots/demo-bot/imports", [&](const httplib::Request& req, httplib::Response& res) {
        std::lock_guard lock(mutex);
        seen["content_type"] = req.get_header_value("Content-Type");
        seen["name"] = req.get_file_value("name").content;
        seen["description"] = req.get_file_value("description").content;
        const auto file = req.get_file_value("file");
        seen["file"] = file.content;
        seen["filename"] = file.filename;
        seen["file_type"] = file.content_type;
        res.status = 201;
        res.set_content(
            "{\"id\":\"imp_9\",\"rows\":" + std::to_string(answer_rows.load()) + ",\"extra\":true}",
            "application/json");
      });
  api.start();

  const LoggedRun ok = run_logged(
      kImportYaml, {{"input", dir.file("in.csv")}, {"base", api.origin()}, {"tag", "2024.06-rc1"}});
  REQUIRE_MESSAGE(ok.report.status.ok(), ok.report.status.message());
  CHECK(seen["content_type"].rfind("multipart/form-data; boundary=", 0) == 0);
  CHECK(std::regex_match(seen["name"], std::regex("enriched_ner_2024\\.06-rc1_[0-9]{8}_[0-9]{6}")));
  CHECK(seen["description"] == "Automated NER enrichment batch 2024.06-rc1");
  CHECK(seen["file"] == csv);
  CHECK(seen["filename"] == "enriched_utterances.csv");
  CHECK(seen["file_type"] == "text/csv");

  answer_rows = 2;
  const RunReport mismatch =
      run_yaml(kImportYaml, {{"input", dir.file("in.csv")}, {"base", api.origin()}});
  REQUIRE_FALSE(mismatch.status.ok());
  CHECK(mismatch.status.code() == StatusCode::data_error);
  CHECK(mismatch.status.message().find("the platform imported 2 rows as imp_9 but 3 were sent") !=
        std::string::npos);
}

TEST_CASE("training_import reports the platform's refusal of the file once, without retrying") {
  TempDir dir;
  const ScopedTmpdir tmpdir(dir.path().string());
  SUBCASE("over the tenant's size limit (413), though under max_bytes") {
    const std::string csv = generated_csv(500, false);
    write_file(dir.file("in.csv"), csv);
    emulator::EmulatorOptions options;
    options.import_limit_bytes = csv.size() - 1;
    const auto server = start(options);
    const RunReport report =
        run_yaml(kImportYaml, {{"input", dir.file("in.csv")}, {"base", server->base_url()}});
    REQUIRE_FALSE(report.status.ok());
    const std::string& message = report.status.message();
    CAPTURE(message);
    CHECK(message.find("POST /api/v2/bots/demo-bot/imports answered 413 payload_too_large: "
                       "the file part is larger than the limit of " +
                       std::to_string(csv.size() - 1) + " bytes.") != std::string::npos);
    CHECK(message.find("The tenant takes smaller files than max_bytes (50 MiB): set max_bytes to "
                       "its limit") != std::string::npos);
    CHECK(server->imports().empty());
    CHECK(server->stats().imports_rejected == 1);  // not retried
  }
  SUBCASE("a file the platform finds malformed (400 malformed_csv)") {
    write_file(dir.file("in.csv"), "id,utterance\n1,hello\n2\n");
    const auto server = start({});
    const RunReport report =
        run_yaml(kImportYaml, {{"input", dir.file("in.csv")}, {"base", server->base_url()}});
    REQUIRE_FALSE(report.status.ok());
    const std::string& message = report.status.message();
    CAPTURE(message);
    CHECK(message.find("400") != std::string::npos);
    CHECK(message.find("malformed_csv") != std::string::npos);
    CHECK(message.find("row 3 (data row 2): expected 2 fields, found 1") != std::string::npos);
    CHECK(server->imports().empty());
    CHECK(server->stats().imports_rejected == 1);
  }
  // Either way the spool file is gone.
  for (const auto& name : dir.entries()) CHECK(name.rfind("sluice-import-", 0) != 0);
}

TEST_CASE("training_import errors never show the client secret") {
  TempDir dir;
  write_file(dir.file("in.csv"), "id,utterance\n1,hello\n");
  const auto server = start({});
  const LoggedRun run = run_logged(kImportYaml, {{"input", dir.file("in.csv")},
                                                 {"base", server->base_url()},
                                                 {"secret", "not-the-secret-77aa"}});
  REQUIRE_FALSE(run.report.status.ok());
  CHECK(run.report.status.message().find("rejected the client credentials") != std::string::npos);
  CHECK(run.report.status.message().find("not-the-secret-77aa") == std::string::npos);
  REQUIRE_FALSE(run.lines.empty());
  for (const auto& line : run.lines) CHECK(line.find("not-the-secret-77aa") == std::string::npos);
  CHECK(server->imports().empty());
}

TEST_CASE("training_import checks its options before anything runs") {
  TempDir dir;
  write_file(dir.file("in.csv"), "id,utterance\n1,hello\n");
  const RunReport report = run_yaml(
      kImportYaml,
      {{"input", dir.file("in.csv")}, {"base", "http://127.0.0.1:9"}, {"tag", "has space"}});
  REQUIRE_FALSE(report.status.ok());
  CHECK(report.status.message().find("test.yaml:") != std::string::npos);
  CHECK(report.status.message().find("option 'version_tag': must be non-empty, without spaces") !=
        std::string::npos);
}
