#pragma once
/// The emulator's cryptography, all from OpenSSL's libcrypto: random identifiers and secrets,
/// HMAC-SHA-256 for signed download URLs and a streaming SHA-256 for received import files.

#include <memory>
#include <string>
#include <string_view>

namespace sluice::emulator {

/// `bytes` bytes from the OpenSSL CSPRNG as 2 × bytes lowercase hex characters (access tokens,
/// ids, the URL signing key). Throws std::runtime_error if the CSPRNG fails.
std::string random_hex(std::size_t bytes);

/// Lowercase hex HMAC-SHA-256 of `message` under `key`.
std::string hmac_sha256_hex(std::string_view key, std::string_view message);

/// Equality that takes the same time wherever the first difference is (for signatures and
/// secrets, so that timing does not reveal how much of a guess was right). Sizes are not secret.
bool constant_time_equal(std::string_view a, std::string_view b);

/// Incremental SHA-256: update() any number of times, then hex_digest() once.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::string_view bytes);
  /// The digest of everything passed to update(), as 64 lowercase hex characters. Ends the
  /// computation: later calls to update() or hex_digest() are not allowed.
  std::string hex_digest();

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

/// One-shot SHA-256 of `bytes`, lowercase hex.
std::string sha256_hex(std::string_view bytes);

}  // namespace sluice::emulator
