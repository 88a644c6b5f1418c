#include "support/http/token_cache.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "http_test_support.hpp"

using namespace sluice;
using namespace sluice::nodes::http;
using namespace sluice::nodes::http::testing;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

constexpr const char* kSecret = "s3cr+t =&%\xC3\xA9-very-secret";

/// A clock the test moves by hand.
struct ManualClock {
  std::shared_ptr<std::atomic<std::int64_t>> ms =
      std::make_shared<std::atomic<std::int64_t>>(1'000'000);
  std::function<std::chrono::steady_clock::time_point()> fn() const {
    return [ms = ms] { return std::chrono::steady_clock::time_point(milliseconds(ms->load())); };
  }
  void advance(milliseconds by) { *ms += by.count(); }
};

struct Fixture {
  LocalServer local;
  TokenEndpoint endpoint;
  RecordingSleeper sleeps;
  LogCapture logs;
  ManualClock clock;

  void start() {
    endpoint.install(local.server());
    local.start();
  }

  TokenCacheOptions options() {
    TokenCacheOptions options;
    options.token_url = local.url("/oauth/token");
    options.client_id = "client&id=1 \xC3\xBC";
    options.client_secret = kSecret;
    options.scope = "bot:export:read bot:import:write";
    options.http.connect_timeout = milliseconds(2000);
    options.http.request_timeout = milliseconds(5000);
    options.sleeper = sleeps.sleeper();
    options.clock = clock.fn();
    options.log = logs.sink();
    return options;
  }

  std::shared_ptr<TokenCache> cache() {
    return std::make_shared<TokenCache>(options(), RetryPolicy({}, seeded_random(1)));
  }
};

}  // namespace

TEST_CASE("token request: form-encoded credentials and scope, special characters included") {
  Fixture f;
  f.start();
  auto tokens = f.cache();
  const auto token = tokens->get();
  REQUIRE(token.ok());
  CHECK(token->access_token == TokenEndpoint::token(1));
  CHECK(f.endpoint.last_content_type() == "application/x-www-form-urlencoded");
  CHECK(f.endpoint.last_body() ==
        "grant_type=client_credentials&client_id=client%26id%3D1+%C3%BC"
        "&client_secret=s3cr%2Bt+%3D%26%25%C3%A9-very-secret"
        "&scope=bot%3Aexport%3Aread+bot%3Aimport%3Awrite");
  // And a real form parser decodes them back to the originals.
  CHECK(f.endpoint.last_param("grant_type") == "client_credentials");
  CHECK(f.endpoint.last_param("client_id") == "client&id=1 \xC3\xBC");
  CHECK(f.endpoint.last_param("client_secret") == kSecret);
  CHECK(f.endpoint.last_param("scope") == "bot:export:read bot:import:write");
}

TEST_CASE("token request: an empty scope is left out") {
  Fixture f;
  f.start();
  auto options = f.options();
  options.scope.clear();
  TokenCache tokens(options, RetryPolicy());
  REQUIRE(tokens.get().ok());
  CHECK(f.endpoint.last_param("scope") == "<absent>");
}

TEST_CASE("refresh: 30 s before expiry, or at half-life for tokens of 60 s or less") {
  CHECK(TokenCache::usable_for(seconds(3600)) == seconds(3570));
  CHECK(TokenCache::usable_for(seconds(61)) == seconds(31));
  CHECK(TokenCache::usable_for(seconds(60)) == seconds(30));
  CHECK(TokenCache::usable_for(seconds(40)) == seconds(20));
  CHECK(TokenCache::usable_for(seconds(1)) == milliseconds(500));
  CHECK(TokenCache::usable_for(seconds(-5)) == seconds(0));

  struct Case {
    int expires_in;
    milliseconds fresh_until;
  };
  for (const Case c : {Case{3600, seconds(3570)}, Case{60, seconds(30)}, Case{40, seconds(20)},
                       Case{-1, seconds(270)}}) {
    CAPTURE(c.expires_in);
    Fixture f;
    f.endpoint.expires_in = c.expires_in;
    f.start();
    auto tokens = f.cache();
    REQUIRE(tokens->get()->access_token == TokenEndpoint::token(1));
    f.clock.advance(c.fresh_until - milliseconds(1));
    REQUIRE(tokens->get()->access_token == TokenEndpoint::token(1));
    CHECK(f.endpoint.requests == 1);
    f.clock.advance(milliseconds(1));
    const auto next = tokens->get();
    REQUIRE(next.ok());
    CHECK(next->access_token == TokenEndpoint::token(2));
    CHECK(next->generation == 2);
    CHECK(f.endpoint.requests == 2);
  }
}

TEST_CASE("concurrent callers share one token request") {
  Fixture f;
  f.endpoint.delay_ms = 80;  // keep the request open while every thread arrives
  f.start();
  auto tokens = f.cache();
  constexpr int kThreads = 16;
  std::vector<std::string> seen(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      const auto token = tokens->get();
      seen[static_cast<std::size_t>(i)] =
          token.ok() ? token->access_token : token.status().message();
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(f.endpoint.requests == 1);
  for (const auto& token : seen) CHECK(token == TokenEndpoint::token(1));
}

TEST_CASE("invalidate: only the refused generation, many 401s of one token refresh once") {
  Fixture f;
  f.start();
  auto tokens = f.cache();
  const auto first = tokens->get();
  REQUIRE(first.ok());

  tokens->invalidate(first->generation + 7);  // not the current token: ignored
  CHECK(tokens->get()->access_token == TokenEndpoint::token(1));
  CHECK(f.endpoint.requests == 1);

  f.endpoint.delay_ms = 50;
  std::vector<std::thread> threads;
  std::atomic<int> second_token{0};
  for (int i = 0; i < 12; ++i) {
    threads.emplace_back([&] {
      // Each of these callers was refused with the first token.
      tokens->invalidate(first->generation);
      const auto token = tokens->get();
      if (token.ok() && token->access_token == TokenEndpoint::token(2)) ++second_token;
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(f.endpoint.requests == 2);
  CHECK(second_token == 12);
}

TEST_CASE("errors: invalid_client and invalid_scope are explained, never retried, never leak") {
  Fixture f;
  f.endpoint.fault = [](int, const httplib::Request& req, httplib::Response& res) {
    const bool scope = req.get_param_value("scope") == "bot:deploy";
    res.status = scope ? 400 : 401;
    // A careless server echoing the secret back.
    res.set_content(std::string(R"({"error":")") + (scope ? "invalid_scope" : "invalid_client") +
                        R"(","message":"client_secret=)" + req.get_param_value("client_secret") +
                        "\"}",
                    "application/json");
    return true;
  };
  f.start();

  auto tokens = f.cache();
  const auto refused = tokens->get();
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == StatusCode::invalid_argument);
  CHECK(refused.status().message() ==
        "the platform rejected the client credentials (invalid_client); check COGNIGY_CLIENT_ID "
        "and COGNIGY_CLIENT_SECRET");
  CHECK(f.endpoint.requests == 1);
  CHECK(f.sleeps.delays().empty());

  auto options = f.options();
  options.scope = "bot:deploy";
  TokenCache scoped(options, RetryPolicy());
  const auto bad_scope = scoped.get();
  REQUIRE_FALSE(bad_scope.ok());
  CHECK(bad_scope.status().code() == StatusCode::invalid_argument);
  CHECK(bad_scope.status().message().find("\"bot:deploy\" (invalid_scope)") != std::string::npos);

  for (const auto& text :
       {refused.status().message(), bad_scope.status().message(), f.logs.all()}) {
    CHECK(text.find("very-secret") == std::string::npos);
    CHECK(text.find("%C3%A9-very") == std::string::npos);
  }
}

TEST_CASE("retries: 429 with Retry-After, 5xx and dropped connections, then success") {
  Fixture f;
  f.endpoint.fault = [](int number, const httplib::Request&, httplib::Response& res) {
    if (number == 1) {
      res.status = 429;
      res.set_header("Retry-After", "2");
      return true;
    }
    if (number == 2) {
      res.status = 503;
      res.set_content(R"({"error":"server_busy"})", "application/json");
      return true;
    }
    if (number == 3) {
      res.set_content_provider(100, "application/json",
                               [](std::size_t, std::size_t, httplib::DataSink& sink) {
                                 sink.write("{\"acc", 5);
                                 return false;  // close the connection mid-body
                               });
      return true;
    }
    return false;
  };
  f.start();
  auto tokens = f.cache();
  const auto token = tokens->get();
  REQUIRE(token.ok());
  CHECK(token->access_token == TokenEndpoint::token(4));
  const auto delays = f.sleeps.delays();
  REQUIRE(delays.size() == 3);
  CHECK(delays[0] == milliseconds(2000));
  CHECK(delays[1] <= milliseconds(1000));
  CHECK(delays[2] <= milliseconds(2000));

  const auto lines = f.logs.lines();
  REQUIRE(lines.size() == 4);
  CHECK(lines[0].starts_with("POST /oauth/token -> 429 in "));
  CHECK(lines[0].ends_with(" ms (attempt 1/5)"));
  CHECK(lines[1].starts_with("POST /oauth/token -> 503 in "));
  CHECK(lines[2].starts_with("POST /oauth/token -> dropped in "));
  CHECK(lines[3].starts_with("POST /oauth/token -> 200 in "));
  CHECK(lines[3].ends_with("(attempt 4/5)"));
  CHECK(f.logs.all().find("access-token") == std::string::npos);
}

TEST_CASE("a failed refresh is reported to every caller that waited for it") {
  Fixture f;
  f.endpoint.fault = [](int number, const httplib::Request&, httplib::Response& res) {
    // The first answer is slow, so that every caller arrives while it is awaited.
    if (number == 1) std::this_thread::sleep_for(milliseconds(60));
    res.status = 503;
    res.set_content(R"({"error":"server_busy","message":"try later"})", "application/json");
    return true;
  };
  f.start();
  auto tokens = f.cache();
  std::vector<std::string> errors(6);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < errors.size(); ++i) {
    threads.emplace_back([&, i] { errors[i] = tokens->get().status().message(); });
  }
  for (auto& thread : threads) thread.join();
  CHECK(f.endpoint.requests == 5);  // one caller's five attempts, shared by all
  for (const auto& error : errors) {
    CHECK(error ==
          "fetching an access token: POST /oauth/token failed after 5 attempts: last status 503 "
          "(server_busy: try later)");
  }
}

TEST_CASE("cancellation while waiting to retry ends a token fetch") {
  Fixture f;
  f.endpoint.fault = [](int, const httplib::Request&, httplib::Response& res) {
    res.status = 503;
    return true;
  };
  f.start();
  auto options = f.options();
  std::atomic<bool> cancel{false};
  options.http.cancelled = [&] { return cancel.load(); };
  options.sleeper = [&](milliseconds, const std::function<bool()>&) {
    cancel = true;  // the run is cancelled while we wait to retry
    return false;
  };
  TokenCache tokens(options, RetryPolicy());
  const auto token = tokens.get();
  REQUIRE_FALSE(token.ok());
  CHECK(token.status().code() == StatusCode::cancelled);
  CHECK(f.endpoint.requests == 1);
}

TEST_CASE("cancellation ends a slow token request and the callers waiting on it") {
  Gate release;
  Fixture f;
  f.endpoint.fault = [&](int, const httplib::Request&, httplib::Response& res) {
    release.wait(milliseconds(3000));
    res.status = 503;
    return true;
  };
  f.start();
  auto options = f.options();
  std::atomic<bool> cancel{false};
  options.http.cancelled = [&] { return cancel.load(); };
  TokenCache tokens(options, RetryPolicy());

  std::vector<StatusCode> codes(4, StatusCode::ok);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < codes.size(); ++i) {
    threads.emplace_back([&, i] { codes[i] = tokens.get().status().code(); });
  }
  std::this_thread::sleep_for(milliseconds(50));
  const auto started = std::chrono::steady_clock::now();
  cancel = true;
  for (auto& thread : threads) thread.join();
  CHECK(std::chrono::steady_clock::now() - started < milliseconds(500));
  release.open();
  for (const auto code : codes) CHECK(code == StatusCode::cancelled);
  CHECK(f.endpoint.requests == 1);
}
