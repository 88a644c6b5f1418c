#include "support/http/http_types.hpp"

#include <doctest/doctest.h>

using namespace sluice;
using namespace sluice::nodes::http;

TEST_CASE("headers: case-insensitive lookup, set replaces, remove removes all") {
  Headers headers = {
      {"Content-Type", "text/csv"}, {"X-Next-Page-Token", "t1"}, {"x-next-page-token", "t2"}};
  CHECK(find_header(headers, "content-type") == "text/csv");
  CHECK(find_header(headers, "X-NEXT-PAGE-TOKEN") == "t1");
  CHECK_FALSE(find_header(headers, "Retry-After").has_value());

  set_header(headers, "x-next-page-TOKEN", "t3");
  CHECK(find_header(headers, "X-Next-Page-Token") == "t3");
  CHECK(headers.size() == 2);
  remove_header(headers, "CONTENT-TYPE");
  CHECK(headers.size() == 1);

  HttpResponse response;
  response.headers = {{"retry-after", "7"}};
  CHECK(response.header("Retry-After") == "7");
}

TEST_CASE("printable_server_text: one printable line, cut at a character boundary") {
  CHECK(printable_server_text("export failed") == "export failed");
  // Line breaks and a terminal escape cannot start a new log line or colour the terminal.
  CHECK(printable_server_text("bad\r\nFAKE: ok\x1b[31m\x7f") == "bad  FAKE: ok [31m ");
  CHECK(printable_server_text(std::string(300, 'x')) == std::string(200, 'x') + "...");
  CHECK(printable_server_text("abcd\xC3\xA9", 5) == "abcd...");
  CHECK(printable_server_text("abcd\xC3\xA9", 6) == "abcd\xC3\xA9");
}

TEST_CASE("parse_server_error: the contract's error body, OAuth's, and anything else") {
  auto error = parse_server_error(R"({"error":"server_busy","message":"try later","extra":[1]})");
  CHECK(error.code == "server_busy");
  CHECK(error.message == "try later");

  error = parse_server_error(R"({"error":"invalid_client","error_description":"bad secret"})");
  CHECK(error.code == "invalid_client");
  CHECK(error.message == "bad secret");

  error = parse_server_error(R"({"error":"insufficient_scope","required":"bot:deploy"})");
  CHECK(error.code == "insufficient_scope");
  CHECK(error.message.empty());

  for (const char* other : {"", "<html>Bad gateway</html>", "[1,2]", R"({"error":42})", "{"}) {
    CAPTURE(other);
    error = parse_server_error(other);
    CHECK(error.code.empty());
    CHECK(error.message.empty());
  }

  error = parse_server_error("{\"error\":\"x\",\"message\":\"line1\\nline2" +
                             std::string(500, 'a') + "\"}");
  CHECK(error.message.find('\n') == std::string::npos);
  CHECK(error.message.size() == 203);
  CHECK(error.message.ends_with("..."));
  // The cut never splits a character (found by fuzzing): "é" would straddle byte 200 here.
  error = parse_server_error("{\"message\":\"" + std::string(199, 'a') + "\xC3\xA9tail\"}");
  CHECK(error.message == std::string(199, 'a') + "...");
}

TEST_CASE("idempotency: by method, by flag, by Idempotency-Key") {
  CHECK(is_idempotent_method("GET"));
  CHECK(is_idempotent_method("put"));
  CHECK(is_idempotent_method("DELETE"));
  CHECK_FALSE(is_idempotent_method("POST"));
  CHECK_FALSE(is_idempotent_method("PATCH"));

  HttpRequest request;
  request.method = "POST";
  CHECK_FALSE(is_replay_safe(request));
  request.headers.emplace_back("idempotency-key", "k");
  CHECK(is_replay_safe(request));
  request.headers.clear();
  request.idempotent = true;
  CHECK(is_replay_safe(request));
  request.method = "GET";
  request.idempotent = false;
  CHECK_FALSE(is_replay_safe(request));
}

TEST_CASE("describe_outcome and status_code_for") {
  HttpOutcome outcome;
  outcome.failure = Failure::http_status;
  outcome.response.status = 503;
  outcome.response.body = R"({"error":"server_busy","message":"try later"})";
  CHECK(describe_outcome(outcome) == "status 503 (server_busy: try later)");
  CHECK(status_code_for(outcome) == StatusCode::network_error);

  outcome.response.status = 404;
  outcome.response.body = R"({"error":"not_found"})";
  CHECK(describe_outcome(outcome) == "status 404 (not_found)");
  CHECK(status_code_for(outcome) == StatusCode::not_found);

  outcome.response.body = "not json";
  CHECK(describe_outcome(outcome) == "status 404");

  outcome = {};
  outcome.failure = Failure::dropped;
  outcome.detail = "transfer closed with 10 bytes remaining to read";
  CHECK(describe_outcome(outcome) ==
        "connection dropped (transfer closed with 10 bytes remaining to read)");

  outcome.failure = Failure::aborted;
  outcome.abort_status = data_error("row 7 is bad");
  CHECK(describe_outcome(outcome) == "row 7 is bad");
  CHECK(status_code_for(outcome) == StatusCode::data_error);

  outcome.failure = Failure::cancelled;
  CHECK(status_code_for(outcome) == StatusCode::cancelled);
  outcome.failure = Failure::invalid_request;
  CHECK(status_code_for(outcome) == StatusCode::invalid_argument);
  CHECK(std::string(failure_name(Failure::timeout)) == "timeout");
}

TEST_CASE("format_call_log: method, path, status or failure, latency, attempt") {
  HttpOutcome outcome;
  outcome.response.status = 200;
  outcome.latency = std::chrono::milliseconds(12);
  CHECK(format_call_log("GET", "/api/x", outcome, 1, 5) ==
        "GET /api/x -> 200 in 12 ms (attempt 1/5)");
  outcome.failure = Failure::dropped;
  CHECK(format_call_log("POST", "/api/y", outcome, 3, 5) ==
        "POST /api/y -> dropped in 12 ms (attempt 3/5)");
}
