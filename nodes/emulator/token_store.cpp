#include "token_store.hpp"

#include <utility>

#include "crypto.hpp"

namespace sluice::emulator {

namespace {
constexpr std::chrono::hours kRememberExpired{1};
constexpr std::size_t kTokenBytes = 32;
}  // namespace

std::string TokenStore::issue(std::vector<std::string> scopes, Clock::time_point expires_at) {
  std::string token = random_hex(kTokenBytes);
  const auto now = Clock::now();
  std::lock_guard lock(mutex_);
  std::erase_if(tokens_,
                [&](const auto& item) { return item.second.expires_at + kRememberExpired < now; });
  tokens_[token] = Entry{std::move(scopes), expires_at};
  return token;
}

TokenStore::Lookup TokenStore::find(std::string_view token, Clock::time_point now) const {
  std::lock_guard lock(mutex_);
  const auto it = tokens_.find(std::string(token));
  if (it == tokens_.end()) return {};
  if (now >= it->second.expires_at) return {State::expired, {}};
  return {State::valid, it->second.scopes};
}

}  // namespace sluice::emulator
