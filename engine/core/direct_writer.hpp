#pragma once
/// DirectWriter: appends a file's bytes in aligned 2 MiB blocks that a thread of its own writes
/// with O_DIRECT, straight from our memory to the disk.
///
/// Why not write(2) into the page cache: the kernel copies every byte into newly allocated pages
/// and a kernel thread later writes them back, both on the run's cores. On VMs that hand free
/// memory back to the host, each new page also faults in the host: writing 1 GiB that way took
/// 2.1-2.7 s of kernel CPU on our 2-core VM, against 0.2 s into recycled pages and 0.1 s with
/// O_DIRECT. The writer thread mostly waits for the disk; it computes nothing (apart from faulting
/// its 6 MiB ring in once, see kPopulateAfterBytes), so `--threads N` still means N cores of work.
///
/// Every block, the last one included, goes out with O_DIRECT: finish() pads the tail to the
/// alignment and cuts the file back to its length. Where the filesystem refuses O_DIRECT (procfs,
/// tmpfs before Linux 6.6, some network mounts), start() returns null and the caller writes as
/// before; a direct write refused later switches the file to buffered writes for the rest.
/// Not thread-safe on the caller's side: one appender at a time.

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace sluice::detail {

class DirectWriter {
 public:
  /// What one direct write costs the writer thread is mostly per page pinned and per request, so
  /// the blocks are large and the ring sits on huge pages where the kernel offers them. Writing a
  /// 1M-row run's 135 MB took that thread 13-18 ms of CPU in 1 MiB blocks and 9-12 ms in 4 MiB
  /// blocks; on huge pages, 7.6 ms in 2 MiB blocks and 5 ms in 4 MiB blocks. But each run also
  /// faults the whole ring in once, and on VMs that hand free memory back to the host that can
  /// cost more than the requests save: with 4 x 4 MiB the thread spent 8-41 ms of CPU per 1M-row
  /// run (perf, 2 threads), most of it faulting; with 3 x 2 MiB, 5-30 ms, and 17 ms more than
  /// 4 x 4 MiB per 8M-row run. End to end the two are even as far as this machine can tell
  /// (pipeline_bench --baseline, 1M rows, 25-50 paired rounds: time 1.009-1.041x the old ring's
  /// at 1 thread and 0.992-1.040x at 2, where the old binary against itself gave 1.032x and
  /// 0.996x), and the smaller ring takes 10 MiB less memory.
  static constexpr std::size_t kBlockBytes = std::size_t{2} << 20;
  /// Blocks in the ring: one being filled, the rest queued or being written. 6 MiB in all, the
  /// same for any size of output.
  static constexpr std::size_t kBlocks = 3;
  static constexpr std::size_t kRingBytes = kBlockBytes * kBlocks;
  /// Once the first block holds this much, the output is no longer small, and the thread starts
  /// faulting the rest of the ring in while it has no block to write. On VMs that hand free
  /// memory back to the host, faulting in a 4 MiB block (the size then) cost 0.5 ms, or 10 ms
  /// when the host had to find the memory again: in 13 of 32 traced 1M-row runs the appender
  /// stalled 22-54 ms in all on the run's ordered path. 1-thread runs became 5% faster (median
  /// of 30 paired runs); 2-thread runs did not change (the CPU is the same, only on another
  /// thread).
  static constexpr std::size_t kPopulateAfterBytes = kBlockBytes / 4;

  /// Switches `fd` (opened for writing, positioned at 0, empty) to O_DIRECT; null when refused.
  /// `path` names the file in errors.
  static std::unique_ptr<DirectWriter> start(int fd, std::string path);
  /// Stops the thread; blocks not yet written are dropped (the caller is discarding the file).
  ~DirectWriter();
  DirectWriter(const DirectWriter&) = delete;
  DirectWriter& operator=(const DirectWriter&) = delete;

  /// Copies bytes into the ring; each full block goes to the thread. Waits when all blocks are
  /// queued (the disk sets the pace). Throws sluice::Error (io_error) when an earlier write failed.
  void append(std::string_view bytes);
  /// Writes everything, the tail included, and stops the thread. Throws like append(). The caller
  /// still has to fsync.
  void finish();

  /// Bytes of the ring the thread has faulted in ahead of the appender so far (for tests).
  std::size_t populated_bytes();

 private:
  DirectWriter(int fd, std::string path);
  /// Where the file's block `index` (counted from the start of the file) sits in the ring.
  char* block(std::uint64_t index) const { return ring_.get() + (index % kBlocks) * kBlockBytes; }
  void hand_over_filled_block();
  void request_population();  // the output is large enough to need the whole ring
  void write_blocks();        // the thread's loop
  /// Writes all of it at `offset`; returns why not (empty when written).
  std::string write_at(const char* data, std::size_t size, std::uint64_t offset);
  std::string write_tail();  // finish()'s last, partial block; returns why not
  bool leave_direct();       // the rest of the file goes through the page cache
  void throw_if_failed();    // with mutex_ held

  int fd_;
  std::string path_;
  struct RingRelease {
    void operator()(char* ring) const noexcept;
  };
  std::unique_ptr<char, RingRelease> ring_;
  std::size_t fill_ = 0;           ///< bytes in the block being filled
  std::uint64_t handed_over_ = 0;  ///< blocks given to the thread (block k sits at k % kBlocks)

  std::mutex mutex_;
  std::condition_variable block_ready_;  ///< the thread waits for work or the end
  std::condition_variable block_free_;   ///< the appender waits for a block to fill
  std::uint64_t written_ = 0;            ///< blocks on disk, in order
  bool stopping_ = false;                ///< finish(): write what is queued, then end
  bool abandoned_ = false;               ///< destructor: end after the write under way
  bool direct_ = true;                   ///< false once the filesystem refused a direct write
  bool population_requested_ = false;    ///< set by the appender, once (see kPopulateAfterBytes)
  std::size_t populated_ = 0;            ///< bytes of the ring the thread has faulted in
  std::string failure_;                  ///< the first write error, reported to the appender
  std::thread thread_;
};

}  // namespace sluice::detail
