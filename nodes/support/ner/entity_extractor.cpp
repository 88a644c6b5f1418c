#include "support/ner/entity_extractor.hpp"

#include <bit>
#include <cstring>
#include <set>
#include <unordered_set>

#include "support/ner/card_recognizer.hpp"
#include "support/ner/date_recognizer.hpp"
#include "support/ner/email_recognizer.hpp"
#include "support/ner/phone_recognizer.hpp"
#include "support/ner/regex_recognizer.hpp"
#include "support/ner/text_scan.hpp"
#include "support/ner/ticket_recognizer.hpp"
#include "support/regex.hpp"


namespace sluice::nodes::ner {

namespace {

constexpr std::size_t kPatternsPerTable = 32;  // two prefilter bits per pattern in a uint64_t
constexpr std::size_t kLinearDedupe = 16;      // beyond this many matches, dedupe with a hash set

struct BuiltinName {
  BuiltinEntity entity;
  const char* name;
};
constexpr BuiltinName kBuiltinNames[] = {
    {BuiltinEntity::dates, "dates"},   {BuiltinEntity::phones, "phones"},
    {BuiltinEntity::emails, "emails"}, {BuiltinEntity::tickets, "tickets"},
    {BuiltinEntity::cards, "cards"},
};

struct Scratch {
  std::vector<Span> runs;
  std::vector<Span> spans;
  std::vector<std::uint64_t> pattern_bits;
  std::unordered_set<std::string_view> seen;
};

Scratch& thread_scratch() {
  thread_local Scratch scratch;
  return scratch;
}

void append_escaped(std::string_view match, std::string& out) {
  if (std::memchr(match.data(), ';', match.size()) == nullptr) {
    out.append(match);
    return;
  }
  for (const char c : match) {
    if (c == ';') out.push_back('\\');
    out.push_back(c);
  }
}

// Distinct matches in order of first appearance, joined by ';'.
void join_distinct(std::string_view text, std::span<const Span> spans, std::string& out,
                   std::unordered_set<std::string_view>& seen) {
  const bool hashed = spans.size() > kLinearDedupe;
  if (hashed) seen.clear();
  bool first = true;
  for (std::size_t k = 0; k < spans.size(); ++k) {
    const std::string_view match = text.substr(spans[k].begin, spans[k].end - spans[k].begin);
    bool repeated = false;
    if (hashed) {
      repeated = !seen.insert(match).second;
    } else {
      for (std::size_t j = 0; j < k && !repeated; ++j) {
        repeated = text.substr(spans[j].begin, spans[j].end - spans[j].begin) == match;
      }
    }
    if (repeated) continue;
    if (!first) out.push_back(';');
    first = false;
    append_escaped(match, out);
  }
}

Status entity_error(const std::string& name, const Status& status) {
  return status.with_context("entity '" + name + "'");
}

}  // namespace

std::optional<BuiltinEntity> builtin_entity_from_name(std::string_view name) {
  for (const BuiltinName& entry : kBuiltinNames) {
    if (name == entry.name) return entry.entity;
  }
  return std::nullopt;
}

const char* builtin_entity_name(BuiltinEntity entity) {
  for (const BuiltinName& entry : kBuiltinNames) {
    if (entry.entity == entity) return entry.name;
  }
  return "unknown";
}

EntityExtractor::~EntityExtractor() = default;

Result<std::shared_ptr<const EntityExtractor>> EntityExtractor::create(
    const ExtractorConfig& config) {
  if (config.entities.empty()) return invalid_argument("no entities to extract");
  std::shared_ptr<EntityExtractor> extractor(new EntityExtractor());
  std::set<std::string, std::less<>> names;
  std::size_t patterns = 0;

  for (std::size_t i = 0; i < config.entities.size(); ++i) {
    const EntityDefinition& definition = config.entities[i];
    const std::string& name = definition.name;
    if (name.empty()) return invalid_argument("entity #" + std::to_string(i + 1) + " has no name");
    if (!names.insert(name).second) {
      return invalid_argument("entity '" + name + "' is defined twice");
    }
    if (definition.builtin.has_value() == !definition.pattern.empty()) {
      return invalid_argument("entity '" + name + "' needs either a builtin or a pattern" +
                              (definition.builtin ? ", not both" : ""));
    }

    Entity entity;
    entity.name = name;
    if (definition.builtin) {
      if (definition.caseless) {
        return invalid_argument("entity '" + name + "': caseless applies to patterns only");
      }
      switch (*definition.builtin) {
        case BuiltinEntity::dates: {
          auto r = DateRecognizer::create();
          if (!r.ok()) return entity_error(name, r.status());
          entity.kind = Kind::dates;
          entity.recognizer = std::move(r).value();
          break;
        }
        case BuiltinEntity::phones: {
          auto r = PhoneRecognizer::create(config.phone_region);
          if (!r.ok()) return entity_error(name, r.status());
          entity.kind = Kind::phones;
          entity.recognizer = std::move(r).value();
          break;
        }
        case BuiltinEntity::emails: {
          auto r = EmailRecognizer::create();
          if (!r.ok()) return entity_error(name, r.status());
          entity.kind = Kind::emails;
          entity.recognizer = std::move(r).value();
          break;
        }
        case BuiltinEntity::tickets: {
          auto r = TicketRecognizer::create(config.ticket_prefixes);
          if (!r.ok()) return entity_error(name, r.status());
          entity.kind = Kind::tickets;
          entity.recognizer = std::move(r).value();
          break;
        }
        case BuiltinEntity::cards: {
          auto r = CardRecognizer::create();
          if (!r.ok()) return entity_error(name, r.status());
          entity.kind = Kind::cards;
          entity.recognizer = std::move(r).value();
          break;
        }
        default:
          return invalid_argument("entity '" + name + "': unknown builtin entity " +
                                  std::to_string(static_cast<int>(*definition.builtin)));
      }
      if (entity.kind != Kind::emails) extractor->needs_digit_runs_ = true;
    } else {
      RegexRecognizer::Options options;
      options.caseless = definition.caseless;
      options.unicode = definition.unicode;
      auto r = RegexRecognizer::create(definition.pattern, options);
      if (!r.ok()) return entity_error(name, r.status());
      const MatchFilter& filter = (*r)->filter();
      entity.kind = Kind::pattern;
      entity.min_length = filter.min_length;
      entity.group = patterns / kPatternsPerTable;
      if (entity.group == extractor->pattern_filters_.size()) {
        extractor->pattern_filters_.emplace_back();
      }
      auto& rows = extractor->pattern_filters_[entity.group].rows;
      const unsigned bit = static_cast<unsigned>(2 * (patterns % kPatternsPerTable));
      // A condition of length L sets its bit in rows 0..L-1 for its bytes, and in every row
      // (past-the-end included) from L on.
      const auto add_condition = [&rows](std::uint64_t mask, const std::vector<ByteSet>& gram) {
        for (std::size_t row = 0; row < rows.size(); ++row) {
          for (std::size_t b = 0; b <= PatternFilterTables::kPastEnd; ++b) {
            const bool in =
                row >= gram.size() || (b < PatternFilterTables::kPastEnd &&
                                       gram[row].contains(static_cast<unsigned char>(b)));
            if (in) rows[row][b] |= mask;
          }
        }
      };
      if (!filter.prefix.empty()) {
        entity.prefix_bit = std::uint64_t{1} << bit;
        add_condition(entity.prefix_bit, filter.prefix);
      }
      if (filter.required) {
        entity.required_bit = std::uint64_t{1} << (bit + 1);
        add_condition(entity.required_bit, {*filter.required});
      }
      ++patterns;
      entity.recognizer = std::move(r).value();
    }
    extractor->entities_.push_back(std::move(entity));
  }
  return std::shared_ptr<const EntityExtractor>(std::move(extractor));
}

// For each group of patterns, the filter conditions that hold somewhere in `text`.
void EntityExtractor::compute_pattern_bits(std::string_view text,
                                           std::vector<std::uint64_t>& bits) const {
  constexpr std::size_t kEnd = PatternFilterTables::kPastEnd;
  const auto& filters = pattern_filters_;
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  bits.assign(filters.size(), 0);
  for (std::size_t g = 0; g < filters.size(); ++g) {
    const auto& [r0, r1, r2] = filters[g].rows;
    std::uint64_t a = 0;
    std::uint64_t b = 0;
    std::size_t i = 0;
    // Two accumulators keep the OR chains short.
    for (; i + 3 < n; i += 2) {
      a |= r0[p[i]] & r1[p[i + 1]] & r2[p[i + 2]];
      b |= r0[p[i + 1]] & r1[p[i + 2]] & r2[p[i + 3]];
    }
    for (; i < n; ++i) {
      a |= r0[p[i]] & r1[i + 1 < n ? p[i + 1] : kEnd] & r2[i + 2 < n ? p[i + 2] : kEnd];
    }
    bits[g] = a | b;
  }
}

void EntityExtractor::extract(std::string_view text, std::span<std::string> out, Utf8 utf8) const {
  if (out.size() != entities_.size()) {
    throw Error(StatusCode::internal, "EntityExtractor::extract: " + std::to_string(out.size()) +
                                          " outputs for " + std::to_string(entities_.size()) +
                                          " entities");
  }
  for (std::string& s : out) s.clear();
  if (text.empty()) return;
  if (utf8 == Utf8::unchecked && !is_valid_utf8(text)) {
    invalid_utf8_texts_.fetch_add(1, std::memory_order_relaxed);
    return;
  }

  Scratch& scratch = thread_scratch();
  scratch.runs.clear();
  if (needs_digit_runs_) collect_digit_runs(text, scratch.runs);
  const std::span<const Span> runs(scratch.runs);
  bool pattern_bits_ready = false;

  for (std::size_t i = 0; i < entities_.size(); ++i) {
    const Entity& entity = entities_[i];
    std::vector<Span>& spans = scratch.spans;
    spans.clear();
    switch (entity.kind) {
      // Every date, phone, ticket and card contains a digit: skip digit-free texts.
      case Kind::dates:
        if (!runs.empty()) entity.recognizer->find(text, spans);
        break;
      case Kind::phones:
        if (!runs.empty()) {
          static_cast<const PhoneRecognizer&>(*entity.recognizer).find(text, runs, spans);
        }
        break;
      case Kind::tickets:
        if (!runs.empty()) {
          static_cast<const TicketRecognizer&>(*entity.recognizer).find(text, runs, spans);
        }
        break;
      case Kind::cards:
        if (!runs.empty()) {
          static_cast<const CardRecognizer&>(*entity.recognizer).find(text, runs, spans);
        }
        break;
      case Kind::emails:
        entity.recognizer->find(text, spans);
        break;
      case Kind::pattern: {
        if (text.size() < entity.min_length) break;
        if (!pattern_bits_ready) {
          compute_pattern_bits(text, scratch.pattern_bits);
          pattern_bits_ready = true;
        }
        const std::uint64_t bits = scratch.pattern_bits[entity.group];
        const std::uint64_t need = entity.prefix_bit | entity.required_bit;
        if ((bits & need) == need) entity.recognizer->find(text, spans);
        break;
      }
    }
    if (!spans.empty()) join_distinct(text, spans, out[i], scratch.seen);
  }
}

}  // namespace sluice::nodes::ner
