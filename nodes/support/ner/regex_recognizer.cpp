#include "support/ner/regex_recognizer.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace sluice::nodes::ner {

namespace {

constexpr std::size_t kMaxPrefix = 3;

bool is_ascii_alnum(char c) {
  return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}
bool is_ascii_punct(char c) { return c > 0x20 && c < 0x7F && !is_ascii_alnum(c); }

// Under UCP, \d and \w also match non-ASCII characters: any lead byte may start one.
void add_non_ascii_leads(ByteSet& set) { set.insert_range(0xC0, 0xFF); }

// Patterns whose text this analysis cannot follow: quoting (\Q...\E), comments, extended mode
// (where spaces and '#' are not literals).
bool unanalysable(std::string_view p) {
  if (p.find("\\Q") != std::string_view::npos || p.find("(?#") != std::string_view::npos) {
    return true;
  }
  for (std::size_t i = p.find("(?"); i != std::string_view::npos; i = p.find("(?", i + 2)) {
    for (std::size_t j = i + 2; j < p.size() && p[j] != ')' && p[j] != ':'; ++j) {
      if (p[j] == 'x') return true;
    }
  }
  return false;
}

// True when '|' occurs outside every group and class: then no prefix is common to all matches.
bool top_level_alternation(std::string_view p) {
  int depth = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\') {
      ++i;
    } else if (c == '[') {
      std::size_t j = i + 1;
      if (j < p.size() && p[j] == '^') ++j;
      if (j < p.size() && p[j] == ']') ++j;  // a leading ']' is a member
      for (; j < p.size() && p[j] != ']'; ++j) {
        if (p[j] == '\\') ++j;
      }
      i = j;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    } else if (c == '|' && depth == 0) {
      return true;
    }
  }
  return false;
}

// The escape \e (in or out of a class) as a set; false for escapes not handled here.
bool escape_set(char e, ByteSet& set) {
  if (e == 'd') {
    set.insert_range('0', '9');
    add_non_ascii_leads(set);
  } else if (e == 'w') {
    set.insert_range('0', '9');
    set.insert_range('A', 'Z');
    set.insert_range('a', 'z');
    set.insert('_');
    add_non_ascii_leads(set);
  } else if (is_ascii_punct(e)) {
    set.insert(static_cast<unsigned char>(e));
  } else {
    return false;
  }
  return true;
}

// One atom starting at p[i]: a literal, an escape, or a simple class. Advances i past it.
bool parse_atom(std::string_view p, std::size_t& i, ByteSet& set) {
  const char c = p[i];
  if (c == '\\') {
    if (i + 1 >= p.size() || !escape_set(p[i + 1], set)) return false;
    i += 2;
    return true;
  }
  if (c == '[') {
    std::size_t j = i + 1;
    if (j >= p.size() || p[j] == '^') return false;
    bool first = true;
    while (j < p.size() && (p[j] != ']' || first)) {
      first = false;
      const char x = p[j];
      if (x == '\\') {
        if (j + 1 >= p.size() || !escape_set(p[j + 1], set)) return false;
        j += 2;
        continue;
      }
      if (x == '[' || static_cast<unsigned char>(x) >= 0x80) return false;  // POSIX class, UTF-8
      if (j + 2 < p.size() && p[j + 1] == '-' && p[j + 2] != ']') {
        const char y = p[j + 2];
        if (y == '\\' || y == '[' || static_cast<unsigned char>(y) >= 0x80 || y < x) return false;
        set.insert_range(static_cast<unsigned char>(x), static_cast<unsigned char>(y));
        j += 3;
        continue;
      }
      set.insert(static_cast<unsigned char>(x));
      ++j;
    }
    if (j >= p.size()) return false;
    i = j + 1;
    return true;
  }
  if (c < 0x20 || c >= 0x7F) return false;  // also every UTF-8 byte (char is signed or >= 0x80)
  if (std::string_view(".()|*+?{}$]").find(c) != std::string_view::npos) return false;
  set.insert(static_cast<unsigned char>(c));
  ++i;
  return true;
}

// Adds the other case of ASCII letters. k and s also match KELVIN SIGN and LONG S caselessly,
// which start with other bytes; returns true when the set now covers multi-byte characters.
bool fold_case(ByteSet& set) {
  ByteSet folded = set;
  bool multi_byte = false;
  for (unsigned b = 'A'; b <= 'Z'; ++b) {
    const auto upper = static_cast<unsigned char>(b);
    const auto lower = static_cast<unsigned char>(b | 0x20);
    if (!set.contains(upper) && !set.contains(lower)) continue;
    folded.insert(upper);
    folded.insert(lower);
    if (lower == 'k' || lower == 's') multi_byte = true;
  }
  if (multi_byte) add_non_ascii_leads(folded);
  set = folded;
  return multi_byte;
}

bool has_non_ascii(const ByteSet& set) {
  for (unsigned b = 0x80; b <= 0xFF; ++b) {
    if (set.contains(static_cast<unsigned char>(b))) return true;
  }
  return false;
}

// The byte sets of the first bytes of every match, read from the pattern's leading atoms.
std::vector<ByteSet> leading_bytes(std::string_view p, bool maybe_caseless) {
  std::vector<ByteSet> prefix;
  if (unanalysable(p) || top_level_alternation(p)) return prefix;
  std::size_t i = 0;
  while (i < p.size() && prefix.size() < kMaxPrefix) {
    // Zero-width assertions consume nothing.
    if (p[i] == '^') {
      ++i;
      continue;
    }
    if (p[i] == '\\' && i + 1 < p.size() &&
        (p[i + 1] == 'b' || p[i + 1] == 'B' || p[i + 1] == 'A' || p[i + 1] == 'G')) {
      i += 2;
      continue;
    }
    ByteSet atom;
    if (!parse_atom(p, i, atom)) break;
    bool multi_byte = has_non_ascii(atom);
    if (maybe_caseless) multi_byte = fold_case(atom) || multi_byte;

    std::size_t min_count = 1;
    bool exact = true;
    if (i < p.size() && (p[i] == '?' || p[i] == '*')) break;  // optional: not part of every match
    if (i < p.size() && p[i] == '+') {
      exact = false;
    } else if (i < p.size() && p[i] == '{') {
      std::size_t j = i + 1;
      std::size_t low = 0;
      bool digits = false;
      while (j < p.size() && p[j] >= '0' && p[j] <= '9') {
        low = low * 10 + static_cast<std::size_t>(p[j] - '0');
        digits = true;
        ++j;
      }
      if (!digits || low == 0) break;  // "{,n}", "{0,n}" or a literal '{': stop here
      if (j < p.size() && p[j] == '}') {
        min_count = low;
        i = j + 1;
      } else if (j < p.size() && p[j] == ',') {
        ++j;
        while (j < p.size() && p[j] >= '0' && p[j] <= '9') ++j;
        // "{n,}" and "{n,m}" repeat at least n times; anything else is a literal '{'.
        if (j < p.size() && p[j] == '}') min_count = low;
        exact = false;
      } else {
        exact = false;
      }
    }
    for (std::size_t k = 0; k < min_count && prefix.size() < kMaxPrefix; ++k) {
      prefix.push_back(atom);
      if (multi_byte) return prefix;  // the next byte may be a continuation byte
    }
    if (!exact) break;
    if (i < p.size() && (p[i] == '?' || p[i] == '+') && min_count > 1) ++i;  // {n}? and {n}+
  }
  return prefix;
}

// An ASCII code unit, with its other case when it is a letter: PCRE2 does not say whether a
// recorded code unit is caseless, so both cases are kept. Non-ASCII units are not used: their
// caseless forms may begin with other bytes.
std::optional<ByteSet> code_unit_set(std::uint32_t unit) {
  if (unit >= 0x80) return std::nullopt;
  ByteSet set;
  set.insert(static_cast<unsigned char>(unit));
  if ((unit | 0x20) >= 'a' && (unit | 0x20) <= 'z') {
    set.insert(static_cast<unsigned char>(unit ^ 0x20));
  }
  return set;
}

// Facts the Regex wrapper does not expose, read from a second compilation with the same options
// (once, at create time).
Result<MatchFilter> pcre2_filter(std::string_view pattern, bool caseless, bool unicode) {
  std::uint32_t flags = PCRE2_UTF | PCRE2_NO_UTF_CHECK;  // as Regex::compile
  if (unicode) flags |= PCRE2_UCP;
  if (caseless) flags |= PCRE2_CASELESS;
  int error = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   flags, &error, &offset, nullptr);
  if (code == nullptr) return Status(StatusCode::internal, "pattern compiled once but not twice");
  MatchFilter filter;
  std::uint32_t min_length = 0;
  pcre2_pattern_info(code, PCRE2_INFO_MINLENGTH, &min_length);
  filter.min_length = min_length;

  std::uint32_t type = 0;
  std::uint32_t unit = 0;
  pcre2_pattern_info(code, PCRE2_INFO_FIRSTCODETYPE, &type);
  if (type == 1) {
    pcre2_pattern_info(code, PCRE2_INFO_FIRSTCODEUNIT, &unit);
    if (auto set = code_unit_set(unit)) filter.prefix.push_back(*set);
  } else {
    const std::uint8_t* bitmap = nullptr;
    pcre2_pattern_info(code, PCRE2_INFO_FIRSTBITMAP, &bitmap);
    if (bitmap != nullptr) {
      ByteSet set;
      for (unsigned b = 0; b < 256; ++b) {
        if ((bitmap[b / 8] >> (b % 8) & 1) != 0) set.insert(static_cast<unsigned char>(b));
      }
      filter.prefix.push_back(set);
    }
  }
  pcre2_pattern_info(code, PCRE2_INFO_LASTCODETYPE, &type);
  if (type == 1) {
    pcre2_pattern_info(code, PCRE2_INFO_LASTCODEUNIT, &unit);
    filter.required = code_unit_set(unit);
  }
  pcre2_code_free(code);
  return filter;
}

}  // namespace

Result<std::unique_ptr<RegexRecognizer>> RegexRecognizer::create(std::string_view pattern,
                                                                 Options options) {
  Regex::Options regex_options;
  regex_options.caseless = options.caseless;
  regex_options.unicode_classes = options.unicode;
  auto regex = Regex::compile(pattern, regex_options);
  if (!regex.ok()) return regex.status();
  auto filter = pcre2_filter(pattern, options.caseless, options.unicode);
  if (!filter.ok()) return filter.status();
  // A zero minimum subject length is what PCRE2 reports for anything that can match "".
  if (filter->min_length == 0) {
    return invalid_argument("regular expression can match the empty string");
  }
  // Inline options may switch on caseless matching anywhere, so any "(?" counts.
  const bool maybe_caseless = options.caseless || pattern.find("(?") != std::string_view::npos;
  std::vector<ByteSet> prefix = leading_bytes(pattern, maybe_caseless);
  if (!prefix.empty()) filter->prefix = std::move(prefix);

  std::unique_ptr<RegexRecognizer> recognizer(new RegexRecognizer(std::move(regex).value()));
  recognizer->filter_ = std::move(filter).value();
  return recognizer;
}

bool RegexRecognizer::may_match(std::string_view text) const noexcept {
  if (text.size() < filter_.min_length) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  if (filter_.required) {
    bool present = false;
    for (std::size_t i = 0; i < n && !present; ++i) present = filter_.required->contains(p[i]);
    if (!present) return false;
  }
  const std::size_t k = filter_.prefix.size();
  if (k == 0) return true;
  for (std::size_t i = 0; i + k <= n; ++i) {
    std::size_t j = 0;
    while (j < k && filter_.prefix[j].contains(p[i + j])) ++j;
    if (j == k) return true;
  }
  return false;
}

void RegexRecognizer::find(std::string_view text, std::vector<Span>& out) const {
  if (text.size() < filter_.min_length) return;
  std::size_t start = 0;
  RegexMatch match;
  while (start < text.size() && regex_.next_match(text, start, match)) {
    if (match.end > match.begin) {
      out.push_back({match.begin, match.end});
      start = match.end;
      continue;
    }
    // An empty match (lookarounds only, or \K): not an entity; go on after the next character.
    start = match.end + 1;
    while (start < text.size() && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) ++start;
  }
}

}  // namespace sluice::nodes::ner
