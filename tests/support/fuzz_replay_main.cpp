// Runs a fuzz harness over files, the way libFuzzer replays a corpus, for builds without
// libFuzzer (GCC, the sanitizer build): `NAME_replay DIR_OR_FILE...`. A directory runs every
// regular file in it, in name order. A harness signals a finding by aborting. Exits 1 when no
// input was found at all, so a misplaced corpus cannot pass by running nothing.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

std::vector<std::filesystem::path> inputs_in(const std::filesystem::path& path) {
  std::vector<std::filesystem::path> files;
  if (std::filesystem::is_directory(path)) {
    for (const auto& entry : std::filesystem::directory_iterator(path)) {
      if (entry.is_regular_file()) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
  } else if (std::filesystem::is_regular_file(path)) {
    files.push_back(path);
  }
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  std::size_t ran = 0;
  for (int i = 1; i < argc; ++i) {
    const auto files = inputs_in(argv[i]);
    if (files.empty()) std::fprintf(stderr, "no inputs in %s\n", argv[i]);
    for (const auto& file : files) {
      std::ifstream in(file, std::ios::binary);
      const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
      // A copy of exactly `size` bytes, so ASan sees any read past the end.
      const std::vector<std::uint8_t> data(bytes.begin(), bytes.end());
      std::fprintf(stderr, "running %s (%zu bytes)\n", file.c_str(), data.size());
      LLVMFuzzerTestOneInput(data.data(), data.size());
      ++ran;
    }
  }
  std::fprintf(stderr, "%zu inputs ran without a finding\n", ran);
  return ran == 0 ? 1 : 0;
}
