#pragma once
/// platform_export: a bot's utterance export from the platform (api-contract.md section A, steps
/// 1-3), streamed as byte chunks of the CSV. Output: bytes.
///
/// On the first pull: POST /api/v2/bots/{bot_id}/exports (with an Idempotency-Key), then
/// GET .../exports/{id} right away and every `poll_interval` until `completed` (its downloadUrl)
/// or `failed`, for at most `poll_deadline`. Then a download thread owned by the node streams the
/// downloadUrl into a queue of at most 4 chunks of about `chunk_size` that the source step pops,
/// so memory stays bounded whatever the export's size and the whole export is never held.
///
/// Resuming: a broken body is continued by the HTTP layer (Range, or downloading again and
/// skipping what was received); a download call that gave up after making progress is started
/// again from where it stopped; a 403 url_expired polls the export for a fresh downloadUrl and
/// continues at the same byte. Every byte reaches the output exactly once, in order.
///
/// Errors name the export id and, once the download has started, the bytes received so far.
/// Batches carry the source name "export <id>" and their byte offsets. The download thread is
/// joined by commit(), abort() and the destructor; its error is thrown from the source step.

#include <chrono>
#include <cstdint>
#include <string>

#include "sluice/node_registry.hpp"
#include "support/platform_connection.hpp"

namespace sluice::nodes {

struct PlatformExportOptions {
  PlatformConnectionOptions connection;
  std::string bot_id;
  std::string export_name = "sluice-ner-export";
  std::chrono::milliseconds poll_interval{5'000};
  std::chrono::milliseconds poll_deadline{30 * 60'000};
  std::uint64_t chunk_size = 1 << 20;
};

NodeType platform_export_type();

}  // namespace sluice::nodes
