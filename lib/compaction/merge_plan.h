// The pure half of compaction: which objects to merge next, and how their
// live entries become the ranges of one ReplaceFiles. No I/O; thread-safe.
#ifndef WARP_LIB_COMPACTION_MERGE_PLAN_H_
#define WARP_LIB_COMPACTION_MERGE_PLAN_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "lib/compaction/index_snapshot.h"
#include "warp/metadata.h"

namespace warp::compaction {

struct MergeRules {
  int fan_in = 32;
  int max_level = 3;
  absl::Duration partial_merge_age = absl::Minutes(10);
  uint64_t max_output_bytes = 256 << 20;
  // nullptr: every object may be merged.
  std::function<bool(absl::string_view key)> owns_object;
};

struct MergeGroup {
  int level = 0;  // of the inputs; the output is level + 1
  std::vector<std::string> inputs;  // oldest first
  uint64_t live_bytes = 0;
};

// The group to merge now at the lowest level that has one: the oldest
// objects of that level (up to fan_in, within max_output_bytes), ready when
// there are fan_in of them, when they fill max_output_bytes, or when the
// oldest is partial_merge_age old (at least two objects in every case).
std::optional<MergeGroup> PickMergeGroup(const IndexSnapshot& snapshot,
                                         const MergeRules& rules, absl::Time now);

// One range of the output: consecutive index entries of one partition, all
// in the inputs, to be written back to back.
struct PlannedRange {
  TopicPartition tp;
  std::vector<BatchLocation> entries;
  uint64_t bytes = 0;
};

// The ranges moving the inputs' live entries into one object: per
// partition, runs of consecutive entries that all lie in `inputs`, cut at
// entry boundaries so that none exceeds `max_range_bytes` (unless one entry
// alone does). In partition order, then offset order.
std::vector<PlannedRange> PlanRanges(const IndexSnapshot& snapshot,
                                     const std::set<std::string>& inputs,
                                     uint64_t max_range_bytes);

}  // namespace warp::compaction

#endif  // WARP_LIB_COMPACTION_MERGE_PLAN_H_
