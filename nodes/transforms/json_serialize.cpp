#include "transforms/json_serialize.hpp"

namespace sluice::nodes {

namespace {

class JsonSerialize final : public Node {
 public:
  explicit JsonSerialize(JsonSerializeOptions options) : options_(options) {}

  NodeShape shape() const override {
    return NodeShape::transform(PayloadKind::records, PayloadKind::bytes);
  }

  std::vector<Step> steps() override {
    // Serial: an array needs to know which record comes first, and this step is cheap next to
    // parsing.
    SerialStep write;
    write.process = [this](std::size_t, const Batch& in, Emitter& out) {
      std::string text;
      for (const auto& record : in.records().records) {
        if (record.kind != JsonRecord::Kind::data) continue;
        if (options_.array) {
          text += wrote_any_ ? ",\n" : "[\n";
          text += record.json;
        } else {
          text += record.json;
          text += '\n';
        }
        wrote_any_ = true;
      }
      Batch batch;
      batch.position = in.position;
      batch.payload = ByteChunk::own(std::move(text));
      out.emit(std::move(batch));
    };
    write.finish = [this](Emitter& out) {
      if (!options_.array) return;
      Batch batch;
      batch.payload = ByteChunk::own(wrote_any_ ? "\n]\n" : "[]\n");
      out.emit(std::move(batch));
    };
    return {write};
  }

 private:
  JsonSerializeOptions options_;
  bool wrote_any_ = false;
};

}  // namespace

NodeType json_serialize_type() {
  NodeType type;
  type.key = "json_serialize";
  type.role = NodeRole::transform;
  type.summary = "Serializes records as JSON Lines or a JSON array";
  type.options = {
      option_with_default("layout", OptionType::string, "lines",
                          "lines (JSON Lines) or array (one JSON array)"),
  };
  type.options[0].choices = {"lines", "array"};
  type.make = [](const NodeOptions& options) -> Result<std::unique_ptr<Node>> {
    JsonSerializeOptions parsed;
    parsed.array = options.get_string("layout") == "array";
    return std::unique_ptr<Node>(std::make_unique<JsonSerialize>(parsed));
  };
  return type;
}

}  // namespace sluice::nodes
