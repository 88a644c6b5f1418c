#include "support/ner/card_recognizer.hpp"

#include "support/ner/text_scan.hpp"

namespace sluice::nodes::ner {

namespace {

constexpr std::size_t kMinDigits = 13;
constexpr std::size_t kMaxDigits = 19;
constexpr std::size_t kMaxGroups = 8;

// A number right after one of these belongs to something else: an id ("#123"), an amount ("$5"),
// a path, an address, a dotted or hyphenated token.
constexpr std::string_view kGluingBefore = "#$%&*+-./@\\^|~";

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
  // Most texts hold fewer digits than the shortest card: one pass over the runs rules them out.
  std::size_t total_digits = 0;
  for (const Span& run : digit_runs) total_digits += run.end - run.begin;
  if (total_digits < kMinDigits) return;

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
