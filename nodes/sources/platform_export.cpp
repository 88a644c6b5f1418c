#include "sources/platform_export.hpp"

#include <simdjson.h>

#include <atomic>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>

#include "support/http/url.hpp"

namespace sluice::nodes {

namespace {

using std::chrono::milliseconds;

/// Chunks the download thread may have ready ahead of the source step.
constexpr std::size_t kQueueChunks = 4;
/// How often a waiting source step looks at the cancellation flag.
constexpr milliseconds kWakeInterval{100};
/// url_expired answers in a row, with no byte received in between, before giving up: a URL that
/// expires before it can be used would otherwise be fetched again forever.
constexpr int kMaxExpiriesWithoutProgress = 5;

/// "30m", "5s", "1h", "250ms", "1.5s": as a user would write it in the pipeline file.
std::string describe_duration(milliseconds duration) {
  const auto ms = duration.count();
  if (ms > 0 && ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms > 0 && ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  if (ms < 1000) return std::to_string(ms) + "ms";
  std::string seconds = std::to_string(static_cast<double>(ms) / 1000.0);
  while (seconds.back() == '0') seconds.pop_back();
  return seconds + "s";
}

/// `text` as a JSON string literal.
std::string json_quote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20) {
      constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out += kHex[byte >> 4];
      out += kHex[byte & 0x0F];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

/// The members of an export's JSON this node reads; unknown members are ignored.
struct ExportState {
  std::string id;
  std::string status;
  std::string download_url;
  std::string error;
};

std::optional<ExportState> parse_export_state(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(body.data(), body.size(), true).get(object) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  ExportState state;
  auto read = [&](const char* key, std::string& into) {
    std::string_view value;
    if (object[key].get(value) == simdjson::SUCCESS) into = std::string(value);
  };
  read("id", state.id);
  read("status", state.status);
  read("downloadUrl", state.download_url);
  read("error", state.error);
  return state;
}

/// Byte chunks passed from the download thread (producer) to the source step (consumer). Bounded,
/// so a fast network never piles up more than `capacity` chunks in memory.
class ChunkQueue {
 public:
  explicit ChunkQueue(std::size_t capacity) : capacity_(capacity) {}

  /// Waits while the queue is full. False when the consumer has closed it (the run is over).
  bool push(std::string chunk) {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return chunks_.size() < capacity_ || closed_; });
    if (closed_) return false;
    chunks_.push_back(std::move(chunk));
    not_empty_.notify_one();
    return true;
  }

  /// The producer is done: `status` ok at the end of the download, else why it stopped.
  void finish(Status status) {
    std::lock_guard lock(mutex_);
    finished_ = true;
    status_ = std::move(status);
    not_empty_.notify_all();
  }

  /// The consumer is gone: wakes and refuses the producer.
  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    not_full_.notify_all();
  }

  enum class Pop { chunk, end, failed, waiting };

  /// A chunk, the end of the stream, the producer's failure (`failure` set; reported before
  /// any chunk still queued, as the run stops anyway), or `waiting` after `wait` with nothing.
  Pop pop(std::string& out, Status& failure, milliseconds wait) {
    std::unique_lock lock(mutex_);
    not_empty_.wait_for(lock, wait, [&] { return !chunks_.empty() || finished_; });
    if (finished_ && !status_.ok()) {
      failure = status_;
      return Pop::failed;
    }
    if (!chunks_.empty()) {
      out = std::move(chunks_.front());
      chunks_.pop_front();
      not_full_.notify_one();
      return Pop::chunk;
    }
    return finished_ ? Pop::end : Pop::waiting;
  }

 private:
  const std::size_t capacity_;
  std::mutex mutex_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::deque<std::string> chunks_;
  bool closed_ = false;
  bool finished_ = false;
  Status status_;
};

class PlatformExport final : public Node {
 public:
  explicit PlatformExport(PlatformExportOptions options)
      : options_(std::move(options)),
        bot_path_("/api/v2/bots/" + http::encode_path_segment(options_.bot_id)),
        queue_(kQueueChunks) {}
  ~PlatformExport() override { stop_download(); }

  NodeShape shape() const override { return NodeShape::source(PayloadKind::bytes); }

  Status open(RunContext& context) override {
    context_ = &context;
    auto connection =
        connect_platform(options_.connection, context, [this] { return stopping_.load(); });
    if (!connection.ok()) return connection.status();
    connection_ = std::move(connection).value();
    return Status::success();
  }

  std::vector<Step> steps() override {
    return {SourceStep{[this](Batch& out) { return next(out); }}};
  }

  Status commit() override {
    stop_download();
    return Status::success();
  }
  void abort() noexcept override { stop_download(); }

 private:
  bool next(Batch& out) {
    if (!started_) {
      started_ = true;
      try {
        if (!begin()) return false;
      } catch (const Error& error) {
        // A call cut short by Ctrl-C is not a failure of its own: the run reports the cancel.
        if (error.status().code() == StatusCode::cancelled && context_->cancelled()) return false;
        throw;
      }
    }
    std::string chunk;
    Status failure;
    while (true) {
      switch (queue_.pop(chunk, failure, kWakeInterval)) {
        case ChunkQueue::Pop::chunk:
          break;
        case ChunkQueue::Pop::end:
          return false;
        case ChunkQueue::Pop::failed:
          if (failure.code() == StatusCode::cancelled && context_->cancelled()) return false;
          throw Error(failure);
        case ChunkQueue::Pop::waiting:
          if (context_->cancelled()) return false;
          continue;
      }
      break;
    }
    out.position.source = source_name_;
    out.position.byte_offset = offset_;
    offset_ += chunk.size();
    out.payload = ByteChunk::own(std::move(chunk));
    return true;
  }

  /// Creates the export, waits for it and starts the download thread. False when cancelled.
  bool begin() {
    export_id_ = create_export();
    source_name_ = std::make_shared<const std::string>("export " + export_id_);
    const auto url = wait_until_completed();
    if (!url) return false;
    context_->log(LogLevel::verbose, "export " + export_id_ + " of bot '" + options_.bot_id +
                                         "' completed; downloading");
    download_thread_ = std::thread([this, url = *url] { download(url); });
    return true;
  }

  [[noreturn]] void fail(const Status& status, const std::string& context) const {
    throw Error(Status(status.code(), connection_.redact(context + ": " + status.message())));
  }

  /// The answer to a call, or an Error naming what was being done. A cancelled call is thrown
  /// as cancelled; next() turns that into a quiet end when the run is being cancelled.
  http::HttpResponse checked(Result<http::HttpResponse> response, const std::string& doing) const {
    if (!response.ok()) fail(response.status(), doing);
    return std::move(response).value();
  }

  std::string create_export() {
    http::HttpRequest request;
    request.method = "POST";
    request.url = connection_.url(bot_path_ + "/exports");
    request.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
    request.body = "{\"name\":" + json_quote(options_.export_name) + ",\"format\":\"csv\"}";
    request.creating = true;
    request.expected_statuses = {403, 404};
    const std::string call = "POST " + bot_path_ + "/exports";
    const auto response = checked(connection_.client->call(request),
                                  "creating an export of bot '" + options_.bot_id + "'");
    if (response.status == 404) {
      const http::ServerError server = http::parse_server_error(response.body);
      std::string message = "unknown bot '" + options_.bot_id + "': " + call + " answered 404";
      if (!server.message.empty()) message += " (" + server.message + ")";
      throw Error(StatusCode::not_found, connection_.redact(message + "; check bot_id"));
    }
    if (response.status == 403) throw Error(connection_.forbidden(response, call));
    const auto state = parse_export_state(response.body);
    if (!state || state->id.empty()) {
      throw Error(StatusCode::network_error, call + " answered " + std::to_string(response.status) +
                                                 " without an export id in a JSON object");
    }
    // The id goes into every later message and log line: it must be a plain one-line token
    // (printable_server_text changes a control character, and cuts past 200 bytes).
    if (http::printable_server_text(state->id) != state->id) {
      throw Error(StatusCode::network_error,
                  call + " answered an export id that is not a plain identifier: '" +
                      http::printable_server_text(state->id, 60) + "'");
    }
    context_->log(LogLevel::verbose,
                  "created export " + state->id + " of bot '" + options_.bot_id + "'");
    return state->id;
  }

  ExportState poll_export() {
    http::HttpRequest request;
    request.url = connection_.url(bot_path_ + "/exports/" + http::encode_path_segment(export_id_));
    request.headers = {{"Accept", "application/json"}};
    request.expected_statuses = {403};
    const auto response =
        checked(connection_.client->call(request), "polling export " + export_id_);
    if (response.status == 403) {
      throw Error(connection_.forbidden(response, "GET " + bot_path_ + "/exports/" + export_id_));
    }
    auto state = parse_export_state(response.body);
    if (!state) {
      throw Error(StatusCode::network_error,
                  "polling export " + export_id_ + ": the answer is not a JSON object");
    }
    return std::move(*state);
  }

  /// Polls until the export is completed and returns its (freshly signed) downloadUrl; nullopt
  /// when the run is cancelled meanwhile. Throws when it failed or the deadline passed.
  std::optional<std::string> wait_until_completed() {
    const auto deadline = std::chrono::steady_clock::now() + options_.poll_deadline;
    const auto sleeper = http::real_sleeper();
    const std::function<bool()> cancelled = [this] {
      return context_->cancelled() || stopping_.load();
    };
    while (true) {
      ExportState state = poll_export();
      if (state.status == "completed") {
        if (state.download_url.empty()) {
          throw Error(StatusCode::network_error,
                      "export " + export_id_ + " is completed but has no downloadUrl");
        }
        return std::move(state.download_url);
      }
      if (state.status == "failed") {
        throw Error(StatusCode::network_error,
                    connection_.redact("export " + export_id_ + " of bot '" + options_.bot_id +
                                       "' failed on the platform: " +
                                       (state.error.empty()
                                            ? std::string("no reason given")
                                            : http::printable_server_text(state.error))));
      }
      if (state.status != "pending" && state.status != "running") {
        throw Error(StatusCode::network_error,
                    connection_.redact("export " + export_id_ + " has an unknown status '" +
                                       http::printable_server_text(state.status, 40) +
                                       "' (expected pending, running, completed or failed)"));
      }
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) {
        throw Error(StatusCode::network_error,
                    "export " + export_id_ + " did not complete within " +
                        describe_duration(options_.poll_deadline) + " (last status " +
                        state.status + "); raise poll_deadline");
      }
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - now) + milliseconds(1);
      if (!sleeper(std::min(options_.poll_interval, left), cancelled)) return std::nullopt;
    }
  }

  /// The download thread's body: every outcome ends in queue_.finish().
  void download(const std::string& url) {
    std::uint64_t delivered = 0;
    Status status;
    try {
      status = run_download(url, delivered);
    } catch (const Error& error) {
      status = error.status();
    } catch (const std::exception& error) {
      status = Status(StatusCode::internal, error.what());
    }
    if (!status.ok() && status.code() != StatusCode::cancelled) {
      status =
          Status(status.code(), "export " + export_id_ + " of bot '" + options_.bot_id +
                                    "': the download stopped after " + std::to_string(delivered) +
                                    " bytes had been received: " + status.message());
    }
    queue_.finish(std::move(status));
  }

  Status run_download(std::string url, std::uint64_t& delivered) {
    const std::uint64_t chunk_size = options_.chunk_size;
    std::string pending;  // received bytes not yet queued (less than one chunk)
    pending.reserve(chunk_size);
    const http::BodySink sink = [&](std::string_view bytes) {
      while (!bytes.empty()) {
        const auto take = static_cast<std::size_t>(
            std::min<std::uint64_t>(bytes.size(), chunk_size - pending.size()));
        pending.append(bytes.substr(0, take));
        bytes.remove_prefix(take);
        if (pending.size() == chunk_size) {
          if (!queue_.push(std::move(pending))) return false;
          pending = std::string();
          pending.reserve(chunk_size);
        }
      }
      return true;
    };
    const auto stopped = [] { return Status(StatusCode::cancelled, "the download was stopped"); };

    int expiries = 0;
    std::uint64_t delivered_at_expiry = std::numeric_limits<std::uint64_t>::max();
    while (true) {
      if (stopping_.load()) return stopped();
      http::HttpRequest request;
      request.url = url;
      request.headers = {{"Accept", "text/csv"}};
      request.expected_statuses = {403};
      const std::uint64_t before = delivered;
      auto response = connection_.client->download(request, sink, delivered);
      if (!response.ok()) {
        if (stopping_.load()) return stopped();
        // The HTTP layer gave up after its attempts, but this call made progress: a flaky link
        // rather than a dead one, so go on from where it stopped with a fresh attempt budget.
        if (response.status().code() == StatusCode::network_error && delivered > before) {
          context_->log(LogLevel::verbose, "download of export " + export_id_ +
                                               " broke off after " + std::to_string(delivered) +
                                               " bytes; resuming");
          continue;
        }
        return response.status();
      }
      if (response->status == 403) {
        const http::ServerError server = http::parse_server_error(response->body);
        if (server.code != "url_expired") {
          return Status(
              StatusCode::network_error,
              connection_.redact("the download URL was refused (403 " + server.code +
                                 (server.message.empty() ? "" : ": " + server.message) + ")"));
        }
        expiries = delivered == delivered_at_expiry ? expiries + 1 : 1;
        delivered_at_expiry = delivered;
        if (expiries > kMaxExpiriesWithoutProgress) {
          return Status(StatusCode::network_error,
                        "the download URL expired " + std::to_string(expiries) +
                            " times in a row before a byte arrived; the platform's URLs live too "
                            "short to be used");
        }
        context_->log(LogLevel::verbose, "the download URL of export " + export_id_ +
                                             " expired after " + std::to_string(delivered) +
                                             " bytes; polling for a fresh one");
        auto fresh = wait_until_completed();
        if (!fresh) return stopped();
        url = std::move(*fresh);
        continue;
      }
      if (!pending.empty() && !queue_.push(std::move(pending))) return stopped();
      context_->log(LogLevel::info, "downloaded export " + export_id_ + " of bot '" +
                                        options_.bot_id + "' (" + std::to_string(delivered) +
                                        " bytes)");
      return Status::success();
    }
  }

  /// Ends the download thread (if any) and waits for it. Idempotent, never throws.
  void stop_download() noexcept {
    stopping_.store(true);
    queue_.close();
    if (download_thread_.joinable()) download_thread_.join();
  }

  PlatformExportOptions options_;
  std::string bot_path_;  ///< "/api/v2/bots/<bot id, encoded>"
  RunContext* context_ = nullptr;
  PlatformConnection connection_;
  bool started_ = false;
  std::string export_id_;
  std::shared_ptr<const std::string> source_name_;
  std::uint64_t offset_ = 0;
  ChunkQueue queue_;
  std::atomic<bool> stopping_{false};
  std::thread download_thread_;
};

}  // namespace

NodeType platform_export_type() {
  NodeType type;
  type.key = "platform_export";
  type.role = NodeRole::source;
  type.summary = "Exports a bot's utterances from the platform and streams the CSV as byte chunks";
  type.options = {
      required_option("bot_id", OptionType::string, "the bot to export (COGNIGY_BOT_ID)"),
      option_with_default("export_name", OptionType::string, "sluice-ner-export",
                          "name given to the export job"),
      option_with_default("poll_interval", OptionType::duration, "5s",
                          "wait between polls of the export's status"),
      option_with_default("poll_deadline", OptionType::duration, "30m",
                          "give up when the export has not completed after this long"),
      option_with_default("chunk_size", OptionType::size, "1MiB",
                          "bytes per chunk (batch); at most 4 chunks wait in memory"),
  };
  for (auto& option : platform_connection_options("[bot:export:read, bot:import:write]")) {
    type.options.push_back(std::move(option));
  }
  type.make = [](const NodeOptions& options) -> Result<std::unique_ptr<Node>> {
    auto connection = read_platform_connection(options);
    if (!connection.ok()) return connection.status();
    PlatformExportOptions parsed;
    parsed.connection = std::move(connection).value();
    parsed.bot_id = options.get_string("bot_id");
    if (parsed.bot_id.empty()) return options.error("bot_id", "must not be empty");
    parsed.export_name = options.get_string("export_name");
    if (parsed.export_name.empty()) return options.error("export_name", "must not be empty");
    const double interval = options.get_duration_seconds("poll_interval");
    if (interval < 0.001 || interval > 3600) {
      return options.error("poll_interval", "must be between 1ms and 1h");
    }
    parsed.poll_interval = milliseconds(std::llround(interval * 1000));
    const double deadline = options.get_duration_seconds("poll_deadline");
    if (deadline < 0.001) return options.error("poll_deadline", "must be at least 1ms");
    parsed.poll_deadline = milliseconds(std::llround(deadline * 1000));
    parsed.chunk_size = options.get_size("chunk_size");
    if (parsed.chunk_size < 1024 || parsed.chunk_size > (1ULL << 30)) {
      return options.error("chunk_size", "must be between 1KiB and 1GiB");
    }
    return std::unique_ptr<Node>(std::make_unique<PlatformExport>(std::move(parsed)));
  };
  return type;
}

}  // namespace sluice::nodes
