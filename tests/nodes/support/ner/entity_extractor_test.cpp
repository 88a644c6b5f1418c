#include "support/ner/entity_extractor.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "support/ner/card_recognizer.hpp"
#include "support/ner/phone_recognizer.hpp"
#include "support/ner/recognizer.hpp"
#include "support/ner/ticket_recognizer.hpp"
#include "support/ner_pattern_samples.hpp"
#include "support/regex.hpp"

namespace {

using sluice::nodes::ner::builtin_entity_from_name;
using sluice::nodes::ner::builtin_entity_name;
using sluice::nodes::ner::BuiltinEntity;
using sluice::nodes::ner::EntityDefinition;
using sluice::nodes::ner::EntityExtractor;
using sluice::nodes::ner::ExtractorConfig;

EntityDefinition builtin(std::string name, BuiltinEntity entity) {
  EntityDefinition d;
  d.name = std::move(name);
  d.builtin = entity;
  return d;
}

EntityDefinition pattern(std::string name, std::string regex, bool caseless = false) {
  EntityDefinition d;
  d.name = std::move(name);
  d.pattern = std::move(regex);
  d.caseless = caseless;
  return d;
}

ExtractorConfig all_builtins() {
  ExtractorConfig config;
  config.entities = {
      builtin("dates", BuiltinEntity::dates), builtin("phones", BuiltinEntity::phones),
      builtin("emails", BuiltinEntity::emails), builtin("tickets", BuiltinEntity::tickets),
      builtin("cards", BuiltinEntity::cards)};
  return config;
}

std::shared_ptr<const EntityExtractor> make(const ExtractorConfig& config) {
  auto r = EntityExtractor::create(config);
  REQUIRE(r.ok());
  return std::move(r).value();
}

std::vector<std::string> extract(const EntityExtractor& extractor, std::string_view text) {
  std::vector<std::string> out(extractor.entity_count());
  extractor.extract(text, out);
  return out;
}

std::string create_error(const ExtractorConfig& config) {
  auto r = EntityExtractor::create(config);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == sluice::StatusCode::invalid_argument);
  return r.status().message();
}

}  // namespace

TEST_CASE("extractor: builtin names") {
  for (const char* name : {"dates", "phones", "emails", "tickets", "cards"}) {
    const auto entity = builtin_entity_from_name(name);
    REQUIRE(entity.has_value());
    CHECK(std::string(builtin_entity_name(*entity)) == name);
  }
  CHECK_FALSE(builtin_entity_from_name("phone").has_value());
  CHECK_FALSE(builtin_entity_from_name("Dates").has_value());
  CHECK_FALSE(builtin_entity_from_name("").has_value());
  CHECK(std::string(builtin_entity_name(static_cast<BuiltinEntity>(42))) == "unknown");
}

TEST_CASE("extractor: every builtin in one text, in configuration order") {
  const auto extractor = make(all_builtins());
  REQUIRE(extractor->entity_count() == 5);
  CHECK(extractor->entity_name(0) == "dates");
  CHECK(extractor->entity_name(4) == "cards");
  const auto out = extract(*extractor,
                           "On 2024-05-12 call (555) 123-4567 or mail a.b+tag@mail.example.co.uk. "
                           "Re TICKET-12345, card 4111 1111 1111 1111.");
  CHECK(out[0] == "2024-05-12");
  CHECK(out[1] == "(555) 123-4567");
  CHECK(out[2] == "a.b+tag@mail.example.co.uk");
  CHECK(out[3] == "TICKET-12345");
  CHECK(out[4] == "4111 1111 1111 1111");
}

TEST_CASE("extractor: join in order of first appearance, each distinct text once") {
  const auto extractor = make(all_builtins());
  const auto out = extract(*extractor,
                           "TICKET-2222 then TICKET-1111, again TICKET-2222 and ticket-1111; "
                           "b@x.org a@x.org b@x.org");
  CHECK(out[3] == "TICKET-2222;TICKET-1111;ticket-1111");
  CHECK(out[2] == "b@x.org;a@x.org");
  CHECK(out[0].empty());
  CHECK(out[1].empty());

  // Many matches take the hash-set path; same rule.
  std::string text;
  for (int i = 0; i < 40; ++i) text += "TICKET-" + std::to_string(1000 + i % 25) + " ";
  std::string expected;
  for (int i = 0; i < 25; ++i) expected += (i ? ";TICKET-" : "TICKET-") + std::to_string(1000 + i);
  CHECK(extract(*extractor, text)[3] == expected);
}

TEST_CASE("extractor: a semicolon inside a user-defined match is escaped") {
  ExtractorConfig config;
  config.entities = {pattern("kv", R"(k=[^ ]+)"), builtin("tickets", BuiltinEntity::tickets)};
  const auto extractor = make(config);
  const auto out = extract(*extractor, "k=a;b k=c k=a;b k=d\\x TICKET-1234");
  CHECK(out[0] == "k=a\\;b;k=c;k=d\\x");
  CHECK(out[1] == "TICKET-1234");
}

TEST_CASE("extractor: user-defined patterns, caseless, many patterns") {
  ExtractorConfig config;
  config.entities = {pattern("order", R"(\bORD-\d{6}\b)", true), pattern("sku", R"(SKU[A-Z]{3})")};
  for (int i = 0; i < 40; ++i) {
    config.entities.push_back(pattern("p" + std::to_string(i), "Z" + std::to_string(i) + "Q"));
  }
  const auto extractor = make(config);
  const auto out = extract(*extractor, "ord-123456 ORD-654321 skuABC SKUDEF Z7Q Z39Q Z3X9");
  CHECK(out[0] == "ord-123456;ORD-654321");
  CHECK(out[1] == "SKUDEF");
  CHECK(out[2 + 7] == "Z7Q");
  CHECK(out[2 + 39] == "Z39Q");
  CHECK(out[2 + 3].empty());
  CHECK(out[2 + 0].empty());
  // A required byte missing from the text: nothing, and no false negatives when present.
  CHECK(extract(*extractor, "ORD 123456")[0].empty());
  CHECK(extract(*extractor, "x ORD-000001")[0] == "ORD-000001");
}

TEST_CASE("extractor: user patterns find exactly what PCRE2 finds (heavy profile)") {
  // The prefilter may only skip PCRE2 where it finds nothing: compare every pattern's output with
  // a plain PCRE2 search, on random texts and on texts holding matches. A builtin that needs the
  // digit runs is configured too, so that digit-free texts take their shortcut.
  ExtractorConfig config;
  config.entities = {builtin("tickets", BuiltinEntity::tickets)};
  std::vector<sluice::nodes::Regex> regexes;
  for (const auto& sample : sluice::testing::kHeavyPatterns) {
    config.entities.push_back(
        pattern("p" + std::to_string(regexes.size()), sample.text, sample.caseless));
    sluice::nodes::Regex::Options options;
    options.caseless = sample.caseless;
    options.unicode_classes = false;
    auto regex = sluice::nodes::Regex::compile(sample.text, options);
    REQUIRE(regex.ok());
    regexes.push_back(std::move(regex).value());
  }
  const auto extractor = make(config);

  std::vector<std::string> texts = sluice::testing::matching_texts(11);
  sluice::testing::TextGenerator generator(99);
  for (int i = 0; i < 3000; ++i) texts.push_back(generator.next());
  std::size_t found = 0;
  for (const std::string& text : texts) {
    const auto out = extract(*extractor, text);
    for (std::size_t p = 0; p < regexes.size(); ++p) {
      std::vector<std::string> distinct;
      regexes[p].for_each_match(text, [&](const sluice::nodes::RegexMatch& m) {
        const std::string match = text.substr(m.begin, m.end - m.begin);
        if (!match.empty() &&
            std::find(distinct.begin(), distinct.end(), match) == distinct.end()) {
          distinct.push_back(match);
        }
        return true;
      });
      std::string expected;
      for (const std::string& match : distinct) expected += (expected.empty() ? "" : ";") + match;
      CAPTURE(text);
      CAPTURE(p);
      CHECK(out[1 + p] == expected);
      found += !expected.empty();
    }
  }
  CHECK(found > 1000);  // many texts do hold matches
}

TEST_CASE("extractor: patterns that need a digit search up to the last one") {
  // With a digit builtin configured, the extractor knows the digit runs: patterns whose every
  // match holds a digit are not searched after the last one, and not at all without digits.
  ExtractorConfig config;
  config.entities = {builtin("tickets", BuiltinEntity::tickets), pattern("triple", R"(\d{3})"),
                     pattern("tail", R"(\d[a-z]+\b)"), pattern("word", R"(\bno\b)")};
  const auto extractor = make(config);
  auto out = extract(*extractor, "1234567");
  CHECK(out[1] == "123;456");
  out = extract(*extractor, "12 345678 9xyz no");
  CHECK(out[1] == "345;678");
  CHECK(out[2] == "9xyz");
  CHECK(out[3] == "no");
  out = extract(*extractor, "no digits here, no");
  CHECK(out[1].empty());
  CHECK(out[3] == "no");
}

TEST_CASE("extractor: invalid UTF-8 gives no entities and is counted") {
  const auto extractor = make(all_builtins());
  std::vector<std::string> out(extractor->entity_count(), "stale");
  extractor->extract("TICKET-1234 \xff 555-123-4567", out);
  for (const std::string& s : out) CHECK(s.empty());
  extractor->extract("bad \xc3\x28 TICKET-1234", out);
  CHECK(extractor->invalid_utf8_texts() == 2);
  extractor->extract("TICKET-1234 é", out);
  CHECK(out[3] == "TICKET-1234");
  CHECK(extractor->invalid_utf8_texts() == 2);
  extractor->extract("", out);
  for (const std::string& s : out) CHECK(s.empty());
}

TEST_CASE("extractor: a text the caller vouches for is not checked or counted again") {
  using sluice::nodes::ner::Utf8;
  const auto extractor = make(all_builtins());
  std::vector<std::string> out(extractor->entity_count(), "stale");
  extractor->extract("TICKET-1234 \xc3\xa9 mail a@b.com", out, Utf8::known_valid);
  CHECK(out[2] == "a@b.com");
  CHECK(out[3] == "TICKET-1234");
  // Not checked: were it checked, this (invalid) text would give nothing and be counted.
  extractor->extract("mail a@b.com \xff", out, Utf8::known_valid);
  CHECK(out[2] == "a@b.com");
  CHECK(extractor->invalid_utf8_texts() == 0);
  // Texts of a block that could not be vouched for as a whole are checked one by one: only the
  // invalid one loses its entities and is counted.
  extractor->extract("bad \xff TICKET-1234", out, Utf8::unchecked);
  CHECK(out[3].empty());
  extractor->extract("good TICKET-5678", out, Utf8::unchecked);
  CHECK(out[3] == "TICKET-5678");
  CHECK(extractor->invalid_utf8_texts() == 1);
}

TEST_CASE("extractor: output size must match the entity count") {
  const auto extractor = make(all_builtins());
  std::vector<std::string> out(2);
  CHECK_THROWS_AS(extractor->extract("TICKET-1234", out), sluice::Error);
}

TEST_CASE("extractor: each kind ignores its distractors") {
  const auto extractor = make(all_builtins());
  const char* const plain =
      "order #123456789, acct ACC1234567890, 2 items at 10:30 for 1,299.99 on v3.10.12 via "
      "192.168.1.1, ref 1234567890123, price 10 @ 5.99";
  const auto out = extract(*extractor, plain);
  for (std::size_t i = 0; i < out.size(); ++i) {
    CAPTURE(extractor->entity_name(i));
    CHECK(out[i].empty());
  }
  // Phones: none of these, though other kinds may claim some of them.
  const auto phones = extract(*extractor,
                              "TICKET-5551234567 4111 1111 1111 1111 2024-05-12 12.05.2024 "
                              "5551234567 #5551234567");
  CHECK(phones[1].empty());
  CHECK(phones[3] == "TICKET-5551234567");
  CHECK(phones[4] == "4111 1111 1111 1111");
  CHECK(phones[0] == "2024-05-12;12.05.2024");
  // Cards: not Luhn-invalid numbers, dates or phones.
  const auto cards = extract(*extractor, "4111 1111 1111 1112 +1 555 123 4567 2024-05-12");
  CHECK(cards[4].empty());
  CHECK(cards[1] == "+1 555 123 4567");
  // Tickets: not glued.
  CHECK(extract(*extractor, "XTICKET-1234 TICKET-1234X")[3].empty());
}

TEST_CASE("extractor: configuration errors name the entity") {
  ExtractorConfig config;
  CHECK(create_error(config).find("no entities") != std::string::npos);

  config.entities = {builtin("t", BuiltinEntity::tickets), pattern("order", "ORD-(\\d+")};
  std::string message = create_error(config);
  CHECK(message.find("entity 'order'") != std::string::npos);
  CHECK(message.find("at offset 8:") != std::string::npos);

  config.entities = {pattern("loose", "\\d*")};
  message = create_error(config);
  CHECK(message.find("entity 'loose'") != std::string::npos);
  CHECK(message.find("empty string") != std::string::npos);

  config.entities = {builtin("x", static_cast<BuiltinEntity>(99))};
  message = create_error(config);
  CHECK(message.find("entity 'x'") != std::string::npos);
  CHECK(message.find("unknown builtin") != std::string::npos);

  config.entities = {builtin("a", BuiltinEntity::dates), builtin("a", BuiltinEntity::phones)};
  CHECK(create_error(config).find("'a' is defined twice") != std::string::npos);

  config.entities = {EntityDefinition{}};
  CHECK(create_error(config).find("no name") != std::string::npos);

  config.entities = {pattern("neither", "")};
  CHECK(create_error(config).find("entity 'neither'") != std::string::npos);

  EntityDefinition both = builtin("both", BuiltinEntity::cards);
  both.pattern = "x";
  config.entities = {both};
  CHECK(create_error(config).find("not both") != std::string::npos);

  EntityDefinition caseless = builtin("ci", BuiltinEntity::emails);
  caseless.caseless = true;
  config.entities = {caseless};
  CHECK(create_error(config).find("entity 'ci'") != std::string::npos);

  config.entities = {builtin("phone", BuiltinEntity::phones)};
  config.phone_region = "ZZZ";
  message = create_error(config);
  CHECK(message.find("entity 'phone'") != std::string::npos);
  CHECK(message.find("ZZZ") != std::string::npos);

  config.entities = {builtin("tix", BuiltinEntity::tickets)};
  config.ticket_prefixes = {"INC-", ""};
  CHECK(create_error(config).find("entity 'tix'") != std::string::npos);

  // Unused settings are not checked.
  config.entities = {builtin("mail", BuiltinEntity::emails)};
  CHECK(EntityExtractor::create(config).ok());
}

TEST_CASE("extractor: other phone regions and ticket prefixes") {
  ExtractorConfig config = all_builtins();
  config.phone_region = "DE";
  config.ticket_prefixes = {"INC-", "CASE#"};
  const auto extractor = make(config);
  const auto out = extract(*extractor, "Ruf 030 1234567 an, INC-0042 / case#7777, TICKET-1234");
  CHECK(out[1] == "030 1234567");
  CHECK(out[3] == "INC-0042;case#7777");
}

TEST_CASE("extractor: concurrent extraction gives identical results") {
  ExtractorConfig config = all_builtins();
  config.entities.push_back(pattern("order", R"(\bORD-\d{6}\b)", true));
  const auto extractor = make(config);
  std::vector<std::string> texts;
  for (int i = 0; i < 400; ++i) {
    texts.push_back(
        "row " + std::to_string(i) + ": TICKET-" + std::to_string(1000 + i) + " call (555) 123-" +
        std::to_string(4000 + i) + " mail u" + std::to_string(i) + "@example.com ORD-" +
        std::to_string(100000 + i) + " on 2024-05-" + std::to_string(10 + i % 18) +
        (i % 7 == 0 ? " card 4111-1111-1111-1111" : "") + (i % 5 == 0 ? " or 2125551234" : "") +
        (i % 13 == 0 ? " or +49 171 1234567 89 times" : "") + (i % 11 == 0 ? " \xff" : ""));
  }
  const auto run = [&](std::vector<std::vector<std::string>>& results) {
    std::vector<std::string> out(extractor->entity_count());
    for (int round = 0; round < 5; ++round) {
      results.clear();
      for (const std::string& text : texts) {
        extractor->extract(text, out);
        results.push_back(out);
      }
    }
  };
  std::vector<std::vector<std::string>> expected;
  run(expected);
  const std::uint64_t invalid_before = extractor->invalid_utf8_texts();
  constexpr int kThreads = 4;
  std::vector<std::vector<std::vector<std::string>>> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(run, std::ref(results[t]));
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) CHECK(results[t] == expected);
  CHECK(expected[3][3] == "TICKET-1003");
  CHECK(expected[3][5] == "ORD-100003");
  CHECK(expected[7][4] == "4111-1111-1111-1111");
  CHECK(expected[65][1] == "(555) 123-4065;2125551234;+49 171 1234567");
  CHECK(extractor->invalid_utf8_texts() - invalid_before == kThreads * 5 * 37);
}

TEST_CASE("extractor: shared digit runs give what each recognizer finds on its own") {
  // Random texts of every length up to 300 bytes, rich in digits and separators, so digit runs
  // start and end on and across the extractor's 64-byte block boundaries.
  const auto extractor = make(all_builtins());
  const auto phones = std::move(sluice::nodes::ner::PhoneRecognizer::create()).value();
  const auto tickets = std::move(sluice::nodes::ner::TicketRecognizer::create()).value();
  const auto cards = std::move(sluice::nodes::ner::CardRecognizer::create()).value();
  const auto joined = [](const sluice::nodes::ner::Recognizer& r, std::string_view text) {
    std::vector<sluice::nodes::ner::Span> spans;
    r.find(text, spans);
    std::vector<std::string_view> seen;
    std::string out;
    for (const auto& s : spans) {
      const std::string_view m = text.substr(s.begin, s.end - s.begin);
      bool repeated = false;
      for (const auto& x : seen) repeated = repeated || x == m;
      if (repeated) continue;
      if (!seen.empty()) out += ';';
      seen.push_back(m);
      out += m;
    }
    return out;
  };
  const char* pieces[] = {"0",
                          "1",
                          "4",
                          "5",
                          "7",
                          "9",
                          "555",
                          "4111",
                          " ",
                          " ",
                          "-",
                          ".",
                          "(",
                          ")",
                          "+",
                          "TICKET-",
                          "a",
                          "x",
                          "é",
                          ",",
                          "1111",
                          "123-4567",
                          "+1 ",
                          " 555-123-4567 ",
                          " (555) 123-4567 ",
                          " 4111 1111 1111 1111 ",
                          " +44 20 7946 0958 "};
  std::uint64_t state = 42;
  const auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::size_t>(state >> 33);
  };
  std::vector<std::string> out(extractor->entity_count());
  std::size_t non_empty[3] = {};
  for (int trial = 0; trial < 3000; ++trial) {
    std::string text;
    const std::size_t length = next() % 300;
    while (text.size() < length) text += pieces[next() % (sizeof pieces / sizeof *pieces)];
    extractor->extract(text, out);
    CAPTURE(text);
    CHECK(out[1] == joined(*phones, text));
    CHECK(out[3] == joined(*tickets, text));
    CHECK(out[4] == joined(*cards, text));
    non_empty[0] += !out[1].empty();
    non_empty[1] += !out[3].empty();
    non_empty[2] += !out[4].empty();
  }
  CHECK(non_empty[0] > 300);
  CHECK(non_empty[1] > 100);
  CHECK(non_empty[2] > 100);
}
