#include "lib/compaction/merge_plan.h"

#include <algorithm>
#include <map>

namespace warp::compaction {

std::optional<MergeGroup> PickMergeGroup(const IndexSnapshot& snapshot,
                                         const MergeRules& rules, absl::Time now) {
  std::map<int, std::vector<const SnapshotObject*>> by_level;
  for (const auto& [key, object] : snapshot.objects) {
    if (!object.parsed || object.level >= rules.max_level) continue;
    if (object.live_bytes > rules.max_output_bytes) continue;  // big enough
    if (rules.owns_object && !rules.owns_object(key)) continue;
    by_level[object.level].push_back(&object);
  }
  for (auto& [level, objects] : by_level) {
    std::sort(objects.begin(), objects.end(),
              [](const SnapshotObject* a, const SnapshotObject* b) {
                return a->created != b->created ? a->created < b->created
                                                : a->key < b->key;
              });
    MergeGroup group;
    group.level = level;
    bool full = false;
    for (const SnapshotObject* object : objects) {
      if (group.inputs.size() >= static_cast<size_t>(rules.fan_in)) {
        full = true;
        break;
      }
      if (group.live_bytes + object->live_bytes > rules.max_output_bytes) {
        full = true;
        break;
      }
      group.inputs.push_back(object->key);
      group.live_bytes += object->live_bytes;
    }
    if (group.inputs.size() >= static_cast<size_t>(rules.fan_in)) full = true;
    bool old = !objects.empty() && now - objects.front()->created >= rules.partial_merge_age;
    if (group.inputs.size() >= 2 && (full || old)) return group;
  }
  return std::nullopt;
}

std::vector<PlannedRange> PlanRanges(const IndexSnapshot& snapshot,
                                     const std::set<std::string>& inputs,
                                     uint64_t max_range_bytes) {
  std::vector<PlannedRange> out;
  for (const auto& [tp, entries] : snapshot.partitions) {
    bool open = false;  // the last range of `out` may still grow
    for (const BatchLocation& entry : entries) {
      if (!inputs.count(entry.object_key)) {
        open = false;
        continue;
      }
      if (!open || out.back().bytes + entry.byte_length > max_range_bytes) {
        out.push_back(PlannedRange{tp, {}, 0});
        open = true;
      }
      out.back().entries.push_back(entry);
      out.back().bytes += entry.byte_length;
    }
  }
  return out;
}

}  // namespace warp::compaction
