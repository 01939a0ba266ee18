#include "lib/protocol/record/record_batch_filter.h"

#include <vector>

#include "lib/base/status_macros.h"
#include "lib/protocol/record/record_batch_builder.h"

namespace warp::kafka {

absl::StatusOr<FilteredBatch> FilterRecordBatch(
    absl::string_view batch,
    absl::FunctionRef<bool(const RecordBatchHeader&, const RecordView&)> keep,
    const DecodeOptions& options) {
  ASSIGN_OR_RETURN(DecodedRecordBatch decoded, DecodedRecordBatch::Decode(batch, options));
  const RecordBatchHeader& header = decoded.header();
  std::vector<RecordInput> kept;
  for (const RecordView& record : decoded.records()) {
    if (!keep(header, record)) continue;
    RecordInput in;
    in.key = record.key;
    in.value = record.value;
    in.headers = record.headers;
    in.timestamp = RecordTimestamp(header, record);
    in.offset_delta = record.offset_delta;
    kept.push_back(in);
  }
  FilteredBatch out;
  out.records_kept = static_cast<int32_t>(kept.size());
  if (kept.size() == decoded.records().size()) {
    out.batch = std::string(batch);
    return out;
  }
  RecordBatchOptions rebuilt;
  rebuilt.compression = header.compression();
  if (header.compression() == Compression::kSnappy &&
      !IsXerialSnappy(batch.substr(kRecordBatchHeaderSize))) {
    rebuilt.compression_options.snappy_framing = SnappyFraming::kRaw;
  }
  rebuilt.timestamp_type = header.timestamp_type();
  rebuilt.log_append_time = header.max_timestamp;
  rebuilt.base_offset = header.base_offset;
  rebuilt.partition_leader_epoch = header.partition_leader_epoch;
  rebuilt.producer_id = header.producer_id;
  rebuilt.producer_epoch = header.producer_epoch;
  rebuilt.base_sequence = header.base_sequence;
  rebuilt.is_transactional = header.is_transactional();
  rebuilt.is_control = header.is_control();
  rebuilt.last_offset_delta = header.last_offset_delta;
  rebuilt.empty_batch_timestamp = header.max_timestamp;
  ASSIGN_OR_RETURN(out.batch, BuildRecordBatch(kept, rebuilt));
  out.rewritten = true;
  return out;
}

}  // namespace warp::kafka
