#include "lib/compaction/clean_plan.h"

#include "absl/strings/numbers.h"
#include "lib/metadata/topic_config.h"

namespace warp::compaction {
namespace {

void ReadLong(const TopicConfigs& configs, absl::string_view name, int64_t* out) {
  int64_t value = 0;
  if (absl::SimpleAtoi(metadata::EffectiveConfig(configs, name), &value)) *out = value;
}

}  // namespace

std::optional<CleanPolicy> CompactPolicy(const TopicConfigs& configs) {
  if (!HasCleanupPolicy(configs, "compact")) return std::nullopt;
  CleanPolicy policy;
  ReadLong(configs, "delete.retention.ms", &policy.delete_retention_ms);
  ReadLong(configs, "min.compaction.lag.ms", &policy.min_lag_ms);
  ReadLong(configs, "max.compaction.lag.ms", &policy.max_lag_ms);
  double ratio = 0;
  if (absl::SimpleAtod(metadata::EffectiveConfig(configs, "min.cleanable.dirty.ratio"), &ratio)) {
    policy.min_dirty_ratio = ratio;
  }
  return policy;
}

size_t CleanableEntries(const std::vector<BatchLocation>& entries, const CleanPolicy& policy,
                        int64_t now_ms, uint64_t max_bytes) {
  size_t n = 0;
  uint64_t bytes = 0;
  for (const BatchLocation& e : entries) {
    if (policy.min_lag_ms > 0 && e.max_timestamp > now_ms - policy.min_lag_ms) break;
    if (n > 0 && bytes + e.byte_length > max_bytes) break;
    bytes += e.byte_length;
    ++n;
  }
  return n;
}

bool CleaningDue(const std::vector<BatchLocation>& window, const CleanPolicy& policy,
                 const CleanState& state, int64_t now_ms) {
  if (window.empty()) return false;
  if (now_ms >= state.tombstone_due_ms) return true;
  uint64_t total = 0;
  uint64_t dirty = 0;
  int64_t oldest_dirty = -1;
  for (const BatchLocation& e : window) {
    total += e.byte_length;
    if (e.last_offset >= state.cleaned_end) {
      dirty += e.byte_length;
      if (oldest_dirty < 0 || (e.max_timestamp >= 0 && e.max_timestamp < oldest_dirty)) {
        oldest_dirty = e.max_timestamp;
      }
    }
  }
  if (dirty == 0) return false;
  if (oldest_dirty >= 0 && now_ms - oldest_dirty > policy.max_lag_ms) return true;
  return static_cast<double>(dirty) >= policy.min_dirty_ratio * static_cast<double>(total);
}

}  // namespace warp::compaction
