#pragma once
/// ExportStream: the bytes of the emulated utterance export from any byte offset on, produced in
/// chunks by sluice::nodes::UtteranceGenerator, so that a download never holds the export.
///
/// The generator cannot seek, so starting at offset N (a `Range: bytes=N-` resume) generates the
/// first N bytes and throws them away; it costs time, not memory.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "support/utterance_generator.hpp"

namespace sluice::emulator {

/// Size of the pieces the generator is asked for.
inline constexpr std::size_t kExportChunkBytes = 64 * 1024;

class ExportStream {
 public:
  /// The export `options` describes, starting at byte `offset` (past the end: nothing).
  ExportStream(const nodes::UtteranceGeneratorOptions& options, std::uint64_t offset);

  /// Appends the next bytes (at most `max_bytes`, at least one while any remain) to `out`.
  /// Returns false, appending nothing, at the end of the export.
  bool next(std::string& out, std::size_t max_bytes);

  /// Absolute offset of the next byte next() would append.
  std::uint64_t position() const noexcept { return position_; }

 private:
  /// Refills buffer_ from the generator; false at the end.
  bool refill();

  nodes::UtteranceGenerator generator_;
  std::uint64_t skip_;  // bytes still to discard before the requested offset
  std::string buffer_;
  std::size_t buffer_pos_ = 0;
  std::uint64_t position_;  // offset of buffer_[buffer_pos_]
};

/// Size in bytes of the export `options` describes: a dry run through the generator (there is no
/// shortcut). Returns nullopt if `cancel` becomes true before it is done.
std::optional<std::uint64_t> measure_export(const nodes::UtteranceGeneratorOptions& options,
                                            const std::atomic<bool>& cancel);

}  // namespace sluice::emulator
