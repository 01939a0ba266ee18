// Building Kafka RecordBatch v2 bytes from records, as a producer (or a
// broker writing control markers) does. Reading: record_batch.h.
//
// Thread-safety: every function is pure and thread-safe.
#ifndef WARP_LIB_PROTOCOL_RECORD_RECORD_BATCH_BUILDER_H_
#define WARP_LIB_PROTOCOL_RECORD_RECORD_BATCH_BUILDER_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "lib/protocol/record/compression.h"
#include "lib/protocol/record/record_batch.h"
#include "lib/protocol/record/record_batch_format.h"

namespace warp::kafka {

// One record to write. Views the caller's bytes; nothing is copied until the
// batch is built.
struct RecordInput {
  std::optional<absl::string_view> key;    // nullopt writes a null key.
  std::optional<absl::string_view> value;  // nullopt writes null (tombstone).
  absl::Span<const RecordHeaderView> headers;
  int64_t timestamp = 0;  // Milliseconds since the epoch (CreateTime).
  // Offset delta from the batch's base offset; -1 writes the record's index
  // in the batch. Set, the deltas must strictly increase: a log cleaner's
  // rewrite keeps each surviving record's offset, leaving gaps.
  int32_t offset_delta = -1;
};

// The batch-level fields of a batch to build.
struct RecordBatchOptions {
  // Codec of the records section, and its level/framing.
  Compression compression = Compression::kNone;
  CompressionOptions compression_options;
  // kLogAppendTime sets attribute bit 3 and MaxTimestamp = log_append_time.
  TimestampType timestamp_type = TimestampType::kCreateTime;
  int64_t log_append_time = -1;
  // Producers send 0 and -1; the broker overwrites both on append.
  int64_t base_offset = 0;
  int32_t partition_leader_epoch = kNoPartitionLeaderEpoch;
  // Idempotent / transactional producer state; -1 for a plain producer.
  int64_t producer_id = kNoProducerId;
  int16_t producer_epoch = kNoProducerEpoch;
  int32_t base_sequence = kNoSequence;
  // Attribute bits 4 and 5.
  bool is_transactional = false;
  bool is_control = false;
  // LastOffsetDelta; -1 writes the last record's offset delta. A log
  // cleaner's rewrite keeps the original, so the batch still spans its
  // offsets and consumers move past records removed from its end. Must be at
  // least the last record's delta.
  int32_t last_offset_delta = -1;
  // Both timestamps of an empty batch (no records: allowed only with
  // last_offset_delta set, as the batch a log cleaner keeps in place of one
  // whose records all went).
  int64_t empty_batch_timestamp = -1;
};

// Encodes `records` as one batch: offset deltas 0..n-1 (LastOffsetDelta
// n-1) unless given, BaseTimestamp = the first record's timestamp,
// MaxTimestamp = the largest (CreateTime) or options.log_append_time, the
// records section compressed with options.compression, and the CRC-32C
// computed. Fails with InvalidArgumentError if `records` is empty (without
// options.last_offset_delta), offset deltas do not strictly increase up to
// the last offset delta, or the batch would exceed 2 GiB, and passes on
// compression errors. An empty batch is never compressed. Cost: one pass to size and write the
// records, the compression, one CRC pass.
absl::StatusOr<std::string> BuildRecordBatch(
    absl::Span<const RecordInput> records,
    const RecordBatchOptions& options = {});

// Builds the control batch a transaction coordinator writes to end a
// transaction: transactional + control attributes, the producer id and epoch
// from `options` (base sequence -1, no compression), and one record with key
// (version 0, type COMMIT or ABORT) and value (version 0,
// `coordinator_epoch`), timestamped `timestamp`. Other fields of `options`
// (offsets, leader epoch) are kept.
absl::StatusOr<std::string> BuildEndTransactionMarker(
    bool commit, int32_t coordinator_epoch, int64_t timestamp,
    const RecordBatchOptions& options);

}  // namespace warp::kafka

#endif  // WARP_LIB_PROTOCOL_RECORD_RECORD_BATCH_BUILDER_H_
