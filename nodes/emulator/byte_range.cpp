#include "byte_range.hpp"

#include <charconv>
#include <optional>

namespace sluice::emulator {

namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

/// A non-empty run of decimal digits that fits in 64 bits.
std::optional<std::uint64_t> parse_offset(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

bool starts_with_bytes_unit(std::string_view text) {
  constexpr std::string_view kUnit = "bytes";
  if (text.size() < kUnit.size()) return false;
  for (std::size_t i = 0; i < kUnit.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kUnit[i]) return false;
  }
  return true;
}

}  // namespace

RangeDecision decide_range(std::string_view header, std::uint64_t total) {
  using Kind = RangeDecision::Kind;
  header = trim(header);
  if (!starts_with_bytes_unit(header)) return {};
  std::string_view spec = trim(header.substr(5));
  if (spec.empty() || spec.front() != '=') return {};
  spec = trim(spec.substr(1));
  if (spec.find(',') != std::string_view::npos) return {};
  const std::size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return {};
  const std::string_view first_text = trim(spec.substr(0, dash));
  const std::string_view last_text = trim(spec.substr(dash + 1));

  if (first_text.empty()) {  // suffix range: the last N bytes
    const auto suffix = parse_offset(last_text);
    if (!suffix) return {};
    if (*suffix == 0 || total == 0) return {Kind::unsatisfiable, 0, 0};
    const std::uint64_t length = *suffix < total ? *suffix : total;
    return {Kind::partial, total - length, total - 1};
  }
  const auto first = parse_offset(first_text);
  if (!first) return {};
  std::uint64_t last = total == 0 ? 0 : total - 1;
  if (!last_text.empty()) {
    const auto parsed_last = parse_offset(last_text);
    if (!parsed_last || *parsed_last < *first) return {};
    if (*parsed_last < last) last = *parsed_last;
  }
  if (*first >= total) return {Kind::unsatisfiable, 0, 0};
  return {Kind::partial, *first, last};
}

}  // namespace sluice::emulator
