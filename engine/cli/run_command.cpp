#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <thread>

#include "cli/commands.hpp"
#include "cli/pipeline_loading.hpp"
#include "sluice/pipeline.hpp"

namespace sluice::cli {

namespace {

/// Turns SIGINT/SIGTERM into a clean Pipeline::cancel(). The signals are blocked in every thread
/// (TBB's workers inherit the mask) and received by one thread with sigwait, so no work happens
/// inside a signal handler.
class SignalWatcher {
 public:
  explicit SignalWatcher(Pipeline& pipeline) : pipeline_(pipeline) {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
    thread_ = std::thread([this] {
      for (;;) {
        int signal = 0;
        if (sigwait(&set_, &signal) != 0) continue;
        if (done_.load()) return;
        if (signal == SIGINT || signal == SIGTERM) {
          received_.store(signal);
          pipeline_.cancel();
        }
      }
    });
  }

  ~SignalWatcher() {
    done_.store(true);
    pthread_kill(thread_.native_handle(), SIGUSR1);
    thread_.join();
    pthread_sigmask(SIG_UNBLOCK, &set_, nullptr);
  }

  int received() const { return received_.load(); }

 private:
  Pipeline& pipeline_;
  sigset_t set_;
  std::atomic<bool> done_{false};
  std::atomic<int> received_{0};
  std::thread thread_;
};

std::string format_progress(const Progress& progress) {
  const double mb = progress.input_bytes / 1e6;
  const double rate = progress.elapsed_seconds > 0 ? mb / progress.elapsed_seconds : 0;
  const int seconds = static_cast<int>(progress.elapsed_seconds);
  char line[160];
  std::snprintf(line, sizeof line, "\r  %12llu rows  %10.1f MB  %8.1f MB/s  %02d:%02d:%02d ",
                static_cast<unsigned long long>(progress.rows), mb, rate, seconds / 3600,
                seconds / 60 % 60, seconds % 60);
  return line;
}

}  // namespace

int run_command(const std::vector<std::string>& argv) {
  const std::vector<FlagSpec> flags = {
      {"threads", true, "worker threads (default: the pipeline's setting, else all cores)"},
      {"max-in-flight", true, "batches in flight per source (bounds memory)"},
      {"report", true, "write the run report (metrics, peak RSS) as JSON to this file"},
      {"trace", true,
       "write a timeline of every task (node, worker, time) to this file (Chrome trace format, "
       "opens in ui.perfetto.dev)"},
      {"verbose", false, "log node activity (never secrets)"},
      {"quiet", false, "print nothing but errors"},
      {"help", false, "show this help"},
  };
  auto args = parse_args(argv, flags);
  if (!args) return report_error(args.status().message(), kExitUsage);
  if (args->has("help") || args->positional.size() != 1) {
    std::printf("usage: sluice run FILE [--set KEY=VALUE]... [options]\n\n%s",
                describe_flags(flags).c_str());
    return args->has("help") ? 0 : kExitUsage;
  }
  auto threads = args->positive_integer("threads", 0);
  if (!threads) return report_error(threads.status().message(), kExitUsage);
  auto in_flight = args->positive_integer("max-in-flight", 0);
  if (!in_flight) return report_error(in_flight.status().message(), kExitUsage);

  const NodeRegistry registry = builtin_registry();
  auto spec = load_checked_pipeline(args->positional[0], *args, registry);
  if (!spec) return kExitFailure;
  auto pipeline = Pipeline::build(*spec, registry);
  if (!pipeline) return report_error(pipeline.status().message());

  const bool quiet = args->has("quiet");
  const bool live = !quiet && ::isatty(STDERR_FILENO);
  std::mutex stderr_mutex;
  RunOptions options;
  options.threads = static_cast<int>(*threads);
  options.max_in_flight = static_cast<std::size_t>(*in_flight);
  options.verbose = args->has("verbose");
  if (auto path = args->value("trace")) options.trace_path = *path;
  options.on_log = [&](const std::string& line) {
    if (quiet) return;
    std::lock_guard lock(stderr_mutex);
    std::fprintf(stderr, "%s%s\n", live ? "\r\033[K" : "", line.c_str());
  };
  if (live) {
    options.on_progress = [&](const Progress& progress) {
      std::lock_guard lock(stderr_mutex);
      std::fputs(format_progress(progress).c_str(), stderr);
      std::fflush(stderr);
    };
  }

  RunReport report;
  int signal = 0;
  {
    SignalWatcher watcher(**pipeline);
    report = (*pipeline)->run(options);
    signal = watcher.received();
  }
  if (live) std::fputs("\r\033[K", stderr);

  if (auto path = args->value("report")) {
    std::ofstream out(*path, std::ios::trunc);
    out << report.to_json();
    if (!out) report_error("cannot write the report to " + *path);
  }
  if (!report.status.ok()) {
    if (report.status.code() == StatusCode::cancelled) {
      std::fprintf(stderr, "cancelled by %s after %.1f s; no output was written\n",
                   signal == SIGTERM ? "SIGTERM" : "interrupt", report.elapsed_seconds);
      return kExitCancelled;
    }
    return report_error(report.status.message() + "\nno output was written");
  }
  if (!quiet) {
    std::printf("%s", report.summary_table().c_str());
  }
  return 0;
}

}  // namespace sluice::cli
