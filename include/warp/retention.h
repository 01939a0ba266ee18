// Retention: enforces each topic's `retention.ms` and `retention.bytes`
// (topics whose `cleanup.policy` includes `delete`) by advancing partitions'
// log start offsets with DeleteRecords, as Kafka's log retention does. The
// batches below the new log start leave the index; objects left holding
// nothing live become dead in the metadata store, and the GarbageCollector
// deletes them after its grace period.
//
// Granularity is one index entry (a producer's batch, or a compacted run of
// at most CompactorOptions::max_range_bytes): an entry goes when all of it is
// past retention.
//
// Thread-compatible: one caller at a time.
#ifndef WARP_RETENTION_H_
#define WARP_RETENTION_H_

#include <cstdint>
#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "warp/clock.h"
#include "warp/metadata.h"
#include "warp/metadata_store.h"

namespace warp {

struct RetentionOptions {
  // Not owned, required.
  MetadataStore* metadata = nullptr;
  // "Now" for retention.ms; nullptr = the real clock.
  Clock* clock = nullptr;
  // Cluster hook: whether this agent enforces retention of `tp`. nullptr =
  // every partition.
  std::function<bool(const TopicPartition& tp)> owns_partition;
};

struct RetentionResult {
  int64_t partitions_trimmed = 0;  // DeleteRecords commands that moved a log start
  int64_t records_deleted = 0;     // offsets the log starts moved by
};

class RetentionEnforcer {
 public:
  // InvalidArgument without a metadata store.
  static absl::StatusOr<std::unique_ptr<RetentionEnforcer>> Create(
      const RetentionOptions& options);
  RetentionEnforcer() = default;
  RetentionEnforcer(const RetentionEnforcer&) = delete;
  RetentionEnforcer& operator=(const RetentionEnforcer&) = delete;
  virtual ~RetentionEnforcer() = default;

  // One pass over every topic: for each partition, the oldest entries whose
  // max timestamp is older than now - retention.ms, and the oldest entries
  // while the rest still holds at least retention.bytes, are deleted with one
  // DeleteRecords. Non-OK only when the metadata store failed.
  virtual absl::StatusOr<RetentionResult> RunOnce() = 0;
};

}  // namespace warp

#endif  // WARP_RETENTION_H_
