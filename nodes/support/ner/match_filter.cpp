#include "support/ner/match_filter.hpp"

#include <algorithm>
#include <limits>
#include <string>
#include <utility>

namespace sluice::nodes::ner {

namespace {

constexpr std::size_t kGramLength = Gram::kMaxLength;
constexpr std::size_t kMaxStrings = 16;      // possible strings kept for one part of a pattern
constexpr std::size_t kMaxStringLength = 8;  // longer: only their ends and grams are kept
constexpr std::size_t kMaxAffixes = 8;       // start and end strings kept for one part
constexpr std::size_t kMaxRepeatCopies = 8;  // x{n}: copies of x read; the rest is unknown
constexpr std::size_t kMaxTerms = 16;        // terms of the OR of ANDs
constexpr std::size_t kUnbounded = std::numeric_limits<std::size_t>::max();
constexpr char32_t kKelvinSign = 0x212A;  // caseless partner of k
constexpr char32_t kLongS = 0x17F;        // caseless partner of s

/// A byte-set string: byte i of the string is in Bytes[i].
using Bytes = std::vector<ByteSet>;

// ---- How rare a gram is ----
// Rough share of each byte value in chat text. Used only to prefer rare grams (fewer texts pass
// the filter): it affects speed, never which texts may match.
double byte_share(unsigned b) {
  if (b == ' ') return 0.15;
  if (b >= 'a' && b <= 'z') return 0.025;
  if (b >= 'A' && b <= 'Z') return 0.004;
  if (b >= '0' && b <= '9') return 0.01;
  if (b == '.' || b == ',') return 0.01;
  if (b >= 0x80) return 0.002;
  if (b < 0x20 || b == 0x7F) return 0.0005;
  return 0.002;
}

double set_share(const ByteSet& set) {
  double share = 0;
  for (unsigned b = 0; b < 256; ++b) {
    if (set.contains(static_cast<unsigned char>(b))) share += byte_share(b);
  }
  return share;
}

// Chance that a text of typical length contains a gram with per-position share `share`.
double text_chance(double share) {
  constexpr double kTypicalTextLength = 64;
  return std::min(1.0, share * kTypicalTextLength);
}

double gram_chance(const Bytes& gram) {
  double share = 1;
  for (const ByteSet& set : gram) share *= set_share(set);
  return text_chance(share);
}

// True when every text containing `a` contains `b`: some window of `a` is, byte by byte, a subset
// of `b`.
bool implies(const Bytes& a, const Bytes& b) {
  for (std::size_t at = 0; at + b.size() <= a.size(); ++at) {
    std::size_t i = 0;
    while (i < b.size() && a[at + i].is_subset_of(b[i])) ++i;
    if (i == b.size()) return true;
  }
  return false;
}

// A gram this likely in any text is not worth a filter bit.
constexpr double kUselessChance = 0.9;

// ---- Conditions on the text: grams combined with AND and OR ----
struct Cond {
  enum class Kind : std::uint8_t { always, gram, all, any };
  Kind kind = Kind::always;
  Bytes gram;
  std::vector<Cond> parts;
};

Cond always() {
  return Cond{};
}

Cond gram_cond(Bytes gram) {
  if (gram.empty() || gram_chance(gram) >= kUselessChance) return always();
  return Cond{Cond::Kind::gram, std::move(gram), {}};
}

Cond combine(Cond::Kind kind, std::vector<Cond> parts) {
  Cond out{kind, {}, {}};
  for (Cond& part : parts) {
    if (part.kind == Cond::Kind::always) {
      if (kind == Cond::Kind::any) return always();  // one branch without a condition
      continue;
    }
    if (part.kind == kind) {
      for (Cond& inner : part.parts) out.parts.push_back(std::move(inner));
    } else {
      out.parts.push_back(std::move(part));
    }
  }
  if (out.parts.empty()) return always();
  if (out.parts.size() == 1) return std::move(out.parts.front());
  return out;
}

// Rough chance that a text satisfies `cond` (as gram_chance).
double cond_chance(const Cond& cond) {
  double chance = cond.kind == Cond::Kind::any ? 0 : 1;
  switch (cond.kind) {
    case Cond::Kind::always:
      break;
    case Cond::Kind::gram:
      chance = gram_chance(cond.gram);
      break;
    case Cond::Kind::all:
      for (const Cond& part : cond.parts) chance *= cond_chance(part);
      break;
    case Cond::Kind::any:
      for (const Cond& part : cond.parts) chance += cond_chance(part);
      break;
  }
  return std::min(chance, 1.0);
}

Cond all_of(std::vector<Cond> parts) {
  // A long pattern ANDs a condition per character: keeping only the rarest bounds the work
  // (dropping a condition only lets more texts through).
  constexpr std::size_t kMaxConjuncts = 24;
  Cond out = combine(Cond::Kind::all, std::move(parts));
  if (out.kind == Cond::Kind::all && out.parts.size() > kMaxConjuncts) {
    std::vector<std::pair<double, std::size_t>> ranked;
    for (std::size_t i = 0; i < out.parts.size(); ++i) {
      ranked.emplace_back(cond_chance(out.parts[i]), i);
    }
    std::sort(ranked.begin(), ranked.end());
    std::vector<Cond> kept;
    for (std::size_t k = 0; k < kMaxConjuncts; ++k) {
      kept.push_back(std::move(out.parts[ranked[k].second]));
    }
    out.parts = std::move(kept);
  }
  return out;
}
Cond any_of(std::vector<Cond> parts) {
  return combine(Cond::Kind::any, std::move(parts));
}

// ---- Byte-set strings ----
Bytes utf8_bytes(char32_t cp) {
  unsigned char buffer[4];
  std::size_t n = 0;
  if (cp < 0x80) {
    buffer[n++] = static_cast<unsigned char>(cp);
  } else if (cp < 0x800) {
    buffer[n++] = static_cast<unsigned char>(0xC0 | (cp >> 6));
    buffer[n++] = static_cast<unsigned char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    buffer[n++] = static_cast<unsigned char>(0xE0 | (cp >> 12));
    buffer[n++] = static_cast<unsigned char>(0x80 | ((cp >> 6) & 0x3F));
    buffer[n++] = static_cast<unsigned char>(0x80 | (cp & 0x3F));
  } else {
    buffer[n++] = static_cast<unsigned char>(0xF0 | (cp >> 18));
    buffer[n++] = static_cast<unsigned char>(0x80 | ((cp >> 12) & 0x3F));
    buffer[n++] = static_cast<unsigned char>(0x80 | ((cp >> 6) & 0x3F));
    buffer[n++] = static_cast<unsigned char>(0x80 | (cp & 0x3F));
  }
  Bytes out(n);
  for (std::size_t i = 0; i < n; ++i) out[i].insert(buffer[i]);
  return out;
}

void remove_duplicates(std::vector<Bytes>& strings) {
  std::vector<Bytes> unique;
  for (Bytes& s : strings) {
    if (std::find(unique.begin(), unique.end(), s) == unique.end()) unique.push_back(std::move(s));
  }
  strings = std::move(unique);
}

// At most `limit` strings: beyond it, strings of equal length are merged byte by byte into one
// (a superset of what they match, so every fact read from it still holds).
std::vector<Bytes> limited(std::vector<Bytes> strings, std::size_t limit) {
  remove_duplicates(strings);
  if (strings.size() <= limit) return strings;
  std::vector<Bytes> merged;
  for (const Bytes& s : strings) {
    auto same_length = std::find_if(merged.begin(), merged.end(),
                                    [&](const Bytes& m) { return m.size() == s.size(); });
    if (same_length == merged.end()) {
      merged.push_back(s);
    } else {
      for (std::size_t i = 0; i < s.size(); ++i) (*same_length)[i].insert_all(s[i]);
    }
  }
  return merged;
}

std::vector<Bytes> cross(const std::vector<Bytes>& heads, const std::vector<Bytes>& tails) {
  std::vector<Bytes> out;
  out.reserve(heads.size() * tails.size());
  for (const Bytes& head : heads) {
    for (const Bytes& tail : tails) {
      Bytes s = head;
      s.insert(s.end(), tail.begin(), tail.end());
      out.push_back(std::move(s));
    }
  }
  return out;
}

std::vector<Bytes> fronts(const std::vector<Bytes>& strings) {
  std::vector<Bytes> out;
  for (const Bytes& s : strings) {
    out.emplace_back(s.begin(),
                     s.begin() + static_cast<std::ptrdiff_t>(std::min(s.size(), kGramLength)));
  }
  return limited(std::move(out), kMaxAffixes);
}

std::vector<Bytes> backs(const std::vector<Bytes>& strings) {
  std::vector<Bytes> out;
  for (const Bytes& s : strings) {
    out.emplace_back(s.end() - static_cast<std::ptrdiff_t>(std::min(s.size(), kGramLength)),
                     s.end());
  }
  return limited(std::move(out), kMaxAffixes);
}

// What a text containing `s` contains: its rarest window of up to kGramLength bytes, and a second
// one that does not overlap it when the string is long enough.
Cond windows_of(const Bytes& s) {
  if (s.empty()) return always();
  const std::size_t length = std::min(s.size(), kGramLength);
  const auto window = [&](std::size_t at) {
    return Bytes(s.begin() + static_cast<std::ptrdiff_t>(at),
                 s.begin() + static_cast<std::ptrdiff_t>(at + length));
  };
  std::size_t best = 0;
  double best_chance = 2;
  for (std::size_t at = 0; at + length <= s.size(); ++at) {
    const double chance = gram_chance(window(at));
    if (chance < best_chance) {
      best = at;
      best_chance = chance;
    }
  }
  std::size_t second = kUnbounded;
  double second_chance = 2;
  for (std::size_t at = 0; at + length <= s.size(); ++at) {
    if (at + length > best && at < best + length) continue;
    const double chance = gram_chance(window(at));
    if (chance < second_chance) {
      second = at;
      second_chance = chance;
    }
  }
  std::vector<Cond> parts{gram_cond(window(best))};
  if (second != kUnbounded) parts.push_back(gram_cond(window(second)));
  return all_of(std::move(parts));
}

// ---- Parts of a pattern ----
// What the strings a part of the pattern can match have in common: either the strings themselves
// (few and short), or the strings every match starts and ends with (up to kGramLength bytes; an
// empty one means "unknown") and a condition every text holding a match satisfies.
struct Part {
  std::optional<std::vector<Bytes>> strings;
  std::vector<Bytes> starts;
  std::vector<Bytes> ends;
  Cond cond;
};

Part unknown() {
  return Part{std::nullopt, {Bytes{}}, {Bytes{}}, always()};
}
Part empty_string() {
  return Part{std::vector<Bytes>{Bytes{}}, {}, {}, always()};
}

// What a text holding one of `strings` contains: the rarest window of each string, or one gram
// that every string implies when that is not much more likely (one gram keeps the OR of ANDs
// small: "\d\." for {"\d.", "1\d.", "25[0-5]."} rather than three grams).
Cond strings_cond(std::vector<Bytes> strings) {
  // Long alternations ("one|two|...|fifty"): merge first, so the search below stays cheap.
  constexpr std::size_t kMaxSearched = 4 * kMaxStrings;
  if (strings.size() > kMaxSearched) strings = limited(std::move(strings), kMaxStrings);
  std::vector<Cond> options;
  double chance = 0;
  for (const Bytes& s : strings) {
    options.push_back(windows_of(s));
    if (options.back().kind == Cond::Kind::always) return always();
    chance += options.back().kind == Cond::Kind::gram ? gram_chance(options.back().gram) : 0;
  }
  if (strings.size() > 1) {
    std::optional<Bytes> common;
    double common_chance = 2;
    for (const Bytes& s : strings) {
      const std::size_t length = std::min(s.size(), kGramLength);
      for (std::size_t at = 0; at + length <= s.size(); ++at) {
        const Bytes candidate(s.begin() + static_cast<std::ptrdiff_t>(at),
                              s.begin() + static_cast<std::ptrdiff_t>(at + length));
        const double c = gram_chance(candidate);
        if (c >= common_chance) continue;
        const bool covers = std::all_of(strings.begin(), strings.end(), [&](const Bytes& other) {
          return implies(other, candidate);
        });
        if (covers) {
          common = candidate;
          common_chance = c;
        }
      }
    }
    // Fewer grams are worth some selectivity: each OR branch multiplies the terms of any AND.
    constexpr double kCommonGramSlack = 2;
    if (common && common_chance <= kCommonGramSlack * std::min(chance, 1.0)) {
      return gram_cond(std::move(*common));
    }
  }
  return any_of(std::move(options));
}

Part from_strings(std::vector<Bytes> strings) {
  remove_duplicates(strings);
  const bool too_long = std::any_of(strings.begin(), strings.end(),
                                    [](const Bytes& s) { return s.size() > kMaxStringLength; });
  if (strings.size() <= kMaxStrings && !too_long) return Part{std::move(strings), {}, {}, always()};
  return Part{std::nullopt, fronts(strings), backs(strings), strings_cond(strings)};
}

std::vector<Bytes> starts_of(const Part& part) {
  return part.strings ? fronts(*part.strings) : part.starts;
}
std::vector<Bytes> ends_of(const Part& part) {
  return part.strings ? backs(*part.strings) : part.ends;
}
Cond cond_of(const Part& part) {
  return part.strings ? strings_cond(*part.strings) : part.cond;
}

// The windows that straddle two consecutive parts (whatever each part matches, one of these
// joined strings occurs in the text).
Cond junction(const std::vector<Bytes>& left_ends, const std::vector<Bytes>& right_starts) {
  return strings_cond(cross(left_ends, right_starts));
}

Part concat(const Part& left, const Part& right) {
  if (left.strings && right.strings &&
      left.strings->size() * right.strings->size() <= kMaxStrings) {
    return from_strings(cross(*left.strings, *right.strings));
  }
  Part out;
  out.starts = left.strings ? fronts(cross(*left.strings, starts_of(right))) : left.starts;
  out.ends = right.strings ? backs(cross(ends_of(left), *right.strings)) : right.ends;
  out.cond = all_of({cond_of(left), cond_of(right), junction(ends_of(left), starts_of(right))});
  return out;
}

Part alternate(const std::vector<Part>& branches) {
  const bool all_strings = std::all_of(branches.begin(), branches.end(),
                                       [](const Part& b) { return b.strings.has_value(); });
  if (all_strings) {
    std::vector<Bytes> strings;
    for (const Part& b : branches)
      strings.insert(strings.end(), b.strings->begin(), b.strings->end());
    return from_strings(std::move(strings));
  }
  Part out;
  std::vector<Cond> options;
  for (const Part& b : branches) {
    for (Bytes& s : starts_of(b)) out.starts.push_back(std::move(s));
    for (Bytes& s : ends_of(b)) out.ends.push_back(std::move(s));
    options.push_back(cond_of(b));
  }
  out.starts = limited(std::move(out.starts), kMaxAffixes);
  out.ends = limited(std::move(out.ends), kMaxAffixes);
  out.cond = any_of(std::move(options));
  return out;
}

Part repeat(const Part& part, std::size_t min, std::size_t max) {
  Part out = empty_string();
  const std::size_t copies = std::min(min, kMaxRepeatCopies);
  for (std::size_t i = 0; i < copies; ++i) out = concat(out, part);
  if (min > copies) out = concat(out, unknown());  // copies not read
  if (max == min) return out;
  // The optional copies: {"", x, xx, ...} when x has few strings and the count is small.
  if (part.strings && max != kUnbounded && max - min <= kMaxRepeatCopies) {
    std::vector<Part> options{empty_string()};
    Part power = empty_string();
    for (std::size_t i = min; i < max; ++i) {
      power = concat(power, part);
      options.push_back(power);
    }
    return concat(out, alternate(options));
  }
  return concat(out, unknown());
}

// ---- The pattern reader ----
bool is_ascii_letter(char32_t c) {
  return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}
bool is_ascii_alnum(char32_t c) {
  return (c >= '0' && c <= '9') || is_ascii_letter(c);
}
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') return (c | 0x20) - 'a' + 10;
  return -1;
}

// Reads a pattern into Parts (see the file comment). Every function returns false for syntax it
// does not follow; the pattern compiled, so the syntax it does follow is well formed.
class PatternReader {
 public:
  PatternReader(std::string_view pattern, bool caseless, bool unicode_classes)
      : p_(pattern), caseless_(caseless), unicode_(unicode_classes) {}

  std::optional<Part> read() {
    Part part;
    if (!alternation(part) || pos_ != p_.size()) return std::nullopt;
    return part;
  }

 private:
  bool at(char c) const { return pos_ < p_.size() && p_[pos_] == c; }
  bool at(std::size_t i, char c) const { return i < p_.size() && p_[i] == c; }

  bool alternation(Part& out) {
    std::vector<Part> branches;
    for (;;) {
      Part branch;
      if (!sequence(branch)) return false;
      branches.push_back(std::move(branch));
      if (!at('|')) break;
      ++pos_;
    }
    out = branches.size() == 1 ? std::move(branches.front()) : alternate(branches);
    return true;
  }

  bool sequence(Part& out) {
    out = empty_string();
    while (pos_ < p_.size() && p_[pos_] != '|' && p_[pos_] != ')') {
      Part atom;
      if (!item(atom)) return false;
      for (;;) {
        std::size_t min = 0;
        std::size_t max = 0;
        const Quantifier q = quantifier(min, max);
        if (q == Quantifier::unsupported) return false;
        if (q == Quantifier::none) break;
        atom = repeat(atom, min, max);
      }
      out = concat(out, atom);
    }
    return true;
  }

  enum class Quantifier { none, found, unsupported };

  Quantifier quantifier(std::size_t& min, std::size_t& max) {
    if (at('?')) {
      min = 0;
      max = 1;
    } else if (at('*')) {
      min = 0;
      max = kUnbounded;
    } else if (at('+')) {
      min = 1;
      max = kUnbounded;
    } else if (at('{')) {
      // Only {n}, {n,} and {n,m}: other braces are literals in some PCRE2 versions and
      // quantifiers in others.
      std::size_t i = pos_ + 1;
      if (!read_number(i, min)) return Quantifier::unsupported;
      max = min;
      if (at(i, ',')) {
        ++i;
        max = kUnbounded;
        if (!at(i, '}') && !read_number(i, max)) return Quantifier::unsupported;
      }
      if (!at(i, '}') || max < min) return Quantifier::unsupported;
      pos_ = i;
    } else {
      return Quantifier::none;
    }
    ++pos_;
    if (at('?') || at('+')) ++pos_;  // lazy or possessive: same strings
    return Quantifier::found;
  }

  bool read_number(std::size_t& i, std::size_t& value) const {
    const std::size_t begin = i;
    value = 0;
    while (i < p_.size() && p_[i] >= '0' && p_[i] <= '9' && i - begin < 6) {
      value = value * 10 + static_cast<std::size_t>(p_[i] - '0');
      ++i;
    }
    return i > begin && !(i < p_.size() && p_[i] >= '0' && p_[i] <= '9');
  }

  bool item(Part& out) {
    const char c = p_[pos_];
    switch (c) {
      case '(':
        return group(out);
      case '[':
        return char_class(out);
      case '\\':
        return escape(out);
      case '.':
        ++pos_;
        out = unknown();
        return true;
      case '^':
      case '$':
        ++pos_;
        out = empty_string();
        return true;
      case '*':
      case '+':
      case '?':
      case '{':
        return false;
      default:
        break;
    }
    char32_t cp = 0;
    if (!read_code_point(pos_, cp)) return false;
    out = literal(cp);
    return true;
  }

  // A literal character (UTF-8 in the pattern) at p_[i]; advances i.
  bool read_code_point(std::size_t& i, char32_t& cp) const {
    const auto lead = static_cast<unsigned char>(p_[i]);
    const std::size_t extra = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : 0;
    if ((lead >= 0x80 && extra == 0) || i + extra >= p_.size()) return false;
    cp = extra == 0 ? lead : lead & (0x3F >> extra);
    for (std::size_t k = 1; k <= extra; ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(p_[i + k]) & 0x3F);
    }
    i += extra + 1;
    return true;
  }

  // The strings one literal character matches.
  Part literal(char32_t cp) const {
    if (cp >= 0x80) return caseless_ ? unknown() : from_strings({utf8_bytes(cp)});
    ByteSet set;
    set.insert(static_cast<unsigned char>(cp));
    std::vector<Bytes> strings;
    if (caseless_ && is_ascii_letter(cp)) {
      set.insert(static_cast<unsigned char>(cp ^ 0x20));
      if ((cp | 0x20) == 'k') strings.push_back(utf8_bytes(kKelvinSign));
      if ((cp | 0x20) == 's') strings.push_back(utf8_bytes(kLongS));
    }
    strings.push_back(Bytes{set});
    return from_strings(std::move(strings));
  }

  bool group(Part& out) {
    bool lookaround = false;
    if (at(pos_ + 1, '*')) return false;  // verbs and alpha assertions
    if (!at(pos_ + 1, '?')) {
      pos_ += 1;
    } else {
      const std::size_t i = pos_ + 2;
      const char kind = i < p_.size() ? p_[i] : '\0';
      if (kind == ':' || kind == '>' || kind == '|') {
        pos_ = i + 1;
      } else if (kind == '=' || kind == '!') {
        lookaround = true;
        pos_ = i + 1;
      } else if (kind == '<' && (at(i + 1, '=') || at(i + 1, '!'))) {
        lookaround = true;
        pos_ = i + 2;
      } else if (kind == '<' || kind == '\'' || (kind == 'P' && at(i + 1, '<'))) {
        const char close = kind == '\'' ? '\'' : '>';
        const std::size_t end = p_.find(close, i + 1);
        if (end == std::string_view::npos) return false;
        pos_ = end + 1;
      } else {
        return option_setting(out);
      }
    }
    Part body;
    if (!alternation(body) || !at(')')) return false;
    ++pos_;
    out = lookaround ? empty_string() : std::move(body);
    return true;
  }

  // (?i) (?-i) (?i:...) and the other options that do not change which strings match. An option
  // turned on applies here to the rest of the pattern (see the file comment).
  bool option_setting(Part& out) {
    std::size_t i = pos_ + 2;
    bool on = true;
    for (; i < p_.size(); ++i) {
      const char c = p_[i];
      if (c == '-') {
        on = false;
      } else if (c == '^') {
        on = true;
      } else if (c == 'i') {
        if (on) caseless_ = true;
      } else if (c != 'm' && c != 'n' && c != 's' && c != 'U' && c != 'J') {
        break;
      }
    }
    if (at(i, ')')) {
      pos_ = i + 1;
      out = empty_string();
      return true;
    }
    if (!at(i, ':')) return false;
    pos_ = i + 1;
    if (!alternation(out) || !at(')')) return false;
    ++pos_;
    return true;
  }

  // \x{hh...} or \xhh (up to two digits); pos_ is after the 'x'.
  bool hex_escape(char32_t& cp) {
    cp = 0;
    if (at('{')) {
      std::size_t i = pos_ + 1;
      for (; i < p_.size() && hex_value(p_[i]) >= 0 && i - pos_ < 8; ++i) {
        cp = cp * 16 + static_cast<char32_t>(hex_value(p_[i]));
      }
      if (i == pos_ + 1 || !at(i, '}')) return false;
      pos_ = i + 1;
      return cp <= 0x10FFFF;
    }
    for (int k = 0; k < 2 && pos_ < p_.size() && hex_value(p_[pos_]) >= 0; ++k, ++pos_) {
      cp = cp * 16 + static_cast<char32_t>(hex_value(p_[pos_]));
    }
    return true;
  }

  // Skips the {...} or single letter after \p or \P.
  bool skip_property() {
    if (at('{')) {
      const std::size_t end = p_.find('}', pos_);
      if (end == std::string_view::npos) return false;
      pos_ = end + 1;
      return true;
    }
    if (pos_ >= p_.size()) return false;
    ++pos_;
    return true;
  }

  enum class EscapeKind { code_point, byte_set, unknown, zero_width, unsupported };

  // The escape at pos_ (a backslash): advances past it. `in_class`: inside [...], where \b is a
  // backspace.
  EscapeKind read_escape(bool in_class, char32_t& cp, ByteSet& set) {
    if (pos_ + 1 >= p_.size()) return EscapeKind::unsupported;
    const char e = p_[pos_ + 1];
    pos_ += 2;
    switch (e) {
      case 'b':
        if (in_class) {
          cp = 0x08;
          return EscapeKind::code_point;
        }
        return EscapeKind::zero_width;
      case 'B':
      case 'A':
      case 'z':
      case 'Z':
      case 'G':
      case 'K':
        return in_class ? EscapeKind::unsupported : EscapeKind::zero_width;
      case 'd':
        if (unicode_) return EscapeKind::unknown;
        set.insert_range('0', '9');
        return EscapeKind::byte_set;
      case 'w':
        if (unicode_) return EscapeKind::unknown;
        set.insert_range('0', '9');
        set.insert_range('A', 'Z');
        set.insert_range('a', 'z');
        set.insert('_');
        return EscapeKind::byte_set;
      case 's':
        if (unicode_) return EscapeKind::unknown;
        set.insert_range(0x09, 0x0D);
        set.insert(' ');
        return EscapeKind::byte_set;
      case 'D':
      case 'W':
      case 'S':
      case 'h':
      case 'H':
      case 'v':
      case 'V':
      case 'R':
      case 'X':
      case 'C':
        return EscapeKind::unknown;
      case 'N':
        return at('{') ? EscapeKind::unsupported : EscapeKind::unknown;
      case 'p':
      case 'P':
        return skip_property() ? EscapeKind::unknown : EscapeKind::unsupported;
      case 't':
        cp = 0x09;
        return EscapeKind::code_point;
      case 'n':
        cp = 0x0A;
        return EscapeKind::code_point;
      case 'r':
        cp = 0x0D;
        return EscapeKind::code_point;
      case 'f':
        cp = 0x0C;
        return EscapeKind::code_point;
      case 'e':
        cp = 0x1B;
        return EscapeKind::code_point;
      case 'a':
        cp = 0x07;
        return EscapeKind::code_point;
      case 'x':
        return hex_escape(cp) ? EscapeKind::code_point : EscapeKind::unsupported;
      default:
        break;
    }
    const auto u = static_cast<unsigned char>(e);
    if (u < 0x80 && !is_ascii_alnum(u) && u >= 0x20) {  // escaped punctuation or space
      cp = u;
      return EscapeKind::code_point;
    }
    return EscapeKind::unsupported;  // backreferences, octal, \Q \E, \g, \k, \c, \o, \u, ...
  }

  bool escape(Part& out) {
    char32_t cp = 0;
    ByteSet set;
    switch (read_escape(false, cp, set)) {
      case EscapeKind::code_point:
        out = literal(cp);
        return true;
      case EscapeKind::byte_set:
        out = from_strings({Bytes{set}});
        return true;
      case EscapeKind::unknown:
        out = unknown();
        return true;
      case EscapeKind::zero_width:
        out = empty_string();
        return true;
      case EscapeKind::unsupported:
        return false;
    }
    return false;
  }

  // One code point inside a class (not a class escape); advances pos_.
  bool class_code_point(char32_t& cp) {
    if (at('\\')) {
      ByteSet unused;
      return read_escape(true, cp, unused) == EscapeKind::code_point;
    }
    if (at('[')) return false;  // "[a-[:digit:]]" and the like
    return read_code_point(pos_, cp);
  }

  bool char_class(Part& out) {
    ++pos_;
    bool opaque = false;  // read as one unknown character
    if (at('^')) {
      opaque = true;  // negated: any other character, multi-byte ones included
      ++pos_;
    }
    ByteSet ascii;
    std::vector<Bytes> others;  // non-ASCII members
    bool first = true;
    for (;;) {
      if (pos_ >= p_.size()) return false;
      if (at(']') && !first) {
        ++pos_;
        break;
      }
      first = false;
      if (at('[') && (at(pos_ + 1, ':') || at(pos_ + 1, '.') || at(pos_ + 1, '='))) {
        if (!at(pos_ + 1, ':')) return false;
        const std::size_t end = p_.find(":]", pos_ + 2);
        if (end == std::string_view::npos) return false;
        pos_ = end + 2;
        opaque = true;  // POSIX class: not modelled
        continue;
      }
      char32_t low = 0;
      if (at('\\')) {
        ByteSet set;
        const EscapeKind kind = read_escape(true, low, set);
        if (kind == EscapeKind::unsupported || kind == EscapeKind::zero_width) return false;
        if (kind != EscapeKind::code_point) {
          if (kind == EscapeKind::byte_set) ascii.insert_all(set);
          if (kind == EscapeKind::unknown) opaque = true;
          if (at('-') && !at(pos_ + 1, ']')) return false;  // "[\d-z]": a literal '-' or an error
          continue;
        }
      } else if (!read_code_point(pos_, low)) {
        return false;
      }
      char32_t high = low;
      if (at('-') && pos_ + 1 < p_.size() && !at(pos_ + 1, ']')) {
        ++pos_;
        if (!class_code_point(high) || high < low) return false;
      }
      if (!add_range(low, high, ascii, others)) opaque = true;
    }
    if (opaque) {
      out = unknown();
      return true;
    }
    std::vector<Bytes> strings = std::move(others);
    if (caseless_) {
      for (char32_t c = 'A'; c <= 'Z'; ++c) {
        const auto upper = static_cast<unsigned char>(c);
        const auto lower = static_cast<unsigned char>(c | 0x20);
        if (!ascii.contains(upper) && !ascii.contains(lower)) continue;
        ascii.insert(upper);
        ascii.insert(lower);
        if (lower == 'k') strings.push_back(utf8_bytes(kKelvinSign));
        if (lower == 's') strings.push_back(utf8_bytes(kLongS));
      }
    }
    if (ascii != ByteSet{}) strings.push_back(Bytes{ascii});
    if (strings.empty()) return false;
    out = from_strings(std::move(strings));
    return true;
  }

  // Adds low..high to a class; false when the range is not modelled (non-ASCII members under
  // caseless matching, whose case partners may be ASCII, or too many non-ASCII members).
  bool add_range(char32_t low, char32_t high, ByteSet& ascii, std::vector<Bytes>& others) const {
    for (char32_t c = low; c <= high && c < 0x80; ++c) ascii.insert(static_cast<unsigned char>(c));
    if (high < 0x80) return true;
    if (caseless_ || high - std::max<char32_t>(low, 0x80) >= kMaxStrings) return false;
    for (char32_t c = std::max<char32_t>(low, 0x80); c <= high; ++c) {
      others.push_back(utf8_bytes(c));
    }
    return others.size() <= kMaxStrings;
  }

  std::string_view p_;
  std::size_t pos_ = 0;
  bool caseless_;
  bool unicode_;
};

// ---- From a condition to the OR of ANDs ----
using Term = std::vector<std::size_t>;  // sorted indexes into DnfBuilder::grams

class DnfBuilder {
 public:
  std::vector<Bytes> grams;

  std::vector<Term> build(const Cond& cond) {
    switch (cond.kind) {
      case Cond::Kind::always:
        return {Term{}};
      case Cond::Kind::gram:
        return {Term{id(cond.gram)}};
      case Cond::Kind::any: {
        std::vector<Term> terms;
        for (const Cond& part : cond.parts) {
          for (Term& t : build(part)) terms.push_back(std::move(t));
        }
        simplify(terms);
        if (terms.size() > kMaxTerms) weaken(terms);
        return terms;
      }
      case Cond::Kind::all: {
        std::vector<std::vector<Term>> parts;
        for (const Cond& part : cond.parts) parts.push_back(build(part));
        std::sort(parts.begin(), parts.end(),
                  [this](const auto& a, const auto& b) { return chance(a) < chance(b); });
        std::vector<Term> terms{Term{}};
        for (const std::vector<Term>& part : parts) {
          if (terms.size() * part.size() > kMaxTerms) continue;  // dropping a condition is safe
          std::vector<Term> product;
          for (const Term& t : terms) {
            for (const Term& u : part) {
              Term both = t;
              both.insert(both.end(), u.begin(), u.end());
              product.push_back(std::move(both));
            }
          }
          simplify(product);
          terms = std::move(product);
        }
        return terms;
      }
    }
    return {Term{}};
  }

  double chance(const Term& term) const {
    double c = 1;
    for (const std::size_t g : term) c *= gram_chance(grams[g]);
    return c;
  }

  double chance(const std::vector<Term>& terms) const {
    double c = 0;
    for (const Term& t : terms) c += chance(t);
    return std::min(c, 1.0);
  }

 private:
  std::size_t id(const Bytes& gram) {
    const auto it = std::find(grams.begin(), grams.end(), gram);
    if (it != grams.end()) return static_cast<std::size_t>(it - grams.begin());
    grams.push_back(gram);
    return grams.size() - 1;
  }

  // Every text containing all grams of `a` contains all grams of `b`.
  bool term_implies(const Term& a, const Term& b) const {
    return std::all_of(b.begin(), b.end(), [&](std::size_t gb) {
      return std::any_of(a.begin(), a.end(),
                         [&](std::size_t ga) { return implies(grams[ga], grams[gb]); });
    });
  }

  // Sorted, unique terms without grams implied by other grams of the term, and no term that
  // implies another (the OR already holds when the weaker one does).
  void simplify(std::vector<Term>& terms) const {
    for (Term& t : terms) {
      std::sort(t.begin(), t.end());
      t.erase(std::unique(t.begin(), t.end()), t.end());
      Term kept;
      for (const std::size_t g : t) {
        const bool implied = std::any_of(t.begin(), t.end(), [&](std::size_t other) {
          return other != g && implies(grams[other], grams[g]);
        });
        if (!implied) kept.push_back(g);
      }
      t = std::move(kept);
    }
    std::sort(terms.begin(), terms.end());
    terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
    std::vector<bool> dropped(terms.size(), false);
    for (std::size_t i = 0; i < terms.size(); ++i) {
      for (std::size_t j = 0; j < terms.size() && !dropped[i]; ++j) {
        if (j != i && !dropped[j] && term_implies(terms[i], terms[j])) dropped[i] = true;
      }
    }
    std::vector<Term> kept;
    for (std::size_t i = 0; i < terms.size(); ++i) {
      if (!dropped[i]) kept.push_back(std::move(terms[i]));
    }
    terms = std::move(kept);
  }

  // Too many terms for the OR: each term keeps only its rarest gram, and grams of one length
  // are merged byte by byte (a text containing any of them contains the merged gram).
  void weaken(std::vector<Term>& terms) {
    std::vector<Bytes> singles;
    for (const Term& t : terms) {
      if (t.empty()) {
        terms = {Term{}};
        return;
      }
      const auto rarest =
          std::min_element(t.begin(), t.end(), [this](std::size_t a, std::size_t b) {
            return gram_chance(grams[a]) < gram_chance(grams[b]);
          });
      singles.push_back(grams[*rarest]);
    }
    terms.clear();
    for (const Bytes& g : limited(std::move(singles), kMaxTerms)) {
      if (gram_chance(g) >= kUselessChance) {
        terms = {Term{}};
        return;
      }
      terms.push_back(Term{id(g)});
    }
    simplify(terms);
  }
};

}  // namespace

bool Gram::occurs_in(std::string_view text) const noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t k = bytes.size();
  for (std::size_t i = 0; i + k <= text.size(); ++i) {
    std::size_t j = 0;
    while (j < k && bytes[j].contains(p[i + j])) ++j;
    if (j == k) return true;
  }
  return false;
}

bool MatchFilter::may_match(std::string_view text) const noexcept {
  if (text.size() < min_length) return false;
  if (terms.empty()) return true;
  std::uint32_t present = 0;
  for (std::size_t g = 0; g < grams.size(); ++g) {
    if (grams[g].occurs_in(text)) present |= std::uint32_t{1} << g;
  }
  return std::any_of(terms.begin(), terms.end(),
                     [present](std::uint32_t term) { return (present & term) == term; });
}

bool MatchFilter::needs_ascii_digit() const noexcept {
  ByteSet digits;
  digits.insert_range('0', '9');
  std::uint32_t digit_grams = 0;
  for (std::size_t g = 0; g < grams.size(); ++g) {
    const auto& bytes = grams[g].bytes;
    if (std::any_of(bytes.begin(), bytes.end(),
                    [&digits](const ByteSet& set) { return set.is_subset_of(digits); })) {
      digit_grams |= std::uint32_t{1} << g;
    }
  }
  return !terms.empty() && std::all_of(terms.begin(), terms.end(), [digit_grams](std::uint32_t t) {
    return (t & digit_grams) != 0;
  });
}

std::optional<MatchFilter> read_match_filter(std::string_view pattern, bool caseless,
                                             bool unicode_classes) {
  const std::optional<Part> part = PatternReader(pattern, caseless, unicode_classes).read();
  if (!part) return std::nullopt;
  DnfBuilder builder;
  std::vector<Term> terms = builder.build(cond_of(*part));
  MatchFilter filter;
  if (std::any_of(terms.begin(), terms.end(), [](const Term& t) { return t.empty(); })) {
    return filter;  // some match needs no particular bytes
  }
  // At most kMaxGrams grams: drop the commonest from every term (a weaker condition).
  for (;;) {
    std::vector<std::size_t> used;
    for (const Term& t : terms) used.insert(used.end(), t.begin(), t.end());
    std::sort(used.begin(), used.end());
    used.erase(std::unique(used.begin(), used.end()), used.end());
    if (used.size() <= MatchFilter::kMaxGrams) {
      std::stable_sort(used.begin(), used.end(), [&](std::size_t a, std::size_t b) {
        return gram_chance(builder.grams[a]) < gram_chance(builder.grams[b]);
      });
      for (const std::size_t g : used) filter.grams.push_back(Gram{builder.grams[g]});
      for (const Term& t : terms) {
        std::uint32_t bits = 0;
        for (const std::size_t g : t) {
          bits |= std::uint32_t{1} << (std::find(used.begin(), used.end(), g) - used.begin());
        }
        filter.terms.push_back(bits);
      }
      return filter;
    }
    const std::size_t commonest =
        *std::max_element(used.begin(), used.end(), [&](std::size_t a, std::size_t b) {
          return gram_chance(builder.grams[a]) < gram_chance(builder.grams[b]);
        });
    for (Term& t : terms) {
      t.erase(std::remove(t.begin(), t.end(), commonest), t.end());
      if (t.empty()) return filter;
    }
  }
}

}  // namespace sluice::nodes::ner
