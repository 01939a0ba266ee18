// Reading Kafka RecordBatch v2 (magic 2): the batch header, its records
// (decompressed when needed), control records, splitting a buffer of
// concatenated batches, and the in-place rewrites a broker makes on append.
// Building batches: record_batch_builder.h. Byte layout:
// record_batch_format.h.
//
// Three levels of reading, cheapest first:
//   SplitRecordBatches      frames a Produce/Fetch records field into batches.
//   ParseRecordBatchHeader  the 61-byte header (+ optional CRC check): all a
//                           broker needs to append (producer id/epoch/
//                           sequence, counts, offsets, timestamps).
//   RecordBatchReader       decodes records one by one (decompressing first);
//   DecodeRecordBatch       or all at once into a DecodedRecordBatch.
//
// Untrusted input is the norm here. Every length is checked against the bytes
// left before anything is allocated for it (a 2 GiB length in a 100-byte
// buffer fails at once), the decompressed size is capped
// (DecodeOptions::max_decompressed_bytes), and no input crashes or reads out
// of bounds. Errors:
//   InvalidArgumentError  malformed: truncated, inconsistent lengths, counts
//                         or offsets (Kafka: CORRUPT_MESSAGE / INVALID_RECORD)
//   DataLossError         CRC mismatch, corrupt compressed data
//                         (Kafka: CORRUPT_MESSAGE)
//   UnimplementedError    magic other than 2, compression codec 5-7
//                         (Kafka: UNSUPPORTED_FOR_MESSAGE_FORMAT /
//                         UNSUPPORTED_COMPRESSION_TYPE)
//   ResourceExhaustedError  decompressed records exceed the cap
//
// Views (absl::string_view, absl::Span) returned here point into the caller's
// batch bytes, or for compressed batches into a buffer owned by the reader or
// DecodedRecordBatch; they are valid while both are alive.
//
// Thread-safety: free functions are pure and thread-safe. A RecordBatchReader
// is a cursor for one thread; a DecodedRecordBatch is immutable once built and
// may be read from many threads.
#ifndef WARP_LIB_PROTOCOL_RECORD_RECORD_BATCH_H_
#define WARP_LIB_PROTOCOL_RECORD_RECORD_BATCH_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "lib/protocol/record/compression.h"
#include "lib/protocol/record/record_batch_format.h"

namespace warp::kafka {

// Attribute bit 3: what the record timestamps mean.
enum class TimestampType : uint8_t {
  kCreateTime = 0,     // Set by the producer, per record.
  kLogAppendTime = 1,  // Set by the broker: MaxTimestamp for every record.
};

// Whether a parse checks the CRC-32C of the batch.
enum class CrcCheck { kVerify, kSkip };

// The fixed 61-byte header of a batch, decoded.
struct RecordBatchHeader {
  int64_t base_offset = 0;
  int32_t batch_length = kMinBatchLength;  // Batch size - 12.
  int32_t partition_leader_epoch = kNoPartitionLeaderEpoch;
  int8_t magic = kMagicV2;
  uint32_t crc = 0;
  int16_t attributes = 0;
  int32_t last_offset_delta = 0;
  int64_t base_timestamp = -1;
  int64_t max_timestamp = -1;
  int64_t producer_id = kNoProducerId;
  int16_t producer_epoch = kNoProducerEpoch;
  int32_t base_sequence = kNoSequence;
  int32_t record_count = 0;

  Compression compression() const {
    return static_cast<Compression>(attributes & kCompressionCodecMask);
  }
  TimestampType timestamp_type() const {
    return (attributes & kTimestampTypeMask) ? TimestampType::kLogAppendTime
                                             : TimestampType::kCreateTime;
  }
  bool is_transactional() const { return attributes & kTransactionalFlag; }
  bool is_control() const { return attributes & kControlFlag; }
  // Set by the log cleaner: base_timestamp then holds the delete horizon.
  bool has_delete_horizon() const { return attributes & kDeleteHorizonFlag; }
  // True if a producer id is set (idempotent or transactional producer).
  bool has_producer_id() const { return producer_id >= 0; }

  // Whole batch size in bytes, BaseOffset field included.
  size_t size_bytes() const {
    return static_cast<size_t>(batch_length) + kLogOverhead;
  }
  // Offset of the last record: base_offset + last_offset_delta (wrapping,
  // never undefined behaviour, on hostile values).
  int64_t last_offset() const {
    return static_cast<int64_t>(static_cast<uint64_t>(base_offset) +
                                static_cast<uint64_t>(last_offset_delta));
  }
  // Sequence number of the last record, wrapping past INT32_MAX to 0 as
  // Kafka's sequences do; kNoSequence if base_sequence is.
  int32_t last_sequence() const;
};

// Parses and validates the header of the single batch that is exactly
// `batch` (use SplitRecordBatches first for a buffer holding several).
// Checks: size >= 61, magic 2, BatchLength == batch.size() - 12, codec <= 4,
// record count and last offset delta not negative, and with kVerify the CRC.
// Does not decode records. Cost: O(1), or one CRC-32C pass with kVerify.
absl::StatusOr<RecordBatchHeader> ParseRecordBatchHeader(
    absl::string_view batch, CrcCheck crc_check = CrcCheck::kVerify);

// Returns the CRC-32C the batch should carry: over bytes [21, end). Requires
// batch.size() >= 61.
uint32_t ComputeRecordBatchCrc(absl::string_view batch);

// A record header (Kafka "header", a key/value pair attached to a record).
struct RecordHeaderView {
  absl::string_view key;                   // Never null; may be empty.
  std::optional<absl::string_view> value;  // nullopt = null.

  bool operator==(const RecordHeaderView&) const = default;
};

// One decoded record. Offsets and timestamps are relative to the batch; see
// RecordOffset and RecordTimestamp.
struct RecordView {
  int8_t attributes = 0;  // Unused by Kafka; always 0 in practice.
  int64_t timestamp_delta = 0;
  int32_t offset_delta = 0;
  std::optional<absl::string_view> key;    // nullopt = null key.
  std::optional<absl::string_view> value;  // nullopt = null (tombstone).
  absl::Span<const RecordHeaderView> headers;
};

// Absolute offset of `record`: base offset + offset delta (wrapping).
inline int64_t RecordOffset(const RecordBatchHeader& header,
                            const RecordView& record) {
  return static_cast<int64_t>(static_cast<uint64_t>(header.base_offset) +
                              static_cast<uint64_t>(record.offset_delta));
}

// Timestamp of `record`: MaxTimestamp for LogAppendTime batches, else base
// timestamp + delta (wrapping).
inline int64_t RecordTimestamp(const RecordBatchHeader& header,
                               const RecordView& record) {
  if (header.timestamp_type() == TimestampType::kLogAppendTime) {
    return header.max_timestamp;
  }
  return static_cast<int64_t>(static_cast<uint64_t>(header.base_timestamp) +
                              static_cast<uint64_t>(record.timestamp_delta));
}

struct DecodeOptions {
  // Verify the CRC-32C (one pass over the batch). Skip only for bytes already
  // verified, e.g. read back from the broker's own storage.
  CrcCheck crc_check = CrcCheck::kVerify;
  // Most bytes a compressed batch may inflate to (zip-bomb protection). The
  // reader holds this much memory at most, plus small codec state.
  size_t max_decompressed_bytes = kDefaultMaxDecompressedBytes;
};

// Decodes the records of one batch one at a time, after validating the
// header and decompressing (at Open). Each record is checked: its length
// fits, its fields fill it exactly, key/value/header lengths fit, offset
// deltas strictly increase up to LastOffsetDelta; at the end, the record
// count matches and no bytes are left over.
class RecordBatchReader {
 public:
  // Validates the header of `batch` (as ParseRecordBatchHeader) and
  // decompresses its records. `batch` must outlive the reader and the views
  // it returns.
  static absl::StatusOr<RecordBatchReader> Open(
      absl::string_view batch, const DecodeOptions& options = {});

  RecordBatchReader(RecordBatchReader&&) = default;
  RecordBatchReader& operator=(RecordBatchReader&&) = default;
  RecordBatchReader(const RecordBatchReader&) = delete;
  RecordBatchReader& operator=(const RecordBatchReader&) = delete;

  const RecordBatchHeader& header() const { return header_; }

  // Decodes the next record into `*record` and returns true, or returns false
  // once every record was read (after the end-of-batch checks). The record's
  // views stay valid while the reader lives, except `headers`, which is valid
  // until the next call. After an error the reader must not be used again.
  absl::StatusOr<bool> Next(RecordView* record);

  // Number of records decoded so far.
  int32_t records_read() const { return records_read_; }

 private:
  RecordBatchReader() = default;
  friend class DecodedRecordBatch;

  // As Next, appending the record's headers to `*headers` (record->headers
  // is left empty).
  absl::StatusOr<bool> NextInto(RecordView* record,
                                std::vector<RecordHeaderView>* headers);

  RecordBatchHeader header_;
  std::unique_ptr<std::string> decompressed_;  // Heap: views survive moves.
  absl::string_view remaining_;
  int32_t records_read_ = 0;
  int64_t previous_offset_delta_ = -1;
  std::vector<RecordHeaderView> scratch_headers_;
};

// Every record of one batch, decoded. Memory: the decompressed bytes plus
// about 80 bytes per record and 40 per header; prefer RecordBatchReader for
// untrusted batches with many tiny records.
class DecodedRecordBatch {
 public:
  // Decodes all records of `batch`; see RecordBatchReader. `batch` must
  // outlive the result.
  static absl::StatusOr<DecodedRecordBatch> Decode(
      absl::string_view batch, const DecodeOptions& options = {});

  DecodedRecordBatch(DecodedRecordBatch&&) = default;
  DecodedRecordBatch& operator=(DecodedRecordBatch&&) = default;
  DecodedRecordBatch(const DecodedRecordBatch&) = delete;
  DecodedRecordBatch& operator=(const DecodedRecordBatch&) = delete;

  const RecordBatchHeader& header() const { return header_; }
  absl::Span<const RecordView> records() const { return records_; }

 private:
  DecodedRecordBatch() = default;

  RecordBatchHeader header_;
  std::unique_ptr<std::string> decompressed_;
  std::vector<RecordView> records_;
  std::vector<RecordHeaderView> headers_;  // records_[i].headers point here.
};

// Checks what a Kafka broker checks of a batch a producer sent, beyond its
// header: it holds at least one record, its record count and LastOffsetDelta
// agree (LastOffsetDelta + 1 == RecordCount), and its records, each decoded,
// fill it exactly with offset deltas 0, 1, ..., RecordCount - 1. A
// compressed batch is decompressed to count them, as Kafka does (at most
// `max_decompressed_bytes`, held only during the call); an uncompressed one
// is read in place. `header` must be ParseRecordBatchHeader(batch), whose CRC
// check this does not repeat. InvalidArgumentError says what is wrong
// (Kafka's INVALID_RECORD); DataLossError a corrupt compressed payload.
absl::Status ValidateProducedBatch(
    absl::string_view batch, const RecordBatchHeader& header,
    size_t max_decompressed_bytes = kDefaultMaxDecompressedBytes);

// A buffer of concatenated batches, framed.
struct RecordBatchSequence {
  // Each complete batch, in order (size == its BatchLength + 12).
  std::vector<absl::string_view> batches;
  // An incomplete batch at the end, or empty. Fetch responses may end with
  // one (clients skip it); in a Produce request it is an error the caller
  // reports (CORRUPT_MESSAGE).
  absl::string_view partial_tail;
};

// Splits `records` (a Produce or Fetch records field) into batches without
// decoding them (no CRC check; parse each batch's header for that). Fails
// with InvalidArgumentError if a BatchLength is below the 49-byte minimum and
// UnimplementedError if a batch's magic is not 2 (checked once 17 bytes of
// it are present).
absl::StatusOr<RecordBatchSequence> SplitRecordBatches(
    absl::string_view records);

// Overwrites BaseOffset and PartitionLeaderEpoch of the batch at the start of
// `batch` in place, as a broker does on append. Both lie outside the CRC, so
// the batch stays valid with no re-encoding. Fails with InvalidArgumentError,
// changing nothing, unless `batch` holds at least a full 61-byte header with
// magic 2.
absl::Status SetBaseOffsetAndLeaderEpoch(absl::Span<char> batch,
                                         int64_t base_offset,
                                         int32_t partition_leader_epoch);

// Marks the batch `batch` (exactly one batch, as ParseRecordBatchHeader
// accepts it, CRC unchecked) as LogAppendTime with MaxTimestamp
// `append_time_ms`, and recomputes its CRC, as a broker does for topics with
// message.timestamp.type=LogAppendTime. Cost: one CRC pass.
absl::Status SetLogAppendTime(absl::Span<char> batch, int64_t append_time_ms);

// Control record types (the key of the single record of a control batch).
enum class ControlRecordType : int16_t {
  kUnknown = -1,  // A type this code does not know; skip it.
  kAbort = 0,
  kCommit = 1,
  // KRaft-internal types; never in client partitions.
  kLeaderChange = 2,
  kSnapshotHeader = 3,
  kSnapshotFooter = 4,
  kKraftVersion = 5,
  kKraftVoters = 6,
};

// A decoded control record.
struct ControlRecord {
  int16_t key_version = 0;
  int16_t raw_type = 0;  // The type as sent, even if unknown.
  ControlRecordType type = ControlRecordType::kUnknown;
  // For kAbort and kCommit: the EndTransactionMarker value.
  int16_t marker_version = 0;
  int32_t coordinator_epoch = 0;
};

// Decodes the control record `record` of a control batch: key = int16
// version + int16 type (longer keys from newer versions are accepted); for
// ABORT/COMMIT also the value = int16 version + int32 coordinator epoch.
// Fails with InvalidArgumentError if the key or a marker value is null or too
// short.
absl::StatusOr<ControlRecord> ParseControlRecord(const RecordView& record);

}  // namespace warp::kafka

#endif  // WARP_LIB_PROTOCOL_RECORD_RECORD_BATCH_H_
