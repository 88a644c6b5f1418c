#include "support/bench_nodes.hpp"

#include <stdexcept>

#include "sluice/pipeline.hpp"

namespace sluice::bench {

namespace {

class MemorySource final : public Node {
 public:
  explicit MemorySource(std::shared_ptr<const SourceData> data)
      : data_(std::move(data)), name_(std::make_shared<const std::string>("memory")) {}

  NodeShape shape() const override { return NodeShape::source(data_->kind); }

  std::vector<Step> steps() override {
    return {SourceStep{[this](Batch& out) { return next(out); }}};
  }

 private:
  bool next(Batch& out) {
    out.position.source = name_;
    if (data_->kind == PayloadKind::bytes) {
      if (next_ >= data_->chunks.size()) return false;
      const ByteChunk& chunk = data_->chunks[next_++];
      out.position.byte_offset = offset_;
      offset_ += chunk.bytes.size();
      out.payload = chunk;
      return true;
    }
    if (data_->batches == nullptr || next_ >= data_->batches->size()) return false;
    const RowBatch& prepared = (*data_->batches)[next_++];
    RowBatch rows(prepared.columns());
    rows.keep_alive_all(prepared);
    // Keep the raw record text too, as csv_parse emits it: writers copy it instead of re-quoting.
    if (prepared.has_raw()) {
      rows.set_raw_layout(prepared.raw_width(), prepared.raw_delimiter(), prepared.raw_quote());
    }
    rows.reserve(prepared.size());
    for (std::size_t r = 0; r < prepared.size(); ++r) {
      if (prepared.has_raw()) {
        rows.add_row(prepared.row(r), prepared.row_number(r), prepared.raw(r));
      } else {
        rows.add_row(prepared.row(r), prepared.row_number(r));
      }
    }
    if (!prepared.empty()) out.position.first_row = prepared.row_number(0);
    out.payload = std::move(rows);
    return true;
  }

  std::shared_ptr<const SourceData> data_;
  std::shared_ptr<const std::string> name_;
  std::size_t next_ = 0;
  std::uint64_t offset_ = 0;
};

class NullSink final : public Node {
 public:
  NullSink(PayloadKind kind, std::shared_ptr<SinkTally> tally)
      : kind_(kind), tally_(std::move(tally)) {}

  NodeShape shape() const override { return NodeShape::sink(kind_); }

  std::vector<Step> steps() override {
    SerialStep drop;
    drop.process = [this](std::size_t, const Batch& in, Emitter&) {
      tally_->batches.fetch_add(1, std::memory_order_relaxed);
      tally_->rows.fetch_add(in.item_count(), std::memory_order_relaxed);
      if (in.kind() == PayloadKind::bytes) {
        tally_->bytes.fetch_add(in.chunk().bytes.size(), std::memory_order_relaxed);
      }
    };
    return {drop};
  }

 private:
  PayloadKind kind_;
  std::shared_ptr<SinkTally> tally_;
};

}  // namespace

NodeRegistry bench_registry(std::shared_ptr<const SourceData> data,
                            std::shared_ptr<SinkTally> tally) {
  NodeRegistry registry = builtin_registry();
  auto add = [&](NodeType type) {
    const Status status = registry.add(std::move(type));
    if (!status.ok()) throw std::logic_error(status.message());
  };
  add({"bench_source", NodeRole::source, "replays prepared in-memory data", {},
       [data](const NodeOptions&) -> Result<std::unique_ptr<Node>> {
         return std::unique_ptr<Node>(std::make_unique<MemorySource>(data));
       }});
  OptionSpec kind = option_with_default("kind", OptionType::string, "rows", "payload kind");
  kind.choices = {"bytes", "rows"};
  add({"bench_null", NodeRole::sink, "drops every batch, counting it", {kind},
       [tally](const NodeOptions& options) -> Result<std::unique_ptr<Node>> {
         const PayloadKind kind =
             options.get_string("kind") == "bytes" ? PayloadKind::bytes : PayloadKind::rows;
         return std::unique_ptr<Node>(std::make_unique<NullSink>(kind, tally));
       }});
  return registry;
}

NodeSpec node_spec(std::string id, std::string type, Value options) {
  NodeSpec node;
  node.id = std::move(id);
  node.type = std::move(type);
  node.options = std::move(options);
  return node;
}

PipelineSpec chain_spec(std::vector<NodeSpec> middle, PayloadKind sink_kind) {
  PipelineSpec spec;
  spec.id = "bench_chain";
  spec.nodes.push_back(node_spec("source", "bench_source"));
  for (NodeSpec& node : middle) spec.nodes.push_back(std::move(node));
  spec.nodes.push_back(node_spec(
      "sink", "bench_null",
      Value::map({{"kind", Value::scalar(sink_kind == PayloadKind::bytes ? "bytes" : "rows")}})));
  for (std::size_t i = 1; i < spec.nodes.size(); ++i) {
    spec.nodes[i].inputs = {InputRef{spec.nodes[i - 1].id, {}}};
  }
  return spec;
}

RunReport run_chain(const PipelineSpec& spec, const NodeRegistry& registry, int threads) {
  auto pipeline = Pipeline::build(spec, registry);
  if (!pipeline) throw Error(pipeline.status());
  RunOptions options;
  options.threads = threads;
  RunReport report = (*pipeline)->run(options);
  if (!report.status.ok()) throw Error(report.status);
  return report;
}

}  // namespace sluice::bench
