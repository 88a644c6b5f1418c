#pragma once
/// A multipart/form-data request body (RFC 7578) produced as a stream: text fields plus file
/// parts whose content comes from reader callbacks, so a file of any size is never held in
/// memory. Use: add the parts, then put content_type() in the Content-Type header and body()
/// in HttpRequest::stream.
///
///   --<boundary>\r\n
///   Content-Disposition: form-data; name="<name>"[; filename="<filename>"]\r\n
///   [Content-Type: <type>\r\n]
///   \r\n
///   <value or file bytes>\r\n
///   ... more parts ...
///   --<boundary>--\r\n
///
/// The boundary is random (128 bits) and "--<boundary>" is checked not to occur in any text
/// field or part header; file content is not scanned (it streams), and a random boundary turning
/// up there is vanishingly unlikely. In names and filenames '"', CR and LF are written as %22, %0D
/// and %0A (as browsers do); other bytes, UTF-8 included, are kept.
///
/// Threading: build on one thread. body() is a value: each open() gives an independent reader,
/// so a retried upload starts over; the file parts' `open` functions must allow that too.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/status.hpp"
#include "support/http/http_types.hpp"

namespace sluice::nodes::http {

class MultipartWriter {
 public:
  /// A random boundary.
  MultipartWriter();
  /// A fixed boundary (reproducible bodies, tests): 1 to 70 of RFC 2046's boundary characters
  /// (letters, digits, "'()+_,-./:=?"), not ending in a space. Checked by the first add_*().
  explicit MultipartWriter(std::string boundary);

  /// Adds a text part. Errors (invalid_argument): an empty name, a content type with CR or LF,
  /// or (fixed boundary only) "--<boundary>" occurring in the part.
  Status add_field(std::string_view name, std::string_view value,
                   std::string_view content_type = {});

  /// Adds a file part whose bytes come from a fresh `open()` reader for every body() reader.
  /// With a known `length` the whole body has a Content-Length; a reader that gives a different
  /// number of bytes then fails the upload (data_error). Same errors as add_field.
  Status add_file(std::string_view name, std::string_view filename, std::string_view content_type,
                  std::function<BodyReader()> open,
                  std::optional<std::uint64_t> length = std::nullopt);

  /// "multipart/form-data; boundary=<boundary>". Call after the last add_*(): the boundary of a
  /// random writer may change while parts are added.
  std::string content_type() const;
  const std::string& boundary() const noexcept { return boundary_; }

  /// Total body size, when every file part's length is known.
  std::optional<std::uint64_t> content_length() const;

  /// The body as a re-playable stream (length = content_length()).
  BodySource body() const;

 private:
  struct Part {
    std::string name;
    std::string filename;
    std::string content_type;
    bool is_file = false;
    std::string value;
    std::function<BodyReader()> open;
    std::optional<std::uint64_t> length;
  };
  Status add(Part part);
  /// From "--boundary" to the blank line that ends the part's headers.
  static std::string part_head(const Part& part, const std::string& boundary);
  bool collides(const std::string& boundary) const;

  std::string boundary_;
  bool fixed_ = false;
  std::vector<Part> parts_;
};

}  // namespace sluice::nodes::http
