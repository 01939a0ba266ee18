// Test helpers for RecordBatch code: owned records (the builder and reader
// work on views), random and realistic record generators, and a
// build-then-decode round trip.
//
// Thread-safety: plain values and pure functions; a generator's random engine
// belongs to its caller.
#ifndef WARP_LIB_PROTOCOL_RECORD_TESTING_RECORD_BATCH_TESTING_H_
#define WARP_LIB_PROTOCOL_RECORD_TESTING_RECORD_BATCH_TESTING_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/protocol/record/record_batch.h"
#include "lib/protocol/record/record_batch_builder.h"

namespace warp::kafka::testing {

// A record that owns its bytes.
struct OwnedRecord {
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
  int64_t timestamp = 0;

  bool operator==(const OwnedRecord&) const = default;
};

// Prints a record compactly, for test failure messages.
std::ostream& operator<<(std::ostream& os, const OwnedRecord& record);

// Builds one batch of `records` with `options`.
absl::StatusOr<std::string> BuildBatch(const std::vector<OwnedRecord>& records,
                                       const RecordBatchOptions& options = {});

// Decodes every record of `batch` into owned records, with absolute
// timestamps.
absl::StatusOr<std::vector<OwnedRecord>> DecodeBatch(
    absl::string_view batch, const DecodeOptions& options = {});

// `count` records with random keys, values and headers (nulls and empties
// included), each at most about `max_size` bytes, timestamps increasing from
// `first_timestamp` with occasional steps back.
std::vector<OwnedRecord> RandomRecords(std::mt19937_64& rng, int count,
                                       size_t max_size,
                                       int64_t first_timestamp = 1700000000000);

// A JSON log line of about `size` bytes, like the ones a logging pipeline
// sends: repeated field names, a few varying values, some free text.
std::string JsonLogLine(std::mt19937_64& rng, size_t size);

// Records of JSON log lines (`line_size` bytes each, key = a host name) that
// fill about `total_bytes`.
std::vector<OwnedRecord> LogRecords(std::mt19937_64& rng, size_t total_bytes,
                                    size_t line_size);

}  // namespace warp::kafka::testing

#endif  // WARP_LIB_PROTOCOL_RECORD_TESTING_RECORD_BATCH_TESTING_H_
