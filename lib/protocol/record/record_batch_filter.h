// Rewriting a RecordBatch v2 without some of its records, as Kafka's log
// cleaner does (MemoryRecords.filterTo): the batch keeps its base offset,
// last offset delta, producer id/epoch/base sequence, leader epoch,
// transactional and control flags, timestamp type and codec; each kept
// record keeps its offset and timestamp; the records section is re-encoded
// (decompressed, then compressed again with the same codec and, for snappy,
// the same framing) and the CRC recomputed. A batch whose records all go
// becomes an empty batch (record count 0, uncompressed, both timestamps the
// original MaxTimestamp) still spanning its offsets, which consumers skip.
//
// Pure and thread-safe.
#ifndef WARP_LIB_PROTOCOL_RECORD_RECORD_BATCH_FILTER_H_
#define WARP_LIB_PROTOCOL_RECORD_RECORD_BATCH_FILTER_H_

#include <cstdint>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/protocol/record/record_batch.h"

namespace warp::kafka {

struct FilteredBatch {
  std::string batch;         // the batch as it now is
  int32_t records_kept = 0;  // its record count
  bool rewritten = false;    // false: every record was kept, bytes unchanged
};

// Keeps the records of the single batch `batch` for which `keep(header,
// record)` is true. Decoding follows `options` (CRC check, decompression
// cap); fails as RecordBatchReader does on a malformed batch.
absl::StatusOr<FilteredBatch> FilterRecordBatch(
    absl::string_view batch,
    absl::FunctionRef<bool(const RecordBatchHeader&, const RecordView&)> keep,
    const DecodeOptions& options = {});

}  // namespace warp::kafka

#endif  // WARP_LIB_PROTOCOL_RECORD_RECORD_BATCH_FILTER_H_
