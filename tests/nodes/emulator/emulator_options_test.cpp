#include "emulator/emulator_options.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using sluice::StatusCode;
using sluice::emulator::emulator_help;
using sluice::emulator::EmulatorOptions;
using sluice::emulator::parse_emulator_args;
using sluice::emulator::validate_emulator_options;

namespace {

sluice::Result<EmulatorOptions> parse(std::vector<std::string> args) {
  return parse_emulator_args(args);
}

std::string error_of(std::vector<std::string> args) {
  auto result = parse(std::move(args));
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == StatusCode::invalid_argument);
  return result.status().message();
}

}  // namespace

TEST_CASE("emulator options: no flags: the documented defaults, which are valid") {
  auto parsed = parse({});
  REQUIRE(parsed.ok());
  const EmulatorOptions& o = *parsed;
  CHECK(o.host == "127.0.0.1");
  CHECK(o.port == 0);
  CHECK(o.rows == 1000);
  CHECK(o.seed == 42);
  CHECK(o.client_id == "sluice-demo");
  CHECK(o.client_secret == "sluice-demo-secret");
  CHECK(o.bot_ids == std::vector<std::string>{"demo-bot"});
  CHECK(o.client_scopes == std::vector<std::string>{"bot:export:read", "bot:import:write"});
  CHECK(o.import_limit_bytes == 52428800);
  CHECK(o.faults.rate_limit_every == 0);
  CHECK(o.faults.token_lifetime_seconds == 3600);
  CHECK(o.faults.download_url_lifetime_seconds == 900);
  CHECK(o.faults.accept_ranges);
  CHECK(validate_emulator_options(EmulatorOptions{}).ok());
}

TEST_CASE("emulator options: every flag sets its option") {
  auto parsed = parse({"--port",
                       "8080",
                       "--rows=5",
                       "--seed",
                       "9",
                       "--client-id",
                       "id",
                       "--client-secret",
                       "s",
                       "--rate-limit-every",
                       "3",
                       "--retry-after",
                       "2",
                       "--server-error-every",
                       "4",
                       "--server-error-status",
                       "502",
                       "--token-lifetime",
                       "0.5",
                       "--url-lifetime",
                       "1.25",
                       "--polls-before-ready",
                       "2",
                       "--drop-after-bytes",
                       "1000",
                       "--drop-times",
                       "1",
                       "--no-ranges",
                       "--slow-ms",
                       "20",
                       "--deny-scope",
                       "bot:import:write",
                       "--fail-export",
                       "--bot-id",
                       "a",
                       "--bot-id",
                       "b",
                       "--scope",
                       "bot:export:read x:y",
                       "--host",
                       "::1",
                       "--download-host",
                       "localhost",
                       "--download-port",
                       "9090",
                       "--crlf",
                       "--bom",
                       "--text-column",
                       "text",
                       "--chunked",
                       "--import-limit",
                       "100",
                       "--import-keep-bytes",
                       "10",
                       "--idempotency-window",
                       "60",
                       "--threads",
                       "2",
                       "--keep-alive",
                       "1",
                       "--fault-path",
                       "/api"});
  REQUIRE_MESSAGE(parsed.ok(), parsed.status().message());
  const EmulatorOptions& o = *parsed;
  CHECK(o.port == 8080);
  CHECK(o.rows == 5);
  CHECK(o.seed == 9);
  CHECK(o.client_id == "id");
  CHECK(o.client_secret == "s");
  CHECK(o.faults.rate_limit_every == 3);
  CHECK(o.faults.retry_after_seconds == 2);
  CHECK(o.faults.server_error_every == 4);
  CHECK(o.faults.server_error_status == 502);
  CHECK(o.faults.token_lifetime_seconds == 0.5);
  CHECK(o.faults.download_url_lifetime_seconds == 1.25);
  CHECK(o.faults.polls_before_ready == 2);
  CHECK(o.faults.drop_download_after_bytes == 1000);
  CHECK(o.faults.drop_download_times == 1);
  CHECK_FALSE(o.faults.accept_ranges);
  CHECK(o.faults.slow_response_ms == 20);
  CHECK(o.faults.denied_scopes == std::vector<std::string>{"bot:import:write"});
  CHECK(o.faults.fail_export);
  CHECK_FALSE(o.faults.never_complete);
  CHECK(o.faults.fault_path_prefix == "/api");
  CHECK(o.bot_ids == std::vector<std::string>{"a", "b"});
  CHECK(o.client_scopes == std::vector<std::string>{"bot:export:read", "x:y"});
  CHECK(o.host == "::1");
  CHECK(o.download_host == "localhost");
  CHECK(o.download_port == 9090);
  CHECK(o.crlf);
  CHECK(o.bom);
  CHECK(o.text_column == "text");
  CHECK(o.chunked_downloads);
  CHECK(o.import_limit_bytes == 100);
  CHECK(o.import_keep_bytes == 10);
  CHECK(o.idempotency_window_seconds == 60);
  CHECK(o.threads == 2);
  CHECK(o.keep_alive_seconds == 1);
}

TEST_CASE("emulator options: --never-complete") {
  auto parsed = parse({"--never-complete"});
  REQUIRE(parsed.ok());
  CHECK(parsed->faults.never_complete);
}

TEST_CASE("emulator options: the export's generator settings come from the options") {
  EmulatorOptions options;
  options.rows = 1234;
  options.seed = 99;
  options.crlf = true;
  options.bom = true;
  options.text_column = "text";
  const auto generator = sluice::emulator::export_generator_options(options);
  CHECK(generator.rows == 1234);
  CHECK(generator.seed == 99);
  CHECK(generator.crlf);
  CHECK(generator.bom);
  CHECK(generator.text_column == "text");
}

TEST_CASE("emulator options: bad flags name the flag") {
  CHECK(error_of({"--bogus"}).find("--bogus") != std::string::npos);
  CHECK(error_of({"rows"}).find("unexpected argument") != std::string::npos);
  CHECK(error_of({"--port"}).find("--port needs a value") != std::string::npos);
  CHECK(error_of({"--port", "70000"}).find("--port") != std::string::npos);
  CHECK(error_of({"--port", "80x"}).find("'80x'") != std::string::npos);
  CHECK(error_of({"--rows", "-1"}).find("--rows") != std::string::npos);
  CHECK(error_of({"--token-lifetime", "0"}).find("--token-lifetime") != std::string::npos);
  CHECK(error_of({"--url-lifetime", "nan"}).find("--url-lifetime") != std::string::npos);
  CHECK(error_of({"--token-lifetime", "1e10"}).find("--token-lifetime") != std::string::npos);
  CHECK(error_of({"--server-error-status", "404"}).find("--server-error-status") !=
        std::string::npos);
  CHECK(error_of({"--no-ranges=yes"}).find("takes no value") != std::string::npos);
  CHECK(error_of({"--fail-export", "--never-complete"}).find("choose one") != std::string::npos);
  CHECK(error_of({"--client-id", ""}).find("client_id") != std::string::npos);
  CHECK(error_of({"--bot-id", "a/b"}).find("bot_ids") != std::string::npos);
  CHECK(error_of({"--import-limit", "0"}).find("import_limit_bytes") != std::string::npos);
}

TEST_CASE("emulator options: validation of options set in code") {
  EmulatorOptions o;
  o.client_scopes = {"has space"};
  CHECK_FALSE(validate_emulator_options(o).ok());
  o = {};
  o.faults.rate_limit_every = -1;
  CHECK_FALSE(validate_emulator_options(o).ok());
  o = {};
  o.faults.token_lifetime_seconds = -1;
  CHECK_FALSE(validate_emulator_options(o).ok());
  o.faults.token_lifetime_seconds = 1e300;
  CHECK_FALSE(validate_emulator_options(o).ok());
  o = {};
  o.threads = 0;
  CHECK_FALSE(validate_emulator_options(o).ok());
}

TEST_CASE("emulator options: the help lists every flag with its default") {
  const std::string help = emulator_help();
  for (const char* flag :
       {"--port N", "--rows N", "--seed N", "--client-id ID", "--client-secret SECRET",
        "--rate-limit-every N", "--server-error-every N", "--token-lifetime S", "--url-lifetime S",
        "--polls-before-ready N", "--drop-after-bytes N", "--no-ranges", "--slow-ms N",
        "--deny-scope SCOPE", "--fail-export", "--never-complete", "--download-host ADDR",
        "--chunked"}) {
    CAPTURE(flag);
    CHECK(help.find(flag) != std::string::npos);
  }
  CHECK(help.find("(default: 1000)") != std::string::npos);
  CHECK(help.find("(default: 900)") != std::string::npos);
}
