// core_latency: how long one cache line takes to travel between two cores and back. On a VM the
// vCPUs may sit on different CCDs (separate L3 caches), and then every buffer one worker hands to
// another costs about as much as a trip to memory. That decides how much a 2-thread run can gain
// over a 1-thread run, so it is worth knowing before reading pipeline_bench's ratio.
//
//   build/benchmarks/core_latency            # cores 0 and 1
//   build/benchmarks/core_latency 0 3        # any two cores

#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace {

bool pin_to(int core) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(core, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

// One line, written in turn by both threads: odd values by the first, even by the second.
alignas(64) std::atomic<long> turn{0};

}  // namespace

int main(int argc, char** argv) {
  const int first = argc > 1 ? std::atoi(argv[1]) : 0;
  const int second = argc > 2 ? std::atoi(argv[2]) : 1;
  constexpr long kRoundTrips = 1'000'000;
  bool pinned = true;
  std::thread partner([&] {
    pinned = pin_to(second) && pinned;
    for (long i = 0; i < kRoundTrips; ++i) {
      while (turn.load(std::memory_order_acquire) != 2 * i + 1) {
      }
      turn.store(2 * i + 2, std::memory_order_release);
    }
  });
  if (!pin_to(first)) pinned = false;
  const auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < kRoundTrips; ++i) {
    turn.store(2 * i + 1, std::memory_order_release);
    while (turn.load(std::memory_order_acquire) != 2 * i + 2) {
    }
  }
  const auto stop = std::chrono::steady_clock::now();
  partner.join();
  if (!pinned) {
    std::fprintf(stderr, "core_latency: cannot pin threads to cores %d and %d\n", first, second);
    return 1;
  }
  const double ns = std::chrono::duration<double, std::nano>(stop - start).count() / kRoundTrips;
  std::printf("cores %d and %d: %.0f ns per cache-line round trip\n", first, second, ns);
  return 0;
}
