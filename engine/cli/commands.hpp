#pragma once
// The sluice subcommands. Each takes the arguments after its name and returns the exit code;
// they only parse arguments, call the library and print: no engine logic lives here.

#include <string>
#include <vector>

namespace sluice::cli {

int run_command(const std::vector<std::string>& argv);
int validate_command(const std::vector<std::string>& argv);
int graph_command(const std::vector<std::string>& argv);
int nodes_command(const std::vector<std::string>& argv);
int sample_command(const std::vector<std::string>& argv);
int emulate_command(const std::vector<std::string>& argv);

/// Exit codes: 0 success, 1 the run or check failed, 2 wrong usage, 130 cancelled.
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitCancelled = 130;

/// Prints "error: <message>" to stderr and returns `code`.
int report_error(const std::string& message, int code = kExitFailure);

}  // namespace sluice::cli
