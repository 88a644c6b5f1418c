#include "sluice/node_registry.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <string>

using namespace sluice;

namespace {

class Idle : public Node {
 public:
  NodeShape shape() const override { return NodeShape::source(PayloadKind::bytes); }
  std::vector<Step> steps() override { return {}; }
};

NodeType type_named(std::string key) {
  NodeType type;
  type.key = std::move(key);
  type.summary = "test type";
  type.make = [](const NodeOptions&) -> Result<std::unique_ptr<Node>> {
    return std::unique_ptr<Node>(std::make_unique<Idle>());
  };
  return type;
}

}  // namespace

TEST_CASE("add, find, keys and types") {
  NodeRegistry registry;
  CHECK(registry.add(type_named("zeta")).ok());
  CHECK(registry.add(type_named("alpha")).ok());
  CHECK(registry.add(type_named("mid_2")).ok());

  REQUIRE(registry.find("alpha") != nullptr);
  CHECK(registry.find("alpha")->summary == "test type");
  CHECK(registry.find("nope") == nullptr);
  CHECK(registry.keys() == std::vector<std::string>{"alpha", "mid_2", "zeta"});

  const auto types = registry.types();
  REQUIRE(types.size() == 3);
  CHECK(types[0]->key == "alpha");
  CHECK(types[2]->key == "zeta");

  const Result<std::unique_ptr<Node>> made =
      registry.find("zeta")->make(NodeOptions(Value(), {}, {}));
  REQUIRE(made.ok());
  CHECK(made.value()->shape().output == PayloadKind::bytes);
}

TEST_CASE("add rejects empty keys, keys that are not snake_case, missing factories, duplicates") {
  NodeRegistry registry;
  const Status empty = registry.add(type_named(""));
  CHECK(empty.code() == StatusCode::invalid_argument);
  CHECK(empty.message() == "node type key must not be empty");

  for (const char* key : {"FileRead", "file-read", "2files", "_x", "file read"}) {
    CAPTURE(key);
    const Status bad = registry.add(type_named(key));
    CHECK(bad.code() == StatusCode::invalid_argument);
    CHECK(bad.message() == "node type key '" + std::string(key) +
                               "' must be snake_case (lowercase letters, digits and '_', "
                               "starting with a letter)");
  }

  NodeType no_factory = type_named("x");
  no_factory.make = nullptr;
  CHECK(registry.add(no_factory).message() == "node type 'x' has no factory");

  CHECK(registry.add(type_named("x")).ok());
  const Status again = registry.add(type_named("x"));
  CHECK(again.code() == StatusCode::invalid_argument);
  CHECK(again.message() == "node type 'x' is already registered");
  CHECK(registry.keys() == std::vector<std::string>{"x"});
}

TEST_CASE("add rejects schema mistakes: bad names, repeats and defaults that do not parse") {
  NodeRegistry registry;

  NodeType bad_name = type_named("a");
  bad_name.options = {required_option("Path", OptionType::string, "")};
  CHECK(registry.add(bad_name).message() == "node type 'a': option name 'Path' must be snake_case");

  NodeType twice = type_named("b");
  twice.options = {required_option("path", OptionType::string, ""),
                   optional_option("path", OptionType::string, "")};
  CHECK(registry.add(twice).message() == "node type 'b': option 'path' is declared twice");

  NodeType bad_size = type_named("c");
  bad_size.options = {option_with_default("chunk", OptionType::size, "lots", "")};
  CHECK(registry.add(bad_size).message() ==
        "node type 'c': the default of option 'chunk' is not a valid size: option 'chunk' must "
        "be a size (e.g. 1048576, 64KiB, 1MiB, 2GB), got 'lots'");

  OptionSpec mode = option_with_default("mode", OptionType::string, "slow", "");
  mode.choices = {"fast"};
  NodeType bad_choice = type_named("d");
  bad_choice.options = {mode};
  CHECK_FALSE(registry.add(bad_choice).ok());

  NodeType bad_map = type_named("e");
  bad_map.options = {option_with_default("headers", OptionType::string_map, "{a: b}", "")};
  CHECK(registry.add(bad_map).message() ==
        "node type 'e': the default of option 'headers' is not a valid string_map");

  OptionSpec columns = optional_option("columns", OptionType::object_list, "");
  columns.fields = {option_with_default("width", OptionType::integer, "wide", "")};
  NodeType bad_field = type_named("f");
  bad_field.options = {columns};
  CHECK(registry.add(bad_field).message().rfind(
            "node type 'f', option 'columns': the default of option 'width' is not a valid "
            "integer",
            0) == 0);

  NodeType good = type_named("g");
  good.options = {option_with_default("chunk", OptionType::size, "64KiB", ""),
                  option_with_default("tags", OptionType::string_list, "[a, b]", ""),
                  option_with_default("headers", OptionType::string_map, "{}", "")};
  CHECK(registry.add(good).ok());
  CHECK(registry.keys() == std::vector<std::string>{"g"});
}

TEST_CASE("builtin_registry holds what register_builtin_nodes adds") {
  // Only checks that it can be called; the built-in set is tested with the nodes library.
  const NodeRegistry registry = builtin_registry();
  for (const auto& key : registry.keys()) CHECK(registry.find(key) != nullptr);
}
