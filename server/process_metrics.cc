#include "server/process_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace warp::server {
namespace {

std::optional<std::string> ReadFile(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Entries of /proc/self/fd, less the one that lists them.
std::optional<int64_t> OpenDescriptors() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return std::nullopt;
  int64_t count = 0;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count - 1;
}

}  // namespace

std::optional<ProcStat> ParseProcStat(absl::string_view text) {
  size_t close = text.rfind(')');
  if (close == absl::string_view::npos) return std::nullopt;
  // After the command: field 3 (state) onwards, so field N is at N - 3.
  std::vector<absl::string_view> fields =
      absl::StrSplit(text.substr(close + 1), ' ', absl::SkipWhitespace());
  if (fields.size() < 22) return std::nullopt;
  ProcStat stat;
  bool ok = absl::SimpleAtoi(fields[14 - 3], &stat.utime_ticks) &&
            absl::SimpleAtoi(fields[15 - 3], &stat.stime_ticks) &&
            absl::SimpleAtoi(fields[22 - 3], &stat.start_ticks) &&
            absl::SimpleAtoi(fields[23 - 3], &stat.vsize_bytes) &&
            absl::SimpleAtoi(fields[24 - 3], &stat.rss_pages);
  if (!ok) return std::nullopt;
  return stat;
}

std::optional<int64_t> ParseBootTime(absl::string_view text) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!absl::ConsumePrefix(&line, "btime ")) continue;
    int64_t seconds = 0;
    if (absl::SimpleAtoi(line, &seconds)) return seconds;
  }
  return std::nullopt;
}

std::vector<ComputedFamily> CollectProcessMetrics() {
  using Type = ComputedFamily::Type;
  std::vector<ComputedFamily> out;
  auto add = [&out](const char* name, Type type, double value) {
    out.push_back(OneSample(name, type, value));
  };
  std::optional<std::string> stat_text = ReadFile("/proc/self/stat");
  std::optional<ProcStat> stat =
      stat_text.has_value() ? ParseProcStat(*stat_text) : std::nullopt;
  if (stat.has_value()) {
    double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    add("process_cpu_seconds_total", Type::kCounter,
        static_cast<double>(stat->utime_ticks + stat->stime_ticks) / ticks);
    add("process_resident_memory_bytes", Type::kGauge,
        static_cast<double>(stat->rss_pages) * static_cast<double>(sysconf(_SC_PAGESIZE)));
    add("process_virtual_memory_bytes", Type::kGauge, static_cast<double>(stat->vsize_bytes));
    std::optional<std::string> system = ReadFile("/proc/stat");
    std::optional<int64_t> boot = system.has_value() ? ParseBootTime(*system) : std::nullopt;
    if (boot.has_value()) {
      add("process_start_time_seconds", Type::kGauge,
          static_cast<double>(*boot) + static_cast<double>(stat->start_ticks) / ticks);
    }
  }
  if (std::optional<int64_t> fds = OpenDescriptors(); fds.has_value()) {
    add("process_open_fds", Type::kGauge, static_cast<double>(*fds));
  }
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    add("process_max_fds", Type::kGauge, static_cast<double>(limit.rlim_cur));
  }
  return out;
}

}  // namespace warp::server
