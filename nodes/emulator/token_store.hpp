#pragma once
/// TokenStore: the access tokens the emulator has issued, with their scopes and expiry.
/// Thread-safe. Tokens are random (256 bits); expired tokens are remembered for an hour so that a
/// 401 can say "expired" rather than "unknown", then forgotten.

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sluice::emulator {

class TokenStore {
 public:
  using Clock = std::chrono::steady_clock;

  enum class State { unknown, expired, valid };

  struct Lookup {
    State state = State::unknown;
    std::vector<std::string> scopes;  ///< granted scopes (valid tokens only)
  };

  /// A new token carrying `scopes`, valid until `expires_at`.
  std::string issue(std::vector<std::string> scopes, Clock::time_point expires_at);

  /// What `token` is at `now`. A token is valid while now < its expiry.
  Lookup find(std::string_view token, Clock::time_point now) const;

 private:
  struct Entry {
    std::vector<std::string> scopes;
    Clock::time_point expires_at;
  };

  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> tokens_;
};

}  // namespace sluice::emulator
