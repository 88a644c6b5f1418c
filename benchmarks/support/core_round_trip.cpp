#include "support/core_round_trip.hpp"

#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace sluice::bench {

namespace {

bool pin_to(int core) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(core, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

}  // namespace

std::optional<double> core_round_trip_ns(int first, int second, long round_trips) {
  // One line, written in turn by both threads: odd values by the caller, even by the partner.
  alignas(64) std::atomic<long> turn{0};
  std::atomic<bool> partner_pinned{false};
  std::thread partner([&] {
    partner_pinned = pin_to(second);
    for (long i = 0; i < round_trips; ++i) {
      while (turn.load(std::memory_order_acquire) != 2 * i + 1) {
      }
      turn.store(2 * i + 2, std::memory_order_release);
    }
  });
  // Pin (or fail to) before timing, but run the trips either way so the partner can finish.
  cpu_set_t original;
  const bool restorable =
      pthread_getaffinity_np(pthread_self(), sizeof original, &original) == 0;
  const bool pinned = pin_to(first);
  const auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < round_trips; ++i) {
    turn.store(2 * i + 1, std::memory_order_release);
    while (turn.load(std::memory_order_acquire) != 2 * i + 2) {
    }
  }
  const auto stop = std::chrono::steady_clock::now();
  partner.join();
  // The caller goes back to the cores it had: it may go on to run other work.
  if (restorable) pthread_setaffinity_np(pthread_self(), sizeof original, &original);
  if (!pinned || !partner_pinned || round_trips <= 0) return std::nullopt;
  return std::chrono::duration<double, std::nano>(stop - start).count() /
         static_cast<double>(round_trips);
}

}  // namespace sluice::bench
