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
// --idempotent makes the producers idempotent; --transaction_records=N makes
// them transactional: each thread runs transactions of N records sent
// round-robin over the partitions, and a record counts once its transaction
// has committed. Commit latency = the time of commit_transaction() after a
// flush of the transaction's records, so it is the EndTxn round trip (markers
// durable). Consumers use --isolation_level.
//
// Printed: records/s and MiB/s (record values only), latency p50/p99/p99.9,
// delivery errors, and, for the agent, object-store PUTs/s and GETs/s from the
// delta of warp_object_store_requests_total{op="put"|"get"} on --metrics_url
// over the measured window, and the p50/p99 of the agent's journal commits and
// EndTxn commits (warp_metadata_commit_latency_seconds and
// warp_transaction_commit_latency_seconds, interpolated in their buckets).
// Results and commands: docs/benchmarks.md.
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
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
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
#include "absl/strings/match.h"
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
ABSL_FLAG(bool, idempotent, false,
          "enable.idempotence on the producers (librdkafka then allows at most "
          "5 requests in flight).");
ABSL_FLAG(int, transaction_records, 0,
          "Transactional producers: each thread commits transactions of this "
          "many records, sent round-robin over --partitions; 0: none.");
ABSL_FLAG(std::string, isolation_level, "read_committed",
          "isolation.level of the consumers: read_committed (librdkafka's "
          "default) or read_uncommitted.");
ABSL_FLAG(bool, mock, false,
          "Also run the workload against librdkafka's mock cluster.");
ABSL_FLAG(int, mock_brokers, 1, "Brokers of the mock cluster.");

namespace warp::bench {
namespace {

// One row of the results: a phase (produce, consume, e2e) of one target.
struct ObjectStoreRates {
  std::optional<double> puts_per_s, gets_per_s;  // unset: not measured
  // The agent's journal commit and EndTxn latency over the window, ms.
  std::optional<double> journal_p50_ms, journal_p99_ms;
  std::optional<double> end_txn_p50_ms, end_txn_p99_ms;
};

struct PhaseFigures {
  std::string phase;
  std::string latency_kind;  // "produce" or "end-to-end"
  double seconds = 0;
  uint64_t records = 0;
  uint64_t errors = 0;
  int64_t last_record_micros = 0;  // consumers: when the last record came
  LatencyHistogram latency;
  LatencyHistogram commit_latency;  // transactional producers only
  ObjectStoreRates rates;
};

// /metrics

size_t AppendToString(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// Cumulative bucket counts of one histogram family, summed over label sets,
// by upper bound (seconds; +Inf as infinity).
using Buckets = std::map<double, double>;

struct ObjectStoreCounts {
  double puts = 0, gets = 0;
  Buckets journal_commits, end_txn_commits;
};

// The value of a `name{...le="X"...} VALUE` line into `buckets`.
void AddBucket(absl::string_view line, double value, Buckets* buckets) {
  size_t le = line.find("le=\"");
  if (le == absl::string_view::npos) return;
  absl::string_view bound = line.substr(le + 4);
  bound = bound.substr(0, bound.find('"'));
  double upper = std::numeric_limits<double>::infinity();
  if (bound != "+Inf" && !absl::SimpleAtod(bound, &upper)) return;
  (*buckets)[upper] += value;
}

// Sums warp_object_store_requests_total over outcomes, per op, and takes the
// buckets of the journal and EndTxn commit latency histograms.
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
  constexpr absl::string_view kRequests = "warp_object_store_requests_total{";
  constexpr absl::string_view kJournal =
      "warp_metadata_commit_latency_seconds_bucket{";
  constexpr absl::string_view kEndTxn =
      "warp_transaction_commit_latency_seconds_bucket{";
  ObjectStoreCounts counts;
  for (absl::string_view line : absl::StrSplit(body, '\n')) {
    size_t space = line.rfind(' ');
    double value = 0;
    if (space == absl::string_view::npos ||
        !absl::SimpleAtod(line.substr(space + 1), &value)) {
      continue;
    }
    if (absl::StartsWith(line, kJournal)) {
      AddBucket(line, value, &counts.journal_commits);
    } else if (absl::StartsWith(line, kEndTxn)) {
      AddBucket(line, value, &counts.end_txn_commits);
    } else if (absl::StartsWith(line, kRequests)) {
      if (line.find("op=\"put\"") != absl::string_view::npos)
        counts.puts += value;
      if (line.find("op=\"get\"") != absl::string_view::npos)
        counts.gets += value;
    }
  }
  return counts;
}

// The q-quantile (ms) of the observations between two scrapes of a
// histogram, interpolated linearly inside its bucket as Prometheus'
// histogram_quantile does; unset without observations.
std::optional<double> QuantileMs(const Buckets& start, const Buckets& end,
                                 double q) {
  std::vector<std::pair<double, double>> delta;  // upper bound, cumulative
  for (const auto& [upper, count] : end) {
    auto before = start.find(upper);
    delta.push_back(
        {upper, count - (before == start.end() ? 0 : before->second)});
  }
  if (delta.empty() || delta.back().second <= 0) return std::nullopt;
  double rank = q * delta.back().second;
  double lower = 0, below = 0;
  for (const auto& [upper, cumulative] : delta) {
    if (cumulative >= rank) {
      if (std::isinf(upper)) return lower * 1000;  // the highest finite bound
      double in_bucket = cumulative - below;
      double f = in_bucket > 0 ? (rank - below) / in_bucket : 1;
      return (lower + (upper - lower) * f) * 1000;
    }
    lower = upper;
    below = cumulative;
  }
  return std::nullopt;
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
    ObjectStoreRates rates;
    rates.puts_per_s = (end->puts - start_->puts) / s;
    rates.gets_per_s = (end->gets - start_->gets) / s;
    rates.journal_p50_ms =
        QuantileMs(start_->journal_commits, end->journal_commits, 0.5);
    rates.journal_p99_ms =
        QuantileMs(start_->journal_commits, end->journal_commits, 0.99);
    rates.end_txn_p50_ms =
        QuantileMs(start_->end_txn_commits, end->end_txn_commits, 0.5);
    rates.end_txn_p99_ms =
        QuantileMs(start_->end_txn_commits, end->end_txn_commits, 0.99);
    return rates;
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
  uint64_t committed_in_window = 0;  // transactional: records of committed txns
  uint64_t errors = 0;
  rd_kafka_resp_err_t first_error = RD_KAFKA_RESP_ERR_NO_ERROR;
  LatencyHistogram latency;
  LatencyHistogram commit_latency;
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

Settings ProducerSettings(const std::string& bootstrap, int thread) {
  int batch_bytes = absl::GetFlag(FLAGS_batch_bytes);
  Settings settings = {
      {"bootstrap.servers", bootstrap},
      {"acks", absl::GetFlag(FLAGS_acks)},
      {"linger.ms", absl::StrCat(absl::GetFlag(FLAGS_linger_ms))},
      {"batch.size", absl::StrCat(batch_bytes)},
      {"message.max.bytes",
       absl::StrCat(std::max(1000000, batch_bytes + 4096))},
      {"compression.type", absl::GetFlag(FLAGS_compression)},
      // Idempotent and transactional producers allow at most 5.
      {"max.in.flight.requests.per.connection",
       absl::StrCat(absl::GetFlag(FLAGS_idempotent) ||
                            absl::GetFlag(FLAGS_transaction_records) > 0
                        ? std::min(absl::GetFlag(FLAGS_inflight), 5)
                        : absl::GetFlag(FLAGS_inflight))},
      // Bounds what waits in the client (and so memory and queueing time) when
      // producing as fast as possible.
      {"queue.buffering.max.kbytes", "65536"},
      {"queue.buffering.max.messages", "1000000"},
  };
  if (absl::GetFlag(FLAGS_transaction_records) > 0) {
    // Unique per run: a rerun must not be fenced by, nor wait for, the last.
    settings.push_back(
        {"transactional.id",
         absl::StrCat("warp_bench-", NowMicros(), "-", thread)});
  } else if (absl::GetFlag(FLAGS_idempotent)) {
    settings.push_back({"enable.idempotence", "true"});
  }
  return settings;
}

// A transaction API call's error as a status (taking ownership of `error`).
absl::Status TxnStatus(const char* call, rd_kafka_error_t* error) {
  if (error == nullptr) return absl::OkStatus();
  absl::Status status = absl::UnavailableError(
      absl::StrCat(call, ": ", rd_kafka_error_string(error),
                   rd_kafka_error_txn_requires_abort(error) ? " (abortable)" : "",
                   rd_kafka_error_is_fatal(error) ? " (fatal)" : ""));
  rd_kafka_error_destroy(error);
  return status;
}

// A transactional producer's transaction bookkeeping: begins transactions
// and commits each after `records_per_txn` records.
class TransactionRunner {
 public:
  TransactionRunner(rd_kafka_t* rk, int records_per_txn, ProducerStats* stats)
      : rk_(rk), records_per_txn_(records_per_txn), stats_(stats) {}

  absl::Status Init() {
    return TxnStatus("init_transactions",
                     rd_kafka_init_transactions(rk_, 30000));
  }

  // Before each record: begins a transaction when none is open.
  absl::Status BeforeRecord() {
    if (open_) return absl::OkStatus();
    absl::Status begun =
        TxnStatus("begin_transaction", rd_kafka_begin_transaction(rk_));
    open_ = begun.ok();
    in_txn_ = 0;
    return begun;
  }

  // After each record: commits once the transaction is full.
  absl::Status AfterRecord() {
    if (++in_txn_ < records_per_txn_) return absl::OkStatus();
    return Commit();
  }

  // Commits the open transaction, if any: its records are flushed first, so
  // the time of commit_transaction() is the EndTxn round trip.
  absl::Status Commit() {
    if (!open_) return absl::OkStatus();
    open_ = false;
    if (rd_kafka_flush(rk_, 60000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return absl::DeadlineExceededError("flush before commit timed out");
    }
    int64_t start = NowMicros();
    absl::Status committed =
        TxnStatus("commit_transaction", rd_kafka_commit_transaction(rk_, 60000));
    int64_t now = NowMicros();
    if (!committed.ok()) {
      // Best effort, so that the next transaction may begin.
      TxnStatus("abort_transaction", rd_kafka_abort_transaction(rk_, 60000))
          .IgnoreError();
      return committed;
    }
    stats_->commit_latency.Record(now - start);
    if (now < stats_->window_end_micros) {
      stats_->committed_in_window += in_txn_;
    }
    return absl::OkStatus();
  }

 private:
  rd_kafka_t* rk_;
  int records_per_txn_;
  ProducerStats* stats_;
  bool open_ = false;
  int in_txn_ = 0;
};

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
  int txn_records = absl::GetFlag(FLAGS_transaction_records);
  int partitions = absl::GetFlag(FLAGS_partitions);
  absl::Time start = absl::Now();
  std::vector<ProducerStats> stats(producers);
  std::vector<std::thread> threads;
  std::atomic<bool> failed{false};
  for (int t = 0; t < producers; ++t) {
    threads.emplace_back([&, t] {
      ProducerStats& s = stats[t];
      s.window_end_micros = absl::ToUnixMicros(end);
      absl::StatusOr<KafkaPtr> rk = NewClient(
          RD_KAFKA_PRODUCER, ProducerSettings(bootstrap, t), &s, OnDelivery);
      auto fail = [&](const absl::Status& status) {
        std::fprintf(stderr, "warp_bench: producer %d: %s\n", t,
                     std::string(status.message()).c_str());
        failed = true;
      };
      if (!rk.ok()) return fail(rk.status());
      std::optional<TransactionRunner> txn;
      if (txn_records > 0) {
        txn.emplace(rk->get(), txn_records, &s);
        if (absl::Status init = txn->Init(); !init.ok()) return fail(init);
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
        if (txn) {
          if (absl::Status begun = txn->BeforeRecord(); !begun.ok()) {
            fail(begun);
            break;
          }
        }
        std::memcpy(value.data(), &now, sizeof(now));
        // Transactions spread over every partition; otherwise the client's
        // partitioner chooses.
        int32_t partition =
            txn ? static_cast<int32_t>(sent % partitions) : RD_KAFKA_PARTITION_UA;
        if (rd_kafka_produce(
                rkt.get(), partition, RD_KAFKA_MSG_F_COPY,
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
        if (txn) {
          if (absl::Status committed = txn->AfterRecord(); !committed.ok()) {
            fail(committed);
            break;
          }
        }
      }
      if (txn && !failed) {
        if (absl::Status committed = txn->Commit(); !committed.ok()) {
          fail(committed);
        }
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
    figures.records += txn_records > 0 ? s.committed_in_window : s.acked_in_window;
    figures.errors += s.errors;
    figures.latency.Merge(s.latency);
    figures.commit_latency.Merge(s.commit_latency);
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
                            {"isolation.level",
                             absl::GetFlag(FLAGS_isolation_level)},
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
    std::string commits = "-";
    if (r.commit_latency.count() > 0) {
      commits = absl::StrFormat("%llu: %.1f / %.1f / %.1f",
                                static_cast<unsigned long long>(
                                    r.commit_latency.count()),
                                r.commit_latency.PercentileMs(0.5),
                                r.commit_latency.PercentileMs(0.99),
                                r.commit_latency.PercentileMs(0.999));
    }
    std::printf("| %s | %s | %.0f | %.1f | %s | %s | %s | %s | %s / %s | %s / %s | %llu |\n",
                target.name.c_str(), r.phase.c_str(), records_per_s,
                records_per_s * record_size / 1048576.0, latency.c_str(),
                rate(r.rates.puts_per_s).c_str(),
                rate(r.rates.gets_per_s).c_str(), commits.c_str(),
                rate(r.rates.end_txn_p50_ms).c_str(),
                rate(r.rates.end_txn_p99_ms).c_str(),
                rate(r.rates.journal_p50_ms).c_str(),
                rate(r.rates.journal_p99_ms).c_str(),
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
      "compression=%s idempotent=%d transaction_records=%d "
      "isolation_level=%s\n\n",
      absl::GetFlag(FLAGS_workload).c_str(), topic.c_str(), partitions,
      absl::GetFlag(FLAGS_record_size), absl::GetFlag(FLAGS_producers),
      rate > 0 ? absl::StrCat(rate).c_str() : "unlimited",
      absl::GetFlag(FLAGS_duration_s), absl::GetFlag(FLAGS_inflight),
      absl::GetFlag(FLAGS_linger_ms), absl::GetFlag(FLAGS_batch_bytes),
      absl::GetFlag(FLAGS_acks).c_str(),
      absl::GetFlag(FLAGS_compression).c_str(),
      absl::GetFlag(FLAGS_idempotent) ? 1 : 0,
      absl::GetFlag(FLAGS_transaction_records),
      absl::GetFlag(FLAGS_isolation_level).c_str());
  std::printf(
      "| target | phase | records/s | MiB/s | latency p50 / p99 / p99.9 ms | "
      "PUTs/s | GETs/s | commits: p50 / p99 / p99.9 ms | agent EndTxn p50 / "
      "p99 ms | agent journal p50 / p99 ms | errors |\n"
      "|---|---|---|---|---|---|---|---|---|---|---|\n");
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
