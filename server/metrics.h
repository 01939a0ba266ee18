// Prometheus metrics of an agent, kept in a prometheus-cpp registry and
// rendered in the text exposition format (0.0.4) for /metrics: `# HELP` and
// `# TYPE` for every family, histograms with cumulative `le` buckets, `_sum`
// and `_count`.
//
// Adding a metric takes two lines: its help text in the catalogue at the top
// of metrics.cc, and its use, e.g.
//   metrics.counter("warp_connections_refused_total").Increment();
// or, for a value some part keeps itself,
//   metrics.computed_counter("warp_reads_paused_total",
//                            [server] { return server->reads_paused(); });
//
// Thread-safety: thread-safe. counter() and histogram() find the series
// under a lock (keep the returned reference on hot paths: it lives as long
// as the Metrics); Increment() and Observe() take no lock of ours.
#ifndef WARP_SERVER_METRICS_H_
#define WARP_SERVER_METRICS_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace prometheus {
class Counter;
class Histogram;
class Registry;
template <typename T>
class Family;
}  // namespace prometheus

namespace warp::server {

// Label names to values, e.g. {{"op", "get"}, {"outcome", "ok"}}. Values are
// escaped when rendered.
using Labels = std::map<std::string, std::string>;

// One series of a counter family: only goes up.
class Counter {
 public:
  void Increment(double by = 1);
  double value() const;

 private:
  friend class Metrics;
  explicit Counter(prometheus::Counter* impl) : impl_(impl) {}
  prometheus::Counter* impl_;
};

// One series of a latency histogram, in seconds.
class Histogram {
 public:
  // The buckets' upper bounds, seconds (+Inf is implied).
  static const std::vector<double>& Bounds();
  void Observe(absl::Duration d);

 private:
  friend class Metrics;
  explicit Histogram(prometheus::Histogram* impl) : impl_(impl) {}
  prometheus::Histogram* impl_;
};

// A family whose values are computed when /metrics is scraped.
struct ComputedFamily {
  enum class Type { kCounter, kGauge };
  struct Sample {
    Labels labels;
    double value = 0;
  };
  std::string name;
  Type type = Type::kGauge;
  std::vector<Sample> samples;
};

// A family of one unlabelled sample.
ComputedFamily OneSample(std::string name, ComputedFamily::Type type, double value);

class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // The series `name`{labels}, created at zero on first use.
  Counter& counter(const std::string& name, const Labels& labels = {});
  Histogram& histogram(const std::string& name, const Labels& labels = {});

  // An unlabelled gauge, or a counter kept elsewhere, read at each scrape.
  // Registering `name` again replaces the function.
  void gauge(const std::string& name, std::function<double()> value);
  void computed_counter(const std::string& name, std::function<double()> value);
  // Families computed together at each scrape (e.g. one pass over the
  // groups for several lag families), registered under `key`. `collect`
  // runs without our lock held, so it may use counter() and histogram().
  void collector(const std::string& key, std::function<std::vector<ComputedFamily>()> collect);

  // Every family, sorted by name, in the text exposition format.
  std::string Render() const;

  // The help text of `name` from the catalogue in metrics.cc; a placeholder
  // naming the catalogue for a metric that is missing from it.
  static std::string HelpFor(const std::string& name);

 private:
  template <typename T>
  using Series = std::map<std::pair<std::string, Labels>, std::unique_ptr<T>>;

  std::unique_ptr<prometheus::Registry> registry_;
  mutable absl::Mutex mu_;
  std::map<std::string, prometheus::Family<prometheus::Counter>*> counter_families_
      ABSL_GUARDED_BY(mu_);
  std::map<std::string, prometheus::Family<prometheus::Histogram>*> histogram_families_
      ABSL_GUARDED_BY(mu_);
  Series<Counter> counters_ ABSL_GUARDED_BY(mu_);
  Series<Histogram> histograms_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::function<std::vector<ComputedFamily>()>> collectors_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace warp::server

#endif  // WARP_SERVER_METRICS_H_
