#include "sluice/batch.hpp"

#include <cctype>

namespace sluice {

const char* payload_kind_name(PayloadKind kind) noexcept {
  switch (kind) {
    case PayloadKind::bytes: return "bytes";
    case PayloadKind::rows: return "rows";
    case PayloadKind::records: return "records";
  }
  return "?";
}

std::string SourcePosition::describe() const {
  std::string out = source ? *source : std::string("<stream>");
  if (first_row != 0) {
    out += ", row " + std::to_string(first_row);
  } else if (page != 0) {
    out += ", page " + std::to_string(page);
  } else if (byte_offset != 0) {
    out += ", byte " + std::to_string(byte_offset);
  }
  return out;
}

namespace {
bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}
}  // namespace

long Columns::find_any(std::span<const std::string> candidates) const {
  for (const auto& candidate : candidates) {
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (iequals(names[i], candidate)) return static_cast<long>(i);
    }
  }
  return -1;
}

void RowBatch::keep_alive_all(const RowBatch& other) {
  owners_.insert(owners_.end(), other.owners_.begin(), other.owners_.end());
  if (other.arena_) owners_.push_back(other.arena_);
}

std::uint64_t Batch::item_count() const noexcept {
  switch (kind()) {
    case PayloadKind::bytes: return 0;
    case PayloadKind::rows: return rows().size();
    case PayloadKind::records: return records().size();
  }
  return 0;
}

std::uint64_t Batch::byte_count() const noexcept {
  switch (kind()) {
    case PayloadKind::bytes: return chunk().bytes.size();
    case PayloadKind::rows: return rows().field_bytes();
    case PayloadKind::records: {
      std::uint64_t total = 0;
      for (const auto& record : records().records) total += record.json.size();
      return total;
    }
  }
  return 0;
}

}  // namespace sluice
