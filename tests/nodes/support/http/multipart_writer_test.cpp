#include "support/http/multipart_writer.hpp"

#include <doctest/doctest.h>

#include <cstring>

#include "http_test_support.hpp"
#include "support/http/http_client.hpp"

using namespace sluice;
using namespace sluice::nodes::http;
using namespace sluice::nodes::http::testing;

namespace {

/// A file part's reader factory over `text`, at most `piece` bytes per call.
std::function<BodyReader()> file_of(std::string text, std::size_t piece = 1 << 20) {
  auto shared = std::make_shared<const std::string>(std::move(text));
  return [shared, piece]() -> BodyReader {
    auto offset = std::make_shared<std::size_t>(0);
    return [shared, piece, offset](char* buffer, std::size_t capacity) {
      const std::size_t n = std::min({piece, capacity, shared->size() - *offset});
      std::memcpy(buffer, shared->data() + *offset, n);
      *offset += n;
      return n;
    };
  };
}

/// Reads a whole body through buffers of `capacity` bytes.
std::string read_all(const BodySource& source, std::size_t capacity) {
  BodyReader reader = source.open();
  std::string out;
  std::string buffer(capacity, '\0');
  while (const std::size_t n = reader(buffer.data(), capacity)) out.append(buffer.data(), n);
  return out;
}

}  // namespace

TEST_CASE("multipart: the stream is byte-exact and its length is known up front") {
  MultipartWriter writer("BOUNDARY");
  REQUIRE(writer.add_field("name", "enriched_ner_v1_20240301_120000").ok());
  REQUIRE(writer.add_field("description", "Automated NER enrichment batch v1").ok());
  const std::string csv = "utterance,ner_dates\r\ncall me,\r\n";
  REQUIRE(writer.add_file("file", "enriched_utterances.csv", "text/csv", file_of(csv), csv.size())
              .ok());

  const std::string expected =
      "--BOUNDARY\r\n"
      "Content-Disposition: form-data; name=\"name\"\r\n"
      "\r\n"
      "enriched_ner_v1_20240301_120000\r\n"
      "--BOUNDARY\r\n"
      "Content-Disposition: form-data; name=\"description\"\r\n"
      "\r\n"
      "Automated NER enrichment batch v1\r\n"
      "--BOUNDARY\r\n"
      "Content-Disposition: form-data; name=\"file\"; filename=\"enriched_utterances.csv\"\r\n"
      "Content-Type: text/csv\r\n"
      "\r\n"
      "utterance,ner_dates\r\ncall me,\r\n"
      "\r\n"
      "--BOUNDARY--\r\n";
  CHECK(writer.content_type() == "multipart/form-data; boundary=BOUNDARY");
  CHECK(writer.content_length() == expected.size());
  const BodySource body = writer.body();
  CHECK(body.length == expected.size());
  for (std::size_t capacity : {1, 2, 3, 7, 64, 4096}) {
    CAPTURE(capacity);
    CHECK(read_all(body, capacity) == expected);  // every reader starts over
  }
}

TEST_CASE("multipart: unknown file length, several files, quoting of names") {
  MultipartWriter writer("b");
  REQUIRE(writer.add_field("metadata", R"({"k":"v"})", "application/json").ok());
  REQUIRE(writer
              .add_file("dataset", "my \"data\"\r\n.txt", "text/plain; charset=utf-8",
                        file_of("one\ntwo\n", 3))
              .ok());
  REQUIRE(writer.add_file("empty", "e.bin", "", file_of(""), 0).ok());
  CHECK_FALSE(writer.content_length().has_value());
  CHECK_FALSE(writer.body().length.has_value());
  CHECK(read_all(writer.body(), 5) ==
        "--b\r\nContent-Disposition: form-data; name=\"metadata\"\r\n"
        "Content-Type: application/json\r\n\r\n{\"k\":\"v\"}\r\n"
        "--b\r\nContent-Disposition: form-data; name=\"dataset\"; filename=\"my "
        "%22data%22%0D%0A.txt\"\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\none\ntwo\n\r\n"
        "--b\r\nContent-Disposition: form-data; name=\"empty\"; filename=\"e.bin\"\r\n\r\n\r\n"
        "--b--\r\n");
}

TEST_CASE("multipart: a boundary inside a text field is refused (fixed) or replaced (random)") {
  MultipartWriter fixed("xyz");
  REQUIRE(fixed.add_field("harmless", "xyz alone is fine").ok());
  const auto refused = fixed.add_field("note", "this has\r\n--xyz inside");
  CHECK(refused.code() == StatusCode::invalid_argument);
  CHECK(read_all(fixed.body(), 100) ==
        "--xyz\r\nContent-Disposition: form-data; name=\"harmless\"\r\n\r\nxyz alone is fine\r\n"
        "--xyz--\r\n");

  MultipartWriter random;
  const std::string first = random.boundary();
  CHECK(first.size() >= 32);
  REQUIRE(random.add_field("note", "contains --" + first + " verbatim").ok());
  CHECK(random.boundary() != first);
  CHECK(random.content_type() == "multipart/form-data; boundary=" + random.boundary());
  CHECK(read_all(random.body(), 100).find(first) != std::string::npos);  // only in the value

  MultipartWriter other;
  CHECK(other.boundary() != random.boundary());

  CHECK(MultipartWriter("bad\nboundary").add_field("a", "b").code() ==
        StatusCode::invalid_argument);
  CHECK(MultipartWriter("b").add_field("", "v").code() == StatusCode::invalid_argument);
  CHECK(MultipartWriter("b").add_field("n", "v", "text/plain\r\nX: y").code() ==
        StatusCode::invalid_argument);
}

TEST_CASE("multipart: a file that breaks its declared length fails the read") {
  MultipartWriter writer("b");
  REQUIRE(writer.add_file("file", "f.csv", "text/csv", file_of("12345"), 9).ok());
  CHECK_THROWS_AS(read_all(writer.body(), 64), Error);
  MultipartWriter longer("b");
  REQUIRE(longer.add_file("file", "f.csv", "text/csv", file_of("12345"), 2).ok());
  CHECK_THROWS_AS(read_all(longer.body(), 64), Error);
}

TEST_CASE("multipart: a server parses the upload, with Content-Length and chunked") {
  std::mutex mutex;
  std::string name;
  std::string file_content;
  std::string filename;
  std::string file_type;
  std::string transfer_encoding;
  LocalServer local;
  local.server().Post("/api/v2/bots/b1/imports",
                      [&](const httplib::Request& req, httplib::Response& res) {
                        std::lock_guard lock(mutex);
                        REQUIRE(req.is_multipart_form_data());
                        name = req.get_file_value("name").content;
                        const auto file = req.get_file_value("file");
                        file_content = file.content;
                        filename = file.filename;
                        file_type = file.content_type;
                        transfer_encoding = req.get_header_value("Transfer-Encoding");
                        res.status = 201;
                        res.set_content(R"({"id":"i1","rows":2})", "application/json");
                      });
  local.start();
  HttpClient client;

  std::string csv = "utterance,ner_dates\r\n";
  for (int i = 0; i < 5000; ++i) csv += "row " + std::to_string(i) + " \xC3\xBC,2024-03-01\r\n";
  for (bool known_length : {true, false}) {
    CAPTURE(known_length);
    MultipartWriter writer;
    REQUIRE(writer.add_field("name", "enriched_ner_v1").ok());
    REQUIRE(writer
                .add_file("file", "enriched_utterances.csv", "text/csv", file_of(csv, 1000),
                          known_length ? std::optional<std::uint64_t>(csv.size()) : std::nullopt)
                .ok());
    HttpRequest request;
    request.method = "POST";
    request.url = local.url("/api/v2/bots/b1/imports");
    request.headers.emplace_back("Content-Type", writer.content_type());
    request.stream = writer.body();
    const auto response = client.send(request);
    REQUIRE(response.ok());
    CHECK(response->status == 201);
    CHECK(name == "enriched_ner_v1");
    CHECK(file_content == csv);
    CHECK(filename == "enriched_utterances.csv");
    CHECK(file_type == "text/csv");
    CHECK(transfer_encoding == (known_length ? "" : "chunked"));
  }
}
