#include <doctest/doctest.h>

#include "support/string_lists.hpp"
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "sluice/pipeline_spec.hpp"
#include "spec/pipeline_loader_detail.hpp"

using namespace sluice;

namespace {

/// The diagnostics of loading `text` as "p.yaml", one describe() line each.
std::vector<std::string> problems(const std::string& text, const LoadOptions& options = {}) {
  std::vector<Diagnostic> diagnostics;
  const Result<PipelineSpec> result = detail::load_pipeline(text, "p.yaml", options, diagnostics);
  CHECK(result.ok() == diagnostics.empty());
  std::vector<std::string> lines;
  for (const auto& diagnostic : diagnostics) lines.push_back(diagnostic.describe());
  return lines;
}

PipelineSpec load(const std::string& text, const LoadOptions& options = {}) {
  Result<PipelineSpec> result = load_pipeline_text(text, "p.yaml", options);
  INFO(result.status().message());
  REQUIRE(result.ok());
  return std::move(result).value();
}

const char* const kExample = R"(id: utterance_ner_local
description: Enrich utterances with entities
settings:
  threads: 2
  max_in_flight: 8
nodes:
  - id: read
    type: file_read
    options:
      path: ${input}
      chunk_size: 1MiB
  - id: parse
    type: csv_parse
    input: read
  - id: ner
    type: ner_extract
    inputs: [parse, read]
  - id: write
    type: file_write
    input:
      - ner
)";

}  // namespace

TEST_CASE("a complete pipeline loads with ids, settings, inputs and option locations") {
  const PipelineSpec spec = load(kExample, LoadOptions{{{"input", "in.csv"}}, false});
  CHECK(spec.id == "utterance_ner_local");
  CHECK(spec.description == "Enrich utterances with entities");
  CHECK(spec.file == "p.yaml");
  CHECK(spec.settings.threads == 2);
  CHECK(spec.settings.max_in_flight == std::size_t{8});
  CHECK(spec.settings.location.describe() == "p.yaml:3:1");
  REQUIRE(spec.nodes.size() == 4);

  const NodeSpec& read = spec.nodes[0];
  CHECK(read.id == "read");
  CHECK(read.type == "file_read");
  CHECK(read.location.describe() == "p.yaml:7:5");
  CHECK(read.type_location.describe() == "p.yaml:8:11");
  CHECK(read.inputs.empty());
  REQUIRE(read.options.is_map());
  CHECK(read.options.location().describe() == "p.yaml:10:7");
  CHECK(read.options.find("path")->text() == "in.csv");
  CHECK(read.options.find("path")->location().describe() == "p.yaml:10:13");
  CHECK(read.options.find("chunk_size")->text() == "1MiB");

  const NodeSpec& parse = spec.nodes[1];
  REQUIRE(parse.inputs.size() == 1);
  CHECK(parse.inputs[0].node == "read");
  CHECK(parse.inputs[0].location.describe() == "p.yaml:14:12");
  CHECK(parse.options.is_null());
  CHECK(parse.options.location().describe() == "p.yaml:12:5");  // no options: the node

  const NodeSpec& ner = spec.nodes[2];  // `inputs` is an alias of `input`
  REQUIRE(ner.inputs.size() == 2);
  CHECK(ner.inputs[0].node == "parse");
  CHECK(ner.inputs[1].node == "read");
  CHECK(ner.inputs[1].location.describe() == "p.yaml:17:21");

  const NodeSpec& write = spec.nodes[3];
  REQUIRE(write.inputs.size() == 1);
  CHECK(write.inputs[0].location.describe() == "p.yaml:21:9");

  REQUIRE(spec.find_node("ner") != nullptr);
  CHECK(spec.find_node("ner")->type == "ner_extract");
  CHECK(spec.find_node("nope") == nullptr);
}

TEST_CASE("an unknown key in a node entry suggests the right one") {
  CHECK(
      problems("id: p\nnodes:\n  - id: read\n    type: file_read\n    optoins:\n      path: x\n") ==
      std::vector<std::string>{"p.yaml:5:5: unknown key 'optoins' in node 'read'; did you "
                               "mean 'options'? Keys: id, type, input, inputs, options"});
}

TEST_CASE("unknown keys at the top level and in settings") {
  CHECK(problems("id: p\nnodse: []\nsettings:\n  thread: 2\n") ==
        std::vector<std::string>{
            "p.yaml:2:1: unknown key 'nodse' at the top level; did you mean 'nodes'? Keys: id, "
            "description, settings, nodes",
            "p.yaml:4:3: unknown key 'thread' in 'settings'; did you mean 'threads'? Keys: "
            "threads, max_in_flight"});
}

TEST_CASE("a YAML syntax error is a diagnostic with its line and column") {
  CHECK(problems("id: p\nnodes:\n  - id: a\n    type: [b\n  - id: c\n") ==
        std::vector<std::string>{"p.yaml:5:7: YAML syntax error: end of sequence flow not found"});
  CHECK(problems("id: p\nnodes:\n  - id: a\n   type: b\n") ==
        std::vector<std::string>{"p.yaml:4:4: YAML syntax error: end of sequence not found"});
}

TEST_CASE("an unset variable is reported at the scalar that uses it") {
  unsetenv("SLUICE_LOADER_TEST_INPUT");
  CHECK(problems("id: p\nnodes:\n  - id: read\n    type: file_read\n    options:\n"
                 "      path: data/${SLUICE_LOADER_TEST_INPUT}.csv\n") ==
        std::vector<std::string>{
            "p.yaml:6:13: variable 'SLUICE_LOADER_TEST_INPUT' is not set; set it in the "
            "environment or with --set SLUICE_LOADER_TEST_INPUT=..."});
}

TEST_CASE("--set overrides the environment, ${VAR:-default} and $$ work in the file") {
  setenv("SLUICE_LOADER_TEST_DIR", "/from/env", 1);
  const std::string text =
      "id: p\nnodes:\n  - id: read\n    type: file_read\n    options:\n"
      "      path: ${SLUICE_LOADER_TEST_DIR}/in.csv\n"
      "      env: ${SLUICE_LOADER_TEST_DIR}\n"
      "      mode: ${SLUICE_LOADER_TEST_MODE:-fast}\n"
      "      price: $$5\n";
  const PipelineSpec from_env = load(text);
  CHECK(from_env.nodes[0].options.find("path")->text() == "/from/env/in.csv");

  const PipelineSpec from_set =
      load(text, LoadOptions{{{"SLUICE_LOADER_TEST_DIR", "/from/set"}}, true});
  const Value& options = from_set.nodes[0].options;
  CHECK(options.find("path")->text() == "/from/set/in.csv");
  CHECK(options.find("env")->text() == "/from/set");
  CHECK(options.find("mode")->text() == "fast");
  CHECK(options.find("price")->text() == "$5");
  unsetenv("SLUICE_LOADER_TEST_DIR");
}

TEST_CASE("references work inside YAML flow maps and lists, where braces are special") {
  const LoadOptions options{{{"rows", "500"}, {"dir", "/d"}}, false};
  const PipelineSpec spec = load(
      "id: p\nnodes:\n  - id: a\n    type: t\n"
      "    options: { rows: ${rows}, size: ${size:-${rows}}, list: [${dir}/x, \"${dir}\"] }\n",
      options);
  const Value& values = spec.nodes[0].options;
  CHECK(values.find("rows")->text() == "500");
  CHECK(values.find("rows")->location().describe() == "p.yaml:5:22");
  CHECK(values.find("size")->text() == "500");
  CHECK(values.find("list")->items()[0].text() == "/d/x");
  CHECK(values.find("list")->items()[1].text() == "/d");

  // Problems keep their exact columns.
  CHECK(problems("id: p\nnodes:\n  - id: a\n    type: t\n    options: { a: ${nope}, b: 1 }\n",
                 LoadOptions{{}, false}) ==
        std::vector<std::string>{
            "p.yaml:5:19: variable 'nope' is not set; set it with --set nope=..."});

  // Characters used for masking elsewhere in the file do not get in the way.
  const PipelineSpec busy = load(
      "id: p\nnodes:\n  - id: a\n    type: t\n    options:\n      s: \"^~`@| {x}\"\n"
      "      path: ${dir}/in\n",
      options);
  CHECK(busy.nodes[0].options.find("s")->text() == "^~`@| {x}");
  CHECK(busy.nodes[0].options.find("path")->text() == "/d/in");
}

TEST_CASE("variables are expanded in ids, types and inputs too") {
  const PipelineSpec spec = load(
      "id: ${name}\nnodes:\n  - id: ${node}\n    type: ${type}\n  - id: b\n    type: t\n"
      "    input: ${node}\n",
      LoadOptions{{{"name", "p1"}, {"node", "a"}, {"type", "file_read"}}, false});
  CHECK(spec.id == "p1");
  CHECK(spec.nodes[0].id == "a");
  CHECK(spec.nodes[0].type == "file_read");
  CHECK(spec.nodes[1].inputs[0].node == "a");
}

TEST_CASE("a !secret value is marked secret and never shown") {
  const PipelineSpec spec = load(
      "id: p\nnodes:\n  - id: call\n    type: http\n    options:\n"
      "      token: !secret abc123\n      auth: !secret\n        user: u\n");
  const Value& options = spec.nodes[0].options;
  CHECK(options.find("token")->secret());
  CHECK(options.find("token")->text() == "abc123");
  CHECK(options.find("token")->display() == "***");
  CHECK(options.find("auth")->find("user")->secret());
}

TEST_CASE("unknown tags are reported") {
  CHECK(problems("id: p\nnodes:\n  - id: a\n    type: t\n    options:\n      x: !weird 1\n") ==
        std::vector<std::string>{
            "p.yaml:6:10: unknown tag '!weird'; the only tag sluice knows is !secret"});
}

TEST_CASE("every loading problem is reported at once, in file order") {
  unsetenv("SLUICE_LOADER_TEST_INPUT");
  const std::string text = R"(id: p
descriptoin: Enrich
settings:
  threads: many
nodes:
  - id: read
    type: file_read
    optoins: {}
  - id: parse
    type: csv_parse
    input: read
    inputs: [read]
    options:
      path: ${SLUICE_LOADER_TEST_INPUT}
  - just a string
)";
  CHECK(problems(text) ==
        std::vector<std::string>{
            "p.yaml:2:1: unknown key 'descriptoin' at the top level; did you mean "
            "'description'? Keys: id, description, settings, nodes",
            "p.yaml:4:12: setting 'threads' must be a whole number of at least 1, got 'many'",
            "p.yaml:8:5: unknown key 'optoins' in node 'read'; did you mean 'options'? Keys: id, "
            "type, input, inputs, options",
            "p.yaml:12:5: node 'parse' has both 'input' and 'inputs'; list every input under one "
            "of them",
            "p.yaml:14:13: variable 'SLUICE_LOADER_TEST_INPUT' is not set; set it in the "
            "environment or with --set SLUICE_LOADER_TEST_INPUT=...",
            "p.yaml:15:5: each entry of 'nodes' must be a map with 'id' and 'type', got 'just a "
            "string'",
        });

  // The public function returns the same lines, joined, as an invalid_argument Status.
  const Result<PipelineSpec> result = load_pipeline_text(text, "p.yaml");
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == StatusCode::invalid_argument);
  std::string joined;
  for (const auto& line : problems(text)) joined += (joined.empty() ? "" : "\n") + line;
  CHECK(result.status().message() == joined);
}

TEST_CASE("structural mistakes: wrong shapes, duplicates, extra documents, empty files") {
  CHECK(problems("") ==
        std::vector<std::string>{"p.yaml: the pipeline file is empty; it needs a map with 'id' and "
                                 "'nodes'"});
  CHECK(problems("- a\n") ==
        std::vector<std::string>{"p.yaml:1:1: the pipeline file must be a map with 'id' and "
                                 "'nodes', got a list"});
  CHECK(problems("id: x\nid: y\nnodes: 3\n---\nid: z\n") ==
        std::vector<std::string>{
            "p.yaml:2:1: duplicate key 'id'",
            "p.yaml:3:8: 'nodes' must be a list of nodes, got '3'",
            "p.yaml:4:1: a pipeline file holds one YAML document; remove this second one"});
  CHECK(problems("id: [x]\nsettings: 4\nnodes:\n  - id: a\n    type: t\n    input: {a: b}\n") ==
        std::vector<std::string>{
            "p.yaml:1:5: 'id' must be text, got a list",
            "p.yaml:2:11: 'settings' must be a map, got '4'",
            "p.yaml:6:12: the input of node 'a' must be a node id or a list of node ids, got a "
            "map"});
  CHECK(problems("id: p\nsettings:\n  max_in_flight: -1\nnodes: []\n") ==
        std::vector<std::string>{
            "p.yaml:3:18: setting 'max_in_flight' must be a whole number of at least 1, got "
            "'-1'"});
}

TEST_CASE("YAML the parser cannot place is a syntax error, not a hang") {
  // yaml-cpp 0.7's LoadAll never returns on these (found by fuzzing); see yaml_documents.hpp.
  CHECK(problems(",") == std::vector<std::string>{"p.yaml:1:1: YAML syntax error: unexpected ','"});
  CHECK(problems("\n  ,\n") ==
        std::vector<std::string>{"p.yaml:2:3: YAML syntax error: unexpected ','"});
  // After a first document, the stuck second one is only the second document.
  CHECK(problems("id: x\nnodes: []\n---\n,\n") ==
        std::vector<std::string>{
            "p.yaml:3:1: a pipeline file holds one YAML document; remove this second one"});
}

TEST_CASE("nodes without ids are named by their position, missing parts are left to validation") {
  const PipelineSpec spec = load("nodes:\n  - type: t\n  - id: b\n");
  CHECK(spec.id.empty());
  REQUIRE(spec.nodes.size() == 2);
  CHECK(spec.nodes[0].id.empty());
  CHECK(spec.nodes[1].type.empty());
  CHECK(problems("nodes:\n  - type: t\n    typo: 1\n") ==
        std::vector<std::string>{"p.yaml:3:5: unknown key 'typo' in node 1; did you mean "
                                 "'type'? Keys: id, type, input, inputs, options"});
}

TEST_CASE("load_pipeline_file: a missing file is not_found, a real one loads with its path") {
  const Result<PipelineSpec> missing = load_pipeline_file("/nonexistent/sluice/p.yaml");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == StatusCode::not_found);
  CHECK(missing.status().message() == "pipeline file '/nonexistent/sluice/p.yaml' does not exist");

  const std::filesystem::path path = std::filesystem::temp_directory_path() /
                                     ("sluice_loader_test_" + std::to_string(getpid()) + ".yaml");
  {
    std::ofstream out(path);
    out << "id: p\nnodes:\n  - id: a\n    type: t\n    optoins: {}\n";
  }
  const Result<PipelineSpec> loaded = load_pipeline_file(path.string());
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.status().message() ==
        path.string() +
            ":5:5: unknown key 'optoins' in node 'a'; did you mean 'options'? Keys: "
            "id, type, input, inputs, options");
  std::filesystem::remove(path);

  const Result<PipelineSpec> directory =
      load_pipeline_file(std::filesystem::temp_directory_path().string());
  CHECK(directory.status().code() == StatusCode::io_error);
}
