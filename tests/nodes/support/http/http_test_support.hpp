#pragma once
/// Test helpers for the HTTP layer: a cpp-httplib server on 127.0.0.1 (port chosen by the OS),
/// a Sleeper that records instead of sleeping, and a log capture. Header-only; test code only.

#include <doctest/doctest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "support/http/retry_policy.hpp"

namespace sluice::nodes::http::testing {

/// A local HTTP server. Register handlers on server() first, then start(); stopped (and its
/// thread joined) on destruction. Idle keep-alive connections are closed after 1 s at most.
class LocalServer {
 public:
  LocalServer() {
    server_.set_keep_alive_timeout(1);
    // Without it, Nagle's algorithm and delayed ACKs add ~40 ms to many responses.
    server_.set_tcp_nodelay(true);
    // An idle keep-alive connection holds a worker: have more workers than test connections.
    server_.new_task_queue = [] { return new httplib::ThreadPool(24); };
  }
  ~LocalServer() { stop(); }
  LocalServer(const LocalServer&) = delete;
  LocalServer& operator=(const LocalServer&) = delete;

  httplib::Server& server() { return server_; }

  void start() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  void stop() {
    if (!thread_.joinable()) return;
    server_.stop();
    thread_.join();
  }

  int port() const { return port_; }
  std::string origin() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string url(std::string_view path) const { return origin() + std::string(path); }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};

/// A Sleeper that returns at once and remembers every delay it was asked for.
class RecordingSleeper {
 public:
  Sleeper sleeper() {
    return
        [state = state_](std::chrono::milliseconds delay, const std::function<bool()>& cancelled) {
          std::lock_guard lock(state->mutex);
          state->delays.push_back(delay);
          return !(cancelled && cancelled());
        };
  }
  std::vector<std::chrono::milliseconds> delays() const {
    std::lock_guard lock(state_->mutex);
    return state_->delays;
  }

 private:
  struct State {
    std::mutex mutex;
    std::vector<std::chrono::milliseconds> delays;
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

/// Collects log lines from any thread.
class LogCapture {
 public:
  std::function<void(const std::string&)> sink() {
    return [state = state_](const std::string& line) {
      std::lock_guard lock(state->mutex);
      state->lines.push_back(line);
    };
  }
  std::vector<std::string> lines() const {
    std::lock_guard lock(state_->mutex);
    return state_->lines;
  }
  std::string all() const {
    std::string text;
    for (const auto& line : lines()) text += line + "\n";
    return text;
  }

 private:
  struct State {
    std::mutex mutex;
    std::vector<std::string> lines;
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

/// A latch a server handler can wait on (bounded), so a test can release slow handlers early.
class Gate {
 public:
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }
  /// Waits until open() or `limit`; true when opened.
  bool wait(std::chrono::milliseconds limit) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, limit, [&] { return open_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = false;
};

/// An OAuth2 token endpoint: answers "access-token-<n>" for the n-th request, unless `fault`
/// (set before the server starts) answers first. Counts requests; remembers the last body.
class TokenEndpoint {
 public:
  /// Returns true when it has filled in the response itself.
  using Fault =
      std::function<bool(int request_number, const httplib::Request&, httplib::Response&)>;

  std::atomic<int> requests{0};
  std::atomic<int> expires_in{3600};  ///< < 0: leave expires_in out
  std::atomic<int> delay_ms{0};
  Fault fault;

  void install(httplib::Server& server, const std::string& path = "/oauth/token") {
    server.Post(path, [this](const httplib::Request& req, httplib::Response& res) {
      const int number = ++requests;
      {
        std::lock_guard lock(mutex_);
        last_body_ = req.body;
        last_content_type_ = req.get_header_value("Content-Type");
        last_params_ = req.params;
      }
      if (delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms.load()));
      if (fault && fault(number, req, res)) return;
      std::string body = "{\"access_token\":\"" + token(number) + "\",\"token_type\":\"Bearer\"";
      if (expires_in >= 0) body += ",\"expires_in\":" + std::to_string(expires_in.load());
      res.set_content(body + "}", "application/json");
    });
  }

  static std::string token(int number) { return "access-token-" + std::to_string(number); }

  std::string last_body() const {
    std::lock_guard lock(mutex_);
    return last_body_;
  }
  std::string last_content_type() const {
    std::lock_guard lock(mutex_);
    return last_content_type_;
  }
  std::string last_param(const std::string& name) const {
    std::lock_guard lock(mutex_);
    const auto found = last_params_.find(name);
    return found == last_params_.end() ? std::string("<absent>") : found->second;
  }

 private:
  mutable std::mutex mutex_;
  std::string last_body_;
  std::string last_content_type_;
  httplib::Params last_params_;
};

}  // namespace sluice::nodes::http::testing
