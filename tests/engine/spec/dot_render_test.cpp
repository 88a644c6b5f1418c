#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "sluice/node_registry.hpp"
#include "sluice/pipeline_spec.hpp"

using namespace sluice;

namespace {

class ShapeOnly : public Node {
 public:
  explicit ShapeOnly(NodeShape shape) : shape_(std::move(shape)) {}
  NodeShape shape() const override { return shape_; }
  std::vector<Step> steps() override { return {}; }

 private:
  NodeShape shape_;
};

NodeRegistry registry() {
  NodeRegistry out;
  NodeType source;
  source.key = "bytes_source";
  OptionSpec token = required_option("token", OptionType::string, "Access token");
  token.secret = true;
  source.options = {token};
  source.make = [](const NodeOptions&) -> Result<std::unique_ptr<Node>> {
    return std::unique_ptr<Node>(
        std::make_unique<ShapeOnly>(NodeShape::source(PayloadKind::bytes)));
  };
  REQUIRE(out.add(source).ok());

  NodeType parse;
  parse.key = "csv_parse";
  parse.make = [](const NodeOptions&) -> Result<std::unique_ptr<Node>> {
    return std::unique_ptr<Node>(
        std::make_unique<ShapeOnly>(NodeShape::transform(PayloadKind::bytes, PayloadKind::rows)));
  };
  REQUIRE(out.add(parse).ok());
  return out;
}

PipelineSpec load(const std::string& text) {
  Result<PipelineSpec> result = load_pipeline_text(text, "p.yaml", LoadOptions{{}, false});
  REQUIRE(result.ok());
  return std::move(result).value();
}

}  // namespace

TEST_CASE("render_dot draws boxes and edges labelled with payload kinds") {
  const PipelineSpec spec = load(R"(id: demo
nodes:
  - id: read
    type: bytes_source
    options:
      token: hunter2
  - id: parse
    type: csv_parse
    input: read
  - id: odd
    type: mystery
    input: parse
  - id: after
    type: csv_parse
    inputs: [odd, missing]
)");
  CHECK(render_dot(spec, registry()) == R"(digraph "demo" {
  rankdir=LR;
  node [shape=box];
  "read" [label="read\nbytes_source"];
  "parse" [label="parse\ncsv_parse"];
  "odd" [label="odd\nmystery"];
  "after" [label="after\ncsv_parse"];
  "read" -> "parse" [label="bytes"];
  "parse" -> "odd" [label="rows"];
  "odd" -> "after";
}
)");
}

TEST_CASE("render_dot never shows option values, even secret ones") {
  const PipelineSpec spec = load(
      "id: p\nnodes:\n  - id: read\n    type: bytes_source\n    options:\n"
      "      token: hunter2\n");
  CHECK(render_dot(spec, registry()).find("hunter2") == std::string::npos);
}

TEST_CASE("render_dot escapes quotes and backslashes") {
  PipelineSpec spec;
  spec.id = "say \"hi\"";
  NodeSpec node;
  node.id = "a\\b";
  node.type = "t\"q";
  spec.nodes.push_back(node);
  CHECK(render_dot(spec, registry()) == R"(digraph "say \"hi\"" {
  rankdir=LR;
  node [shape=box];
  "a\\b" [label="a\\b\nt\"q"];
}
)");
}

TEST_CASE("render_dot leaves an edge unlabelled when the input's options are bad") {
  // bytes_source requires `token`; without it the factory is not run and the kind is unknown.
  const PipelineSpec spec = load(
      "id: p\nnodes:\n  - id: read\n    type: bytes_source\n  - id: parse\n"
      "    type: csv_parse\n    input: read\n");
  CHECK(render_dot(spec, registry()).find("\"read\" -> \"parse\";\n") != std::string::npos);
}
