#pragma once
/// The probes behind the NANP coverage tables (nanp_area_codes.hpp): a few IsValidNumber calls
/// per block decide its Coverage. Used by the build-time generator (phone_tables_gen.cpp) and
/// by the test that checks the compiled-in tables against the library the program links.

#include <cstddef>

#include "support/ner/nanp_area_codes.hpp"

namespace sluice::nodes::ner::nanp {

/// Area code `area` (200-999): `all` when NXX-234-567 is valid for each exchange digit N = 2-9,
/// `none` when none of those is valid and no NANP region's example number uses the area code,
/// `some` otherwise. (`all` and `none` are a sampling: a few sub-ranges of some area codes
/// disagree, about 0.05% of random 10-digit numbers.)
Coverage probe_area_code(std::size_t area);

/// Exchange `exchange` (200-999) within area code `area`: `all` when the lines 0000, 1111, ...,
/// 9999 are all valid, `none` when none is, `some` otherwise. libphonenumber's NANP patterns
/// decide by the area code and exchange except in a few exchanges that split on the line's first
/// digit, which these lines find; a test checks other lines of every exchange.
Coverage probe_exchange(std::size_t area, std::size_t exchange);

}  // namespace sluice::nodes::ner::nanp
