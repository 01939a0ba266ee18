// RecordBatch parsing against corrupt, truncated and hostile input: every
// failure must be a clean error, fast, with no large allocation.
#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/protocol/record/record_batch.h"
#include "lib/protocol/record/record_batch_builder.h"
#include "lib/protocol/record/testing/record_batch_testing.h"
#include "lib/protocol/record/varint.h"

namespace warp::kafka {
namespace {

using testing::BuildBatch;
using ::testing::HasSubstr;

constexpr Compression kAllCodecs[] = {Compression::kNone, Compression::kGzip,
                                      Compression::kSnappy, Compression::kLz4,
                                      Compression::kZstd};

// Builds a batch around a hand-made records section: header fields set,
// length and CRC computed, so only the records are hostile.
std::string SealedBatch(const std::string& payload, int32_t record_count,
                        int32_t last_offset_delta,
                        Compression codec = Compression::kNone) {
  std::string batch(kRecordBatchHeaderSize, '\0');
  batch += payload;
  char* p = batch.data();
  StoreBigEndian32(batch.size() - kLogOverhead, p + kBatchLengthOffset);
  p[kMagicOffset] = kMagicV2;
  StoreBigEndian16(static_cast<uint16_t>(codec), p + kAttributesOffset);
  StoreBigEndian32(last_offset_delta, p + kLastOffsetDeltaOffset);
  StoreBigEndian64(static_cast<uint64_t>(-1), p + kProducerIdOffset);
  StoreBigEndian32(record_count, p + kRecordCountOffset);
  StoreBigEndian32(ComputeRecordBatchCrc(batch), p + kCrcOffset);
  return batch;
}

// A well-formed record body with the given key/value length fields.
std::string Record(int32_t offset_delta, const std::string& tail) {
  std::string body;
  body.push_back(0);         // Attributes.
  AppendVarint64(&body, 0);  // Timestamp delta.
  AppendVarint32(&body, offset_delta);
  body += tail;
  std::string record;
  AppendVarint32(&record, static_cast<int32_t>(body.size()));
  return record + body;
}

std::string Varint(int32_t v) {
  std::string s;
  AppendVarint32(&s, v);
  return s;
}

absl::Status DecodeStatus(absl::string_view batch, DecodeOptions options = {}) {
  return DecodedRecordBatch::Decode(batch, options).status();
}

TEST(HostileBatchTest, SealedHelperMakesValidBatches) {
  const std::string tail = Varint(1) + "k" + Varint(1) + "v" + Varint(0);
  const std::string batch = SealedBatch(Record(0, tail), 1, 0);
  absl::StatusOr<DecodedRecordBatch> decoded =
      DecodedRecordBatch::Decode(batch);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded->records()[0].key, "k");
}

TEST(HostileBatchTest, CorruptCrcIsDataLoss) {
  absl::StatusOr<std::string> batch =
      BuildBatch({{"key", "value", {}, 1}, {"key2", "value2", {}, 2}});
  ASSERT_TRUE(batch.ok());
  // Any byte from the attributes on is covered.
  for (size_t i = kAttributesOffset; i < batch->size(); ++i) {
    std::string corrupt = *batch;
    corrupt[i] ^= 0x01;
    absl::StatusOr<RecordBatchHeader> header = ParseRecordBatchHeader(corrupt);
    ASSERT_FALSE(header.ok()) << i;
    if (header.status().code() == absl::StatusCode::kDataLoss) {
      EXPECT_THAT(header.status().message(), HasSubstr("CRC-32C mismatch"));
    }
  }
  // So is the CRC field itself.
  std::string bad_crc = *batch;
  bad_crc[kCrcOffset] ^= 0x80;
  EXPECT_EQ(ParseRecordBatchHeader(bad_crc).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(DecodeStatus(bad_crc).code(), absl::StatusCode::kDataLoss);
  // Skipping the check parses it.
  EXPECT_TRUE(ParseRecordBatchHeader(bad_crc, CrcCheck::kSkip).ok());
  EXPECT_TRUE(DecodeStatus(bad_crc, {.crc_check = CrcCheck::kSkip}).ok());
}

TEST(HostileBatchTest, TruncationAtEveryByteFailsCleanly) {
  std::mt19937_64 rng(5);
  for (Compression codec : kAllCodecs) {
    absl::StatusOr<std::string> batch =
        BuildBatch(testing::RandomRecords(rng, 8, 40), {.compression = codec});
    ASSERT_TRUE(batch.ok());
    for (size_t n = 0; n < batch->size(); ++n) {
      // Exactly sized heap copy so sanitizers catch overreads.
      std::vector<char> prefix(batch->begin(), batch->begin() + n);
      const absl::string_view view(prefix.data(), n);
      EXPECT_FALSE(ParseRecordBatchHeader(view, CrcCheck::kSkip).ok()) << n;
      EXPECT_FALSE(DecodeStatus(view).ok()) << n;
      absl::StatusOr<RecordBatchSequence> split = SplitRecordBatches(view);
      ASSERT_TRUE(split.ok()) << n;
      EXPECT_TRUE(split->batches.empty());
      EXPECT_EQ(split->partial_tail.size(), n);
    }
  }
}

TEST(HostileBatchTest, TruncatedRecordsWithFixedUpLengthAndCrc) {
  // The batch framing is consistent but the records section is cut short.
  const std::string tail = Varint(3) + "key" + Varint(5) + "value" + Varint(1) +
                           Varint(1) + "h" + Varint(-1);
  const std::string records = Record(0, tail) + Record(1, tail);
  for (size_t n = 0; n < records.size(); ++n) {
    const absl::Status status =
        DecodeStatus(SealedBatch(records.substr(0, n), 2, 1));
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument)
        << n << ": " << status;
  }
  EXPECT_TRUE(DecodeStatus(SealedBatch(records, 2, 1)).ok());
}

TEST(HostileBatchTest, HugeLengthsInSmallBuffersFailFast) {
  const auto start = std::chrono::steady_clock::now();
  const int32_t kHuge = 0x7FFFFFFF;
  struct Case {
    std::string name;
    std::string records;
    int32_t count;
  };
  const std::string ok_tail = Varint(1) + "k" + Varint(1) + "v" + Varint(0);
  std::string huge_record_length = Varint(kHuge) + std::string(100, 'x');
  const Case cases[] = {
      {"record length", huge_record_length, 1},
      {"key length", Record(0, Varint(kHuge) + std::string(90, 'x')), 1},
      {"value length",
       Record(0, Varint(-1) + Varint(kHuge) + std::string(90, 'x')), 1},
      {"header count",
       Record(0,
              Varint(-1) + Varint(-1) + Varint(kHuge) + std::string(90, 'x')),
       1},
      {"header key length",
       Record(0, Varint(-1) + Varint(-1) + Varint(1) + Varint(kHuge) + "abc"),
       1},
      {"header value length",
       Record(0, Varint(-1) + Varint(-1) + Varint(1) + Varint(1) + "a" +
                     Varint(kHuge) + "abc"),
       1},
      {"record count", Record(0, ok_tail), kHuge},
  };
  for (const Case& c : cases) {
    const absl::Status status =
        DecodeStatus(SealedBatch(c.records, c.count, 0));
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument)
        << c.name << ": " << status;
  }
  // A 2 GiB BatchLength in a 100-byte buffer.
  std::string batch = SealedBatch(Record(0, ok_tail), 1, 0);
  StoreBigEndian32(0x7FFFFFF0, batch.data() + kBatchLengthOffset);
  EXPECT_EQ(ParseRecordBatchHeader(batch).status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::StatusOr<RecordBatchSequence> split = SplitRecordBatches(batch);
  ASSERT_TRUE(split.ok());
  EXPECT_EQ(split->partial_tail.size(), batch.size());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST(HostileBatchTest, BadLengthValues) {
  const std::string cases[] = {
      Record(0, Varint(-2) + Varint(-1) + Varint(0)),   // Key length -2.
      Record(0, Varint(-1) + Varint(-7) + Varint(0)),   // Value length.
      Record(0, Varint(-1) + Varint(-1) + Varint(-1)),  // Header count.
      Record(0, Varint(-1) + Varint(-1) + Varint(1) + Varint(-1) +
                    Varint(-1)),  // Null header key.
      Record(0, Varint(-1) + Varint(-1) + Varint(0) + "zz"),  // Spare bytes.
      Varint(-5) + std::string(10, '\0'),                     // Record length.
      Varint(0),                                              // Empty record.
  };
  for (const std::string& records : cases) {
    const absl::Status status = DecodeStatus(SealedBatch(records, 1, 0));
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument)
        << absl::BytesToHexString(records) << ": " << status;
  }
}

TEST(HostileBatchTest, OverlongVarintsAreRejected) {
  const std::string overlong_zero("\x80\x80\x80\x80\x80\x00", 6);
  const std::string tail = Varint(-1) + Varint(-1) + Varint(0);
  std::string body;
  body.push_back(0);
  body += Varint(0);
  body += Varint(0);
  body += tail;
  // Record length written in 6 bytes.
  std::string records = std::string("\x80\x80\x80\x80\x80", 5) +
                        Varint(static_cast<int32_t>(body.size())) + body;
  EXPECT_FALSE(DecodeStatus(SealedBatch(records, 1, 0)).ok());
  // Offset delta written in 6 bytes.
  std::string body2;
  body2.push_back(0);
  body2 += Varint(0);
  body2 += overlong_zero;
  body2 += tail;
  EXPECT_FALSE(
      DecodeStatus(
          SealedBatch(Varint(static_cast<int32_t>(body2.size())) + body2, 1, 0))
          .ok());
  // Timestamp delta (a varlong) written in 11 bytes.
  std::string body3;
  body3.push_back(0);
  body3 += std::string(10, '\x80') + std::string(1, '\0');
  body3 += Varint(0);
  body3 += tail;
  EXPECT_FALSE(
      DecodeStatus(
          SealedBatch(Varint(static_cast<int32_t>(body3.size())) + body3, 1, 0))
          .ok());
  // A 5-byte varint whose value overflows 32 bits.
  const std::string records4 =
      std::string("\xff\xff\xff\xff\x1f", 5) + std::string(20, '\0');
  EXPECT_FALSE(DecodeStatus(SealedBatch(records4, 1, 0)).ok());
}

TEST(HostileBatchTest, CountsAndOffsetsMustAgree) {
  const std::string tail = Varint(1) + "k" + Varint(1) + "v" + Varint(0);
  const std::string two = Record(0, tail) + Record(1, tail);
  EXPECT_TRUE(DecodeStatus(SealedBatch(two, 2, 1)).ok());
  // Declared count too high, too low; trailing bytes.
  EXPECT_THAT(DecodeStatus(SealedBatch(two, 3, 2)).message(),
              HasSubstr("impossible"));
  EXPECT_TRUE(DecodeStatus(SealedBatch(two + Record(2, tail), 3, 2)).ok());
  EXPECT_THAT(DecodeStatus(SealedBatch(two, 1, 1)).message(),
              HasSubstr("bytes left after the last"));
  EXPECT_THAT(DecodeStatus(SealedBatch(two + "x", 2, 1)).message(),
              HasSubstr("bytes left after the last"));
  // Offset deltas must increase and stay within LastOffsetDelta.
  const std::string repeated = Record(0, tail) + Record(0, tail);
  EXPECT_THAT(DecodeStatus(SealedBatch(repeated, 2, 1)).message(),
              HasSubstr("offset delta"));
  EXPECT_THAT(DecodeStatus(SealedBatch(two, 2, 0)).message(),
              HasSubstr("offset delta"));
  // Gaps (left by compaction) are fine.
  EXPECT_TRUE(
      DecodeStatus(SealedBatch(Record(0, tail) + Record(5, tail), 2, 9)).ok());
  // Negative header counts.
  EXPECT_EQ(DecodeStatus(SealedBatch(two, -1, 1)).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeStatus(SealedBatch(two, 2, -1)).code(),
            absl::StatusCode::kInvalidArgument);
  // An empty batch (all records compacted away) decodes to nothing.
  absl::StatusOr<DecodedRecordBatch> empty =
      DecodedRecordBatch::Decode(SealedBatch("", 0, 4, Compression::kZstd));
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_TRUE(empty->records().empty());
}

TEST(HostileBatchTest, UnknownCodecAndMagic) {
  const std::string tail = Varint(1) + "k" + Varint(1) + "v" + Varint(0);
  const std::string batch =
      SealedBatch(Record(0, tail), 1, 0, static_cast<Compression>(5));
  EXPECT_EQ(ParseRecordBatchHeader(batch).status().code(),
            absl::StatusCode::kUnimplemented);
  std::string magic0 = SealedBatch(Record(0, tail), 1, 0);
  magic0[kMagicOffset] = 0;
  EXPECT_EQ(DecodeStatus(magic0).code(), absl::StatusCode::kUnimplemented);
}

TEST(HostileBatchTest, CorruptCompressedPayloadIsDataLoss) {
  for (Compression codec : {Compression::kGzip, Compression::kSnappy,
                            Compression::kLz4, Compression::kZstd}) {
    const absl::Status status =
        DecodeStatus(SealedBatch("definitely not compressed", 1, 0, codec));
    EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss)
        << CompressionName(codec) << ": " << status;
  }
}

TEST(HostileBatchTest, ZipBombBatchesHitTheCap) {
  const std::string zeros(80 << 20, '\0');
  for (Compression codec : {Compression::kGzip, Compression::kSnappy,
                            Compression::kLz4, Compression::kZstd}) {
    absl::StatusOr<std::string> bomb = Compress(codec, zeros);
    ASSERT_TRUE(bomb.ok());
    const std::string batch = SealedBatch(*bomb, 1, 0, codec);
    const absl::Status status = DecodeStatus(batch);
    EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted)
        << CompressionName(codec) << ": " << status;
  }
  // A legitimate 2 MiB batch over a 1 MiB cap fails the same way.
  std::mt19937_64 rng(6);
  absl::StatusOr<std::string> big =
      BuildBatch(testing::LogRecords(rng, 2 << 20, 1024),
                 {.compression = Compression::kLz4});
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(DecodeStatus(*big, {.max_decompressed_bytes = 1 << 20}).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(DecodeStatus(*big).ok());
}

TEST(HostileBatchTest, RandomMutationsNeverCrash) {
  // Mutate valid batches and reseal the CRC so the mutations reach the record
  // decoder instead of stopping at the checksum.
  std::mt19937_64 rng(7);
  std::vector<std::string> seeds;
  for (Compression codec : kAllCodecs) {
    for (int i = 0; i < 3; ++i) {
      seeds.push_back(
          *BuildBatch(testing::RandomRecords(rng, 1 + rng() % 10, 50),
                      {.compression = codec}));
    }
  }
  int decoded_ok = 0;
  for (int trial = 0; trial < 20000; ++trial) {
    std::string batch = seeds[rng() % seeds.size()];
    for (int edits = 1 + rng() % 3; edits > 0; --edits) {
      const size_t at =
          kAttributesOffset + rng() % (batch.size() - kAttributesOffset);
      switch (rng() % 3) {
        case 0:
          batch[at] ^= static_cast<char>(1 << (rng() % 8));
          break;
        case 1:
          batch[at] = "\xff\x7f\x80\x00\x01"[rng() % 5];
          break;
        default:
          batch.erase(at, 1 + rng() % 4);
          break;
      }
    }
    if (batch.size() >= kRecordBatchHeaderSize) {
      StoreBigEndian32(batch.size() - kLogOverhead,
                       batch.data() + kBatchLengthOffset);
      StoreBigEndian32(ComputeRecordBatchCrc(batch), batch.data() + kCrcOffset);
    }
    std::vector<char> exact(batch.begin(), batch.end());
    if (DecodeStatus(absl::string_view(exact.data(), exact.size()),
                     {.max_decompressed_bytes = 1 << 20})
            .ok()) {
      ++decoded_ok;
    }
  }
  // Some mutations (in values) leave valid batches; most do not.
  EXPECT_GT(decoded_ok, 0);
  EXPECT_LT(decoded_ok, 20000);
}

}  // namespace
}  // namespace warp::kafka
