// Fuzz harness for EntityExtractor: its shortcuts (shared digit runs, the gram prefilter of user
// patterns in MatchFilterSet, skipping digit-free texts) may only skip work that finds nothing.
//
// The first byte picks a mode:
// - builtins: a text against every builtin together and the heavy profile's 10 patterns; each
//   builtin's output must equal its recognizer run alone on the text, each pattern's a plain PCRE2
//   search; spans must be in order, inside the text, on UTF-8 boundaries and not overlap;
// - patterns: two patterns read from the input (with caseless / Unicode flags) and a text; when
//   the extractor accepts them, each one's output must equal a plain PCRE2 search.
// In both, a text that is not valid UTF-8 gives no entities, and a valid one gives the same
// output whether or not the caller vouches for it.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "support/fuzz_support.hpp"
#include "support/ner/card_recognizer.hpp"
#include "support/ner/date_recognizer.hpp"
#include "support/ner/email_recognizer.hpp"
#include "support/ner/entity_extractor.hpp"
#include "support/ner/phone_recognizer.hpp"
#include "support/ner/ticket_recognizer.hpp"
#include "support/ner_pattern_samples.hpp"
#include "support/regex.hpp"

namespace {

namespace ner = sluice::nodes::ner;
using sluice::fuzz::escaped;

// Entity i's text as the extractor writes it: distinct matches in order of first appearance,
// joined by ';', a ';' inside a match written as "\;".
class Joined {
 public:
  void add(std::string_view match) {
    for (const auto& seen : seen_) {
      if (seen == match) return;
    }
    seen_.emplace_back(match);
    if (seen_.size() > 1) text_ += ';';
    for (const char c : match) {
      if (c == ';') text_ += '\\';
      text_ += c;
    }
  }
  const std::string& text() const { return text_; }

 private:
  std::vector<std::string> seen_;
  std::string text_;
};

bool is_continuation(std::string_view text, std::size_t at) {
  return at < text.size() && (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80;
}

std::string recognizer_output(const ner::Recognizer& recognizer, std::string_view text,
                              const char* name) {
  std::vector<ner::Span> spans;
  recognizer.find(text, spans);
  Joined joined;
  std::size_t previous_end = 0;
  for (const auto& span : spans) {
    const std::string where = std::string(name) + " span [" + std::to_string(span.begin) + ", " +
                              std::to_string(span.end) + ") in \"" + escaped(text) + "\"";
    SLUICE_FUZZ_CHECK(span.begin < span.end && span.end <= text.size(), where + ": outside");
    SLUICE_FUZZ_CHECK(span.begin >= previous_end, where + ": overlaps or out of order");
    SLUICE_FUZZ_CHECK(!is_continuation(text, span.begin) && !is_continuation(text, span.end),
                      where + ": splits a UTF-8 sequence");
    previous_end = span.end;
    joined.add(text.substr(span.begin, span.end - span.begin));
  }
  return joined.text();
}

std::string pcre2_output(const sluice::nodes::Regex& regex, std::string_view text) {
  Joined joined;
  regex.for_each_match(text, [&](const sluice::nodes::RegexMatch& m) {
    if (m.end > m.begin) joined.add(text.substr(m.begin, m.end - m.begin));
    return true;
  });
  return joined.text();
}

sluice::nodes::Regex compile_reference(const std::string& pattern, bool caseless, bool unicode) {
  sluice::nodes::Regex::Options options;
  options.caseless = caseless;
  options.unicode_classes = unicode;
  auto regex = sluice::nodes::Regex::compile(pattern, options);
  SLUICE_FUZZ_CHECK(regex.ok(), "the extractor accepted a pattern PCRE2 rejects: " + escaped(pattern));
  return std::move(regex).value();
}

ner::EntityDefinition builtin(const char* name, ner::BuiltinEntity entity) {
  ner::EntityDefinition d;
  d.name = name;
  d.builtin = entity;
  return d;
}

template <typename T>
T created(sluice::Result<T> result) {
  SLUICE_FUZZ_CHECK(result.ok(), result.status().message());
  return std::move(result).value();
}

struct BuiltinsProfile {
  std::shared_ptr<const ner::EntityExtractor> extractor;
  std::vector<std::unique_ptr<ner::Recognizer>> recognizers;  // one per builtin, in config order
  std::vector<const char*> names;
  std::vector<sluice::nodes::Regex> patterns;  // the heavy profile's, after the builtins
};

const BuiltinsProfile& builtins_profile() {
  static const BuiltinsProfile profile = [] {
    BuiltinsProfile p;
    ner::ExtractorConfig config;
    config.entities = {builtin("dates", ner::BuiltinEntity::dates),
                       builtin("phones", ner::BuiltinEntity::phones),
                       builtin("emails", ner::BuiltinEntity::emails),
                       builtin("tickets", ner::BuiltinEntity::tickets),
                       builtin("cards", ner::BuiltinEntity::cards)};
    p.recognizers.push_back(created(ner::DateRecognizer::create()));
    p.recognizers.push_back(created(ner::PhoneRecognizer::create()));
    p.recognizers.push_back(created(ner::EmailRecognizer::create()));
    p.recognizers.push_back(created(ner::TicketRecognizer::create()));
    p.recognizers.push_back(created(ner::CardRecognizer::create()));
    p.names = {"dates", "phones", "emails", "tickets", "cards"};
    for (const auto& sample : sluice::testing::kHeavyPatterns) {
      ner::EntityDefinition d;
      d.name = "p" + std::to_string(p.patterns.size());
      d.pattern = sample.text;
      d.caseless = sample.caseless;
      d.unicode = sample.unicode;
      config.entities.push_back(d);
      p.patterns.push_back(compile_reference(d.pattern, d.caseless, d.unicode));
    }
    p.extractor = created(ner::EntityExtractor::create(config));
    return p;
  }();
  return profile;
}

// Runs `extractor` on `text` both ways and returns its output; checks the UTF-8 rules.
std::vector<std::string> extract(const ner::EntityExtractor& extractor, std::string_view text,
                                 bool valid_utf8) {
  std::vector<std::string> out(extractor.entity_count());
  extractor.extract(text, out);
  if (!valid_utf8) {
    for (const auto& value : out) {
      SLUICE_FUZZ_CHECK(value.empty(), "an entity in invalid UTF-8 \"" + escaped(text) + "\"");
    }
    return out;
  }
  std::vector<std::string> vouched(extractor.entity_count());
  extractor.extract(text, vouched, ner::Utf8::known_valid);
  SLUICE_FUZZ_CHECK(vouched == out, "a vouched-for text gives other entities: \"" + escaped(text) + "\"");
  return out;
}

void check_builtins(std::string_view text) {
  const BuiltinsProfile& profile = builtins_profile();
  const bool valid = sluice::nodes::is_valid_utf8(text);
  const auto out = extract(*profile.extractor, text, valid);
  if (!valid) return;
  for (std::size_t i = 0; i < profile.recognizers.size(); ++i) {
    const std::string alone = recognizer_output(*profile.recognizers[i], text, profile.names[i]);
    SLUICE_FUZZ_CHECK(out[i] == alone, std::string(profile.names[i]) + " in \"" + escaped(text) +
                                           "\": \"" + escaped(out[i]) + "\", alone \"" +
                                           escaped(alone) + "\"");
  }
  for (std::size_t p = 0; p < profile.patterns.size(); ++p) {
    const std::string& got = out[profile.recognizers.size() + p];
    const std::string expected = pcre2_output(profile.patterns[p], text);
    SLUICE_FUZZ_CHECK(got == expected, "heavy pattern " + std::to_string(p) + " in \"" +
                                           escaped(text) + "\": \"" + escaped(got) +
                                           "\", PCRE2 \"" + escaped(expected) + "\"");
  }
}

void check_patterns(sluice::fuzz::FuzzInput& input) {
  ner::ExtractorConfig config;
  // A digit builtin first, so that the digit runs (and their shortcuts) are in play.
  config.entities.push_back(builtin("tickets", ner::BuiltinEntity::tickets));
  for (int i = 0; i < 2; ++i) {
    const std::uint8_t flags = input.take_byte();
    ner::EntityDefinition d;
    d.name = "p" + std::to_string(i);
    d.pattern = std::string(input.take_text(48));
    d.caseless = (flags & 1) != 0;
    d.unicode = (flags & 2) != 0;
    config.entities.push_back(d);
  }
  const std::string_view text = input.rest();
  auto extractor = ner::EntityExtractor::create(config);
  if (!extractor.ok()) return;  // an invalid pattern, or one that matches the empty string
  const bool valid = sluice::nodes::is_valid_utf8(text);
  const auto out = extract(**extractor, text, valid);
  if (!valid) return;
  for (std::size_t i = 1; i < config.entities.size(); ++i) {
    const auto& d = config.entities[i];
    const std::string expected =
        pcre2_output(compile_reference(d.pattern, d.caseless, d.unicode), text);
    SLUICE_FUZZ_CHECK(out[i] == expected,
                      "pattern /" + escaped(d.pattern) + "/" + (d.caseless ? "i" : "") +
                          (d.unicode ? "u" : "") + " in \"" + escaped(text) + "\": \"" +
                          escaped(out[i]) + "\", PCRE2 \"" + escaped(expected) + "\"");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sluice::fuzz::FuzzInput input(data, size);
  if (input.take_choice(2) == 0) {
    check_builtins(input.rest());
  } else {
    check_patterns(input);
  }
  return 0;
}
