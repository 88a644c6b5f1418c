// Fuzz harness for a training import end to end: sluice's MultipartWriter builds the body, its
// HttpClient (libcurl) streams it to a running emulator, whose HTTP server (cpp-httplib) splits
// the parts and whose ImportReceiver judges them. The first byte picks one:
// - a body sluice writes: the parts (name, optional description and extra part, the file with
//   its filename and content type, a fixed or random boundary, a known length or chunked) come
//   from the input. The server's answer (status, error, message) and, on 201, everything the
//   emulator recorded must equal what ImportReceiver gives for those parts fed to it directly:
//   nothing may be lost, added or changed on the way through the writer, libcurl and the server.
// - any body: the input's bytes sent as multipart/form-data with a boundary from the input. The
//   server answers 201, 400 or 413 with the contract's JSON error, and a recorded import is
//   consistent with itself (hash, size and row count of what it kept).
// All inputs of a run go to one emulator over one keep-alive connection, as a client's requests
// do; a failure message names the requests and the input that came before.
#include <simdjson.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/crypto.hpp"
#include "emulator/csv_import_validator.hpp"
#include "emulator/emulator.hpp"
#include "emulator/import_receiver.hpp"
#include "support/fuzz_support.hpp"
#include "support/http/http_client.hpp"
#include "support/http/multipart_writer.hpp"
#include "support/http/url.hpp"

namespace {

using sluice::emulator::Emulator;
using sluice::emulator::EmulatorOptions;
using sluice::emulator::ImportReceiver;
using sluice::emulator::ImportRecord;
using sluice::fuzz::escaped;
namespace http = sluice::nodes::http;

// Small limits, so inputs reach the 413 and the capped-content paths.
constexpr std::uint64_t kLimitBytes = 3000;
constexpr std::uint64_t kKeepBytes = 2000;
// Emulator::imports() copies every record: a fresh emulator now and then keeps that cheap.
constexpr int kInputsPerEmulator = 500;

/// One emulator and one client for the whole run (each input is one more request).
class Server {
 public:
  /// The emulator to use for the next input, with its imports so far dropped now and then.
  Emulator& emulator() {
    if (!emulator_ || ++inputs_ > kInputsPerEmulator) restart();
    return *emulator_;
  }
  http::HttpClient& client() { return *client_; }
  const std::string& token() const { return token_; }
  std::string imports_url() const {
    return emulator_->base_url() + "/api/v2/bots/demo-bot/imports";
  }

 private:
  void restart() {
    client_.reset();
    emulator_.reset();
    EmulatorOptions options;
    options.rows = 10;
    options.threads = 2;
    options.import_limit_bytes = kLimitBytes;
    options.import_keep_bytes = kKeepBytes;
    auto started = Emulator::start(options);
    SLUICE_FUZZ_CHECK(started.ok(), started.status().message());
    emulator_ = std::move(started).value();
    http::HttpClientOptions client_options;
    // A request that hangs is a finding, not a slow input.
    client_options.connect_timeout = std::chrono::milliseconds(5000);
    client_options.request_timeout = std::chrono::milliseconds(10000);
    client_options.stream_timeout = std::chrono::milliseconds(10000);
    client_ = std::make_unique<http::HttpClient>(client_options);
    http::HttpRequest request;
    request.method = "POST";
    request.url = emulator_->base_url() + "/oauth/token";
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    request.body = http::form_encode({{"grant_type", "client_credentials"},
                                      {"client_id", options.client_id},
                                      {"client_secret", options.client_secret}});
    auto answer = client_->send(request);
    SLUICE_FUZZ_CHECK(answer.ok(), answer.status().message());
    simdjson::dom::parser parser;
    std::string_view token;
    SLUICE_FUZZ_CHECK(parser.parse(answer.value().body)["access_token"].get(token) ==
                          simdjson::SUCCESS,
                      answer.value().body);
    token_ = std::string(token);
    inputs_ = 0;
  }

  std::unique_ptr<Emulator> emulator_;
  std::unique_ptr<http::HttpClient> client_;
  std::string token_;
  int inputs_ = 0;
};

Server& server() {
  static Server instance;
  return instance;
}

struct Answer {
  int status = 0;
  std::string error;
  std::string message;
  std::optional<ImportRecord> record;  // the import the emulator recorded (201 only)
  std::string context;                 // the requests before it, for a failure message
};

/// The input run before this one: requests share a keep-alive connection, so a finding may
/// depend on what the previous one left behind (it did once, see emulator.cpp's BodyReader).
std::string& previous_input() {
  static std::string text = "none";
  return text;
}

/// The last requests the emulator answered and the previous input, for findings that depend on
/// what came before.
std::string recent_requests(const Emulator& emulator) {
  const std::vector<sluice::emulator::RequestRecord> requests = emulator.requests();
  std::string out = "; before it:";
  for (std::size_t i = requests.size() > 4 ? requests.size() - 4 : 0; i < requests.size(); ++i) {
    out += " " + requests[i].method + " " + requests[i].path + " " +
           std::to_string(requests[i].status) + ",";
  }
  return out + " the previous input was \"" + escaped(previous_input(), 600) + "\"";
}

std::string describe(const Answer& a) {
  return std::to_string(a.status) + " " + a.error + " \"" + escaped(a.message) + "\"" + a.context;
}

/// POSTs `body` to the imports endpoint and reads the answer (and the record on 201).
Answer post(const http::BodySource& body, const std::string& content_type) {
  Server& s = server();
  Emulator& emulator = s.emulator();
  const std::size_t imports_before = emulator.imports().size();
  http::HttpRequest request;
  request.method = "POST";
  request.url = s.imports_url();
  request.headers = {{"Authorization", "Bearer " + s.token()}, {"Content-Type", content_type}};
  request.stream = body;
  request.expected_statuses = {400, 413};
  auto response = s.client().send(request);
  SLUICE_FUZZ_CHECK(response.ok(), response.status().message() + recent_requests(emulator));
  Answer answer;
  answer.status = response.value().status;
  const std::vector<ImportRecord> imports = emulator.imports();
  if (answer.status == 201) {
    SLUICE_FUZZ_CHECK(imports.size() == imports_before + 1,
                      std::to_string(imports.size()) + " imports after a 201");
    answer.record = imports.back();
    return answer;
  }
  SLUICE_FUZZ_CHECK(imports.size() == imports_before, "an import recorded with a " +
                                                          std::to_string(answer.status));
  simdjson::dom::parser parser;
  simdjson::dom::element document;
  std::string_view error, message;
  SLUICE_FUZZ_CHECK(parser.parse(response.value().body).get(document) == simdjson::SUCCESS &&
                        document["error"].get(error) == simdjson::SUCCESS &&
                        document["message"].get(message) == simdjson::SUCCESS,
                    "not the contract's error body: \"" + escaped(response.value().body) + "\"");
  answer.error = std::string(error);
  answer.message = std::string(message);
  answer.context = recent_requests(emulator);
  return answer;
}

/// A body reader over `bytes` that hands them out in pieces of the sizes `cuts` picks.
http::BodyReader pieces_of(std::string_view bytes, std::uint32_t seed) {
  auto cuts = std::make_shared<sluice::fuzz::Cuts>(seed, 700);
  auto at = std::make_shared<std::size_t>(0);
  return [bytes, cuts, at](char* buffer, std::size_t capacity) {
    const std::size_t n = std::min({cuts->next_piece(), capacity, bytes.size() - *at});
    std::copy_n(bytes.data() + *at, n, buffer);
    *at += n;
    return n;
  };
}

/// What the writer puts in a quoted Content-Disposition parameter (see multipart_writer.hpp).
std::string as_quoted_by_writer(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '"') {
      out += "%22";
    } else if (c == '\r') {
      out += "%0D";
    } else if (c == '\n') {
      out += "%0A";
    } else {
      out += c;
    }
  }
  return out;
}

/// A header value as a server reads it: the spaces and tabs around it are not part of it
/// (RFC 9110 section 5.5).
std::string_view without_surrounding_whitespace(std::string_view value) {
  const std::size_t first = value.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return value.substr(first, value.find_last_not_of(" \t") - first + 1);
}

struct TextPart {
  std::string name;
  std::string value;
};

void check_writer_round_trip(sluice::fuzz::FuzzInput& input) {
  const bool fixed_boundary = input.take_bool();
  const std::string boundary(input.take_text(72));
  const bool known_length = input.take_bool();
  const std::uint32_t cut_seed = input.take_u32();
  std::vector<TextPart> texts;
  texts.push_back({"name", std::string(input.take_text(40))});
  if (input.take_bool()) texts.push_back({"description", std::string(input.take_text(40))});
  if (input.take_bool()) {
    // Any name: it may repeat a known one, hold quotes or line breaks.
    std::string extra_name(input.take_text(12));
    texts.push_back({std::move(extra_name), std::string(input.take_text(20))});
  }
  const bool file_first = input.take_bool();
  const std::string filename(input.take_text(30));
  const std::string content_type(input.take_text(30));
  const std::string_view file = input.rest();

  http::MultipartWriter writer = fixed_boundary ? http::MultipartWriter(boundary)
                                                : http::MultipartWriter();
  auto add_file = [&] {
    return writer.add_file("file", filename, content_type,
                           [file, cut_seed] { return pieces_of(file, cut_seed); },
                           known_length ? std::optional<std::uint64_t>(file.size())
                                        : std::nullopt);
  };
  if (file_first && !add_file().ok()) return;
  for (const TextPart& part : texts) {
    if (!writer.add_field(part.name, part.value).ok()) return;
  }
  if (!file_first && !add_file().ok()) return;
  // The file's content is streamed, so it is not checked for the boundary: a fixed boundary in
  // it ends the part early (random ones are 128 bits, see multipart_writer.hpp).
  if (fixed_boundary && file.find("--" + boundary) != std::string_view::npos) return;

  // The same parts straight into the receiver, as the server should see them.
  ImportReceiver receiver(kLimitBytes, kKeepBytes);
  auto feed_file = [&] {
    receiver.begin_part("file", as_quoted_by_writer(filename),
                        without_surrounding_whitespace(content_type));
    receiver.add(file);
  };
  if (file_first) feed_file();
  for (const TextPart& part : texts) {
    receiver.begin_part(as_quoted_by_writer(part.name), "", "");
    receiver.add(part.value);
  }
  if (!file_first) feed_file();
  const ImportReceiver::Verdict expected = receiver.finish();

  const Answer got = post(writer.body(), writer.content_type());
  const std::string parts = "boundary \"" + escaped(writer.boundary()) + "\", filename \"" +
                            escaped(filename) + "\", content type \"" + escaped(content_type) +
                            "\", file \"" + escaped(file) + "\"";
  SLUICE_FUZZ_CHECK(got.status == expected.status && got.error == expected.error &&
                        got.message == expected.message,
                    "answered " + describe(got) + ", expected " +
                        describe({expected.status, expected.error, expected.message, {}}) +
                        "; " + parts);
  if (got.status != 201) return;
  const ImportRecord want = receiver.take_record();
  const ImportRecord& have = *got.record;
  SLUICE_FUZZ_CHECK(have.name == want.name && have.description == want.description,
                    "fields \"" + escaped(have.name) + "\", \"" + escaped(have.description) +
                        "\", expected \"" + escaped(want.name) + "\", \"" +
                        escaped(want.description) + "\"");
  SLUICE_FUZZ_CHECK(have.file_name == want.file_name && have.content_type == want.content_type,
                    "file part \"" + escaped(have.file_name) + "\" (" +
                        escaped(have.content_type) + "), expected \"" + escaped(want.file_name) +
                        "\" (" + escaped(want.content_type) + "); " + parts);
  SLUICE_FUZZ_CHECK(have.file_bytes == want.file_bytes && have.sha256 == want.sha256 &&
                        have.content == want.content && have.rows == want.rows &&
                        have.columns == want.columns,
                    "file of " + std::to_string(have.file_bytes) + " bytes, " +
                        std::to_string(have.rows) + " rows, expected " +
                        std::to_string(want.file_bytes) + ", " + std::to_string(want.rows) +
                        "; " + parts);
}

void check_any_body(sluice::fuzz::FuzzInput& input) {
  const std::string boundary(input.take_text(40));
  const bool quoted = input.take_bool();
  const std::string_view body = input.rest();
  // The client refuses such a header before sending anything (http_client_test covers that).
  if (boundary.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) return;
  const std::string content_type =
      "multipart/form-data; boundary=" + (quoted ? "\"" + boundary + "\"" : boundary);
  http::BodySource source;
  source.open = [body] { return pieces_of(body, 1); };
  source.length = body.size();
  const Answer got = post(source, content_type);
  const std::string context = "boundary \"" + escaped(boundary) + "\", body \"" + escaped(body) + "\"";
  SLUICE_FUZZ_CHECK(got.status == 201 || got.status == 400 || got.status == 413,
                    describe(got) + "; " + context);
  if (got.status != 201) {
    SLUICE_FUZZ_CHECK(!got.error.empty() && !got.message.empty(), describe(got) + "; " + context);
    return;
  }
  const ImportRecord& record = *got.record;
  SLUICE_FUZZ_CHECK(record.file_bytes <= kLimitBytes && record.content.size() <= kKeepBytes &&
                        record.content_complete == (record.content.size() == record.file_bytes),
                    std::to_string(record.file_bytes) + " bytes, " +
                        std::to_string(record.content.size()) + " kept; " + context);
  if (!record.content_complete) return;
  SLUICE_FUZZ_CHECK(record.sha256 == sluice::emulator::sha256_hex(record.content),
                    "the hash is not that of the file part; " + context);
  sluice::emulator::CsvImportValidator validator;
  validator.feed(record.content);
  validator.finish();
  SLUICE_FUZZ_CHECK(validator.ok() && validator.data_rows() == record.rows,
                    "accepted a file the validator says " +
                        (validator.ok() ? std::to_string(validator.data_rows()) + " rows"
                                        : validator.error()) +
                        " of; " + context);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sluice::fuzz::FuzzInput input(data, size);
  if (input.take_bool()) {
    check_any_body(input);
  } else {
    check_writer_round_trip(input);
  }
  previous_input() = std::string(reinterpret_cast<const char*>(data), size);
  return 0;
}
