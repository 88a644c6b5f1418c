#include <signal.h>

#include <algorithm>
#include <cstdio>

#include "cli/commands.hpp"
#include "emulator/emulator.hpp"
#include "emulator/emulator_options.hpp"

namespace sluice::cli {

int emulate_command(const std::vector<std::string>& argv) {
  if (std::find(argv.begin(), argv.end(), "--help") != argv.end()) {
    std::printf("usage: sluice emulate [options]\n\n"
                "Serves the platform API contract (token endpoint and utterance export/import) on\n"
                "loopback, with a generated export and optional faults, until Ctrl-C.\n\n%s",
                emulator::emulator_help().c_str());
    return 0;
  }
  auto options = emulator::parse_emulator_args(argv);
  if (!options) return report_error(options.status().message(), kExitUsage);

  // Block the stop signals before the server starts its threads, then wait for one here.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  const auto& chosen = *options;
  auto server = emulator::Emulator::start(chosen);
  if (!server) return report_error(server.status().message());
  std::printf("sluice emulator listening on %s\n", (*server)->base_url().c_str());
  std::printf("  COGNIGY_BASE_URL=%s\n", (*server)->base_url().c_str());
  std::printf("  COGNIGY_CLIENT_ID=%s\n", chosen.client_id.c_str());
  std::printf("  COGNIGY_CLIENT_SECRET=<the --client-secret value>\n");
  std::printf("  bots: ");
  for (std::size_t i = 0; i < chosen.bot_ids.size(); ++i) {
    std::printf("%s%s", i ? ", " : "", chosen.bot_ids[i].c_str());
  }
  std::printf("; export rows: %llu (seed %llu)\nPress Ctrl-C to stop.\n",
              static_cast<unsigned long long>(chosen.rows),
              static_cast<unsigned long long>(chosen.seed));
  std::fflush(stdout);

  int signal = 0;
  sigwait(&stop_signals, &signal);
  (*server)->stop();
  std::printf("emulator stopped\n");
  return 0;
}

}  // namespace sluice::cli
