#include "core/direct_writer.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>

#include "sluice/status.hpp"

namespace sluice::detail {

namespace {

// Memory address, file offset and length of a direct write must be multiples of the device's
// logical block size; 4096 covers the 512- and 4096-byte sizes of today's disks.
constexpr std::size_t kAlignment = 4096;

char* allocate_ring() {
  constexpr std::size_t bytes = DirectWriter::kBlockBytes * DirectWriter::kBlocks;
  return static_cast<char*>(std::aligned_alloc(kAlignment, bytes));
}

}  // namespace

std::unique_ptr<DirectWriter> DirectWriter::start(int fd, std::string path) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_DIRECT) != 0) return nullptr;
  std::unique_ptr<DirectWriter> writer(new DirectWriter(fd, std::move(path)));
  try {
    if (!writer->ring_) throw std::bad_alloc();
    writer->thread_ = std::thread([w = writer.get()] { w->write_blocks(); });
    // Named, so that top and perf show what it is.
    ::pthread_setname_np(writer->thread_.native_handle(), "sluice-direct");
  } catch (const std::exception&) {
    // Without memory or a thread the page cache still works.
    ::fcntl(fd, F_SETFL, flags);
    return nullptr;
  }
  return writer;
}

DirectWriter::DirectWriter(int fd, std::string path)
    : fd_(fd), path_(std::move(path)), ring_(allocate_ring(), std::free) {}

DirectWriter::~DirectWriter() {
  {
    std::lock_guard lock(mutex_);
    abandoned_ = true;
  }
  block_ready_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void DirectWriter::append(std::string_view bytes) {
  while (!bytes.empty()) {
    const std::size_t take = std::min(bytes.size(), kBlockBytes - fill_);
    std::memcpy(block(handed_over_) + fill_, bytes.data(), take);
    fill_ += take;
    bytes.remove_prefix(take);
    if (fill_ == kBlockBytes) hand_over_filled_block();
  }
}

void DirectWriter::hand_over_filled_block() {
  std::unique_lock lock(mutex_);
  throw_if_failed();
  ++handed_over_;
  fill_ = 0;
  block_ready_.notify_one();
  // The next block to fill must be on disk already; while it is not, the disk sets the pace.
  block_free_.wait(lock, [&] { return handed_over_ - written_ < kBlocks || !failure_.empty(); });
  throw_if_failed();
}

void DirectWriter::finish() {
  {
    std::unique_lock lock(mutex_);
    block_free_.wait(lock, [&] { return written_ == handed_over_ || !failure_.empty(); });
    throw_if_failed();
    stopping_ = true;
  }
  block_ready_.notify_one();
  thread_.join();
  if (fill_ == 0) return;
  // The tail is shorter than a block, so it cannot go out directly.
  const int flags = ::fcntl(fd_, F_GETFL);
  if (flags >= 0) ::fcntl(fd_, F_SETFL, flags & ~O_DIRECT);
  write_at(block(handed_over_), fill_, handed_over_ * kBlockBytes);
  std::lock_guard lock(mutex_);
  throw_if_failed();
}

void DirectWriter::write_blocks() {
  std::unique_lock lock(mutex_);
  for (;;) {
    block_ready_.wait(lock, [&] { return written_ < handed_over_ || stopping_ || abandoned_; });
    if (abandoned_ || written_ == handed_over_) return;
    const std::uint64_t index = written_;
    lock.unlock();
    write_at(block(index), kBlockBytes, index * kBlockBytes);
    lock.lock();
    if (!failure_.empty()) {
      block_free_.notify_one();
      return;
    }
    ++written_;
    block_free_.notify_one();
  }
}

void DirectWriter::write_at(const char* data, std::size_t size, std::uint64_t offset) {
  while (size > 0) {
    const ssize_t n = ::pwrite(fd_, data, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EINVAL && direct_) {
      // The filesystem accepted O_DIRECT but not this write (a stricter alignment, say): the rest
      // of the file goes through the page cache.
      const int flags = ::fcntl(fd_, F_GETFL);
      if (flags >= 0 && ::fcntl(fd_, F_SETFL, flags & ~O_DIRECT) == 0) {
        direct_ = false;
        continue;
      }
    }
    if (n <= 0) {
      // A regular file never takes 0 bytes of a non-empty write; if one did, looping would hang.
      const std::string reason = n < 0 ? std::strerror(errno) : "the file took no bytes";
      std::lock_guard lock(mutex_);
      if (failure_.empty()) failure_ = reason;
      return;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
}

void DirectWriter::throw_if_failed() {
  if (!failure_.empty())
    throw Error(StatusCode::io_error, "cannot write " + path_ + ": " + failure_);
}

}  // namespace sluice::detail
