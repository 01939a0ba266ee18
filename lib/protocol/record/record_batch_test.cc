#include "lib/protocol/record/record_batch.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/protocol/record/crc32c.h"
#include "lib/protocol/record/record_batch_builder.h"
#include "lib/protocol/record/testing/record_batch_testing.h"

namespace warp::kafka {
namespace {

using testing::BuildBatch;
using testing::DecodeBatch;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::OwnedRecord;

constexpr Compression kAllCodecs[] = {Compression::kNone, Compression::kGzip,
                                      Compression::kSnappy, Compression::kLz4,
                                      Compression::kZstd};

// Batches written by kafkajs 2.2.4's RecordBatch encoder (an independent
// implementation): base offset 100, leader epoch 7, producer 1234 epoch 5
// sequence 42, three records at 1700000000000 + {0, 5, 10}:
//   key "key-0" value "value-0" headers {trace: "abc"}
//   key null    value "v1"
//   key ""      value null      headers {a: "", b: "2"}
constexpr char kKafkaJsUncompressed[] =
    "0000000000000064000000650000000702720ce8410000000000020000018bcfe56800"
    "0000018bcfe5680a00000000000004d200050000002a00000003380000000a6b65792d"
    "300e76616c75652d30020a74726163650661626310000a0201047631001a0014040001"
    "0402610002620232";
constexpr char kKafkaJsGzip[] =
    "0000000000000064000000790000000702dd21f44e0001000000020000018bcfe56800"
    "0000018bcfe5680a00000000000004d200050000002a000000031f8b08000000000000"
    "03b3606060e0ca4eadd435e02b4bcc294dd53560e22a294a4c4e654b4c4a1660e06262"
    "6429336490621061616064614a64604a62320200d901727a34000000";

std::vector<OwnedRecord> KafkaJsRecords() {
  OwnedRecord r0{"key-0", "value-0", {{"trace", "abc"}}, 1700000000000};
  OwnedRecord r1{std::nullopt, "v1", {}, 1700000000005};
  OwnedRecord r2{"", std::nullopt, {{"a", ""}, {"b", "2"}}, 1700000000010};
  return {r0, r1, r2};
}

RecordBatchOptions KafkaJsOptions() {
  RecordBatchOptions options;
  options.base_offset = 100;
  options.partition_leader_epoch = 7;
  options.producer_id = 1234;
  options.producer_epoch = 5;
  options.base_sequence = 42;
  return options;
}

TEST(RecordBatchTest, DecodesKafkaJsBatches) {
  for (const char* hex : {kKafkaJsUncompressed, kKafkaJsGzip}) {
    const std::string batch = absl::HexStringToBytes(hex);
    absl::StatusOr<RecordBatchHeader> header = ParseRecordBatchHeader(batch);
    ASSERT_TRUE(header.ok()) << header.status();
    EXPECT_EQ(header->base_offset, 100);
    EXPECT_EQ(header->size_bytes(), batch.size());
    EXPECT_EQ(header->partition_leader_epoch, 7);
    EXPECT_EQ(header->magic, 2);
    EXPECT_EQ(header->last_offset_delta, 2);
    EXPECT_EQ(header->last_offset(), 102);
    EXPECT_EQ(header->base_timestamp, 1700000000000);
    EXPECT_EQ(header->max_timestamp, 1700000000010);
    EXPECT_EQ(header->producer_id, 1234);
    EXPECT_EQ(header->producer_epoch, 5);
    EXPECT_EQ(header->base_sequence, 42);
    EXPECT_EQ(header->last_sequence(), 44);
    EXPECT_EQ(header->record_count, 3);
    EXPECT_FALSE(header->is_transactional());
    EXPECT_FALSE(header->is_control());
    EXPECT_EQ(header->timestamp_type(), TimestampType::kCreateTime);
    absl::StatusOr<std::vector<OwnedRecord>> records = DecodeBatch(batch);
    ASSERT_TRUE(records.ok()) << records.status();
    EXPECT_EQ(*records, KafkaJsRecords());
  }
  EXPECT_EQ(ParseRecordBatchHeader(absl::HexStringToBytes(kKafkaJsGzip))
                ->compression(),
            Compression::kGzip);
}

TEST(RecordBatchTest, BuildsTheSameBytesAsKafkaJs) {
  absl::StatusOr<std::string> built =
      BuildBatch(KafkaJsRecords(), KafkaJsOptions());
  ASSERT_TRUE(built.ok()) << built.status();
  EXPECT_EQ(absl::BytesToHexString(*built), kKafkaJsUncompressed);
}

TEST(RecordBatchTest, HeaderFieldsSitAtTheirOffsets) {
  RecordBatchOptions options;
  options.base_offset = 0x0102030405060708;
  options.partition_leader_epoch = 0x11121314;
  options.producer_id = 0x2122232425262728;
  options.producer_epoch = 0x3132;
  options.base_sequence = 0x41424344;
  options.is_transactional = true;
  options.compression = Compression::kLz4;
  std::vector<OwnedRecord> records = {{"k", "v", {}, 0x5152535455565758},
                                      {"k", "v", {}, 0x5152535455565759}};
  absl::StatusOr<std::string> batch = BuildBatch(records, options);
  ASSERT_TRUE(batch.ok());
  const std::string hex = absl::BytesToHexString(*batch);
  EXPECT_EQ(hex.substr(0, 16), "0102030405060708");
  EXPECT_EQ(hex.substr(16, 8),
            absl::StrCat(absl::Hex(batch->size() - 12, absl::kZeroPad8)));
  EXPECT_EQ(hex.substr(24, 8), "11121314");
  EXPECT_EQ(hex.substr(32, 2), "02");
  EXPECT_EQ(hex.substr(34, 8),
            absl::StrCat(absl::Hex(Crc32c(absl::string_view(*batch).substr(21)),
                                   absl::kZeroPad8)));
  EXPECT_EQ(hex.substr(42, 4), "0013");  // lz4 | transactional.
  EXPECT_EQ(hex.substr(46, 8), "00000001");
  EXPECT_EQ(hex.substr(54, 16), "5152535455565758");
  EXPECT_EQ(hex.substr(70, 16), "5152535455565759");
  EXPECT_EQ(hex.substr(86, 16), "2122232425262728");
  EXPECT_EQ(hex.substr(102, 4), "3132");
  EXPECT_EQ(hex.substr(106, 8), "41424344");
  EXPECT_EQ(hex.substr(114, 8), "00000002");
}

class RoundTripTest : public ::testing::TestWithParam<Compression> {
 protected:
  void ExpectRoundTrip(const std::vector<OwnedRecord>& records,
                       RecordBatchOptions options = {}) {
    options.compression = GetParam();
    absl::StatusOr<std::string> batch = BuildBatch(records, options);
    ASSERT_TRUE(batch.ok()) << batch.status();
    absl::StatusOr<RecordBatchHeader> header = ParseRecordBatchHeader(*batch);
    ASSERT_TRUE(header.ok()) << header.status();
    EXPECT_EQ(header->compression(), GetParam());
    EXPECT_EQ(header->record_count, static_cast<int32_t>(records.size()));
    EXPECT_EQ(header->last_offset_delta,
              static_cast<int32_t>(records.size()) - 1);
    absl::StatusOr<std::vector<OwnedRecord>> decoded = DecodeBatch(*batch);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    ASSERT_EQ(decoded->size(), records.size());
    for (size_t i = 0; i < records.size(); ++i) {
      EXPECT_EQ((*decoded)[i], records[i]) << "record " << i;
    }
  }
};

TEST_P(RoundTripTest, RandomRecords) {
  std::mt19937_64 rng(static_cast<int>(GetParam()));
  for (int trial = 0; trial < 20; ++trial) {
    ExpectRoundTrip(testing::RandomRecords(rng, 1 + rng() % 60, 300));
  }
}

TEST_P(RoundTripTest, NullsAndEmpties) {
  ExpectRoundTrip({
      {std::nullopt, std::nullopt, {}, 1},
      {"", "", {}, 2},
      {std::nullopt, "", {{"", std::nullopt}}, 3},
      {"", std::nullopt, {{"", ""}, {"h", std::nullopt}}, 4},
  });
}

TEST_P(RoundTripTest, OneByteRecord) {
  ExpectRoundTrip({{std::nullopt, "x", {}, 0}});
}

TEST_P(RoundTripTest, LargeRecord) {
  std::mt19937_64 rng(3);
  std::string value = testing::JsonLogLine(rng, 900 * 1024);
  for (size_t i = 0; i < value.size(); i += 7)
    value[i] = static_cast<char>(rng());
  ExpectRoundTrip({{"big", value, {{"content-type", "json"}}, 1700000000000}});
}

TEST_P(RoundTripTest, ManyRecordsAndProducerFields) {
  std::mt19937_64 rng(4);
  RecordBatchOptions options;
  options.producer_id = 77;
  options.producer_epoch = 3;
  options.base_sequence = 1000;
  options.is_transactional = true;
  ExpectRoundTrip(testing::LogRecords(rng, 256 * 1024, 1024), options);
}

TEST_P(RoundTripTest, ExtremeTimestamps) {
  ExpectRoundTrip({{"a", "1", {}, std::numeric_limits<int64_t>::max()},
                   {"b", "2", {}, std::numeric_limits<int64_t>::min()},
                   {"c", "3", {}, -1},
                   {"d", "4", {}, 0}});
}

INSTANTIATE_TEST_SUITE_P(AllCodecs, RoundTripTest,
                         ::testing::ValuesIn(kAllCodecs),
                         [](const ::testing::TestParamInfo<Compression>& info) {
                           return std::string(CompressionName(info.param));
                         });

TEST(RecordBatchTest, MaxTimestampIsTheLargest) {
  absl::StatusOr<std::string> batch =
      BuildBatch({{"a", "1", {}, 50}, {"b", "2", {}, 90}, {"c", "3", {}, 70}});
  ASSERT_TRUE(batch.ok());
  absl::StatusOr<RecordBatchHeader> header = ParseRecordBatchHeader(*batch);
  EXPECT_EQ(header->base_timestamp, 50);
  EXPECT_EQ(header->max_timestamp, 90);
}

TEST(RecordBatchTest, BuildRejectsEmptyRecordList) {
  EXPECT_EQ(BuildRecordBatch({}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(RecordBatchTest, LogAppendTime) {
  RecordBatchOptions options;
  options.timestamp_type = TimestampType::kLogAppendTime;
  options.log_append_time = 999;
  absl::StatusOr<std::string> batch =
      BuildBatch({{"a", "1", {}, 5}, {"b", "2", {}, 6}}, options);
  ASSERT_TRUE(batch.ok());
  absl::StatusOr<std::vector<OwnedRecord>> records = DecodeBatch(*batch);
  ASSERT_TRUE(records.ok());
  EXPECT_EQ((*records)[0].timestamp, 999);
  EXPECT_EQ((*records)[1].timestamp, 999);
}

TEST(RecordBatchTest, SetLogAppendTimeRewritesAndReseals) {
  absl::StatusOr<std::string> batch =
      BuildBatch({{"a", "1", {}, 5}, {"b", "2", {}, 6}},
                 {.compression = Compression::kZstd});
  ASSERT_TRUE(batch.ok());
  ASSERT_TRUE(SetLogAppendTime(absl::MakeSpan(*batch), 123456).ok());
  absl::StatusOr<RecordBatchHeader> header = ParseRecordBatchHeader(*batch);
  ASSERT_TRUE(header.ok()) << header.status();
  EXPECT_EQ(header->timestamp_type(), TimestampType::kLogAppendTime);
  EXPECT_EQ(header->max_timestamp, 123456);
  EXPECT_EQ(header->base_timestamp, 5);
  EXPECT_EQ(header->compression(), Compression::kZstd);
  EXPECT_EQ((*DecodeBatch(*batch))[1].timestamp, 123456);
  std::string garbage(10, 'x');
  EXPECT_FALSE(SetLogAppendTime(absl::MakeSpan(garbage), 1).ok());
}

TEST(RecordBatchTest, InPlaceOffsetRewriteKeepsCrcValid) {
  for (Compression codec : kAllCodecs) {
    absl::StatusOr<std::string> batch =
        BuildBatch({{"a", "1", {}, 5}, {"b", "2", {}, 6}, {"c", "3", {}, 7}},
                   {.compression = codec});
    ASSERT_TRUE(batch.ok());
    const uint32_t crc_before = ParseRecordBatchHeader(*batch)->crc;
    const std::string tail_before = batch->substr(kMagicOffset);
    ASSERT_TRUE(
        SetBaseOffsetAndLeaderEpoch(absl::MakeSpan(*batch), 1'000'000'007, 42)
            .ok());
    // Only the first 16 bytes changed; the CRC (checked here) still holds.
    EXPECT_EQ(batch->substr(kMagicOffset), tail_before);
    absl::StatusOr<RecordBatchHeader> header = ParseRecordBatchHeader(*batch);
    ASSERT_TRUE(header.ok()) << header.status();
    EXPECT_EQ(header->crc, crc_before);
    EXPECT_EQ(header->base_offset, 1'000'000'007);
    EXPECT_EQ(header->partition_leader_epoch, 42);
    EXPECT_EQ(header->last_offset(), 1'000'000'009);
    absl::StatusOr<DecodedRecordBatch> decoded =
        DecodedRecordBatch::Decode(*batch);
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(RecordOffset(decoded->header(), decoded->records()[2]),
              1'000'000'009);
  }
  std::string short_batch(60, '\0');
  EXPECT_EQ(
      SetBaseOffsetAndLeaderEpoch(absl::MakeSpan(short_batch), 1, 1).code(),
      absl::StatusCode::kInvalidArgument);
}

TEST(RecordBatchTest, ControlBatches) {
  RecordBatchOptions options;
  options.producer_id = 4000;
  options.producer_epoch = 9;
  options.base_sequence = 17;  // Ignored: markers carry -1.
  for (bool commit : {true, false}) {
    absl::StatusOr<std::string> batch = BuildEndTransactionMarker(
        commit, /*coordinator_epoch=*/23, 555, options);
    ASSERT_TRUE(batch.ok());
    absl::StatusOr<DecodedRecordBatch> decoded =
        DecodedRecordBatch::Decode(*batch);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    const RecordBatchHeader& header = decoded->header();
    EXPECT_TRUE(header.is_control());
    EXPECT_TRUE(header.is_transactional());
    EXPECT_EQ(header.producer_id, 4000);
    EXPECT_EQ(header.producer_epoch, 9);
    EXPECT_EQ(header.base_sequence, kNoSequence);
    EXPECT_EQ(header.last_sequence(), kNoSequence);
    EXPECT_EQ(header.attributes, 0x30);
    ASSERT_EQ(decoded->records().size(), 1u);
    const RecordView& record = decoded->records()[0];
    EXPECT_EQ(absl::BytesToHexString(*record.key),
              commit ? "00000001" : "00000000");
    EXPECT_EQ(absl::BytesToHexString(*record.value), "000000000017");
    absl::StatusOr<ControlRecord> control = ParseControlRecord(record);
    ASSERT_TRUE(control.ok());
    EXPECT_EQ(control->type,
              commit ? ControlRecordType::kCommit : ControlRecordType::kAbort);
    EXPECT_EQ(control->coordinator_epoch, 23);
    EXPECT_EQ(control->key_version, 0);
  }
}

TEST(RecordBatchTest, ControlRecordEdgeCases) {
  const std::string leader_change_key("\0\0\0\x02", 4);
  RecordView record;
  record.key = leader_change_key;
  EXPECT_EQ(ParseControlRecord(record)->type, ControlRecordType::kLeaderChange);
  // Unknown types are reported, not rejected; newer key versions are read.
  const std::string unknown_key("\0\x01\0\x63trailing", 12);
  record.key = unknown_key;
  absl::StatusOr<ControlRecord> unknown = ParseControlRecord(record);
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->type, ControlRecordType::kUnknown);
  EXPECT_EQ(unknown->raw_type, 0x63);
  EXPECT_EQ(unknown->key_version, 1);
  // Too short or null keys, and commit markers without a value, fail.
  record.key = absl::string_view("\0\0\0", 3);
  EXPECT_FALSE(ParseControlRecord(record).ok());
  record.key = std::nullopt;
  EXPECT_FALSE(ParseControlRecord(record).ok());
  const std::string commit_key("\0\0\0\x01", 4);
  record.key = commit_key;
  record.value = std::nullopt;
  EXPECT_FALSE(ParseControlRecord(record).ok());
  record.value = absl::string_view("\0\0\0\0\0", 5);
  EXPECT_FALSE(ParseControlRecord(record).ok());
}

TEST(RecordBatchTest, LastSequenceWrapsLikeKafka) {
  RecordBatchHeader header;
  header.base_sequence = std::numeric_limits<int32_t>::max() - 1;
  header.last_offset_delta = 3;
  EXPECT_EQ(header.last_sequence(), 1);
  header.base_sequence = 10;
  EXPECT_EQ(header.last_sequence(), 13);
  header.base_sequence = kNoSequence;
  EXPECT_EQ(header.last_sequence(), kNoSequence);
}

TEST(RecordBatchTest, ReaderStreamsRecordsWithHeaders) {
  absl::StatusOr<std::string> batch =
      BuildBatch({{"k1", "v1", {{"h1", "x"}}, 10},
                  {"k2", "v2", {{"h2", std::nullopt}, {"h3", "y"}}, 20}},
                 {.compression = Compression::kSnappy});
  ASSERT_TRUE(batch.ok());
  absl::StatusOr<RecordBatchReader> reader = RecordBatchReader::Open(*batch);
  ASSERT_TRUE(reader.ok());
  RecordView record;
  ASSERT_TRUE(*reader->Next(&record));
  EXPECT_EQ(*record.key, "k1");
  EXPECT_THAT(record.headers, ElementsAre(RecordHeaderView{"h1", "x"}));
  EXPECT_EQ(RecordTimestamp(reader->header(), record), 10);
  ASSERT_TRUE(*reader->Next(&record));
  EXPECT_EQ(*record.value, "v2");
  EXPECT_EQ(record.offset_delta, 1);
  EXPECT_EQ(record.timestamp_delta, 10);
  EXPECT_THAT(record.headers, ElementsAre(RecordHeaderView{"h2", std::nullopt},
                                          RecordHeaderView{"h3", "y"}));
  EXPECT_FALSE(*reader->Next(&record));
  EXPECT_EQ(reader->records_read(), 2);
}

TEST(RecordBatchTest, DecodedViewsSurviveMoves) {
  // Tiny compressed payload: the decompressed buffer would fit a string's
  // inline storage, which a move would relocate.
  absl::StatusOr<std::string> batch = BuildBatch(
      {{"k", "v", {{"h", "w"}}, 1}}, {.compression = Compression::kZstd});
  ASSERT_TRUE(batch.ok());
  absl::StatusOr<DecodedRecordBatch> decoded =
      DecodedRecordBatch::Decode(*batch);
  ASSERT_TRUE(decoded.ok());
  DecodedRecordBatch moved = std::move(decoded).value();
  std::vector<DecodedRecordBatch> holder;
  holder.push_back(std::move(moved));
  const RecordView& record = holder[0].records()[0];
  EXPECT_EQ(*record.key, "k");
  EXPECT_EQ(*record.value, "v");
  EXPECT_THAT(record.headers, ElementsAre(RecordHeaderView{"h", "w"}));
}

TEST(SplitRecordBatchesTest, SplitsConcatenatedBatchesAndReportsPartialTail) {
  std::string buffer;
  std::vector<std::string> batches;
  for (Compression codec : kAllCodecs) {
    absl::StatusOr<std::string> batch = BuildBatch(
        {{"k", std::string(100, 'v'), {}, 1}}, {.compression = codec});
    ASSERT_TRUE(batch.ok());
    batches.push_back(*batch);
    buffer += *batch;
  }
  absl::StatusOr<RecordBatchSequence> all = SplitRecordBatches(buffer);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->batches.size(), batches.size());
  for (size_t i = 0; i < batches.size(); ++i) {
    EXPECT_EQ(all->batches[i], batches[i]);
  }
  EXPECT_TRUE(all->partial_tail.empty());

  // Cut anywhere: every whole batch before the cut, the rest as the tail.
  for (size_t cut = 0; cut <= buffer.size(); ++cut) {
    absl::StatusOr<RecordBatchSequence> part =
        SplitRecordBatches(absl::string_view(buffer).substr(0, cut));
    ASSERT_TRUE(part.ok()) << cut;
    size_t whole = 0, bytes = 0;
    while (whole < batches.size() && bytes + batches[whole].size() <= cut) {
      bytes += batches[whole++].size();
    }
    EXPECT_EQ(part->batches.size(), whole) << cut;
    EXPECT_EQ(part->partial_tail.size(), cut - bytes) << cut;
  }
}

TEST(SplitRecordBatchesTest, RejectsBadLengthAndMagic) {
  absl::StatusOr<std::string> batch = BuildBatch({{"k", "v", {}, 1}});
  ASSERT_TRUE(batch.ok());
  std::string bad_length = *batch + *batch;
  bad_length[batch->size() + 11] = 10;  // Second batch's length: 10 < 49.
  absl::StatusOr<RecordBatchSequence> split = SplitRecordBatches(bad_length);
  EXPECT_EQ(split.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(split.status().message(), HasSubstr("below the minimum"));

  std::string magic1 = *batch;
  magic1[kMagicOffset] = 1;
  EXPECT_EQ(SplitRecordBatches(magic1).status().code(),
            absl::StatusCode::kUnimplemented);
  EXPECT_EQ(ParseRecordBatchHeader(magic1).status().code(),
            absl::StatusCode::kUnimplemented);
  EXPECT_TRUE(SplitRecordBatches("")->batches.empty());
}

}  // namespace
}  // namespace warp::kafka
