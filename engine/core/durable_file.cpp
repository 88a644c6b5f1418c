#include "sluice/durable_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "core/direct_writer.hpp"

namespace sluice {

namespace {

constexpr std::size_t kBufferBytes = 1 << 20;
// Writeback is started every this many bytes (like RocksDB's bytes_per_sync), so the disk works
// while the run goes on and the final fsync has only the tail left to wait for.
constexpr std::uint64_t kWritebackEveryBytes = 8 << 20;

std::string errno_text() { return std::strerror(errno); }

std::string directory_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string random_suffix() {
  static thread_local std::mt19937_64 engine{std::random_device{}()};
  static constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string out(10, '0');
  for (auto& c : out) c = kDigits[engine() % 36];
  return out;
}

}  // namespace

void detail::DirectWriterDeleter::operator()(DirectWriter* writer) const noexcept { delete writer; }

DurableFile::~DurableFile() { discard(); }

DurableFile::DurableFile(DurableFile&& other) noexcept
    : path_(std::move(other.path_)),
      temp_path_(std::move(other.temp_path_)),
      fd_(other.fd_),
      size_(other.size_),
      written_(other.written_),
      writeback_started_(other.writeback_started_),
      buffer_(std::move(other.buffer_)),
      direct_(std::move(other.direct_)) {
  other.fd_ = -1;
  other.temp_path_.clear();
}

DurableFile& DurableFile::operator=(DurableFile&& other) noexcept {
  if (this != &other) {
    discard();
    path_ = std::move(other.path_);
    temp_path_ = std::move(other.temp_path_);
    fd_ = other.fd_;
    size_ = other.size_;
    written_ = other.written_;
    writeback_started_ = other.writeback_started_;
    buffer_ = std::move(other.buffer_);
    direct_ = std::move(other.direct_);
    other.fd_ = -1;
    other.temp_path_.clear();
  }
  return *this;
}

Result<DurableFile> DurableFile::create(const std::string& path, PageCache page_cache) {
  if (path.empty()) return invalid_argument("output path is empty");
  DurableFile file;
  file.path_ = path;
  // The temp file lives in the target's directory so the final rename stays on one filesystem
  // (rename is only atomic there).
  for (int attempt = 0; attempt < 8; ++attempt) {
    file.temp_path_ = path + ".sluice-tmp-" + random_suffix();
    file.fd_ = ::open(file.temp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (file.fd_ >= 0 || errno != EEXIST) break;
  }
  if (file.fd_ < 0) {
    const std::string reason = errno_text();
    file.temp_path_.clear();
    return io_error("cannot create output file " + path + ": " + reason +
                    " (check that the directory exists and is writable)");
  }
  if (page_cache == PageCache::bypass) {
    file.direct_.reset(detail::DirectWriter::start(file.fd_, path).release());
  }
  if (!file.direct_) file.buffer_.reserve(kBufferBytes);
  return file;
}

void DurableFile::write_through(std::string_view bytes) {
  const char* data = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::write(fd_, data, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(StatusCode::io_error, "cannot write " + path_ + ": " + errno_text());
    }
    data += n;
    left -= static_cast<std::size_t>(n);
  }
  written_ += bytes.size();
  if (written_ - writeback_started_ >= kWritebackEveryBytes) {
    // Only a head start for the disk: errors surface in fsync at commit, so the result is ignored.
    ::sync_file_range(fd_, static_cast<off_t>(writeback_started_),
                      static_cast<off_t>(written_ - writeback_started_), SYNC_FILE_RANGE_WRITE);
    writeback_started_ = written_;
  }
}

void DurableFile::flush_buffer() {
  write_through(buffer_);
  buffer_.clear();
}

void DurableFile::write(std::string_view bytes) {
  if (fd_ < 0) throw Error(StatusCode::internal, "write to closed output " + path_);
  size_ += bytes.size();
  if (direct_) {
    direct_->append(bytes);
    return;
  }
  if (buffer_.size() + bytes.size() > kBufferBytes) {
    flush_buffer();
    if (bytes.size() >= kBufferBytes) {
      // Large writes go straight from the caller's memory: copying them into the buffer first
      // would gain nothing.
      write_through(bytes);
      return;
    }
  }
  buffer_.append(bytes);
}

Status DurableFile::commit() {
  if (fd_ < 0) return Status(StatusCode::internal, "commit of closed output " + path_);
  try {
    if (direct_) {
      direct_->finish();
      direct_.reset();
    }
    flush_buffer();
  } catch (const Error& error) {
    discard();
    return error.status();
  }
  if (::fsync(fd_) != 0) {
    const auto reason = errno_text();
    discard();
    return io_error("cannot flush " + path_ + " to disk: " + reason);
  }
  ::close(fd_);
  fd_ = -1;
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    const auto reason = errno_text();
    discard();
    return io_error("cannot rename temp file to " + path_ + ": " + reason);
  }
  temp_path_.clear();
  // The rename is durable only once the directory entry itself reaches the disk.
  const int dir = ::open(directory_of(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return Status::success();
}

void DurableFile::discard() noexcept {
  direct_.reset();  // its thread may be writing: stop it before the file goes
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (!temp_path_.empty()) {
    ::unlink(temp_path_.c_str());
    temp_path_.clear();
  }
  buffer_.clear();
}

}  // namespace sluice
