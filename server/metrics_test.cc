#include "server/metrics.h"

#include <fcntl.h>
#include <unistd.h>

#include <ctime>

#include "gtest/gtest.h"
#include "server/exposition_check.h"
#include "server/process_metrics.h"

namespace warp::server {
namespace {

std::map<std::string, ExpositionFamily> Parse(const Metrics& metrics) {
  std::string text = metrics.Render();
  auto parsed = ParseExposition(text);
  EXPECT_TRUE(parsed.ok()) << parsed.status() << "\n" << text;
  return parsed.ok() ? *parsed : std::map<std::string, ExpositionFamily>{};
}

double Value(const ExpositionFamily& family, const std::string& name, const Labels& labels = {}) {
  for (const ExpositionSample& s : family.samples) {
    if (s.name == name && s.labels == labels) return s.value;
  }
  ADD_FAILURE() << "no sample " << name;
  return -1;
}

TEST(MetricsTest, EveryKindRendersWithHelpAndType) {
  Metrics metrics;
  metrics.counter("warp_produce_requests_total").Increment();
  metrics.counter("warp_produce_requests_total").Increment(2);
  metrics.counter("warp_object_store_requests_total", {{"op", "get"}, {"outcome", "ok"}})
      .Increment();
  metrics.counter("warp_object_store_requests_total", {{"op", "put"}, {"outcome", "error"}});
  Histogram& latency = metrics.histogram("warp_object_store_latency_seconds", {{"op", "get"}});
  latency.Observe(absl::Milliseconds(3));
  latency.Observe(absl::Seconds(30));
  metrics.gauge("warp_buffered_bytes", [] { return 42.0; });
  metrics.computed_counter("warp_cache_hits_total", [] { return 7.0; });

  std::map<std::string, ExpositionFamily> families = Parse(metrics);
  ASSERT_EQ(families.size(), 5u);
  EXPECT_EQ(families["warp_produce_requests_total"].type, "counter");
  EXPECT_EQ(families["warp_produce_requests_total"].help, "Produce requests received.");
  EXPECT_EQ(Value(families["warp_produce_requests_total"], "warp_produce_requests_total"), 3);
  const ExpositionFamily& requests = families["warp_object_store_requests_total"];
  EXPECT_EQ(Value(requests, "warp_object_store_requests_total", {{"op", "get"}, {"outcome", "ok"}}),
            1);
  EXPECT_EQ(
      Value(requests, "warp_object_store_requests_total", {{"op", "put"}, {"outcome", "error"}}),
      0);
  const ExpositionFamily& histogram = families["warp_object_store_latency_seconds"];
  EXPECT_EQ(histogram.type, "histogram");
  const std::string h = "warp_object_store_latency_seconds";
  EXPECT_EQ(Value(histogram, h + "_bucket", {{"op", "get"}, {"le", "0.0025"}}), 0);
  EXPECT_EQ(Value(histogram, h + "_bucket", {{"op", "get"}, {"le", "0.005"}}), 1);
  EXPECT_EQ(Value(histogram, h + "_bucket", {{"op", "get"}, {"le", "10"}}), 1);
  EXPECT_EQ(Value(histogram, h + "_bucket", {{"op", "get"}, {"le", "+Inf"}}), 2);
  EXPECT_EQ(Value(histogram, h + "_count", {{"op", "get"}}), 2);
  EXPECT_NEAR(Value(histogram, h + "_sum", {{"op", "get"}}), 30.003, 1e-9);
  EXPECT_EQ(families["warp_buffered_bytes"].type, "gauge");
  EXPECT_EQ(Value(families["warp_buffered_bytes"], "warp_buffered_bytes"), 42);
  EXPECT_EQ(families["warp_cache_hits_total"].type, "counter");
  EXPECT_EQ(Value(families["warp_cache_hits_total"], "warp_cache_hits_total"), 7);
}

TEST(MetricsTest, SeriesAreStableAndShared) {
  Metrics metrics;
  Counter& a = metrics.counter("warp_fetch_requests_total");
  Counter& b = metrics.counter("warp_fetch_requests_total");
  EXPECT_EQ(&a, &b);
  a.Increment();
  EXPECT_EQ(b.value(), 1);
  EXPECT_NE(&metrics.counter("warp_object_store_bytes_total", {{"op", "get"}}),
            &metrics.counter("warp_object_store_bytes_total", {{"op", "put"}}));
}

TEST(MetricsTest, CollectorsComputeLabelledFamiliesWithEscapedValues) {
  Metrics metrics;
  int scrapes = 0;
  metrics.collector("lag", [&scrapes] {
    ++scrapes;
    ComputedFamily records{"warp_group_lag_records", ComputedFamily::Type::kGauge, {}};
    records.samples.push_back({{{"group", "we\"ird\\ \n name"}, {"partition", "0"}}, 5});
    return std::vector<ComputedFamily>{
        records, OneSample("warp_group_lag_series_dropped", ComputedFamily::Type::kGauge, 0)};
  });
  // Registering a key again replaces its function.
  metrics.gauge("warp_connections", [] { return 1.0; });
  metrics.gauge("warp_connections", [] { return 2.0; });
  std::map<std::string, ExpositionFamily> families = Parse(metrics);
  EXPECT_EQ(scrapes, 1);
  EXPECT_EQ(Value(families["warp_group_lag_records"], "warp_group_lag_records",
                  {{"group", "we\"ird\\ \n name"}, {"partition", "0"}}),
            5);
  EXPECT_EQ(Value(families["warp_connections"], "warp_connections"), 2);
}

TEST(MetricsTest, CollectorsMayUseTheMetrics) {
  Metrics metrics;
  metrics.collector("reentrant", [&metrics] {
    metrics.counter("warp_job_errors_total").Increment();
    return std::vector<ComputedFamily>{};
  });
  metrics.Render();  // no deadlock
  EXPECT_EQ(metrics.counter("warp_job_errors_total").value(), 1);
  EXPECT_NE(metrics.Render().find("warp_job_errors_total 1\n"), std::string::npos);
}

TEST(MetricsTest, AMetricMissingFromTheCatalogueSaysSo) {
  EXPECT_EQ(Metrics::HelpFor("warp_connections"), "Open Kafka connections.");
  EXPECT_NE(Metrics::HelpFor("warp_new_thing_total").find("catalogue"), std::string::npos);
  Metrics metrics;
  metrics.counter("warp_new_thing_total").Increment();
  EXPECT_EQ(Parse(metrics)["warp_new_thing_total"].type, "counter");
}

TEST(ExpositionCheckTest, RefusesWhatPrometheusWouldNot) {
  EXPECT_TRUE(ParseExposition("# HELP a x\n# TYPE a counter\na 1\n").ok());
  EXPECT_FALSE(ParseExposition("# TYPE a counter\na 1\n").ok());                 // no HELP
  EXPECT_FALSE(ParseExposition("a 1\n").ok());                                   // undeclared
  EXPECT_FALSE(ParseExposition("# HELP a x\n# TYPE a counter\na -1\n").ok());    // negative
  EXPECT_FALSE(ParseExposition("# HELP a x\n# TYPE a gauge\na{b=\"c} 1\n").ok());  // quote
  EXPECT_FALSE(ParseExposition("# HELP a x\n# TYPE a gauge\na one\n").ok());
  EXPECT_FALSE(ParseExposition("# HELP a x\n# TYPE a gauge\n# HELP b y\n# TYPE b gauge\n"
                               "a 1\nb 1\n")
                   .ok());  // a's samples apart from its declaration
  const char* histogram =
      "# HELP h x\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} %s\n"
      "h_sum 3\nh_count 3\n";
  char good[256], bad[256];
  snprintf(good, sizeof(good), histogram, "3");
  snprintf(bad, sizeof(bad), histogram, "1");
  EXPECT_TRUE(ParseExposition(good).ok()) << ParseExposition(good).status();
  EXPECT_FALSE(ParseExposition(bad).ok());
}

TEST(ProcessMetricsTest, ParsesProcStatWhateverTheCommandName) {
  std::string stat =
      "4242 (we ird) (name) S 1 4242 4242 0 -1 4194560 500 0 0 0 150 25 0 0 20 0 3 0 "
      "12345 104857600 2560 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
  std::optional<ProcStat> parsed = ParseProcStat(stat);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->utime_ticks, 150u);
  EXPECT_EQ(parsed->stime_ticks, 25u);
  EXPECT_EQ(parsed->start_ticks, 12345u);
  EXPECT_EQ(parsed->vsize_bytes, 104857600u);
  EXPECT_EQ(parsed->rss_pages, 2560u);
  EXPECT_FALSE(ParseProcStat("4242 (cut) S 1 2 3").has_value());
  EXPECT_FALSE(ParseProcStat("no parenthesis").has_value());
  EXPECT_EQ(ParseBootTime("cpu  1 2 3\nbtime 1700000000\nprocesses 9\n"), 1700000000);
  EXPECT_FALSE(ParseBootTime("cpu 1 2 3\n").has_value());
}

TEST(ProcessMetricsTest, TheStandardFourAreThereAndSane) {
  Metrics metrics;
  metrics.collector("process", &CollectProcessMetrics);
  std::map<std::string, ExpositionFamily> before = Parse(metrics);
  for (const char* name : {"process_cpu_seconds_total", "process_resident_memory_bytes",
                           "process_open_fds", "process_start_time_seconds",
                           "process_virtual_memory_bytes", "process_max_fds"}) {
    ASSERT_EQ(before[name].samples.size(), 1u) << name;
    EXPECT_EQ(before[name].help, Metrics::HelpFor(name));
  }
  EXPECT_EQ(before["process_cpu_seconds_total"].type, "counter");
  EXPECT_GE(before["process_cpu_seconds_total"].samples[0].value, 0);
  double rss = before["process_resident_memory_bytes"].samples[0].value;
  EXPECT_GT(rss, 1 << 20);
  EXPECT_LT(rss, 64.0 * (1 << 30));
  double started = before["process_start_time_seconds"].samples[0].value;
  double now = static_cast<double>(time(nullptr));
  EXPECT_LE(started, now + 1);
  EXPECT_GT(started, now - 24 * 3600);
  // One more descriptor shows.
  int fd = open("/dev/null", O_RDONLY);
  ASSERT_GE(fd, 0);
  std::map<std::string, ExpositionFamily> after = Parse(metrics);
  close(fd);
  EXPECT_EQ(after["process_open_fds"].samples[0].value,
            before["process_open_fds"].samples[0].value + 1);
}

}  // namespace
}  // namespace warp::server
