// The pure half of keyed compaction: which topics are compacted and with
// what settings, how much of a partition may be cleaned now, and whether it
// is due. No I/O; thread-safe.
#ifndef WARP_LIB_COMPACTION_CLEAN_PLAN_H_
#define WARP_LIB_COMPACTION_CLEAN_PLAN_H_

#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "absl/strings/string_view.h"
#include "lib/metadata/topic_config.h"
#include "warp/metadata.h"

namespace warp::compaction {

// A compacted topic's cleaning settings (Kafka's topic configs).
struct CleanPolicy {
  int64_t delete_retention_ms = 86400000;  // delete.retention.ms
  int64_t min_lag_ms = 0;                  // min.compaction.lag.ms
  int64_t max_lag_ms = std::numeric_limits<int64_t>::max();  // max.compaction.lag.ms
  double min_dirty_ratio = 0.5;            // min.cleanable.dirty.ratio
};

using metadata::HasCleanupPolicy;  // lib/metadata/topic_config.h

// The policy of a topic whose cleanup.policy includes `compact`; nullopt
// for a topic that is not compacted.
std::optional<CleanPolicy> CompactPolicy(const TopicConfigs& configs);

// What the cleaner remembers of a partition (in memory; a restarted cleaner
// counts everything as dirty once).
struct CleanState {
  int64_t cleaned_end = -1;  // offsets below it are clean; -1: never cleaned
  int64_t tombstone_due_ms = std::numeric_limits<int64_t>::max();  // a kept tombstone expires
};

// How many of `entries` (a partition's, from its log start, in offset
// order) may be cleaned at `now_ms`: the leading ones whose max timestamp is
// at least min.compaction.lag.ms old, within `max_bytes` (at least one if
// the first is old enough).
size_t CleanableEntries(const std::vector<BatchLocation>& entries, const CleanPolicy& policy,
                        int64_t now_ms, uint64_t max_bytes);

// Whether the cleanable `window` should be cleaned now: its dirty bytes
// (entries from state.cleaned_end on) are at least min.cleanable.dirty.ratio
// of it and not zero, its oldest dirty entry passed max.compaction.lag.ms,
// or a tombstone kept by the last cleaning expired.
bool CleaningDue(const std::vector<BatchLocation>& window, const CleanPolicy& policy,
                 const CleanState& state, int64_t now_ms);

}  // namespace warp::compaction

#endif  // WARP_LIB_COMPACTION_CLEAN_PLAN_H_
