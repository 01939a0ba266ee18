// stream_bench: in-process load through warp::Stream (issue 17's figures),
// on the embedded default (a local folder bucket and journal, fsync'd).
//
//   produce  ProduceAsync of --batch_records records of --record_size bytes,
//            round-robin over --partitions, with at most --inflight_bytes
//            outstanding, for --duration_s. Throughput counts records
//            acknowledged (durable) within the window.
//   e2e      the same at --rate records/s while a Consumer long-polls every
//            partition; end-to-end latency = receive time - the produce time
//            written into the first 8 bytes of each value.
//
//   bazel build -c opt //benchmarks:stream_bench
//   bazel-bin/benchmarks/stream_bench --data_dir=/tmp/sb --workload=produce
// Results and commands: docs/benchmarks.md.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "warp/warp.h"

ABSL_FLAG(std::string, data_dir, "", "Folder of the bucket and journal (must be new).");
ABSL_FLAG(std::string, workload, "produce", "produce or e2e.");
ABSL_FLAG(int, partitions, 16, "Partitions of the topic.");
ABSL_FLAG(int, record_size, 1024, "Bytes per record value (at least 8).");
ABSL_FLAG(int, batch_records, 100, "Records per Produce call.");
ABSL_FLAG(double, duration_s, 10, "Measured window.");
ABSL_FLAG(int64_t, inflight_bytes, 64 << 20, "Most bytes of Produce calls outstanding.");
ABSL_FLAG(int, flush_interval_ms, 250, "StreamOptions::flush_interval.");
ABSL_FLAG(double, rate, 0, "e2e: records/s (0: as fast as possible).");

namespace {

int64_t NowMicros() { return absl::GetCurrentTimeNanos() / 1000; }

double Percentile(std::vector<int64_t>& v, double q) {
  if (v.empty()) return 0;
  size_t i = std::min(v.size() - 1, static_cast<size_t>(q * v.size()));
  std::nth_element(v.begin(), v.begin() + i, v.end());
  return v[i] / 1000.0;
}

int Main() {
  const std::string dir = absl::GetFlag(FLAGS_data_dir);
  const int partitions = absl::GetFlag(FLAGS_partitions);
  const int record_size = std::max(8, absl::GetFlag(FLAGS_record_size));
  const int batch = absl::GetFlag(FLAGS_batch_records);
  const bool e2e = absl::GetFlag(FLAGS_workload) == "e2e";
  if (dir.empty()) return std::fprintf(stderr, "give --data_dir\n"), 2;
  warp::StreamOptions options;
  options.data_dir = dir;
  options.flush_interval = absl::Milliseconds(absl::GetFlag(FLAGS_flush_interval_ms));
  auto opened = warp::Stream::Open(options);
  if (!opened.ok()) return std::fprintf(stderr, "%s\n", opened.status().ToString().c_str()), 1;
  warp::Stream& stream = **opened;
  if (absl::Status s = stream.CreateTopic("bench", partitions); !s.ok()) {
    return std::fprintf(stderr, "%s\n", s.ToString().c_str()), 1;
  }

  std::atomic<bool> consuming{e2e};
  absl::Mutex mu;
  std::vector<int64_t> e2e_latency;
  std::thread consumer;
  if (e2e) {
    consumer = std::thread([&] {
      auto c = *stream.NewConsumer("bench");
      std::vector<warp::Consumer::Assignment> all;
      for (int p = 0; p < partitions; ++p) all.push_back({"bench", p, 0});
      (void)c->Assign(all);
      warp::FetchLimits limits;
      limits.max_wait = absl::Milliseconds(200);
      limits.max_bytes = 8 << 20;
      while (consuming) {
        auto records = c->Poll(limits);
        if (!records.ok()) continue;
        int64_t now = NowMicros();
        absl::MutexLock lock(&mu);
        for (const warp::ConsumedRecord& r : *records) {
          int64_t sent = 0;
          std::memcpy(&sent, r.value.data(), sizeof(sent));
          e2e_latency.push_back(now - sent);
        }
      }
    });
  }

  const int64_t inflight_limit = absl::GetFlag(FLAGS_inflight_bytes);
  const double rate = absl::GetFlag(FLAGS_rate);
  std::atomic<int64_t> inflight{0}, acked{0}, errors{0};
  std::vector<int64_t> produce_latency;
  const int64_t start = NowMicros();
  const int64_t end = start + static_cast<int64_t>(absl::GetFlag(FLAGS_duration_s) * 1e6);
  std::string value(record_size, 'x');
  int64_t sent = 0;
  for (int p = 0;; p = (p + 1) % partitions) {
    int64_t now = NowMicros();
    if (now >= end) break;
    if (rate > 0 && sent >= (now - start) * 1e-6 * rate) {
      absl::SleepFor(absl::Microseconds(200));
      continue;
    }
    const int64_t bytes = int64_t{batch} * record_size;
    while (inflight + bytes > inflight_limit) absl::SleepFor(absl::Microseconds(100));
    std::vector<warp::Record> records(batch);
    for (warp::Record& r : records) {
      r.has_key = false;
      r.value = value;
      std::memcpy(r.value.data(), &now, sizeof(now));
    }
    inflight += bytes;
    sent += batch;
    stream.ProduceAsync("bench", p, std::move(records),
                        [&, now, bytes](absl::StatusOr<int64_t> offset) {
                          int64_t done = NowMicros();
                          inflight -= bytes;
                          if (!offset.ok()) {
                            ++errors;
                            return;
                          }
                          if (done < end) acked += batch;
                          absl::MutexLock lock(&mu);
                          produce_latency.push_back(done - now);
                        });
  }
  stream.Flush();
  while (inflight > 0) absl::SleepFor(absl::Milliseconds(1));
  if (e2e) {
    absl::SleepFor(absl::Seconds(1));
    consuming = false;
    consumer.join();
  }
  const double seconds = (end - start) * 1e-6;
  absl::MutexLock lock(&mu);
  std::printf("| %s | %d | %d | %.0f | %.1f | %.1f / %.1f / %.1f |", e2e ? "e2e" : "produce",
              partitions, absl::GetFlag(FLAGS_flush_interval_ms), acked / seconds,
              acked / seconds * record_size / 1048576.0, Percentile(produce_latency, 0.5),
              Percentile(produce_latency, 0.99), Percentile(produce_latency, 0.999));
  if (e2e) {
    std::printf(" %.1f / %.1f / %.1f (%zu records) |", Percentile(e2e_latency, 0.5),
                Percentile(e2e_latency, 0.99), Percentile(e2e_latency, 0.999),
                e2e_latency.size());
  }
  std::printf(" %lld |\n", static_cast<long long>(errors.load()));
  return errors > 0 ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return Main();
}
