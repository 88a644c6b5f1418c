#pragma once
/// Removes known secrets (the client secret, current and past access tokens) from text before it
/// goes into an error message or a log line. Belt and braces: the HTTP layer never puts secrets
/// into such text on purpose, but a server may echo one back in an error body.
///
/// Thread safety: every member may be called from any number of threads at once.

#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::nodes::http {

class SecretRedactor {
 public:
  /// Secrets shorter than this are not redacted: replacing every "ab" in every message would
  /// make errors unreadable, and such a string guards nothing.
  static constexpr std::size_t kMinLength = 4;
  /// Tokens remembered; older ones expired long ago.
  static constexpr std::size_t kMaxTokens = 16;
  static constexpr std::string_view kReplacement = "[redacted]";

  /// Remembers a long-lived secret (a client secret) for the life of this object, together with
  /// its percent-encoded spellings (how it travels in a token request body or a URL).
  void add_secret(std::string_view secret);

  /// Remembers an access token; only the latest kMaxTokens are kept.
  void add_token(std::string_view token);

  /// `text` with every known secret replaced by kReplacement (longest secrets first).
  std::string redact(std::string_view text) const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> secrets_;
  std::deque<std::string> tokens_;
};

}  // namespace sluice::nodes::http
