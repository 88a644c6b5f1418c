#pragma once
/// Status, Result<T> and Error: how sluice reports failures.
///
/// Every boundary a user sees (loading, validation, building, running, the embedding API) returns a
/// Status or Result<T>. Inside node bodies a fatal problem is thrown as sluice::Error; the engine
/// catches it, cancels the graph and turns it into a Status that names the node.
/// Library code never prints and never calls exit().

#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace sluice {

enum class StatusCode {
  ok = 0,
  invalid_argument,  ///< bad pipeline file, option value or call argument
  not_found,         ///< a file, node type or remote object does not exist
  io_error,          ///< reading or writing a file failed
  data_error,        ///< input data is malformed (a CSV row, a JSON record)
  network_error,     ///< a remote call failed after all retries
  cancelled,         ///< the run was cancelled (Ctrl-C, SIGTERM, embedder request)
  internal,          ///< a bug: an invariant did not hold
};

/// Short lowercase name of a code, e.g. "io_error".
const char* status_code_name(StatusCode code) noexcept;

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status success() { return {}; }

  bool ok() const noexcept { return code_ == StatusCode::ok; }
  StatusCode code() const noexcept { return code_; }
  const std::string& message() const noexcept { return message_; }

  /// Returns a copy with `context + ": "` put in front of the message.
  Status with_context(const std::string& context) const {
    return ok() ? *this : Status(code_, context + ": " + message_);
  }

 private:
  StatusCode code_ = StatusCode::ok;
  std::string message_;
};

inline Status invalid_argument(std::string message) {
  return {StatusCode::invalid_argument, std::move(message)};
}
inline Status io_error(std::string message) { return {StatusCode::io_error, std::move(message)}; }
inline Status data_error(std::string message) { return {StatusCode::data_error, std::move(message)}; }

/// A value or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}                 // NOLINT: implicit by design
  Result(Status status) : value_(std::move(status)) {}          // NOLINT: implicit by design

  bool ok() const noexcept { return std::holds_alternative<T>(value_); }
  explicit operator bool() const noexcept { return ok(); }

  /// The error; Status::success() when a value is held.
  Status status() const { return ok() ? Status::success() : std::get<Status>(value_); }

  T& value() & { return std::get<T>(value_); }
  const T& value() const& { return std::get<T>(value_); }
  T&& value() && { return std::get<T>(std::move(value_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }

 private:
  std::variant<T, Status> value_;
};

/// Thrown inside node bodies for a fatal problem. The engine adds the node id and stops the run.
class Error : public std::runtime_error {
 public:
  explicit Error(Status status)
      : std::runtime_error(status.message()), status_(std::move(status)) {}
  Error(StatusCode code, const std::string& message) : Error(Status(code, message)) {}

  const Status& status() const noexcept { return status_; }

 private:
  Status status_;
};

}  // namespace sluice
