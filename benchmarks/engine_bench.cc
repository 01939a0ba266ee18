// In-process engine figures (issue 5), printed as a table:
//   produce throughput and latency at several flush intervals (local folder
//   bucket + local journal, fsync'd), beside this disk's fsync'd sequential
//   write rate measured in the same run; PUTs per second with 1 and 1,000
//   partitions; produce latency over a simulated S3 (fault wrapper, PUT p50
//   30 ms / p99 150 ms); fetch throughput cold and hot and GETs per MiB.
//
//   bazel build //benchmarks:engine_bench && bazel-bin/benchmarks/engine_bench
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <system_error>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "lib/engine/block_cache.h"
#include "lib/protocol/record/record_batch_builder.h"
#include "tests/util/subprocess.h"
#include "warp/fault_injection.h"
#include "warp/fetcher.h"
#include "warp/local_object_store.h"
#include "warp/memory_object_store.h"
#include "warp/metadata_store.h"
#include "warp/producer.h"

ABSL_FLAG(double, seconds, 4, "Duration of each produce run.");
ABSL_FLAG(int, appenders, 32, "Concurrent appending threads.");
ABSL_FLAG(int, records_per_batch, 64, "1 KiB records per client batch.");
ABSL_FLAG(int, inflight, 16, "Appends each appender keeps in flight (as a client's "
          "max.in.flight requests times its partitions).");

namespace warp {
namespace {

struct Percentiles {
  double p50 = 0, p99 = 0;
};

Percentiles Compute(std::vector<double> v) {
  if (v.empty()) return {};
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v[std::min(v.size() - 1, v.size() * 99 / 100)]};
}

std::string ClientBatch(int records) {
  std::string value(1024, 'v');
  std::vector<kafka::RecordInput> inputs(records, {std::nullopt, value, {}, 1});
  return *kafka::BuildRecordBatch(inputs);
}

// The reference, exactly: `dd if=/dev/zero of=F bs=8M count=128
// conv=fsync` (with `extra` flags), in MB/s; 0 if dd failed.
double DdMBps(const char* extra) {
  std::string path = testing::NewTempDir("disk") + "/dd";
  std::string command = absl::StrCat("dd if=/dev/zero of=", path,
                                     " bs=8M count=128 conv=fsync ", extra, " 2>&1");
  FILE* out = popen(command.c_str(), "r");
  if (out == nullptr) return 0;
  absl::Time start = absl::Now();
  char line[512];
  bool copied = false;
  while (fgets(line, sizeof(line), out) != nullptr) {
    if (std::string(line).find("copied") != std::string::npos) copied = true;
  }
  double s = absl::ToDoubleSeconds(absl::Now() - start);
  bool ok = pclose(out) == 0 && copied;
  unlink(path.c_str());
  return ok ? 128 * 8.388608 / s : 0;
}

void PrintDisk(const char* when) {
  std::printf("disk %s: dd conv=fsync %.0f MB/s; with oflag=direct %.0f MB/s\n", when,
              DdMBps(""), DdMBps("oflag=direct"));
}

struct ProduceFigures {
  double mib_per_s = 0, records_per_s = 0;
  Percentiles latency_ms;
  double puts_per_s = 0;
};

// Runs appenders against `store` for the configured time.
ProduceFigures Produce(ObjectStore* store, absl::Duration flush_interval, int partitions) {
  auto metadata = *MetadataStore::Open(
      absl::StrCat("local://", testing::NewTempDir("bench-journal")));
  (void)metadata->Execute(CreateTopic{"t", {}, partitions, {}});
  auto counting = NewFaultInjectingObjectStore(store, FaultOptions{});
  ProducerOptions options;
  options.store = counting.get();
  options.metadata = metadata.get();
  options.flush_interval = flush_interval;
  auto producer = *Producer::Create(options);
  int records = absl::GetFlag(FLAGS_records_per_batch);
  std::string batch = ClientBatch(records);
  std::atomic<bool> stop{false};
  std::atomic<int64_t> appended{0};
  absl::Mutex mu;
  std::vector<double> latencies;
  std::vector<std::thread> threads;
  absl::Time start = absl::Now();
  for (int t = 0; t < absl::GetFlag(FLAGS_appenders); ++t) {
    threads.emplace_back([&, t] {
      std::vector<double> mine;
      absl::Mutex window_mu;
      int outstanding = 0;
      const int window = absl::GetFlag(FLAGS_inflight);
      for (int i = 0; !stop; ++i) {
        {
          absl::MutexLock lock(&window_mu);
          auto room = [&]() { return outstanding < window; };
          window_mu.Await(absl::Condition(&room));
          ++outstanding;
        }
        absl::Time s = absl::Now();
        producer->Append({{"t", (t * 7919 + i) % partitions, batch}},
                         [&, s](absl::Status status, std::vector<ProduceResult>) {
                           absl::MutexLock lock(&window_mu);
                           --outstanding;
                           if (!status.ok()) return;
                           mine.push_back(absl::ToDoubleMilliseconds(absl::Now() - s));
                           appended.fetch_add(1);
                         });
      }
      absl::MutexLock lock(&window_mu);
      auto drained = [&]() { return outstanding == 0; };
      window_mu.Await(absl::Condition(&drained));
      absl::MutexLock all(&mu);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
    });
  }
  absl::SleepFor(absl::Seconds(absl::GetFlag(FLAGS_seconds)));
  stop = true;
  for (auto& th : threads) th.join();
  double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  ProduceFigures f;
  f.mib_per_s = appended.load() * batch.size() / seconds / 1048576.0;
  f.records_per_s = appended.load() * records / seconds;
  f.latency_ms = Compute(latencies);
  f.puts_per_s = counting->calls() / seconds;
  return f;
}

void Main() {
  PrintDisk("before");
  std::printf("\n");
  std::printf("| bucket | flush interval | partitions | MiB/s | records/s | p50 ms | p99 ms | PUTs/s |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  // A fresh bucket per row, removed after it (a row writes gigabytes).
  auto produce_local = [](absl::Duration interval, int partitions) {
    std::string dir = testing::NewTempDir("bench-bucket");
    ProduceFigures f;
    {
      auto local = *OpenLocalObjectStore(dir);
      f = Produce(local.get(), interval, partitions);
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
    return f;
  };
  for (int interval : {10, 50, 250}) {
    ProduceFigures f = produce_local(absl::Milliseconds(interval), 16);
    std::printf("| local folder | %d ms | 16 | %.0f | %.0f | %.1f | %.1f | %.1f |\n", interval,
                f.mib_per_s, f.records_per_s, f.latency_ms.p50, f.latency_ms.p99, f.puts_per_s);
  }
  for (int partitions : {1, 1000}) {
    ProduceFigures f = produce_local(absl::Milliseconds(250), partitions);
    std::printf("| local folder | 250 ms | %d | %.0f | %.0f | %.1f | %.1f | %.1f |\n",
                partitions, f.mib_per_s, f.records_per_s, f.latency_ms.p50,
                f.latency_ms.p99, f.puts_per_s);
  }
  PrintDisk("after the local rows");
  auto memory = NewMemoryObjectStore();
  FaultOptions s3_like;
  s3_like.put_latency =
      LatencyDistribution::LogNormal(absl::Milliseconds(30), absl::Milliseconds(150));
  s3_like.latency = LatencyDistribution::LogNormal(absl::Milliseconds(15), absl::Milliseconds(60));
  auto simulated = NewFaultInjectingObjectStore(memory.get(), s3_like);
  ProduceFigures f = Produce(simulated.get(), absl::Milliseconds(250), 16);
  std::printf("| simulated S3 (PUT p50 30 / p99 150 ms) | 250 ms | 16 | %.0f | %.0f | %.1f | %.1f | %.1f |\n",
              f.mib_per_s, f.records_per_s, f.latency_ms.p50, f.latency_ms.p99, f.puts_per_s);

  // Fetch: a partition of ~256 MiB written in 250 ms flushes, read from the
  // start cold (empty cache) and hot (again).
  auto metadata = *MetadataStore::Open("mem://");
  (void)metadata->Execute(CreateTopic{"t", {}, 4, {}});
  auto bucket = NewMemoryObjectStore();
  {
    ProducerOptions options;
    options.store = bucket.get();
    options.metadata = metadata.get();
    options.flush_bytes = 8 << 20;
    auto producer = *Producer::Create(options);
    std::string batch = ClientBatch(64);
    std::vector<std::thread> threads;
    for (int t = 0; t < 16; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 64; ++i) (void)producer->AppendAndWait({{"t", t % 4, batch}});
      });
    }
    for (auto& th : threads) th.join();
  }
  auto counted = NewFaultInjectingObjectStore(bucket.get(), FaultOptions{});
  engine::BlockCache cache(counted.get(), engine::BlockCacheOptions{});
  auto fetcher = *Fetcher::Create({counted.get(), metadata.get(), &cache});
  for (const char* pass : {"cold", "hot"}) {
    uint64_t gets_before = counted->calls();
    uint64_t bytes = 0;
    absl::Time start = absl::Now();
    int64_t offset = 0;
    for (;;) {
      auto r = fetcher->Fetch({{{"t", 0}, offset, 8 << 20}}, {});
      if (!r.ok() || (*r)[0].records.empty()) break;
      bytes += (*r)[0].records.size();
      offset = (*r)[0].high_watermark;  // whole partition in one call at most
      auto plan = metadata->FindBatches({"t", 0}, 0, 1);
      (void)plan;
      // Advance by what was returned.
      auto split = kafka::SplitRecordBatches((*r)[0].records);
      auto last = kafka::ParseRecordBatchHeader(split->batches.back(), kafka::CrcCheck::kSkip);
      offset = last->last_offset() + 1;
    }
    double s = absl::ToDoubleSeconds(absl::Now() - start);
    double mib = bytes / 1048576.0;
    std::printf("\nfetch %s: %.0f MiB in %.2f s = %.0f MiB/s, %llu GETs (%.3f GETs per MiB)\n",
                pass, mib, s, mib / s,
                static_cast<unsigned long long>(counted->calls() - gets_before),
                (counted->calls() - gets_before) / std::max(mib, 1e-9));
  }
}

}  // namespace
}  // namespace warp

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  warp::Main();
}
