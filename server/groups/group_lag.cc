#include "server/groups/group_lag.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace warp::server::groups {
namespace {

// A Prometheus label value: backslash, quote and newline escaped.
std::string EscapeLabel(absl::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

}  // namespace

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

std::string RenderGroupLag(MetadataStore& metadata, absl::Time now, size_t max_series) {
  size_t dropped = 0;
  std::vector<PartitionLag> lags = ComputeGroupLag(metadata, now, max_series, &dropped);
  std::string records = "# TYPE warp_group_lag_records gauge\n";
  std::string seconds = "# TYPE warp_group_lag_seconds gauge\n";
  for (const PartitionLag& lag : lags) {
    std::string labels = absl::StrCat("{group=\"", EscapeLabel(lag.group), "\",topic=\"",
                                      EscapeLabel(lag.tp.topic), "\",partition=\"",
                                      lag.tp.partition, "\"}");
    absl::StrAppend(&records, "warp_group_lag_records", labels, " ", lag.records, "\n");
    absl::StrAppend(&seconds, "warp_group_lag_seconds", labels, " ", lag.seconds, "\n");
  }
  return absl::StrCat(records, seconds, "# TYPE warp_group_lag_series_dropped gauge\n",
                      "warp_group_lag_series_dropped ", dropped, "\n");
}

}  // namespace warp::server::groups
