#include "support/json_framer.hpp"

#include <cstring>

namespace sluice::nodes {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

}  // namespace

void JsonFramer::fail(const std::string& what) const {
  throw Error(StatusCode::data_error, "line " + std::to_string(line_) + ": " + what);
}

void JsonFramer::emit(std::vector<RawJsonValue>& out) {
  const std::string_view text = trim(pending_);
  if (!text.empty()) {
    RawJsonValue value;
    value.text.assign(text);
    value.index = next_index_++;
    value.line = value_line_;
    out.push_back(std::move(value));
  }
  pending_.clear();
}

void JsonFramer::feed(std::string_view bytes, std::vector<RawJsonValue>& out) {
  if (at_stream_start_) {
    // Hold the first bytes back until we know whether they are a UTF-8 byte order mark (not JSON,
    // but some exporters write one) and, with layout detect, which layout the stream uses. Both
    // decisions may need more than one (tiny) chunk.
    head_.append(bytes);
    static constexpr std::string_view kBom = "\xEF\xBB\xBF";
    if (head_.size() < kBom.size() && kBom.substr(0, head_.size()) == head_) return;
    std::string_view start = head_;
    if (start.substr(0, kBom.size()) == kBom) start.remove_prefix(kBom.size());
    if (layout_ == JsonLayout::detect) {
      const auto first = start.find_first_not_of(" \t\r\n");
      if (first == std::string_view::npos) return;
      layout_ = start[first] == '[' ? JsonLayout::array : JsonLayout::lines;
    }
    at_stream_start_ = false;
    std::string held(start);
    head_.clear();
    feed_body(held, out);
    return;
  }
  feed_body(bytes, out);
}

void JsonFramer::feed_body(std::string_view bytes, std::vector<RawJsonValue>& out) {
  if (layout_ == JsonLayout::lines) {
    feed_lines(bytes, out);
  } else {
    feed_array(bytes, out);
  }
}

void JsonFramer::feed_lines(std::string_view bytes, std::vector<RawJsonValue>& out) {
  while (!bytes.empty()) {
    const auto newline = bytes.find('\n');
    if (newline == std::string_view::npos) {
      if (pending_.empty()) value_line_ = line_;
      pending_.append(bytes);
      return;
    }
    if (pending_.empty()) value_line_ = line_;
    pending_.append(bytes.substr(0, newline));
    emit(out);
    ++line_;
    bytes.remove_prefix(newline + 1);
  }
}

void JsonFramer::feed_array(std::string_view bytes, std::vector<RawJsonValue>& out) {
  std::size_t value_start = 0;  // start in `bytes` of the part of a value not yet in pending_
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    switch (state_) {
      case ArrayState::before_open:
        if (c == '[') {
          state_ = ArrayState::before_value;
        } else if (!is_space(c)) {
          fail("expected a JSON array ('['), found '" + std::string(1, c) + "'");
        }
        break;
      case ArrayState::before_value:
        if (c == ']' && next_index_ == 1 && pending_.empty()) {
          state_ = ArrayState::closed;
        } else if (!is_space(c)) {
          if (c == ',' || c == ']') fail("expected a value in the array, found '" + std::string(1, c) + "'");
          state_ = ArrayState::in_value;
          value_line_ = line_;
          value_start = i;
          depth_ = 0;
          --i;  // the value's first character is scanned by in_value
        }
        break;
      case ArrayState::in_value:
        if (in_string_) {
          if (escaped_) {
            escaped_ = false;
          } else if (c == '\\') {
            escaped_ = true;
          } else if (c == '"') {
            in_string_ = false;
          }
        } else if (c == '"') {
          in_string_ = true;
        } else if (c == '{' || c == '[') {
          ++depth_;
        } else if (c == '}' || c == ']') {
          if (depth_ == 0) {
            if (c == '}') fail("unbalanced '}'");
            pending_.append(bytes.substr(value_start, i - value_start));
            emit(out);
            state_ = ArrayState::closed;
          } else {
            --depth_;
          }
        } else if (c == ',' && depth_ == 0) {
          pending_.append(bytes.substr(value_start, i - value_start));
          emit(out);
          state_ = ArrayState::before_value;
        }
        break;
      case ArrayState::closed:
        if (!is_space(c)) fail("unexpected '" + std::string(1, c) + "' after the end of the array");
        break;
    }
    if (c == '\n') ++line_;
  }
  if (state_ == ArrayState::in_value) pending_.append(bytes.substr(value_start));
}

void JsonFramer::finish(std::vector<RawJsonValue>& out) {
  if (at_stream_start_) {
    // Only a BOM prefix or white space arrived: decide now with what there is.
    at_stream_start_ = false;
    std::string_view rest = head_;
    if (rest.substr(0, 3) == "\xEF\xBB\xBF") rest.remove_prefix(3);
    const bool blank = rest.find_first_not_of(" \t\r\n") == std::string_view::npos;
    std::string held(rest);
    head_.clear();
    if (blank) return;
    if (layout_ == JsonLayout::detect) layout_ = JsonLayout::lines;
    feed_body(held, out);
  }
  if (layout_ == JsonLayout::lines) {
    emit(out);
    return;
  }
  if (state_ != ArrayState::closed) {
    if (state_ == ArrayState::before_open) return;  // no input at all: no values
    fail(in_string_ ? "the input ends inside a string" : "the array is not closed with ']'");
  }
}

}  // namespace sluice::nodes
