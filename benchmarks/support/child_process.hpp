#pragma once
/// Runs a benchmark's subject (the sluice binary) as a child process and measures it the way a
/// user's shell would see it: wall time from start to exit, CPU time and peak RSS from wait4.
/// Several children may run at once: start them all, then wait for each.

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace sluice::bench {

struct ChildRun {
  double wall_seconds = 0;  ///< start to exit, measured by the parent
  double cpu_seconds = 0;   ///< user + system time of the child
  std::uint64_t max_rss_bytes = 0;
  bool succeeded = false;    ///< exited with code 0
  std::string how_it_ended;  ///< "exit code 2", "signal 9" (empty on success)
};

class ChildProcess {
 public:
  /// Starts `args` (args[0] is the program's path) with stdin from /dev/null and stdout and
  /// stderr into `log_path`. Throws std::runtime_error when the program cannot be started.
  static ChildProcess start(const std::vector<std::string>& args, const std::string& log_path);

  ChildProcess(ChildProcess&& other) noexcept : pid_(other.pid_), started_(other.started_) {
    other.pid_ = -1;
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ChildProcess& operator=(ChildProcess&&) = delete;

  /// Waits for the child to exit; once per child.
  ChildRun wait();

 private:
  ChildProcess(pid_t pid, double started) : pid_(pid), started_(started) {}
  pid_t pid_ = -1;
  double started_ = 0;  ///< steady-clock seconds
};

}  // namespace sluice::bench
