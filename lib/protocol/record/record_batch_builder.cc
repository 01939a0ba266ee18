#include "lib/protocol/record/record_batch_builder.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "lib/protocol/record/varint.h"

namespace warp::kafka {
namespace {

constexpr uint64_t kMaxInt32 = std::numeric_limits<int32_t>::max();

// Bytes of a varint-length-prefixed field; -1 (one byte) for null.
uint64_t FieldSize(std::optional<absl::string_view> field) {
  if (!field.has_value()) return 1;
  return VarintSize32(static_cast<int32_t>(field->size())) + field->size();
}

char* WriteVarint32(int32_t v, char* out) {
  return EncodeUnsignedVarint(ZigZagEncode32(v), out);
}

char* WriteField(std::optional<absl::string_view> field, char* out) {
  if (!field.has_value()) return WriteVarint32(-1, out);
  out = WriteVarint32(static_cast<int32_t>(field->size()), out);
  if (!field->empty()) std::memcpy(out, field->data(), field->size());
  return out + field->size();
}

int64_t WrappingSubtract(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) -
                              static_cast<uint64_t>(b));
}

// The encoded size of a record body (everything after its length varint), or
// an error if a field is longer than an int32 can count.
absl::StatusOr<uint64_t> RecordBodySize(const RecordInput& record,
                                        int64_t timestamp_delta,
                                        int32_t offset_delta) {
  auto too_long = [](std::optional<absl::string_view> field) {
    return field.has_value() && field->size() > kMaxInt32;
  };
  if (too_long(record.key) || too_long(record.value) ||
      record.headers.size() > kMaxInt32) {
    return absl::InvalidArgumentError("record batch: record field over 2 GiB");
  }
  uint64_t size = 1 + VarintSize64(timestamp_delta) +
                  VarintSize32(offset_delta) + FieldSize(record.key) +
                  FieldSize(record.value) +
                  VarintSize32(static_cast<int32_t>(record.headers.size()));
  for (const RecordHeaderView& header : record.headers) {
    if (header.key.size() > kMaxInt32 || too_long(header.value)) {
      return absl::InvalidArgumentError(
          "record batch: record header over 2 GiB");
    }
    size += FieldSize(header.key) + FieldSize(header.value);
  }
  if (size > kMaxInt32) {
    return absl::InvalidArgumentError("record batch: record over 2 GiB");
  }
  return size;
}

// Writes one record (length varint + body of `body_size` bytes) at `out`.
char* WriteRecord(const RecordInput& record, int64_t timestamp_delta,
                  int32_t offset_delta, uint64_t body_size, char* out) {
  out = WriteVarint32(static_cast<int32_t>(body_size), out);
  *out++ = 0;  // Attributes.
  out = EncodeUnsignedVarint(ZigZagEncode64(timestamp_delta), out);
  out = WriteVarint32(offset_delta, out);
  out = WriteField(record.key, out);
  out = WriteField(record.value, out);
  out = WriteVarint32(static_cast<int32_t>(record.headers.size()), out);
  for (const RecordHeaderView& header : record.headers) {
    out = WriteField(header.key, out);
    out = WriteField(header.value, out);
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> BuildRecordBatch(
    absl::Span<const RecordInput> records, const RecordBatchOptions& options) {
  if (records.empty() && options.last_offset_delta < 0) {
    return absl::InvalidArgumentError("record batch: no records to write");
  }
  if (records.size() > kMaxInt32) {
    return absl::InvalidArgumentError("record batch: too many records");
  }
  std::vector<int32_t> deltas(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    deltas[i] = records[i].offset_delta >= 0 ? records[i].offset_delta
                                             : static_cast<int32_t>(i);
    if (i > 0 && deltas[i] <= deltas[i - 1]) {
      return absl::InvalidArgumentError(
          "record batch: offset deltas must strictly increase");
    }
  }
  const int32_t last_offset_delta =
      options.last_offset_delta >= 0 ? options.last_offset_delta : deltas.back();
  if (!deltas.empty() && deltas.back() > last_offset_delta) {
    return absl::InvalidArgumentError(
        "record batch: a record lies past the last offset delta");
  }
  const int64_t base_timestamp =
      records.empty() ? options.empty_batch_timestamp : records.front().timestamp;
  int64_t max_timestamp = base_timestamp;
  std::vector<uint64_t> body_sizes(records.size());
  uint64_t records_size = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    max_timestamp = std::max(max_timestamp, records[i].timestamp);
    ASSIGN_OR_RETURN(
        body_sizes[i],
        RecordBodySize(records[i],
                       WrappingSubtract(records[i].timestamp, base_timestamp),
                       deltas[i]));
    records_size +=
        VarintSize32(static_cast<int32_t>(body_sizes[i])) + body_sizes[i];
    if (records_size > kMaxInt32) {
      return absl::InvalidArgumentError("record batch: batch over 2 GiB");
    }
  }

  // Write the records straight after the header, or into a scratch buffer
  // to compress from.
  std::string out;
  std::string scratch;
  const Compression compression =
      records.empty() ? Compression::kNone : options.compression;
  const bool compressed = compression != Compression::kNone;
  std::string& records_buffer = compressed ? scratch : out;
  const size_t records_start = compressed ? 0 : kRecordBatchHeaderSize;
  records_buffer.resize(records_start + records_size);
  char* cursor = records_buffer.data() + records_start;
  for (size_t i = 0; i < records.size(); ++i) {
    cursor = WriteRecord(records[i],
                         WrappingSubtract(records[i].timestamp, base_timestamp),
                         deltas[i], body_sizes[i], cursor);
  }
  if (compressed) {
    out.resize(kRecordBatchHeaderSize);
    RETURN_IF_ERROR(CompressAppend(compression, scratch,
                                   options.compression_options, &out));
  }
  if (out.size() - kLogOverhead > kMaxInt32) {
    return absl::InvalidArgumentError("record batch: batch over 2 GiB");
  }

  int16_t attributes = static_cast<int16_t>(compression);
  if (options.timestamp_type == TimestampType::kLogAppendTime) {
    attributes |= kTimestampTypeMask;
    max_timestamp = options.log_append_time;
  }
  if (options.is_transactional) attributes |= kTransactionalFlag;
  if (options.is_control) attributes |= kControlFlag;

  char* p = out.data();
  StoreBigEndian64(static_cast<uint64_t>(options.base_offset),
                   p + kBaseOffsetOffset);
  StoreBigEndian32(static_cast<uint32_t>(out.size() - kLogOverhead),
                   p + kBatchLengthOffset);
  StoreBigEndian32(static_cast<uint32_t>(options.partition_leader_epoch),
                   p + kPartitionLeaderEpochOffset);
  p[kMagicOffset] = kMagicV2;
  StoreBigEndian16(static_cast<uint16_t>(attributes), p + kAttributesOffset);
  StoreBigEndian32(static_cast<uint32_t>(last_offset_delta),
                   p + kLastOffsetDeltaOffset);
  StoreBigEndian64(static_cast<uint64_t>(base_timestamp),
                   p + kBaseTimestampOffset);
  StoreBigEndian64(static_cast<uint64_t>(max_timestamp),
                   p + kMaxTimestampOffset);
  StoreBigEndian64(static_cast<uint64_t>(options.producer_id),
                   p + kProducerIdOffset);
  StoreBigEndian16(static_cast<uint16_t>(options.producer_epoch),
                   p + kProducerEpochOffset);
  StoreBigEndian32(static_cast<uint32_t>(options.base_sequence),
                   p + kBaseSequenceOffset);
  StoreBigEndian32(static_cast<uint32_t>(records.size()),
                   p + kRecordCountOffset);
  StoreBigEndian32(ComputeRecordBatchCrc(out), p + kCrcOffset);
  return out;
}

absl::StatusOr<std::string> BuildEndTransactionMarker(
    bool commit, int32_t coordinator_epoch, int64_t timestamp,
    const RecordBatchOptions& options) {
  char key[4];
  StoreBigEndian16(0, key);  // Key version.
  StoreBigEndian16(commit ? 1 : 0, key + 2);
  char value[6];
  StoreBigEndian16(0, value);  // EndTransactionMarker version.
  StoreBigEndian32(static_cast<uint32_t>(coordinator_epoch), value + 2);
  RecordInput record;
  record.key = absl::string_view(key, sizeof(key));
  record.value = absl::string_view(value, sizeof(value));
  record.timestamp = timestamp;
  RecordBatchOptions marker_options = options;
  marker_options.compression = Compression::kNone;
  marker_options.base_sequence = kNoSequence;
  marker_options.is_transactional = true;
  marker_options.is_control = true;
  return BuildRecordBatch({&record, 1}, marker_options);
}

}  // namespace warp::kafka
