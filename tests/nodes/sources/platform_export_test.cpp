// platform_export against the in-process emulator (and, where the emulator cannot misbehave
// in the needed way, a small local server).
#include "sources/platform_export.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <thread>

#include "emulator/emulator.hpp"
#include "nodes/support/http/http_test_support.hpp"
#include "sluice/metrics.hpp"
#include "sluice/pipeline.hpp"
#include "support/test_nodes.hpp"
#include "support/utterance_generator.hpp"

using namespace sluice;
using namespace sluice::testing;

namespace {

const char* kExportYaml = R"(
id: export_test
nodes:
  - id: export
    type: platform_export
    options:
      base_url: "${base}"
      client_id: sluice-demo
      client_secret: "${secret:-sluice-demo-secret}"
      bot_id: "${bot:-demo-bot}"
      poll_interval: 10ms
      poll_deadline: "${deadline:-30s}"
      chunk_size: "${chunk:-4KiB}"
      max_attempts: "${attempts:-5}"
      retry_delay: 5ms
  - id: sink
    type: test_collect_bytes
    input: export
    options: { key: export }
)";

std::unique_ptr<emulator::Emulator> start(emulator::EmulatorOptions options) {
  auto started = emulator::Emulator::start(std::move(options));
  REQUIRE_MESSAGE(started.ok(), started.status().message());
  return std::move(started).value();
}

std::string expected_export(const emulator::EmulatorOptions& options) {
  return nodes::generate_utterance_export(emulator::export_generator_options(options));
}

RunReport run_export(const emulator::Emulator& server,
                     std::map<std::string, std::string> variables = {}, RunOptions run = {}) {
  variables["base"] = server.base_url();
  observations().clear();
  return run_yaml(kExportYaml, variables, std::move(run));
}

/// A RunContext for driving a node by hand, outside a pipeline.
class ManualContext final : public RunContext {
 public:
  bool cancelled() const noexcept override { return cancelled_.load(); }
  NodeMetrics& metrics() noexcept override { return metrics_; }
  void log(LogLevel, const std::string& message) override {
    std::lock_guard lock(mutex_);
    lines_.push_back(message);
  }
  int threads() const noexcept override { return 1; }
  const std::string& node_id() const noexcept override { return id_; }

  std::atomic<bool> cancelled_{false};

 private:
  NodeMetrics metrics_;
  std::mutex mutex_;
  std::vector<std::string> lines_;
  std::string id_ = "export";
};

std::unique_ptr<Node> make_export_node(const std::map<std::string, std::string>& given) {
  const NodeType type = nodes::platform_export_type();
  std::vector<std::pair<std::string, Value>> entries;
  for (const auto& [key, value] : given) entries.emplace_back(key, Value::scalar(value));
  auto node = type.make(NodeOptions(Value::map(std::move(entries)), type.options, {}));
  REQUIRE_MESSAGE(node.ok(), node.status().message());
  return std::move(node).value();
}

}  // namespace

TEST_CASE(
    "platform_export streams the whole export in order, in chunks, with one idempotent POST") {
  emulator::EmulatorOptions options;
  options.rows = 3000;
  options.faults.polls_before_ready = 2;
  const auto server = start(options);
  const RunReport report = run_export(*server);
  REQUIRE_MESSAGE(report.status.ok(), report.status.message());
  const std::string expected = expected_export(options);
  CHECK(observations().bytes["export"] == expected);
  CHECK(report.nodes[0].batches_out == (expected.size() + 4095) / 4096);

  const auto stats = server->stats();
  CHECK(stats.exports_created == 1);
  CHECK(stats.export_polls == 3);
  CHECK(stats.downloads == 1);
  CHECK(stats.downloads_completed == 1);
  for (const auto& request : server->requests()) {
    CAPTURE(request.path);
    if (request.method == "POST" && request.path.find("/exports") != std::string::npos) {
      CHECK(request.idempotency_key.size() == 32);
    }
    if (request.path.starts_with("/api/")) CHECK(request.had_authorization);
  }
}

TEST_CASE("platform_export resumes dropped downloads without losing or repeating a byte") {
  struct Case {
    bool ranges;
    bool chunked;
    const char* attempts;
  };
  for (const Case c : {Case{true, false, "5"}, Case{false, false, "5"}, Case{true, true, "5"},
                       Case{false, true, "5"}, Case{true, false, "1"}, Case{false, false, "1"}}) {
    CAPTURE(c.ranges);
    CAPTURE(c.chunked);
    CAPTURE(c.attempts);
    emulator::EmulatorOptions options;
    options.rows = 3000;
    options.chunked_downloads = c.chunked;
    options.faults.accept_ranges = c.ranges;
    options.faults.drop_download_after_bytes = 40'000;
    const auto server = start(options);
    // With max_attempts 1 every drop ends a download call; it is started again because it made
    // progress.
    const RunReport report = run_export(*server, {{"attempts", c.attempts}});
    REQUIRE_MESSAGE(report.status.ok(), report.status.message());
    CHECK(observations().bytes["export"] == expected_export(options));
    const auto stats = server->stats();
    CHECK(stats.downloads_dropped >= 8);
    if (c.ranges) {
      CHECK(stats.range_downloads == stats.downloads_dropped);
    } else {
      CHECK(stats.range_downloads == 0);
    }
  }
}

TEST_CASE("platform_export polls for a fresh URL when the download URL expires mid-download") {
  emulator::EmulatorOptions options;
  options.rows = 3000;
  options.faults.download_url_lifetime_seconds = 0.3;
  options.faults.drop_download_after_bytes = 100'000;
  options.faults.drop_download_times = 1;
  const auto server = start(options);

  auto node = make_export_node({{"base_url", server->base_url()},
                                {"client_id", "sluice-demo"},
                                {"client_secret", "sluice-demo-secret"},
                                {"bot_id", "demo-bot"},
                                {"poll_interval", "10ms"},
                                {"retry_delay", "5ms"},
                                {"chunk_size", "1KiB"}});
  ManualContext context;
  REQUIRE(node->open(context).ok());
  auto steps = node->steps();
  auto& source = std::get<SourceStep>(steps.at(0));
  std::string received;
  std::uint64_t next_offset = 0;
  Batch batch;
  REQUIRE(source.next(batch));
  CHECK(batch.position.source->starts_with("export exp_"));
  CHECK(batch.position.byte_offset == 0);
  received += batch.chunk().bytes;
  next_offset += batch.chunk().bytes.size();
  // A slow consumer: the download thread fills the bounded queue and waits; the cut at 100 kB
  // is only seen after the URL has expired, so the resume gets 403 url_expired.
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  while (true) {
    Batch more;
    if (!source.next(more)) break;
    CHECK(more.position.byte_offset == next_offset);
    CHECK(more.chunk().bytes.size() <= 1024);
    received += more.chunk().bytes;
    next_offset += more.chunk().bytes.size();
  }
  REQUIRE(node->commit().ok());
  CHECK(received == expected_export(options));
  const auto stats = server->stats();
  CHECK(stats.expired_urls >= 1);
  CHECK(stats.export_polls >= 2);
  CHECK(stats.range_downloads >= 1);
}

TEST_CASE("platform_export never sends the bearer token to a download host on another origin") {
  emulator::EmulatorOptions options;
  options.rows = 2000;
  options.download_host = "127.0.0.1";
  options.faults.drop_download_after_bytes = 60'000;
  const auto server = start(options);
  REQUIRE(server->download_base_url() != server->base_url());
  const RunReport report = run_export(*server);
  REQUIRE_MESSAGE(report.status.ok(), report.status.message());
  CHECK(observations().bytes["export"] == expected_export(options));
  const auto stats = server->stats();
  CHECK(stats.downloads >= 2);
  CHECK(stats.downloads_with_authorization == 0);
  CHECK(stats.foreign_origin_authorization == 0);
  bool saw_api = false;
  for (const auto& request : server->requests()) {
    if (request.download_listener) CHECK_FALSE(request.had_authorization);
    if (request.path.starts_with("/api/")) saw_api = request.had_authorization;
  }
  CHECK(saw_api);
}

TEST_CASE("platform_export fails with a clear message") {
  emulator::EmulatorOptions options;
  options.rows = 100;

  SUBCASE("the export failed on the platform") {
    options.faults.fail_export = true;
    const auto server = start(options);
    const RunReport report = run_export(*server);
    REQUIRE_FALSE(report.status.ok());
    CHECK(report.status.message().find("node 'export'") != std::string::npos);
    CHECK(report.status.message().find("export exp_") != std::string::npos);
    CHECK(report.status.message().find("failed on the platform: the export failed (injected "
                                       "fault: fail_export)") != std::string::npos);
  }
  SUBCASE("the platform's reason is shown on one printable line") {
    options.faults.fail_export = true;
    options.faults.fail_export_error = "disk full\nERROR: fake second line\x1b[31m" + std::string(300, 'x');
    const auto server = start(options);
    const RunReport report = run_export(*server);
    REQUIRE_FALSE(report.status.ok());
    const std::string& message = report.status.message();
    CHECK(message.find("failed on the platform: disk full ERROR: fake second line [31mxxx") !=
          std::string::npos);
    CHECK(message.find('\n') == std::string::npos);
    CHECK(message.find('\x1b') == std::string::npos);
    CHECK(message.find(std::string(250, 'x')) == std::string::npos);  // cut at 200 bytes
  }
  SUBCASE("an export id that is not a plain one-line token is refused") {
    options.faults.export_id_prefix = "exp\nERROR: fake ";
    const auto server = start(options);
    const RunReport report = run_export(*server);
    REQUIRE_FALSE(report.status.ok());
    const std::string& message = report.status.message();
    CHECK(message.find("answered an export id that is not a plain identifier: 'exp ERROR: fake ") !=
          std::string::npos);
    CHECK(message.find('\n') == std::string::npos);
    CHECK(server->stats().exports_created == 1);
  }
  SUBCASE("an unknown bot") {
    const auto server = start(options);
    const RunReport report = run_export(*server, {{"bot", "no-such-bot"}});
    REQUIRE_FALSE(report.status.ok());
    CHECK(report.status.code() == StatusCode::not_found);
    CHECK(report.status.message().find("unknown bot 'no-such-bot'") != std::string::npos);
    CHECK(server->stats().exports_created == 0);
  }
  SUBCASE("an export that never completes") {
    options.faults.never_complete = true;
    const auto server = start(options);
    const RunReport report = run_export(*server, {{"deadline", "200ms"}});
    REQUIRE_FALSE(report.status.ok());
    CHECK(report.status.message().find("did not complete within 200ms (last status running); "
                                       "raise poll_deadline") != std::string::npos);
    CHECK(report.status.message().find("export exp_") != std::string::npos);
    CHECK(report.elapsed_seconds < 5);
  }
  SUBCASE("the token lacks the export scope") {
    options.faults.denied_scopes = {"bot:export:read"};
    const auto server = start(options);
    const RunReport report = run_export(*server);
    REQUIRE_FALSE(report.status.ok());
    CHECK(report.status.message().find("lacks scope 'bot:export:read'") != std::string::npos);
  }
  SUBCASE("wrong credentials; the secret appears nowhere") {
    const auto server = start(options);
    std::vector<std::string> lines;
    std::mutex mutex;
    RunOptions run;
    run.verbose = true;
    run.on_log = [&](const std::string& line) {
      std::lock_guard lock(mutex);
      lines.push_back(line);
    };
    const RunReport report = run_export(*server, {{"secret", "wrong-secret-5c1d"}}, run);
    REQUIRE_FALSE(report.status.ok());
    CHECK(report.status.message().find("rejected the client credentials") != std::string::npos);
    CHECK(report.status.message().find("wrong-secret-5c1d") == std::string::npos);
    REQUIRE_FALSE(lines.empty());
    for (const auto& line : lines) CHECK(line.find("wrong-secret-5c1d") == std::string::npos);
  }
}

TEST_CASE("platform_export says where a download that gives up stopped") {
  // A download host that always sends 1000 of its 5000 bytes and then drops the connection,
  // without Range support: no attempt gets further, so the download gives up.
  nodes::http::testing::LocalServer api;
  api.server().Post("/oauth/token", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"access_token":"t0k3n-abc","token_type":"Bearer","expires_in":3600})",
                    "application/json");
  });
  api.server().Post("/api/v2/bots/b1/exports", [](const httplib::Request&, httplib::Response& res) {
    res.status = 201;
    res.set_content(R"({"id":"e7","status":"pending"})", "application/json");
  });
  std::string download_url;
  api.server().Get(
      "/api/v2/bots/b1/exports/e7", [&](const httplib::Request&, httplib::Response& res) {
        res.set_content(R"({"id":"e7","status":"completed","downloadUrl":")" + download_url + "\"}",
                        "application/json");
      });
  api.server().Get("/files/e7.csv", [](const httplib::Request&, httplib::Response& res) {
    res.set_content_provider(5000, "text/csv",
                             [](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                               if (offset >= 1000) return false;
                               const std::string part(1000, 'x');
                               sink.write(part.data(), part.size());
                               return true;
                             });
  });
  api.start();
  download_url = api.url("/files/e7.csv?sig=s3cr3t-signature");
  observations().clear();
  const RunReport report =
      run_yaml(kExportYaml, {{"base", api.origin()}, {"bot", "b1"}, {"attempts", "3"}});
  REQUIRE_FALSE(report.status.ok());
  const std::string& message = report.status.message();
  CHECK(message.find("export e7 of bot 'b1': the download stopped after 1000 bytes had been "
                     "received") != std::string::npos);
  CHECK(message.find("after 3 attempts") != std::string::npos);
  CHECK(message.find("s3cr3t-signature") == std::string::npos);
}

TEST_CASE("platform_export stops promptly when the run is cancelled or fails downstream") {
  emulator::EmulatorOptions options;
  options.rows = 20000;

  SUBCASE("cancelled while polling") {
    options.faults.never_complete = true;
    const auto server = start(options);
    LoadOptions load;
    load.variables = {{"base", server->base_url()}, {"deadline", "1h"}};
    auto spec = load_pipeline_text(kExportYaml, "test.yaml", load);
    REQUIRE(spec.ok());
    auto pipeline = Pipeline::build(*spec, test_registry());
    REQUIRE(pipeline.ok());
    std::thread canceller([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      (*pipeline)->cancel();
    });
    const auto started = std::chrono::steady_clock::now();
    const RunReport report = (*pipeline)->run();
    canceller.join();
    CHECK(report.status.code() == StatusCode::cancelled);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(3));
  }
  SUBCASE("a downstream failure while the download thread waits on a full queue") {
    const auto server = start(options);
    const char* yaml = R"(
id: export_fail
nodes:
  - id: export
    type: platform_export
    options:
      base_url: "${base}"
      client_id: sluice-demo
      client_secret: sluice-demo-secret
      bot_id: demo-bot
      poll_interval: 10ms
      chunk_size: 1KiB
  - id: parse
    type: csv_parse
    input: export
  - id: entities
    type: ner_extract
    input: parse
    options: { text_columns: [no_such_column] }
  - id: sink
    type: test_collect_rows
    input: entities
    options: { key: rows }
)";
    const RunReport report = run_yaml(yaml, {{"base", server->base_url()}});
    REQUIRE_FALSE(report.status.ok());
    CHECK(report.status.message().find("no text column") != std::string::npos);
  }
}

TEST_CASE("platform_export checks its options before anything runs") {
  struct Bad {
    const char* yaml_line;
    const char* expected;
  };
  for (const Bad bad : {Bad{"base_url: ftp://example.com", "option 'base_url': invalid URL"},
                        Bad{"base_url: https://example.com/?x=1", "must not have a query"},
                        Bad{"chunk_size: 10", "option 'chunk_size'"},
                        Bad{"poll_interval: 0s", "option 'poll_interval'"},
                        Bad{"max_attempts: 0", "option 'max_attempts'"},
                        Bad{"scopes: [\"a b\"]", "list one scope per item"}}) {
    CAPTURE(bad.yaml_line);
    std::string yaml = "id: t\nnodes:\n  - id: export\n    type: platform_export\n    options:\n";
    std::map<std::string, std::string> given = {{"base_url", "https://example.com"},
                                                {"client_id", "c"},
                                                {"client_secret", "hidden-secret-value"},
                                                {"bot_id", "b"}};
    const std::string line = bad.yaml_line;
    given[line.substr(0, line.find(':'))] = line.substr(line.find(':') + 2);
    for (const auto& [key, value] : given) yaml += "      " + key + ": " + value + "\n";
    yaml += "  - { id: sink, type: test_collect_bytes, input: export, options: { key: x } }\n";
    const RunReport report = run_yaml(yaml);
    REQUIRE_FALSE(report.status.ok());
    CHECK(report.status.message().find(bad.expected) != std::string::npos);
    CHECK(report.status.message().find("test.yaml:") != std::string::npos);
    CHECK(report.status.message().find("hidden-secret-value") == std::string::npos);
  }
}
