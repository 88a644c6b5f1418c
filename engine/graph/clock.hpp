#pragma once
// The one clock the graph measures with (busy and waiting times, trace timestamps): monotonic,
// in nanoseconds, so spans from different places can be subtracted.

#include <chrono>
#include <cstdint>

namespace sluice::detail {

inline std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace sluice::detail
