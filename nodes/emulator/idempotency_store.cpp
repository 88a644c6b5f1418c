#include "idempotency_store.hpp"

namespace sluice::emulator {

IdempotencyStore::Begin IdempotencyStore::begin(const std::string& scope, const std::string& key,
                                                Clock::time_point now) {
  std::lock_guard lock(mutex_);
  std::erase_if(entries_, [&](const auto& item) {
    return item.second.done && now - item.second.stored_at >= window_;
  });
  auto [it, inserted] = entries_.try_emplace({scope, key});
  if (inserted) return {};
  if (!it->second.done) return {Outcome::in_progress, {}};
  return {Outcome::replay, it->second.response};
}

void IdempotencyStore::complete(const std::string& scope, const std::string& key,
                                StoredResponse response, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (response.status < 200 || response.status > 299) {
    entries_.erase({scope, key});
    return;
  }
  Entry& entry = entries_[{scope, key}];
  entry.done = true;
  entry.response = std::move(response);
  entry.stored_at = now;
}

void IdempotencyStore::release(const std::string& scope, const std::string& key) {
  std::lock_guard lock(mutex_);
  const auto it = entries_.find({scope, key});
  if (it != entries_.end() && !it->second.done) entries_.erase(it);
}

}  // namespace sluice::emulator
