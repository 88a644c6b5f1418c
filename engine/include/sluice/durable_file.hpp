#pragma once
/// DurableFile: writes an output so that readers see either the old file or the complete new one,
/// never a partial file. Bytes go to a temp file beside the target ("<name>.sluice-tmp-<random>");
/// commit() flushes, fsyncs the file, renames it over the target and fsyncs the directory;
/// discard() (or the destructor without commit) removes the temp file. Writeback to the disk is
/// started every few MiB, so that final fsync waits only for the tail.
/// Not thread-safe: one writer at a time.

#include <cstdio>
#include <string>
#include <string_view>

#include "sluice/status.hpp"

namespace sluice {

class DurableFile {
 public:
  DurableFile() = default;
  ~DurableFile();
  DurableFile(DurableFile&& other) noexcept;
  DurableFile& operator=(DurableFile&& other) noexcept;
  DurableFile(const DurableFile&) = delete;
  DurableFile& operator=(const DurableFile&) = delete;

  /// Creates the temp file for `path` (the directory must exist). Errors name the path.
  static Result<DurableFile> create(const std::string& path);

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
  void write_through(std::string_view bytes);
  void flush_buffer();
};

}  // namespace sluice
