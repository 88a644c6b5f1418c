#pragma once
/// DurableFile: writes an output so that readers see either the old file or the complete new one,
/// never a partial file. Bytes go to a temp file beside the target ("<name>.sluice-tmp-<random>");
/// commit() flushes, fsyncs the file, renames it over the target and fsyncs the directory;
/// discard() (or the destructor without commit) removes the temp file. Where the filesystem allows,
/// bytes go to the disk with O_DIRECT from a writer thread that only waits for the disk (see
/// engine/core/direct_writer.hpp); elsewhere they go through the page cache, with writeback started
/// every few MiB. Either way the final fsync waits only for the tail.
/// Not thread-safe: one writer at a time.

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "sluice/status.hpp"

namespace sluice {

namespace detail {
class DirectWriter;
// Out of line, so that classes holding a DurableFile need not see DirectWriter.
struct DirectWriterDeleter {
  void operator()(DirectWriter* writer) const noexcept;
};
}

/// How the bytes reach the disk.
enum class PageCache {
  bypass,  ///< O_DIRECT where the filesystem allows it (the default: see above)
  use,     ///< write(2) into the page cache: the file stays cached for a reader that follows
};

class DurableFile {
 public:
  DurableFile() = default;
  ~DurableFile();
  DurableFile(DurableFile&& other) noexcept;
  DurableFile& operator=(DurableFile&& other) noexcept;
  DurableFile(const DurableFile&) = delete;
  DurableFile& operator=(const DurableFile&) = delete;

  /// Creates the temp file for `path` (the directory must exist). Errors name the path.
  static Result<DurableFile> create(const std::string& path,
                                    PageCache page_cache = PageCache::bypass);
  /// Whether bytes go to the disk with O_DIRECT (false after commit or discard).
  bool bypasses_page_cache() const noexcept { return direct_ != nullptr; }

  /// Appends bytes; throws sluice::Error (io_error, naming the target) when the disk refuses.
  void write(std::string_view bytes);
  /// Bytes written so far.
  std::uint64_t size() const noexcept { return size_; }

  /// Makes the file visible under its target name. After commit the object is closed.
  Status commit();
  /// Removes the temp file (idempotent, never throws).
  void discard() noexcept;

  const std::string& path() const noexcept { return path_; }
  bool is_open() const noexcept { return fd_ >= 0; }

 private:
  std::string path_;
  std::string temp_path_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
  std::uint64_t written_ = 0;            ///< bytes handed to write(2)
  std::uint64_t writeback_started_ = 0;  ///< bytes for which writeback was started early
  std::string buffer_;                   ///< coalesces small writes into large write(2) calls
  /// Sends the bytes with O_DIRECT; null when they go through the page cache.
  std::unique_ptr<detail::DirectWriter, detail::DirectWriterDeleter> direct_;
  void write_through(std::string_view bytes);
  void flush_buffer();
};

}  // namespace sluice
