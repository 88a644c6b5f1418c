#pragma once
/// JsonFramer: cuts a byte stream into the raw text of JSON values, serially, so they can be
/// parsed in parallel afterwards. Two layouts:
/// - JSON Lines: one value per line; blank lines are ignored; a CR before the LF is dropped;
/// - a JSON array: the elements of one top-level array, which may be pretty-printed and span any
///   number of chunks. Only structure is checked here (strings, escapes, nesting depth); whether
///   each element is valid JSON is the parser's job.
/// Not thread-safe: one framer per stream.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/status.hpp"

namespace sluice::nodes {

enum class JsonLayout : std::uint8_t { lines, array, detect };

struct RawJsonValue {
  std::string text;
  std::uint64_t index = 0;  ///< 1-based position in the stream
  std::uint64_t line = 0;   ///< 1-based line where the value starts
};

class JsonFramer {
 public:
  explicit JsonFramer(JsonLayout layout) : layout_(layout) {}

  /// Appends the values completed by `bytes` to `out`. Throws sluice::Error (data_error) for a
  /// structural problem, naming the line.
  void feed(std::string_view bytes, std::vector<RawJsonValue>& out);
  /// End of stream: appends the last value (JSON Lines without a final newline) and checks that
  /// an array was closed.
  void finish(std::vector<RawJsonValue>& out);

  JsonLayout layout() const noexcept { return layout_; }

 private:
  void feed_body(std::string_view bytes, std::vector<RawJsonValue>& out);
  void feed_lines(std::string_view bytes, std::vector<RawJsonValue>& out);
  void feed_array(std::string_view bytes, std::vector<RawJsonValue>& out);
  void emit(std::vector<RawJsonValue>& out);
  [[noreturn]] void fail(const std::string& what) const;

  enum class ArrayState : std::uint8_t { before_open, before_value, in_value, closed };

  JsonLayout layout_;
  std::string head_;     // first bytes, held until the BOM and the layout are known
  std::string pending_;  // text of the value being framed
  std::uint64_t next_index_ = 1;
  std::uint64_t line_ = 1;
  std::uint64_t value_line_ = 1;
  bool at_stream_start_ = true;
  // Array scanning state.
  ArrayState state_ = ArrayState::before_open;
  int depth_ = 0;
  bool in_string_ = false;
  bool escaped_ = false;
};

}  // namespace sluice::nodes
