// Fuzz harness for DurableFile and, under it, DirectWriter: any sequence of writes, of any sizes
// around the buffer, the alignment, the blocks and the ring, must end as exactly those bytes.
// - commit(): the target holds the bytes written, in order; no temp file is left beside it.
// - discard(), or the object dropped without commit: the target is as before (absent, or its old
//   content); no temp file is left.
// - size() is the number of bytes written, at every step.
// Both ways to the disk are covered: O_DIRECT (the default, where the filesystem allows it) and
// the page cache.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/direct_writer.hpp"
#include "sluice/durable_file.hpp"
#include "support/fuzz_support.hpp"
#include "support/patterned_bytes.hpp"
#include "support/temp_dir.hpp"

namespace {

using sluice::DurableFile;
using sluice::PageCache;
using sluice::detail::DirectWriter;
using sluice::fuzz::FuzzInput;

constexpr std::size_t kAlignment = 4096;
constexpr std::size_t kBlock = DirectWriter::kBlockBytes;
constexpr std::size_t kRing = DirectWriter::kRingBytes;
// Enough to go round the ring more than twice, small enough for thousands of runs a minute.
constexpr std::size_t kMaxTotal = 2 * kRing + 3 * kBlock;

// A piece's size, from sizes where the writers change what they do: tiny and small writes (they
// are buffered), and multiples of the 4 KiB alignment, of a quarter block (where the ring starts
// being faulted in), of a block and of the ring, give or take a few bytes.
std::size_t take_piece_size(FuzzInput& input) {
  const std::size_t delta = input.take_byte() % 9;  // -4..+4 around a boundary
  const auto near = [delta](std::size_t boundary) {
    return delta < 4 ? boundary - std::min(boundary, 4 - delta) : boundary + (delta - 4);
  };
  switch (input.take_choice(8)) {
    case 0:
      return input.take_byte() % 16;
    case 1:
      return input.take_byte() * 37u;
    case 2:
      return near(kAlignment * (1 + input.take_byte() % 8));
    case 3:
      return near(kBlock);
    case 4:
      return near(kBlock / 4 * (1 + input.take_byte() % 8));  // kPopulateAfterBytes steps
    case 5:
      return near(kRing);
    case 6:
      return (std::size_t{input.take_byte()} << 12) + input.take_byte();
    default:
      return near(kBlock * (1 + input.take_byte() % 3));
  }
}

std::string temp_files_in(const sluice::testing::TempDir& dir) {
  std::string names;
  for (const std::string& name : dir.entries()) {
    if (name.find(".sluice-tmp-") != std::string::npos) names += " " + name;
  }
  return names;
}

std::string describe(const std::vector<std::size_t>& pieces, bool direct) {
  std::string out = direct ? "O_DIRECT, pieces:" : "page cache, pieces:";
  for (const std::size_t piece : pieces) out += " " + std::to_string(piece);
  return out;
}

// What differs between the target as found and as wanted (absent when nullopt).
std::string describe_difference(const std::optional<std::string>& found,
                                const std::optional<std::string>& wanted) {
  if (!found || !wanted)
    return found ? "the target exists and should not" : "the target is missing";
  const auto [at, unused] =
      std::mismatch(found->begin(), found->end(), wanted->begin(), wanted->end());
  return "the target has " + std::to_string(found->size()) + " bytes, expected " +
         std::to_string(wanted->size()) + "; first difference at byte " +
         std::to_string(at - found->begin());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzInput input(data, size);
  const PageCache page_cache = input.take_bool() ? PageCache::use : PageCache::bypass;
  const std::size_t ending = input.take_choice(3);  // commit, discard, or drop without either
  const bool target_exists = input.take_bool();

  sluice::testing::TempDir dir;
  const std::string target = dir.file("out.csv");
  const std::string old_content = "the previous output\n";
  if (target_exists) sluice::testing::write_file(target, old_content);

  // The pieces first, then bytes that differ from page to page for all of them, so a piece
  // written twice, lost or out of place shows in the comparison.
  std::vector<std::size_t> pieces;
  std::size_t total = 0;
  while (!input.rest().empty() && total < kMaxTotal) {
    pieces.push_back(std::min(take_piece_size(input), kMaxTotal - total));
    total += pieces.back();
  }
  const std::string expected = sluice::testing::patterned_bytes(total);

  bool direct = false;
  {
    auto created = DurableFile::create(target, page_cache);
    SLUICE_FUZZ_CHECK(created.ok(), created.status().message());
    DurableFile file = std::move(created).value();
    direct = file.bypasses_page_cache();
    std::size_t written = 0;
    for (const std::size_t piece : pieces) {
      file.write(std::string_view(expected).substr(written, piece));
      written += piece;
      SLUICE_FUZZ_CHECK(file.size() == written, "size() " + std::to_string(file.size()) +
                                                    " after " + std::to_string(written) +
                                                    " bytes; " + describe(pieces, direct));
    }
    if (ending == 0) {
      const sluice::Status status = file.commit();
      SLUICE_FUZZ_CHECK(status.ok(), status.message() + "; " + describe(pieces, direct));
    } else if (ending == 1) {
      file.discard();
    }
  }

  const std::optional<std::string> found = std::filesystem::exists(target)
                                               ? std::optional(sluice::testing::read_file(target))
                                               : std::nullopt;
  const std::optional<std::string> wanted =
      ending == 0 ? std::optional(expected)
                  : (target_exists ? std::optional(old_content) : std::nullopt);
  SLUICE_FUZZ_CHECK(found == wanted,
                    describe(pieces, direct) + "; " + describe_difference(found, wanted));
  const std::string leftovers = temp_files_in(dir);
  SLUICE_FUZZ_CHECK(leftovers.empty(),
                    "temp files left:" + leftovers + "; " + describe(pieces, direct));
  return 0;
}
