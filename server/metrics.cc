#include "server/metrics.h"

#include "absl/strings/str_cat.h"

namespace warp::server {

void Histogram::Observe(absl::Duration d) {
  double s = absl::ToDoubleSeconds(d);
  size_t i = 0;
  while (i < kBounds.size() && s > kBounds[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<uint64_t>(absl::ToInt64Microseconds(d)),
                        std::memory_order_relaxed);
}

std::string Histogram::Render(const std::string& name, const std::string& labels) const {
  std::string out;
  std::string sep = labels.empty() ? "" : ",";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kBounds.size(); ++i) {
    cumulative += buckets_[i].load();
    absl::StrAppend(&out, name, "_bucket{", labels, sep, "le=\"", kBounds[i], "\"} ",
                    cumulative, "\n");
  }
  cumulative += buckets_[kBounds.size()].load();
  absl::StrAppend(&out, name, "_bucket{", labels, sep, "le=\"+Inf\"} ", cumulative, "\n");
  std::string braces = labels.empty() ? "" : absl::StrCat("{", labels, "}");
  absl::StrAppend(&out, name, "_sum", braces, " ", sum_micros_.load() / 1e6, "\n");
  absl::StrAppend(&out, name, "_count", braces, " ", count_.load(), "\n");
  return out;
}

std::atomic<uint64_t>& Metrics::counter(const std::string& name, const std::string& labels) {
  absl::MutexLock lock(&mu_);
  auto& slot = counters_[{name, labels}];
  if (!slot) slot = std::make_unique<std::atomic<uint64_t>>(0);
  return *slot;
}

Histogram& Metrics::histogram(const std::string& name, const std::string& labels) {
  absl::MutexLock lock(&mu_);
  auto& slot = histograms_[{name, labels}];
  if (!slot) slot = std::make_unique<Histogram>();
  return *slot;
}

void Metrics::gauge(const std::string& name, std::function<double()> value) {
  absl::MutexLock lock(&mu_);
  gauges_[name] = std::move(value);
}

void Metrics::computed_counter(const std::string& name, std::function<double()> value) {
  absl::MutexLock lock(&mu_);
  computed_counters_[name] = std::move(value);
}

void Metrics::collector(const std::string& name, std::function<std::string()> render) {
  absl::MutexLock lock(&mu_);
  collectors_[name] = std::move(render);
}

std::string Metrics::Render() const {
  std::string out = RenderLocked();
  // Collectors run unlocked: they read stores whose wrappers update metrics.
  std::map<std::string, std::function<std::string()>> collectors;
  {
    absl::MutexLock lock(&mu_);
    collectors = collectors_;
  }
  for (const auto& [name, render] : collectors) out += render();
  return out;
}

std::string Metrics::RenderLocked() const {
  absl::MutexLock lock(&mu_);
  std::string out;
  std::string last;
  for (const auto& [key, value] : counters_) {
    if (key.first != last) absl::StrAppend(&out, "# TYPE ", key.first, " counter\n");
    last = key.first;
    absl::StrAppend(&out, key.first, key.second.empty() ? "" : absl::StrCat("{", key.second, "}"),
                    " ", value->load(), "\n");
  }
  for (const auto& [name, fn] : computed_counters_) {
    absl::StrAppend(&out, "# TYPE ", name, " counter\n", name, " ", fn(), "\n");
  }
  for (const auto& [name, fn] : gauges_) {
    absl::StrAppend(&out, "# TYPE ", name, " gauge\n", name, " ", fn(), "\n");
  }
  last.clear();
  for (const auto& [key, h] : histograms_) {
    if (key.first != last) absl::StrAppend(&out, "# TYPE ", key.first, " histogram\n");
    last = key.first;
    out += h->Render(key.first, key.second);
  }
  return out;
}

}  // namespace warp::server
