#include "regex.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <cstdint>
#include <cstring>
#include <string>

namespace sluice::nodes {

namespace {

// One match-data block per thread, large enough for any pattern we compile (groups are capped
// below), so matching never allocates.
constexpr std::uint32_t kMaxPairs = 64;

pcre2_match_data* thread_match_data() {
  struct Holder {
    pcre2_match_data* data = pcre2_match_data_create(kMaxPairs, nullptr);
    ~Holder() { pcre2_match_data_free(data); }
  };
  thread_local Holder holder;
  return holder.data;
}

Regex::Facts read_facts(const pcre2_code* code) {
  Regex::Facts facts;
  std::uint32_t min_length = 0;
  pcre2_pattern_info(code, PCRE2_INFO_MINLENGTH, &min_length);
  facts.min_length = min_length;
  std::uint32_t type = 0;
  std::uint32_t unit = 0;
  pcre2_pattern_info(code, PCRE2_INFO_FIRSTCODETYPE, &type);
  if (type == 1) {
    pcre2_pattern_info(code, PCRE2_INFO_FIRSTCODEUNIT, &unit);
    facts.first_code_unit = unit;
  } else {
    const std::uint8_t* bitmap = nullptr;
    pcre2_pattern_info(code, PCRE2_INFO_FIRSTBITMAP, &bitmap);
    if (bitmap != nullptr) {
      std::array<std::uint8_t, 32> bytes;
      std::memcpy(bytes.data(), bitmap, bytes.size());
      facts.first_bytes = bytes;
    }
  }
  pcre2_pattern_info(code, PCRE2_INFO_LASTCODETYPE, &type);
  if (type == 1) {
    pcre2_pattern_info(code, PCRE2_INFO_LASTCODEUNIT, &unit);
    facts.required_code_unit = unit;
  }
  return facts;
}

std::string pcre2_message(int code) {
  PCRE2_UCHAR buffer[256];
  pcre2_get_error_message(code, buffer, sizeof buffer);
  return reinterpret_cast<const char*>(buffer);
}

}  // namespace

struct Regex::Code {
  pcre2_code* code = nullptr;
  ~Code() { pcre2_code_free(code); }
};

std::size_t RegexMatch::group_begin(int i) const {
  return i < group_count ? ovector[2 * i] : std::string_view::npos;
}
std::size_t RegexMatch::group_end(int i) const {
  return i < group_count ? ovector[2 * i + 1] : std::string_view::npos;
}

Result<Regex> Regex::compile(std::string_view pattern, Options options) {
  std::uint32_t flags = 0;
  if (options.caseless) flags |= PCRE2_CASELESS;
  // The pattern's UTF-8 is checked (no PCRE2_NO_UTF_CHECK here, unlike matching): patterns come
  // from users' files, and PCRE2 reads invalid UTF-8 in a pattern it was told is valid out of
  // bounds. The check runs once per pattern.
  if (options.utf) flags |= PCRE2_UTF;
  if (options.utf && options.unicode_classes) flags |= PCRE2_UCP;
  int error = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   flags, &error, &offset, nullptr);
  if (code == nullptr) {
    return invalid_argument("invalid regular expression at offset " + std::to_string(offset) +
                            ": " + pcre2_message(error));
  }
  auto holder = std::make_shared<Code>();
  holder->code = code;
  std::uint32_t captures = 0;
  pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &captures);
  if (captures + 1 > kMaxPairs) {
    return invalid_argument("regular expression has " + std::to_string(captures) +
                            " capture groups; at most " + std::to_string(kMaxPairs - 1) +
                            " are supported");
  }
  const bool jit = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
  const Facts facts = read_facts(code);
  return Regex(std::move(holder), std::string(pattern), jit, options.utf, facts);
}

bool Regex::next_match(std::string_view subject, std::size_t start, RegexMatch& out) const {
  pcre2_match_data* data = thread_match_data();
  const auto* text = reinterpret_cast<PCRE2_SPTR>(subject.data());
  // The subject is validated once upstream (UTF-8 input); skipping the per-call check is what
  // makes repeated matching over one text linear.
  const int rc = jit_ ? pcre2_jit_match(code_->code, text, subject.size(), start,
                                        PCRE2_NO_UTF_CHECK, data, nullptr)
                      : pcre2_match(code_->code, text, subject.size(), start, PCRE2_NO_UTF_CHECK,
                                    data, nullptr);
  if (rc == PCRE2_ERROR_NOMATCH) return false;
  if (rc < 0) {
    // Invalid UTF-8 in the subject or a resource limit: treat as no (further) match rather than
    // failing the run on one odd row.
    return false;
  }
  const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(data);
  out.begin = ovector[0];
  out.end = ovector[1];
  out.ovector = ovector;
  out.group_count = rc == 0 ? static_cast<int>(kMaxPairs) : rc;
  return true;
}

bool is_valid_utf8(std::string_view text) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    // ASCII fast path: eight bytes at a time.
    while (end - p >= 8) {
      std::uint64_t word;
      std::memcpy(&word, p, 8);
      if (word & 0x8080808080808080ULL) break;
      p += 8;
    }
    if (p == end) break;
    const unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int extra;
    std::uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (end - p <= extra) return false;
    for (int i = 1; i <= extra; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((extra == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF))) {
      return false;
    }
    p += extra + 1;
  }
  return true;
}

}  // namespace sluice::nodes
