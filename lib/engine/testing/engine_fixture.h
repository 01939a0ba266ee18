// The engine's test fixture: a Producer and a Fetcher over a memory bucket
// (optionally behind the fault wrapper) and an in-memory metadata store with
// a topic "t" of 4 partitions; and helpers to make and read record batches.
// Test-only.
#ifndef WARP_LIB_ENGINE_TESTING_ENGINE_FIXTURE_H_
#define WARP_LIB_ENGINE_TESTING_ENGINE_FIXTURE_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/engine/block_cache.h"
#include "lib/protocol/record/record_batch.h"
#include "lib/protocol/record/record_batch_builder.h"
#include "warp/fault_injection.h"
#include "warp/fetcher.h"
#include "warp/memory_object_store.h"
#include "warp/metadata_store.h"
#include "warp/producer.h"

namespace warp {

// A batch of `n` records with values "<tag>-<i>".
inline std::string Batch(const std::string& tag, int n, int64_t producer_id = -1,
                  int32_t base_sequence = -1) {
  std::vector<std::string> values;
  for (int i = 0; i < n; ++i) values.push_back(absl::StrCat(tag, "-", i));
  std::vector<kafka::RecordInput> records;
  for (const std::string& v : values) {
    records.push_back({std::nullopt, absl::string_view(v), {}, 1000});
  }
  kafka::RecordBatchOptions options;
  options.producer_id = producer_id;
  options.producer_epoch = producer_id >= 0 ? 0 : -1;
  options.base_sequence = base_sequence;
  return *kafka::BuildRecordBatch(records, options);
}

// The (offset, value) of every record in `records`.
inline std::vector<std::pair<int64_t, std::string>> Records(absl::string_view records) {
  std::vector<std::pair<int64_t, std::string>> out;
  auto split = kafka::SplitRecordBatches(records);
  EXPECT_TRUE(split.ok());
  for (absl::string_view b : split->batches) {
    auto reader = kafka::RecordBatchReader::Open(b);
    EXPECT_TRUE(reader.ok()) << reader.status();
    kafka::RecordView r;
    while (*reader->Next(&r)) {
      out.push_back({kafka::RecordOffset(reader->header(), r), std::string(*r.value)});
    }
  }
  return out;
}

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(); }

  void Start(ProducerOptions options = {}, FaultOptions faults = {}) {
    producer_.reset();
    if (!memory_) memory_ = NewMemoryObjectStore();
    faulty_ = NewFaultInjectingObjectStore(memory_.get(), faults);
    if (!metadata_) {
      metadata_ = *MetadataStore::Open("mem://");
      ASSERT_TRUE((*metadata_->Execute(CreateTopic{"t", {}, 4, {}})).ok());
    }
    cache_ = std::make_unique<engine::BlockCache>(faulty_.get(), engine::BlockCacheOptions{});
    options.store = faulty_.get();
    options.metadata = metadata_.get();
    options.cache = cache_.get();
    if (options.flush_interval == absl::Milliseconds(250)) {
      options.flush_interval = absl::Milliseconds(5);
    }
    producer_ = *Producer::Create(options);
    fetcher_ = *Fetcher::Create({faulty_.get(), metadata_.get(), cache_.get()});
  }

  std::unique_ptr<ObjectStore> memory_;
  std::unique_ptr<FaultInjectingObjectStore> faulty_;
  std::unique_ptr<MetadataStore> metadata_;
  std::unique_ptr<engine::BlockCache> cache_;
  std::unique_ptr<Producer> producer_;
  std::unique_ptr<Fetcher> fetcher_;
};

}  // namespace warp

#endif  // WARP_LIB_ENGINE_TESTING_ENGINE_FIXTURE_H_
