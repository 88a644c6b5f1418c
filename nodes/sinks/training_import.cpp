#include "sinks/training_import.hpp"

#include <fcntl.h>
#include <simdjson.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "support/http/multipart_writer.hpp"
#include "support/http/url.hpp"

namespace sluice::nodes {

namespace {

/// Bytes gathered before a write(2) to the spool file.
constexpr std::size_t kSpoolBuffer = 1 << 20;
/// Bytes read from the spool file per call of the upload's reader.
constexpr std::size_t kReadBlock = std::size_t{256} * 1024;

/// "50 MiB", "64 KiB" or "1234 bytes": a limit as people write it.
std::string describe_size(std::uint64_t bytes) {
  if (bytes > 0 && bytes % (1024ULL * 1024) == 0) return std::to_string(bytes >> 20) + " MiB";
  if (bytes > 0 && bytes % 1024 == 0) return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " bytes";
}

/// The current UTC time as YYYYMMDD_HHMMSS.
std::string utc_stamp() {
  const std::time_t now = std::time(nullptr);
  std::tm parts{};
  ::gmtime_r(&now, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%d_%H%M%S", &parts);
  return text;
}

/// Counts CSV records (RFC 4180) as bytes stream by: a line feed ends a record unless it is
/// inside a quoted field. A doubled quote toggles twice, so it needs no special case. A last
/// record without a line break still counts.
class RecordCounter {
 public:
  void add(std::string_view bytes) {
    for (const char c : bytes) {
      if (c == '"') {
        quoted_ = !quoted_;
      } else if (c == '\n' && !quoted_) {
        ++ended_;
        open_ = false;
        continue;
      }
      open_ = true;
    }
  }
  std::uint64_t records() const noexcept { return ended_ + (open_ ? 1 : 0); }

 private:
  bool quoted_ = false;
  bool open_ = false;  // bytes seen since the last record ended
  std::uint64_t ended_ = 0;
};

/// A temp file in $TMPDIR that holds the upload between the run and commit(). Buffered writes;
/// removed by remove() or the destructor.
class SpoolFile {
 public:
  SpoolFile() = default;
  ~SpoolFile() { remove(); }
  SpoolFile(const SpoolFile&) = delete;
  SpoolFile& operator=(const SpoolFile&) = delete;

  Status create() {
    std::error_code error;
    std::filesystem::path dir = std::filesystem::temp_directory_path(error);
    if (error) dir = "/tmp";
    std::string pattern = (dir / "sluice-import-XXXXXX").string();
    fd_ = ::mkostemp(pattern.data(), O_CLOEXEC);
    if (fd_ < 0) {
      return io_error("cannot create a spool file in " + dir.string() + ": " +
                      std::strerror(errno) + " (set TMPDIR to a writable directory)");
    }
    path_ = std::move(pattern);
    buffer_.reserve(kSpoolBuffer);
    return Status::success();
  }

  void write(std::string_view bytes) {
    size_ += bytes.size();
    buffer_.append(bytes);
    if (buffer_.size() >= kSpoolBuffer) flush();
  }

  /// Writes what is buffered and closes the file (it stays on disk for the upload).
  void close() {
    if (fd_ < 0) return;
    flush();
    ::close(fd_);
    fd_ = -1;
  }

  void remove() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    if (!path_.empty()) ::unlink(path_.c_str());
    path_.clear();
    buffer_.clear();
  }

  const std::string& path() const noexcept { return path_; }
  std::uint64_t size() const noexcept { return size_; }

 private:
  void flush() {
    std::string_view rest = buffer_;
    while (!rest.empty()) {
      const ssize_t n = ::write(fd_, rest.data(), rest.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        throw Error(StatusCode::io_error,
                    "cannot write the spool file " + path_ + ": " + std::strerror(errno));
      }
      rest.remove_prefix(static_cast<std::size_t>(n));
    }
    buffer_.clear();
  }

  int fd_ = -1;
  std::string path_;
  std::string buffer_;
  std::uint64_t size_ = 0;
};

/// A reader of the spool file from its first byte, on its own descriptor: each upload attempt
/// opens the file again, so a retry sends the same bytes.
http::BodyReader open_spool_reader(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw Error(StatusCode::io_error,
                "cannot reopen the spool file " + path + ": " + std::strerror(errno));
  }
  // Shared so the reader can be copied; the descriptor closes with the last copy.
  auto descriptor = std::shared_ptr<int>(new int(fd), [](int* p) {
    ::close(*p);
    delete p;
  });
  return [descriptor, path](char* buffer, std::size_t capacity) -> std::size_t {
    while (true) {
      const ssize_t n = ::read(*descriptor, buffer, std::min(capacity, kReadBlock));
      if (n >= 0) return static_cast<std::size_t>(n);
      if (errno == EINTR) continue;
      throw Error(StatusCode::io_error,
                  "cannot read the spool file " + path + ": " + std::strerror(errno));
    }
  };
}

/// The `id` and `rows` of the platform's answer to an import.
struct ImportAnswer {
  std::string id;
  std::uint64_t rows = 0;
};

std::optional<ImportAnswer> parse_import_answer(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(body.data(), body.size(), true).get(object) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  ImportAnswer answer;
  std::string_view id;
  if (object["id"].get(id) != simdjson::SUCCESS || id.empty()) return std::nullopt;
  answer.id = std::string(id);
  if (object["rows"].get(answer.rows) != simdjson::SUCCESS) return std::nullopt;
  return answer;
}

class TrainingImport final : public Node {
 public:
  explicit TrainingImport(TrainingImportOptions options)
      : options_(std::move(options)),
        imports_path_("/api/v2/bots/" + http::encode_path_segment(options_.bot_id) + "/imports") {}

  NodeShape shape() const override { return NodeShape::sink(PayloadKind::bytes); }

  Status open(RunContext& context) override {
    context_ = &context;
    auto connection = connect_platform(options_.connection, context);
    if (!connection.ok()) return connection.status();
    connection_ = std::move(connection).value();
    return spool_.create();
  }

  std::vector<Step> steps() override {
    SerialStep spool;
    spool.process = [this](std::size_t, const Batch& in, Emitter&) {
      const std::string_view bytes = in.chunk().bytes;
      if (spool_.size() + bytes.size() > options_.max_bytes) {
        throw Error(StatusCode::data_error,
                    "the enriched CSV is already " + std::to_string(spool_.size() + bytes.size()) +
                        " bytes, over the " + describe_size(options_.max_bytes) +
                        " import limit (max_bytes); import the export in smaller parts");
      }
      counter_.add(bytes);
      spool_.write(bytes);
    };
    return {spool};
  }

  Status commit() override {
    Status status;
    try {
      status = upload();
    } catch (const Error& error) {
      status = error.status();
    } catch (const std::exception& error) {
      status = Status(StatusCode::internal, error.what());
    }
    spool_.remove();
    return status;
  }

  void abort() noexcept override { spool_.remove(); }

 private:
  Status upload() {
    spool_.close();
    const std::uint64_t bytes = spool_.size();
    const std::uint64_t records = counter_.records();
    if (records == 0) {
      return data_error("nothing to import: the enriched CSV is empty (not even a header)");
    }
    const std::uint64_t rows = records - 1;
    const std::string name = "enriched_ner_" + options_.version_tag + "_" + utc_stamp();

    http::MultipartWriter form;
    Status status = form.add_field("name", name);
    if (status.ok()) {
      status =
          form.add_field("description", "Automated NER enrichment batch " + options_.version_tag);
    }
    if (status.ok()) {
      status = form.add_file(
          "file", options_.file_name, "text/csv",
          [path = spool_.path()] { return open_spool_reader(path); }, bytes);
    }
    if (!status.ok()) return status;

    http::HttpRequest request;
    request.method = "POST";
    request.url = connection_.url(imports_path_);
    request.headers = {{"Content-Type", form.content_type()}, {"Accept", "application/json"}};
    request.stream = form.body();
    request.creating = true;
    request.expected_statuses = {403, 413};
    const std::string what = "importing " + options_.file_name + " (" + std::to_string(bytes) +
                             " bytes, " + std::to_string(rows) + " rows) into bot '" +
                             options_.bot_id + "' as " + name;
    const auto response = connection_.client->call(request);
    if (!response.ok()) return response.status().with_context(connection_.redact(what));
    if (response->status == 403) {
      return connection_.forbidden(*response, "POST " + imports_path_).with_context(what);
    }
    if (response->status == 413) {
      // The tenant's limit is below ours: say how to make the next run stop before uploading.
      const std::string error = http::parse_server_error(response->body).summary();
      return data_error(connection_.redact(
          what + ": POST " + imports_path_ + " answered 413" + (error.empty() ? "" : " " + error) +
          ". The tenant takes smaller files than max_bytes (" +
          describe_size(options_.max_bytes) +
          "): set max_bytes to its limit so that runs stop before uploading, or import the "
          "export in smaller parts"));
    }
    const auto answer = parse_import_answer(response->body);
    if (!answer) {
      return Status(StatusCode::network_error,
                    what + ": the platform answered " + std::to_string(response->status) +
                        " without an import id and row count; check the bot's imports before "
                        "running again");
    }
    if (answer->rows != rows) {
      return data_error(connection_.redact(
          what + ": the platform imported " + std::to_string(answer->rows) + " rows as " +
          answer->id + " but " + std::to_string(rows) + " were sent; check that import"));
    }
    context_->log(LogLevel::info, connection_.redact("imported " + std::to_string(answer->rows) +
                                                     " rows as " + answer->id + " (" + name + ")"));
    return Status::success();
  }

  TrainingImportOptions options_;
  std::string imports_path_;
  RunContext* context_ = nullptr;
  PlatformConnection connection_;
  SpoolFile spool_;
  RecordCounter counter_;
};

bool has_control(const std::string& text) {
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) return true;
  }
  return false;
}

}  // namespace

NodeType training_import_type() {
  NodeType type;
  type.key = "training_import";
  type.role = NodeRole::sink;
  type.summary =
      "Uploads the enriched CSV to a bot as a training import once the whole run "
      "succeeded";
  type.options = {
      required_option("bot_id", OptionType::string, "the bot to import into (COGNIGY_BOT_ID)"),
      required_option("version_tag", OptionType::string,
                      "names the import enriched_ner_<version_tag>_<UTC time> (VERSION_TAG)"),
      option_with_default("file_name", OptionType::string, "enriched_utterances.csv",
                          "file name of the uploaded CSV part"),
      option_with_default(
          "max_bytes", OptionType::size, "50MiB",
          "largest CSV to upload (the platform's import limit); more fails the run"),
  };
  for (auto& option : platform_connection_options("[bot:export:read, bot:import:write]")) {
    type.options.push_back(std::move(option));
  }
  type.make = [](const NodeOptions& options) -> Result<std::unique_ptr<Node>> {
    auto connection = read_platform_connection(options);
    if (!connection.ok()) return connection.status();
    TrainingImportOptions parsed;
    parsed.connection = std::move(connection).value();
    parsed.bot_id = options.get_string("bot_id");
    if (parsed.bot_id.empty()) return options.error("bot_id", "must not be empty");
    parsed.version_tag = options.get_string("version_tag");
    if (parsed.version_tag.empty() || has_control(parsed.version_tag) ||
        parsed.version_tag.find(' ') != std::string::npos) {
      return options.error("version_tag",
                           "must be non-empty, without spaces or control characters");
    }
    parsed.file_name = options.get_string("file_name");
    if (parsed.file_name.empty() || has_control(parsed.file_name) ||
        parsed.file_name.find('/') != std::string::npos) {
      return options.error("file_name", "must be a plain file name (no '/' or control characters)");
    }
    parsed.max_bytes = options.get_size("max_bytes");
    if (parsed.max_bytes == 0) return options.error("max_bytes", "must be more than 0");
    return std::unique_ptr<Node>(std::make_unique<TrainingImport>(std::move(parsed)));
  };
  return type;
}

}  // namespace sluice::nodes
