#include "emulator.hpp"

#include <httplib.h>
#include <simdjson.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <utility>

#include "byte_range.hpp"
#include "crypto.hpp"
#include "export_stream.hpp"
#include "http_auth.hpp"
#include "idempotency_store.hpp"
#include "json_text.hpp"
#include "token_store.hpp"
#include "url_form.hpp"
#include "word_list.hpp"

namespace sluice::emulator {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxTokenBodyBytes = 64 * 1024;
constexpr std::size_t kMaxJsonBodyBytes = 1024 * 1024;
constexpr std::size_t kMaxIdempotencyKeyBytes = 255;
constexpr std::size_t kMaxRequestLog = 10000;
constexpr std::size_t kKeepAliveMaxRequests = 100;
/// How long an export poll waits for the export's size before answering "running" instead.
constexpr std::chrono::seconds kPollWaitForSize{2};
constexpr const char* kJson = "application/json";
constexpr const char* kRealm = "sluice-emulator";

enum class Listener { api, downloads };

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

/// The media type of a Content-Type value, lowercase, without parameters.
std::string media_type(std::string_view content_type) {
  const std::size_t semicolon = content_type.find(';');
  std::string_view type = content_type.substr(0, semicolon);
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  while (!type.empty() && type.front() == ' ') type.remove_prefix(1);
  return lowercase(type);
}

bool contains(const std::vector<std::string>& items, std::string_view item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

/// Matches a path against a pattern whose "{}" segments capture one non-empty segment each.
bool match_path(std::string_view pattern, std::string_view path, std::vector<std::string>& params) {
  params.clear();
  while (true) {
    const std::size_t pattern_end = std::min(pattern.find('/', 1), pattern.size());
    const std::size_t path_end = std::min(path.find('/', 1), path.size());
    const std::string_view want = pattern.substr(0, pattern_end);
    const std::string_view got = path.substr(0, path_end);
    if (want == "/{}") {
      if (got.size() < 2) return false;
      params.emplace_back(got.substr(1));
    } else if (want != got) {
      return false;
    }
    pattern.remove_prefix(pattern_end);
    path.remove_prefix(path_end);
    if (pattern.empty() || path.empty()) return pattern.empty() && path.empty();
  }
}

std::uint64_t unix_millis_now() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

std::string rfc3339_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

std::string url_host(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

void send_json(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, kJson);
}

void send_error(httplib::Response& res, int status, std::string_view code,
                std::string_view message) {
  send_json(res, status, json_error(code, message));
}

/// Error code for a status cpp-httplib produced on its own (bad request line, bad Range...).
const char* error_code_for(int status) {
  switch (status) {
    case 400:
      return "invalid_request";
    case 404:
      return "not_found";
    case 405:
      return "method_not_allowed";
    case 413:
      return "payload_too_large";
    case 414:
      return "uri_too_long";
    case 416:
      return "range_not_satisfiable";
    default:
      return status >= 500 ? "server_error" : "error";
  }
}

/// cpp-httplib parses Range and Accept-Encoding itself and would apply them to every response
/// (slicing even JSON error bodies, compressing chunked downloads). The emulator implements
/// ranges itself and always answers without a content coding, so it removes both from the
/// request before answering. The Request is a non-const object inside cpp-httplib that handlers
/// only see as const, so changing it through const_cast is well defined.
void take_over_ranges_and_encoding(const httplib::Request& req) {
  auto& request = const_cast<httplib::Request&>(req);
  request.ranges.clear();
  request.headers.erase("Accept-Encoding");
}

/// A request body, read at most once and lazily (after the checks that come before the body);
/// whatever the handler did not read is drained at the end so that the connection stays in step
/// and the client, still sending, gets to read the answer.
class BodyReader {
 public:
  enum class Read { ok, too_large, failed };

  /// `reader` is null for requests whose body cpp-httplib has already read into req.body.
  BodyReader(const httplib::Request& req, const httplib::ContentReader* reader)
      : req_(req), reader_(reader) {}

  /// The whole body into `out`; too_large (the rest drained) past `max_bytes`.
  Read read_all(std::string& out, std::size_t max_bytes) {
    if (reader_ == nullptr || consumed_) {
      if (req_.body.size() > max_bytes) return Read::too_large;
      out = req_.body;
      return Read::ok;
    }
    consumed_ = true;
    bool too_large = false;
    auto receive = [&](const char* data, std::size_t size) {
      if (out.size() + size > max_bytes) too_large = true;
      if (!too_large) out.append(data, size);
      return true;
    };
    const bool ok =
        req_.is_multipart_form_data()
            ? (*reader_)([](const httplib::MultipartFormData&) { return true; }, receive)
            : (*reader_)(receive);
    if (!ok) {
      read_to_end_ = false;
      return Read::failed;
    }
    return too_large ? Read::too_large : Read::ok;
  }

  /// Streams a multipart/form-data body part by part. False when it is not well-formed.
  bool read_multipart(const httplib::MultipartContentHeader& header,
                      const httplib::ContentReceiver& receiver) {
    if (reader_ == nullptr || consumed_) return false;
    consumed_ = true;
    read_to_end_ = (*reader_)(header, receiver);
    return read_to_end_;
  }

  void drain() {
    if (reader_ == nullptr || consumed_) return;
    consumed_ = true;
    auto discard = [](const char*, std::size_t) { return true; };
    read_to_end_ = req_.is_multipart_form_data()
                       ? (*reader_)([](const httplib::MultipartFormData&) { return true; }, discard)
                       : (*reader_)(discard);
  }

  /// False when a read stopped before the body's end: cpp-httplib gives up on a multipart body
  /// where it fails (no boundary, a broken part), and what is left of it would be read as the
  /// next request on the connection.
  bool read_to_end() const noexcept { return read_to_end_; }

 private:
  const httplib::Request& req_;
  const httplib::ContentReader* reader_;
  bool consumed_ = false;
  bool read_to_end_ = true;
};

/// One request being answered.
struct Exchange {
  const httplib::Request& req;
  httplib::Response& res;
  BodyReader& body;
  Listener listener;
  std::vector<std::string> params;  // the route's "{}" segments
};

/// An export job and its download fault state.
struct ExportJob {
  std::string id;
  std::string bot_id;
  std::string name;
  std::string created_at;
  int polls = 0;
  int drops = 0;                      // cuts made by the drop fault
  std::uint64_t dropped_through = 0;  // highest cut offset so far
};

}  // namespace

struct Emulator::Impl {
  using Handler = void (Impl::*)(Exchange&);

  struct Route {
    std::string method;   // GET (which also answers HEAD) or POST
    std::string pattern;  // "{}" captures a segment
    Listener listener;
    Handler handler;
  };

  /// Ends the Idempotency-Key reservation of a request with whatever it answered.
  struct IdempotencyScope {
    IdempotencyStore* store = nullptr;
    std::string scope;
    std::string key;
    const httplib::Response* res = nullptr;
    ~IdempotencyScope() {
      if (store != nullptr) store->complete(scope, key, {res->status, res->body}, Clock::now());
    }
  };

  explicit Impl(EmulatorOptions options)
      : options_(std::move(options)),
        idempotency_(std::chrono::duration<double>(options_.idempotency_window_seconds)),
        signing_key_(random_hex(32)) {
    export_options_ = export_generator_options(options_);
    const Listener downloads = options_.download_host.empty() ? Listener::api : Listener::downloads;
    routes_ = {
        {"POST", "/oauth/token", Listener::api, &Impl::handle_token},
        {"POST", "/api/v1/oauth/token", Listener::api, &Impl::handle_token},
        {"POST", "/api/v2/bots/{}/exports", Listener::api, &Impl::handle_create_export},
        {"GET", "/api/v2/bots/{}/exports/{}", Listener::api, &Impl::handle_get_export},
        {"POST", "/api/v2/bots/{}/imports", Listener::api, &Impl::handle_import},
        {"GET", "/downloads/{}", downloads, &Impl::handle_download},
    };
  }

  ~Impl() { stop(); }

  // ---------------------------------------------------------------------------------------
  // Lifecycle

  Status start() {
    auto bound = listen(api_server_, Listener::api, options_.host, options_.port, api_thread_);
    if (!bound) return bound.status();
    port_ = *bound;
    base_url_ = "http://" + url_host(options_.host) + ":" + std::to_string(port_);
    download_base_url_ = base_url_;
    if (!options_.download_host.empty()) {
      download_server_ = std::make_unique<httplib::Server>();
      auto download_port = listen(*download_server_, Listener::downloads, options_.download_host,
                                  options_.download_port, download_thread_);
      if (!download_port) return download_port.status();
      download_base_url_ =
          "http://" + url_host(options_.download_host) + ":" + std::to_string(*download_port);
    }
    measure_thread_ = std::thread([this] {
      auto size = measure_export(export_options_, stopping_);
      {
        std::lock_guard lock(size_mutex_);
        export_size_ = size;
        size_known_ = size.has_value();
      }
      size_cv_.notify_all();
    });
    return {};
  }

  /// Configures `server`, binds it and runs it on `thread`; returns the port once it accepts.
  Result<int> listen(httplib::Server& server, Listener listener, const std::string& host, int port,
                     std::thread& thread) {
    configure(server, listener);
    const int bound =
        port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
    if (bound <= 0) {
      return Status(StatusCode::io_error,
                    "emulator: cannot listen on " + host + ":" + std::to_string(port));
    }
    auto finished = std::make_shared<std::atomic<bool>>(false);
    thread = std::thread([&server, finished] {
      server.listen_after_bind();
      finished->store(true);
    });
    // bind_to_port already listens, so connections queue; wait for the accept loop anyway so
    // that stop() (which only acts on a running server) can never miss it.
    while (!server.is_running() && !finished->load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (!server.is_running()) {
      return Status(StatusCode::io_error, "emulator: the listener on " + host + ":" +
                                              std::to_string(bound) + " stopped at once");
    }
    return bound;
  }

  void configure(httplib::Server& server, Listener listener) {
    const int threads = options_.threads;
    server.new_task_queue = [threads] {
      return new httplib::ThreadPool(static_cast<std::size_t>(threads));
    };
    server.set_tcp_nodelay(true);
    // cpp-httplib's default also sets SO_REUSEPORT, which lets a second emulator bind the same
    // port silently; keep only SO_REUSEADDR (rebinding right after a restart).
    server.set_socket_options([](socket_t socket) {
      int yes = 1;
      setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    server.set_keep_alive_max_count(kKeepAliveMaxRequests);
    server.set_keep_alive_timeout(options_.keep_alive_seconds);
    auto plain = [this, listener](const httplib::Request& req, httplib::Response& res) {
      dispatch(listener, req, res, nullptr);
    };
    auto streamed = [this, listener](const httplib::Request& req, httplib::Response& res,
                                     const httplib::ContentReader& reader) {
      dispatch(listener, req, res, &reader);
    };
    server.Get(".*", plain);
    server.Post(".*", streamed);
    server.Put(".*", plain);
    server.Patch(".*", plain);
    server.Delete(".*", plain);
    server.Options(".*", plain);
    // Errors cpp-httplib answers by itself (malformed requests) get the contract's JSON body.
    server.set_error_handler(httplib::Server::HandlerWithResponse(
        [](const httplib::Request& req, httplib::Response& res) {
          if (!res.body.empty() || res.content_provider_) {
            return httplib::Server::HandlerResponse::Unhandled;
          }
          take_over_ranges_and_encoding(req);
          send_error(res, res.status, error_code_for(res.status),
                     "the request was rejected (HTTP " + std::to_string(res.status) + ")");
          return httplib::Server::HandlerResponse::Handled;
        }));
    server.set_exception_handler(
        [](const httplib::Request& req, httplib::Response& res, std::exception_ptr error) {
          take_over_ranges_and_encoding(req);
          std::string message = "unexpected error";
          try {
            std::rethrow_exception(error);
          } catch (const std::exception& e) {
            message = e.what();
          } catch (...) {
          }
          send_error(res, 500, "internal_error", message);
        });
  }

  void stop() {
    std::lock_guard lock(stop_mutex_);
    {
      // Under the lock, so that a waiter cannot miss the change between its check and its wait.
      std::lock_guard size_lock(size_mutex_);
      stopping_ = true;
    }
    size_cv_.notify_all();
    if (api_server_.is_running()) api_server_.stop();
    if (download_server_ && download_server_->is_running()) download_server_->stop();
    for (std::thread* thread : {&api_thread_, &download_thread_, &measure_thread_}) {
      if (thread->joinable()) thread->join();
    }
  }

  // ---------------------------------------------------------------------------------------
  // Dispatch: faults, then route, then the endpoint's handler.

  void dispatch(Listener listener, const httplib::Request& req, httplib::Response& res,
                const httplib::ContentReader* reader) {
    take_over_ranges_and_encoding(req);
    BodyReader body(req, reader);
    Exchange ex{req, res, body, listener, {}};
    count(&EmulatorStats::requests);
    if (!inject_faults(ex)) route(ex);
    // A failed read sets cpp-httplib's own 400 on the response; the answer already given stays.
    const int answered = res.status;
    body.drain();
    if (!body.read_to_end()) {
      res.status = answered;
      res.set_header("Connection", "close");
    }
    if (res.status == -1) res.status = 200;
    log_request(ex);
  }

  /// The contract's first check: rate limit and faults. True when the request was answered.
  bool inject_faults(Exchange& ex) {
    const Faults& f = options_.faults;
    if (ex.req.path.compare(0, f.fault_path_prefix.size(), f.fault_path_prefix) != 0) return false;
    const std::uint64_t n = ++fault_counter_;
    if (f.slow_response_ms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(f.slow_response_ms));
    }
    if (f.rate_limit_every > 0 && n % static_cast<std::uint64_t>(f.rate_limit_every) == 0) {
      count(&EmulatorStats::rate_limited);
      ex.res.set_header("Retry-After", std::to_string(f.retry_after_seconds));
      send_error(ex.res, 429, "rate_limited",
                 "too many requests (injected fault: rate_limit_every=" +
                     std::to_string(f.rate_limit_every) + ")");
      return true;
    }
    if (f.server_error_every > 0 && n % static_cast<std::uint64_t>(f.server_error_every) == 0) {
      count(&EmulatorStats::server_errors);
      send_error(ex.res, f.server_error_status, "server_error",
                 "temporary server error (injected fault: server_error_every=" +
                     std::to_string(f.server_error_every) + ")");
      return true;
    }
    return false;
  }

  void route(Exchange& ex) {
    const std::string method = ex.req.method == "HEAD" ? "GET" : ex.req.method;
    std::vector<std::string> allowed;
    std::vector<std::string> params;
    for (const Route& r : routes_) {
      if (r.listener != ex.listener || !match_path(r.pattern, ex.req.path, params)) continue;
      if (r.method == method) {
        ex.params = std::move(params);
        (this->*r.handler)(ex);
        return;
      }
      allowed.push_back(r.method == "GET" ? "GET, HEAD" : r.method);
    }
    if (!allowed.empty()) {
      ex.res.set_header("Allow", join_words(allowed, ", "));
      send_error(ex.res, 405, "method_not_allowed",
                 ex.req.method + " is not allowed on " + ex.req.path);
      return;
    }
    send_error(ex.res, 404, "not_found", "no endpoint " + ex.req.method + " " + ex.req.path);
  }

  // ---------------------------------------------------------------------------------------
  // Checks shared by the API endpoints, in the contract's order.

  /// Bearer token (401), then scope (403). True when the call may go on.
  bool authorize(Exchange& ex, std::string_view scope) {
    const std::string header = ex.req.get_header_value("Authorization");
    const auto token = parse_bearer_authorization(header);
    std::string problem;
    TokenStore::Lookup lookup;
    if (!token) {
      problem = header.empty() ? "a bearer token is required (Authorization: Bearer <token>)"
                               : "the Authorization header is not 'Bearer <token>'";
    } else {
      lookup = tokens_.find(*token, Clock::now());
      if (lookup.state == TokenStore::State::unknown) problem = "unknown access token";
      if (lookup.state == TokenStore::State::expired) problem = "the access token has expired";
    }
    if (!problem.empty()) {
      count(&EmulatorStats::unauthorized);
      ex.res.set_header("WWW-Authenticate",
                        std::string("Bearer realm=\"") + kRealm + "\", error=\"invalid_token\"");
      send_error(ex.res, 401, "invalid_token", problem);
      return false;
    }
    if (!contains(lookup.scopes, scope)) {
      count(&EmulatorStats::forbidden);
      ex.res.set_header("WWW-Authenticate", std::string("Bearer realm=\"") + kRealm +
                                                "\", error=\"insufficient_scope\", scope=\"" +
                                                std::string(scope) + "\"");
      send_json(ex.res, 403,
                JsonObject()
                    .add_string("error", "insufficient_scope")
                    .add_string("required", scope)
                    .add_string("message", "the access token lacks the scope " + std::string(scope))
                    .str());
      return false;
    }
    return true;
  }

  bool known_bot(Exchange& ex) {
    if (contains(options_.bot_ids, ex.params[0])) return true;
    send_error(ex.res, 404, "not_found", "unknown bot '" + ex.params[0] + "'");
    return false;
  }

  /// Idempotency-Key: replays a remembered answer (true: answered), refuses a concurrent
  /// duplicate (true: answered) or reserves the key in `scope` for this request (false).
  bool replay_idempotent(Exchange& ex, IdempotencyScope& scope) {
    const std::string key = ex.req.get_header_value("Idempotency-Key");
    if (key.empty()) return false;
    const bool printable = std::all_of(key.begin(), key.end(), [](char c) {
      return static_cast<unsigned char>(c) >= 0x20 && c != 0x7F;
    });
    if (key.size() > kMaxIdempotencyKeyBytes || !printable) {
      send_error(ex.res, 400, "invalid_request",
                 "Idempotency-Key must be 1 to " + std::to_string(kMaxIdempotencyKeyBytes) +
                     " printable characters");
      return true;
    }
    const std::string key_scope = "POST " + ex.req.path;
    const auto begin = idempotency_.begin(key_scope, key, Clock::now());
    switch (begin.outcome) {
      case IdempotencyStore::Outcome::replay:
        count(&EmulatorStats::idempotent_replays);
        ex.res.set_header("Idempotent-Replayed", "true");
        send_json(ex.res, begin.response.status, begin.response.body);
        return true;
      case IdempotencyStore::Outcome::in_progress:
        send_error(ex.res, 409, "idempotency_conflict",
                   "a request with this Idempotency-Key is still being processed");
        return true;
      case IdempotencyStore::Outcome::proceed:
        break;
    }
    scope.store = &idempotency_;
    scope.scope = key_scope;
    scope.key = key;
    scope.res = &ex.res;
    return false;
  }

  // ---------------------------------------------------------------------------------------
  // POST /oauth/token, /api/v1/oauth/token

  void handle_token(Exchange& ex) {
    count(&EmulatorStats::token_requests);
    if (media_type(ex.req.get_header_value("Content-Type")) !=
        "application/x-www-form-urlencoded") {
      send_error(ex.res, 400, "invalid_request",
                 "the body must be application/x-www-form-urlencoded");
      return;
    }
    std::string body;
    if (!read_body(ex, body, kMaxTokenBodyBytes)) return;
    auto form = parse_form(body);
    if (!form) {
      send_error(ex.res, 400, "invalid_request", form.status().message());
      return;
    }
    std::map<std::string, std::string> fields;
    for (auto& [name, value] : *form) {
      if (!fields.emplace(name, value).second) {
        send_error(ex.res, 400, "invalid_request",
                   "the parameter '" + name + "' appears more than once");
        return;
      }
    }
    auto field = [&](const std::string& name) -> const std::string* {
      const auto it = fields.find(name);
      return it == fields.end() ? nullptr : &it->second;
    };

    // Client authentication: HTTP Basic or the client_id/client_secret fields, not both.
    const std::string authorization = ex.req.get_header_value("Authorization");
    const bool basic = has_auth_scheme(authorization, "Basic");
    bool authenticated = false;
    if (basic) {
      if (field("client_secret") != nullptr) {
        send_error(ex.res, 400, "invalid_request",
                   "use either HTTP Basic or client_secret in the body, not both");
        return;
      }
      const auto credentials = parse_basic_authorization(authorization);
      authenticated =
          credentials && ((credentials->id == options_.client_id &&
                           constant_time_equal(credentials->secret, options_.client_secret)) ||
                          (credentials->raw_id == options_.client_id &&
                           constant_time_equal(credentials->raw_secret, options_.client_secret)));
    } else if (field("client_id") != nullptr && field("client_secret") != nullptr) {
      authenticated = *field("client_id") == options_.client_id &&
                      constant_time_equal(*field("client_secret"), options_.client_secret);
    }
    if (!authenticated) {
      count(&EmulatorStats::invalid_client);
      if (basic) {
        ex.res.set_header("WWW-Authenticate", std::string("Basic realm=\"") + kRealm + "\"");
      }
      send_error(ex.res, 401, "invalid_client", "client authentication failed");
      return;
    }

    const std::string* grant_type = field("grant_type");
    if (grant_type == nullptr) {
      send_error(ex.res, 400, "invalid_request", "grant_type is required");
      return;
    }
    if (*grant_type != "client_credentials") {
      send_error(ex.res, 400, "unsupported_grant_type",
                 "only grant_type=client_credentials is supported");
      return;
    }

    const std::string* scope = field("scope");
    std::vector<std::string> requested = scope ? split_words(*scope) : std::vector<std::string>();
    if (requested.empty()) requested = options_.client_scopes;
    std::vector<std::string> granted;
    for (const auto& s : requested) {
      if (!contains(options_.client_scopes, s)) {
        send_error(ex.res, 400, "invalid_scope", "the client may not have the scope '" + s + "'");
        return;
      }
      if (!contains(options_.faults.denied_scopes, s) && !contains(granted, s)) {
        granted.push_back(s);
      }
    }

    const double lifetime = options_.faults.token_lifetime_seconds;
    const auto expires_at = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                               std::chrono::duration<double>(lifetime));
    const std::string token = tokens_.issue(granted, expires_at);
    count(&EmulatorStats::tokens_issued);
    ex.res.set_header("Cache-Control", "no-store");
    ex.res.set_header("Pragma", "no-cache");
    // expires_in is whole seconds, rounded down: never promise more life than the token has.
    send_json(ex.res, 200,
              JsonObject()
                  .add_string("access_token", token)
                  .add_string("token_type", "Bearer")
                  .add_number("expires_in", static_cast<std::int64_t>(std::floor(lifetime)))
                  .add_string("scope", join_words(granted, " "))
                  .str());
  }

  /// Reads a small body; false (answered 413 or 400) when it is too large or cannot be read.
  bool read_body(Exchange& ex, std::string& out, std::size_t max_bytes) {
    switch (ex.body.read_all(out, max_bytes)) {
      case BodyReader::Read::ok:
        return true;
      case BodyReader::Read::too_large:
        send_error(ex.res, 413, "payload_too_large",
                   "the body is larger than " + std::to_string(max_bytes) + " bytes");
        return false;
      case BodyReader::Read::failed:
        break;
    }
    send_error(ex.res, 400, "invalid_request", "the body could not be read");
    return false;
  }

  // ---------------------------------------------------------------------------------------
  // POST /api/v2/bots/{botId}/exports

  void handle_create_export(Exchange& ex) {
    if (!authorize(ex, kScopeExportRead) || !known_bot(ex)) return;
    IdempotencyScope idempotency;
    if (replay_idempotent(ex, idempotency)) return;
    std::string body;
    if (!read_body(ex, body, kMaxJsonBodyBytes)) return;

    simdjson::dom::parser parser;
    const simdjson::padded_string padded(body);
    simdjson::dom::element document;
    if (const auto error = parser.parse(padded).get(document); error) {
      send_error(ex.res, 400, "invalid_json",
                 std::string("the body is not valid JSON: ") + simdjson::error_message(error));
      return;
    }
    if (!document.is_object()) {
      send_error(ex.res, 400, "invalid_request", "the body must be a JSON object");
      return;
    }
    std::string_view name;
    if (document["name"].get(name) != simdjson::SUCCESS || name.empty()) {
      send_error(ex.res, 400, "invalid_request", "\"name\" must be a non-empty string");
      return;
    }
    std::string_view format;
    if (document["format"].get(format) != simdjson::SUCCESS) {
      send_error(ex.res, 400, "invalid_request", "\"format\" (a string) is required");
      return;
    }
    if (format != "csv") {
      send_error(ex.res, 400, "invalid_request",
                 "unsupported format \"" + std::string(format) + "\": only \"csv\"");
      return;
    }

    ExportJob job;
    job.id = options_.faults.export_id_prefix + random_hex(8);
    job.bot_id = ex.params[0];
    job.name = std::string(name);
    job.created_at = rfc3339_now();
    {
      std::lock_guard lock(mutex_);
      exports_[job.id] = job;
    }
    count(&EmulatorStats::exports_created);
    ex.res.set_header("Location", "/api/v2/bots/" + job.bot_id + "/exports/" + job.id);
    send_json(ex.res, 201,
              JsonObject().add_string("id", job.id).add_string("status", "pending").str());
  }

  // ---------------------------------------------------------------------------------------
  // GET /api/v2/bots/{botId}/exports/{id}

  void handle_get_export(Exchange& ex) {
    if (!authorize(ex, kScopeExportRead) || !known_bot(ex)) return;
    ExportJob job;
    {
      std::lock_guard lock(mutex_);
      const auto it = exports_.find(ex.params[1]);
      if (it != exports_.end() && it->second.bot_id == ex.params[0]) {
        ++it->second.polls;
        job = it->second;
      }
    }
    if (job.id.empty()) {
      send_error(ex.res, 404, "not_found", "unknown export '" + ex.params[1] + "'");
      return;
    }
    count(&EmulatorStats::export_polls);
    const Faults& f = options_.faults;
    JsonObject out;
    out.add_string("id", job.id)
        .add_string("name", job.name)
        .add_string("createdAt", job.created_at);
    const char* in_progress = job.polls == 1 ? "pending" : "running";
    if (f.never_complete || job.polls <= f.polls_before_ready) {
      out.add_string("status", in_progress);
    } else if (f.fail_export) {
      out.add_string("status", "failed")
          .add_string("error", f.fail_export_error);
    } else if (!options_.chunked_downloads && !wait_for_size(kPollWaitForSize)) {
      out.add_string("status", in_progress);  // the size (Content-Length) is not known yet
    } else {
      out.add_string("status", "completed").add_string("downloadUrl", signed_url(job.id));
    }
    send_json(ex.res, 200, out.str());
  }

  /// `<download origin>/downloads/<id>?expires=<unix ms>&sig=<hex HMAC-SHA-256 of
  /// "<id>\n<expires>" under a per-emulator random key>`.
  std::string signed_url(const std::string& id) const {
    const auto lifetime_ms = static_cast<std::uint64_t>(
        std::ceil(options_.faults.download_url_lifetime_seconds * 1000.0));
    const std::string expires = std::to_string(unix_millis_now() + lifetime_ms);
    return download_base_url_ + "/downloads/" + id + "?expires=" + expires +
           "&sig=" + hmac_sha256_hex(signing_key_, id + "\n" + expires);
  }

  // ---------------------------------------------------------------------------------------
  // GET /downloads/{id}?expires=..&sig=..

  void handle_download(Exchange& ex) {
    const bool is_get = ex.req.method == "GET";
    if (ex.req.has_header("Authorization")) {
      count(&EmulatorStats::downloads_with_authorization);
      if (ex.listener == Listener::downloads) count(&EmulatorStats::foreign_origin_authorization);
    }
    const std::string& id = ex.params[0];
    const std::string expires_text = ex.req.get_param_value("expires");
    const std::string signature = ex.req.get_param_value("sig");
    std::uint64_t expires_ms = 0;
    const auto [end, error] =
        std::from_chars(expires_text.data(), expires_text.data() + expires_text.size(), expires_ms);
    const bool well_formed = !expires_text.empty() && error == std::errc() &&
                             end == expires_text.data() + expires_text.size();
    if (!well_formed ||
        !constant_time_equal(signature, hmac_sha256_hex(signing_key_, id + "\n" + expires_text))) {
      count(&EmulatorStats::bad_signatures);
      send_error(ex.res, 403, "invalid_signature", "the download URL's signature is not valid");
      return;
    }
    if (unix_millis_now() >= expires_ms) {
      count(&EmulatorStats::expired_urls);
      send_error(ex.res, 403, "url_expired",
                 "the download URL has expired; poll the export for a fresh one");
      return;
    }
    {
      std::lock_guard lock(mutex_);
      if (exports_.find(id) == exports_.end()) {
        send_error(ex.res, 404, "not_found", "unknown export '" + id + "'");
        return;
      }
    }

    const Faults& f = options_.faults;
    const std::string etag = "\"" + id + "\"";
    const std::string range = ex.req.get_header_value("Range");
    bool use_range = f.accept_ranges && !range.empty();
    if (use_range && ex.req.has_header("If-Range") && ex.req.get_header_value("If-Range") != etag) {
      use_range = false;  // the client's copy is of another representation: send it all
    }
    std::optional<std::uint64_t> total = known_size();
    if (!options_.chunked_downloads || use_range) total = wait_for_size(std::nullopt);
    if ((!options_.chunked_downloads || use_range) && !total) {
      send_error(ex.res, 503, "unavailable", "the emulator is shutting down");
      return;
    }

    std::uint64_t first = 0;
    int status = 200;
    if (use_range) {
      const RangeDecision decision = decide_range(range, *total);
      if (decision.kind == RangeDecision::Kind::unsatisfiable) {
        ex.res.set_header("Content-Range", "bytes */" + std::to_string(*total));
        send_error(ex.res, 416, "range_not_satisfiable",
                   "the export has " + std::to_string(*total) + " bytes");
        return;
      }
      if (decision.kind == RangeDecision::Kind::partial) {
        first = decision.first;
        status = 206;
        ex.res.set_header("Content-Range", "bytes " + std::to_string(decision.first) + "-" +
                                               std::to_string(decision.last) + "/" +
                                               std::to_string(*total));
        start_download(ex, id, status, first, decision.last + 1, is_get);
        return;
      }
    }
    start_download(ex, id, status, first, total, is_get);
  }

  /// Answers `status` with the export's bytes [first, end) (end unknown: to the export's end,
  /// chunked), cutting the connection where the drop fault says.
  void start_download(Exchange& ex, const std::string& id, int status, std::uint64_t first,
                      std::optional<std::uint64_t> end, bool is_get) {
    const Faults& f = options_.faults;
    ex.res.status = status;
    if (f.accept_ranges) ex.res.set_header("Accept-Ranges", "bytes");
    ex.res.set_header("ETag", "\"" + id + "\"");
    ex.res.set_header("Content-Disposition", "attachment; filename=\"" + id + ".csv\"");
    if (is_get) {
      count(&EmulatorStats::downloads);
      if (status == 206) count(&EmulatorStats::range_downloads);
    }

    struct Body {
      ExportStream stream;
      std::uint64_t position;
      std::optional<std::uint64_t> end;
      std::optional<std::uint64_t> cut;
      std::string chunk;
      std::size_t chunk_pos = 0;
    };
    const std::optional<std::uint64_t> known_end = end ? end : known_size();
    auto body = std::make_shared<Body>(Body{ExportStream(export_options_, first),
                                            first,
                                            end,
                                            is_get ? plan_cut(id, first, known_end) : std::nullopt,
                                            {},
                                            0});
    // Writes the next piece. False: stop (cut, client gone, or nothing left although more was
    // promised). `done` is set at the end of the range.
    auto write_some = [this, body, id](httplib::DataSink& sink, bool& done) {
      if (body->end && body->position >= *body->end) {
        done = true;
        return true;
      }
      if (body->chunk_pos == body->chunk.size()) {
        body->chunk.clear();
        body->chunk_pos = 0;
        if (!body->stream.next(body->chunk, kExportChunkBytes)) {
          done = true;
          return true;
        }
      }
      std::uint64_t n = body->chunk.size() - body->chunk_pos;
      if (body->end) n = std::min(n, *body->end - body->position);
      const bool cutting = body->cut && body->position + n >= *body->cut;
      if (cutting) n = *body->cut - body->position;
      if (n > 0 && !sink.write(body->chunk.data() + body->chunk_pos, static_cast<std::size_t>(n))) {
        return false;
      }
      body->chunk_pos += static_cast<std::size_t>(n);
      body->position += n;
      count(&EmulatorStats::bytes_downloaded, n);
      if (cutting) {
        record_cut(id, *body->cut);
        return false;
      }
      return true;
    };
    auto on_finished = [this, is_get](bool success) {
      if (success && is_get) count(&EmulatorStats::downloads_completed);
    };
    const char* content_type = "text/csv; charset=utf-8";
    if (end && !options_.chunked_downloads) {
      ex.res.set_content_provider(
          static_cast<std::size_t>(*end - first), content_type,
          [write_some](std::size_t, std::size_t, httplib::DataSink& sink) {
            bool done = false;
            return write_some(sink, done) && !done;
          },
          on_finished);
    } else {
      ex.res.set_chunked_content_provider(
          content_type,
          [write_some](std::size_t, httplib::DataSink& sink) {
            bool done = false;
            if (!write_some(sink, done)) return false;
            if (done) sink.done();
            return true;
          },
          on_finished);
    }
  }

  /// Where the drop fault cuts a response that starts at `first` and ends before `end` (when
  /// known): the smallest multiple of N past both `first` and the cuts already made, if any.
  std::optional<std::uint64_t> plan_cut(const std::string& id, std::uint64_t first,
                                        std::optional<std::uint64_t> end) {
    const Faults& f = options_.faults;
    const std::uint64_t every = f.drop_download_after_bytes;
    if (every == 0) return std::nullopt;
    std::lock_guard lock(mutex_);
    const ExportJob& job = exports_.at(id);
    if (f.drop_download_times > 0 && job.drops >= f.drop_download_times) return std::nullopt;
    const std::uint64_t cut = (std::max(first, job.dropped_through) / every + 1) * every;
    if (end && cut >= *end) return std::nullopt;
    return cut;
  }

  void record_cut(const std::string& id, std::uint64_t cut) {
    {
      std::lock_guard lock(mutex_);
      ExportJob& job = exports_.at(id);
      ++job.drops;
      job.dropped_through = std::max(job.dropped_through, cut);
    }
    count(&EmulatorStats::downloads_dropped);
  }

  std::optional<std::uint64_t> known_size() {
    std::lock_guard lock(size_mutex_);
    return export_size_;
  }

  /// The export's size once the background dry run has it; nullopt after `timeout` (none:
  /// no limit) or when the emulator stops first.
  std::optional<std::uint64_t> wait_for_size(std::optional<Clock::duration> timeout) {
    std::unique_lock lock(size_mutex_);
    auto ready = [this] { return size_known_ || stopping_.load(); };
    if (timeout) {
      size_cv_.wait_for(lock, *timeout, ready);
    } else {
      size_cv_.wait(lock, ready);
    }
    return export_size_;
  }

  // ---------------------------------------------------------------------------------------
  // POST /api/v2/bots/{botId}/imports

  void handle_import(Exchange& ex) {
    if (!authorize(ex, kScopeImportWrite) || !known_bot(ex)) return;
    IdempotencyScope idempotency;
    if (replay_idempotent(ex, idempotency)) return;
    if (!ex.req.is_multipart_form_data()) {
      count(&EmulatorStats::imports_rejected);
      send_error(ex.res, 400, "invalid_request", "the body must be multipart/form-data");
      return;
    }
    ImportReceiver receiver(options_.import_limit_bytes, options_.import_keep_bytes);
    const bool well_formed = ex.body.read_multipart(
        [&](const httplib::MultipartFormData& part) {
          receiver.begin_part(part.name, part.filename, part.content_type);
          return true;
        },
        [&](const char* data, std::size_t size) {
          receiver.add(std::string_view(data, size));
          return true;
        });
    if (!well_formed) {
      count(&EmulatorStats::imports_rejected);
      send_error(ex.res, 400, "invalid_request", "the multipart/form-data body is malformed");
      return;
    }
    const ImportReceiver::Verdict verdict = receiver.finish();
    if (verdict.status != 201) {
      count(&EmulatorStats::imports_rejected);
      send_error(ex.res, verdict.status, verdict.error, verdict.message);
      return;
    }
    ImportRecord record = receiver.take_record();
    record.id = "imp_" + random_hex(8);
    record.bot_id = ex.params[0];
    record.idempotency_key = ex.req.get_header_value("Idempotency-Key");
    const std::string answer = JsonObject()
                                   .add_string("id", record.id)
                                   .add_number("rows", static_cast<std::int64_t>(record.rows))
                                   .str();
    {
      std::lock_guard lock(mutex_);
      imports_.push_back(std::move(record));
    }
    count(&EmulatorStats::imports);
    send_json(ex.res, 201, answer);
  }

  // ---------------------------------------------------------------------------------------
  // Test hooks

  void count(std::uint64_t EmulatorStats::*field, std::uint64_t n = 1) {
    std::lock_guard lock(stats_mutex_);
    stats_.*field += n;
  }

  void log_request(const Exchange& ex) {
    RequestRecord record;
    record.method = ex.req.method;
    record.path = ex.req.path;
    record.status = ex.res.status;
    record.download_listener = ex.listener == Listener::downloads;
    record.had_authorization = ex.req.has_header("Authorization");
    record.range = ex.req.get_header_value("Range");
    record.idempotency_key = ex.req.get_header_value("Idempotency-Key");
    std::lock_guard lock(mutex_);
    requests_.push_back(std::move(record));
    if (requests_.size() > kMaxRequestLog) requests_.pop_front();
  }

  EmulatorOptions options_;
  nodes::UtteranceGeneratorOptions export_options_;
  std::vector<Route> routes_;
  TokenStore tokens_;
  IdempotencyStore idempotency_;
  const std::string signing_key_;  // HMAC key of download URLs, random per emulator

  httplib::Server api_server_;
  std::unique_ptr<httplib::Server> download_server_;
  std::thread api_thread_;
  std::thread download_thread_;
  std::thread measure_thread_;
  int port_ = 0;
  std::string base_url_;
  std::string download_base_url_;
  std::mutex stop_mutex_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> fault_counter_{0};

  std::mutex size_mutex_;
  std::condition_variable size_cv_;
  std::optional<std::uint64_t> export_size_;  // set by the measuring thread
  bool size_known_ = false;

  mutable std::mutex mutex_;  // exports_, imports_, requests_
  std::map<std::string, ExportJob> exports_;
  std::vector<ImportRecord> imports_;
  std::deque<RequestRecord> requests_;

  mutable std::mutex stats_mutex_;
  EmulatorStats stats_;
};

Emulator::Emulator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Emulator::~Emulator() = default;

Result<std::unique_ptr<Emulator>> Emulator::start(EmulatorOptions options) {
  if (auto status = validate_emulator_options(options); !status.ok()) {
    return status.with_context("emulator");
  }
  auto impl = std::make_unique<Impl>(std::move(options));
  if (auto status = impl->start(); !status.ok()) return status;
  return std::unique_ptr<Emulator>(new Emulator(std::move(impl)));
}

std::string Emulator::base_url() const { return impl_->base_url_; }
std::string Emulator::download_base_url() const { return impl_->download_base_url_; }
int Emulator::port() const { return impl_->port_; }
const EmulatorOptions& Emulator::options() const { return impl_->options_; }
void Emulator::stop() { impl_->stop(); }

EmulatorStats Emulator::stats() const {
  std::lock_guard lock(impl_->stats_mutex_);
  return impl_->stats_;
}

std::vector<ImportRecord> Emulator::imports() const {
  std::lock_guard lock(impl_->mutex_);
  return impl_->imports_;
}

std::vector<RequestRecord> Emulator::requests() const {
  std::lock_guard lock(impl_->mutex_);
  return {impl_->requests_.begin(), impl_->requests_.end()};
}

}  // namespace sluice::emulator
