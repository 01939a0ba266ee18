// The standard process_* metrics of the Prometheus client libraries (CPU
// seconds, resident and virtual memory, open and maximum descriptors, start
// time), read from /proc; prometheus-cpp has no collector for them.
//
// Thread-safety: thread-safe (no state).
#ifndef WARP_SERVER_PROCESS_METRICS_H_
#define WARP_SERVER_PROCESS_METRICS_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/strings/string_view.h"
#include "server/metrics.h"

namespace warp::server {

// The fields of /proc/<pid>/stat that the metrics use, in the kernel's units.
struct ProcStat {
  uint64_t utime_ticks = 0;      // user CPU, clock ticks
  uint64_t stime_ticks = 0;      // system CPU, clock ticks
  uint64_t start_ticks = 0;      // start, clock ticks after boot
  uint64_t vsize_bytes = 0;      // virtual memory
  uint64_t rss_pages = 0;        // resident set
};

// Parses /proc/<pid>/stat (whose second field, the command name, may hold
// spaces and parentheses). nullopt when it is malformed.
std::optional<ProcStat> ParseProcStat(absl::string_view text);

// The boot time (`btime`, unix seconds) from /proc/stat.
std::optional<int64_t> ParseBootTime(absl::string_view text);

// This process's metrics; a family whose source cannot be read is left out.
std::vector<ComputedFamily> CollectProcessMetrics();

}  // namespace warp::server

#endif  // WARP_SERVER_PROCESS_METRICS_H_
