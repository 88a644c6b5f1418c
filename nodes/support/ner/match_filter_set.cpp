#include "support/ner/match_filter_set.hpp"

#include <algorithm>
#include <bit>

namespace sluice::nodes::ner {

void MatchFilterSet::add(const MatchFilter& filter) {
  Entry entry;
  entry.min_length = filter.min_length;
  if (filter.terms.empty()) {
    has_termless_filter_ = true;
    filters_.push_back(std::move(entry));
    return;
  }
  // The first table with room for the grams it does not have yet.
  const auto missing = [&filter](const Table& table) {
    return static_cast<std::size_t>(
        std::count_if(filter.grams.begin(), filter.grams.end(), [&table](const Gram& gram) {
          return std::find(table.grams.begin(), table.grams.end(), gram) == table.grams.end();
        }));
  };
  std::size_t t = 0;
  while (t < tables_.size() && tables_[t].grams.size() + missing(tables_[t]) > kGramsPerTable) ++t;
  if (t == tables_.size()) tables_.emplace_back();
  Table& table = tables_[t];

  std::vector<std::uint64_t> bit_of_gram;
  for (const Gram& gram : filter.grams) {
    auto it = std::find(table.grams.begin(), table.grams.end(), gram);
    if (it == table.grams.end()) {
      const std::uint64_t bit = std::uint64_t{1} << table.grams.size();
      for (std::size_t b = 0; b <= kPastEnd; ++b) {
        for (std::size_t k = 0; k < Gram::kMaxLength; ++k) {
          const bool in = k >= gram.bytes.size() ||
                          (b < kPastEnd && gram.bytes[k].contains(static_cast<unsigned char>(b)));
          if (in) table.masks[b][k] |= bit;
        }
      }
      table.grams.push_back(gram);
      it = table.grams.end() - 1;
    }
    bit_of_gram.push_back(std::uint64_t{1} << (it - table.grams.begin()));
  }
  entry.table = t;
  entry.needs_digit = filter.needs_ascii_digit();
  all_grams_need_digits_ = all_grams_need_digits_ && entry.needs_digit;
  entry.common = ~std::uint64_t{0};
  for (const std::uint32_t term : filter.terms) {
    std::uint64_t bits = 0;
    for (std::size_t g = 0; g < filter.grams.size(); ++g) {
      if ((term >> g & 1) != 0) bits |= bit_of_gram[g];
    }
    entry.terms.push_back(bits);
    entry.common &= bits;
    // grams[] come rarest first: the term's lowest gram index.
    const auto rarest = static_cast<std::size_t>(std::countr_zero(term));
    entry.gate |= bit_of_gram[rarest];
  }
  table.gates |= entry.gate;
  filters_.push_back(std::move(entry));
}

void MatchFilterSet::scan(std::string_view text, bool has_ascii_digit, Scan& scan) const {
  static_assert(Gram::kMaxLength == 3, "scan() follows grams of up to three bytes");
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  scan.found.assign(tables_.size(), 0);
  scan.candidates.clear();
  const bool look_for_grams = has_ascii_digit || !all_grams_need_digits_;
  for (std::size_t t = 0; t < tables_.size() && look_for_grams; ++t) {
    const auto& masks = tables_[t].masks;
    // One table look-up per byte: `one` holds the grams whose first byte matched the previous
    // byte, `two` those whose first two bytes matched the two previous bytes. (Indexing the
    // tables at i, i+1 and i+2 for each position loads every byte three times, and GCC turns
    // that loop into slower vector code.)
    std::uint64_t found = 0;
    std::uint64_t one = 0;
    std::uint64_t two = 0;
#pragma GCC unroll 4
    for (std::size_t i = 0; i < n; ++i) {
      const auto& m = masks[p[i]];
      found |= two & m[2];
      two = one & m[1];
      one = m[0];
    }
    const auto& end = masks[kPastEnd];
    scan.found[t] = found | (two & end[2]) | (one & end[1] & end[2]);
  }
  // A filter with terms passes only when the text holds one of its gates, so a text that holds
  // no gate of any filter needs no judging filter by filter. With the heavy benchmark profile's 10
  // patterns that is 48% of the generated texts, and scan()'s instructions fell by 10%
  // (node_bench ner_extract/pattern_filters/one_pass under callgrind).
  if (!has_termless_filter_) {
    bool any_gate = false;
    for (std::size_t t = 0; t < tables_.size(); ++t) {
      any_gate = any_gate || (scan.found[t] & tables_[t].gates) != 0;
    }
    if (!any_gate) return;
  }
  for (std::size_t f = 0; f < filters_.size(); ++f) {
    if (!has_ascii_digit && filters_[f].needs_digit) continue;
    if (may_match(f, text, scan)) scan.candidates.push_back(f);
  }
}

}  // namespace sluice::nodes::ner
