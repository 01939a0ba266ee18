#include "server/metrics.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/metric_family.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

namespace warp::server {
namespace {

// The catalogue: the # HELP text of every metric warpd exports. A new
// metric gets its line here.
const absl::flat_hash_map<std::string, std::string>& Catalogue() {
  static const auto* catalogue = new absl::flat_hash_map<std::string, std::string>{
      // Object store (the bucket), by operation.
      {"warp_object_store_requests_total", "Bucket requests, by operation and outcome."},
      {"warp_object_store_bytes_total", "Bytes put to or read from the bucket, by operation."},
      {"warp_object_store_latency_seconds", "Latency of bucket requests, by operation."},
      // Kafka requests.
      {"warp_produce_requests_total", "Produce requests received."},
      {"warp_produce_bytes_total", "Bytes of record batches accepted by Produce."},
      {"warp_produce_latency_seconds",
       "Time from a Produce request to its answer (flush and commit included)."},
      {"warp_fetch_requests_total", "Fetch requests received."},
      {"warp_fetch_bytes_total", "Bytes of record batches returned by Fetch."},
      {"warp_fetch_latency_seconds", "Time from a Fetch request to its answer (waits included)."},
      {"warp_connections", "Open Kafka connections."},
      {"warp_sasl_authentications_total", "SASL logins that succeeded."},
      {"warp_sasl_authentication_failures_total",
       "SASL logins that failed (wrong credentials, unknown users, malformed exchanges)."},
      {"warp_connections_refused_total",
       "Kafka connections closed at accept by --max_connections or --max_connections_per_ip."},
      {"warp_reads_paused_total",
       "Times a Kafka connection stopped being read: over its or the global byte budget, or "
       "512 requests unanswered."},
      {"warp_request_bytes_in_flight",
       "Bytes of Kafka requests (until answered) and unsent responses held by all connections."},
      // Metadata journal.
      {"warp_metadata_commits_total", "Commands committed to the metadata journal, by outcome."},
      {"warp_metadata_commit_latency_seconds", "Latency of metadata journal commits."},
      {"warp_metadata_syncs_total",
       "Linearizable reads of the metadata journal (Sync: an etcd round trip)."},
      // Producer and cache.
      {"warp_buffered_bytes", "Bytes accepted by the producer and not yet flushed."},
      {"warp_cache_hits_total", "Block cache lookups answered from memory."},
      {"warp_cache_misses_total", "Block cache lookups that read the bucket."},
      // Consumer groups.
      {"warp_group_lag_records",
       "Records between a group's committed offset and the high watermark."},
      {"warp_group_lag_seconds",
       "Seconds since a lagging group's last commit of the partition; 0 when caught up."},
      {"warp_group_lag_series_dropped",
       "Group lag label sets not exported (beyond --group_lag_max_series)."},
      // Transactions.
      {"warp_transactions_open", "Transactions open in the cluster (the journal's view)."},
      {"warp_transaction_commits_total", "Transactions committed through this agent (EndTxn)."},
      {"warp_transaction_aborts_total", "Transactions aborted through this agent (EndTxn)."},
      {"warp_transaction_timeouts_total",
       "Transactions past their timeout aborted by this agent as their coordinator."},
      {"warp_transaction_commit_latency_seconds",
       "Time from an EndTxn request to its markers durable in the journal."},
      // Background jobs.
      {"warp_compactions_total", "Compaction merges committed by this agent."},
      {"warp_compaction_bytes_total", "Bytes written by compaction."},
      {"warp_compaction_read_bytes_total", "Bytes read by compaction."},
      {"warp_objects_deleted_total", "Dead objects deleted from the bucket by garbage collection."},
      {"warp_retention_deleted_records_total", "Records removed by retention."},
      {"warp_keyed_compactions_total", "Keyed compactions (cleanup.policy=compact) committed."},
      {"warp_keyed_compaction_removed_records_total",
       "Records superseded by a newer value of their key and removed."},
      {"warp_job_errors_total", "Background job passes that failed."},
      // The process (read from /proc).
      {"process_cpu_seconds_total", "Total user and system CPU time spent in seconds."},
      {"process_resident_memory_bytes", "Resident memory size in bytes."},
      {"process_virtual_memory_bytes", "Virtual memory size in bytes."},
      {"process_open_fds", "Number of open file descriptors."},
      {"process_max_fds", "Maximum number of open file descriptors."},
      {"process_start_time_seconds", "Start time of the process since unix epoch in seconds."},
  };
  return *catalogue;
}

// The family `name` in `families`, registered with `build` on first use.
template <typename T, typename Builder>
prometheus::Family<T>& FindOrRegister(std::map<std::string, prometheus::Family<T>*>& families,
                                      const std::string& name, Builder build,
                                      prometheus::Registry& registry) {
  prometheus::Family<T>*& family = families[name];
  if (family == nullptr) {
    family = &build.Name(name).Help(Metrics::HelpFor(name)).Register(registry);
  }
  return *family;
}

prometheus::MetricFamily ToPrometheus(const ComputedFamily& computed) {
  prometheus::MetricFamily family;
  family.name = computed.name;
  family.help = Metrics::HelpFor(computed.name);
  bool counter = computed.type == ComputedFamily::Type::kCounter;
  family.type = counter ? prometheus::MetricType::Counter : prometheus::MetricType::Gauge;
  for (const ComputedFamily::Sample& sample : computed.samples) {
    prometheus::ClientMetric& metric = family.metric.emplace_back();
    for (const auto& [name, value] : sample.labels) metric.label.push_back({name, value});
    (counter ? metric.counter.value : metric.gauge.value) = sample.value;
  }
  return family;
}

}  // namespace

ComputedFamily OneSample(std::string name, ComputedFamily::Type type, double value) {
  return {std::move(name), type, {{{}, value}}};
}

void Counter::Increment(double by) { impl_->Increment(by); }

double Counter::value() const { return impl_->Value(); }

const std::vector<double>& Histogram::Bounds() {
  static const auto* bounds = new std::vector<double>{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return *bounds;
}

void Histogram::Observe(absl::Duration d) { impl_->Observe(absl::ToDoubleSeconds(d)); }

Metrics::Metrics() : registry_(std::make_unique<prometheus::Registry>()) {}

Metrics::~Metrics() = default;

std::string Metrics::HelpFor(const std::string& name) {
  auto it = Catalogue().find(name);
  if (it != Catalogue().end()) return it->second;
  return absl::StrCat(name, " (not in the catalogue of server/metrics.cc)");
}

Counter& Metrics::counter(const std::string& name, const Labels& labels) {
  absl::MutexLock lock(&mu_);
  std::unique_ptr<Counter>& slot = counters_[{name, labels}];
  if (slot == nullptr) {
    auto& family =
        FindOrRegister(counter_families_, name, prometheus::BuildCounter(), *registry_);
    slot.reset(new Counter(&family.Add(labels)));
  }
  return *slot;
}

Histogram& Metrics::histogram(const std::string& name, const Labels& labels) {
  absl::MutexLock lock(&mu_);
  std::unique_ptr<Histogram>& slot = histograms_[{name, labels}];
  if (slot == nullptr) {
    auto& family =
        FindOrRegister(histogram_families_, name, prometheus::BuildHistogram(), *registry_);
    slot.reset(new Histogram(&family.Add(labels, Histogram::Bounds())));
  }
  return *slot;
}

void Metrics::gauge(const std::string& name, std::function<double()> value) {
  collector(name, [name, value = std::move(value)] {
    return std::vector<ComputedFamily>{OneSample(name, ComputedFamily::Type::kGauge, value())};
  });
}

void Metrics::computed_counter(const std::string& name, std::function<double()> value) {
  collector(name, [name, value = std::move(value)] {
    return std::vector<ComputedFamily>{OneSample(name, ComputedFamily::Type::kCounter, value())};
  });
}

void Metrics::collector(const std::string& key,
                        std::function<std::vector<ComputedFamily>()> collect) {
  absl::MutexLock lock(&mu_);
  collectors_[key] = std::move(collect);
}

std::string Metrics::Render() const {
  // The registry has its own locks; collectors run unlocked because they
  // read stores whose wrappers update metrics.
  std::vector<prometheus::MetricFamily> families = registry_->Collect();
  std::map<std::string, std::function<std::vector<ComputedFamily>()>> collectors;
  {
    absl::MutexLock lock(&mu_);
    collectors = collectors_;
  }
  for (const auto& [key, collect] : collectors) {
    for (const ComputedFamily& computed : collect()) families.push_back(ToPrometheus(computed));
  }
  std::sort(families.begin(), families.end(),
            [](const prometheus::MetricFamily& a, const prometheus::MetricFamily& b) {
              return a.name < b.name;
            });
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace warp::server
