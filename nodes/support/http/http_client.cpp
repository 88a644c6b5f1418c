#include "support/http/http_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <mutex>

#include "support/http/url.hpp"

namespace sluice::nodes::http {

namespace {

/// A body that is only kept for an error message is cut here.
constexpr std::size_t kMaxErrorBody = 64 * 1024;
/// Longest wait inside libcurl before the cancellation flag is looked at again (ms).
constexpr int kPollSlice = 50;

void global_init_once() {
  // curl_global_init is not thread-safe itself; every client goes through here first.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

bool is_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != '\0';
}

bool is_token(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), is_token_char);
}

bool is_safe_value(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

bool is_2xx(int status) { return status >= 200 && status <= 299; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' ||
                           text.back() == '\n')) {
    text.remove_suffix(1);
  }
  return text;
}

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

bool append(Slist& list, const std::string& line) {
  curl_slist* grown = curl_slist_append(list.get(), line.c_str());
  if (grown == nullptr) return false;
  list.release();
  list.reset(grown);
  return true;
}

/// What the libcurl callbacks of one exchange share.
struct Transfer {
  const HttpRequest* request = nullptr;
  const BodySink* on_body = nullptr;
  const ResponseHook* on_head = nullptr;
  const std::function<bool()>* cancelled = nullptr;
  CURL* curl = nullptr;
  std::size_t max_kept = 0;

  HttpResponse response;
  bool head_seen = false;
  bool to_sink = false;        ///< this response's body goes to on_body
  bool truncate_kept = false;  ///< keep only the start of the body (an error body)
  bool head_reported = false;

  BodyReader reader;  ///< opened lazily; reset by a rewind
  std::size_t memory_offset = 0;
  std::uint64_t sent = 0;

  Failure failure = Failure::none;  ///< set by a callback that stopped the transfer
  std::string detail;
  Status abort_status;

  void stop(Failure why, std::string text = {}, Status status = {}) {
    failure = why;
    detail = std::move(text);
    abort_status = std::move(status);
  }

  bool expected(int status) const {
    const auto& list = request->expected_statuses;
    return std::find(list.begin(), list.end(), status) != list.end();
  }

  /// Runs user code from a C callback: exceptions must not cross libcurl.
  template <typename Fn>
  bool guarded(Fn&& fn) {
    try {
      return fn();
    } catch (const Error& error) {
      stop(Failure::aborted, {}, error.status());
    } catch (const std::exception& error) {
      stop(Failure::aborted, {}, Status(StatusCode::internal, error.what()));
    } catch (...) {
      stop(Failure::aborted, {}, Status(StatusCode::internal, "unknown exception"));
    }
    return false;
  }

  bool report_head() {
    head_reported = true;
    if (on_head == nullptr || !*on_head) return true;
    return guarded([&] {
      if ((*on_head)(response)) return true;
      stop(Failure::aborted, "the response was refused by the caller");
      return false;
    });
  }

  /// Called once the final response's headers are complete (or at its first body byte).
  bool begin_body() {
    head_seen = true;
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    if (status != 0) response.status = static_cast<int>(status);
    const bool accepted = is_2xx(response.status) || expected(response.status);
    to_sink = on_body != nullptr && is_2xx(response.status);
    truncate_kept = !accepted || on_body != nullptr;
    return to_sink ? report_head() : true;
  }
};

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto& transfer = *static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  const std::string_view line = trim(std::string_view(data, bytes));
  auto& headers = transfer.response.headers;
  if (line.starts_with("HTTP/")) {
    // A new status line: an interim (1xx) response's headers are dropped.
    headers.clear();
    const auto space = line.find(' ');
    int status = 0;
    if (space != std::string_view::npos) {
      for (char c : line.substr(space + 1, 3)) {
        if (c < '0' || c > '9') break;
        status = status * 10 + (c - '0');
      }
    }
    transfer.response.status = status;
  } else if (line.empty()) {
    // The blank line after a final response's headers: its head is complete, report it now
    // rather than at the first body byte (which may be long in coming, or never come).
    if (transfer.response.status >= 200 && !transfer.head_seen && !transfer.begin_body()) return 0;
  } else if (data[0] == ' ' || data[0] == '\t') {
    if (!headers.empty()) headers.back().second += " " + std::string(line);
  } else if (const auto colon = line.find(':'); colon != std::string_view::npos) {
    headers.emplace_back(std::string(trim(line.substr(0, colon))),
                         std::string(trim(line.substr(colon + 1))));
  }
  return bytes;
}

size_t on_write(char* data, size_t size, size_t count, void* user) {
  auto& transfer = *static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  if (!transfer.head_seen && !transfer.begin_body()) return 0;
  if (transfer.to_sink) {
    const bool go_on = transfer.guarded([&] {
      if ((*transfer.on_body)(std::string_view(data, bytes))) return true;
      transfer.stop(Failure::aborted, "the body consumer stopped the download");
      return false;
    });
    return go_on ? bytes : 0;
  }
  std::string& body = transfer.response.body;
  const std::size_t limit = transfer.truncate_kept ? kMaxErrorBody : transfer.max_kept;
  if (body.size() + bytes > limit) {
    if (transfer.truncate_kept) {
      body.append(data, limit - body.size());
      return bytes;
    }
    transfer.stop(Failure::too_large,
                  "the body is over the limit of " + std::to_string(limit) + " bytes");
    return 0;
  }
  body.append(data, bytes);
  return bytes;
}

size_t on_read(char* buffer, size_t size, size_t count, void* user) {
  auto& transfer = *static_cast<Transfer*>(user);
  const size_t capacity = size * count;
  const HttpRequest& request = *transfer.request;
  if (!request.stream) {
    const std::string& body = request.body;
    const size_t produced = std::min(capacity, body.size() - transfer.memory_offset);
    std::memcpy(buffer, body.data() + transfer.memory_offset, produced);
    transfer.memory_offset += produced;
    return produced;
  }
  size_t produced = 0;
  const bool read = transfer.guarded([&] {
    if (!transfer.reader) transfer.reader = request.stream->open();
    if (!transfer.reader) throw Error(StatusCode::internal, "the body source gave no reader");
    produced = transfer.reader(buffer, capacity);
    if (produced > capacity)
      throw Error(StatusCode::internal, "the body reader overran its buffer");
    return true;
  });
  if (!read) return CURL_READFUNC_ABORT;
  transfer.sent += produced;
  if (const auto& length = request.stream->length) {
    if (transfer.sent > *length || (produced == 0 && transfer.sent < *length)) {
      transfer.stop(Failure::aborted, {},
                    data_error("the request body has " +
                               std::string(transfer.sent > *length ? "more than " : "only ") +
                               std::to_string(transfer.sent) + " of its declared " +
                               std::to_string(*length) + " bytes"));
      return CURL_READFUNC_ABORT;
    }
  }
  return produced;
}

int on_seek(void* user, curl_off_t offset, int origin) {
  // libcurl rewinds to resend a body (e.g. a reused connection was already closed). Only a
  // rewind to the start is possible: a fresh reader starts the body again.
  auto& transfer = *static_cast<Transfer*>(user);
  if (origin != SEEK_SET || offset != 0) return CURL_SEEKFUNC_CANTSEEK;
  transfer.reader = nullptr;
  transfer.memory_offset = 0;
  transfer.sent = 0;
  return CURL_SEEKFUNC_OK;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto& transfer = *static_cast<Transfer*>(user);
  if (transfer.cancelled != nullptr && *transfer.cancelled && (*transfer.cancelled)()) {
    transfer.stop(Failure::cancelled);
    return 1;
  }
  return 0;
}

Failure classify(CURLcode code, CURL* curl) {
  // A failure before any request byte went out means the server never saw this call.
  const auto nothing_sent = [curl] {
    long request_size = 0;
    curl_easy_getinfo(curl, CURLINFO_REQUEST_SIZE, &request_size);
    return request_size == 0;
  };
  switch (code) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT: return Failure::connect;
    case CURLE_OPERATION_TIMEDOUT: return nothing_sent() ? Failure::connect : Failure::timeout;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR: return nothing_sent() ? Failure::connect : Failure::dropped;
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM: return Failure::dropped;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED: return Failure::tls;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL: return Failure::invalid_request;
    case CURLE_ABORTED_BY_CALLBACK: return Failure::aborted;
    default: return Failure::other;
  }
}

std::string check_request(const HttpRequest& request) {
  if (!is_token(request.method)) return "invalid HTTP method";
  for (const auto& [name, value] : request.headers) {
    if (!is_token(name)) return "invalid header name";
    if (!is_safe_value(value)) return "header " + name + " holds a line break or NUL";
  }
  if (request.stream && !request.stream->open) return "the streamed body has no reader factory";
  return {};
}

}  // namespace

/// One easy handle driven through its own multi handle: the multi handle keeps the connection
/// cache between calls, and its poll loop lets a cancellation stop a transfer within
/// kPollSlice instead of libcurl's one-second progress ticks.
struct HttpClient::Impl {
  CURL* curl = nullptr;
  CURLM* multi = nullptr;

  ~Impl() {
    if (curl != nullptr) curl_easy_cleanup(curl);
    if (multi != nullptr) curl_multi_cleanup(multi);
  }

  /// Runs the transfer set up on `curl` to its end, or until `cancelled` says true.
  CURLcode perform(const std::function<bool()>& cancelled, Transfer& transfer) {
    if (curl_multi_add_handle(multi, curl) != CURLM_OK) return CURLE_FAILED_INIT;
    CURLcode result = CURLE_OK;
    bool finished = false;
    while (!finished) {
      int running = 0;
      if (curl_multi_perform(multi, &running) != CURLM_OK) {
        result = CURLE_FAILED_INIT;
        break;
      }
      int queued = 0;
      while (CURLMsg* message = curl_multi_info_read(multi, &queued)) {
        if (message->msg == CURLMSG_DONE && message->easy_handle == curl) {
          result = message->data.result;
          finished = true;
        }
      }
      if (finished) break;
      if (cancelled && cancelled()) {
        transfer.stop(Failure::cancelled);
        result = CURLE_ABORTED_BY_CALLBACK;
        break;
      }
      if (curl_multi_poll(multi, nullptr, 0, kPollSlice, nullptr) != CURLM_OK) {
        result = CURLE_FAILED_INIT;
        break;
      }
    }
    curl_multi_remove_handle(multi, curl);
    return result;
  }
};

HttpClient::HttpClient(HttpClientOptions options)
    : options_(std::move(options)), impl_(std::make_unique<Impl>()) {
  global_init_once();
  impl_->curl = curl_easy_init();
  impl_->multi = curl_multi_init();
}

HttpClient::~HttpClient() = default;

Result<HttpResponse> HttpClient::send(const HttpRequest& request) {
  HttpOutcome outcome = exchange(request, nullptr, nullptr);
  if (!outcome.ok()) return error_status(request, outcome);
  return std::move(outcome.response);
}

Result<HttpResponse> HttpClient::download(const HttpRequest& request, const BodySink& on_body,
                                          const ResponseHook& on_head) {
  HttpOutcome outcome = exchange(request, &on_body, &on_head);
  if (!outcome.ok()) return error_status(request, outcome);
  return std::move(outcome.response);
}

Status HttpClient::error_status(const HttpRequest& request, const HttpOutcome& outcome) {
  const auto url = parse_url(request.url);
  const std::string where = url.ok() ? url->without_query() : std::string("(invalid URL)");
  return {status_code_for(outcome),
          request.method + " " + where + " failed: " + describe_outcome(outcome)};
}

HttpOutcome HttpClient::exchange(const HttpRequest& request, const BodySink* on_body,
                                 const ResponseHook* on_head) {
  HttpOutcome outcome;
  const auto started = std::chrono::steady_clock::now();
  const auto finish = [&]() -> HttpOutcome {
    outcome.latency = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    return std::move(outcome);
  };
  const auto refuse = [&](Failure failure, std::string why) {
    outcome.failure = failure;
    outcome.detail = std::move(why);
    return finish();
  };

  if (on_body != nullptr && !*on_body) on_body = nullptr;
  if (const auto url = parse_url(request.url); !url.ok()) {
    return refuse(Failure::invalid_request, url.status().message());
  }
  if (auto problem = check_request(request); !problem.empty()) {
    return refuse(Failure::invalid_request, std::move(problem));
  }
  if (impl_->curl == nullptr || impl_->multi == nullptr) {
    return refuse(Failure::other, "libcurl could not be initialised");
  }
  if (options_.cancelled && options_.cancelled()) return refuse(Failure::cancelled, {});

  CURL* curl = impl_->curl;
  // reset() clears the options of the last call but keeps its open connections for reuse.
  curl_easy_reset(curl);

  Transfer transfer;
  transfer.request = &request;
  transfer.on_body = on_body;
  transfer.on_head = on_head;
  transfer.cancelled = &options_.cancelled;
  transfer.curl = curl;
  transfer.max_kept = options_.max_response_bytes;

  Slist headers;
  bool ok = true;
  for (const auto& [name, value] : request.headers) {
    // "Name;" is libcurl's spelling of a header with an empty value.
    ok = ok && append(headers, value.empty() ? name + ";" : name + ": " + value);
  }
  // Suppress libcurl's defaults: a form Content-Type on every POST, and 100-continue waits.
  if (!find_header(request.headers, "Content-Type")) ok = ok && append(headers, "Content-Type:");
  ok = ok && append(headers, "Expect:");

  const bool has_body = request.stream.has_value() || !request.body.empty() ||
                        request.method == "POST" || request.method == "PUT" ||
                        request.method == "PATCH";
  const bool chunked = request.stream.has_value() && !request.stream->length.has_value();
  if (chunked) ok = ok && append(headers, "Transfer-Encoding: chunked");
  if (!ok) return refuse(Failure::other, "out of memory building the request headers");

  char error_text[CURL_ERROR_SIZE] = {};
  const bool streamed = on_body != nullptr || request.stream.has_value();
  const auto whole_limit = streamed ? options_.stream_timeout : options_.request_timeout;

  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_text);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(whole_limit.count()));
  if (options_.stall_timeout.count() > 0) {
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME,
                     static_cast<long>(options_.stall_timeout.count()));
  }
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file.c_str());
  curl_easy_setopt(curl, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, options_.user_agent.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());

  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &transfer);

  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (has_body) {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(curl, CURLOPT_READDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_SEEKFUNCTION, on_seek);
    curl_easy_setopt(curl, CURLOPT_SEEKDATA, &transfer);
    const curl_off_t length =
        request.stream ? (chunked ? -1 : static_cast<curl_off_t>(*request.stream->length))
                       : static_cast<curl_off_t>(request.body.size());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, length);
    if (request.method != "POST")
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  } else {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    if (request.method != "GET")
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }

  const CURLcode code = impl_->perform(options_.cancelled, transfer);

  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  if (status != 0) transfer.response.status = static_cast<int>(status);
  const int final_status = transfer.response.status;

  if (transfer.failure != Failure::none) {
    outcome.failure = transfer.failure;
    outcome.detail = std::move(transfer.detail);
    outcome.abort_status = std::move(transfer.abort_status);
  } else if (code != CURLE_OK) {
    outcome.failure = classify(code, curl);
    outcome.detail = error_text[0] != '\0' ? std::string(error_text) : curl_easy_strerror(code);
  } else if (is_2xx(final_status) || transfer.expected(final_status)) {
    // An empty 2xx body never reached on_write: report the head now.
    if (on_body != nullptr && is_2xx(final_status) && !transfer.head_reported &&
        !transfer.report_head()) {
      outcome.failure = transfer.failure;
      outcome.detail = std::move(transfer.detail);
      outcome.abort_status = std::move(transfer.abort_status);
    }
  } else {
    outcome.failure = Failure::http_status;
  }
  outcome.response = std::move(transfer.response);
  // Drop the pointers to this call's stack (error buffer, header list, callback data) so that
  // nothing libcurl does later, e.g. closing connections, can reach them.
  curl_easy_reset(curl);
  return finish();
}

}  // namespace sluice::nodes::http
