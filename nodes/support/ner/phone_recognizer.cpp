#include "support/ner/phone_recognizer.hpp"

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>
#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <future>
#include <system_error>

#include "support/ner/nanp_area_codes.hpp"
#include "support/ner/numbering_plans.hpp"
#include "support/ner/text_scan.hpp"

namespace sluice::nodes::ner {

namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

constexpr std::size_t kMaxGroups = 8;
constexpr std::size_t kMaxDigits = 20;          // 3-digit country code + 17-digit national number
constexpr std::size_t kMaxNationalLength = 17;  // longest national number libphonenumber knows

// A number right after one of these belongs to something else: an id ("#123"), an amount ("$5"),
// a path, an address, a dotted or hyphenated token.
constexpr std::string_view kGluingBefore = "#$%&*+-./@\\^|~";

// A number may start at `pos` unless the byte before glues it to a word or marks it as part of
// something else: an id ("#123"), an amount ("$5"), a path, a dotted or hyphenated token.
bool left_ok(std::string_view text, std::size_t pos) {
  if (pos == 0) return true;
  const auto c = static_cast<unsigned char>(text[pos - 1]);
  if (c >= 0x80) return !word_before(text, pos);
  if (is_ascii_word(c)) return false;
  return kGluingBefore.find(static_cast<char>(c)) == std::string_view::npos;
}

// A number may end before `pos` unless the next byte glues it to a word, an address, or a longer
// dotted/hyphenated/slashed/timed token ("555-123-4567-89", "...:30").
bool right_ok(std::string_view text, std::size_t pos) {
  if (pos >= text.size()) return true;
  const auto c = static_cast<unsigned char>(text[pos]);
  if (c >= 0x80) return !word_at(text, pos);
  if (is_ascii_word(c) || c == '@') return false;
  if (c == '-' || c == '.' || c == '/' || c == ':') {
    return pos + 1 >= text.size() || !is_digit(text[pos + 1]);
  }
  return true;
}

// The run at `pos` follows "digit space": it would continue a space-grouped digit sequence.
bool continues_digits(std::string_view text, std::size_t pos) {
  return pos >= 2 && text[pos - 1] == ' ' && (is_digit(text[pos - 2]) || text[pos - 2] == ')');
}

struct Group {
  std::size_t begin;  // first digit
  std::size_t end;    // one past the last digit
  std::size_t stop;   // one past the group, closing parenthesis included
  char sep;           // separator before the group; 0 for none (next to a parenthesis)
  bool paren;
  std::size_t size() const { return end - begin; }
};

// Left uninitialised on purpose: read_chain fills `count` groups (this is on the hot path).
struct Chain {
  Group groups[kMaxGroups];
  std::size_t count = 0;
  bool truncated = false;  // more groups followed than kMaxGroups/kMaxDigits allow
};

// Reads the digit groups starting at `pos` (the first digit of runs[0], or a '(' just before it):
// runs joined by one separator, or by nothing next to a parenthesis. Stops at the first byte that
// does not continue the chain. Works on the digit runs, so no digit is looked at twice.
void read_chain(std::string_view text, std::span<const Span> runs, std::size_t pos, Chain& chain) {
  const std::size_t n = text.size();
  std::size_t digits = 0;
  char sep = 0;
  for (std::size_t k = 0; k < runs.size(); ++k) {
    const Span& run = runs[k];
    Group g{run.begin, run.end, run.end, sep, false};
    if (pos != run.begin) {  // "(digits)"
      if (run.end >= n || text[run.end] != ')') return;
      g.stop = run.end + 1;
      g.paren = true;
    }
    if (chain.count == kMaxGroups || digits + g.size() > kMaxDigits) {
      chain.truncated = true;
      return;
    }
    chain.groups[chain.count++] = g;
    digits += g.size();
    pos = g.stop;
    if (pos >= n || k + 1 == runs.size()) return;
    const std::size_t next = runs[k + 1].begin;
    const char c = text[pos];
    if ((c == ' ' || c == '-' || c == '.' || c == '/') &&
        (next == pos + 1 || (next == pos + 2 && text[pos + 1] == '('))) {
      sep = c;
      ++pos;
    } else if ((g.paren && next == pos) || (!g.paren && c == '(' && next == pos + 1)) {
      sep = 0;
    } else {
      return;
    }
  }
}

// True when groups [first, k) use a separator other than a space, or a parenthesis: such a number
// is clearly delimited even when a space and more digits follow it.
bool delimited(const Chain& chain, std::size_t first, std::size_t k) {
  for (std::size_t i = first; i < k; ++i) {
    const Group& g = chain.groups[i];
    if (g.paren || (i > first && g.sep != ' ')) return true;
  }
  return false;
}

// A number made of the chain's first k groups may end there: the chain ends with it, or a
// delimited number is followed by a space and unrelated digits.
bool may_end(std::string_view text, const Chain& chain, std::size_t k, bool is_delimited) {
  if (k < chain.count) {
    if (!is_delimited || chain.groups[k].sep != ' ') return false;
  } else if (chain.truncated) {
    return false;
  }
  return right_ok(text, chain.groups[k - 1].stop);
}

// Groups [first, k) that share one separator kind (the first one used away from parentheses);
// '/' only where `allow_slash`. Returns k.
std::size_t consistent_groups(const Chain& chain, std::size_t first, bool allow_slash) {
  char kind = 0;
  std::size_t k = first + 1;
  for (; k < chain.count; ++k) {
    const Group& g = chain.groups[k];
    if (g.sep == '/' && !allow_slash) break;
    if (g.paren || chain.groups[k - 1].paren) continue;
    if (kind == 0) {
      kind = g.sep;
    } else if (g.sep != kind) {
      break;
    }
  }
  return k;
}

// Matches the NANP layout on the chain's groups from `first`: optional "1" trunk, area code (may
// be parenthesised), exchange, line. Returns the number of groups used, 0 when it does not fit.
std::size_t nanp_layout(std::string_view text, const Chain& chain, std::size_t first,
                        bool allow_trunk) {
  const auto fits = [&](std::size_t a) {
    if (a + 3 > chain.count) return false;
    const Group& area = chain.groups[a];
    const Group& exchange = chain.groups[a + 1];
    const Group& line = chain.groups[a + 2];
    if (area.size() != 3 || exchange.size() != 3 || line.size() != 4) return false;
    if (exchange.paren || line.paren || exchange.sep == '/' || line.sep == '/') return false;
    if (area.paren) return line.sep != 0;
    return exchange.sep != 0 && line.sep == exchange.sep;
  };
  const Group& head = chain.groups[first];
  if (allow_trunk && !head.paren && head.size() == 1 && text[head.begin] == '1' &&
      first + 1 < chain.count && chain.groups[first + 1].sep != 0 &&
      chain.groups[first + 1].sep != '/' && fits(first + 1)) {
    return 4;
  }
  return fits(first) ? 3 : 0;
}

std::uint64_t digits_value(std::string_view text, std::size_t begin, std::size_t end) {
  std::uint64_t value = 0;
  for (std::size_t i = begin; i < end; ++i) {
    value = value * 10 + static_cast<unsigned>(text[i] - '0');
  }
  return value;
}

bool valid_number(int country_code, std::uint64_t national_number) {
  PhoneNumber number;
  number.set_country_code(country_code);
  number.set_national_number(national_number);
  return PhoneNumberUtil::GetInstance()->IsValidNumber(number);
}

// A national number of `length` digits is possible for `calling_code` (a known one).
bool possible(std::size_t calling_code, std::size_t length) {
  if (length < 1 || length >= 32) return false;
  return (numbering::kPossibleLengths[calling_code] >> length & 1U) != 0;
}

bool known_calling_code(std::size_t calling_code) {
  return numbering::kPossibleLengths[calling_code] != 0;
}

// IsValidNumber for a 10-digit NANP national number, through the coverage tables
// (nanp_area_codes.hpp); the library is called only for the few blocks they leave open.
bool valid_nanp_number(std::uint64_t national) {
  const std::uint64_t area = national / 10'000'000;
  const std::uint64_t exchange = national / 10'000 % 1000;
  if (area < 200 || exchange < 200) return false;  // NXX NXX-XXXX, N = 2-9
  nanp::Coverage coverage = nanp::area_code_coverage(area);
  if (coverage == nanp::Coverage::some) coverage = nanp::exchange_coverage(area, exchange);
  if (coverage == nanp::Coverage::some) return valid_number(1, national);
  return coverage == nanp::Coverage::all;
}

std::atomic<bool> metadata_ready{false};

}  // namespace

// libphonenumber parses the metadata of every region on its first use: ~7.5 ms of CPU and ~3.5 MiB
// of heap and code pages. preload_metadata() does that on a thread of its own, at idle priority
// (SCHED_IDLE), so that no worker stalls on it in the middle of a run. NerExtract asks for it only
// when the run leaves a core free. With a worker on every core, the helper still took ~5 ms of the
// workers' time at the start of a 2-thread run on 2 cores (the scheduler gives idle-priority
// threads short slices all the same, `perf sched timehist`), and it competed for the allocator's
// lock, all for numbers a run may never meet (the first 1M rows of the benchmark export need the
// library for none). Without a preload, the first number that needs the library loads it inside
// GetInstance (a pthread_once); a worker that needs it meanwhile waits for the same load.
void PhoneRecognizer::preload_metadata() {
  static const std::future<void> loading = []() -> std::future<void> {
    try {
      return std::async(std::launch::async, [] {
        const sched_param idle{};
        pthread_setschedparam(pthread_self(), SCHED_IDLE, &idle);  // best effort
        PhoneNumberUtil::GetInstance();
        metadata_ready.store(true, std::memory_order_release);
      });
    } catch (const std::system_error&) {
      return {};  // no thread to spare: the first number that needs the library loads it
    }
  }();
}

bool PhoneRecognizer::metadata_loaded() noexcept {
  return metadata_ready.load(std::memory_order_acquire);
}

Result<std::unique_ptr<PhoneRecognizer>> PhoneRecognizer::create(std::string_view default_region) {
  std::string region(default_region);
  for (char& c : region) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  // From the build-time tables, so a bad region is reported without waiting for the library.
  const numbering::RegionPlan* plan = numbering::find_region_plan(region);
  if (plan == nullptr) {
    return invalid_argument("unknown phone region '" + std::string(default_region) +
                            "' (expected an ISO 3166-1 alpha-2 code such as \"US\")");
  }
  std::unique_ptr<PhoneRecognizer> recognizer(new PhoneRecognizer());
  recognizer->region_ = region;
  recognizer->region_code_ = plan->calling_code;
  recognizer->region_nanp_ = plan->nanp;
  recognizer->trunk_prefix_ = plan->trunk_prefix;
  return recognizer;
}

void PhoneRecognizer::find(std::string_view text, std::vector<Span>& out) const {
  thread_local std::vector<Span> runs;
  collect_digit_runs(text, runs);
  find(text, runs, out);
}

void PhoneRecognizer::find(std::string_view text, std::span<const Span> digit_runs,
                           std::vector<Span>& out) const {
  std::size_t done = 0;  // end of the last reported number: spans never overlap
  for (std::size_t i = 0; i < digit_runs.size(); ++i) {
    const Span& run = digit_runs[i];
    const std::size_t start = run.begin;
    if (start < done) continue;
    const std::span<const Span> runs = digit_runs.subspan(i);
    const char before = start > done ? text[start - 1] : '\0';
    Span found;
    bool ok = false;
    if (before == '+') {
      ok = match_international(text, runs, start - 1, found);
    } else {
      // Most digit runs (prices, times, dates, ids) are ruled out by their length and the
      // distance to the next run, before any parsing.
      const std::size_t size = run.end - start;
      const bool next_close = runs.size() > 1 && runs[1].begin - run.end <= 3;
      bool candidate;
      if (region_nanp_) {
        const bool group_start = size == 3 || (size == 1 && text[start] == '1');
        candidate = size == 10 || size == 11 || (next_close && group_start);
      } else {
        const bool trunk = trunk_prefix_.empty() || text[start] == trunk_prefix_[0];
        candidate = trunk && (size >= 6 || next_close);
      }
      if (!candidate) continue;
      if (before == '(') ok = match_national(text, runs, start - 1, found);
      if (!ok) ok = match_national(text, runs, start, found);
    }
    if (ok) {
      out.push_back(found);
      done = found.end;
    }
  }
}

bool PhoneRecognizer::match_international(std::string_view text, std::span<const Span> runs,
                                          std::size_t plus, Span& found) const {
  if (!left_ok(text, plus)) return false;
  Chain chain;
  read_chain(text, runs, plus + 1, chain);
  if (chain.count == 0) return false;
  const Group& head = chain.groups[0];

  // Calling codes are prefix-free: at most one of the first 1-3 digits' prefixes is assigned.
  std::size_t code = 0;
  std::size_t code_length = 0;
  for (std::size_t i = 0; i < 3 && i < head.size(); ++i) {
    code = code * 10 + static_cast<std::size_t>(text[head.begin + i] - '0');
    if (known_calling_code(code)) {
      code_length = i + 1;
      break;
    }
  }
  if (code_length == 0) return false;

  // After '+' the number is evident, so it may end before a space and unrelated digits
  // ("+44 20 7946 0958 2 times") even when it is grouped with spaces only.
  if (code == 1 && head.size() == 1 && chain.count > 1) {
    const std::size_t used = nanp_layout(text, chain, 1, false);
    if (used != 0 && may_end(text, chain, 1 + used, true) && possible(1, 10)) {
      found = {plus, chain.groups[used].stop};
      return true;
    }
  }

  // National digits covered by the first k groups, for every k up to the consistent groups.
  const std::size_t last = consistent_groups(chain, 0, false);
  std::array<std::size_t, kMaxGroups + 1> national_length{};
  national_length[1] = head.size() - code_length;
  for (std::size_t i = 1; i < last; ++i) {
    const Group& g = chain.groups[i];
    // "+44 (0)20 ...": the parenthesised trunk prefix is not part of the international number.
    const bool trunk = i == 1 && g.paren && g.size() == 1 && text[g.begin] == '0';
    national_length[i + 1] = national_length[i] + (trunk ? 0 : g.size());
  }
  // Longest possible reading first. A last group shorter than the one before it may be unrelated
  // digits ("+49 171 1234567 89 times"); when a shorter reading is possible too, the longest
  // *valid* one wins (IsValidNumber is costly, so only then).
  std::size_t best = 0;
  bool ambiguous = false;
  for (std::size_t k = last; k >= 1; --k) {
    if (!may_end(text, chain, k, true) || !possible(code, national_length[k])) {
      continue;
    }
    if (best != 0) {
      ambiguous = true;
      break;
    }
    best = k;
    if (best < 2 || chain.groups[best - 1].size() >= chain.groups[best - 2].size()) break;
  }
  if (best == 0) return false;
  if (ambiguous) {
    const PhoneNumberUtil* util = PhoneNumberUtil::GetInstance();
    for (std::size_t k = best; k >= 1; --k) {
      if (!may_end(text, chain, k, true) || !possible(code, national_length[k])) {
        continue;
      }
      // The number as Parse would build it: leading zeros of the national number are kept as
      // "Italian" zeros.
      std::uint64_t value = 0;
      std::size_t length = 0;
      std::size_t zeros = 0;
      for (std::size_t i = 0; i < k; ++i) {
        const Group& g = chain.groups[i];
        if (i == 1 && g.paren && g.size() == 1 && text[g.begin] == '0') continue;
        for (std::size_t j = i == 0 ? g.begin + code_length : g.begin; j < g.end; ++j) {
          if (value == 0 && text[j] == '0') ++zeros;
          value = value * 10 + static_cast<unsigned>(text[j] - '0');
          ++length;
        }
      }
      PhoneNumber number;
      number.set_country_code(static_cast<int>(code));
      number.set_national_number(value);
      if (zeros > 0 && length > 1) {
        number.set_italian_leading_zero(true);
        if (zeros > 1) number.set_number_of_leading_zeros(static_cast<int>(zeros));
      }
      if (util->IsValidNumber(number)) {
        best = k;
        break;
      }
    }
  }
  found = {plus, chain.groups[best - 1].stop};
  return true;
}

bool PhoneRecognizer::match_national(std::string_view text, std::span<const Span> runs,
                                     std::size_t start, Span& found) const {
  if (!left_ok(text, start)) return false;
  return region_nanp_ ? match_nanp(text, runs, start, found)
                      : match_other_national(text, runs, start, found);
}

bool PhoneRecognizer::match_nanp(std::string_view text, std::span<const Span> runs,
                                 std::size_t start, Span& found) const {
  Chain chain;
  read_chain(text, runs, start, chain);
  if (chain.count == 0) return false;
  const bool after_digits = continues_digits(text, start);

  const std::size_t used = nanp_layout(text, chain, 0, true);
  if (used != 0) {
    const bool is_delimited = delimited(chain, 0, used);
    if (after_digits && !is_delimited) return false;
    if (!may_end(text, chain, used, is_delimited) || !possible(1, 10)) return false;
    found = {start, chain.groups[used - 1].stop};
    return true;
  }

  // A bare digit run is only a phone when it lies in an assigned range.
  const Group& run = chain.groups[0];
  if (chain.count != 1 || chain.truncated || run.paren || after_digits) return false;
  const bool with_trunk = run.size() == 11 && text[run.begin] == '1';
  if (run.size() != 10 && !with_trunk) return false;
  if (!right_ok(text, run.stop)) return false;
  if (!valid_nanp_number(digits_value(text, run.end - 10, run.end))) return false;
  found = {start, run.stop};
  return true;
}

bool PhoneRecognizer::match_other_national(std::string_view text, std::span<const Span> runs,
                                           std::size_t start, Span& found) const {
  Chain chain;
  read_chain(text, runs, start, chain);
  if (chain.count == 0) return false;
  const Group& head = chain.groups[0];
  if (text.substr(head.begin, head.size()).substr(0, trunk_prefix_.size()) != trunk_prefix_) {
    return false;
  }
  const std::size_t k = consistent_groups(chain, 0, true);
  const bool is_delimited = delimited(chain, 0, k);
  if (continues_digits(text, start) && !is_delimited) return false;
  if (!may_end(text, chain, k, is_delimited)) return false;

  std::size_t digits = 0;
  for (std::size_t i = 0; i < k; ++i) digits += chain.groups[i].size();
  if (digits < 6 || digits > kMaxNationalLength) return false;
  // Dates ("05.12.2024", "2024-05-12") and IP addresses share the grouped shape.
  const auto size = [&](std::size_t i) { return chain.groups[i].size(); };
  if (k == 3 && chain.groups[1].sep == chain.groups[2].sep && chain.groups[1].sep != ' ' &&
      ((size(0) <= 2 && size(1) <= 2 && (size(2) == 2 || size(2) == 4)) ||
       (size(0) == 4 && size(1) <= 2 && size(2) <= 2))) {
    return false;
  }
  if (k == 4 && chain.groups[1].sep == '.' && size(0) <= 3 && size(1) <= 3 && size(2) <= 3 &&
      size(3) <= 3) {
    return false;
  }

  std::string digits_text;
  digits_text.reserve(digits);
  for (std::size_t i = 0; i < k; ++i) {
    digits_text.append(text.substr(chain.groups[i].begin, chain.groups[i].size()));
  }
  const PhoneNumberUtil* util = PhoneNumberUtil::GetInstance();
  PhoneNumber number;
  if (util->Parse(digits_text, region_, &number) != PhoneNumberUtil::NO_PARSING_ERROR) return false;
  if (number.country_code() != region_code_ || !util->IsValidNumber(number)) return false;
  found = {start, chain.groups[k - 1].stop};
  return true;
}

}  // namespace sluice::nodes::ner
