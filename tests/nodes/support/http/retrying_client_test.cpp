#include "support/http/retrying_client.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <cstring>
#include <set>
#include <thread>

#include "http_test_support.hpp"

using namespace sluice;
using namespace sluice::nodes::http;
using namespace sluice::nodes::http::testing;
using std::chrono::milliseconds;

namespace {

constexpr const char* kSecret = "client-secret-do-not-leak";

std::string pattern(std::size_t size) {
  std::string text(size, '\0');
  for (std::size_t i = 0; i < size; ++i) text[i] = static_cast<char>('A' + (i * 11 + i / 17) % 26);
  return text;
}

void busy(httplib::Response& res) {
  res.status = 503;
  res.set_content(R"({"error":"server_busy","message":"try later"})", "application/json");
}

/// Serves `content`; the `drop_on` request (1-based; 0 = none) closes the connection once
/// `drop_at` bytes of the body are out. Byte ranges are served when `ranges` is set.
struct FileRoute {
  std::string content;
  std::size_t drop_at = 0;
  int drop_on = 0;
  bool ranges = true;
  /// Answer a range that starts past the end with 416, as RFC 9110 says (cpp-httplib 0.11 by
  /// itself sends a 206 with an invalid Content-Range instead).
  bool answer_416 = true;
  std::atomic<int> requests{0};
  std::mutex mutex;
  std::vector<std::string> range_headers;
  std::vector<std::string> authorization;

  void install(httplib::Server& server, const std::string& path) {
    server.Get(path, [this](const httplib::Request& req, httplib::Response& res) {
      const int number = ++requests;
      {
        std::lock_guard lock(mutex);
        range_headers.push_back(req.get_header_value("Range"));
        authorization.push_back(req.get_header_value("Authorization"));
      }
      if (ranges) res.set_header("Accept-Ranges", "bytes");
      if (answer_416 && !req.ranges.empty() &&
          req.ranges.front().first >= static_cast<std::int64_t>(content.size())) {
        res.status = 416;
        res.set_header("Content-Range", "bytes */" + std::to_string(content.size()));
        return;
      }
      const bool drop = number == drop_on;
      res.set_content_provider(
          content.size(), "text/csv",
          [this, drop](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
            if (offset >= content.size() || (drop && offset >= drop_at)) return false;
            std::size_t n = std::min<std::size_t>(length, 1000);
            if (drop) n = std::min(n, drop_at - offset);
            sink.write(content.data() + offset, n);
            return true;
          });
    });
  }
};

struct Fixture {
  LocalServer api;      // the platform: COGNIGY_BASE_URL
  LocalServer storage;  // another origin, e.g. where signed download URLs point
  TokenEndpoint endpoint;
  RecordingSleeper sleeps;
  LogCapture logs;
  std::atomic<bool> cancel{false};

  void start() {
    endpoint.install(api.server());
    api.start();
    storage.start();
  }

  HttpClientOptions http() {
    HttpClientOptions options;
    options.connect_timeout = milliseconds(2000);
    options.request_timeout = milliseconds(5000);
    options.stream_timeout = milliseconds(5000);
    options.cancelled = [this] { return cancel.load(); };
    return options;
  }

  std::shared_ptr<TokenCache> tokens() {
    TokenCacheOptions options;
    options.token_url = api.url("/oauth/token");
    options.client_id = "sluice-client";
    options.client_secret = kSecret;
    options.scope = "bot:export:read bot:import:write";
    options.http = http();
    options.sleeper = sleeps.sleeper();
    options.log = logs.sink();
    return std::make_shared<TokenCache>(options, RetryPolicy({}, seeded_random(3)));
  }

  std::unique_ptr<RetryingClient> client(HttpClientOptions http_options = {},
                                         bool with_tokens = true) {
    RetryingClientOptions options;
    options.base_url = api.origin();
    options.http =
        http_options.connect_timeout == HttpClientOptions().connect_timeout ? http() : http_options;
    options.sleeper = sleeps.sleeper();
    options.log = logs.sink();
    return std::make_unique<RetryingClient>(options, RetryPolicy({}, seeded_random(7)),
                                            with_tokens ? tokens() : nullptr);
  }
};

HttpRequest request(std::string method, std::string url) {
  HttpRequest r;
  r.method = std::move(method);
  r.url = std::move(url);
  return r;
}

}  // namespace

TEST_CASE("429 is retried after Retry-After, for any method") {
  std::atomic<int> calls{0};
  Fixture f;
  f.api.server().Post("/api/v2/bots/b1/exports",
                      [&](const httplib::Request&, httplib::Response& res) {
                        if (++calls <= 2) {
                          res.status = 429;
                          res.set_header("Retry-After", "3");
                          res.set_content(R"({"error":"rate_limited"})", "application/json");
                          return;
                        }
                        res.status = 201;
                        res.set_content(R"({"id":"e1","status":"pending"})", "application/json");
                      });
  f.start();
  auto client = f.client();
  auto post = request("POST", f.api.url("/api/v2/bots/b1/exports"));
  post.body = R"({"name":"x","format":"csv"})";
  const auto response = client->call(post);
  REQUIRE(response.ok());
  CHECK(response->status == 201);
  CHECK(calls == 3);
  CHECK(f.sleeps.delays() == std::vector<milliseconds>{milliseconds(3000), milliseconds(3000)});
}

TEST_CASE("5xx: retried for idempotent calls and creating POSTs, with one Idempotency-Key") {
  std::atomic<int> gets{0};
  std::atomic<int> plain_posts{0};
  std::mutex mutex;
  std::vector<std::string> keys;
  Fixture f;
  f.api.server().Get("/api/v2/bots/b1/exports/e1",
                     [&](const httplib::Request&, httplib::Response& res) {
                       ++gets;
                       busy(res);
                     });
  f.api.server().Post("/api/v2/things", [&](const httplib::Request&, httplib::Response& res) {
    ++plain_posts;
    busy(res);
  });
  f.api.server().Post("/api/v2/bots/b1/imports",
                      [&](const httplib::Request& req, httplib::Response& res) {
                        std::lock_guard lock(mutex);
                        keys.push_back(req.get_header_value("Idempotency-Key"));
                        if (keys.size() < 3 || req.get_param_value("always") == "busy") {
                          busy(res);
                          return;
                        }
                        res.status = 201;
                        res.set_content(R"({"id":"i1","rows":2})", "application/json");
                      });
  f.start();
  auto client = f.client();

  const auto get = client->call(request("GET", f.api.url("/api/v2/bots/b1/exports/e1")));
  REQUIRE_FALSE(get.ok());
  CHECK(gets == 5);
  CHECK(get.status().code() == StatusCode::network_error);
  CHECK(get.status().message() ==
        "GET /api/v2/bots/b1/exports/e1 failed after 5 attempts: last status 503 (server_busy: try "
        "later)");

  const auto plain = client->call(request("POST", f.api.url("/api/v2/things")));
  REQUIRE_FALSE(plain.ok());
  CHECK(plain_posts == 1);
  CHECK(plain.status().message() ==
        "POST /api/v2/things failed: status 503 (server_busy: try later)");

  auto create = request("POST", f.api.url("/api/v2/bots/b1/imports"));
  create.creating = true;
  const auto created = client->call(create);
  REQUIRE(created.ok());
  CHECK(created->status == 201);
  REQUIRE(keys.size() == 3);
  CHECK(keys[0].size() == 32);
  CHECK(keys[0].find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(keys[1] == keys[0]);
  CHECK(keys[2] == keys[0]);

  // A second creating call is a different operation: a different key.
  keys.clear();
  create.url = f.api.url("/api/v2/bots/b1/imports?always=busy");
  const auto failed = client->call(create);
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.status().message() ==
        "POST /api/v2/bots/b1/imports failed after 5 attempts: last status 503 (server_busy: try "
        "later)");
  REQUIRE(keys.size() == 5);
  CHECK(std::set<std::string>(keys.begin(), keys.end()).size() == 1);
  CHECK(keys[0] != new_idempotency_key());
}

TEST_CASE("a streamed upload body is replayed in full on every attempt") {
  std::mutex mutex;
  std::vector<std::string> bodies;
  Fixture f;
  const std::string content = pattern(120'000);
  f.api.server().Post("/api/v1/datasets/upload",
                      [&](const httplib::Request& req, httplib::Response& res) {
                        std::lock_guard lock(mutex);
                        bodies.push_back(req.body);
                        if (bodies.size() == 1) {
                          busy(res);
                          return;
                        }
                        res.status = 201;
                        res.set_content(R"({"datasetId":"d1","utterances":3})", "application/json");
                      });
  f.start();
  auto client = f.client();
  auto upload = request("POST", f.api.url("/api/v1/datasets/upload"));
  upload.creating = true;
  upload.stream = BodySource{[&content]() -> BodyReader {
                               auto offset = std::make_shared<std::size_t>(0);
                               return [&content, offset](char* buffer, std::size_t capacity) {
                                 const std::size_t n = std::min(capacity, content.size() - *offset);
                                 std::memcpy(buffer, content.data() + *offset, n);
                                 *offset += n;
                                 return n;
                               };
                             },
                             std::nullopt};
  REQUIRE(client->call(upload).ok());
  REQUIRE(bodies.size() == 2);
  CHECK(bodies[0] == content);
  CHECK(bodies[1] == content);
}

TEST_CASE("download: a dropped body resumes with Range where the server allows it") {
  FileRoute file;
  Fixture f;
  file.content = pattern(25'000);
  file.drop_on = 1;
  file.drop_at = 7'000;
  file.install(f.storage.server(), "/signed/export.csv");
  f.start();
  auto client = f.client();

  std::string received;
  std::uint64_t delivered = 0;
  const auto response = client->download(
      request("GET", f.storage.url("/signed/export.csv?sig=abc")),
      [&](std::string_view chunk) {
        received += chunk;
        return true;
      },
      delivered);
  REQUIRE(response.ok());
  CHECK(response->status == 206);
  CHECK(received == file.content);
  CHECK(delivered == file.content.size());
  CHECK(file.range_headers == std::vector<std::string>{"", "bytes=7000-"});
  const auto lines = f.logs.lines();
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].starts_with("GET /signed/export.csv -> dropped in "));
  CHECK(lines[1].starts_with("GET /signed/export.csv -> 206 in "));
  CHECK(lines[1].ends_with("(attempt 2/5)"));
}

TEST_CASE("download: without Accept-Ranges it downloads again and skips what it has") {
  FileRoute file;
  Fixture f;
  file.content = pattern(25'000);
  file.drop_on = 1;
  file.drop_at = 9'500;
  file.ranges = false;
  file.install(f.storage.server(), "/signed/export.csv");
  f.start();
  auto client = f.client();

  std::string received;
  const auto response = client->download(request("GET", f.storage.url("/signed/export.csv")),
                                         [&](std::string_view chunk) {
                                           received += chunk;
                                           return true;
                                         });
  REQUIRE(response.ok());
  CHECK(response->status == 200);
  CHECK(received == file.content);
  CHECK(file.range_headers == std::vector<std::string>{"", ""});
}

TEST_CASE("download: a caller continues after a fresh URL, expired URLs come back as values") {
  FileRoute file;
  Fixture f;
  file.content = pattern(20'000);
  file.install(f.storage.server(), "/signed/v2/export.csv");
  f.storage.server().Get("/signed/v1/export.csv",
                         [&](const httplib::Request&, httplib::Response& res) {
                           res.status = 403;
                           res.set_content(R"({"error":"url_expired"})", "application/json");
                         });
  f.start();
  auto client = f.client();

  std::string received = file.content.substr(0, 5000);  // got this far with the first URL
  std::uint64_t delivered = received.size();
  const BodySink sink = [&](std::string_view chunk) {
    received += chunk;
    return true;
  };
  auto expired_request = request("GET", f.storage.url("/signed/v1/export.csv"));
  expired_request.expected_statuses = {403};
  const auto expired = client->download(expired_request, sink, delivered);
  REQUIRE(expired.ok());
  CHECK(expired->status == 403);
  CHECK(parse_server_error(expired->body).code == "url_expired");
  CHECK(delivered == 5000);

  const auto fresh =
      client->download(request("GET", f.storage.url("/signed/v2/export.csv")), sink, delivered);
  REQUIRE(fresh.ok());
  CHECK(received == file.content);
  CHECK(file.range_headers == std::vector<std::string>{"bytes=5000-"});
}

TEST_CASE("download: a resource shorter than what the caller has is an error, not a silent gap") {
  for (const bool answer_416 : {true, false}) {
    CAPTURE(answer_416);
    FileRoute file;
    Fixture f;
    file.content = pattern(3'000);
    file.answer_416 = answer_416;
    file.install(f.storage.server(), "/signed/export.csv");
    f.start();
    auto client = f.client();

    std::uint64_t delivered = 5'000;
    bool fed = false;
    const auto result = client->download(
        request("GET", f.storage.url("/signed/export.csv")),
        [&](std::string_view) {
          fed = true;
          return true;
        },
        delivered);
    REQUIRE_FALSE(result.ok());
    CHECK(result.status().code() == StatusCode::data_error);
    CHECK_FALSE(fed);
    CHECK(delivered == 5'000);
    if (answer_416) {
      // The range was refused, so the client fell back to a full download, then saw it short.
      CHECK(result.status().message().find("shorter than the 5000 bytes already received") !=
            std::string::npos);
      CHECK(file.range_headers == std::vector<std::string>{"bytes=5000-", ""});
    } else {
      CHECK(result.status().message().find("(Content-Range: bytes 5000-2999/3000) that does not "
                                           "continue at byte 5000") != std::string::npos);
    }
  }
}

TEST_CASE("dropped connections and timeouts: retried when replay-safe only") {
  FileRoute file;
  std::atomic<int> posts{0};
  Gate release;
  std::atomic<int> slow_calls{0};
  Fixture f;
  file.content = R"({"id":"e1","status":"completed"})" + std::string(3000, ' ');
  file.drop_on = 1;
  file.drop_at = 10;
  file.install(f.api.server(), "/api/v2/bots/b1/exports/e1");
  f.api.server().Post(
      "/api/v2/bots/b1/deploy", [&](const httplib::Request&, httplib::Response& res) {
        ++posts;
        res.set_content_provider(100, "application/json",
                                 [](std::size_t, std::size_t, httplib::DataSink& sink) {
                                   sink.write("{\"dep", 5);
                                   return false;
                                 });
      });
  f.api.server().Get("/api/v2/slow", [&](const httplib::Request&, httplib::Response& res) {
    if (++slow_calls == 1) release.wait(milliseconds(3000));
    res.set_content("{}", "application/json");
  });
  f.start();

  auto client = f.client();
  const auto polled = client->call(request("GET", f.api.url("/api/v2/bots/b1/exports/e1")));
  REQUIRE(polled.ok());
  CHECK(polled->body == file.content);
  CHECK(file.requests == 2);

  const auto deployed = client->call(request("POST", f.api.url("/api/v2/bots/b1/deploy")));
  REQUIRE_FALSE(deployed.ok());
  CHECK(posts == 1);
  CHECK(deployed.status().message().starts_with(
      "POST /api/v2/bots/b1/deploy failed: connection dropped"));

  HttpClientOptions quick = f.http();
  quick.request_timeout = milliseconds(300);
  auto impatient = f.client(quick);
  const auto slow = impatient->call(request("GET", f.api.url("/api/v2/slow")));
  release.open();
  REQUIRE(slow.ok());
  CHECK(slow_calls == 2);
  const std::string log = f.logs.all();
  CHECK(log.find("GET /api/v2/slow -> timeout in ") != std::string::npos);
  CHECK(log.find("GET /api/v2/slow -> 200 in ") != std::string::npos);
}

TEST_CASE("401: the token is refreshed once and the call repeated once") {
  std::atomic<int> calls{0};
  std::atomic<bool> accept_second{true};
  Fixture f;
  f.api.server().Get("/api/v2/me", [&](const httplib::Request& req, httplib::Response& res) {
    ++calls;
    if (accept_second &&
        req.get_header_value("Authorization") == "Bearer " + TokenEndpoint::token(2)) {
      res.set_content(R"({"ok":true})", "application/json");
      return;
    }
    res.status = 401;
    res.set_content(R"({"error":"invalid_token","message":"expired"})", "application/json");
  });
  f.start();
  auto client = f.client();

  REQUIRE(client->call(request("GET", f.api.url("/api/v2/me"))).ok());
  CHECK(calls == 2);
  CHECK(f.endpoint.requests == 2);

  accept_second = false;
  calls = 0;
  const auto refused = client->call(request("GET", f.api.url("/api/v2/me")));
  REQUIRE_FALSE(refused.ok());
  CHECK(calls == 2);
  CHECK(f.endpoint.requests == 3);
  CHECK(refused.status().message() ==
        "GET /api/v2/me failed after 2 attempts: last status 401 (invalid_token: expired)");
  CHECK(f.sleeps.delays().empty());
}

TEST_CASE("401 from many threads with one stale token: a single refresh") {
  std::atomic<int> calls{0};
  Fixture f;
  f.api.server().Get("/api/v2/me", [&](const httplib::Request& req, httplib::Response& res) {
    ++calls;
    if (req.get_header_value("Authorization") == "Bearer " + TokenEndpoint::token(1)) {
      res.status = 401;
      return;
    }
    res.set_content(R"({"ok":true})", "application/json");
  });
  f.start();
  auto client = f.client();
  constexpr int kThreads = 8;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      if (client->call(request("GET", f.api.url("/api/v2/me"))).ok()) ++ok;
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(ok == kThreads);
  CHECK(f.endpoint.requests == 2);
  CHECK(calls <= 2 * kThreads);
}

TEST_CASE("the bearer token goes to the platform origin only") {
  std::string api_auth;
  FileRoute file;
  std::string webhook_auth = "unset";
  Fixture f;
  f.api.server().Get("/api/v2/bots/b1/exports/e1",
                     [&](const httplib::Request& req, httplib::Response& res) {
                       api_auth = req.get_header_value("Authorization");
                       res.set_content(R"({"status":"completed"})", "application/json");
                     });
  file.content = "utterance\nhello\n";
  file.install(f.storage.server(), "/signed/export.csv");
  f.storage.server().Post("/hook", [&](const httplib::Request& req, httplib::Response& res) {
    webhook_auth = req.get_header_value("Authorization");
    res.status = 204;
  });
  f.start();
  auto client = f.client();

  REQUIRE(client->call(request("GET", f.api.url("/api/v2/bots/b1/exports/e1"))).ok());
  CHECK(api_auth == "Bearer " + TokenEndpoint::token(1));

  std::string received;
  REQUIRE(client
              ->download(request("GET", f.storage.url("/signed/export.csv?sig=s")),
                         [&](std::string_view c) {
                           received += c;
                           return true;
                         })
              .ok());
  CHECK(received == file.content);
  CHECK(file.authorization == std::vector<std::string>{""});

  auto hook = request("POST", f.storage.url("/hook"));
  hook.body = "{}";
  REQUIRE(client->call(hook).ok());
  CHECK(webhook_auth.empty());

  // Same host, another port: another origin.
  CHECK(f.api.origin() != f.storage.origin());
}

TEST_CASE("no secret, token, header or query string reaches a log line or an error") {
  Fixture f;
  f.api.server().Get("/api/v2/echo", [&](const httplib::Request& req, httplib::Response& res) {
    busy(res);
    // A careless server that echoes the Authorization header back in its error message.
    res.set_content(
        R"({"error":"server_busy","message":")" + req.get_header_value("Authorization") + "\"}",
        "application/json");
  });
  f.api.server().Get("/api/v2/forbidden", [&](const httplib::Request&, httplib::Response& res) {
    res.status = 403;
    res.set_content(
        R"({"error":"insufficient_scope","message":"client_secret=)" + std::string(kSecret) + "\"}",
        "application/json");
  });
  f.start();
  auto client = f.client();

  const auto echoed = client->call(request("GET", f.api.url("/api/v2/echo?sig=QUERYSECRET&x=1")));
  REQUIRE_FALSE(echoed.ok());
  CHECK(
      echoed.status().message() ==
      "GET /api/v2/echo failed after 5 attempts: last status 503 (server_busy: Bearer [redacted])");
  const auto forbidden =
      client->call(request("GET", f.api.url("/api/v2/forbidden?sig=QUERYSECRET")));
  REQUIRE_FALSE(forbidden.ok());
  CHECK(forbidden.status().message() ==
        "GET /api/v2/forbidden failed: status 403 (insufficient_scope: client_secret=[redacted])");

  const std::string log = f.logs.all();
  CHECK(f.logs.lines().size() == 7);  // 1 token request + 5 + 1 calls
  for (const std::string& text : {log, echoed.status().message(), forbidden.status().message()}) {
    CHECK(text.find(kSecret) == std::string::npos);
    CHECK(text.find("access-token") == std::string::npos);
    CHECK(text.find("QUERYSECRET") == std::string::npos);
    CHECK(text.find("sig=") == std::string::npos);
    CHECK(text.find("Authorization") == std::string::npos);
    CHECK(text.find("Idempotency") == std::string::npos);
  }
  for (const auto& line : f.logs.lines()) {
    CAPTURE(line);
    CHECK((line.starts_with("GET /api/v2/") || line.starts_with("POST /oauth/token ")));
  }
}

TEST_CASE(
    "without a token cache nothing is authorised, webhooks retry 5xx when marked idempotent") {
  std::atomic<int> hooks{0};
  std::string auth = "unset";
  Fixture f;
  f.storage.server().Post("/hook", [&](const httplib::Request& req, httplib::Response& res) {
    auth = req.get_header_value("Authorization");
    if (++hooks < 3) {
      res.status = 502;
      return;
    }
    res.status = 200;
  });
  f.start();
  RetryingClientOptions options;
  options.http = f.http();
  options.sleeper = f.sleeps.sleeper();
  RetryOptions three;
  three.max_attempts = 3;
  RetryingClient webhooks(options, RetryPolicy(three), nullptr);
  auto hook = request("POST", f.storage.url("/hook"));
  hook.headers = {{"Content-Type", "application/json"}};
  hook.body = R"({"event":"archival.completed"})";
  hook.idempotent = true;
  REQUIRE(webhooks.call(hook).ok());
  CHECK(hooks == 3);
  CHECK(auth.empty());
  CHECK(f.endpoint.requests == 0);
}

TEST_CASE("cancellation while waiting to retry ends the call as cancelled") {
  Fixture f;
  f.api.server().Get("/api/v2/busy",
                     [](const httplib::Request&, httplib::Response& res) { busy(res); });
  f.start();
  RetryingClientOptions options;
  options.base_url = f.api.origin();
  options.http = f.http();
  options.sleeper = [&](milliseconds, const std::function<bool()>& cancelled) {
    f.cancel = true;
    return !(cancelled && cancelled());
  };
  RetryingClient client(options, RetryPolicy(), f.tokens());
  const auto result = client.call(request("GET", f.api.url("/api/v2/busy")));
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == StatusCode::cancelled);
  CHECK(result.status().message() == "GET /api/v2/busy cancelled");
}

TEST_CASE("configuration errors are reported, not thrown") {
  Fixture f;
  f.start();
  RetryingClientOptions options;
  options.base_url = "not a url";
  RetryingClient client(options, RetryPolicy(), f.tokens());
  const auto result = client.call(request("GET", f.api.url("/api/v2/x")));
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == StatusCode::invalid_argument);
  CHECK(result.status().message().starts_with("the platform base URL: invalid URL"));

  auto good = f.client();
  const auto bad_url = good->call(request("GET", "ftp://example.com/x"));
  CHECK(bad_url.status().code() == StatusCode::invalid_argument);
}
