#include "spec/pipeline_validator.hpp"

#include <doctest/doctest.h>

#include "support/string_lists.hpp"

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "sluice/node_registry.hpp"
#include "sluice/pipeline_spec.hpp"

using namespace sluice;

namespace {

/// Validation only needs a shape; these nodes never run.
class FakeNode : public Node {
 public:
  explicit FakeNode(NodeShape shape) : shape_(std::move(shape)) {}
  NodeShape shape() const override { return shape_; }
  std::vector<Step> steps() override { return {}; }

 private:
  NodeShape shape_;
};

NodeType fake_type(std::string key, NodeShape shape, std::vector<OptionSpec> options = {}) {
  NodeType type;
  type.key = std::move(key);
  type.options = std::move(options);
  type.make = [shape](const NodeOptions&) -> Result<std::unique_ptr<Node>> {
    return std::unique_ptr<Node>(std::make_unique<FakeNode>(shape));
  };
  return type;
}

NodeRegistry fake_registry() {
  NodeRegistry registry;

  OptionSpec mode = option_with_default("mode", OptionType::string, "fast", "Read mode");
  mode.choices = {"fast", "safe"};
  OptionSpec token = optional_option("token", OptionType::string, "Access token");
  token.secret = true;
  NodeType source =
      fake_type("bytes_source", NodeShape::source(PayloadKind::bytes),
                {required_option("path", OptionType::string, "File to read"),
                 option_with_default("chunk_size", OptionType::size, "64KiB", "Bytes per batch"),
                 mode, token});
  source.role = NodeRole::source;
  // Factory checks report through NodeOptions::error, which carries the option's location.
  source.make = [](const NodeOptions& options) -> Result<std::unique_ptr<Node>> {
    if (options.get_string("path") == "bad") return options.error("path", "must not be 'bad'");
    return std::unique_ptr<Node>(std::make_unique<FakeNode>(NodeShape::source(PayloadKind::bytes)));
  };
  REQUIRE(registry.add(source).ok());

  REQUIRE(
      registry
          .add(fake_type("csv_parse", NodeShape::transform(PayloadKind::bytes, PayloadKind::rows)))
          .ok());

  NodeType filter =
      fake_type("rows_filter", NodeShape::transform(PayloadKind::rows, PayloadKind::rows),
                {optional_option("column", OptionType::string, "Column to test")});
  filter.make = [](const NodeOptions& options) -> Result<std::unique_ptr<Node>> {
    if (options.get_string("column") == "boom") return invalid_argument("the column is cursed");
    if (options.get_string("column") == "throw") throw std::runtime_error("factory bug");
    return std::unique_ptr<Node>(
        std::make_unique<FakeNode>(NodeShape::transform(PayloadKind::rows, PayloadKind::rows)));
  };
  REQUIRE(registry.add(filter).ok());

  REQUIRE(registry
              .add(fake_type("bytes_sink", NodeShape::sink(PayloadKind::bytes),
                             {required_option("path", OptionType::string, "File to write")}))
              .ok());
  REQUIRE(
      registry
          .add(fake_type("rows_merge", NodeShape{{{PayloadKind::rows}}, true, PayloadKind::rows}))
          .ok());
  REQUIRE(registry
              .add(fake_type("lookup_join", NodeShape{{{PayloadKind::rows},
                                                       {PayloadKind::rows, PayloadKind::records}},
                                                      false,
                                                      PayloadKind::rows}))
              .ok());
  return registry;
}

PipelineSpec load(const std::string& text) {
  Result<PipelineSpec> result = load_pipeline_text(text, "p.yaml", LoadOptions{{}, false});
  INFO(result.status().message());
  REQUIRE(result.ok());
  return std::move(result).value();
}

std::vector<std::string> problems(const std::string& text) {
  std::vector<std::string> lines;
  for (const auto& problem : validate_pipeline(load(text), fake_registry())) {
    lines.push_back(problem.describe());
  }
  return lines;
}

const char* const kGood = R"(id: good
nodes:
  - id: read
    type: bytes_source
    options:
      path: in.csv
  - id: parse
    type: csv_parse
    input: read
  - id: keep
    type: rows_filter
    input: parse
  - id: again
    type: bytes_source
    options:
      path: other.csv
  - id: parse2
    type: csv_parse
    input: again
  - id: merged
    type: rows_merge
    inputs: [keep, parse2]
)";

}  // namespace

TEST_CASE("a correct pipeline has no problems and builds its nodes in spec order") {
  const PipelineSpec spec = load(kGood);
  const NodeRegistry registry = fake_registry();
  CHECK(validate_pipeline(spec, registry).empty());

  std::vector<std::unique_ptr<Node>> built;
  CHECK(detail::validate_and_build(spec, registry, &built).empty());
  REQUIRE(built.size() == 6);
  CHECK(built[0]->shape().output == PayloadKind::bytes);
  CHECK(built[1]->shape().output == PayloadKind::rows);
  CHECK(built[5]->shape().variadic_last_input);
}

TEST_CASE("unknown node type: a suggestion and the known types") {
  CHECK(problems("id: p\nnodes:\n  - id: read\n    type: bytes_sourse\n    options:\n"
                 "      path: x\n") ==
        std::vector<std::string>{
            "p.yaml:4:11: unknown node type 'bytes_sourse' in node 'read'; did you mean "
            "'bytes_source'? Known types: bytes_sink, bytes_source, csv_parse, lookup_join, "
            "rows_filter, rows_merge"});
  CHECK(problems("id: p\nnodes:\n  - id: read\n    type: teleport\n") ==
        std::vector<std::string>{
            "p.yaml:4:11: unknown node type 'teleport' in node 'read'. Known types: bytes_sink, "
            "bytes_source, csv_parse, lookup_join, rows_filter, rows_merge"});
}

TEST_CASE("options are checked against the type's schema") {
  SUBCASE("unknown option, with a suggestion") {
    CHECK(problems("id: p\nnodes:\n  - id: read\n    type: bytes_source\n    options:\n"
                   "      path: x\n      chunk_sise: 1MiB\n") ==
          std::vector<std::string>{
              "p.yaml:7:19: unknown option 'chunk_sise' for this node; did you mean "
              "'chunk_size'? Options: path, chunk_size, mode, token"});
  }
  SUBCASE("missing option, at the node when there are no options") {
    CHECK(problems("id: p\nnodes:\n  - id: read\n    type: bytes_source\n") ==
          std::vector<std::string>{
              "p.yaml:3:5: missing required option 'path' (string): File to read"});
  }
  SUBCASE("wrong type") {
    CHECK(problems("id: p\nnodes:\n  - id: read\n    type: bytes_source\n    options:\n"
                   "      path: x\n      chunk_size: huge\n") ==
          std::vector<std::string>{
              "p.yaml:7:19: option 'chunk_size' must be a size (e.g. 1048576, 64KiB, 1MiB, 2GB), "
              "got 'huge'"});
  }
  SUBCASE("a value that is not one of the choices") {
    CHECK(problems("id: p\nnodes:\n  - id: read\n    type: bytes_source\n    options:\n"
                   "      path: x\n      mode: slow\n") ==
          std::vector<std::string>{
              "p.yaml:7:13: option 'mode' has an invalid value 'slow'. Choices: fast, safe"});
  }
}

TEST_CASE("secret values never appear in messages") {
  SUBCASE("an option declared secret") {
    const auto lines = problems(
        "id: p\nnodes:\n  - id: read\n    type: bytes_source\n    options:\n"
        "      path: x\n      token: [hunter2]\n");
    CHECK(lines ==
          std::vector<std::string>{"p.yaml:7:14: option 'token' must be a string, got ***"});
  }
  SUBCASE("a value tagged !secret in the file") {
    const auto lines = problems(
        "id: p\nnodes:\n  - id: read\n    type: bytes_source\n    options:\n"
        "      path: x\n      chunk_size: !secret hunter2\n");
    CHECK(lines == std::vector<std::string>{
                       "p.yaml:7:19: option 'chunk_size' must be a size (e.g. 1048576, 64KiB, "
                       "1MiB, 2GB), got ***"});
    for (const auto& line : lines) CHECK(line.find("hunter2") == std::string::npos);
  }
}

TEST_CASE("factory errors: located by NodeOptions::error, else at the node") {
  const PipelineSpec spec = load(
      "id: p\nnodes:\n  - id: read\n    type: bytes_source\n    options:\n      path: bad\n"
      "  - id: parse\n    type: csv_parse\n    input: read\n"
      "  - id: keep\n    type: rows_filter\n    input: parse\n    options:\n      column: boom\n"
      "  - id: keep2\n    type: rows_filter\n    input: parse\n    options:\n"
      "      column: throw\n");
  const auto diagnostics = validate_pipeline(spec, fake_registry());
  REQUIRE(diagnostics.size() == 3);
  CHECK(diagnostics[0].location.describe() == "p.yaml:6:13");
  CHECK(diagnostics[0].message == "option 'path': must not be 'bad'");
  CHECK(diagnostics[1].describe() == "p.yaml:10:5: the column is cursed");
  CHECK(diagnostics[2].describe() ==
        "p.yaml:15:5: node type 'rows_filter' failed to build node 'keep2': factory bug");
}

TEST_CASE("a dangling input is reported where it is written, with the known ids") {
  CHECK(problems("id: p\nnodes:\n  - id: read\n    type: bytes_source\n    options:\n"
                 "      path: x\n  - id: parse\n    type: csv_parse\n    input: raed\n") ==
        std::vector<std::string>{
            "p.yaml:9:12: node 'parse' reads from unknown node 'raed'; did you mean 'read'? "
            "Known nodes: read, parse"});
}

TEST_CASE("a cycle is reported once, with its path, at its first node") {
  CHECK(problems(R"(id: p
nodes:
  - id: a
    type: rows_filter
    input: c
  - id: b
    type: rows_filter
    input: a
  - id: c
    type: rows_merge
    inputs: [b]
)") == std::vector<std::string>{"p.yaml:3:5: cycle in the pipeline: a -> b -> c -> a"});

  // The shortest loop through the first node is named.
  CHECK(problems(R"(id: p
nodes:
  - id: a
    type: rows_filter
    input: c
  - id: b
    type: rows_filter
    input: a
  - id: c
    type: rows_merge
    inputs: [b, a]
)") == std::vector<std::string>{"p.yaml:3:5: cycle in the pipeline: a -> c -> a"});

  CHECK(problems("id: p\nnodes:\n  - id: self\n    type: rows_filter\n    input: self\n") ==
        std::vector<std::string>{"p.yaml:3:5: cycle in the pipeline: self -> self"});

  const PipelineSpec two = load(
      "id: p\nnodes:\n  - id: a\n    type: rows_filter\n    input: b\n"
      "  - id: b\n    type: rows_filter\n    input: a\n"
      "  - id: c\n    type: rows_filter\n    input: d\n"
      "  - id: d\n    type: rows_filter\n    input: c\n");
  std::vector<std::string> lines;
  for (const auto& d : validate_pipeline(two, fake_registry())) lines.push_back(d.describe());
  CHECK(lines == std::vector<std::string>{"p.yaml:3:5: cycle in the pipeline: a -> b -> a",
                                          "p.yaml:9:5: cycle in the pipeline: c -> d -> c"});
}

TEST_CASE("payload kinds must fit between connected nodes") {
  CHECK(problems("id: p\nnodes:\n  - id: read\n    type: bytes_source\n    options:\n"
                 "      path: x\n  - id: keep\n    type: rows_filter\n    input: read\n") ==
        std::vector<std::string>{
            "p.yaml:9:12: node 'keep' (rows_filter) expects rows on input 1, but 'read' "
            "(bytes_source) produces bytes"});

  CHECK(problems(R"(id: p
nodes:
  - id: read
    type: bytes_source
    options:
      path: x
  - id: parse
    type: csv_parse
    input: read
  - id: join
    type: lookup_join
    inputs: [parse, read]
  - id: merge
    type: rows_merge
    inputs: [parse, join, read]
)") == std::vector<std::string>{
           "p.yaml:12:21: node 'join' (lookup_join) expects rows or records on input 2, but "
           "'read' (bytes_source) produces bytes",
           "p.yaml:15:27: node 'merge' (rows_merge) expects rows on input 3, but 'read' "
           "(bytes_source) produces bytes"});
}

TEST_CASE("input counts follow the node's shape") {
  CHECK(problems(R"(id: p
nodes:
  - id: read
    type: bytes_source
    input: other
    options:
      path: x
  - id: other
    type: bytes_source
    options:
      path: y
  - id: parse
    type: csv_parse
  - id: keep
    type: rows_filter
    inputs: [parse, parse]
  - id: merge
    type: rows_merge
  - id: join
    type: lookup_join
    input: parse
)") == std::vector<std::string>{
           "p.yaml:5:12: node 'read' (bytes_source) is a source and takes no input, but has 1",
           "p.yaml:12:5: node 'parse' (csv_parse) needs 1 input, but has none",
           "p.yaml:16:21: node 'keep' (rows_filter) takes 1 input, but has 2",
           "p.yaml:17:5: node 'merge' (rows_merge) needs at least 1 input, but has none",
           "p.yaml:19:5: node 'join' (lookup_join) needs 2 inputs, but has 1"});
}

TEST_CASE("reading from a sink is an error") {
  CHECK(problems(R"(id: p
nodes:
  - id: read
    type: bytes_source
    options:
      path: x
  - id: write
    type: bytes_sink
    input: read
    options:
      path: out
  - id: more
    type: bytes_sink
    input: write
    options:
      path: out2
)") == std::vector<std::string>{
           "p.yaml:14:12: node 'more' reads from 'write' (bytes_sink), which is a sink and "
           "produces no output"});
}

TEST_CASE("duplicate node ids are reported at the second one") {
  CHECK(problems("id: p\nnodes:\n  - id: read\n    type: bytes_source\n    options:\n"
                 "      path: x\n  - id: read\n    type: bytes_source\n    options:\n"
                 "      path: y\n") ==
        std::vector<std::string>{
            "p.yaml:7:5: duplicate node id 'read'; it is first used at p.yaml:3:5"});
}

TEST_CASE("several problems are all reported at once, in file order") {
  const auto lines = problems(R"(id: p
nodes:
  - id: read
    type: bytes_source
    options:
      path: x
      chunk_size: lots
  - id: parse
    type: csv_prase
    input: read
  - id: keep
    type: rows_filter
    input: prase
  - id: write
    type: bytes_sink
    input: keep
    options:
      path: out
  - id: read
    type: bytes_source
    options:
      path: y
)");
  CHECK(lines == std::vector<std::string>{
                     "p.yaml:7:19: option 'chunk_size' must be a size (e.g. 1048576, 64KiB, "
                     "1MiB, 2GB), got 'lots'",
                     "p.yaml:9:11: unknown node type 'csv_prase' in node 'parse'; did you mean "
                     "'csv_parse'? Known types: bytes_sink, bytes_source, csv_parse, lookup_join, "
                     "rows_filter, rows_merge",
                     "p.yaml:13:12: node 'keep' reads from unknown node 'prase'; did you mean "
                     "'parse'? Known nodes: read, parse, keep, write",
                     "p.yaml:16:12: node 'write' (bytes_sink) expects bytes on input 1, but "
                     "'keep' (rows_filter) produces rows",
                     "p.yaml:19:5: duplicate node id 'read'; it is first used at p.yaml:3:5",
                 });
}

TEST_CASE("an unknown type does not cause follow-up kind or count errors") {
  CHECK(problems("id: p\nnodes:\n  - id: read\n    type: mystery\n  - id: keep\n"
                 "    type: rows_filter\n    input: read\n")
            .size() == 1);
}

TEST_CASE("pipeline-wide checks on specs built in code") {
  PipelineSpec spec;
  spec.file = "code.yaml";
  spec.settings.threads = 0;
  spec.settings.max_in_flight = 0;
  std::vector<std::string> lines;
  for (const auto& d : validate_pipeline(spec, fake_registry())) lines.push_back(d.describe());
  CHECK(lines == std::vector<std::string>{
                     "code.yaml: pipeline has no 'id'; add one at the top, e.g. 'id: my_pipeline'",
                     "code.yaml: setting 'threads' must be at least 1, got 0",
                     "code.yaml: setting 'max_in_flight' must be at least 1, got 0",
                     "code.yaml: pipeline has no nodes; add a 'nodes:' list"});

  PipelineSpec bad_ids;
  bad_ids.id = "has space";
  NodeSpec unnamed;
  unnamed.type = "csv_parse";
  NodeSpec odd;
  odd.id = "a/b";
  bad_ids.nodes = {unnamed, odd};
  lines.clear();
  for (const auto& d : validate_pipeline(bad_ids, fake_registry())) lines.push_back(d.describe());
  CHECK(lines == std::vector<std::string>{
                     "pipeline id 'has space' is invalid; use letters, digits, '_' and '-'",
                     "node 1 has no 'id'",
                     "node id 'a/b' is invalid; use letters, digits, '_' and '-'",
                     "node 'a/b' has no 'type'", "node 1 (csv_parse) needs 1 input, but has none"});
}

TEST_CASE("nodes are not handed out when there are problems") {
  const PipelineSpec spec = load("id: p\nnodes:\n  - id: read\n    type: bytes_source\n");
  std::vector<std::unique_ptr<Node>> built;
  CHECK(detail::validate_and_build(spec, fake_registry(), &built).size() == 1);
  CHECK(built.empty());
}

TEST_CASE("topological_order puts inputs first and keeps file order for ties") {
  const PipelineSpec spec = load(R"(id: p
nodes:
  - id: sink
    type: t
    inputs: [b, a]
  - id: b
    type: t
    input: a
  - id: c
    type: t
  - id: a
    type: t
)");
  const auto order = topological_order(spec);
  REQUIRE(order.has_value());
  CHECK(*order == std::vector<std::size_t>{2, 3, 1, 0});

  const PipelineSpec loop = load(
      "id: p\nnodes:\n  - id: a\n    type: t\n    input: b\n"
      "  - id: b\n    type: t\n    input: a\n");
  CHECK_FALSE(topological_order(loop).has_value());
}

TEST_CASE("did-you-mean helpers") {
  const std::vector<std::string> names = {"path", "chunk_size", "options"};
  CHECK(detail::closest_match("pth", names) == "path");
  CHECK(detail::closest_match("optoins", names) == "options");
  CHECK(detail::closest_match("PATH", names) == "path");
  CHECK_FALSE(detail::closest_match("x", names));
  CHECK_FALSE(detail::closest_match("colour", names));
  CHECK(detail::join_names({"a", "b", "c"}) == "a, b, c");
  CHECK(detail::is_valid_id("read-2_x"));
  CHECK_FALSE(detail::is_valid_id("a b"));
  CHECK_FALSE(detail::is_valid_id(""));
}
