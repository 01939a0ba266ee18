// FilterRecordBatch: what Kafka's log cleaner keeps of a batch, with every
// codec and both snappy framings.
#include "lib/protocol/record/record_batch_filter.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/protocol/record/record_batch_builder.h"

namespace warp::kafka {
namespace {

struct Kept {
  int64_t offset;
  std::string key;
  std::string value;
  int64_t timestamp;
  bool operator==(const Kept&) const = default;
};

std::vector<Kept> Read(absl::string_view batch) {
  std::vector<Kept> out;
  auto reader = RecordBatchReader::Open(batch);
  EXPECT_TRUE(reader.ok()) << reader.status();
  if (!reader.ok()) return out;
  RecordView r;
  while (*reader->Next(&r)) {
    out.push_back({RecordOffset(reader->header(), r), std::string(r.key.value_or("")),
                   std::string(r.value.value_or("<null>")), RecordTimestamp(reader->header(), r)});
  }
  return out;
}

// Ten records k0..k9 at offsets 100..109, timestamps 1000..1009, from an
// idempotent producer.
std::string TenRecords(const CompressionOptions& codec_options, Compression codec) {
  std::vector<std::string> keys, values;
  for (int i = 0; i < 10; ++i) {
    keys.push_back(absl::StrCat("k", i));
    values.push_back(absl::StrCat("value-", i, "-", std::string(50, 'x')));
  }
  std::vector<RecordInput> records;
  for (int i = 0; i < 10; ++i) {
    records.push_back({keys[i], values[i], {}, 1000 + i});
  }
  RecordBatchOptions options;
  options.compression = codec;
  options.compression_options = codec_options;
  options.base_offset = 100;
  options.partition_leader_epoch = 3;
  options.producer_id = 42;
  options.producer_epoch = 2;
  options.base_sequence = 7;
  return *BuildRecordBatch(records, options);
}

bool Odd(const RecordBatchHeader&, const RecordView& r) { return r.offset_delta % 2 == 1; }

TEST(FilterRecordBatchTest, KeepsOffsetsProducerStateAndCodec) {
  CompressionOptions raw_snappy;
  raw_snappy.snappy_framing = SnappyFraming::kRaw;
  for (auto [codec, options] :
       {std::pair{Compression::kNone, CompressionOptions{}},
        std::pair{Compression::kGzip, CompressionOptions{}},
        std::pair{Compression::kSnappy, CompressionOptions{}}, std::pair{Compression::kSnappy, raw_snappy},
        std::pair{Compression::kLz4, CompressionOptions{}},
        std::pair{Compression::kZstd, CompressionOptions{}}}) {
    SCOPED_TRACE(CompressionName(codec));
    std::string batch = TenRecords(options, codec);
    absl::StatusOr<FilteredBatch> f = FilterRecordBatch(batch, Odd);
    ASSERT_TRUE(f.ok()) << f.status();
    EXPECT_TRUE(f->rewritten);
    EXPECT_EQ(f->records_kept, 5);
    absl::StatusOr<RecordBatchHeader> after = ParseRecordBatchHeader(f->batch);  // CRC checked
    ASSERT_TRUE(after.ok()) << after.status();
    EXPECT_EQ(after->base_offset, 100);
    EXPECT_EQ(after->last_offset_delta, 9);
    EXPECT_EQ(after->record_count, 5);
    EXPECT_EQ(after->compression(), codec);
    EXPECT_EQ(after->producer_id, 42);
    EXPECT_EQ(after->producer_epoch, 2);
    EXPECT_EQ(after->base_sequence, 7);
    EXPECT_EQ(after->partition_leader_epoch, 3);
    EXPECT_EQ(after->base_timestamp, 1001);
    EXPECT_EQ(after->max_timestamp, 1009);
    EXPECT_LT(f->batch.size(), batch.size());
    if (codec == Compression::kSnappy) {
      EXPECT_EQ(IsXerialSnappy(absl::string_view(f->batch).substr(kRecordBatchHeaderSize)),
                IsXerialSnappy(absl::string_view(batch).substr(kRecordBatchHeaderSize)));
    }
    std::vector<Kept> expected;
    for (const Kept& k : Read(batch)) {
      if ((k.offset - 100) % 2 == 1) expected.push_back(k);
    }
    EXPECT_EQ(Read(f->batch), expected);
  }
}

TEST(FilterRecordBatchTest, KeepingEverythingLeavesTheBytes) {
  std::string batch = TenRecords({}, Compression::kLz4);
  absl::StatusOr<FilteredBatch> f =
      FilterRecordBatch(batch, [](const RecordBatchHeader&, const RecordView&) { return true; });
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE(f->rewritten);
  EXPECT_EQ(f->records_kept, 10);
  EXPECT_EQ(f->batch, batch);
}

TEST(FilterRecordBatchTest, RemovingEverythingLeavesAnEmptyBatchSpanningTheOffsets) {
  std::string batch = TenRecords({}, Compression::kZstd);
  absl::StatusOr<FilteredBatch> f =
      FilterRecordBatch(batch, [](const RecordBatchHeader&, const RecordView&) { return false; });
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->records_kept, 0);
  absl::StatusOr<RecordBatchHeader> h = ParseRecordBatchHeader(f->batch);
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(f->batch.size(), kRecordBatchHeaderSize);
  EXPECT_EQ(h->base_offset, 100);
  EXPECT_EQ(h->last_offset(), 109);
  EXPECT_EQ(h->record_count, 0);
  EXPECT_EQ(h->compression(), Compression::kNone);
  EXPECT_EQ(h->base_timestamp, 1009);
  EXPECT_EQ(h->max_timestamp, 1009);
  EXPECT_EQ(h->producer_id, 42);
  EXPECT_TRUE(Read(f->batch).empty());
}

TEST(FilterRecordBatchTest, LogAppendTimeAndTombstonesSurvive) {
  std::vector<RecordInput> records = {{"a", std::nullopt, {}, 5}, {"b", "1", {}, 6},
                                      {"a", "2", {}, 7}};
  RecordBatchOptions options;
  options.timestamp_type = TimestampType::kLogAppendTime;
  options.log_append_time = 9000;
  std::string batch = *BuildRecordBatch(records, options);
  absl::StatusOr<FilteredBatch> f = FilterRecordBatch(
      batch, [](const RecordBatchHeader&, const RecordView& r) { return r.offset_delta < 2; });
  ASSERT_TRUE(f.ok());
  absl::StatusOr<RecordBatchHeader> h = ParseRecordBatchHeader(f->batch);
  EXPECT_EQ(h->timestamp_type(), TimestampType::kLogAppendTime);
  EXPECT_EQ(h->max_timestamp, 9000);
  EXPECT_EQ(h->last_offset_delta, 2);
  EXPECT_EQ(Read(f->batch), (std::vector<Kept>{{0, "a", "<null>", 9000}, {1, "b", "1", 9000}}));
}

TEST(FilterRecordBatchTest, RejectsACorruptBatch) {
  std::string batch = TenRecords({}, Compression::kNone);
  batch[100] ^= 1;
  EXPECT_FALSE(
      FilterRecordBatch(batch, [](const RecordBatchHeader&, const RecordView&) { return true; })
          .ok());
}

TEST(BuildRecordBatchTest, RejectsDeltasThatDoNotIncreaseOrPassTheLast) {
  std::vector<RecordInput> records = {{"a", "1", {}, 5, 3}, {"b", "2", {}, 6, 3}};
  EXPECT_FALSE(BuildRecordBatch(records).ok());
  records[1].offset_delta = 4;
  RecordBatchOptions options;
  options.last_offset_delta = 3;
  EXPECT_FALSE(BuildRecordBatch(records, options).ok());
  options.last_offset_delta = 8;
  absl::StatusOr<std::string> ok = BuildRecordBatch(records, options);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ParseRecordBatchHeader(*ok)->last_offset_delta, 8);
  EXPECT_FALSE(BuildRecordBatch({}, {}).ok());
}

}  // namespace
}  // namespace warp::kafka
