#include "support/http/url.hpp"

#include <doctest/doctest.h>

using namespace sluice;
using namespace sluice::nodes::http;

TEST_CASE("parse_url: scheme, host, port, path and query, with fragments dropped") {
  const auto url = parse_url("HTTPS://API.Example.com:8443/api/v2/bots/b1?sig=abc&x=1#frag");
  REQUIRE(url.ok());
  CHECK(url->scheme == "https");
  CHECK(url->host == "api.example.com");
  CHECK(url->port == 8443);
  CHECK(url->path == "/api/v2/bots/b1");
  CHECK(url->query == "sig=abc&x=1");
  CHECK(url->origin() == "https://api.example.com:8443");
  CHECK(url->path_without_query() == "/api/v2/bots/b1");
  CHECK(url->without_query() == "https://api.example.com:8443/api/v2/bots/b1");
}

TEST_CASE("parse_url: default ports, empty path, IPv6") {
  auto url = parse_url("http://127.0.0.1");
  REQUIRE(url.ok());
  CHECK(url->port == 80);
  CHECK(url->path == "/");
  CHECK(url->origin() == "http://127.0.0.1");

  url = parse_url("https://h:443?q");
  REQUIRE(url.ok());
  CHECK(url->origin() == "https://h");
  CHECK(url->path == "/");
  CHECK(url->query == "q");

  url = parse_url("http://[::1]:8080/x");
  REQUIRE(url.ok());
  CHECK(url->host == "[::1]");
  CHECK(url->port == 8080);
  CHECK(url->origin() == "http://[::1]:8080");
}

TEST_CASE("parse_url: rejects what it cannot use, without repeating the URL") {
  for (const char* bad : {"", "/relative/path", "ftp://h/x", "http://", "http://:80/x",
                          "http://user:pw@h/x", "http://h:0/", "http://h:65536/", "http://h:8a/",
                          "http://h:/", "http://h o/", "http://[::1/x", "http://h/a b"}) {
    CAPTURE(bad);
    const auto url = parse_url(bad);
    REQUIRE_FALSE(url.ok());
    CHECK(url.status().code() == StatusCode::invalid_argument);
  }
  const auto secret = parse_url("http://user:hunter2@h/x");
  CHECK(secret.status().message().find("hunter2") == std::string::npos);
}

TEST_CASE("same_origin: scheme, host and port, with default ports normalised") {
  CHECK(same_origin("http://h/a", "http://H:80/b?x"));
  CHECK(same_origin("https://h:443/", "https://h"));
  CHECK_FALSE(same_origin("http://h/", "https://h/"));
  CHECK_FALSE(same_origin("http://h:8080/", "http://h:8081/"));
  CHECK_FALSE(same_origin("http://h/", "http://h.evil.com/"));
  CHECK_FALSE(same_origin("http://127.0.0.1/", "http://localhost/"));
  CHECK_FALSE(same_origin("not a url", "not a url"));
}

TEST_CASE("form_encode: reserved characters, space, plus, UTF-8") {
  CHECK(form_encode("abcXYZ019-._~") == "abcXYZ019-._~");
  CHECK(form_encode("a b") == "a+b");
  CHECK(form_encode("a+b") == "a%2Bb");
  CHECK(form_encode("k=v&x") == "k%3Dv%26x");
  CHECK(form_encode("100%") == "100%25");
  CHECK(form_encode("/?#:@") == "%2F%3F%23%3A%40");
  CHECK(form_encode("\xC3\xBC") == "%C3%BC");  // ü
  CHECK(form_encode("") == "");
  CHECK(form_encode({{"grant_type", "client_credentials"}, {"scope", "a:b c"}}) ==
        "grant_type=client_credentials&scope=a%3Ab+c");
}

TEST_CASE("encode_path_segment: nothing can change the URL's shape") {
  CHECK(encode_path_segment("bot-1_x.y~z") == "bot-1_x.y~z");
  CHECK(encode_path_segment("a/b?c#d e") == "a%2Fb%3Fc%23d%20e");
  CHECK(encode_path_segment("..") == "..");
}
