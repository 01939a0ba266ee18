// Prometheus metrics of an agent: counters, gauges and latency histograms,
// rendered in the text exposition format for /metrics.
// Thread-safe; updates are lock-free atomics.
#ifndef WARP_SERVER_METRICS_H_
#define WARP_SERVER_METRICS_H_

#include <array>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace warp::server {

class Histogram {
 public:
  // Upper bounds in seconds.
  static constexpr std::array<double, 14> kBounds = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
      0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  void Observe(absl::Duration d);
  std::string Render(const std::string& name, const std::string& labels) const;

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micros_{0};
};

class Metrics {
 public:
  // A counter or histogram by full name with labels, e.g.
  // counter("warp_object_store_requests_total", "op=\"get\",outcome=\"ok\"").
  std::atomic<uint64_t>& counter(const std::string& name, const std::string& labels = "");
  Histogram& histogram(const std::string& name, const std::string& labels = "");
  // A gauge, or a counter kept elsewhere, computed when rendered.
  void gauge(const std::string& name, std::function<double()> value);
  void computed_counter(const std::string& name, std::function<double()> value);
  // Metrics with labels computed when rendered: `render` returns complete
  // exposition lines (with their # TYPE lines). Registered under `name`.
  void collector(const std::string& name, std::function<std::string()> render);

  std::string Render() const;

 private:
  // Everything but the collectors, under the lock.
  std::string RenderLocked() const;

  mutable absl::Mutex mu_;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<std::atomic<uint64_t>>>
      counters_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<std::string, std::string>, std::unique_ptr<Histogram>> histograms_
      ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::function<double()>> gauges_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::function<double()>> computed_counters_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::function<std::string()>> collectors_ ABSL_GUARDED_BY(mu_);
};

}  // namespace warp::server

#endif  // WARP_SERVER_METRICS_H_
