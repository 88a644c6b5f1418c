#pragma once
/// IdempotencyStore: what the contract asks of a server for `Idempotency-Key` on creating POSTs.
/// A key seen again within the window is answered with the first response and nothing else
/// happens. Thread-safe.
///
/// Decisions (the contract is silent):
/// - keys are scoped: the same key sent to another endpoint (another path) is a different key;
/// - only successful (2xx) responses are remembered. A request that failed created nothing, so a
///   retry with the same key is processed afresh;
/// - while the first request with a key is still being processed, a second one gets 409
///   (`in_progress`) instead of running concurrently (e.g. a client that timed out on a slow
///   upload and retried).

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace sluice::emulator {

class IdempotencyStore {
 public:
  using Clock = std::chrono::steady_clock;

  struct StoredResponse {
    int status = 0;
    std::string body;  ///< JSON
  };

  enum class Outcome {
    proceed,      ///< first use (or the first use failed or aged out): process the request
    replay,       ///< answer with `response`, do nothing else
    in_progress,  ///< the first request with this key has not finished
  };

  struct Begin {
    Outcome outcome = Outcome::proceed;
    StoredResponse response;  ///< for replay
  };

  explicit IdempotencyStore(std::chrono::duration<double> window) : window_(window) {}

  /// Looks `key` up in `scope`; on `proceed` the key is reserved until complete() or release().
  Begin begin(const std::string& scope, const std::string& key, Clock::time_point now);

  /// Ends a reserved key: a 2xx `response` is kept for the window, anything else releases it.
  void complete(const std::string& scope, const std::string& key, StoredResponse response,
                Clock::time_point now);

  /// Forgets a reserved key (the request failed or was abandoned).
  void release(const std::string& scope, const std::string& key);

 private:
  struct Entry {
    bool done = false;
    StoredResponse response;
    Clock::time_point stored_at;
  };

  std::chrono::duration<double> window_;
  std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, Entry> entries_;
};

}  // namespace sluice::emulator
