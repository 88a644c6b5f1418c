#include "support/http/secret_redaction.hpp"

#include <algorithm>

#include "support/http/url.hpp"

namespace sluice::nodes::http {

namespace {

void add_unique(std::vector<std::string>& list, std::string_view secret) {
  if (secret.size() < SecretRedactor::kMinLength) return;
  if (std::find(list.begin(), list.end(), secret) == list.end()) list.emplace_back(secret);
}

void replace_all(std::string& text, std::string_view secret) {
  std::size_t pos = 0;
  while ((pos = text.find(secret, pos)) != std::string::npos) {
    text.replace(pos, secret.size(), SecretRedactor::kReplacement);
    pos += SecretRedactor::kReplacement.size();
  }
}

}  // namespace

void SecretRedactor::add_secret(std::string_view secret) {
  std::lock_guard lock(mutex_);
  add_unique(secrets_, secret);
  add_unique(secrets_, form_encode(secret));
  add_unique(secrets_, encode_path_segment(secret));
}

void SecretRedactor::add_token(std::string_view token) {
  if (token.size() < kMinLength) return;
  std::lock_guard lock(mutex_);
  if (std::find(tokens_.begin(), tokens_.end(), token) != tokens_.end()) return;
  tokens_.emplace_back(token);
  if (tokens_.size() > kMaxTokens) tokens_.pop_front();
}

std::string SecretRedactor::redact(std::string_view text) const {
  std::vector<std::string> all;
  {
    std::lock_guard lock(mutex_);
    all = secrets_;
    all.insert(all.end(), tokens_.begin(), tokens_.end());
  }
  // Longest first, so a secret that contains another one is removed whole.
  std::sort(all.begin(), all.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  std::string out(text);
  for (const auto& secret : all) replace_all(out, secret);
  return out;
}

}  // namespace sluice::nodes::http
