#include "support/ner/entity_extractor.hpp"

#include <algorithm>
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

constexpr std::size_t kLinearDedupe = 16;  // beyond this many matches, dedupe with a hash set

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
  MatchFilterSet::Scan filter_scan;
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
      entity.kind = Kind::pattern;
      extractor->pattern_filters_.add((*r)->filter());
      entity.recognizer = std::move(r).value();
    }
    (entity.kind == Kind::pattern ? extractor->patterns_ : extractor->builtins_).push_back(i);
    extractor->entities_.push_back(std::move(entity));
  }
  return std::shared_ptr<const EntityExtractor>(std::move(extractor));
}

void EntityExtractor::find_patterns(std::string_view text, std::span<const Span> runs,
                                    std::span<std::string> out) const {
  Scratch& scratch = thread_scratch();
  pattern_filters_.scan(text, !needs_digit_runs_ || !runs.empty(), scratch.filter_scan);
  for (const std::size_t k : scratch.filter_scan.candidates) {
    const std::size_t i = patterns_[k];
    scratch.spans.clear();
    const auto& recognizer = static_cast<const RegexRecognizer&>(*entities_[i].recognizer);
    if (needs_digit_runs_) {
      recognizer.find(text, runs, scratch.spans);
    } else {
      recognizer.find(text, scratch.spans);
    }
    if (!scratch.spans.empty()) join_distinct(text, scratch.spans, out[i], scratch.seen);
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

  for (const std::size_t i : builtins_) {
    const Entity& entity = entities_[i];
    std::vector<Span>& spans = scratch.spans;
    spans.clear();
    switch (entity.kind) {
      // Every date, phone, ticket and card contains a digit: skip digit-free texts.
      case Kind::dates:
        if (!runs.empty()) {
          static_cast<const DateRecognizer&>(*entity.recognizer).find(text, runs, spans);
        }
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
      case Kind::pattern:
        break;  // in find_patterns
    }
    if (!spans.empty()) join_distinct(text, spans, out[i], scratch.seen);
  }
  if (!patterns_.empty()) find_patterns(text, runs, out);
}

}  // namespace sluice::nodes::ner
