#include "transforms/json_parse.hpp"

#include <simdjson.h>

#include "sluice/row_errors.hpp"

namespace sluice::nodes {

namespace {

class JsonParse final : public Node {
 public:
  JsonParse(JsonParseOptions options, RowErrorPolicy policy)
      : options_(options), policy_(std::move(policy)), framer_(options.layout) {}

  NodeShape shape() const override {
    return NodeShape::transform(PayloadKind::bytes, PayloadKind::records);
  }

  Status open(RunContext& context) override {
    context_ = &context;
    return policy_.open();
  }

  std::vector<Step> steps() override {
    SerialStep frame;
    frame.process = [this](std::size_t, const Batch& in, Emitter& out) {
      if (!source_) source_ = in.position.source;
      framer_.feed(in.chunk().bytes, pending_);
      if (pending_.size() >= options_.values_per_batch) flush(out);
    };
    frame.finish = [this](Emitter& out) {
      framer_.finish(pending_);
      flush(out);
    };
    MapStep check;
    check.process = [this](const Batch& in, const BatchInfo& info) { return validate(in, info); };
    return {frame, check};
  }

  Status commit() override { return policy_.commit(); }
  void abort() noexcept override { policy_.abort(); }

 private:
  void flush(Emitter& out) {
    if (pending_.empty()) return;
    RecordBatch records;
    records.records.reserve(pending_.size());
    Batch batch;
    batch.position.source = source_;
    batch.position.first_row = pending_.front().index;
    batch.position.first_line = pending_.front().line;
    for (auto& value : pending_) {
      JsonRecord record;
      record.json = std::move(value.text);
      record.index = value.index;
      records.records.push_back(std::move(record));
    }
    pending_.clear();
    batch.payload = std::move(records);
    out.emit(std::move(batch));
  }

  Batch validate(const Batch& in, const BatchInfo& info) {
    // One parser per worker thread: simdjson parsers keep their buffers between documents.
    thread_local simdjson::dom::parser parser;
    const auto& raw = in.records().records;
    RecordBatch checked;
    checked.records.reserve(raw.size());
    RowErrorPolicy::BatchRows bad_records{info.seq, {}};
    for (const auto& record : raw) {
      simdjson::dom::element element;
      const auto error = parser.parse(record.json).get(element);
      if (error) {
        policy_.handle(context_->metrics(), bad_records,
                       source_ ? *source_ : std::string("input"), record.index,
                       std::string("invalid JSON value: ") + simdjson::error_message(error),
                       record.json.substr(0, 4096));
        continue;
      }
      JsonRecord out;
      out.json = simdjson::minify(element);
      out.index = record.index;
      checked.records.push_back(std::move(out));
    }
    policy_.finish_batch(std::move(bad_records));
    Batch batch;
    batch.position = in.position;
    batch.payload = std::move(checked);
    return batch;
  }

  JsonParseOptions options_;
  RowErrorPolicy policy_;
  JsonFramer framer_;
  RunContext* context_ = nullptr;
  std::shared_ptr<const std::string> source_;
  std::vector<RawJsonValue> pending_;
};

}  // namespace

NodeType json_parse_type() {
  NodeType type;
  type.key = "json_parse";
  type.role = NodeRole::transform;
  type.summary = "Parses JSON Lines or a JSON array into records (checked and minified)";
  type.options = {
      option_with_default("layout", OptionType::string, "detect",
                          "lines (JSON Lines), array (one top-level array) or detect (by the "
                          "first character)"),
      option_with_default("values_per_batch", OptionType::integer, "4096",
                          "records per batch"),
  };
  type.options[0].choices = {"lines", "array", "detect"};
  for (auto& spec : RowErrorPolicy::option_specs()) type.options.push_back(std::move(spec));
  type.make = [](const NodeOptions& options) -> Result<std::unique_ptr<Node>> {
    JsonParseOptions parsed;
    const std::string layout = options.get_string("layout");
    parsed.layout = layout == "lines"   ? JsonLayout::lines
                    : layout == "array" ? JsonLayout::array
                                        : JsonLayout::detect;
    const auto per_batch = options.get_integer("values_per_batch");
    if (per_batch < 1 || per_batch > 1000000) {
      return options.error("values_per_batch", "must be between 1 and 1000000");
    }
    parsed.values_per_batch = static_cast<std::size_t>(per_batch);
    auto policy = RowErrorPolicy::from_options(options);
    if (!policy) return policy.status();
    return std::unique_ptr<Node>(std::make_unique<JsonParse>(parsed, std::move(policy).value()));
  };
  return type;
}

}  // namespace sluice::nodes
