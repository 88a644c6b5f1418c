#include "sinks/file_write.hpp"

#include "sluice/durable_file.hpp"

namespace sluice::nodes {

namespace {

class FileWrite final : public Node {
 public:
  explicit FileWrite(FileWriteOptions options) : options_(std::move(options)) {}

  NodeShape shape() const override { return NodeShape::sink(PayloadKind::bytes); }

  Status open(RunContext& context) override {
    context_ = &context;
    auto file = DurableFile::create(options_.path,
                                    options_.page_cache ? PageCache::use : PageCache::bypass);
    if (!file) return file.status();
    file_ = std::move(file).value();
    return Status::success();
  }

  std::vector<Step> steps() override {
    SerialStep write;
    // Copying a batch into the file runs on a worker: --threads N means N cores of work. (A writer
    // thread doing the page-cache copy measured +11% at 1 thread on 2 cores only by taking the
    // second core, and nothing with a worker on every core. DurableFile's O_DIRECT thread copies
    // nothing: it waits for the disk.)
    write.process = [this](std::size_t, const Batch& in, Emitter&) {
      file_.write(in.chunk().bytes);
    };
    return {write};
  }

  Status commit() override {
    const std::uint64_t size = file_.size();
    Status status = file_.commit();
    if (status.ok()) {
      context_->log(LogLevel::info, "wrote " + options_.path + " (" + std::to_string(size) + " bytes)");
    }
    return status;
  }
  void abort() noexcept override { file_.discard(); }

 private:
  FileWriteOptions options_;
  DurableFile file_;
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
      option_with_default("page_cache", OptionType::boolean, "false",
                          "write through the page cache, so that a reader right after the run "
                          "finds the file in memory; by default bytes go to the disk with O_DIRECT "
                          "where the filesystem allows (less CPU, other data stays cached)"),
  };
  type.make = [](const NodeOptions& options) -> Result<std::unique_ptr<Node>> {
    FileWriteOptions parsed;
    parsed.path = options.get_string("path");
    parsed.page_cache = options.get_bool("page_cache");
    if (parsed.path.empty()) return options.error("path", "must not be empty");
    return std::unique_ptr<Node>(std::make_unique<FileWrite>(std::move(parsed)));
  };
  return type;
}

}  // namespace sluice::nodes
