#include "support/http/retrying_client.hpp"

#include <algorithm>
#include <optional>
#include <random>

#include "support/http/url.hpp"

namespace sluice::nodes::http {

namespace {

/// "Content-Range: bytes <first>-<last>/<total or *>" of a 206 response.
struct ContentRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
};

bool read_number(std::string_view& text, std::uint64_t& value) {
  std::size_t digits = 0;
  value = 0;
  while (digits < text.size() && digits < 19 && text[digits] >= '0' && text[digits] <= '9') {
    value = value * 10 + static_cast<std::uint64_t>(text[digits] - '0');
    ++digits;
  }
  text.remove_prefix(digits);
  return digits > 0;
}

/// The range, if the header is well-formed and consistent (first <= last < total).
std::optional<ContentRange> parse_content_range(std::string_view value) {
  if (!value.starts_with("bytes ")) return std::nullopt;
  value.remove_prefix(6);
  ContentRange range;
  if (!read_number(value, range.first) || !value.starts_with('-')) return std::nullopt;
  value.remove_prefix(1);
  if (!read_number(value, range.last) || !value.starts_with('/')) return std::nullopt;
  value.remove_prefix(1);
  if (range.last < range.first) return std::nullopt;
  if (value == "*") return range;
  std::uint64_t total = 0;
  if (!read_number(value, total) || !value.empty() || range.last >= total) return std::nullopt;
  return range;
}

bool accepts_byte_ranges(const HttpResponse& response) {
  const auto value = response.header("Accept-Ranges");
  return value && value->find("bytes") != std::string_view::npos;
}

}  // namespace

std::string new_idempotency_key() {
  // std::random_device reads the kernel's random source on Linux: unpredictable, not seeded.
  static thread_local std::random_device device;
  constexpr char kHex[] = "0123456789abcdef";
  std::string key;
  key.reserve(32);
  for (int word = 0; word < 4; ++word) {
    std::uint32_t bits = device();
    for (int nibble = 0; nibble < 8; ++nibble) {
      key.push_back(kHex[bits & 0x0F]);
      bits >>= 4;
    }
  }
  return key;
}

/// Borrows an HttpClient from the pool for one call and gives it back afterwards.
class RetryingClient::Lease {
 public:
  explicit Lease(RetryingClient& owner) : owner_(owner), client_(owner.take_client()) {}
  ~Lease() { owner_.give_back(std::move(client_)); }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  HttpClient* operator->() const { return client_.get(); }

 private:
  RetryingClient& owner_;
  std::unique_ptr<HttpClient> client_;
};

RetryingClient::RetryingClient(RetryingClientOptions options, RetryPolicy policy,
                               std::shared_ptr<TokenCache> tokens,
                               std::shared_ptr<SecretRedactor> redactor)
    : options_(std::move(options)), policy_(std::move(policy)), tokens_(std::move(tokens)) {
  if (redactor) {
    redactor_ = std::move(redactor);
  } else if (tokens_) {
    redactor_ = tokens_->redactor();
  } else {
    redactor_ = std::make_shared<SecretRedactor>();
  }
  if (!options_.sleeper) options_.sleeper = real_sleeper();
  if (!options_.wall_clock) options_.wall_clock = [] { return std::chrono::system_clock::now(); };
  if (!options_.base_url.empty()) {
    if (const auto base = parse_url(options_.base_url); base.ok()) {
      base_origin_ = base->origin();
    } else {
      base_status_ = base.status().with_context("the platform base URL");
    }
  } else if (tokens_) {
    base_status_ = invalid_argument("the platform base URL is not set");
  }
}

RetryingClient::~RetryingClient() = default;

std::unique_ptr<HttpClient> RetryingClient::take_client() {
  {
    std::lock_guard lock(pool_mutex_);
    if (!idle_.empty()) {
      auto client = std::move(idle_.back());
      idle_.pop_back();
      return client;
    }
  }
  return std::make_unique<HttpClient>(options_.http);
}

void RetryingClient::give_back(std::unique_ptr<HttpClient> client) {
  std::lock_guard lock(pool_mutex_);
  idle_.push_back(std::move(client));
}

void RetryingClient::log(const std::string& line) const {
  if (options_.log) options_.log(redactor_->redact(line));
}

Result<HttpResponse> RetryingClient::call(const HttpRequest& request) {
  return run(request, nullptr, nullptr);
}

Result<HttpResponse> RetryingClient::download(const HttpRequest& request, const BodySink& on_body,
                                              std::uint64_t& delivered) {
  return run(request, &on_body, &delivered);
}

Result<HttpResponse> RetryingClient::download(const HttpRequest& request, const BodySink& on_body) {
  std::uint64_t delivered = 0;
  return run(request, &on_body, &delivered);
}

Result<HttpResponse> RetryingClient::run(const HttpRequest& original, const BodySink* on_body,
                                         std::uint64_t* delivered) {
  const auto url = parse_url(original.url);
  if (!url.ok())
    return Status(url.status().code(), original.method + ": " + url.status().message());
  if (tokens_ && !base_status_.ok()) return base_status_;
  const bool platform = !base_origin_.empty() && url->origin() == base_origin_;
  const bool authorize = platform && tokens_ != nullptr;
  // Errors show the path for platform calls; elsewhere the origin says which host failed.
  const std::string where = platform ? url->path : url->without_query();
  const std::string& path = url->path;

  HttpRequest request = original;
  if (request.creating && !find_header(request.headers, "Idempotency-Key")) {
    request.headers.emplace_back("Idempotency-Key", new_idempotency_key());
  }
  if (authorize) remove_header(request.headers, "Authorization");
  const bool replay_safe = is_replay_safe(request);

  bool ranges_refused = false;  // a response showed that Range requests are not served
  Lease client(*this);
  HttpOutcome outcome;
  int attempt = 0;
  int policy_attempt = 0;  // attempts that count against the policy (not the 401 / 416 repeats)
  bool refreshed = false;
  while (true) {
    ++attempt;
    ++policy_attempt;
    std::uint64_t generation = 0;
    if (authorize) {
      auto token = tokens_->get();
      if (!token.ok()) return token.status();
      generation = token->generation;
      set_header(request.headers, "Authorization", "Bearer " + token->access_token);
    }

    // Download bookkeeping for this attempt: where to continue and what to skip.
    const std::uint64_t have = delivered != nullptr ? *delivered : 0;
    const bool use_range = on_body != nullptr && have > 0 && !ranges_refused;
    std::uint64_t skip = 0;
    ResponseHook on_head;
    BodySink sink;
    if (on_body != nullptr) {
      if (use_range) {
        set_header(request.headers, "Range", "bytes=" + std::to_string(have) + "-");
      } else {
        remove_header(request.headers, "Range");
      }
      on_head = [&](const HttpResponse& head) {
        if (head.status == 206) {
          const auto header = head.header("Content-Range");
          const auto range = header ? parse_content_range(*header) : std::nullopt;
          if (!use_range || !range || range->first != have) {
            throw Error(StatusCode::data_error,
                        "the server sent a partial response (Content-Range: " +
                            std::string(header.value_or("none")).substr(0, 80) +
                            ") that does not continue at byte " + std::to_string(have));
          }
        } else {
          skip = have;  // the whole body again: drop what the caller already has
        }
        return true;
      };
      sink = [&](std::string_view chunk) {
        if (skip > 0) {
          const auto dropped =
              static_cast<std::size_t>(std::min<std::uint64_t>(skip, chunk.size()));
          chunk.remove_prefix(dropped);
          skip -= dropped;
          if (chunk.empty()) return true;
        }
        if (!(*on_body)(chunk)) return false;
        *delivered += chunk.size();
        return true;
      };
    }

    outcome = client->exchange(request, on_body != nullptr ? &sink : nullptr,
                               on_body != nullptr ? &on_head : nullptr);
    log(format_call_log(request.method, path, outcome, attempt, policy_.max_attempts()));

    // A full (200) answer without Accept-Ranges, or to a Range request, means no ranges here.
    if (on_body != nullptr && outcome.response.status == 200 &&
        (use_range || !accepts_byte_ranges(outcome.response))) {
      ranges_refused = true;
    }
    if (outcome.ok()) {
      if (skip > 0) {
        return Status(
            StatusCode::data_error,
            redactor_->redact(request.method + " " + where + ": the resource is shorter than the " +
                              std::to_string(have) + " bytes already received"));
      }
      return std::move(outcome.response);
    }
    if (outcome.failure == Failure::cancelled) {
      return Status(StatusCode::cancelled,
                    redactor_->redact(request.method + " " + where + " cancelled"));
    }
    const int status = outcome.failure == Failure::http_status ? outcome.response.status : 0;
    if (authorize && !refreshed && status == 401) {
      // The token was refused (expired early, revoked): one refresh, one more try.
      refreshed = true;
      tokens_->invalidate(generation);
      --policy_attempt;
      continue;
    }
    if (use_range && status == 416) {
      // The server will not serve that range: fall back to downloading again and skipping.
      ranges_refused = true;
      --policy_attempt;
      continue;
    }
    const auto delay =
        policy_.next_delay(policy_attempt, outcome, replay_safe, options_.wall_clock());
    if (!delay) break;
    if (!options_.sleeper(*delay, options_.http.cancelled)) {
      return Status(StatusCode::cancelled,
                    redactor_->redact(request.method + " " + where + " cancelled"));
    }
  }

  std::string message = request.method + " " + where + " failed";
  message += attempt > 1 ? " after " + std::to_string(attempt) + " attempts: last " : ": ";
  message += describe_outcome(outcome);
  return Status(status_code_for(outcome), redactor_->redact(message));
}

}  // namespace sluice::nodes::http
