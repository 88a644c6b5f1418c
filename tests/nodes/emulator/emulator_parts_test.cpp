// The emulator's building blocks, each without a server: Range decisions, form decoding, the
// Authorization header, JSON writing, hashing, the token and idempotency stores, the export
// stream and the import receiver.

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "emulator/byte_range.hpp"
#include "emulator/crypto.hpp"
#include "emulator/export_stream.hpp"
#include "emulator/http_auth.hpp"
#include "emulator/idempotency_store.hpp"
#include "emulator/import_receiver.hpp"
#include "emulator/json_text.hpp"
#include "emulator/token_store.hpp"
#include "emulator/url_form.hpp"
#include "support/utterance_generator.hpp"

namespace em = sluice::emulator;
using Kind = em::RangeDecision::Kind;

TEST_CASE("emulator parts: decide_range") {
  auto check = [](const char* header, std::uint64_t total, Kind kind, std::uint64_t first = 0,
                  std::uint64_t last = 0) {
    CAPTURE(header);
    const auto d = em::decide_range(header, total);
    CHECK(d.kind == kind);
    if (kind == Kind::partial) {
      CHECK(d.first == first);
      CHECK(d.last == last);
    }
  };
  check("bytes=10-", 100, Kind::partial, 10, 99);
  check("bytes=0-", 100, Kind::partial, 0, 99);
  check("bytes=10-19", 100, Kind::partial, 10, 19);
  check("bytes=10-500", 100, Kind::partial, 10, 99);
  check(" Bytes = 10 - 19 ", 100, Kind::partial, 10, 19);
  check("bytes=-10", 100, Kind::partial, 90, 99);
  check("bytes=-500", 100, Kind::partial, 0, 99);
  check("bytes=99-", 100, Kind::partial, 99, 99);
  check("bytes=100-", 100, Kind::unsatisfiable);
  check("bytes=-0", 100, Kind::unsatisfiable);
  check("bytes=0-", 0, Kind::unsatisfiable);
  check("bytes=0-1,5-6", 100, Kind::full);
  check("items=0-1", 100, Kind::full);
  check("bytes=x-", 100, Kind::full);
  check("bytes=20-10", 100, Kind::full);
  check("bytes=", 100, Kind::full);
  check("bytes=99999999999999999999-", 100, Kind::full);
}

TEST_CASE("emulator parts: form decoding") {
  CHECK(*em::form_decode("a+b%20c%2B%2f%C3%A9") == "a b c+/\xC3\xA9");
  CHECK_FALSE(em::form_decode("%").ok());
  CHECK_FALSE(em::form_decode("%4").ok());
  CHECK_FALSE(em::form_decode("%zz").ok());
  auto fields = em::parse_form("grant_type=client_credentials&scope=a+b&&flag&empty=&x=%3D%26");
  REQUIRE(fields.ok());
  CHECK(*fields == em::FormFields{{"grant_type", "client_credentials"},
                                  {"scope", "a b"},
                                  {"flag", ""},
                                  {"empty", ""},
                                  {"x", "=&"}});
  CHECK(em::parse_form("")->empty());
  CHECK_FALSE(em::parse_form("a=%g0").ok());
}

TEST_CASE("emulator parts: Authorization headers") {
  CHECK(em::base64_decode("aGVsbG8=") == "hello");
  CHECK(em::base64_decode("aGVsbG8") == "hello");
  CHECK(em::base64_decode("") == "");
  CHECK_FALSE(em::base64_decode("a").has_value());
  CHECK_FALSE(em::base64_decode("aGV*bG8=").has_value());

  // "id%3A1:p+w" → id "id:1", secret "p w" after form-decoding.
  const auto basic = em::parse_basic_authorization("basic aWQlM0ExOnArdw==");
  REQUIRE(basic.has_value());
  CHECK(basic->id == "id:1");
  CHECK(basic->secret == "p w");
  CHECK(basic->raw_id == "id%3A1");
  CHECK(basic->raw_secret == "p+w");
  CHECK_FALSE(em::parse_basic_authorization("Basic bm9jb2xvbg==").has_value());  // "nocolon"
  CHECK_FALSE(em::parse_basic_authorization("Bearer abc").has_value());
  CHECK_FALSE(em::parse_basic_authorization("Basicxyz").has_value());

  CHECK(em::parse_bearer_authorization("Bearer abc") == "abc");
  CHECK(em::parse_bearer_authorization("  bearer   abc  ") == "abc");
  CHECK_FALSE(em::parse_bearer_authorization("Bearer ").has_value());
  CHECK_FALSE(em::parse_bearer_authorization("Basic abc").has_value());
  CHECK_FALSE(em::parse_bearer_authorization("").has_value());
}

TEST_CASE("emulator parts: JSON writing") {
  CHECK(em::json_quote("a\"b\\c\n\x01") == R"("a\"b\\c\n\u0001")");
  CHECK(em::JsonObject().str() == "{}");
  CHECK(em::JsonObject()
            .add_string("id", "x")
            .add_number("rows", -3)
            .add_bool("ok", true)
            .add_raw("list", "[1]")
            .str() == R"({"id":"x","rows":-3,"ok":true,"list":[1]})");
  CHECK(em::json_error("url_expired", "late") == R"({"error":"url_expired","message":"late"})");
}

TEST_CASE("emulator parts: hashing, HMAC and random ids") {
  CHECK(em::sha256_hex("abc") ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  em::Sha256 sha;
  sha.update("a");
  sha.update("bc");
  CHECK(sha.hex_digest() == em::sha256_hex("abc"));
  CHECK(em::hmac_sha256_hex("key", "The quick brown fox jumps over the lazy dog") ==
        "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
  CHECK(em::random_hex(8).size() == 16);
  CHECK(em::random_hex(8) != em::random_hex(8));
  CHECK(em::constant_time_equal("abc", "abc"));
  CHECK_FALSE(em::constant_time_equal("abc", "abd"));
  CHECK_FALSE(em::constant_time_equal("abc", "ab"));
}

TEST_CASE("emulator parts: TokenStore") {
  em::TokenStore store;
  const auto now = em::TokenStore::Clock::now();
  const std::string token = store.issue({"s1"}, now + std::chrono::seconds(10));
  CHECK(token.size() == 64);
  const auto valid = store.find(token, now);
  CHECK(valid.state == em::TokenStore::State::valid);
  CHECK(valid.scopes == std::vector<std::string>{"s1"});
  CHECK(store.find(token, now + std::chrono::seconds(10)).state == em::TokenStore::State::expired);
  CHECK(store.find("other", now).state == em::TokenStore::State::unknown);
}

TEST_CASE("emulator parts: IdempotencyStore") {
  using Outcome = em::IdempotencyStore::Outcome;
  em::IdempotencyStore store(std::chrono::seconds(60));
  const auto now = em::IdempotencyStore::Clock::now();
  CHECK(store.begin("POST /a", "k", now).outcome == Outcome::proceed);
  CHECK(store.begin("POST /a", "k", now).outcome == Outcome::in_progress);
  CHECK(store.begin("POST /b", "k", now).outcome == Outcome::proceed);  // another endpoint
  store.complete("POST /a", "k", {201, "{\"id\":1}"}, now);
  const auto replay = store.begin("POST /a", "k", now + std::chrono::seconds(59));
  CHECK(replay.outcome == Outcome::replay);
  CHECK(replay.response.status == 201);
  CHECK(replay.response.body == "{\"id\":1}");
  CHECK(store.begin("POST /a", "k", now + std::chrono::seconds(61)).outcome == Outcome::proceed);

  store.complete("POST /b", "k", {400, "{}"}, now);  // failures are forgotten
  CHECK(store.begin("POST /b", "k", now).outcome == Outcome::proceed);
  store.release("POST /b", "k");
  CHECK(store.begin("POST /b", "k", now).outcome == Outcome::proceed);
}

TEST_CASE("emulator parts: ExportStream from any offset, and measure_export") {
  sluice::nodes::UtteranceGeneratorOptions options;
  options.rows = 2000;
  const std::string expected = sluice::nodes::generate_utterance_export(options);
  std::atomic<bool> cancel{false};
  CHECK(em::measure_export(options, cancel) == expected.size());
  for (std::uint64_t offset : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{65536},
                               std::uint64_t{expected.size() - 1}, std::uint64_t{expected.size()},
                               std::uint64_t{expected.size() + 10}}) {
    CAPTURE(offset);
    em::ExportStream stream(options, offset);
    std::string out;
    while (stream.next(out, 1000)) {
    }
    CHECK(out == (offset < expected.size() ? expected.substr(offset) : std::string()));
  }
  cancel = true;
  CHECK_FALSE(em::measure_export(options, cancel).has_value());
}

TEST_CASE("emulator parts: ImportReceiver") {
  SUBCASE("accepts and summarizes") {
    em::ImportReceiver receiver(1000, 5);
    receiver.begin_part("name", "", "");
    receiver.add("n");
    receiver.begin_part("extra", "", "");
    receiver.add("ignored");
    receiver.begin_part("file", "f.csv", "text/csv");
    receiver.add("a,b\n1,");
    receiver.add("2\n");
    const auto verdict = receiver.finish();
    CHECK(verdict.status == 201);
    const auto record = receiver.take_record();
    CHECK(record.name == "n");
    CHECK(record.description.empty());
    CHECK(record.rows == 1);
    CHECK(record.file_bytes == 8);
    CHECK(record.content == "a,b\n1");
    CHECK_FALSE(record.content_complete);
    CHECK(record.sha256 == em::sha256_hex("a,b\n1,2\n"));
  }
  SUBCASE("413 wins over everything else") {
    em::ImportReceiver receiver(4, 100);
    receiver.begin_part("file", "f.csv", "text/csv");
    receiver.add("a\n\n\nb");
    CHECK(receiver.finish().status == 413);
  }
  SUBCASE("repeated and overlong fields") {
    em::ImportReceiver receiver(100, 100);
    receiver.begin_part("name", "", "");
    receiver.begin_part("name", "", "");
    receiver.begin_part("file", "f.csv", "text/csv");
    receiver.add("a\n");
    const auto verdict = receiver.finish();
    CHECK(verdict.status == 400);
    CHECK(verdict.message == "the field 'name' appears more than once");

    em::ImportReceiver long_name(100, 100);
    long_name.begin_part("name", "", "");
    long_name.add(std::string(em::kMaxImportFieldBytes + 1, 'n'));
    CHECK(long_name.finish().message.find("longer than") != std::string::npos);
  }
  SUBCASE("missing parts, then the CSV") {
    em::ImportReceiver no_file(100, 100);
    no_file.begin_part("name", "", "");
    CHECK(no_file.finish().message == "the file part 'file' is required");
    em::ImportReceiver bad_csv(100, 100);
    bad_csv.begin_part("name", "", "");
    bad_csv.begin_part("file", "", "");
    bad_csv.add("a,b\n1\n");
    const auto verdict = bad_csv.finish();
    CHECK(verdict.error == "malformed_csv");
  }
}
