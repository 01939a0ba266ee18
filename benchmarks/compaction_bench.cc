// compaction_bench: object count, catch-up read cost and compaction cost of
// one partition written as many small flushes (issue 9 figures).
//
//   bazel run -c opt //benchmarks:compaction_bench -- --objects=2000 --object_kib=32
//
// Writes --objects flushes of --object_kib KiB (one partition, 1 KiB records)
// through the Producer into a memory bucket, reads the partition from offset
// 0 as a consumer does (1 MiB fetches through a fresh 4 MiB-block cache),
// compacts until nothing is ready (the clock jumps past the partial-merge age
// between rounds, as an hour passing would), deletes the replaced objects,
// and reads again. Prints objects, GETs, GETs per MiB and MiB/s before and
// after, and the compaction's throughput and CPU time.
#include <sys/resource.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "lib/base/manual_clock.h"
#include "lib/compaction/index_snapshot.h"
#include "lib/engine/block_cache.h"
#include "lib/protocol/record/record_batch.h"
#include "lib/protocol/record/record_batch_builder.h"
#include "warp/compactor.h"
#include "warp/fault_injection.h"
#include "warp/fetcher.h"
#include "warp/garbage_collector.h"
#include "warp/memory_object_store.h"
#include "warp/metadata_store.h"
#include "warp/producer.h"

ABSL_FLAG(int, objects, 2000, "flushes (objects) to write");
ABSL_FLAG(int, object_kib, 32, "KiB per flush");
ABSL_FLAG(int, fan_in, 32, "compaction fan-in");
ABSL_FLAG(int, max_level, 3, "compaction levels");

namespace warp {
namespace {

constexpr char kCluster[] = "bench";

double CpuSeconds() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

struct ReadFigures {
  uint64_t bytes = 0;
  uint64_t gets = 0;
  double seconds = 0;
};

// Reads the whole partition from offset 0 as a consumer does.
ReadFigures CatchUp(ObjectStore* memory, MetadataStore* metadata) {
  FaultOptions count_gets;
  count_gets.ops = kOpGet;
  auto store = NewFaultInjectingObjectStore(memory, count_gets);
  engine::BlockCache cache(store.get(), engine::BlockCacheOptions{});
  std::unique_ptr<Fetcher> fetcher = *Fetcher::Create({store.get(), metadata, &cache});
  int64_t hwm = metadata->GetOffsets({"t", 0})->high_watermark;
  ReadFigures figures;
  absl::Time start = absl::Now();
  for (int64_t next = 0; next < hwm;) {
    absl::StatusOr<std::vector<PartitionRecords>> got =
        fetcher->Fetch({FetchPartition{{"t", 0}, next, 1 << 20}}, FetchOptions{});
    if (!got.ok() || (*got)[0].error != KafkaError::kNone) {
      std::fprintf(stderr, "fetch at %lld failed\n", static_cast<long long>(next));
      std::exit(1);
    }
    const std::string& records = (*got)[0].records;
    figures.bytes += records.size();
    // Continue after the last batch returned.
    absl::StatusOr<kafka::RecordBatchSequence> split = kafka::SplitRecordBatches(records);
    if (!split.ok() || split->batches.empty()) return figures;
    next = kafka::ParseRecordBatchHeader(split->batches.back(), kafka::CrcCheck::kSkip)
               ->last_offset() + 1;
  }
  figures.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  figures.gets = store->calls();
  return figures;
}

void Print(const char* when, size_t objects, const ReadFigures& r) {
  double mib = r.bytes / 1048576.0;
  std::printf("%-8s objects %6zu  catch-up %7.1f MiB  GETs %5llu  GETs/MiB %.3f  MiB/GET %.2f  %.0f MiB/s\n",
              when, objects, mib, static_cast<unsigned long long>(r.gets), r.gets / mib,
              r.gets ? mib / r.gets : 0.0, mib / r.seconds);
}

int Run() {
  ManualClock clock;
  std::unique_ptr<ObjectStore> memory = NewMemoryObjectStore(&clock);
  std::unique_ptr<MetadataStore> metadata = *MetadataStore::Open("mem://");
  (void)*metadata->Execute(CreateTopic{"t", {1, 2}, 1, {}});
  ProducerOptions producer_options;
  producer_options.store = memory.get();
  producer_options.metadata = metadata.get();
  producer_options.cluster = kCluster;
  producer_options.flush_bytes = 1;  // one object per append
  producer_options.clock = &clock;
  {
    std::unique_ptr<Producer> producer = *Producer::Create(producer_options);
    std::string value(1024, 'v');
    std::vector<kafka::RecordInput> records(absl::GetFlag(FLAGS_object_kib),
                                            {std::nullopt, value, {}, 0});
    std::string batch = *kafka::BuildRecordBatch(records, {});
    for (int i = 0; i < absl::GetFlag(FLAGS_objects); ++i) {
      absl::StatusOr<std::vector<ProduceResult>> r =
          producer->AppendAndWait({ProduceBatch{"t", 0, batch}});
      if (!r.ok()) return 1;
      clock.Advance(absl::Milliseconds(250));  // 4 flushes a second
    }
  }
  auto live_objects = [&] {
    return compaction::IndexSnapshot::Take(*metadata, kCluster).objects.size();
  };
  Print("before", live_objects(), CatchUp(memory.get(), metadata.get()));

  CompactorOptions options;
  options.store = memory.get();
  options.metadata = metadata.get();
  options.clock = &clock;
  options.cluster = kCluster;
  options.fan_in = absl::GetFlag(FLAGS_fan_in);
  options.max_level = absl::GetFlag(FLAGS_max_level);
  std::unique_ptr<Compactor> compactor = *Compactor::Create(options);
  uint64_t read = 0, written = 0;
  int merges = 0;
  double cpu = CpuSeconds();
  absl::Time start = absl::Now();
  for (int round = 0;; ++round) {
    int before = merges;
    for (;;) {
      absl::StatusOr<CompactionResult> r = compactor->CompactOnce();
      if (!r.ok()) {
        std::fprintf(stderr, "compaction failed: %s\n", r.status().ToString().c_str());
        return 1;
      }
      if (r->inputs.empty()) break;
      merges += r->committed;
      read += r->bytes_read;
      written += r->bytes_written;
    }
    if (merges == before) break;
    clock.Advance(options.partial_merge_age);  // time passes: tails merge
  }
  double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  cpu = CpuSeconds() - cpu;
  std::printf("compaction: %d merges, read %.1f MiB, wrote %.1f MiB in %.2f s: %.0f MiB/s "
              "(read+written %.0f MiB/s), CPU %.2f s (%.1f ms per MiB written)\n",
              merges, read / 1048576.0, written / 1048576.0, seconds,
              written / 1048576.0 / seconds, (read + written) / 1048576.0 / seconds, cpu,
              1000 * cpu / (written / 1048576.0));
  clock.Advance(absl::Minutes(10));
  GarbageCollectorOptions gc_options;
  gc_options.store = memory.get();
  gc_options.metadata = metadata.get();
  gc_options.clock = &clock;
  gc_options.cluster = kCluster;
  std::unique_ptr<GarbageCollector> gc = *GarbageCollector::Create(gc_options);
  absl::StatusOr<int64_t> deleted = gc->DeleteDeadObjects();
  std::printf("gc: %lld replaced objects deleted, %zu left in the bucket\n",
              static_cast<long long>(deleted.value_or(-1)),
              memory->List(absl::StrCat(kCluster, "/data/"))->size());
  Print("after", live_objects(), CatchUp(memory.get(), metadata.get()));
  return 0;
}

}  // namespace
}  // namespace warp

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return warp::Run();
}
