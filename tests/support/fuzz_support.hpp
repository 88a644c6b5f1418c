#pragma once
/// What every fuzz harness (tests/**/*_fuzz.cpp) shares: a reader that turns the fuzzer's bytes
/// into choices (a dialect, where to cut chunks) plus the text under test, and a check that
/// aborts with a message, which libFuzzer reports as a crash and the corpus replay as a failure.
///
/// A harness defines LLVMFuzzerTestOneInput. Built with -DSLUICE_FUZZING=ON (clang) it becomes a
/// libFuzzer program; in every other build it is linked with fuzz_replay_main.cpp and ctest runs
/// it over its checked-in corpus (see tests/fuzz.cmake and .ci/fuzz).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace sluice::fuzz {

/// Reads choices from the front of the input; whatever is left is the text under test. An input
/// that runs out early yields zeros, so every input is usable.
class FuzzInput {
 public:
  FuzzInput(const std::uint8_t* data, std::size_t size)
      : rest_(reinterpret_cast<const char*>(data), size) {}

  std::uint8_t take_byte() {
    if (rest_.empty()) return 0;
    const auto byte = static_cast<std::uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return byte;
  }

  /// One of `count` choices (count > 0).
  std::size_t take_choice(std::size_t count) { return take_byte() % count; }

  bool take_bool() { return (take_byte() & 1) != 0; }

  /// A 32-bit value, e.g. a seed for cut points.
  std::uint32_t take_u32() {
    std::uint32_t value = 0;
    for (int i = 0; i < 4; ++i) value = (value << 8) | take_byte();
    return value;
  }

  /// Up to `max` bytes, as many as the next byte says.
  std::string_view take_text(std::size_t max) {
    const std::size_t wanted = take_byte() % (max + 1);
    const std::size_t n = wanted < rest_.size() ? wanted : rest_.size();
    const std::string_view text = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return text;
  }

  std::string_view rest() const { return rest_; }

 private:
  std::string_view rest_;
};

/// Cut points for feeding `size` bytes in pieces: a small deterministic generator seeded by the
/// input, so that a crash reproduces from its file alone. Pieces are 1 byte to `max_piece` long.
class Cuts {
 public:
  Cuts(std::uint32_t seed, std::size_t max_piece) : state_(seed | 1u), max_piece_(max_piece) {}

  std::size_t next_piece() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 17;
    state_ ^= state_ << 5;
    return 1 + state_ % max_piece_;
  }

 private:
  std::uint32_t state_;
  std::size_t max_piece_;
};

[[noreturn]] inline void check_failed(const char* condition, const char* file, int line,
                                      const std::string& detail) {
  std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n  %s\n", file, line, condition,
               detail.c_str());
  std::abort();
}

/// Printable form of bytes for a failure message: C escapes for anything not plain ASCII.
inline std::string escaped(std::string_view bytes, std::size_t max = 200) {
  std::string out;
  for (std::size_t i = 0; i < bytes.size() && i < max; ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  if (bytes.size() > max) out += "...";
  return out;
}

}  // namespace sluice::fuzz

/// Aborts with `detail` (a std::string expression, built only on failure) when `condition` is
/// false. Unlike assert, it stays on in every build type.
#define SLUICE_FUZZ_CHECK(condition, detail)                                         \
  do {                                                                               \
    if (!(condition)) ::sluice::fuzz::check_failed(#condition, __FILE__, __LINE__, (detail)); \
  } while (false)
