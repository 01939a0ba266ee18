// MetadataStore figures (issue 4):
//  - file commits per second and commit latency p50/p99 with 1 and 32
//    concurrent committers, on the local journal (fsync'd) and on etcd with
//    1 and 3 members (started by this program; etcd must be on PATH);
//  - the lookup latency of an offset in a partition of 100,000 batches;
//  - memory per million batch entries, snapshot and recovery time at a
//    million entries.
//
//   bazel build //benchmarks:metadata_bench && bazel-bin/benchmarks/metadata_bench
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "benchmark/benchmark.h"
#include "lib/metadata/state.h"
#include "tests/util/etcd.h"
#include "tests/util/subprocess.h"
#include "warp/metadata_store.h"

namespace warp {
namespace {

enum Journal { kLocal = 0, kEtcd1 = 1, kEtcd3 = 3 };

std::string UrlFor(Journal journal) {
  static std::unique_ptr<testing::EtcdCluster> one, three;
  static std::atomic<int> n{0};
  if (journal == kLocal) {
    return absl::StrCat("local://", testing::NewTempDir("bench-journal"));
  }
  auto& cluster = journal == kEtcd1 ? one : three;
  if (!cluster) {
    auto started = testing::EtcdCluster::Start(journal == kEtcd1 ? 1 : 3);
    if (!started.ok()) return "";
    cluster = *std::move(started);
  }
  return cluster->Url(absl::StrCat("bench-", n.fetch_add(1)));
}

// A file commit as a producer makes it: 8 partitions, one batch each.
CommitFile MakeFile(int thread, int64_t i) {
  CommitFile file{absl::StrCat("o-", thread, "-", i), 1 << 20, i, {}};
  for (int p = 0; p < 8; ++p) {
    BatchToCommit b;
    b.topic = "t";
    b.partition = (thread + p) % 16;
    b.record_count = 100;
    b.byte_offset = p * 4096;
    b.byte_length = 4096;
    file.batches.push_back(b);
  }
  return file;
}

void BM_CommitFiles(benchmark::State& state) {
  Journal journal = static_cast<Journal>(state.range(0));
  int committers = static_cast<int>(state.range(1));
  std::string url = UrlFor(journal);
  auto store = MetadataStore::Open(url);
  if (url.empty() || !store.ok()) {
    state.SkipWithError("cannot open the store (is etcd installed?)");
    return;
  }
  (void)(*store)->Execute(CreateTopic{"t", {}, 16, {}});
  std::vector<double> latencies;
  absl::Mutex mu;
  int64_t total = 0;
  for (auto _ : state) {
    // One iteration: each committer commits 50 files.
    std::vector<std::thread> threads;
    for (int t = 0; t < committers; ++t) {
      threads.emplace_back([&, t] {
        std::vector<double> mine;
        for (int i = 0; i < 50; ++i) {
          absl::Time start = absl::Now();
          auto r = (*store)->Execute(MakeFile(t, total * 1000 + i));
          if (!r.ok()) return;
          mine.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
        }
        absl::MutexLock lock(&mu);
        latencies.insert(latencies.end(), mine.begin(), mine.end());
      });
    }
    for (auto& th : threads) th.join();
    ++total;
  }
  if (latencies.size() != static_cast<size_t>(total * committers * 50)) {
    state.SkipWithError("commits failed");
    return;
  }
  std::sort(latencies.begin(), latencies.end());
  state.counters["commits_per_s"] = benchmark::Counter(
      static_cast<double>(latencies.size()), benchmark::Counter::kIsRate);
  state.counters["p50_ms"] = latencies[latencies.size() / 2];
  state.counters["p99_ms"] = latencies[latencies.size() * 99 / 100];
}
BENCHMARK(BM_CommitFiles)
    ->ArgNames({"journal(0=local,1=etcd1,3=etcd3)", "committers"})
    ->Args({kLocal, 1})
    ->Args({kLocal, 32})
    ->Args({kEtcd1, 1})
    ->Args({kEtcd1, 32})
    ->Args({kEtcd3, 1})
    ->Args({kEtcd3, 32})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// A state with `batches` one-record batches in partition t-0.
metadata::MetadataState StateWith(int64_t batches) {
  metadata::MetadataState state;
  state.Apply(CreateTopic{"t", {}, 1, {}});
  constexpr int kPerFile = 1000;
  for (int64_t f = 0; f * kPerFile < batches; ++f) {
    CommitFile file{absl::StrCat("obj-", f), 1 << 24, f, {}};
    for (int b = 0; b < kPerFile && f * kPerFile + b < batches; ++b) {
      BatchToCommit batch;
      batch.topic = "t";
      batch.record_count = 10;
      batch.byte_offset = b * 1000;
      batch.byte_length = 1000;
      file.batches.push_back(batch);
    }
    state.Apply(file);
  }
  return state;
}

void BM_OffsetLookup(benchmark::State& state) {
  metadata::MetadataState meta = StateWith(state.range(0));
  int64_t hwm = meta.FindPartition({"t", 0})->high_watermark();
  std::mt19937_64 rng(1);
  std::vector<BatchLocation> out;
  for (auto _ : state) {
    out.clear();
    meta.FindBatches({"t", 0}, static_cast<int64_t>(rng() % hwm), 1, &out);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_OffsetLookup)->Arg(100000)->Unit(benchmark::kNanosecond);

long MaxRssKiB() {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

void BM_MillionEntries(benchmark::State& state) {
  for (auto _ : state) {
    long before = MaxRssKiB();
    absl::Time start = absl::Now();
    metadata::MetadataState meta = StateWith(1000000);
    double build_s = absl::ToDoubleSeconds(absl::Now() - start);
    long after = MaxRssKiB();
    start = absl::Now();
    std::string snapshot = meta.Snapshot();
    double snapshot_s = absl::ToDoubleSeconds(absl::Now() - start);
    start = absl::Now();
    auto restored = metadata::MetadataState::FromSnapshot(snapshot);
    double restore_s = absl::ToDoubleSeconds(absl::Now() - start);
    benchmark::DoNotOptimize(restored);
    state.counters["apply_s"] = build_s;
    state.counters["rss_MiB_per_million"] = (after - before) / 1024.0;
    state.counters["snapshot_MiB"] = snapshot.size() / 1048576.0;
    state.counters["snapshot_s"] = snapshot_s;
    state.counters["recover_s"] = restore_s;
  }
}
BENCHMARK(BM_MillionEntries)->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace
}  // namespace warp

BENCHMARK_MAIN();
