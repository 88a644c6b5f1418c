#include "support/http/token_cache.hpp"

#include <simdjson.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "support/http/url.hpp"

namespace sluice::nodes::http {

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

/// Assumed lifetime of a token whose response has no expires_in.
constexpr seconds kDefaultLifetime{300};
/// Tokens living longer than this are replaced kRefreshMargin before they expire ...
constexpr seconds kShortLived{60};
constexpr seconds kRefreshMargin{30};
/// ... and no expires_in is believed beyond this (a bogus huge value must not overflow).
constexpr seconds kLongestLifetime{10LL * 365 * 24 * 3600};
/// How often a caller waiting for another one's refresh looks at the cancellation flag.
constexpr milliseconds kWaitSlice{50};

Status bad_token_response(const std::string& where, const std::string& why) {
  return {StatusCode::network_error, "fetching an access token: POST " + where + ": " + why};
}

}  // namespace

TokenCache::TokenCache(TokenCacheOptions options, RetryPolicy policy,
                       std::shared_ptr<SecretRedactor> redactor)
    : options_(std::move(options)),
      policy_(std::move(policy)),
      redactor_(redactor ? std::move(redactor) : std::make_shared<SecretRedactor>()),
      client_(options_.http) {
  if (!options_.clock) options_.clock = [] { return std::chrono::steady_clock::now(); };
  if (!options_.wall_clock) options_.wall_clock = [] { return std::chrono::system_clock::now(); };
  if (!options_.sleeper) options_.sleeper = real_sleeper();
  redactor_->add_secret(options_.client_secret);
}

milliseconds TokenCache::usable_for(seconds expires_in) {
  expires_in = std::clamp(expires_in, seconds(0), kLongestLifetime);
  if (expires_in > kShortLived) return expires_in - kRefreshMargin;
  return std::chrono::duration_cast<milliseconds>(expires_in) / 2;
}

Result<TokenCache::Token> TokenCache::get() {
  std::unique_lock lock(mutex_);
  while (true) {
    if (have_token_ && options_.clock() < replace_at_) return Token{token_, generation_};
    if (!refreshing_) break;
    // Someone else is fetching: wait for that fetch and share its result.
    const std::uint64_t seen = refreshes_done_;
    while (refreshing_) {
      if (cancelled()) {
        return Status(StatusCode::cancelled, "cancelled while waiting for an access token");
      }
      refreshed_.wait_for(lock, kWaitSlice);
    }
    if (refreshes_done_ != seen) {
      if (have_token_) return Token{token_, generation_};
      return last_error_;
    }
  }

  refreshing_ = true;
  lock.unlock();
  const auto sent_at = options_.clock();
  Result<Fetched> fetched = Status(StatusCode::internal, "token fetch did not run");
  try {
    fetched = fetch();
  } catch (...) {
    // A throwing log or sleeper callback must not leave the others waiting forever.
    lock.lock();
    refreshing_ = false;
    ++refreshes_done_;
    have_token_ = false;
    last_error_ = Status(StatusCode::internal, "fetching an access token failed with an exception");
    refreshed_.notify_all();
    throw;
  }

  lock.lock();
  refreshing_ = false;
  ++refreshes_done_;
  Result<Token> result = Status(StatusCode::internal, "unset");
  if (fetched.ok()) {
    token_ = std::move(fetched->access_token);
    have_token_ = true;
    ++generation_;
    replace_at_ = sent_at + usable_for(fetched->expires_in);
    result = Token{token_, generation_};
  } else {
    have_token_ = false;
    last_error_ = fetched.status();
    result = last_error_;
  }
  refreshed_.notify_all();
  return result;
}

void TokenCache::invalidate(std::uint64_t generation) {
  std::lock_guard lock(mutex_);
  if (have_token_ && generation_ == generation) have_token_ = false;
}

Result<TokenCache::Fetched> TokenCache::fetch() {
  const auto url = parse_url(options_.token_url);
  if (!url.ok()) return url.status().with_context("the token URL");

  std::vector<std::pair<std::string, std::string>> fields = {
      {"grant_type", "client_credentials"},
      {"client_id", options_.client_id},
      {"client_secret", options_.client_secret},
  };
  if (!options_.scope.empty()) fields.emplace_back("scope", options_.scope);
  HttpRequest request;
  request.method = "POST";
  request.url = options_.token_url;
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                     {"Accept", "application/json"}};
  request.body = form_encode(fields);
  request.idempotent = true;  // asking for a token twice only yields two tokens

  for (int attempt = 1;; ++attempt) {
    HttpOutcome outcome = client_.exchange(request, nullptr, nullptr);
    if (options_.log) {
      options_.log(redactor_->redact(
          format_call_log(request.method, url->path, outcome, attempt, policy_.max_attempts())));
    }
    if (outcome.ok()) {
      auto fetched = parse_token_response(outcome.response.body, url->path);
      if (fetched.ok()) redactor_->add_token(fetched->access_token);
      return fetched;
    }
    if (outcome.failure == Failure::cancelled) {
      return Status(StatusCode::cancelled, "cancelled while fetching an access token");
    }
    const auto delay = policy_.next_delay(attempt, outcome, true, options_.wall_clock());
    if (!delay) return token_error(request, outcome, attempt);
    if (!options_.sleeper(*delay, options_.http.cancelled)) {
      return Status(StatusCode::cancelled, "cancelled while fetching an access token");
    }
  }
}

Result<TokenCache::Fetched> TokenCache::parse_token_response(std::string_view body,
                                                             const std::string& where) const {
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(body.data(), body.size(), true).get(object) != simdjson::SUCCESS) {
    return bad_token_response(where, "the response is not a JSON object");
  }
  Fetched fetched;
  std::string_view token;
  if (object["access_token"].get(token) != simdjson::SUCCESS || token.empty()) {
    return bad_token_response(where, "the response has no access_token");
  }
  fetched.access_token = std::string(token);

  simdjson::dom::element expires;
  if (object["expires_in"].get(expires) != simdjson::SUCCESS) {
    fetched.expires_in = kDefaultLifetime;
    return fetched;
  }
  std::int64_t whole = 0;
  double fraction = 0;
  std::string_view text;
  if (expires.get(whole) == simdjson::SUCCESS) {
    fetched.expires_in = seconds(std::clamp<std::int64_t>(whole, 0, kLongestLifetime.count()));
  } else if (expires.get(fraction) == simdjson::SUCCESS) {
    fetched.expires_in = seconds(static_cast<std::int64_t>(
        std::clamp(fraction, 0.0, static_cast<double>(kLongestLifetime.count()))));
  } else if (expires.get(text) == simdjson::SUCCESS && !text.empty() && text.size() <= 9 &&
             std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    // Some servers send the number as a string; RFC 6749 means a number, but be lenient.
    fetched.expires_in = seconds(std::stoll(std::string(text)));
  } else {
    return bad_token_response(where, "expires_in is not a number");
  }
  return fetched;
}

Status TokenCache::token_error(const HttpRequest& request, const HttpOutcome& outcome,
                               int attempts) const {
  const auto url = parse_url(request.url);
  const std::string where = url.ok() ? url->path : std::string("(token URL)");
  const ServerError server = parse_server_error(outcome.response.body);
  std::string message;
  StatusCode code = StatusCode::network_error;
  if (outcome.failure == Failure::http_status && outcome.response.status == 401) {
    code = StatusCode::invalid_argument;
    message = "the platform rejected the client credentials (" +
              (server.code.empty() ? std::string("invalid_client") : server.code) +
              "); check COGNIGY_CLIENT_ID and COGNIGY_CLIENT_SECRET";
  } else if (outcome.failure == Failure::http_status && outcome.response.status == 400 &&
             server.code == "invalid_scope") {
    code = StatusCode::invalid_argument;
    message = "the platform refused the requested scope \"" + options_.scope +
              "\" (invalid_scope); the client may not have one of these scopes";
  } else {
    code = status_code_for(outcome);
    message = "fetching an access token: " + request.method + " " + where + " failed";
    if (attempts > 1)
      message += " after " + std::to_string(attempts) + " attempts: last ";
    else
      message += ": ";
    message += describe_outcome(outcome);
  }
  return {code, redactor_->redact(message)};
}

}  // namespace sluice::nodes::http
