#pragma once
/// Interpreting a request's `Range` header against a body of known size (RFC 9110 §14).
///
/// The emulator serves exactly one range per response: `bytes=N-`, `bytes=N-M` and the suffix
/// form `bytes=-N`. Anything it does not serve as one range (another unit, several ranges, bad
/// syntax, N > M) is ignored, which the RFC allows: the whole body is sent with 200.

#include <cstdint>
#include <string_view>

namespace sluice::emulator {

struct RangeDecision {
  enum class Kind {
    full,           ///< ignore the header: 200 with the whole body
    partial,        ///< 206 with bytes [first, last]
    unsatisfiable,  ///< 416 with `Content-Range: bytes */<total>`
  };
  Kind kind = Kind::full;
  std::uint64_t first = 0;  ///< first byte offset (partial only)
  std::uint64_t last = 0;   ///< last byte offset, inclusive (partial only)
};

/// Decides how to answer `Range: <header>` for a body of `total` bytes. `last` is clamped to
/// total - 1. A range that starts at or after the end (or any range of an empty body, or the
/// suffix `bytes=-0`) is unsatisfiable.
RangeDecision decide_range(std::string_view header, std::uint64_t total);

}  // namespace sluice::emulator
