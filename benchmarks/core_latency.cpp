// core_latency: how long one cache line takes to travel between two cores and back (see
// support/core_round_trip.hpp for why it matters). pipeline_bench prints the same figure, measured
// before and after its runs.
//
//   build/benchmarks/core_latency            # cores 0 and 1
//   build/benchmarks/core_latency 0 3        # any two cores

#include <cstdio>
#include <cstdlib>

#include "support/core_round_trip.hpp"

int main(int argc, char** argv) {
  const int first = argc > 1 ? std::atoi(argv[1]) : 0;
  const int second = argc > 2 ? std::atoi(argv[2]) : 1;
  const auto ns = sluice::bench::core_round_trip_ns(first, second, 1'000'000);
  if (!ns) {
    std::fprintf(stderr, "core_latency: cannot pin threads to cores %d and %d\n", first, second);
    return 1;
  }
  std::printf("cores %d and %d: %.0f ns per cache-line round trip\n", first, second, *ns);
  return 0;
}
