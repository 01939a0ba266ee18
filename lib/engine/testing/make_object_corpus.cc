// Writes the seed corpus of the object format fuzz target
// (object_format_fuzz.cc): objects made by ObjectBuilder from a few
// partitions' batches, as found and with a damaged index (for the mode that
// recomputes the CRCs), their index sections, and builder inputs, each
// behind the target's mode byte. One file per input. From the workspace
// root:
//
//   bazel run //lib/engine:make_object_corpus -- "$PWD/tests/fuzz/corpus/object_format"
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/engine/object_format.h"

namespace warp::engine {
namespace {

int Main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
    return 2;
  }
  std::mt19937_64 rng(20260302);
  const char* const topics[] = {"orders", "events", "t"};
  std::vector<std::string> inputs;
  for (int i = 0; i < 10; ++i) {
    std::vector<std::string> batches;  // kept alive until Finish
    std::string builder_input;         // the same batches for mode 3
    ObjectBuilder builder;
    const int count = 1 + rng() % 6;
    for (int b = 0; b < count; ++b) {
      batches.emplace_back(8 + rng() % 40, static_cast<char>('a' + b));
    }
    for (int b = 0; b < count; ++b) {
      const std::string topic = topics[(b + i) % 3];
      const int32_t partition = static_cast<int32_t>((b * 7 + i) % 4);
      builder.Add(topic, partition, batches[b], 1 + b, 1700000000000 + b);
      builder_input += static_cast<char>(topic.size());
      builder_input += topic;
      builder_input += static_cast<char>(partition);
      builder_input += static_cast<char>(batches[b].size());
      builder_input += batches[b];
    }
    const std::string object(builder.Finish().view());
    inputs.push_back(std::string(1, '\0') + object);
    std::string damaged = object;
    uint64_t index_offset;
    std::memcpy(&index_offset, damaged.data() + damaged.size() - kObjectTrailerSize, 8);
    damaged[index_offset + 4 + rng() % 8] ^= 0x40;  // in the first entry
    inputs.push_back(std::string(1, '\1') + damaged);
    inputs.push_back(std::string(1, '\2') +
                     std::string(reinterpret_cast<const char*>(&index_offset), 8) +
                     object.substr(index_offset,
                                   object.size() - kObjectTrailerSize - index_offset));
    inputs.push_back(std::string(1, '\3') + builder_input);
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::ofstream(absl::StrCat(argv[1], "/seed-", i), std::ios::binary) << inputs[i];
  }
  std::printf("wrote %zu inputs to %s\n", inputs.size(), argv[1]);
  return 0;
}

}  // namespace
}  // namespace warp::engine

int main(int argc, char** argv) { return warp::engine::Main(argc, argv); }
