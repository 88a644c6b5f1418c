// Fuzz harness for platform_export's download against the emulator: whatever the export (rows,
// seed, CRLF, BOM, text column), however it is sent (ranges or not, chunked or not) and cut
// (connections dropped at any offset, at most N times or at every multiple), whatever the
// node's chunk size and attempt limit, and with every Nth request answered 503, the node must
// deliver the export's bytes exactly: nothing lost, nothing repeated, nothing added. With ranges,
// every resumed download asks for the rest only.
//
// Settings where giving up would be right are not generated: the 503s never hit two requests in a
// row, and the attempt limit is at least 2 when they are on. The export is kept small (at most
// about 130 KB) and the cuts at most about 60 per export, so one input takes milliseconds.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "emulator/emulator.hpp"
#include "sluice/pipeline.hpp"
#include "support/fuzz_support.hpp"
#include "support/test_nodes.hpp"
#include "support/utterance_generator.hpp"

namespace {

using sluice::fuzz::escaped;

const char* kExportYaml = R"(
id: export_download_fuzz
nodes:
  - id: export
    type: platform_export
    options:
      base_url: "${base}"
      client_id: sluice-demo
      client_secret: sluice-demo-secret
      bot_id: demo-bot
      poll_interval: 1ms
      poll_deadline: 30s
      chunk_size: "${chunk}"
      max_attempts: "${attempts}"
      retry_delay: 1ms
  - id: sink
    type: test_collect_bytes
    input: export
    options: { key: export }
)";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sluice::fuzz::FuzzInput input(data, size);
  sluice::emulator::EmulatorOptions options;
  options.threads = 2;
  options.rows = input.take_byte() * 4;
  options.seed = input.take_u32();
  options.crlf = input.take_bool();
  options.bom = input.take_bool();
  options.text_column = input.take_bool() ? "text" : "utterance";
  options.chunked_downloads = input.take_bool();
  sluice::emulator::Faults& faults = options.faults;
  faults.accept_ranges = input.take_bool();
  const std::uint32_t cut = input.take_u32();
  faults.drop_download_times = static_cast<int>(input.take_choice(4));  // 0 = every multiple
  const std::size_t errors = input.take_choice(8);
  if (errors > 0) {
    faults.server_error_every = static_cast<int>(errors) + 2;
    faults.fault_path_prefix = input.take_bool() ? "/downloads/" : "";
  }
  faults.polls_before_ready = static_cast<int>(input.take_choice(3));
  const std::size_t chunk = std::size_t{1} << (10 + input.take_choice(7));  // 1 KiB to 64 KiB
  const int attempts = static_cast<int>(input.take_choice(5)) + (errors > 0 ? 2 : 1);

  const std::string expected =
      sluice::nodes::generate_utterance_export(sluice::emulator::export_generator_options(options));
  // Cut anywhere, from the first byte on, but not more than about 60 times.
  if (cut % 4 != 0) {
    faults.drop_download_after_bytes =
        std::max<std::uint64_t>(1 + cut % (expected.size() + 1), expected.size() / 60 + 1);
  }

  auto started = sluice::emulator::Emulator::start(options);
  SLUICE_FUZZ_CHECK(started.ok(), started.status().message());
  const std::unique_ptr<sluice::emulator::Emulator> server = std::move(started).value();
  sluice::testing::observations().bytes.clear();
  const sluice::RunReport report =
      sluice::testing::run_yaml(kExportYaml, {{"base", server->base_url()},
                                              {"chunk", std::to_string(chunk)},
                                              {"attempts", std::to_string(attempts)}});
  const std::string settings =
      std::to_string(options.rows) + " rows, seed " + std::to_string(options.seed) +
      (options.crlf ? ", CRLF" : "") + (options.bom ? ", BOM" : "") +
      (options.chunked_downloads ? ", chunked" : "") +
      (faults.accept_ranges ? ", ranges" : ", no ranges") + ", cut every " +
      std::to_string(faults.drop_download_after_bytes) + " bytes (" +
      std::to_string(faults.drop_download_times) + " times), 503 every " +
      std::to_string(faults.server_error_every) + " on \"" + faults.fault_path_prefix +
      "\", chunk " + std::to_string(chunk) + ", attempts " + std::to_string(attempts) + ", " +
      std::to_string(expected.size()) + " bytes";
  SLUICE_FUZZ_CHECK(report.status.ok(), report.status.message() + "; " + settings);

  const std::string& got = sluice::testing::observations().bytes["export"];
  if (got != expected) {
    const auto differ = std::mismatch(got.begin(), got.end(), expected.begin(), expected.end());
    const auto at = static_cast<std::size_t>(differ.first - got.begin());
    SLUICE_FUZZ_CHECK(got == expected,
                      std::to_string(got.size()) + " bytes delivered, first difference at byte " +
                          std::to_string(at) + ": \"" + escaped(got.substr(at, 40)) +
                          "\" instead of \"" + escaped(expected.substr(at, 40)) + "\"; " +
                          settings);
  }
  const sluice::emulator::EmulatorStats stats = server->stats();
  if (faults.accept_ranges) {
    SLUICE_FUZZ_CHECK(stats.range_downloads == stats.downloads_dropped,
                      std::to_string(stats.range_downloads) + " range requests after " +
                          std::to_string(stats.downloads_dropped) + " cuts; " + settings);
  } else {
    SLUICE_FUZZ_CHECK(stats.range_downloads == 0, "a range answered though ranges are off");
  }
  return 0;
}
