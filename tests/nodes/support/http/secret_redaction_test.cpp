#include "support/http/secret_redaction.hpp"

#include <doctest/doctest.h>

#include <thread>
#include <vector>

using namespace sluice::nodes::http;

TEST_CASE("redact: secrets and tokens replaced wherever they occur") {
  SecretRedactor redactor;
  redactor.add_secret("s3cr+t value&x");
  redactor.add_token("tok-abc-123");
  CHECK(redactor.redact("bad secret s3cr+t value&x here") == "bad secret [redacted] here");
  CHECK(redactor.redact("echo: client_secret=s3cr%2Bt+value%26x") ==
        "echo: client_secret=[redacted]");
  CHECK(redactor.redact("path /x/s3cr%2Bt%20value%26x") == "path /x/[redacted]");
  CHECK(redactor.redact("Bearer tok-abc-123, again tok-abc-123") ==
        "Bearer [redacted], again [redacted]");
  CHECK(redactor.redact("nothing to hide") == "nothing to hide");
}

TEST_CASE("redact: a longer secret that contains a shorter one is removed whole") {
  SecretRedactor redactor;
  redactor.add_token("abcd");
  redactor.add_token("xxabcdyy");
  CHECK(redactor.redact("[xxabcdyy] [abcd]") == "[[redacted]] [[redacted]]");
}

TEST_CASE("redact: too-short secrets are ignored, only the latest tokens are kept") {
  SecretRedactor redactor;
  redactor.add_secret("ab");
  redactor.add_secret("");
  CHECK(redactor.redact("ab cd") == "ab cd");

  for (std::size_t i = 0; i < SecretRedactor::kMaxTokens + 4; ++i) {
    redactor.add_token("token-" + std::to_string(i) + "-end");
  }
  CHECK(redactor.redact("token-0-end") == "token-0-end");
  CHECK(redactor.redact("token-19-end") == "[redacted]");
  redactor.add_secret("permanent-secret");
  for (std::size_t i = 0; i < SecretRedactor::kMaxTokens + 4; ++i) {
    redactor.add_token("later-" + std::to_string(i) + "-end");
  }
  CHECK(redactor.redact("permanent-secret") == "[redacted]");
}

TEST_CASE("redact: safe while tokens are added from other threads") {
  SecretRedactor redactor;
  redactor.add_secret("the-client-secret");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&redactor, t] {
      for (int i = 0; i < 200; ++i) {
        redactor.add_token("tok-" + std::to_string(t) + "-" + std::to_string(i));
        CHECK(redactor.redact("x the-client-secret y") == "x [redacted] y");
      }
    });
  }
  for (auto& thread : threads) thread.join();
}
