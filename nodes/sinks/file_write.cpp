#include "sinks/file_write.hpp"

#include <memory>
#include <thread>

#include "sluice/durable_file.hpp"
#include "support/write_behind.hpp"

namespace sluice::nodes {

namespace {

// Output bytes that may wait for the writer thread. Queued chunks are outside the engine's
// in-flight budget, so this is the extra memory the writer thread may cost. One chunk (about
// 1 MiB) waiting behind the one being written is enough, as write(2) into the page cache is far
// faster than the steps that produce the chunks; counting bytes rather than chunks lets the small
// ones (a record that spanned two input chunks) pass without taking a place.
constexpr std::size_t kMaxQueuedBytes = 2 << 20;

/// Whether a writer thread pays: only when the run leaves a core without a worker. Measured on
/// the 1M-row utterance pipeline (2 cores): with 1 worker it took the write(2) copy to the idle
/// core (162 -> 194 MB/s, against 183 writing on the worker); with 2 workers it only competed
/// with them (280 vs 303 MB/s) and, as each batch is released before its bytes are written, let
/// one more batch in (peak RSS 49 vs 41 MiB).
bool writer_thread_pays(const RunContext& context) {
  const unsigned cores = std::thread::hardware_concurrency();
  return cores != 0 && static_cast<unsigned>(context.threads()) < cores;
}

class FileWrite final : public Node {
 public:
  explicit FileWrite(FileWriteOptions options) : options_(std::move(options)) {}

  NodeShape shape() const override { return NodeShape::sink(PayloadKind::bytes); }

  Status open(RunContext& context) override {
    context_ = &context;
    auto file = DurableFile::create(options_.path);
    if (!file) return file.status();
    file_ = std::move(file).value();
    if (writer_thread_pays(context)) {
      // write(2) runs on a thread of its own so that the serial sink step only queues the chunk:
      // copying output into the page cache is a large share of the serial work of a run.
      writer_ = std::make_unique<WriteBehind>(
          [this](std::string_view bytes) { file_.write(bytes); }, kMaxQueuedBytes);
    }
    return Status::success();
  }

  std::vector<Step> steps() override {
    SerialStep write;
    write.process = [this](std::size_t, const Batch& in, Emitter&) {
      if (writer_) {
        writer_->push(in.chunk());
      } else {
        file_.write(in.chunk().bytes);
      }
    };
    return {write};
  }

  Status commit() override {
    try {
      if (writer_) writer_->drain();
    } catch (const Error& error) {
      file_.discard();
      return error.status();
    } catch (const std::exception& error) {
      file_.discard();
      return Status(StatusCode::internal, "writing " + options_.path + ": " + error.what());
    }
    const std::uint64_t size = file_.size();
    Status status = file_.commit();
    if (status.ok()) {
      context_->log(LogLevel::info, "wrote " + options_.path + " (" + std::to_string(size) + " bytes)");
    }
    return status;
  }
  void abort() noexcept override {
    if (writer_) writer_->stop();
    file_.discard();
  }

 private:
  FileWriteOptions options_;
  DurableFile file_;
  std::unique_ptr<WriteBehind> writer_;  ///< declared after file_: stopped before file_ closes
  RunContext* context_ = nullptr;
};

}  // namespace

NodeType file_write_type() {
  NodeType type;
  type.key = "file_write";
  type.role = NodeRole::sink;
  type.summary = "Writes bytes to a file durably (temp file, fsync, rename on success)";
  type.options = {
      required_option("path", OptionType::string,
                      "file to create or replace; its directory must exist"),
  };
  type.make = [](const NodeOptions& options) -> Result<std::unique_ptr<Node>> {
    FileWriteOptions parsed;
    parsed.path = options.get_string("path");
    if (parsed.path.empty()) return options.error("path", "must not be empty");
    return std::unique_ptr<Node>(std::make_unique<FileWrite>(std::move(parsed)));
  };
  return type;
}

}  // namespace sluice::nodes
