#include "core/direct_writer.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <exception>
#include <new>

#include "sluice/status.hpp"

namespace sluice::detail {

namespace {

// Memory address, file offset and length of a direct write must be multiples of the device's
// logical block size; 4096 covers the 512- and 4096-byte sizes of today's disks.
constexpr std::size_t kAlignment = 4096;

// Transparent huge pages are this size on x86-64 and arm64 with 4 KiB pages. Where they are
// another size or off, the ring is simply made of small pages.
constexpr std::size_t kHugePageBytes = std::size_t{2} << 20;

/// The ring, mapped on its own at a huge-page boundary so the kernel can back it with huge pages:
/// pinning one for a direct write is one step instead of 512. Null when there is no memory.
char* map_ring() {
  constexpr std::size_t bytes = DirectWriter::kRingBytes;
  void* mapped = ::mmap(nullptr, bytes + kHugePageBytes, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapped == MAP_FAILED) return nullptr;
  // Keep the aligned part of the larger mapping and give back what lies before and after it.
  char* base = static_cast<char*>(mapped);
  const auto address = reinterpret_cast<std::uintptr_t>(base);
  const std::size_t head = (kHugePageBytes - address % kHugePageBytes) % kHugePageBytes;
  if (head > 0) ::munmap(base, head);
  ::munmap(base + head + bytes, kHugePageBytes - head);
  char* ring = base + head;
  ::madvise(ring, bytes, MADV_HUGEPAGE);  // best effort: small pages work too
  return ring;
}

/// Faults `bytes` of the ring in, writable, without changing what they hold (the appender may be
/// filling them at the same time). False where the kernel cannot (before Linux 5.14).
bool populate(char* begin, std::size_t bytes) {
#ifdef MADV_POPULATE_WRITE
  return ::madvise(begin, bytes, MADV_POPULATE_WRITE) == 0;
#else
  (void)begin;
  (void)bytes;
  return false;
#endif
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

void DirectWriter::RingRelease::operator()(char* ring) const noexcept {
  ::munmap(ring, kRingBytes);
}

DirectWriter::DirectWriter(int fd, std::string path)
    : fd_(fd), path_(std::move(path)), ring_(map_ring()) {}

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
  // Once the output reaches kPopulateAfterBytes; one append may carry it past the first block.
  if (!population_requested_ && (handed_over_ > 0 || fill_ >= kPopulateAfterBytes)) {
    request_population();
  }
}

std::size_t DirectWriter::populated_bytes() {
  std::lock_guard lock(mutex_);
  return populated_;
}

void DirectWriter::request_population() {
  {
    std::lock_guard lock(mutex_);
    population_requested_ = true;
  }
  block_ready_.notify_one();
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
  const std::string reason = write_tail();
  std::lock_guard lock(mutex_);
  if (failure_.empty()) failure_ = reason;
  throw_if_failed();
}

std::string DirectWriter::write_tail() {
  char* tail = block(handed_over_);
  const std::uint64_t offset = handed_over_ * kBlockBytes;
  if (direct_) {
    // A direct write's length must be aligned too: the tail goes out padded with zeros, then the
    // file is cut back to its length. Through the page cache instead, a 4 MiB tail cost ~2.5 ms
    // at the end of every run, when nothing else is left to overlap with.
    const std::size_t padded = (fill_ + kAlignment - 1) / kAlignment * kAlignment;
    std::memset(tail + fill_, 0, padded - fill_);
    std::string reason = write_at(tail, padded, offset);
    if (reason.empty()) {
      return ::ftruncate(fd_, static_cast<off_t>(offset + fill_)) == 0 ? std::string()
                                                                       : std::strerror(errno);
    }
    // The padding may be what was refused (a file size limit between the data's end and the
    // padding's): the exact bytes get one more try through the page cache.
    if (::ftruncate(fd_, static_cast<off_t>(offset)) != 0 || !leave_direct()) return reason;
  }
  return write_at(tail, fill_, offset);
}

void DirectWriter::write_blocks() {
  std::unique_lock lock(mutex_);
  for (;;) {
    block_ready_.wait(lock, [&] {
      return written_ < handed_over_ || stopping_ || abandoned_ ||
             (population_requested_ && populated_ < kRingBytes);
    });
    if (abandoned_) return;
    if (written_ < handed_over_) {
      const std::uint64_t index = written_;
      lock.unlock();
      std::string reason = write_at(block(index), kBlockBytes, index * kBlockBytes);
      lock.lock();
      if (!reason.empty()) {
        if (failure_.empty()) failure_ = std::move(reason);
        block_free_.notify_one();
        return;
      }
      ++written_;
      block_free_.notify_one();
      continue;
    }
    if (stopping_) return;
    // Nothing to write: fault in the next part of the ring. Writes come first, so this only
    // fills the thread's idle time; one step at a time, so finish() never waits for more. The
    // whole ring, not a block ahead: at 2 threads the appender caught up with a block ahead.
    const std::size_t from = populated_;
    populated_ = std::min(kRingBytes, from + kHugePageBytes);
    lock.unlock();
    const bool populated = populate(ring_.get() + from, populated_ - from);
    lock.lock();
    if (!populated) populated_ = kRingBytes;  // kernel before 5.14: the appender faults them in
  }
}

std::string DirectWriter::write_at(const char* data, std::size_t size, std::uint64_t offset) {
  while (size > 0) {
    const ssize_t n = ::pwrite(fd_, data, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    // The filesystem accepted O_DIRECT but not this write (a stricter alignment, say): the rest
    // of the file goes through the page cache.
    if (n < 0 && errno == EINVAL && direct_ && leave_direct()) continue;
    // A regular file never takes 0 bytes of a non-empty write; if one did, looping would hang.
    if (n <= 0) return n < 0 ? std::strerror(errno) : "the file took no bytes";
    data += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
  return {};
}

bool DirectWriter::leave_direct() {
  const int flags = ::fcntl(fd_, F_GETFL);
  if (flags < 0 || ::fcntl(fd_, F_SETFL, flags & ~O_DIRECT) != 0) return false;
  direct_ = false;
  return true;
}

void DirectWriter::throw_if_failed() {
  if (!failure_.empty())
    throw Error(StatusCode::io_error, "cannot write " + path_ + ": " + failure_);
}

}  // namespace sluice::detail
