// Consumer lag of every group with committed offsets, for the Prometheus
// series the agent exports (server/agent.cc):
//   warp_group_lag_records{group,topic,partition}  high watermark - committed
//   warp_group_lag_seconds{group,topic,partition}  now - commit time when
//                                                  lagging, 0 when caught up
//   warp_group_lag_series_dropped                  label sets not emitted
// At most `max_series` label sets are emitted, the largest lags first.
//
// Thread-safety: thread-safe (reads the thread-safe MetadataStore).
#ifndef WARP_SERVER_GROUPS_GROUP_LAG_H_
#define WARP_SERVER_GROUPS_GROUP_LAG_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "warp/metadata_store.h"

namespace warp::server::groups {

struct PartitionLag {
  std::string group;
  TopicPartition tp;
  int64_t records = 0;
  double seconds = 0;
};

// The lag of every committed offset of every group, largest first (records,
// then seconds), at most `max_series`; `dropped` receives how many more
// there were.
std::vector<PartitionLag> ComputeGroupLag(MetadataStore& metadata, absl::Time now,
                                          size_t max_series, size_t* dropped);

}  // namespace warp::server::groups

#endif  // WARP_SERVER_GROUPS_GROUP_LAG_H_
