// Writes the seed corpus of the RecordBatch fuzz target: 24 valid batches of
// every codec (and snappy framing), control batches, and concatenated
// sequences, some ending in a partial batch; one file per input, named by
// its CRC. From the workspace root:
//
//   bazel run //lib/protocol/record:make_record_batch_corpus --
//       "$PWD/tests/fuzz/corpus/record_batch"
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/protocol/record/crc32c.h"
#include "lib/protocol/record/record_batch_builder.h"
#include "lib/protocol/record/testing/record_batch_testing.h"

namespace warp::kafka {
namespace {

int Main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
    return 2;
  }
  std::vector<std::string> inputs;
  std::mt19937_64 rng(20241025);
  struct Codec {
    Compression codec;
    SnappyFraming framing;
  };
  const Codec codecs[] = {
      {Compression::kNone, SnappyFraming::kXerial},
      {Compression::kGzip, SnappyFraming::kXerial},
      {Compression::kSnappy, SnappyFraming::kXerial},
      {Compression::kSnappy, SnappyFraming::kRaw},
      {Compression::kLz4, SnappyFraming::kXerial},
      {Compression::kZstd, SnappyFraming::kXerial},
  };
  for (const Codec& codec : codecs) {
    for (int i = 0; i < 24; ++i) {
      RecordBatchOptions options;
      options.compression = codec.codec;
      options.compression_options.snappy_framing = codec.framing;
      options.compression_options.snappy_xerial_block_size = 64 + rng() % 256;
      if (i % 2 == 1) {
        options.producer_id = rng() % 100000;
        options.producer_epoch = rng() % 10;
        options.base_sequence = rng() % 1000;
        options.is_transactional = i % 4 == 3;
      }
      if (i % 8 == 6) {
        options.timestamp_type = TimestampType::kLogAppendTime;
        options.log_append_time = 1729859696000;
      }
      const int count = 1 + rng() % 12;
      std::vector<testing::OwnedRecord> records =
          i % 8 < 5 ? testing::RandomRecords(rng, count, 64)
                    : testing::LogRecords(rng, 100 + rng() % 1500, 100);
      absl::StatusOr<std::string> batch = testing::BuildBatch(records, options);
      if (!batch.ok()) {
        std::fprintf(stderr, "%s\n", batch.status().ToString().c_str());
        return 1;
      }
      inputs.push_back(*batch);
    }
  }
  for (bool commit : {true, false}) {
    RecordBatchOptions options;
    options.producer_id = 42;
    options.producer_epoch = 1;
    inputs.push_back(
        *BuildEndTransactionMarker(commit, 7, 1729859696000, options));
  }
  // Produce-style sequences, and Fetch-style ones ending in a partial batch.
  for (int i = 0; i < 12; ++i) {
    std::string sequence;
    for (int n = 0; n < 3; ++n) sequence += inputs[rng() % inputs.size()];
    if (i % 2 == 1) {
      const std::string& last = inputs[rng() % inputs.size()];
      sequence += last.substr(0, rng() % last.size());
    }
    inputs.push_back(sequence);
  }
  for (const std::string& input : inputs) {
    const std::string path = absl::StrCat(
        argv[1], "/seed-", absl::Hex(Crc32c(input), absl::kZeroPad8));
    std::ofstream(path, std::ios::binary) << input;
  }
  std::printf("wrote %zu inputs to %s\n", inputs.size(), argv[1]);
  return 0;
}

}  // namespace
}  // namespace warp::kafka

int main(int argc, char** argv) { return warp::kafka::Main(argc, argv); }
