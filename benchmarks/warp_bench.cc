// warp_bench: whole-system load through a real Kafka client (librdkafka's C
// API) against warpd or any Kafka-compatible broker, and, with --mock, the same
// workload against librdkafka's in-memory mock cluster in the same run: the
// ceiling for this client on this machine, with no durability behind it.
//
// Workloads (--workload):
//   produce  --producers threads, each with its own rd_kafka_t, produce
//            --record_size records for --duration_s (at --rate records/s in
//            total, or as fast as the client's queue allows with --rate=0).
//            Produce latency = delivery report time - produce() call time.
//   consume  a produce phase as above fills the topic, then one consumer reads
//            it back from the earliest offsets (stops when it has read every
//            acknowledged record, or after --duration_s).
//   e2e      one consumer tails every partition from its end while the
//            producers run; end-to-end latency = consumer receive time - the
//            wall-clock time written into the first 8 bytes of each value.
//
// Printed: records/s and MiB/s (record values only), latency p50/p99/p99.9,
// delivery errors, and, for the agent, object-store PUTs/s and GETs/s from the
// delta of warp_object_store_requests_total{op="put"|"get"} on --metrics_url
// over the measured window. Results and commands: docs/benchmarks.md.
//
//   bazel build //benchmarks:warp_bench
//   bazel-bin/benchmarks/warp_bench --workload=produce --partitions=16
//       --duration_s=15 --bootstrap=127.0.0.1:9092 --mock
#include <curl/curl.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "benchmarks/rdkafka_client.h"

ABSL_FLAG(std::string, workload, "produce", "produce, consume or e2e.");
ABSL_FLAG(std::string, bootstrap, "127.0.0.1:9092",
          "The broker to load (HOST:PORT). Empty with --mock: the mock "
          "cluster only.");
ABSL_FLAG(std::string, topic, "warp_bench", "Topic to load.");
ABSL_FLAG(int, partitions, 16,
          "Partitions of the topic, created with the admin API if missing.");
ABSL_FLAG(int, record_size, 1024, "Bytes per record value (at least 8).");
ABSL_FLAG(int, producers, 1, "Producer threads, each with its own client.");
ABSL_FLAG(double, rate, 0,
          "Target records/s over all producers; 0 = as fast as possible.");
ABSL_FLAG(double, duration_s, 10, "Length of the measured produce window.");
ABSL_FLAG(int, inflight, 50,
          "max.in.flight.requests.per.connection. Brokers that acknowledge "
          "after an object-store PUT need many requests in flight.");
ABSL_FLAG(int, linger_ms, 5, "linger.ms of the producers.");
ABSL_FLAG(int, batch_bytes, 1 << 20, "batch.size of the producers.");
ABSL_FLAG(std::string, acks, "all", "acks: 0, 1 or all.");
ABSL_FLAG(std::string, compression, "none",
          "compression.type: none, gzip, snappy, lz4 or zstd.");
ABSL_FLAG(std::string, metrics_url, "http://127.0.0.1:8080/metrics",
          "The agent's Prometheus endpoint for PUTs/s and GETs/s; empty: "
          "none.");
ABSL_FLAG(std::vector<std::string>, client_config, {},
          "librdkafka settings NAME=VALUE,... for the clients of --bootstrap (not the "
          "mock), as kcat's -X: security.protocol=sasl_ssl,sasl.mechanisms=SCRAM-SHA-512,...");
ABSL_FLAG(bool, mock, false,
          "Also run the workload against librdkafka's mock cluster.");
ABSL_FLAG(int, mock_brokers, 1, "Brokers of the mock cluster.");

namespace warp::bench {
namespace {

// One row of the results: a phase (produce, consume, e2e) of one target.
struct ObjectStoreRates {
  std::optional<double> puts_per_s, gets_per_s;  // unset: not measured
};

struct PhaseFigures {
  std::string phase;
  std::string latency_kind;  // "produce" or "end-to-end"
  double seconds = 0;
  uint64_t records = 0;
  uint64_t errors = 0;
  int64_t last_record_micros = 0;  // consumers: when the last record came
  LatencyHistogram latency;
  ObjectStoreRates rates;
};

// /metrics

size_t AppendToString(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

struct ObjectStoreCounts {
  double puts = 0, gets = 0;
};

// Sums warp_object_store_requests_total over outcomes, per op.
absl::StatusOr<ObjectStoreCounts> ScrapeObjectStoreCounts(
    const std::string& url) {
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(),
                                              curl_easy_cleanup);
  std::string body;
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, AppendToString);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, 5000L);
  CURLcode rc = curl_easy_perform(curl.get());
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  if (rc != CURLE_OK || status != 200) {
    return absl::UnavailableError(absl::StrCat(
        "GET ", url, ": ", rc != CURLE_OK ? curl_easy_strerror(rc) : "HTTP ",
        rc != CURLE_OK ? "" : absl::StrCat(status)));
  }
  constexpr absl::string_view kName = "warp_object_store_requests_total{";
  ObjectStoreCounts counts;
  for (absl::string_view line : absl::StrSplit(body, '\n')) {
    if (line.substr(0, kName.size()) != kName) continue;
    size_t space = line.rfind(' ');
    double value = 0;
    if (space == absl::string_view::npos ||
        !absl::SimpleAtod(line.substr(space + 1), &value)) {
      continue;
    }
    if (line.find("op=\"put\"") != absl::string_view::npos)
      counts.puts += value;
    if (line.find("op=\"get\"") != absl::string_view::npos)
      counts.gets += value;
  }
  return counts;
}

// Brackets a measured window with two scrapes; no-op without a URL.
class ObjectStoreRateMeter {
 public:
  explicit ObjectStoreRateMeter(std::string url) : url_(std::move(url)) {}
  void Start() {
    start_ = Scrape();
    start_time_ = absl::Now();
  }
  ObjectStoreRates Stop() {
    std::optional<ObjectStoreCounts> end = Scrape();
    double s = absl::ToDoubleSeconds(absl::Now() - start_time_);
    if (!start_ || !end || s <= 0) return {};
    return {(end->puts - start_->puts) / s, (end->gets - start_->gets) / s};
  }

 private:
  std::optional<ObjectStoreCounts> Scrape() {
    if (url_.empty()) return std::nullopt;
    absl::StatusOr<ObjectStoreCounts> counts = ScrapeObjectStoreCounts(url_);
    if (!counts.ok()) {
      std::fprintf(stderr, "warp_bench: %s\n",
                   std::string(counts.status().message()).c_str());
      return std::nullopt;
    }
    return *counts;
  }

  std::string url_;
  std::optional<ObjectStoreCounts> start_;
  absl::Time start_time_;
};

// Producers

// Per producer thread; updated only by that thread's delivery callbacks.
struct ProducerStats {
  int64_t window_end_micros = 0;
  uint64_t acked_in_window = 0;
  uint64_t errors = 0;
  rd_kafka_resp_err_t first_error = RD_KAFKA_RESP_ERR_NO_ERROR;
  LatencyHistogram latency;
};

// The produce() call time travels as the message opaque.
void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  auto* stats = static_cast<ProducerStats*>(opaque);
  int64_t now = NowMicros();
  if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (stats->errors++ == 0) stats->first_error = message->err;
    return;
  }
  if (now < stats->window_end_micros) ++stats->acked_in_window;
  stats->latency.Record(now - reinterpret_cast<intptr_t>(message->_private));
}

Settings ProducerSettings(const std::string& bootstrap) {
  int batch_bytes = absl::GetFlag(FLAGS_batch_bytes);
  return {
      {"bootstrap.servers", bootstrap},
      {"acks", absl::GetFlag(FLAGS_acks)},
      {"linger.ms", absl::StrCat(absl::GetFlag(FLAGS_linger_ms))},
      {"batch.size", absl::StrCat(batch_bytes)},
      {"message.max.bytes",
       absl::StrCat(std::max(1000000, batch_bytes + 4096))},
      {"compression.type", absl::GetFlag(FLAGS_compression)},
      {"max.in.flight.requests.per.connection",
       absl::StrCat(absl::GetFlag(FLAGS_inflight))},
      // Bounds what waits in the client (and so memory and queueing time) when
      // producing as fast as possible.
      {"queue.buffering.max.kbytes", "65536"},
      {"queue.buffering.max.messages", "1000000"},
  };
}

// A record value: the produce time (µs since the epoch, little-endian) and
// pseudo-random letters.
std::string RecordTemplate(int size, unsigned seed) {
  std::string value(std::max(size, 8), '\0');
  std::mt19937 rng(seed);
  for (size_t i = 8; i < value.size(); ++i) value[i] = 'a' + rng() % 26;
  return value;
}

// Runs --producers threads until `end`, then waits for every delivery report.
PhaseFigures Produce(const std::string& bootstrap, const std::string& topic,
                     absl::Time end) {
  int producers = absl::GetFlag(FLAGS_producers);
  double rate_per_thread = absl::GetFlag(FLAGS_rate) / producers;
  int record_size = absl::GetFlag(FLAGS_record_size);
  absl::Time start = absl::Now();
  std::vector<ProducerStats> stats(producers);
  std::vector<std::thread> threads;
  std::atomic<bool> failed{false};
  for (int t = 0; t < producers; ++t) {
    threads.emplace_back([&, t] {
      ProducerStats& s = stats[t];
      s.window_end_micros = absl::ToUnixMicros(end);
      absl::StatusOr<KafkaPtr> rk = NewClient(
          RD_KAFKA_PRODUCER, ProducerSettings(bootstrap), &s, OnDelivery);
      if (!rk.ok()) {
        std::fprintf(stderr, "warp_bench: %s\n",
                     std::string(rk.status().message()).c_str());
        failed = true;
        return;
      }
      TopicPtr rkt(rd_kafka_topic_new(rk->get(), topic.c_str(), nullptr));
      std::string value = RecordTemplate(record_size, t);
      uint64_t sent = 0;
      for (;;) {
        int64_t now = NowMicros();
        if (now >= s.window_end_micros) break;
        if (rate_per_thread > 0) {
          double due =
              (now - absl::ToUnixMicros(start)) * 1e-6 * rate_per_thread;
          if (sent >= due) {
            rd_kafka_poll(rk->get(), 1);
            continue;
          }
        }
        std::memcpy(value.data(), &now, sizeof(now));
        if (rd_kafka_produce(
                rkt.get(), RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY,
                value.data(), value.size(), nullptr, 0,
                reinterpret_cast<void*>(static_cast<intptr_t>(now))) != 0) {
          rd_kafka_resp_err_t err = rd_kafka_last_error();
          if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            std::fprintf(stderr, "warp_bench: produce: %s\n",
                         rd_kafka_err2str(err));
            failed = true;
            break;
          }
          rd_kafka_poll(rk->get(), 1);
          continue;
        }
        if (++sent % 64 == 0) rd_kafka_poll(rk->get(), 0);
      }
      if (rd_kafka_flush(rk->get(), 60000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        std::fprintf(stderr, "warp_bench: producer %d: flush timed out\n", t);
      }
    });
  }
  for (std::thread& th : threads) th.join();
  PhaseFigures figures;
  figures.phase = "produce";
  figures.latency_kind = "produce";
  figures.seconds = absl::ToDoubleSeconds(end - start);
  for (const ProducerStats& s : stats) {
    figures.records += s.acked_in_window;
    figures.errors += s.errors;
    figures.latency.Merge(s.latency);
    if (s.errors > 0) {
      std::fprintf(stderr, "warp_bench: %llu delivery errors, first: %s\n",
                   static_cast<unsigned long long>(s.errors),
                   rd_kafka_err2str(s.first_error));
    }
  }
  if (failed) figures.errors += 1;
  return figures;
}

// Consumer (the simple consumer API: partitions assigned by hand, no group)

class Consumer {
 public:
  // Starts fetching every partition of `topic`, from the earliest offsets or
  // from the current ends.
  static absl::StatusOr<std::unique_ptr<Consumer>> Start(
      const std::string& bootstrap, const std::string& topic, bool from_end) {
    absl::StatusOr<KafkaPtr> rk = NewClient(
        RD_KAFKA_CONSUMER, {{"bootstrap.servers", bootstrap},
                            // The mock cluster answers a fetch only after this
                            // wait (observed), which adds to its e2e latency.
                            {"fetch.wait.max.ms", "10"},
                            {"queued.min.messages", "10000"},
                            {"queued.max.messages.kbytes", "16384"}});
    if (!rk.ok()) return rk.status();
    auto consumer = std::unique_ptr<Consumer>(new Consumer(std::move(*rk)));
    consumer->topic_.reset(
        rd_kafka_topic_new(consumer->rk_.get(), topic.c_str(), nullptr));
    const rd_kafka_metadata_t* metadata = nullptr;
    rd_kafka_resp_err_t err = rd_kafka_metadata(
        consumer->rk_.get(), 0, consumer->topic_.get(), &metadata, 10000);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR || metadata->topic_cnt != 1) {
      if (metadata != nullptr) rd_kafka_metadata_destroy(metadata);
      return absl::UnavailableError(
          absl::StrCat("Metadata ", topic, ": ", rd_kafka_err2str(err)));
    }
    int partitions = metadata->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(metadata);
    std::vector<int64_t> offsets(partitions, RD_KAFKA_OFFSET_BEGINNING);
    if (from_end) {
      // The current ends, resolved before any record is produced.
      rd_kafka_topic_partition_list_t* list =
          rd_kafka_topic_partition_list_new(partitions);
      for (int p = 0; p < partitions; ++p) {
        rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset =
            RD_KAFKA_OFFSET_END;
      }
      err = rd_kafka_offsets_for_times(consumer->rk_.get(), list, 10000);
      for (int p = 0; p < partitions && err == RD_KAFKA_RESP_ERR_NO_ERROR;
           ++p) {
        offsets[p] = list->elems[p].offset;
      }
      rd_kafka_topic_partition_list_destroy(list);
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return absl::UnavailableError(
            absl::StrCat("ListOffsets ", topic, ": ", rd_kafka_err2str(err)));
      }
    }
    consumer->queue_.reset(rd_kafka_queue_new(consumer->rk_.get()));
    for (int p = 0; p < partitions; ++p) {
      if (rd_kafka_consume_start_queue(consumer->topic_.get(), p, offsets[p],
                                       consumer->queue_.get()) != 0) {
        return absl::UnavailableError(
            absl::StrCat("consume_start ", p, ": ",
                         rd_kafka_err2str(rd_kafka_last_error())));
      }
    }
    consumer->partitions_ = partitions;
    return consumer;
  }

  ~Consumer() {
    for (int p = 0; p < partitions_; ++p) {
      rd_kafka_consume_stop(topic_.get(), p);
    }
  }

  // Reads until `stop()` returns true (checked at least every 100 ms),
  // recording the end-to-end latency of each record when `e2e`.
  template <typename StopFn>
  void Run(bool e2e, StopFn stop, PhaseFigures* figures) {
    std::vector<rd_kafka_message_t*> batch(1024);
    while (!stop(figures->records)) {
      // Waits for one message, then takes what else is there: a batch call
      // with a timeout would hold the first message until the batch fills.
      rd_kafka_message_t* first = rd_kafka_consume_queue(queue_.get(), 100);
      if (first == nullptr) continue;
      batch[0] = first;
      ssize_t n =
          1 + std::max<ssize_t>(
                  0, rd_kafka_consume_batch_queue(
                         queue_.get(), 0, batch.data() + 1, batch.size() - 1));
      int64_t now = NowMicros();
      for (ssize_t i = 0; i < n; ++i) {
        rd_kafka_message_t* m = batch[i];
        if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
          ++figures->records;
          figures->last_record_micros = now;
          int64_t produced = 0;
          if (e2e && m->len >= sizeof(produced)) {
            std::memcpy(&produced, m->payload, sizeof(produced));
            figures->latency.Record(now - produced);
          }
        } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
          if (figures->errors++ == 0) {
            std::fprintf(stderr, "warp_bench: consume: %s\n",
                         rd_kafka_message_errstr(m));
          }
        }
        rd_kafka_message_destroy(m);
      }
    }
  }

 private:
  explicit Consumer(KafkaPtr rk) : rk_(std::move(rk)) {}

  KafkaPtr rk_;
  TopicPtr topic_;  // destroyed before rk_
  QueuePtr queue_;
  int partitions_ = 0;
};

// Workloads

struct Target {
  std::string name;
  std::string bootstrap;
  std::string metrics_url;  // empty: no object-store figures
  bool is_mock = false;     // its topic is made by the mock cluster
};

// Produces for `duration`, with the object-store rates of exactly that window
// (the delivery reports still due after it are waited for, not metered).
PhaseFigures ProduceMetered(const Target& target, const std::string& topic,
                            absl::Duration duration) {
  ObjectStoreRateMeter meter(target.metrics_url);
  meter.Start();
  absl::Time end = absl::Now() + duration;
  PhaseFigures figures;
  std::thread producers(
      [&] { figures = Produce(target.bootstrap, topic, end); });
  absl::SleepFor(end - absl::Now());
  ObjectStoreRates rates = meter.Stop();
  producers.join();
  figures.rates = rates;
  return figures;
}

double SecondsSince(absl::Time start, int64_t micros) {
  return std::max(0.0, (micros - absl::ToUnixMicros(start)) * 1e-6);
}

absl::StatusOr<std::vector<PhaseFigures>> RunWorkload(const Target& target) {
  std::string workload = absl::GetFlag(FLAGS_workload);
  std::string topic = absl::GetFlag(FLAGS_topic);
  absl::Duration duration = absl::Seconds(absl::GetFlag(FLAGS_duration_s));
  std::vector<PhaseFigures> rows;

  if (workload == "produce") {
    rows.push_back(ProduceMetered(target, topic, duration));
    return rows;
  }

  if (workload == "consume") {
    rows.push_back(ProduceMetered(target, topic, duration));
    rows.back().phase = "produce (fill)";
    // Reads back every record acknowledged (with a --duration_s limit).
    uint64_t expected = rows.back().latency.count();
    absl::StatusOr<std::unique_ptr<Consumer>> consumer =
        Consumer::Start(target.bootstrap, topic, /*from_end=*/false);
    if (!consumer.ok()) return consumer.status();
    PhaseFigures consumed;
    consumed.phase = "consume";
    ObjectStoreRateMeter meter(target.metrics_url);
    meter.Start();
    absl::Time start = absl::Now();
    absl::Time deadline = start + duration;
    (*consumer)->Run(
        /*e2e=*/false,
        [&](uint64_t n) { return n >= expected || absl::Now() >= deadline; },
        &consumed);
    consumed.rates = meter.Stop();
    consumed.seconds = SecondsSince(start, consumed.last_record_micros);
    if (consumed.records < expected) {
      std::fprintf(stderr,
                   "warp_bench: consume: read %llu of %llu records in "
                   "--duration_s\n",
                   static_cast<unsigned long long>(consumed.records),
                   static_cast<unsigned long long>(expected));
    }
    rows.push_back(std::move(consumed));
    return rows;
  }

  if (workload == "e2e") {
    absl::StatusOr<std::unique_ptr<Consumer>> consumer =
        Consumer::Start(target.bootstrap, topic, /*from_end=*/true);
    if (!consumer.ok()) return consumer.status();
    PhaseFigures received;
    received.phase = "e2e consume";
    received.latency_kind = "end-to-end";
    std::atomic<bool> producing{true};
    std::atomic<uint64_t> expected{UINT64_MAX};
    absl::Time start = absl::Now();
    std::thread reader([&] {
      (*consumer)->Run(
          /*e2e=*/true,
          [&](uint64_t n) {
            // Drains what was produced, for at most 10 s more.
            return !producing &&
                   (n >= expected ||
                    absl::Now() > start + duration + absl::Seconds(10));
          },
          &received);
    });
    PhaseFigures produced = ProduceMetered(target, topic, duration);
    uint64_t acknowledged = produced.latency.count();
    expected = acknowledged;
    producing = false;
    reader.join();
    received.rates = produced.rates;
    received.seconds = SecondsSince(start, received.last_record_micros);
    if (received.records < acknowledged) {
      std::fprintf(stderr, "warp_bench: e2e: received %llu of %llu records\n",
                   static_cast<unsigned long long>(received.records),
                   static_cast<unsigned long long>(acknowledged));
    }
    rows.push_back(std::move(produced));
    rows.push_back(std::move(received));
    return rows;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--workload=", workload, ": want produce, consume or e2e"));
}

void PrintRows(const Target& target, const std::vector<PhaseFigures>& rows) {
  int record_size = absl::GetFlag(FLAGS_record_size);
  auto rate = [](const std::optional<double>& v) {
    return v ? absl::StrFormat("%.1f", *v) : std::string("-");
  };
  for (const PhaseFigures& r : rows) {
    double records_per_s = r.seconds > 0 ? r.records / r.seconds : 0;
    std::string latency = "-";
    if (r.latency.count() > 0) {
      latency = absl::StrFormat(
          "%s %.1f / %.1f / %.1f", r.latency_kind, r.latency.PercentileMs(0.5),
          r.latency.PercentileMs(0.99), r.latency.PercentileMs(0.999));
    }
    std::printf("| %s | %s | %.0f | %.1f | %s | %s | %s | %llu |\n",
                target.name.c_str(), r.phase.c_str(), records_per_s,
                records_per_s * record_size / 1048576.0, latency.c_str(),
                rate(r.rates.puts_per_s).c_str(),
                rate(r.rates.gets_per_s).c_str(),
                static_cast<unsigned long long>(r.errors));
  }
  std::fflush(stdout);
}

// librdkafka's in-memory cluster, owned by a client handle of its own.
class MockCluster {
 public:
  static absl::StatusOr<std::unique_ptr<MockCluster>> Start(
      int brokers, const std::string& topic, int partitions) {
    absl::StatusOr<KafkaPtr> rk = NewClient(RD_KAFKA_PRODUCER, {});
    if (!rk.ok()) return rk.status();
    rd_kafka_mock_cluster_t* cluster =
        rd_kafka_mock_cluster_new(rk->get(), brokers);
    if (cluster == nullptr) return absl::InternalError("mock cluster");
    auto mock =
        std::unique_ptr<MockCluster>(new MockCluster(std::move(*rk), cluster));
    rd_kafka_resp_err_t err =
        rd_kafka_mock_topic_create(cluster, topic.c_str(), partitions, 1);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return absl::InternalError(
          absl::StrCat("mock topic: ", rd_kafka_err2str(err)));
    }
    return mock;
  }
  ~MockCluster() { rd_kafka_mock_cluster_destroy(cluster_); }

  std::string bootstrap() const {
    return rd_kafka_mock_cluster_bootstraps(cluster_);
  }

 private:
  MockCluster(KafkaPtr rk, rd_kafka_mock_cluster_t* cluster)
      : rk_(std::move(rk)), cluster_(cluster) {}

  KafkaPtr rk_;  // outlives cluster_
  rd_kafka_mock_cluster_t* cluster_;
};

int Main() {
  std::string workload = absl::GetFlag(FLAGS_workload);
  if (workload != "produce" && workload != "consume" && workload != "e2e") {
    std::fprintf(stderr,
                 "warp_bench: --workload=%s: want produce, consume or "
                 "e2e\n",
                 workload.c_str());
    return 2;
  }
  if (absl::GetFlag(FLAGS_record_size) < 8 ||
      absl::GetFlag(FLAGS_producers) < 1 ||
      absl::GetFlag(FLAGS_partitions) < 1) {
    std::fprintf(stderr,
                 "warp_bench: want --record_size >= 8, --producers >= 1 and "
                 "--partitions >= 1\n");
    return 2;
  }
  std::string topic = absl::GetFlag(FLAGS_topic);
  int partitions = absl::GetFlag(FLAGS_partitions);
  std::vector<Target> targets;
  if (!absl::GetFlag(FLAGS_bootstrap).empty()) {
    targets.push_back({absl::StrCat("broker ", absl::GetFlag(FLAGS_bootstrap)),
                       absl::GetFlag(FLAGS_bootstrap),
                       absl::GetFlag(FLAGS_metrics_url)});
  }
  std::unique_ptr<MockCluster> mock;
  if (absl::GetFlag(FLAGS_mock)) {
    absl::StatusOr<std::unique_ptr<MockCluster>> started = MockCluster::Start(
        absl::GetFlag(FLAGS_mock_brokers), topic, partitions);
    if (!started.ok()) {
      std::fprintf(stderr, "warp_bench: %s\n",
                   std::string(started.status().message()).c_str());
      return 1;
    }
    mock = std::move(*started);
    targets.push_back(
        {absl::StrCat("mock cluster (", absl::GetFlag(FLAGS_mock_brokers),
                      " broker(s))"),
         mock->bootstrap(), "", /*is_mock=*/true});
  }
  if (targets.empty()) {
    std::fprintf(stderr, "warp_bench: give --bootstrap or --mock\n");
    return 2;
  }

  Settings extra;
  for (const std::string& setting : absl::GetFlag(FLAGS_client_config)) {
    size_t eq = setting.find('=');
    if (eq == std::string::npos) {
      std::fprintf(stderr, "warp_bench: --client_config %s is not NAME=VALUE\n", setting.c_str());
      return 2;
    }
    extra.push_back({setting.substr(0, eq), setting.substr(eq + 1)});
  }
  if (!extra.empty()) AddClientSettingsFor(absl::GetFlag(FLAGS_bootstrap), std::move(extra));
  double rate = absl::GetFlag(FLAGS_rate);
  std::printf(
      "workload=%s topic=%s partitions=%d record_size=%d producers=%d "
      "rate=%s duration_s=%g inflight=%d linger_ms=%d batch_bytes=%d acks=%s "
      "compression=%s\n\n",
      absl::GetFlag(FLAGS_workload).c_str(), topic.c_str(), partitions,
      absl::GetFlag(FLAGS_record_size), absl::GetFlag(FLAGS_producers),
      rate > 0 ? absl::StrCat(rate).c_str() : "unlimited",
      absl::GetFlag(FLAGS_duration_s), absl::GetFlag(FLAGS_inflight),
      absl::GetFlag(FLAGS_linger_ms), absl::GetFlag(FLAGS_batch_bytes),
      absl::GetFlag(FLAGS_acks).c_str(),
      absl::GetFlag(FLAGS_compression).c_str());
  std::printf(
      "| target | phase | records/s | MiB/s | latency p50 / p99 / p99.9 ms | "
      "PUTs/s | GETs/s | errors |\n|---|---|---|---|---|---|---|---|\n");
  int exit_code = 0;
  for (const Target& target : targets) {
    if (!target.is_mock) {
      absl::Status created = EnsureTopic(target.bootstrap, topic, partitions);
      if (!created.ok()) {
        std::fprintf(stderr, "warp_bench: %s: %s\n", target.name.c_str(),
                     std::string(created.message()).c_str());
        exit_code = 1;
        continue;
      }
    }
    absl::StatusOr<std::vector<PhaseFigures>> rows = RunWorkload(target);
    if (!rows.ok()) {
      std::fprintf(stderr, "warp_bench: %s: %s\n", target.name.c_str(),
                   std::string(rows.status().message()).c_str());
      exit_code = 1;
      continue;
    }
    PrintRows(target, *rows);
  }
  return exit_code;
}

}  // namespace
}  // namespace warp::bench

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Kafka produce / consume / end-to-end load through librdkafka; see the "
      "file header of benchmarks/warp_bench.cc.");
  absl::ParseCommandLine(argc, argv);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  int rc = warp::bench::Main();
  curl_global_cleanup();
  return rc;
}
