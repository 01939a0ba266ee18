// A main() for fuzz targets built as ordinary tests: replays every file of
// the committed corpus folders given as arguments through
// LLVMFuzzerTestOneInput, then a deterministic stream of mutations of them
// (bit flips, truncations, splices, hostile length bytes). A crash, sanitizer
// report or trap fails the test. Real coverage-guided fuzzing runs by hand
// with scripts/fuzz.sh (clang + libFuzzer).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

void Run(const std::string& input) {
  // Copy into an exactly sized heap buffer so reads past the end are caught
  // by sanitizers when enabled.
  std::vector<uint8_t> buffer(input.begin(), input.end());
  LLVMFuzzerTestOneInput(buffer.data(), buffer.size());
}

std::string Mutate(std::string s, std::mt19937_64& rng) {
  int edits = 1 + rng() % 4;
  for (int e = 0; e < edits; ++e) {
    switch (rng() % 6) {
      case 0:  // flip a bit
        if (!s.empty()) s[rng() % s.size()] ^= 1 << (rng() % 8);
        break;
      case 1:  // truncate
        if (!s.empty()) s.resize(rng() % s.size());
        break;
      case 2:  // hostile bytes (big lengths, negative varints)
        if (!s.empty()) {
          static const char kHostile[] = {'\xff', '\x7f', '\x80', '\0'};
          s[rng() % s.size()] = kHostile[rng() % 4];
        }
        break;
      case 3: {  // duplicate a slice
        if (s.empty()) break;
        size_t a = rng() % s.size(), n = rng() % (s.size() - a) + 1;
        s.insert(rng() % s.size(), s.substr(a, std::min<size_t>(n, 4096)));
        break;
      }
      case 4:  // delete a slice
        if (!s.empty()) {
          size_t a = rng() % s.size();
          s.erase(a, rng() % (s.size() - a) + 1);
        }
        break;
      default:  // insert random bytes
        for (int i = 0, n = rng() % 16; i < n; ++i) {
          s.insert(s.begin() + (s.empty() ? 0 : rng() % s.size()),
                   static_cast<char>(rng()));
        }
    }
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> corpus;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path dir = argv[i];
    if (const char* srcdir = std::getenv("TEST_SRCDIR"); srcdir && dir.is_relative()) {
      dir = std::filesystem::path(srcdir) / "warp" / dir;
    }
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      std::ifstream in(entry.path(), std::ios::binary);
      corpus.emplace_back(std::istreambuf_iterator<char>(in),
                          std::istreambuf_iterator<char>());
    }
    if (ec) {
      std::fprintf(stderr, "cannot read corpus %s: %s\n", dir.c_str(),
                   ec.message().c_str());
      return 1;
    }
  }
  if (corpus.empty()) {
    std::fprintf(stderr, "empty corpus\n");
    return 1;
  }
  for (const std::string& input : corpus) Run(input);
  std::mt19937_64 rng(20261127);
  const int kMutations = 50000;
  for (int i = 0; i < kMutations; ++i) {
    Run(Mutate(corpus[rng() % corpus.size()], rng));
  }
  std::printf("replayed %zu corpus inputs and %d mutations\n", corpus.size(),
              kMutations);
  return 0;
}
