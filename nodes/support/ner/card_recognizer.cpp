#include "support/ner/card_recognizer.hpp"

namespace sluice::nodes::ner {

namespace {

constexpr std::size_t kMinDigits = 13;
constexpr std::size_t kMaxDigits = 19;
constexpr std::size_t kMaxGroups = 8;

// A number right after one of these belongs to something else: an id ("#123"), an amount ("$5"),
// a path, an address, a dotted or hyphenated token.
constexpr std::string_view kGluingBefore = "#$%&*+-./@\\^|~";

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_ascii_word(unsigned char c) {
  return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '_';
}

// Non-ASCII code points count as word characters (letters, marks) unless they sit in the common
// space, punctuation and symbol blocks.
bool is_word_code_point(char32_t cp) {
  if (cp < 0x80) return is_ascii_word(static_cast<unsigned char>(cp));
  if (cp < 0xC0) return cp == 0xAA || cp == 0xB5 || cp == 0xBA;
  if (cp == 0xD7 || cp == 0xF7) return false;
  if (cp >= 0x2000 && cp <= 0x2BFF) return false;
  if (cp >= 0x3000 && cp <= 0x303F) return false;
  if (cp >= 0xFF00 && cp <= 0xFF20) return false;
  if (cp >= 0x1F000 && cp <= 0x1FAFF) return false;
  return true;
}

char32_t decode_at(std::string_view text, std::size_t pos) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const unsigned char lead = p[pos];
  const std::size_t extra = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : 0;
  char32_t cp = extra == 0 ? lead : lead & (0x3F >> extra);
  for (std::size_t i = 1; i <= extra && pos + i < text.size(); ++i) {
    cp = (cp << 6) | (p[pos + i] & 0x3F);
  }
  return cp;
}

bool word_before(std::string_view text, std::size_t pos) {
  if (pos == 0) return false;
  const auto c = static_cast<unsigned char>(text[pos - 1]);
  if (c < 0x80) return is_ascii_word(c);
  std::size_t lead = pos - 1;
  while (lead > 0 && pos - lead < 4 && (static_cast<unsigned char>(text[lead]) & 0xC0) == 0x80) {
    --lead;
  }
  return is_word_code_point(decode_at(text, lead));
}

void collect_digit_runs(std::string_view text, std::vector<Span>& runs) {
  runs.clear();
  for (std::size_t i = 0; i < text.size();) {
    if (!is_digit(text[i])) {
      ++i;
      continue;
    }
    const std::size_t begin = i;
    while (i < text.size() && is_digit(text[i])) ++i;
    runs.push_back({begin, i});
  }
}

bool left_ok(std::string_view text, std::size_t pos) {
  if (pos == 0) return true;
  const auto c = static_cast<unsigned char>(text[pos - 1]);
  if (c >= 0x80) return !word_before(text, pos);
  if (is_ascii_word(c)) return false;
  if (c == ',' || c == ':') return pos < 2 || !is_digit(text[pos - 2]);
  return kGluingBefore.find(static_cast<char>(c)) == std::string_view::npos;
}

bool right_ok(std::string_view text, std::size_t pos) {
  if (pos >= text.size()) return true;
  const auto c = static_cast<unsigned char>(text[pos]);
  if (c >= 0x80) return !is_word_code_point(decode_at(text, pos));
  if (is_ascii_word(c) || c == '@') return false;
  if (c == '-' || c == '.' || c == ',' || c == '/' || c == ':') {
    return pos + 1 >= text.size() || !is_digit(text[pos + 1]);
  }
  return true;
}

bool layout_ok(std::span<const Span> groups, std::size_t digits) {
  if (digits < kMinDigits || digits > kMaxDigits) return false;
  if (groups.size() == 1) return true;
  if (groups[0].end - groups[0].begin != 4) return false;
  for (std::size_t i = 1; i < groups.size(); ++i) {
    const std::size_t size = groups[i].end - groups[i].begin;
    const std::size_t min_size = i + 1 < groups.size() ? 4 : 1;
    if (size < min_size || size > 6) return false;
  }
  return true;
}

bool luhn_ok(std::string_view text, std::span<const Span> groups) {
  unsigned sum = 0;
  bool twice = false;  // every second digit from the right is doubled
  for (std::size_t g = groups.size(); g-- > 0;) {
    for (std::size_t i = groups[g].end; i-- > groups[g].begin;) {
      unsigned d = static_cast<unsigned>(text[i] - '0');
      if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
      sum += d;
      twice = !twice;
    }
  }
  return sum % 10 == 0;
}

}  // namespace

Result<std::unique_ptr<CardRecognizer>> CardRecognizer::create() {
  return std::unique_ptr<CardRecognizer>(new CardRecognizer());
}

void CardRecognizer::find(std::string_view text, std::vector<Span>& out) const {
  thread_local std::vector<Span> runs;
  collect_digit_runs(text, runs);
  find(text, runs, out);
}

void CardRecognizer::find(std::string_view text, std::span<const Span> digit_runs,
                          std::vector<Span>& out) const {
  std::size_t done = 0;  // end of the last card: spans never overlap
  for (std::size_t i = 0; i < digit_runs.size(); ++i) {
    const std::size_t begin = digit_runs[i].begin;
    if (begin < done) continue;
    const bool after_digits = begin >= 2 && text[begin - 1] == ' ' && is_digit(text[begin - 2]);
    if (!after_digits && !left_ok(text, begin)) continue;

    // The chain of runs joined by single spaces or single dashes (one kind).
    std::size_t count = 1;
    char sep = 0;
    bool cut = false;  // the chain stopped at another separator kind or at kMaxGroups
    while (i + count < digit_runs.size()) {
      const Span& prev = digit_runs[i + count - 1];
      const Span& next = digit_runs[i + count];
      const char c = text[prev.end];
      if (next.begin != prev.end + 1 || (c != ' ' && c != '-')) break;
      if ((sep != 0 && c != sep) || count == kMaxGroups) {
        cut = true;
        break;
      }
      sep = c;
      ++count;
    }

    std::size_t digits = 0;
    for (std::size_t k = 0; k < count; ++k) {
      digits += digit_runs[i + k].end - digit_runs[i + k].begin;
    }
    if (digits < kMinDigits) {
      // Chains from the following runs are suffixes of this one, too short as well.
      if (!cut) i += count - 1;
      continue;
    }
    // Whole chain first; a space-grouped chain may also end early (unrelated digits follow).
    for (std::size_t k = count; k >= 1; --k) {
      if (k < count && sep != ' ') break;
      const auto groups = digit_runs.subspan(i, k);
      const std::size_t end = groups.back().end;
      if (layout_ok(groups, digits) && (k < count || right_ok(text, end)) &&
          luhn_ok(text, groups)) {
        out.push_back({begin, end});
        done = end;
        break;
      }
      digits -= groups.back().end - groups.back().begin;
    }
  }
}

}  // namespace sluice::nodes::ner
