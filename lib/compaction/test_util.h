// Test helpers for compaction, retention and GC: an in-process cluster
// (memory bucket behind the fault wrapper, in-memory metadata, a manual
// clock, a producer that makes one object per append) and readers that check
// what a fetch returns.
#ifndef WARP_LIB_COMPACTION_TEST_UTIL_H_
#define WARP_LIB_COMPACTION_TEST_UTIL_H_

#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/base/manual_clock.h"
#include "lib/compaction/index_snapshot.h"
#include "lib/engine/block_cache.h"
#include "lib/protocol/record/record_batch.h"
#include "lib/protocol/record/record_batch_builder.h"
#include "warp/fault_injection.h"
#include "warp/fetcher.h"
#include "warp/memory_object_store.h"
#include "warp/metadata_store.h"
#include "warp/producer.h"

namespace warp::compaction::testing {

inline constexpr char kCluster[] = "c";

// A batch of the records `values`, all with timestamp `timestamp_ms`.
inline std::string Batch(const std::vector<std::string>& values, int64_t timestamp_ms) {
  std::vector<kafka::RecordInput> records;
  for (const std::string& v : values) {
    records.push_back({std::nullopt, absl::string_view(v), {}, timestamp_ms});
  }
  return *kafka::BuildRecordBatch(records, {});
}

// (offset, value) of every record in `records` (concatenated batches).
inline std::vector<std::pair<int64_t, std::string>> Records(absl::string_view records) {
  std::vector<std::pair<int64_t, std::string>> out;
  auto split = kafka::SplitRecordBatches(records);
  EXPECT_TRUE(split.ok());
  if (!split.ok()) return out;
  for (absl::string_view b : split->batches) {
    auto reader = kafka::RecordBatchReader::Open(b);
    EXPECT_TRUE(reader.ok()) << reader.status();
    if (!reader.ok()) return out;
    kafka::RecordView r;
    while (*reader->Next(&r)) {
      out.push_back({kafka::RecordOffset(reader->header(), r), std::string(*r.value)});
    }
  }
  return out;
}

class TestCluster;

// Options of a job (CompactorOptions, LogCleanerOptions, ...) over cluster
// `c`, as agent `agent_id`.
template <typename Options>
Options JobOptions(TestCluster& c, const char* agent_id);

class TestCluster {
 public:
  explicit TestCluster(int partitions = 2, TopicConfigs configs = {}) {
    memory_ = NewMemoryObjectStore(&clock_);  // last_modified on the manual clock
    store_ = NewFaultInjectingObjectStore(memory_.get(), {}, &clock_);
    metadata_ = *MetadataStore::Open("mem://");
    EXPECT_TRUE((*metadata_->Execute(CreateTopic{"t", {1, 1}, partitions, configs})).ok());
    cache_ = std::make_unique<engine::BlockCache>(store_.get(), engine::BlockCacheOptions{});
    ProducerOptions options;
    options.store = store_.get();
    options.metadata = metadata_.get();
    options.cache = cache_.get();
    options.cluster = kCluster;
    options.agent_id = "a";
    options.flush_bytes = 1;  // one object per append
    options.clock = &clock_;
    producer_ = *Producer::Create(options);
  }

  ManualClock& clock() { return clock_; }
  ObjectStore& memory() { return *memory_; }
  FaultInjectingObjectStore& store() { return *store_; }
  MetadataStore& metadata() { return *metadata_; }

  // Appends `values` to partition `p` as one batch in one object; returns
  // its base offset, or -1 if the append failed.
  int64_t Produce(int32_t p, const std::vector<std::string>& values) {
    return ProduceBytes(p, Batch(values, absl::ToUnixMillis(clock_.Now())));
  }

  // Appends `records` (Kafka record batches) to partition `p` in one
  // object; returns the base offset, or -1 if the append failed.
  int64_t ProduceBytes(int32_t p, std::string records) {
    absl::StatusOr<std::vector<ProduceResult>> r =
        producer_->AppendAndWait({ProduceBatch{"t", p, std::move(records)}});
    if (!r.ok() || (*r)[0].error != KafkaError::kNone) return -1;
    return (*r)[0].base_offset;
  }

  // Fetches partition `p` from `offset` through a fresh cache, so every byte
  // comes from the bucket. `max_bytes` per fetch.
  absl::StatusOr<PartitionRecords> FetchFresh(int32_t p, int64_t offset,
                                              uint64_t max_bytes = 1 << 20) {
    engine::BlockCache cache(store_.get(), engine::BlockCacheOptions{});
    std::unique_ptr<Fetcher> fetcher = *Fetcher::Create({store_.get(), metadata_.get(), &cache});
    absl::StatusOr<std::vector<PartitionRecords>> got =
        fetcher->Fetch({FetchPartition{{"t", p}, offset, max_bytes}}, FetchOptions{});
    if (!got.ok()) return got.status();
    return (*got)[0];
  }

  // Every record of partition `p` from its log start to its high watermark,
  // by offset, read as a consumer does (fetch, continue after the last).
  std::map<int64_t, std::string> ReadAll(int32_t p) {
    std::map<int64_t, std::string> out;
    PartitionOffsets offsets = *metadata_->GetOffsets({"t", p});
    int64_t next = offsets.log_start_offset;
    while (next < offsets.high_watermark) {
      absl::StatusOr<PartitionRecords> got = FetchFresh(p, next);
      EXPECT_TRUE(got.ok()) << got.status();
      if (!got.ok() || got->error != KafkaError::kNone) {
        ADD_FAILURE() << "fetch at " << next << " failed";
        break;
      }
      int64_t before = next;
      for (auto& [offset, value] : Records(got->records)) {
        if (offset < next) continue;
        EXPECT_EQ(offset, next) << "gap in partition " << p;
        out[offset] = value;
        next = offset + 1;
      }
      if (next == before) {
        ADD_FAILURE() << "no progress at " << next;
        break;
      }
    }
    return out;
  }

  // Keys of the cluster's data objects in the bucket.
  std::set<std::string> BucketObjects() {
    std::set<std::string> out;
    absl::StatusOr<std::vector<ObjectInfo>> listed =
        memory_->List(absl::StrCat(kCluster, "/data/"));
    EXPECT_TRUE(listed.ok()) << listed.status();
    if (!listed.ok()) return out;
    for (const ObjectInfo& o : *listed) out.insert(o.key);
    return out;
  }

  // Keys the metadata index references.
  std::set<std::string> LiveObjects() {
    std::set<std::string> out;
    for (const auto& [key, o] : IndexSnapshot::Take(*metadata_, kCluster).objects) {
      out.insert(key);
    }
    return out;
  }

 private:
  ManualClock clock_;
  std::unique_ptr<ObjectStore> memory_;
  std::unique_ptr<FaultInjectingObjectStore> store_;
  std::unique_ptr<MetadataStore> metadata_;
  std::unique_ptr<engine::BlockCache> cache_;
  std::unique_ptr<Producer> producer_;
};

template <typename Options>
Options JobOptions(TestCluster& c, const char* agent_id) {
  Options options;
  options.store = &c.store();
  options.metadata = &c.metadata();
  options.clock = &c.clock();
  options.cluster = kCluster;
  options.agent_id = agent_id;
  return options;
}

}  // namespace warp::compaction::testing

#endif  // WARP_LIB_COMPACTION_TEST_UTIL_H_
