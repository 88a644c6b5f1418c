#include "support/http/multipart_writer.hpp"

#include <algorithm>
#include <cstring>
#include <memory>
#include <random>

namespace sluice::nodes::http {

namespace {

/// Tries at finding a random boundary that no text part contains (one is all but certain).
constexpr int kBoundaryTries = 16;

std::string random_boundary() {
  static thread_local std::random_device device;
  constexpr char kHex[] = "0123456789abcdef";
  std::string boundary = "sluice-";
  for (int word = 0; word < 4; ++word) {
    std::uint32_t bits = device();
    for (int nibble = 0; nibble < 8; ++nibble) {
      boundary.push_back(kHex[bits & 0x0F]);
      bits >>= 4;
    }
  }
  return boundary;
}

bool is_boundary_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::strchr("'()+_,-./:=? ", c) != nullptr;
}

bool valid_boundary(std::string_view boundary) {
  return !boundary.empty() && boundary.size() <= 70 && boundary.back() != ' ' &&
         std::all_of(boundary.begin(), boundary.end(),
                     [](char c) { return c != '\0' && is_boundary_char(c); });
}

/// A name or filename inside a quoted Content-Disposition parameter.
std::string quote(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '"') {
      out += "%22";
    } else if (c == '\r') {
      out += "%0D";
    } else if (c == '\n') {
      out += "%0A";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

/// One piece of the body: literal text, or a file's content.
struct Segment {
  std::string text;
  std::function<BodyReader()> open;
  std::optional<std::uint64_t> length;
};

/// Where one body reader is in the segments.
struct ReadState {
  std::shared_ptr<const std::vector<Segment>> segments;
  std::size_t index = 0;
  std::size_t offset = 0;  ///< into a text segment
  BodyReader file;         ///< the open reader of a file segment
  std::uint64_t file_bytes = 0;

  std::size_t read(char* buffer, std::size_t capacity) {
    std::size_t written = 0;
    while (written < capacity && index < segments->size()) {
      const Segment& segment = (*segments)[index];
      if (!segment.open) {
        const std::size_t n = std::min(capacity - written, segment.text.size() - offset);
        std::memcpy(buffer + written, segment.text.data() + offset, n);
        written += n;
        offset += n;
        if (offset == segment.text.size()) next();
        continue;
      }
      if (!file) {
        file = segment.open();
        file_bytes = 0;
        if (!file) throw Error(StatusCode::internal, "a multipart file part gave no reader");
      }
      const std::size_t n = file(buffer + written, capacity - written);
      if (n > capacity - written)
        throw Error(StatusCode::internal, "a file reader overran its buffer");
      file_bytes += n;
      if (segment.length && file_bytes > *segment.length) mismatch(*segment.length);
      if (n == 0) {
        if (segment.length && file_bytes != *segment.length) mismatch(*segment.length);
        next();
      }
      written += n;
    }
    return written;
  }

  void next() {
    ++index;
    offset = 0;
    file = nullptr;
  }

  [[noreturn]] void mismatch(std::uint64_t declared) const {
    throw Error(StatusCode::data_error,
                "a multipart file part gave " +
                    std::string(file_bytes > declared ? "more than " : "only ") +
                    std::to_string(file_bytes) + " of its declared " + std::to_string(declared) +
                    " bytes");
  }
};

}  // namespace

MultipartWriter::MultipartWriter() : boundary_(random_boundary()) {}

MultipartWriter::MultipartWriter(std::string boundary)
    : boundary_(std::move(boundary)), fixed_(true) {}

Status MultipartWriter::add_field(std::string_view name, std::string_view value,
                                  std::string_view content_type) {
  Part part;
  part.name = std::string(name);
  part.value = std::string(value);
  part.content_type = std::string(content_type);
  return add(std::move(part));
}

Status MultipartWriter::add_file(std::string_view name, std::string_view filename,
                                 std::string_view content_type, std::function<BodyReader()> open,
                                 std::optional<std::uint64_t> length) {
  if (!open)
    return invalid_argument("multipart file part \"" + std::string(name) + "\" has no reader");
  Part part;
  part.name = std::string(name);
  part.filename = std::string(filename);
  part.content_type = std::string(content_type);
  part.is_file = true;
  part.open = std::move(open);
  part.length = length;
  return add(std::move(part));
}

Status MultipartWriter::add(Part part) {
  if (fixed_ && !valid_boundary(boundary_)) return invalid_argument("invalid multipart boundary");
  if (part.name.empty()) return invalid_argument("a multipart part needs a name");
  if (part.content_type.find_first_of("\r\n") != std::string::npos) {
    return invalid_argument("the content type of multipart part \"" + part.name +
                            "\" holds a line break");
  }
  parts_.push_back(std::move(part));
  if (!collides(boundary_)) return Status::success();
  if (fixed_) {
    const std::string name = parts_.back().name;
    parts_.pop_back();
    return invalid_argument("multipart part \"" + quote(name) + "\" contains the boundary");
  }
  for (int attempt = 0; attempt < kBoundaryTries; ++attempt) {
    boundary_ = random_boundary();
    if (!collides(boundary_)) return Status::success();
  }
  parts_.pop_back();
  return Status(StatusCode::internal, "no multipart boundary found that the parts do not contain");
}

bool MultipartWriter::collides(const std::string& boundary) const {
  // A parser ends a part at CRLF "--" boundary; "--" boundary anywhere in a part could become that.
  const std::string delimiter = "--" + boundary;
  return std::any_of(parts_.begin(), parts_.end(), [&](const Part& part) {
    return part.value.find(delimiter) != std::string::npos ||
           part_head(part, boundary).find(delimiter, delimiter.size()) != std::string::npos;
  });
}

std::string MultipartWriter::part_head(const Part& part, const std::string& boundary) {
  std::string head =
      "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + quote(part.name) + "\"";
  if (part.is_file) head += "; filename=\"" + quote(part.filename) + "\"";
  head += "\r\n";
  if (!part.content_type.empty()) head += "Content-Type: " + part.content_type + "\r\n";
  head += "\r\n";
  return head;
}

std::string MultipartWriter::content_type() const {
  return "multipart/form-data; boundary=" + boundary_;
}

std::optional<std::uint64_t> MultipartWriter::content_length() const {
  std::uint64_t total = 0;
  for (const Part& part : parts_) {
    if (part.is_file && !part.length) return std::nullopt;
    total +=
        part_head(part, boundary_).size() + (part.is_file ? *part.length : part.value.size()) + 2;
  }
  return total + boundary_.size() + 6;  // "--" boundary "--\r\n"
}

BodySource MultipartWriter::body() const {
  auto segments = std::make_shared<std::vector<Segment>>();
  std::string text;  // literal bytes not yet put into a segment
  for (const Part& part : parts_) {
    text += part_head(part, boundary_);
    if (part.is_file) {
      segments->push_back(Segment{std::move(text), nullptr, std::nullopt});
      segments->push_back(Segment{{}, part.open, part.length});
      text = "\r\n";
    } else {
      text += part.value + "\r\n";
    }
  }
  text += "--" + boundary_ + "--\r\n";
  segments->push_back(Segment{std::move(text), nullptr, std::nullopt});
  std::erase_if(*segments, [](const Segment& s) { return !s.open && s.text.empty(); });

  std::shared_ptr<const std::vector<Segment>> shared = std::move(segments);
  BodySource source;
  source.length = content_length();
  source.open = [shared]() -> BodyReader {
    auto state = std::make_shared<ReadState>();
    state->segments = shared;
    return [state](char* buffer, std::size_t capacity) { return state->read(buffer, capacity); };
  };
  return source;
}

}  // namespace sluice::nodes::http
