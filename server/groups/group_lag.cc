#include "server/groups/group_lag.h"

#include <algorithm>

namespace warp::server::groups {

std::vector<PartitionLag> ComputeGroupLag(MetadataStore& metadata, absl::Time now,
                                          size_t max_series, size_t* dropped) {
  std::vector<PartitionLag> lags;
  int64_t now_ms = absl::ToUnixMillis(now);
  for (const std::string& group : metadata.ListGroups()) {
    for (const auto& [tp, committed] : metadata.GetGroupOffsets(group)) {
      if (committed.offset < 0) continue;
      absl::StatusOr<PartitionOffsets> offsets = metadata.GetOffsets(tp);
      if (!offsets.ok()) continue;  // topic deleted since the commit
      PartitionLag& lag = lags.emplace_back();
      lag.group = group;
      lag.tp = tp;
      lag.records = std::max<int64_t>(0, offsets->high_watermark - committed.offset);
      if (lag.records > 0) {
        lag.seconds = std::max<int64_t>(0, now_ms - committed.commit_time_ms) / 1000.0;
      }
    }
  }
  *dropped = 0;
  if (lags.size() > max_series) {
    auto larger = [](const PartitionLag& a, const PartitionLag& b) {
      return a.records != b.records ? a.records > b.records : a.seconds > b.seconds;
    };
    std::partial_sort(lags.begin(), lags.begin() + max_series, lags.end(), larger);
    *dropped = lags.size() - max_series;
    lags.resize(max_series);
  }
  return lags;
}

}  // namespace warp::server::groups
