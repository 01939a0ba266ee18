#include "lib/protocol/record/record_batch.h"

#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "lib/protocol/record/crc32c.h"
#include "lib/protocol/record/varint.h"

namespace warp::kafka {
namespace {

// Smallest encoded record: length, attributes, timestamp delta, offset delta,
// key length, value length and header count, one byte each.
constexpr size_t kMinRecordSize = 7;
// Smallest encoded header: key length and value length.
constexpr size_t kMinHeaderSize = 2;

absl::Status Malformed(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("record batch: ", what));
}

absl::Status MalformedRecord(int32_t index, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("record batch: record ", index, ": ", what));
}

// Reads a zigzag varint length that must be -1 (null, if `nullable`) or fit
// in the bytes left in `*input`, then the bytes it counts.
absl::Status ReadLengthPrefixed(absl::string_view* input, bool nullable,
                                absl::string_view field, int32_t index,
                                std::optional<absl::string_view>* out) {
  int32_t length;
  if (!ReadVarint32(input, &length)) {
    return MalformedRecord(index, absl::StrCat("bad ", field, " length"));
  }
  if (length == -1 && nullable) {
    *out = std::nullopt;
    return absl::OkStatus();
  }
  if (length < 0) {
    return MalformedRecord(
        index, absl::StrCat("negative ", field, " length ", length));
  }
  if (static_cast<size_t>(length) > input->size()) {
    return MalformedRecord(
        index, absl::StrCat(field, " length ", length, " exceeds the ",
                            input->size(), " bytes left in the record"));
  }
  *out = input->substr(0, length);
  input->remove_prefix(length);
  return absl::OkStatus();
}

// Decodes one record from the front of `*input` into `*record`, appending its
// headers to `*headers`. `index` names the record in errors.
absl::Status DecodeRecord(absl::string_view* input, int32_t index,
                          RecordView* record,
                          std::vector<RecordHeaderView>* headers) {
  int32_t length;
  if (!ReadVarint32(input, &length)) {
    return MalformedRecord(index, "bad length varint");
  }
  if (length < 0 || static_cast<size_t>(length) > input->size()) {
    return MalformedRecord(
        index, absl::StrCat("length ", length, " exceeds the ", input->size(),
                            " bytes left"));
  }
  absl::string_view body = input->substr(0, length);
  input->remove_prefix(length);

  if (body.empty()) return MalformedRecord(index, "empty record");
  record->attributes = static_cast<int8_t>(body[0]);
  body.remove_prefix(1);
  if (!ReadVarint64(&body, &record->timestamp_delta)) {
    return MalformedRecord(index, "bad timestamp delta");
  }
  if (!ReadVarint32(&body, &record->offset_delta)) {
    return MalformedRecord(index, "bad offset delta");
  }
  RETURN_IF_ERROR(ReadLengthPrefixed(&body, true, "key", index, &record->key));
  RETURN_IF_ERROR(
      ReadLengthPrefixed(&body, true, "value", index, &record->value));
  int32_t header_count;
  if (!ReadVarint32(&body, &header_count)) {
    return MalformedRecord(index, "bad header count");
  }
  if (header_count < 0 ||
      static_cast<size_t>(header_count) > body.size() / kMinHeaderSize) {
    return MalformedRecord(
        index, absl::StrCat("header count ", header_count, " impossible in ",
                            body.size(), " bytes"));
  }
  for (int32_t i = 0; i < header_count; ++i) {
    std::optional<absl::string_view> key;
    std::optional<absl::string_view> value;
    RETURN_IF_ERROR(
        ReadLengthPrefixed(&body, false, "header key", index, &key));
    RETURN_IF_ERROR(
        ReadLengthPrefixed(&body, true, "header value", index, &value));
    headers->push_back(RecordHeaderView{*key, value});
  }
  if (!body.empty()) {
    return MalformedRecord(index, absl::StrCat(body.size(),
                                               " bytes left after the record's "
                                               "fields; its length is wrong"));
  }
  record->headers = {};
  return absl::OkStatus();
}

}  // namespace

int32_t RecordBatchHeader::last_sequence() const {
  if (base_sequence == kNoSequence) return kNoSequence;
  constexpr int32_t kMax = std::numeric_limits<int32_t>::max();
  if (last_offset_delta >= 0 && base_sequence > kMax - last_offset_delta) {
    return last_offset_delta - (kMax - base_sequence) - 1;
  }
  return static_cast<int32_t>(static_cast<uint32_t>(base_sequence) +
                              static_cast<uint32_t>(last_offset_delta));
}

uint32_t ComputeRecordBatchCrc(absl::string_view batch) {
  return Crc32c(batch.substr(kAttributesOffset));
}

absl::StatusOr<RecordBatchHeader> ParseRecordBatchHeader(
    absl::string_view batch, CrcCheck crc_check) {
  if (batch.size() < kHeaderSizeUpToMagic) {
    return Malformed(absl::StrCat("truncated: ", batch.size(),
                                  " bytes, less than a batch header"));
  }
  const char* p = batch.data();
  RecordBatchHeader h;
  h.magic = static_cast<int8_t>(p[kMagicOffset]);
  if (h.magic != kMagicV2) {
    return absl::UnimplementedError(absl::StrCat(
        "record batch: magic ", h.magic, " is not supported (only 2)"));
  }
  if (batch.size() < kRecordBatchHeaderSize) {
    return Malformed(absl::StrCat("truncated: ", batch.size(),
                                  " bytes, less than a batch header"));
  }
  h.base_offset = static_cast<int64_t>(LoadBigEndian64(p + kBaseOffsetOffset));
  h.batch_length =
      static_cast<int32_t>(LoadBigEndian32(p + kBatchLengthOffset));
  if (h.batch_length < kMinBatchLength || h.size_bytes() != batch.size()) {
    return Malformed(absl::StrCat("batch length ", h.batch_length,
                                  " does not match the ", batch.size(),
                                  " bytes of the batch"));
  }
  h.partition_leader_epoch =
      static_cast<int32_t>(LoadBigEndian32(p + kPartitionLeaderEpochOffset));
  h.crc = LoadBigEndian32(p + kCrcOffset);
  h.attributes = static_cast<int16_t>(LoadBigEndian16(p + kAttributesOffset));
  h.last_offset_delta =
      static_cast<int32_t>(LoadBigEndian32(p + kLastOffsetDeltaOffset));
  h.base_timestamp =
      static_cast<int64_t>(LoadBigEndian64(p + kBaseTimestampOffset));
  h.max_timestamp =
      static_cast<int64_t>(LoadBigEndian64(p + kMaxTimestampOffset));
  h.producer_id = static_cast<int64_t>(LoadBigEndian64(p + kProducerIdOffset));
  h.producer_epoch =
      static_cast<int16_t>(LoadBigEndian16(p + kProducerEpochOffset));
  h.base_sequence =
      static_cast<int32_t>(LoadBigEndian32(p + kBaseSequenceOffset));
  h.record_count =
      static_cast<int32_t>(LoadBigEndian32(p + kRecordCountOffset));
  if (static_cast<int>(h.compression()) >
      static_cast<int>(Compression::kZstd)) {
    return absl::UnimplementedError(
        absl::StrCat("record batch: unknown compression codec ",
                     static_cast<int>(h.compression())));
  }
  if (h.record_count < 0) {
    return Malformed(absl::StrCat("negative record count ", h.record_count));
  }
  if (h.last_offset_delta < 0) {
    return Malformed(
        absl::StrCat("negative last offset delta ", h.last_offset_delta));
  }
  if (crc_check == CrcCheck::kVerify) {
    const uint32_t actual = ComputeRecordBatchCrc(batch);
    if (actual != h.crc) {
      return absl::DataLossError(absl::StrCat(
          "record batch: CRC-32C mismatch at base offset ", h.base_offset,
          ": header says ", absl::Hex(h.crc, absl::kZeroPad8), ", content has ",
          absl::Hex(actual, absl::kZeroPad8)));
    }
  }
  return h;
}

absl::StatusOr<RecordBatchReader> RecordBatchReader::Open(
    absl::string_view batch, const DecodeOptions& options) {
  RecordBatchReader reader;
  ASSIGN_OR_RETURN(reader.header_,
                   ParseRecordBatchHeader(batch, options.crc_check));
  reader.remaining_ = batch.substr(kRecordBatchHeaderSize);
  const Compression codec = reader.header_.compression();
  // An empty payload needs no decompression (and no codec could produce it).
  if (codec != Compression::kNone && !reader.remaining_.empty()) {
    ASSIGN_OR_RETURN(
        std::string decompressed,
        Decompress(codec, reader.remaining_, options.max_decompressed_bytes));
    reader.decompressed_ =
        std::make_unique<std::string>(std::move(decompressed));
    reader.remaining_ = *reader.decompressed_;
  }
  const int32_t count = reader.header_.record_count;
  if (static_cast<size_t>(count) > reader.remaining_.size() / kMinRecordSize) {
    return Malformed(absl::StrCat("record count ", count, " impossible in ",
                                  reader.remaining_.size(), " bytes"));
  }
  return reader;
}

absl::StatusOr<bool> RecordBatchReader::NextInto(
    RecordView* record, std::vector<RecordHeaderView>* headers) {
  if (records_read_ == header_.record_count) {
    if (!remaining_.empty()) {
      return Malformed(absl::StrCat(remaining_.size(),
                                    " bytes left after the last of ",
                                    header_.record_count, " records"));
    }
    return false;
  }
  if (remaining_.empty()) {
    return Malformed(absl::StrCat("batch declares ", header_.record_count,
                                  " records but holds ", records_read_));
  }
  RETURN_IF_ERROR(DecodeRecord(&remaining_, records_read_, record, headers));
  if (record->offset_delta <= previous_offset_delta_ ||
      record->offset_delta > header_.last_offset_delta) {
    return MalformedRecord(
        records_read_,
        absl::StrCat("offset delta ", record->offset_delta,
                     " not after the previous one or beyond the last offset "
                     "delta ",
                     header_.last_offset_delta));
  }
  previous_offset_delta_ = record->offset_delta;
  ++records_read_;
  return true;
}

absl::StatusOr<bool> RecordBatchReader::Next(RecordView* record) {
  scratch_headers_.clear();
  ASSIGN_OR_RETURN(const bool more, NextInto(record, &scratch_headers_));
  if (more) record->headers = scratch_headers_;
  return more;
}

absl::Status ValidateProducedBatch(absl::string_view batch,
                                   const RecordBatchHeader& header,
                                   size_t max_decompressed_bytes) {
  if (header.record_count == 0) {
    return Malformed("a batch must hold at least one record");
  }
  if (static_cast<int64_t>(header.last_offset_delta) + 1 != header.record_count) {
    return Malformed(absl::StrCat("last offset delta ", header.last_offset_delta,
                                  " does not match the record count ",
                                  header.record_count));
  }
  DecodeOptions options;
  options.crc_check = CrcCheck::kSkip;
  options.max_decompressed_bytes = max_decompressed_bytes;
  ASSIGN_OR_RETURN(RecordBatchReader reader, RecordBatchReader::Open(batch, options));
  // Next checks each record's fields, that offset deltas strictly increase up
  // to LastOffsetDelta and, at the end, the count and that nothing is left:
  // with the count equal to LastOffsetDelta + 1, the deltas are 0, 1, ...
  RecordView record;
  for (;;) {
    ASSIGN_OR_RETURN(bool more, reader.Next(&record));
    if (!more) return absl::OkStatus();
  }
}

absl::StatusOr<DecodedRecordBatch> DecodedRecordBatch::Decode(
    absl::string_view batch, const DecodeOptions& options) {
  ASSIGN_OR_RETURN(RecordBatchReader reader,
                   RecordBatchReader::Open(batch, options));
  DecodedRecordBatch decoded;
  // Open checked the count against the bytes, so this reserve is bounded.
  decoded.records_.reserve(reader.header().record_count);
  std::vector<size_t> first_header;
  first_header.reserve(reader.header().record_count);
  while (true) {
    RecordView record;
    first_header.push_back(decoded.headers_.size());
    ASSIGN_OR_RETURN(const bool more,
                     reader.NextInto(&record, &decoded.headers_));
    if (!more) break;
    decoded.records_.push_back(record);
  }
  // Point each record at its headers now that the vector stops growing.
  for (size_t i = 0; i < decoded.records_.size(); ++i) {
    decoded.records_[i].headers =
        absl::MakeConstSpan(decoded.headers_)
            .subspan(first_header[i], first_header[i + 1] - first_header[i]);
  }
  decoded.header_ = reader.header_;
  decoded.decompressed_ = std::move(reader.decompressed_);
  return decoded;
}

absl::StatusOr<RecordBatchSequence> SplitRecordBatches(
    absl::string_view records) {
  RecordBatchSequence sequence;
  size_t pos = 0;
  while (pos < records.size()) {
    const absl::string_view rest = records.substr(pos);
    if (rest.size() < kLogOverhead) break;
    const int32_t length =
        static_cast<int32_t>(LoadBigEndian32(rest.data() + kBatchLengthOffset));
    if (length < kMinBatchLength) {
      return Malformed(absl::StrCat("batch at byte ", pos, " has length ",
                                    length, ", below the minimum ",
                                    kMinBatchLength));
    }
    if (rest.size() < kHeaderSizeUpToMagic) break;
    const int8_t magic = static_cast<int8_t>(rest[kMagicOffset]);
    if (magic != kMagicV2) {
      return absl::UnimplementedError(
          absl::StrCat("record batch at byte ", pos, ": magic ", magic,
                       " is not supported (only 2)"));
    }
    const size_t size = static_cast<size_t>(length) + kLogOverhead;
    if (rest.size() < size) break;
    sequence.batches.push_back(rest.substr(0, size));
    pos += size;
  }
  sequence.partial_tail = records.substr(pos);
  return sequence;
}

absl::Status SetBaseOffsetAndLeaderEpoch(absl::Span<char> batch,
                                         int64_t base_offset,
                                         int32_t partition_leader_epoch) {
  if (batch.size() < kRecordBatchHeaderSize ||
      static_cast<int8_t>(batch[kMagicOffset]) != kMagicV2) {
    return Malformed("not a v2 batch header");
  }
  StoreBigEndian64(static_cast<uint64_t>(base_offset),
                   batch.data() + kBaseOffsetOffset);
  StoreBigEndian32(static_cast<uint32_t>(partition_leader_epoch),
                   batch.data() + kPartitionLeaderEpochOffset);
  return absl::OkStatus();
}

absl::Status SetLogAppendTime(absl::Span<char> batch, int64_t append_time_ms) {
  const absl::string_view bytes(batch.data(), batch.size());
  RETURN_IF_ERROR(ParseRecordBatchHeader(bytes, CrcCheck::kSkip).status());
  char* p = batch.data();
  const uint16_t attributes = LoadBigEndian16(p + kAttributesOffset);
  StoreBigEndian16(attributes | kTimestampTypeMask, p + kAttributesOffset);
  StoreBigEndian64(static_cast<uint64_t>(append_time_ms),
                   p + kMaxTimestampOffset);
  StoreBigEndian32(ComputeRecordBatchCrc(bytes), p + kCrcOffset);
  return absl::OkStatus();
}

absl::StatusOr<ControlRecord> ParseControlRecord(const RecordView& record) {
  if (!record.key.has_value() || record.key->size() < 4) {
    return absl::InvalidArgumentError(
        "control record: key must hold an int16 version and an int16 type");
  }
  ControlRecord control;
  control.key_version =
      static_cast<int16_t>(LoadBigEndian16(record.key->data()));
  control.raw_type =
      static_cast<int16_t>(LoadBigEndian16(record.key->data() + 2));
  if (control.raw_type < 0 || control.raw_type > 6) {
    control.type = ControlRecordType::kUnknown;
    return control;
  }
  control.type = static_cast<ControlRecordType>(control.raw_type);
  if (control.type == ControlRecordType::kAbort ||
      control.type == ControlRecordType::kCommit) {
    if (!record.value.has_value() || record.value->size() < 6) {
      return absl::InvalidArgumentError(
          "control record: an end-transaction marker value must hold an "
          "int16 version and an int32 coordinator epoch");
    }
    control.marker_version =
        static_cast<int16_t>(LoadBigEndian16(record.value->data()));
    control.coordinator_epoch =
        static_cast<int32_t>(LoadBigEndian32(record.value->data() + 2));
  }
  return control;
}

}  // namespace warp::kafka
