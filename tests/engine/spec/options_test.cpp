#include "sluice/options.hpp"

#include <doctest/doctest.h>

#include "support/string_lists.hpp"

#include <stdexcept>
#include <string>
#include <vector>

using namespace sluice;

namespace {

const std::string kFile = "p.yaml";

/// A scalar written at line `line`, column 13.
Value at_line(std::string text, int line) {
  return Value::scalar(std::move(text), {kFile, line, 13});
}

std::vector<OptionSpec> read_schema() {
  OptionSpec mode = option_with_default("mode", OptionType::string, "fast", "How to read");
  mode.choices = {"fast", "safe", "paranoid"};
  OptionSpec token = optional_option("token", OptionType::string, "API token");
  token.secret = true;
  OptionSpec columns = optional_option("columns", OptionType::object_list, "Columns to add");
  columns.fields = {required_option("name", OptionType::string, "Column name"),
                    option_with_default("width", OptionType::integer, "10", "Width")};
  return {
      required_option("path", OptionType::string, "File to read"),
      option_with_default("chunk_size", OptionType::size, "64KiB", "Bytes per batch"),
      mode,
      token,
      option_with_default("timeout", OptionType::duration, "30s", "Give up after"),
      option_with_default("strict", OptionType::boolean, "no", "Fail on bad rows"),
      option_with_default("ratio", OptionType::number, "0.5", "Sampling ratio"),
      option_with_default("retries", OptionType::integer, "3", "Attempts"),
      option_with_default("tags", OptionType::string_list, "[a, b]", "Tags"),
      optional_option("headers", OptionType::string_map, "HTTP headers"),
      columns,
  };
}

std::vector<std::string> check(const Value& options,
                               const std::vector<OptionSpec>& schema = read_schema()) {
  std::vector<Diagnostic> problems;
  check_options(options, schema, problems);
  std::vector<std::string> lines;
  for (const auto& problem : problems) lines.push_back(problem.describe());
  return lines;
}

}  // namespace

TEST_CASE("option_type_name names every type") {
  CHECK(std::string(option_type_name(OptionType::string)) == "string");
  CHECK(std::string(option_type_name(OptionType::integer)) == "integer");
  CHECK(std::string(option_type_name(OptionType::number)) == "number");
  CHECK(std::string(option_type_name(OptionType::boolean)) == "boolean");
  CHECK(std::string(option_type_name(OptionType::size)) == "size");
  CHECK(std::string(option_type_name(OptionType::duration)) == "duration");
  CHECK(std::string(option_type_name(OptionType::string_list)) == "string_list");
  CHECK(std::string(option_type_name(OptionType::object_list)) == "object_list");
  CHECK(std::string(option_type_name(OptionType::string_map)) == "string_map");
}

TEST_CASE("option builders set required, optional and default") {
  const OptionSpec required = required_option("path", OptionType::string, "help");
  CHECK(required.required());
  CHECK(required.help == "help");
  const OptionSpec optional = optional_option("path", OptionType::string, "help");
  CHECK_FALSE(optional.required());
  const OptionSpec defaulted = option_with_default("n", OptionType::integer, "3", "help");
  CHECK_FALSE(defaulted.required());
  CHECK(defaulted.fallback == "3");
}

TEST_CASE("parse_size: plain bytes, binary and decimal units, any case") {
  CHECK(parse_size("1048576") == 1048576u);
  CHECK(parse_size("0") == 0u);
  CHECK(parse_size("12B") == 12u);
  CHECK(parse_size("64KiB") == 64u * 1024);
  CHECK(parse_size("64kib") == 64u * 1024);
  CHECK(parse_size("64KB") == 64000u);
  CHECK(parse_size("64 kb") == 64000u);
  CHECK(parse_size("1MiB") == 1048576u);
  CHECK(parse_size("2MB") == 2000000u);
  CHECK(parse_size("2GiB") == 2ULL << 30);
  CHECK(parse_size("2GB") == 2000000000ULL);
  CHECK(parse_size("1TiB") == 1ULL << 40);
  CHECK(parse_size("1.5KiB") == 1536u);
  CHECK(parse_size("0.5MB") == 500000u);
  CHECK(parse_size(" 8KiB ") == 8192u);

  CHECK_FALSE(parse_size(""));
  CHECK_FALSE(parse_size("KiB"));
  CHECK_FALSE(parse_size("-1"));
  CHECK_FALSE(parse_size("64K"));
  CHECK_FALSE(parse_size("64 apples"));
  CHECK_FALSE(parse_size("1.5"));  // not a whole number of bytes
  CHECK_FALSE(parse_size("1.KiB"));
  CHECK_FALSE(parse_size("1.2.3KiB"));
  CHECK_FALSE(parse_size("99999999999TiB"));  // overflows 64 bits
}

TEST_CASE("parse_duration_seconds: ms, s, m, h and bare seconds") {
  CHECK(parse_duration_seconds("500ms") == doctest::Approx(0.5));
  CHECK(parse_duration_seconds("5s") == doctest::Approx(5));
  CHECK(parse_duration_seconds("2m") == doctest::Approx(120));
  CHECK(parse_duration_seconds("1h") == doctest::Approx(3600));
  CHECK(parse_duration_seconds("1.5h") == doctest::Approx(5400));
  CHECK(parse_duration_seconds("7") == doctest::Approx(7));
  CHECK(parse_duration_seconds("0.25") == doctest::Approx(0.25));
  CHECK(parse_duration_seconds("10 S") == doctest::Approx(10));

  CHECK_FALSE(parse_duration_seconds(""));
  CHECK_FALSE(parse_duration_seconds("s"));
  CHECK_FALSE(parse_duration_seconds("-5s"));
  CHECK_FALSE(parse_duration_seconds("5d"));
  CHECK_FALSE(parse_duration_seconds("five seconds"));
}

TEST_CASE("parse_bool: true/false, yes/no, on/off in any case") {
  for (const char* word : {"true", "TRUE", "yes", "Yes", "on", "ON"}) {
    CHECK(parse_bool(word) == true);
  }
  for (const char* word : {"false", "False", "no", "NO", "off", "Off"}) {
    CHECK(parse_bool(word) == false);
  }
  CHECK_FALSE(parse_bool("1"));
  CHECK_FALSE(parse_bool(""));
  CHECK_FALSE(parse_bool("maybe"));
}

TEST_CASE("check_options accepts good options and null as 'none given'") {
  const Value good = Value::map({{"path", at_line("in.csv", 3)},
                                 {"chunk_size", at_line("1MiB", 4)},
                                 {"mode", at_line("safe", 5)},
                                 {"strict", at_line("on", 6)},
                                 {"tags", at_line("one", 7)},
                                 {"headers", Value::map({{"Accept", at_line("text/csv", 8)}})}});
  CHECK(check(good).empty());
  const std::vector<OptionSpec> nothing_required = {optional_option("x", OptionType::string, "")};
  CHECK(check(Value(), nothing_required).empty());
}

TEST_CASE("check_options: unknown option with a suggestion and the list of options") {
  const Value options = Value::map({{"path", at_line("in.csv", 3)}, {"pth", at_line("x", 4)}});
  const std::vector<OptionSpec> schema = {
      required_option("path", OptionType::string, "File to read"),
      option_with_default("chunk_size", OptionType::size, "64KiB", "Bytes per batch")};
  CHECK(check(options, schema) ==
        std::vector<std::string>{"p.yaml:4:13: unknown option 'pth' for this node; did you "
                                 "mean 'path'? Options: path, chunk_size"});

  const Value far = Value::map({{"path", at_line("in.csv", 3)}, {"colour", at_line("x", 4)}});
  CHECK(check(far, schema) ==
        std::vector<std::string>{
            "p.yaml:4:13: unknown option 'colour' for this node. Options: path, chunk_size"});
}

TEST_CASE("check_options: missing required option at the options' location, with help") {
  const Value options = Value::map({}, {kFile, 5, 7});
  CHECK(check(options) ==
        std::vector<std::string>{"p.yaml:5:7: missing required option 'path' (string): File to "
                                 "read"});
  // With no options at all, the location of the (null) value is used.
  Value none;
  none.set_location({kFile, 2, 5});
  CHECK(check(none) == std::vector<std::string>{
                           "p.yaml:2:5: missing required option 'path' (string): File to read"});
}

TEST_CASE("check_options: wrong types show the expected type and the value") {
  const Value options = Value::map({{"path", Value::list({at_line("a", 3)}, {kFile, 3, 13})},
                                    {"chunk_size", at_line("lots", 4)},
                                    {"timeout", at_line("soon", 5)},
                                    {"strict", at_line("maybe", 6)},
                                    {"ratio", at_line("half", 7)},
                                    {"retries", at_line("2.5", 8)},
                                    {"columns", at_line("name", 9)},
                                    {"headers", at_line("Accept", 10)}});
  CHECK(check(options) ==
        std::vector<std::string>{
            "p.yaml:3:13: option 'path' must be a string, got [list]",
            "p.yaml:4:13: option 'chunk_size' must be a size (e.g. 1048576, 64KiB, 1MiB, 2GB), "
            "got 'lots'",
            "p.yaml:5:13: option 'timeout' must be a duration (e.g. 500ms, 5s, 2m, 1h), got "
            "'soon'",
            "p.yaml:6:13: option 'strict' must be a boolean (true/false, yes/no, on/off), got "
            "'maybe'",
            "p.yaml:7:13: option 'ratio' must be a number, got 'half'",
            "p.yaml:8:13: option 'retries' must be an integer, got '2.5'",
            "p.yaml:9:13: option 'columns' must be a list of maps, got 'name'",
            "p.yaml:10:13: option 'headers' must be a map of names to strings, got 'Accept'",
        });
}

TEST_CASE("check_options: a value outside `choices` lists the choices") {
  const Value options = Value::map({{"path", at_line("x", 3)}, {"mode", at_line("saf", 4)}});
  CHECK(check(options) ==
        std::vector<std::string>{"p.yaml:4:13: option 'mode' has an invalid value 'saf'; did you "
                                 "mean 'safe'? Choices: fast, safe, paranoid"});
  const Value far = Value::map({{"path", at_line("x", 3)}, {"mode", at_line("quick", 4)}});
  CHECK(check(far) == std::vector<std::string>{"p.yaml:4:13: option 'mode' has an invalid value "
                                               "'quick'. Choices: fast, safe, paranoid"});
}

TEST_CASE("check_options never shows secret values") {
  // `token` is declared secret: a wrong type must not print it.
  const Value by_schema = Value::map(
      {{"path", at_line("x", 3)}, {"token", Value::list({at_line("s3cr3t", 4)}, {kFile, 4, 13})}});
  CHECK(check(by_schema) ==
        std::vector<std::string>{"p.yaml:4:13: option 'token' must be a string, got ***"});

  // A value tagged secret in the file (Value::mark_secret) is hidden for any option.
  Value tagged = at_line("s3cr3t-size", 4);
  tagged.mark_secret();
  const Value by_tag = Value::map({{"path", at_line("x", 3)}, {"chunk_size", tagged}});
  const auto lines = check(by_tag);
  CHECK(lines == std::vector<std::string>{
                     "p.yaml:4:13: option 'chunk_size' must be a size (e.g. 1048576, 64KiB, "
                     "1MiB, 2GB), got ***"});
  for (const auto& line : lines) CHECK(line.find("s3cr3t") == std::string::npos);

  OptionSpec key = required_option("key", OptionType::string, "");
  key.secret = true;
  key.choices = {"alpha", "beta"};
  const auto choice = check(Value::map({{"key", at_line("alpah", 3)}}), {key});
  CHECK(choice == std::vector<std::string>{
                      "p.yaml:3:13: option 'key' has an invalid value ***. Choices: alpha, beta"});
}

TEST_CASE("check_options checks object_list items against their fields") {
  const Value columns = Value::list(
      {Value::map({{"name", at_line("a", 4)}, {"width", at_line("wide", 5)}}, {kFile, 4, 9}),
       Value::map({{"nmae", at_line("b", 6)}}, {kFile, 6, 9}), at_line("c", 7)},
      {kFile, 4, 7});
  const Value options = Value::map({{"path", at_line("x", 3)}, {"columns", columns}});
  CHECK(check(options) ==
        std::vector<std::string>{
            "p.yaml:5:13: field 'width' in item 1 of option 'columns' must be an integer, got "
            "'wide'",
            "p.yaml:6:13: unknown field 'nmae' in item 2 of option 'columns'; did you mean "
            "'name'? Fields: name, width",
            "p.yaml:6:9: missing required field 'name' (string) in item 2 of option 'columns': "
            "Column name",
            "p.yaml:7:13: item 3 of option 'columns' must be a map, got 'c'",
        });
}

TEST_CASE("check_options: string_map values must be scalars, string_list items too") {
  const Value options = Value::map(
      {{"path", at_line("x", 3)},
       {"headers", Value::map({{"Accept", Value::list({}, {kFile, 5, 15})}}, {kFile, 5, 7})},
       {"tags", Value::list({at_line("ok", 6), Value::map({}, {kFile, 7, 9})}, {kFile, 6, 7})}});
  CHECK(check(options) ==
        std::vector<std::string>{
            "p.yaml:5:15: value of 'Accept' in option 'headers' must be a string, got [list]",
            "p.yaml:7:9: item 2 of option 'tags' must be a string, got {map}",
        });
}

TEST_CASE("check_options: options that are not a map, and repeated options") {
  CHECK(check(at_line("oops", 3)) ==
        std::vector<std::string>{
            "p.yaml:3:13: 'options' must be a map of option names to values, got 'oops'"});
  const Value twice = Value::map({{"path", at_line("a", 3)}, {"path", at_line("b", 4)}});
  CHECK(check(twice) == std::vector<std::string>{"p.yaml:4:13: option 'path' is given more "
                                                 "than once"});
}

TEST_CASE("NodeOptions: typed getters with defaults applied") {
  const Value given =
      Value::map({{"path", at_line("in.csv", 3)},
                  {"chunk_size", at_line("1MiB", 4)},
                  {"strict", at_line("yes", 5)},
                  {"headers", Value::map({{"A", at_line("1", 6)}})},
                  {"columns", Value::list({Value::map({{"name", at_line("c", 7)}})})}});
  const NodeOptions options(given, read_schema(), {kFile, 2, 5});

  CHECK(options.get_string("path") == "in.csv");
  CHECK(options.has("path"));
  CHECK(options.get_size("chunk_size") == 1048576u);
  CHECK(options.get_bool("strict"));
  CHECK(options.get_string("mode") == "fast");
  CHECK_FALSE(options.has("mode"));
  CHECK(options.get_duration_seconds("timeout") == doctest::Approx(30));
  CHECK(options.get_number("ratio") == doctest::Approx(0.5));
  CHECK(options.get_integer("retries") == 3);
  CHECK(options.get_string_list("tags") == std::vector<std::string>{"a", "b"});
  CHECK(options.get_string_map("headers") ==
        std::vector<std::pair<std::string, std::string>>{{"A", "1"}});
  REQUIRE(options.get_objects("columns").size() == 1);
  CHECK(options.get_objects("columns")[0].find("name")->text() == "c");
  CHECK(options.get_objects("columns")[0].find("width")->text() == "10");  // field default

  // Optional without default: absent, null, and empty typed values.
  CHECK_FALSE(options.has("token"));
  CHECK(options.get("token").is_null());
  CHECK(options.get_string("token").empty());
}

TEST_CASE("NodeOptions: single string as a one-item list, secrets marked") {
  const Value given = Value::map(
      {{"path", at_line("x", 3)}, {"tags", at_line("solo", 4)}, {"token", at_line("s3cr3t", 5)}});
  const NodeOptions options(given, read_schema(), {kFile, 2, 5});
  CHECK(options.get_string_list("tags") == std::vector<std::string>{"solo"});
  CHECK(options.get("token").secret());
  CHECK(options.get("token").display() == "***");
  CHECK(options.get_string("token") == "s3cr3t");
}

TEST_CASE("NodeOptions: names outside the schema are a programming error") {
  const NodeOptions options(Value(), read_schema(), {kFile, 2, 5});
  CHECK_THROWS_AS(options.get_string("nope"), std::logic_error);
  CHECK_THROWS_AS(options.has("nope"), std::logic_error);
  CHECK_THROWS_AS(options.error("nope", "x"), std::logic_error);
}

TEST_CASE("NodeOptions: location_of and error point at the option or the node") {
  const NodeOptions options(Value::map({{"path", at_line("x", 3)}}), read_schema(), {kFile, 2, 5});
  CHECK(options.location_of("path").describe() == "p.yaml:3:13");
  CHECK(options.location_of("mode").describe() == "p.yaml:2:5");
  const Status status = options.error("path", "must not be a directory");
  CHECK(status.code() == StatusCode::invalid_argument);
  CHECK(status.message() == "p.yaml:3:13: option 'path': must not be a directory");

  const NodeOptions nowhere(Value(), read_schema(), {});
  CHECK(nowhere.error("mode", "bad").message() == "option 'mode': bad");
}

TEST_CASE("NodeOptions: unchecked bad values throw instead of returning garbage") {
  const NodeOptions options(Value::map({{"chunk_size", at_line("lots", 3)}}), read_schema(),
                            {kFile, 2, 5});
  CHECK_THROWS_AS(options.get_size("chunk_size"), std::logic_error);
}
