#pragma once
/// MatchFilterSet: the MatchFilters of many patterns, tested against one text in a single pass.
///
/// The distinct grams of all filters get one bit each in tables of 64 (equal grams of different
/// patterns share a bit). scan() finds every gram of a text with one table look-up per byte;
/// may_match() then only combines bits. Same answers as MatchFilter::may_match, much cheaper when
/// there are many patterns (the heavy benchmark profile has ten).

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "support/ner/match_filter.hpp"

namespace sluice::nodes::ner {

class MatchFilterSet {
 public:
  /// Adds `filter`; its index is the number of filters added before it.
  void add(const MatchFilter& filter);
  std::size_t size() const noexcept { return filters_.size(); }

  /// What scan() found in one text. Reusable between texts.
  struct Scan {
    std::vector<std::uint64_t> found;     ///< bit g of found[t]: gram g of table t occurs
    std::vector<std::size_t> candidates;  ///< the filters that may match, in index order
  };

  /// Looks for every gram of every filter in `text` and lists the filters that may match
  /// (replaces the contents of `scan`). `has_ascii_digit` false promises that the text has no
  /// byte '0'-'9': then filters whose every term needs one are ruled out without a look, and
  /// when all filters with grams are such, the grams are not looked for at all.
  void scan(std::string_view text, bool has_ascii_digit, Scan& scan) const;
  void scan(std::string_view text, Scan& scan) const { this->scan(text, true, scan); }

  /// MatchFilter::may_match of filter `index` for the text `scan` was computed from.
  bool may_match(std::size_t index, std::string_view text, const Scan& scan) const noexcept {
    const Entry& entry = filters_[index];
    if (text.size() < entry.min_length) return false;
    if (entry.terms.empty()) return true;
    const std::uint64_t found = scan.found[entry.table];
    if ((found & entry.common) != entry.common || (found & entry.gate) == 0) return false;
    for (const std::uint64_t term : entry.terms) {
      if ((found & term) == term) return true;
    }
    return false;
  }

 private:
  static constexpr std::size_t kGramsPerTable = 64;
  static constexpr std::size_t kPastEnd = 256;

  /// Bit g of masks[b][k] is set when byte k of gram g may be b, and for every b when gram g is
  /// shorter than k + 1 bytes; masks[kPastEnd] stands for the bytes past the end of the text. So
  /// gram g occurs at position i when bit g of masks[text[i]][0] & masks[text[i+1]][1] &
  /// masks[text[i+2]][2] is set. The masks of one byte share a cache line.
  struct Table {
    std::array<std::array<std::uint64_t, Gram::kMaxLength>, kPastEnd + 1> masks{};
    std::vector<Gram> grams;  ///< gram g has bit g
    std::uint64_t gates = 0;  ///< the gates of all its filters: found & gates == 0 rules all out
  };

  struct Entry {
    std::size_t min_length = 0;
    std::size_t table = 0;
    std::uint64_t common = 0;  ///< the bits of every term: a quick first test
    /// One bit of each term (its rarest gram): a text passing a term has one of them, so
    /// found & gate == 0 rules the filter out without looking at the terms one by one.
    std::uint64_t gate = 0;
    std::vector<std::uint64_t> terms;  ///< the filter's terms as bits of its table
    bool needs_digit = false;          ///< every term has a gram byte that must be '0'-'9'
  };

  std::vector<Table> tables_;
  std::vector<Entry> filters_;
  bool all_grams_need_digits_ = true;  ///< every filter with terms needs_digit
  bool has_termless_filter_ = false;   ///< some filter has no terms (passes on length alone)
};

}  // namespace sluice::nodes::ner
