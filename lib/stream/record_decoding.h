// Turning a fetched partition's record batches (Kafka RecordBatch v2, as the
// Fetcher returns them) into records for the Stream API: control batches
// skipped, aborted transactions dropped for read_committed readers (as a
// Kafka client drops them), records before the wanted offset skipped. Pure.
#ifndef WARP_LIB_STREAM_RECORD_DECODING_H_
#define WARP_LIB_STREAM_RECORD_DECODING_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "warp/fetcher.h"
#include "warp/stream.h"

namespace warp::stream {

// Appends the records of `fetched` at or after `offset` to `out`.
// DataLoss for bytes that do not decode.
absl::Status DecodeRecords(const std::string& topic, int32_t partition, int64_t offset,
                           const PartitionRecords& fetched, bool read_committed,
                           std::vector<ConsumedRecord>* out);

// Where a reader at `offset` goes next after `fetched`: past its last
// complete batch (control and aborted batches included), else `offset`.
int64_t NextOffset(int64_t offset, const PartitionRecords& fetched, bool read_committed);

}  // namespace warp::stream

#endif  // WARP_LIB_STREAM_RECORD_DECODING_H_
