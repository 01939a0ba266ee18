// For tests: a strict reader of the Prometheus text exposition format
// (version 0.0.4), to check what /metrics serves.
//
// Thread-safety: no state.
#ifndef WARP_SERVER_EXPOSITION_CHECK_H_
#define WARP_SERVER_EXPOSITION_CHECK_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace warp::server {

struct ExpositionSample {
  std::string name;  // e.g. family_bucket for a histogram
  std::map<std::string, std::string> labels;  // unescaped values
  double value = 0;
};

struct ExpositionFamily {
  std::string help;
  std::string type;  // counter, gauge, histogram, summary or untyped
  std::vector<ExpositionSample> samples;
};

// Parses `text`, requiring what Prometheus expects and more: every family
// has one `# HELP` and one `# TYPE` line before its samples, its samples
// are contiguous, names and labels are well-formed, counters are not
// negative, and each histogram series has cumulative buckets ending with
// le="+Inf" equal to its _count, and a _sum. The error names the line.
absl::StatusOr<std::map<std::string, ExpositionFamily>> ParseExposition(absl::string_view text);

}  // namespace warp::server

#endif  // WARP_SERVER_EXPOSITION_CHECK_H_
