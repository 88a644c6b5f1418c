#include "sources/file_read.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sluice::nodes {

namespace {

class FileRead final : public Node {
 public:
  explicit FileRead(FileReadOptions options)
      : options_(std::move(options)),
        source_name_(std::make_shared<const std::string>(options_.path == "-" ? "<stdin>"
                                                                               : options_.path)) {}
  ~FileRead() override { close_file(); }

  NodeShape shape() const override { return NodeShape::source(PayloadKind::bytes); }

  Status open(RunContext& context) override {
    context_ = &context;
    if (options_.path == "-") {
      fd_ = STDIN_FILENO;
      struct stat info {};
      streaming_ = ::fstat(fd_, &info) != 0 || !S_ISREG(info.st_mode);
      return Status::success();
    }
    fd_ = ::open(options_.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
      const StatusCode code = errno == ENOENT ? StatusCode::not_found : StatusCode::io_error;
      return Status(code, "cannot open " + options_.path + ": " + std::strerror(errno));
    }
    struct stat info {};
    if (::fstat(fd_, &info) == 0 && S_ISDIR(info.st_mode)) {
      return Status(StatusCode::invalid_argument, options_.path + " is a directory, not a file");
    }
    streaming_ = !S_ISREG(info.st_mode);  // a named pipe or a device
    ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
    return Status::success();
  }

  std::vector<Step> steps() override {
    return {SourceStep{[this](Batch& out) { return next(out); }}};
  }

  void abort() noexcept override { close_file(); }
  Status commit() override {
    close_file();
    return Status::success();
  }

 private:
  bool next(Batch& out) {
    // Left uninitialized on purpose: zero-filling a fresh chunk that read() overwrites anyway
    // cost a few percent of a whole run. From the block pool, as every batch needs one.
    std::shared_ptr<char[]> buffer = block_pool::make_shared_buffer(options_.chunk_size);
    std::size_t filled = 0;
    // Fill the whole chunk (pipes and some filesystems return short reads) so batch sizes stay
    // predictable.
    while (filled < options_.chunk_size) {
      if (streaming_ && !wait_readable()) return false;
      const ssize_t n = ::read(fd_, buffer.get() + filled, options_.chunk_size - filled);
      if (n < 0) {
        if (errno == EINTR) continue;
        throw Error(StatusCode::io_error, "cannot read " + *source_name_ + " at byte " +
                                              std::to_string(offset_ + filled) + ": " +
                                              std::strerror(errno));
      }
      if (n == 0) break;
      filled += static_cast<std::size_t>(n);
      // A pipe delivers what it has; pass it on rather than wait for a full chunk.
      if (streaming_) break;
    }
    if (filled == 0) return false;
    out.position.source = source_name_;
    out.position.byte_offset = offset_;
    offset_ += filled;
    const std::string_view bytes(buffer.get(), filled);
    out.payload = ByteChunk{std::move(buffer), bytes};
    return true;
  }

  /// Waits until a pipe or terminal has data, checking for cancellation a few times a second so
  /// Ctrl-C never waits on a quiet writer. False when the run was cancelled.
  bool wait_readable() {
    pollfd watch{fd_, POLLIN, 0};
    while (!context_->cancelled()) {
      const int ready = ::poll(&watch, 1, 100);
      if (ready > 0) return true;
      if (ready < 0 && errno != EINTR) return true;  // let read() report the error
    }
    return false;
  }

  void close_file() noexcept {
    if (fd_ > STDIN_FILENO) ::close(fd_);
    fd_ = -1;
  }

  FileReadOptions options_;
  std::shared_ptr<const std::string> source_name_;
  int fd_ = -1;
  bool streaming_ = false;  // a pipe or terminal rather than a regular file
  RunContext* context_ = nullptr;
  std::uint64_t offset_ = 0;
};

}  // namespace

NodeType file_read_type() {
  NodeType type;
  type.key = "file_read";
  type.role = NodeRole::source;
  type.summary = "Streams a file (or standard input with path \"-\") as byte chunks";
  type.options = {
      required_option("path", OptionType::string, "file to read; \"-\" reads standard input"),
      option_with_default("chunk_size", OptionType::size, "1MiB",
                          "bytes per chunk (batch); larger chunks mean fewer, bigger batches"),
  };
  type.make = [](const NodeOptions& options) -> Result<std::unique_ptr<Node>> {
    FileReadOptions parsed;
    parsed.path = options.get_string("path");
    parsed.chunk_size = options.get_size("chunk_size");
    if (parsed.path.empty()) return options.error("path", "must not be empty");
    if (parsed.chunk_size < 1024 || parsed.chunk_size > (1ULL << 30)) {
      return options.error("chunk_size", "must be between 1KiB and 1GiB");
    }
    return std::unique_ptr<Node>(std::make_unique<FileRead>(std::move(parsed)));
  };
  return type;
}

}  // namespace sluice::nodes
