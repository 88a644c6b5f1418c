#include <doctest/doctest.h>

#include "support/json_framer.hpp"

using namespace sluice;
using namespace sluice::nodes;

namespace {

/// Frames `text` fed in pieces of `piece` bytes.
std::vector<RawJsonValue> frame(JsonLayout layout, const std::string& text, std::size_t piece) {
  JsonFramer framer(layout);
  std::vector<RawJsonValue> out;
  for (std::size_t i = 0; i < text.size(); i += piece) {
    framer.feed(std::string_view(text).substr(i, piece), out);
  }
  framer.finish(out);
  return out;
}

std::vector<std::string> texts(const std::vector<RawJsonValue>& values) {
  std::vector<std::string> out;
  for (const auto& value : values) out.push_back(value.text);
  return out;
}

}  // namespace

TEST_CASE("JSON Lines: one value per line, blank lines and CR ignored, last line unterminated") {
  const std::string text = "{\"a\":1}\r\n\n  {\"b\":\"x\\ny\"}\n[1,2]";
  for (std::size_t piece = 1; piece <= text.size(); ++piece) {
    CAPTURE(piece);
    const auto values = frame(JsonLayout::lines, text, piece);
    CHECK(texts(values) == std::vector<std::string>{"{\"a\":1}", "{\"b\":\"x\\ny\"}", "[1,2]"});
    REQUIRE(values.size() == 3);
    CHECK(values[0].index == 1);
    CHECK(values[1].line == 3);
    CHECK(values[2].index == 3);
  }
}

TEST_CASE("JSON array: elements framed across any chunking, strings with brackets and escapes") {
  const std::string text =
      "\xEF\xBB\xBF [\n  {\"t\": \"a, ] } [ \\\" x\", \"n\": [1, {\"k\": 2}]},\n  \"s\",\n  3 ,"
      " null,\n  {\"e\": {}}\n]\n";
  for (std::size_t piece = 1; piece <= text.size(); ++piece) {
    CAPTURE(piece);
    const auto values = frame(JsonLayout::detect, text, piece);
    CHECK(texts(values) == std::vector<std::string>{
                               "{\"t\": \"a, ] } [ \\\" x\", \"n\": [1, {\"k\": 2}]}", "\"s\"", "3",
                               "null", "{\"e\": {}}"});
  }
}

TEST_CASE("JSON array: empty array and empty input give no values") {
  CHECK(frame(JsonLayout::array, "[]", 1).empty());
  CHECK(frame(JsonLayout::array, " [ \n ] \n", 2).empty());
  CHECK(frame(JsonLayout::detect, "", 1).empty());
  CHECK(frame(JsonLayout::lines, "\n\n", 1).empty());
}

TEST_CASE("JSON array: structural problems name the line") {
  CHECK_THROWS_WITH(frame(JsonLayout::array, "{\"a\":1}", 4), "line 1: expected a JSON array ('['), found '{'");
  CHECK_THROWS_WITH(frame(JsonLayout::array, "[1,\n2]\nx", 4), "line 3: unexpected 'x' after the end of the array");
  CHECK_THROWS_WITH(frame(JsonLayout::array, "[1,2", 4), "line 1: the array is not closed with ']'");
  CHECK_THROWS_WITH(frame(JsonLayout::array, "[\"abc", 4), "line 1: the input ends inside a string");
  CHECK_THROWS_WITH(frame(JsonLayout::array, "[1,,2]", 4), "line 1: expected a value in the array, found ','");
  CHECK_THROWS_WITH(frame(JsonLayout::array, "[1,]", 4), "line 1: expected a value in the array, found ']'");
}
