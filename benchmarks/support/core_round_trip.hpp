#pragma once
/// The time one cache line takes to travel from one core to another and back. On a VM the vCPUs
/// may sit on different CCDs (each with its own L3), and then every buffer one worker hands to
/// another costs about a trip to memory: that bounds what a 2-thread run gains over a 1-thread
/// run. The host may move the vCPUs at any time, so measure next to the runs it explains.

#include <optional>

namespace sluice::bench {

/// Mean nanoseconds per round trip between cores `first` and `second` over `round_trips` trips,
/// or nullopt when the threads cannot be pinned to those cores.
std::optional<double> core_round_trip_ns(int first, int second, long round_trips);

}  // namespace sluice::bench
