#include "warp/testing/metadata_store_conformance.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

namespace warp {

void MetadataStoreConformanceTest::SetUp() {
  url_ = GetParam().new_url();
  store_ = Open();
  ASSERT_NE(store_, nullptr);
}

std::unique_ptr<MetadataStore> MetadataStoreConformanceTest::Open() {
  auto store = MetadataStore::Open(url_);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

namespace {

BatchToCommit Batch(const std::string& topic, int32_t partition, int32_t records) {
  BatchToCommit b;
  b.topic = topic;
  b.partition = partition;
  b.record_count = records;
  b.byte_length = 100;
  b.max_timestamp = 1000;
  return b;
}

CommandResult MustExecute(MetadataStore* store, Command command) {
  auto result = store->Execute(std::move(command));
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? *result : CommandResult{};
}

TEST_P(MetadataStoreConformanceTest, CreateAndDescribeTopics) {
  EXPECT_TRUE(MustExecute(store_.get(), CreateTopic{"t", {1, 2}, 3, {{"retention.ms", "60000"}}}).ok());
  auto topic = store_->GetTopic("t");
  ASSERT_TRUE(topic.has_value());
  EXPECT_EQ(topic->partitions, 3);
  EXPECT_EQ(topic->configs.at("retention.ms"), "60000");
  EXPECT_EQ(MustExecute(store_.get(), CreateTopic{"t", {}, 1, {}}).error,
            KafkaError::kTopicAlreadyExists);
  EXPECT_EQ(store_->GetOffsets({"t", 3}).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->ListTopics().size(), 1u);
}

// 32 committers, files of batches for the same partitions: every offset is
// assigned exactly once and offsets are contiguous.
TEST_P(MetadataStoreConformanceTest, ConcurrentCommitsGetUniqueContiguousOffsets) {
  ASSERT_TRUE(MustExecute(store_.get(), CreateTopic{"t", {}, 4, {}}).ok());
  constexpr int kThreads = 32;
  constexpr int kFiles = 40;
  absl::Mutex mu;
  std::map<int32_t, std::vector<std::pair<int64_t, int32_t>>> assigned;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int f = 0; f < kFiles; ++f) {
        CommitFile file{absl::StrCat("obj-", t, "-", f), 1000, 0, {}};
        for (int p = 0; p < 4; ++p) file.batches.push_back(Batch("t", p, 1 + (t + f + p) % 5));
        auto result = store_->Execute(file);
        ASSERT_TRUE(result.ok()) << result.status();
        absl::MutexLock lock(&mu);
        for (int p = 0; p < 4; ++p) {
          ASSERT_EQ(result->batches[p].error, KafkaError::kNone);
          assigned[p].push_back({result->batches[p].base_offset,
                                 file.batches[p].record_count});
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (auto& [p, ranges] : assigned) {
    std::sort(ranges.begin(), ranges.end());
    int64_t next = 0;
    for (auto [base, count] : ranges) {
      ASSERT_EQ(base, next) << "partition " << p;
      next += count;
    }
    EXPECT_EQ(store_->GetOffsets({"t", p})->high_watermark, next);
  }
}

TEST_P(MetadataStoreConformanceTest, IdempotentProducerThroughTheStore) {
  ASSERT_TRUE(MustExecute(store_.get(), CreateTopic{"t", {}, 1, {}}).ok());
  int64_t pid = MustExecute(store_.get(), AllocateProducerIds{1}).producer_id;
  ASSERT_GE(pid, 0);
  BatchToCommit b = Batch("t", 0, 3);
  b.producer_id = pid;
  b.producer_epoch = 0;
  b.base_sequence = 0;
  CommandResult first = MustExecute(store_.get(), CommitFile{"a", 1000, 0, {b}});
  CommandResult again = MustExecute(store_.get(), CommitFile{"b", 1000, 0, {b}});
  EXPECT_EQ(first.batches[0].base_offset, 0);
  EXPECT_TRUE(again.batches[0].duplicate);
  EXPECT_EQ(again.batches[0].base_offset, 0);
  EXPECT_EQ(store_->GetOffsets({"t", 0})->high_watermark, 3);
  b.base_sequence = 7;
  EXPECT_EQ(MustExecute(store_.get(), CommitFile{"c", 1000, 0, {b}}).batches[0].error,
            KafkaError::kOutOfOrderSequenceNumber);
  // The duplicate's object holds nothing live: garbage for GC.
  auto dead = store_->DeadObjects(absl::FromUnixMillis(1));
  EXPECT_NE(std::find(dead.begin(), dead.end(), "b"), dead.end());
}

TEST_P(MetadataStoreConformanceTest, LongPollWakesOnCommitAndTimesOut) {
  ASSERT_TRUE(MustExecute(store_.get(), CreateTopic{"t", {}, 1, {}}).ok());
  absl::Time start = absl::Now();
  auto timed_out = store_->WaitForHighWatermark({"t", 0}, 0, start + absl::Milliseconds(100));
  ASSERT_TRUE(timed_out.ok());
  EXPECT_EQ(*timed_out, 0);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(90));
  std::thread committer([&] {
    absl::SleepFor(absl::Milliseconds(50));
    MustExecute(store_.get(), CommitFile{"x", 1000, 0, {Batch("t", 0, 2)}});
  });
  auto woken = store_->WaitForHighWatermark({"t", 0}, 0, absl::Now() + absl::Seconds(30));
  committer.join();
  ASSERT_TRUE(woken.ok());
  EXPECT_EQ(*woken, 2);
  EXPECT_EQ(store_->WaitForHighWatermark({"nope", 0}, 0, absl::Now()).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(MetadataStoreConformanceTest, WatchesFireOnceWhenAWatchedPartitionMoves) {
  ASSERT_TRUE(MustExecute(store_.get(), CreateTopic{"t", {}, 2, {}}).ok());
  absl::Mutex mu;
  int fired_a = 0, fired_b = 0, fired_now = 0, fired_gone = 0;
  auto count = [&](int* n) {
    return [&mu, n] {
      absl::MutexLock lock(&mu);
      ++*n;
    };
  };
  // Partition 1 moves, partition 0 does not: only the watch on 1 fires.
  MetadataStore::WatchId a = store_->WatchHighWatermarks({{{"t", 0}, 0}}, count(&fired_a));
  store_->WatchHighWatermarks({{{"t", 0}, 5}, {{"t", 1}, 0}}, count(&fired_b));
  // Already past: fires before returning.
  MustExecute(store_.get(), CommitFile{"x", 1000, 0, {Batch("t", 1, 2)}});
  store_->WatchHighWatermarks({{{"t", 1}, 1}}, count(&fired_now));
  {
    absl::MutexLock lock(&mu);
    EXPECT_EQ(fired_now, 1);
  }
  // Watches fire from the thread that applied the commit (etcd: its watch
  // thread), so wait for it.
  auto b_fired = [&] { return fired_b == 1; };
  {
    absl::MutexLock lock(&mu);
    EXPECT_TRUE(mu.AwaitWithTimeout(absl::Condition(&b_fired), absl::Seconds(30)));
    EXPECT_EQ(fired_a, 0);
  }
  EXPECT_TRUE(store_->CancelWatch(a));
  EXPECT_FALSE(store_->CancelWatch(a));
  MustExecute(store_.get(), CommitFile{"y", 1000, 0, {Batch("t", 0, 1)}});
  // A deleted topic wakes its watchers (they then learn it is gone).
  store_->WatchHighWatermarks({{{"t", 0}, 100}}, count(&fired_gone));
  ASSERT_TRUE(MustExecute(store_.get(), DeleteTopic{"t", 1}).ok());
  auto gone = [&] { return fired_gone == 1; };
  absl::MutexLock lock(&mu);
  EXPECT_TRUE(mu.AwaitWithTimeout(absl::Condition(&gone), absl::Seconds(30)));
  EXPECT_EQ(fired_a, 0);  // cancelled before the commit that would fire it
  EXPECT_EQ(fired_b, 1);  // once only
}

TEST_P(MetadataStoreConformanceTest, FetchPlansAndTimestamps) {
  ASSERT_TRUE(MustExecute(store_.get(), CreateTopic{"t", {}, 1, {}}).ok());
  for (int i = 0; i < 5; ++i) {
    BatchToCommit b = Batch("t", 0, 10);
    b.max_timestamp = 1000 * (i + 1);
    MustExecute(store_.get(), CommitFile{absl::StrCat("o", i), 1000, 0, {b}});
  }
  FetchPlan plan = store_->FindBatches({"t", 0}, 25, 150);
  EXPECT_EQ(plan.error, KafkaError::kNone);
  ASSERT_EQ(plan.batches.size(), 1u);
  EXPECT_EQ(plan.batches[0].base_offset, 20);
  EXPECT_EQ(plan.offsets.high_watermark, 50);
  EXPECT_EQ(store_->OffsetForTimestamp({"t", 0}, 2500), 20);
  EXPECT_EQ(store_->OffsetForTimestamp({"t", 0}, 9999), -1);
  EXPECT_EQ(store_->FindBatches({"t", 0}, 51, 100).error, KafkaError::kOffsetOutOfRange);
}

TEST_P(MetadataStoreConformanceTest, StateSurvivesReopen) {
  if (!GetParam().durable) GTEST_SKIP() << "not durable";
  ASSERT_TRUE(MustExecute(store_.get(), CreateTopic{"t", {}, 2, {}}).ok());
  MustExecute(store_.get(), CommitFile{"o1", 1000, 0, {Batch("t", 1, 4)}});
  MustExecute(store_.get(),
              CommitGroupOffsets{"g", 5, {{{"t", 1}, {3, 0, "meta", 0}}}});
  uint64_t applied = store_->applied_index();
  store_.reset();
  store_ = Open();
  ASSERT_NE(store_, nullptr);
  EXPECT_EQ(store_->applied_index(), applied);
  EXPECT_EQ(store_->GetOffsets({"t", 1})->high_watermark, 4);
  EXPECT_EQ(store_->GetGroupOffsets("g").at({"t", 1}).metadata, "meta");
  EXPECT_EQ(MustExecute(store_.get(), CommitFile{"o2", 1000, 0, {Batch("t", 1, 1)}})
                .batches[0].base_offset, 4);
}

// ACLs and SCRAM users go through the journal like any command: results,
// revision, and (for durable stores) a reopen.
TEST_P(MetadataStoreConformanceTest, SecurityMetadataThroughTheStore) {
  const acl::AclBinding binding{
      {acl::ResourceType::kTopic, "pay", acl::PatternType::kPrefixed},
      {"User:alice", "*", acl::AclOperation::kRead, acl::AclPermissionType::kAllow}};
  EXPECT_EQ(store_->security_revision(), 0u);
  EXPECT_TRUE(MustExecute(store_.get(), AddAcls{{binding}}).ok());
  EXPECT_TRUE(MustExecute(store_.get(),
                          AlterScramCredentials{"alice", {{"SCRAM-SHA-256", "cred"}}, {}})
                  .ok());
  EXPECT_EQ(MustExecute(store_.get(), AlterScramCredentials{"bob", {}, {"SCRAM-SHA-256"}}).error,
            KafkaError::kResourceNotFound);
  SecurityMetadata security = store_->GetSecurity();
  EXPECT_EQ(security.revision, 2u);
  EXPECT_EQ(store_->security_revision(), 2u);
  EXPECT_EQ(security.acls, std::vector<acl::AclBinding>{binding});
  EXPECT_EQ(security.scram_users.at("alice").at("SCRAM-SHA-256"), "cred");
  if (!GetParam().durable) return;
  store_.reset();
  store_ = Open();
  ASSERT_NE(store_, nullptr);
  security = store_->GetSecurity();
  EXPECT_EQ(security.revision, 2u);
  EXPECT_EQ(security.acls, std::vector<acl::AclBinding>{binding});
  EXPECT_EQ(security.scram_users.at("alice").at("SCRAM-SHA-256"), "cred");
}

// A transaction through the store's queries: the coordinator's state, the
// producer on the partition with its open transaction, offsets pending in
// it; and what commit leaves (for durable stores, also after a reopen).
TEST_P(MetadataStoreConformanceTest, TransactionsThroughTheStore) {
  ASSERT_TRUE(MustExecute(store_.get(), CreateTopic{"t", {}, 2, {}}).ok());
  EXPECT_FALSE(store_->GetTransaction("tx").has_value());
  CommandResult init = MustExecute(store_.get(), InitTransactionalProducer{"tx", 30000, 10, -1, -1});
  ASSERT_TRUE(init.ok());
  const int64_t pid = init.producer_id;
  ASSERT_TRUE(MustExecute(store_.get(), AddToTransaction{"tx", pid, 0, {{"t", 1}}, {"g"}, 11}).ok());
  BatchToCommit b = Batch("t", 1, 3);
  b.producer_id = pid;
  b.producer_epoch = 0;
  b.base_sequence = 0;
  b.transactional = true;
  ASSERT_EQ(MustExecute(store_.get(), CommitFile{"o1", 1000, 12, {b}}).batches[0].error,
            KafkaError::kNone);
  ASSERT_TRUE(MustExecute(store_.get(), CommitTransactionalOffsets{"tx", "g", pid, 0,
                                                                    {{{"t", 0}, {7, 0, "", 0}}}})
                  .ok());
  std::optional<TransactionInfo> txn = store_->GetTransaction("tx");
  ASSERT_TRUE(txn.has_value());
  EXPECT_EQ(txn->state, TransactionState::kOngoing);
  EXPECT_EQ(txn->timeout_ms, 30000);
  EXPECT_EQ(txn->start_ms, 11);
  EXPECT_EQ(txn->partitions, (std::vector<TopicPartition>{{"t", 1}}));
  EXPECT_EQ(store_->ListTransactions().size(), 1u);
  EXPECT_EQ(store_->PendingGroupOffsets("g"), (std::vector<TopicPartition>{{"t", 0}}));
  EXPECT_TRUE(store_->GetGroupOffsets("g").empty());
  absl::StatusOr<std::vector<ProducerInfo>> producers = store_->GetProducers({"t", 1});
  ASSERT_TRUE(producers.ok()) << producers.status();
  ASSERT_EQ(producers->size(), 1u);
  EXPECT_EQ((*producers)[0].producer_id, pid);
  EXPECT_EQ((*producers)[0].last_sequence, 2);
  EXPECT_EQ((*producers)[0].current_txn_start_offset, 0);
  EXPECT_EQ(store_->GetOffsets({"t", 1})->last_stable_offset, 0);
  EXPECT_EQ(store_->GetProducers({"t", 9}).status().code(), absl::StatusCode::kNotFound);

  ASSERT_TRUE(MustExecute(store_.get(), EndTransaction{"tx", pid, 0, true, 13}).ok());
  if (GetParam().durable) {
    store_.reset();
    store_ = Open();
    ASSERT_NE(store_, nullptr);
  }
  EXPECT_EQ(store_->GetTransaction("tx")->state, TransactionState::kCompleteCommit);
  EXPECT_TRUE(store_->PendingGroupOffsets("g").empty());
  EXPECT_EQ(store_->GetGroupOffsets("g").at({"t", 0}).offset, 7);
  EXPECT_EQ(store_->GetProducers({"t", 1})->at(0).current_txn_start_offset, -1);
  EXPECT_EQ(store_->GetOffsets({"t", 1})->last_stable_offset, 4);  // data and marker
}

}  // namespace
}  // namespace warp
