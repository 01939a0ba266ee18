// LogCleaner: keyed compaction of topics with `cleanup.policy=compact` (or
// `compact,delete`), as Kafka's log cleaner does: the latest record of each
// key stays, with its offset; older records of the key go; tombstones (null
// values) go once `delete.retention.ms` old; records without a key go (Kafka
// refuses them on compacted topics and its cleaner drops any there).
//
// - A cleaning takes one partition's cleanable window: from its log start,
//   the committed entries older than `min.compaction.lag.ms` (never the
//   records appended after planning), at most `max_clean_bytes` of them.
//   It reads the window, keeps each key's last record in it, rewrites every
//   batch that lost records (Kafka RecordBatch v2, same base offset, last
//   offset delta, producer id/epoch/sequence and codec; a batch left with
//   no record is dropped unless it ends its range, then kept empty so the
//   range still spans its offsets), writes them into one object of
//   `output_level`, and commits it as ONE ReplaceFiles over the window,
//   rejected when any of it changed meanwhile (retention, a merge).
// - A partition is cleaned when its dirty part (the bytes appended since
//   this cleaner last cleaned it; everything after a restart) is at least
//   `min.cleanable.dirty.ratio` of the window, when its oldest dirty entry
//   passed `max.compaction.lag.ms`, or when a tombstone it kept becomes
//   removable.
// - Tombstone age counts from the record's timestamp (the append time on
//   LogAppendTime topics): a tombstone is readable for at least
//   delete.retention.ms after it was written.
// - Transactional and control batches are kept untouched (warp serves no
//   transactions; nothing there is known to be aborted).
//
// Thread-compatible: one caller at a time (the jobs runner).
#ifndef WARP_LOG_CLEANER_H_
#define WARP_LOG_CLEANER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "warp/clock.h"
#include "warp/compactor.h"
#include "warp/metadata.h"
#include "warp/metadata_store.h"
#include "warp/object_store.h"

namespace warp {

struct LogCleanerOptions {
  // Not owned, required.
  ObjectStore* store = nullptr;
  MetadataStore* metadata = nullptr;
  // "Now" for lags and tombstones; nullptr = the real clock.
  Clock* clock = nullptr;
  // Output keys are `<cluster>/data/L<output_level>/<time>-<agent_id>-<n>`.
  std::string cluster = "default";
  std::string agent_id = "agent";
  // Level of the outputs. The compactor's max_level by default, so leveled
  // merges leave cleaned partitions alone (the cleaner rewrites them).
  int output_level = 3;
  // Most bytes of index entries one cleaning reads (and holds, with its
  // output, in memory). A partition larger than this is cleaned from its
  // log start up to this much at a time.
  uint64_t max_clean_bytes = 256 << 20;
  // Most bytes of one index entry of the output (CompactorOptions).
  uint32_t max_range_bytes = 1 << 20;
  // See CompactorOptions::max_commit_delay.
  absl::Duration max_commit_delay = absl::Minutes(5);
  // Most bytes a compressed batch may inflate to.
  size_t max_decompressed_bytes = 64 << 20;
  // Pacing: most bytes read plus written per second; 0 = unlimited.
  double max_bytes_per_second = 0;
  // Cluster hook: whether this agent cleans `tp`. nullptr = every partition.
  std::function<bool(const TopicPartition& tp)> owns_partition;
};

class LogCleaner {
 public:
  // InvalidArgument without a store or metadata store, or with bad limits.
  static absl::StatusOr<std::unique_ptr<LogCleaner>> Create(const LogCleanerOptions& options);
  LogCleaner() = default;
  LogCleaner(const LogCleaner&) = delete;
  LogCleaner& operator=(const LogCleaner&) = delete;
  virtual ~LogCleaner() = default;

  // Cleans at most one partition: the next compacted partition, in turn,
  // that is due and has something to remove (a due partition with nothing
  // to remove is only noted as clean). `inputs` empty: nothing was due.
  // A non-OK Status: a store or metadata call failed; the state stays
  // consistent and the next call re-plans.
  virtual absl::StatusOr<CompactionResult> CleanOnce() = 0;
};

}  // namespace warp

#endif  // WARP_LOG_CLEANER_H_
