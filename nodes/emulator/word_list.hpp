#pragma once
// Space-separated word lists (OAuth scopes, bot ids in flags) and joining lists for headers and
// help texts.

#include <string>
#include <string_view>
#include <vector>

namespace sluice::emulator {

/// Splits `text` on spaces; empty pieces are dropped.
std::vector<std::string> split_words(std::string_view text);

/// `items` joined with `separator` between them.
std::string join_words(const std::vector<std::string>& items, std::string_view separator);

}  // namespace sluice::emulator
