#include "support/child_process.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace sluice::bench {

namespace {

double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double seconds(const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; }

}  // namespace

ChildProcess ChildProcess::start(const std::vector<std::string>& args,
                                 const std::string& log_path) {
  if (args.empty()) throw std::runtime_error("no program to start");
  std::vector<char*> argv;
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  const double started = steady_seconds();
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    throw std::runtime_error("cannot start " + args[0] + ": " + std::strerror(spawned));
  }
  return ChildProcess(pid, started);
}

ChildRun ChildProcess::wait() {
  if (pid_ < 0) throw std::runtime_error("ChildProcess::wait called twice");
  int status = 0;
  rusage usage{};
  while (wait4(pid_, &status, 0, &usage) < 0) {
    if (errno != EINTR) throw std::runtime_error(std::string("wait4: ") + std::strerror(errno));
  }
  pid_ = -1;
  ChildRun run;
  run.wall_seconds = steady_seconds() - started_;
  run.cpu_seconds = seconds(usage.ru_utime) + seconds(usage.ru_stime);
  run.max_rss_bytes = static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;
  run.succeeded = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (!run.succeeded) {
    run.how_it_ended = WIFEXITED(status) ? "exit code " + std::to_string(WEXITSTATUS(status))
                                         : "signal " + std::to_string(WTERMSIG(status));
  }
  return run;
}

}  // namespace sluice::bench
