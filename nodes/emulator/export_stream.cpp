#include "export_stream.hpp"

#include <algorithm>

namespace sluice::emulator {

ExportStream::ExportStream(const nodes::UtteranceGeneratorOptions& options, std::uint64_t offset)
    : generator_(options), skip_(offset), position_(offset) {}

bool ExportStream::refill() {
  while (true) {
    buffer_.clear();
    buffer_pos_ = 0;
    if (!generator_.next(buffer_, kExportChunkBytes)) return false;
    if (skip_ >= buffer_.size()) {
      skip_ -= buffer_.size();
      continue;
    }
    buffer_pos_ = static_cast<std::size_t>(skip_);
    skip_ = 0;
    return true;
  }
}

bool ExportStream::next(std::string& out, std::size_t max_bytes) {
  if (buffer_pos_ >= buffer_.size() && !refill()) return false;
  const std::size_t n = std::max<std::size_t>(1, std::min(max_bytes, buffer_.size() - buffer_pos_));
  out.append(buffer_, buffer_pos_, n);
  buffer_pos_ += n;
  position_ += n;
  return true;
}

std::optional<std::uint64_t> measure_export(const nodes::UtteranceGeneratorOptions& options,
                                            const std::atomic<bool>& cancel) {
  nodes::UtteranceGenerator generator(options);
  std::string chunk;
  std::uint64_t total = 0;
  while (true) {
    if (cancel.load(std::memory_order_relaxed)) return std::nullopt;
    chunk.clear();
    if (!generator.next(chunk, kExportChunkBytes)) return total;
    total += chunk.size();
  }
}

}  // namespace sluice::emulator
