#include <cstdio>

#include "cli/cli_args.hpp"
#include "cli/commands.hpp"
#include "support/utterance_generator.hpp"

namespace sluice::cli {

int sample_command(const std::vector<std::string>& argv) {
  const std::vector<FlagSpec> flags = {
      {"output", true, "file to write (required)"},
      {"rows", true, "number of data rows (default 10000)"},
      {"seed", true, "generator seed; the same seed gives the same bytes (default 42)"},
      {"crlf", false, "end lines with CRLF"},
      {"bom", false, "start with a UTF-8 byte order mark"},
      {"help", false, "show this help"},
  };
  auto args = parse_args(argv, flags);
  if (!args) return report_error(args.status().message(), kExitUsage);
  if (args->has("help") || !args->has("output")) {
    std::printf("usage: sluice sample --output FILE [options]\n\n"
                "Writes a realistic, deterministic utterance export (CSV) with dates, phones,\n"
                "emails, tickets, card numbers and distractors, for trying pipelines.\n\n%s",
                describe_flags(flags).c_str());
    return args->has("help") ? 0 : kExitUsage;
  }
  auto rows = args->positive_integer("rows", 10000);
  if (!rows) return report_error(rows.status().message(), kExitUsage);
  nodes::UtteranceGeneratorOptions options;
  options.rows = static_cast<std::uint64_t>(*rows);
  if (auto seed = args->value("seed")) {
    try {
      options.seed = std::stoull(*seed);
    } catch (const std::exception&) {
      return report_error("--seed expects a whole number, got '" + *seed + "'", kExitUsage);
    }
  }
  options.crlf = args->has("crlf");
  options.bom = args->has("bom");
  const std::string output = *args->value("output");
  if (Status status = nodes::write_utterance_export(output, options); !status.ok()) {
    return report_error(status.message());
  }
  std::printf("wrote %llu rows to %s\n", static_cast<unsigned long long>(options.rows),
              output.c_str());
  return 0;
}

}  // namespace sluice::cli
