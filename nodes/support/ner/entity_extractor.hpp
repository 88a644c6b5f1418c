#pragma once
/// EntityExtractor: the recognizers of one ner_extract node, run together over each text.
///
/// Each configured entity is a builtin recognizer (dates, phones, emails, tickets, cards) or a
/// user-defined PCRE2 pattern. Entities are independent: spans of different entities may overlap
/// ("TICKET-5551234567" is a ticket; it is never a phone). Per text the extractor validates UTF-8
/// once, finds the ASCII digit runs once and shares them with the digit-driven recognizers (which
/// are skipped for texts without digits), and tests the grams of every pattern's MatchFilter in
/// one table-driven pass before calling PCRE2 only for the patterns whose filter passes.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/status.hpp"
#include "support/ner/match_filter_set.hpp"
#include "support/ner/recognizer.hpp"

namespace sluice::nodes::ner {

enum class BuiltinEntity { dates, phones, emails, tickets, cards };

/// The builtin called `name` ("dates", "phones", "emails", "tickets", "cards"; exact spelling),
/// nullopt for any other name.
std::optional<BuiltinEntity> builtin_entity_from_name(std::string_view name);

/// The name of a builtin as builtin_entity_from_name spells it; "unknown" for a value outside the
/// enumeration.
const char* builtin_entity_name(BuiltinEntity entity);

struct EntityDefinition {
  std::string name;                      ///< output name: non-empty, unique within the extractor
  std::optional<BuiltinEntity> builtin;  ///< a builtin recognizer...
  std::string pattern;                   ///< ...or a PCRE2 pattern (exactly one of the two)
  bool caseless = false;                 ///< case-insensitive `pattern`; not allowed with a builtin
  bool unicode = false;                  ///< Unicode \d \w \b in `pattern` (slower); patterns only
};

/// What the caller of EntityExtractor::extract knows about a text's encoding.
enum class Utf8 : std::uint8_t {
  unchecked,    ///< the extractor checks the text (an invalid one has no entities)
  known_valid,  ///< the caller checked it, e.g. a whole parsed block at once: no check per text
};

struct ExtractorConfig {
  std::vector<EntityDefinition> entities;
  std::vector<std::string> ticket_prefixes = {"TICKET-"};  ///< see TicketRecognizer
  std::string phone_region = "US";                         ///< see PhoneRecognizer
};

class EntityExtractor {
 public:
  /// Builds the recognizers. Errors (invalid_argument) name the entity, e.g.
  /// "entity 'order': invalid regular expression at offset 4: missing closing parenthesis":
  /// no entities; an empty or duplicate name; neither or both of builtin and pattern; a builtin
  /// value outside the enumeration; caseless with a builtin; a pattern that does not compile or
  /// can match the empty string; bad ticket prefixes or phone region (only checked when the
  /// tickets or phones builtin is used).
  static Result<std::shared_ptr<const EntityExtractor>> create(const ExtractorConfig& config);

  ~EntityExtractor();
  EntityExtractor(const EntityExtractor&) = delete;
  EntityExtractor& operator=(const EntityExtractor&) = delete;

  std::size_t entity_count() const noexcept { return entities_.size(); }
  /// Name of entity `i` (< entity_count()), in configuration order.
  const std::string& entity_name(std::size_t i) const { return entities_[i].name; }

  /// Thread-safe. Sets out[i] (out.size() must equal entity_count(); otherwise throws
  /// sluice::Error with StatusCode::internal) to entity i's matches in `text`: in order of first
  /// appearance, each distinct text (exact bytes) once, joined by ';'; "" when there is none.
  /// A ';' inside a match (only user patterns can match one) is written as "\;"; nothing else is
  /// escaped. A text that is not valid UTF-8 has no entities (every out[i] is ""); such texts are
  /// counted in invalid_utf8_texts(), so the node can report them instead of failing the run.
  /// With Utf8::known_valid the caller vouches for the text and it is not checked again (an
  /// invalid one would then be read as is: the recognizers assume valid UTF-8).
  /// The strings' capacity is reused, so a caller that keeps `out` between calls rarely allocates.
  void extract(std::string_view text, std::span<std::string> out,
               Utf8 utf8 = Utf8::unchecked) const;

  /// Texts given to extract() so far that were not valid UTF-8 (summed over all threads).
  std::uint64_t invalid_utf8_texts() const noexcept {
    return invalid_utf8_texts_.load(std::memory_order_relaxed);
  }

 private:
  enum class Kind : std::uint8_t { dates, phones, emails, tickets, cards, pattern };

  struct Entity {
    std::string name;
    Kind kind = Kind::pattern;
    std::unique_ptr<Recognizer> recognizer;
  };

  EntityExtractor() = default;
  /// Runs the user patterns whose filter passes; `out` as in extract(). `runs`: the digit runs
  /// of `text` when needs_digit_runs_ (they tell whether the text has a digit at all, and where
  /// the last one is), else empty.
  void find_patterns(std::string_view text, std::span<const Span> runs,
                     std::span<std::string> out) const;

  std::vector<Entity> entities_;
  std::vector<std::size_t> builtins_;  ///< indexes of the builtin entities
  std::vector<std::size_t> patterns_;  ///< indexes of the pattern entities, as in pattern_filters_
  bool needs_digit_runs_ = false;
  MatchFilterSet pattern_filters_;
  mutable std::atomic<std::uint64_t> invalid_utf8_texts_{0};
};

}  // namespace sluice::nodes::ner
