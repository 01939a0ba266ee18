// The engine end to end in-process: Producer and Fetcher over a memory bucket
// (optionally behind the fault wrapper) and an in-memory metadata store.
#include <atomic>
#include <map>
#include <thread>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "lib/engine/testing/engine_fixture.h"
#include "lib/base/manual_clock.h"
#include "lib/engine/block_cache.h"
#include "lib/engine/object_format.h"
#include "lib/metadata/forwarding_metadata_store.h"
#include "lib/protocol/record/crc32c.h"
#include "lib/protocol/record/record_batch.h"
#include "lib/protocol/record/record_batch_builder.h"
#include "lib/protocol/record/record_batch_format.h"
#include "warp/fault_injection.h"
#include "warp/fetcher.h"
#include "warp/memory_object_store.h"
#include "warp/producer.h"

namespace warp {
namespace {

// Sets the big-endian int32 at `offset` of `batch` and recomputes its CRC, as
// a hostile client would.
void Patch32(std::string* batch, size_t offset, uint32_t value) {
  for (int i = 0; i < 4; ++i) (*batch)[offset + i] = static_cast<char>(value >> (24 - 8 * i));
  uint32_t crc = kafka::ComputeRecordBatchCrc(*batch);
  for (int i = 0; i < 4; ++i) {
    (*batch)[kafka::kCrcOffset + i] = static_cast<char>(crc >> (24 - 8 * i));
  }
}


TEST_F(EngineTest, ProducedRecordsComeBackAtTheirOffsets) {
  auto r1 = producer_->AppendAndWait({{"t", 0, Batch("a", 3)}, {"t", 1, Batch("b", 2)}});
  ASSERT_TRUE(r1.ok()) << r1.status();
  EXPECT_EQ((*r1)[0].base_offset, 0);
  EXPECT_EQ((*r1)[1].base_offset, 0);
  auto r2 = producer_->AppendAndWait({{"t", 0, Batch("c", 2)}});
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ((*r2)[0].base_offset, 3);
  auto fetched = fetcher_->Fetch({{{"t", 0}, 0}, {{"t", 1}, 0}}, {});
  ASSERT_TRUE(fetched.ok()) << fetched.status();
  EXPECT_EQ((*fetched)[0].high_watermark, 5);
  EXPECT_EQ(Records((*fetched)[0].records),
            (std::vector<std::pair<int64_t, std::string>>{
                {0, "a-0"}, {1, "a-1"}, {2, "a-2"}, {3, "c-0"}, {4, "c-1"}}));
  EXPECT_EQ(Records((*fetched)[1].records).size(), 2u);
}

TEST_F(EngineTest, AFetchAtEveryOffsetOfABatchReturnsThatWholeBatch) {
  ASSERT_TRUE(producer_->AppendAndWait({{"t", 2, Batch("x", 5)}}).ok());
  ASSERT_TRUE(producer_->AppendAndWait({{"t", 2, Batch("y", 5)}}).ok());
  for (int64_t offset = 0; offset < 10; ++offset) {
    auto fetched = fetcher_->Fetch({{{"t", 2}, offset, 1}}, {});
    ASSERT_TRUE(fetched.ok());
    auto records = Records((*fetched)[0].records);
    ASSERT_EQ(records.size(), 5u) << "offset " << offset;
    EXPECT_EQ(records.front().first, offset / 5 * 5);
  }
  auto past = fetcher_->Fetch({{{"t", 2}, 11}}, {});
  EXPECT_EQ((*past)[0].error, KafkaError::kOffsetOutOfRange);
  auto at_end = fetcher_->Fetch({{{"t", 2}, 10}}, {});
  EXPECT_EQ((*at_end)[0].error, KafkaError::kNone);
  EXPECT_TRUE((*at_end)[0].records.empty());
  auto unknown = fetcher_->Fetch({{{"nope", 0}, 0}}, {});
  EXPECT_EQ((*unknown)[0].error, KafkaError::kUnknownTopicOrPartition);
}

TEST_F(EngineTest, CorruptBatchesAreRefusedAlone) {
  std::string bad = Batch("z", 2);
  bad[bad.size() - 1] ^= 1;  // breaks the CRC
  auto r = producer_->AppendAndWait({{"t", 0, bad}, {"t", 1, Batch("ok", 1)}, {"t", 0, "x"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].error, KafkaError::kCorruptMessage);
  EXPECT_EQ((*r)[1].error, KafkaError::kNone);
  EXPECT_EQ((*r)[2].error, KafkaError::kCorruptMessage);
  EXPECT_EQ(metadata_->GetOffsets({"t", 0})->high_watermark, 0);
}

// A batch's offset range moves the high watermark, so it must be what the
// batch holds: a one-record batch claiming 2^31 offsets, an empty batch and
// counts that disagree with the records are refused (INVALID_RECORD), alone.
TEST_F(EngineTest, BatchesWhoseOffsetRangeLiesAreRefused) {
  std::string huge = Batch("one", 1);
  Patch32(&huge, kafka::kLastOffsetDeltaOffset, 0x7fffffff);
  std::string empty = Batch("one", 1);
  Patch32(&empty, kafka::kRecordCountOffset, 0);
  std::string short_count = Batch("three", 3);  // says 4 records, holds 3
  Patch32(&short_count, kafka::kLastOffsetDeltaOffset, 3);
  Patch32(&short_count, kafka::kRecordCountOffset, 4);
  std::string long_count = Batch("three", 3);  // says 2 records, holds 3
  Patch32(&long_count, kafka::kLastOffsetDeltaOffset, 1);
  Patch32(&long_count, kafka::kRecordCountOffset, 2);
  // Compressed: only decompressing shows the count is wrong.
  std::vector<kafka::RecordInput> one = {{std::nullopt, "v", {}, 1000}};
  kafka::RecordBatchOptions zstd;
  zstd.compression = kafka::Compression::kZstd;
  std::string compressed = *kafka::BuildRecordBatch(one, zstd);
  Patch32(&compressed, kafka::kLastOffsetDeltaOffset, 2);
  Patch32(&compressed, kafka::kRecordCountOffset, 3);
  std::string good_compressed = *kafka::BuildRecordBatch(one, zstd);
  auto r = producer_->AppendAndWait({{"t", 0, huge},
                                     {"t", 0, empty},
                                     {"t", 0, short_count},
                                     {"t", 0, long_count},
                                     {"t", 0, compressed},
                                     {"t", 1, Batch("ok", 2)},
                                     {"t", 1, good_compressed}});
  ASSERT_TRUE(r.ok());
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ((*r)[i].error, KafkaError::kInvalidRecord) << i << ": " << (*r)[i].message;
    EXPECT_FALSE((*r)[i].message.empty()) << i;
  }
  EXPECT_EQ((*r)[5].error, KafkaError::kNone);
  EXPECT_EQ((*r)[6].error, KafkaError::kNone);
  EXPECT_EQ(metadata_->GetOffsets({"t", 0})->high_watermark, 0);
  EXPECT_EQ(metadata_->GetOffsets({"t", 1})->high_watermark, 3);
}

TEST_F(EngineTest, AMultiPartitionAppendLandsInOneObject) {
  auto r = producer_->AppendAndWait(
      {{"t", 0, Batch("a", 1)}, {"t", 1, Batch("b", 1)}, {"t", 3, Batch("c", 1)}});
  ASSERT_TRUE(r.ok());
  std::set<std::string> objects;
  for (int p : {0, 1, 3}) {
    FetchPlan plan = metadata_->FindBatches({"t", p}, 0, 1 << 20);
    ASSERT_EQ(plan.batches.size(), 1u);
    objects.insert(plan.batches[0].object_key);
  }
  EXPECT_EQ(objects.size(), 1u);
  auto object = memory_->Get(*objects.begin());
  ASSERT_TRUE(object.ok());
  auto index = engine::ParseObject(*object);
  ASSERT_TRUE(index.ok()) << index.status();
  EXPECT_EQ(index->size(), 3u);
}

// Many threads, each appending in sequence to one partition, with PUTs of
// random latency so flushes overlap and finish out of order: every thread's
// offsets increase in the order its appends were accepted.
TEST_F(EngineTest, PerPartitionOrderUnderOverlappingFlushes) {
  FaultOptions faults;
  faults.put_latency = LatencyDistribution::Uniform(absl::Milliseconds(1), absl::Milliseconds(30));
  ProducerOptions options;
  options.flush_interval = absl::Milliseconds(2);
  options.max_inflight_flushes = 4;
  Start(options, faults);
  constexpr int kThreads = 8, kAppends = 40;
  std::vector<std::thread> threads;
  absl::Mutex mu;
  std::map<int, std::vector<std::pair<int64_t, std::string>>> acked;  // partition -> (offset, value)
  std::vector<std::atomic<int>> done(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      int partition = t % 4;
      std::vector<int64_t> offsets(kAppends, -1);
      absl::Mutex order_mu;
      std::atomic<int> pending{kAppends};
      absl::Notification all;
      for (int i = 0; i < kAppends; ++i) {
        producer_->Append({{"t", partition, Batch(absl::StrCat("t", t, "-", i), 1)}},
                          [&, i](absl::Status s, std::vector<ProduceResult> r) {
                            EXPECT_TRUE(s.ok()) << s;
                            if (s.ok()) offsets[i] = r[0].base_offset;
                            if (--pending == 0) all.Notify();
                          });
      }
      all.WaitForNotification();
      for (int i = 1; i < kAppends; ++i) EXPECT_GT(offsets[i], offsets[i - 1]) << t;
      absl::MutexLock lock(&mu);
      for (int i = 0; i < kAppends; ++i) {
        acked[partition].push_back({offsets[i], absl::StrCat("t", t, "-", i, "-0")});
      }
    });
  }
  for (auto& th : threads) th.join();
  for (auto& [partition, expected] : acked) {
    auto fetched = fetcher_->Fetch({{{"t", partition}, 0, 1 << 30}}, {});
    ASSERT_TRUE(fetched.ok());
    auto records = Records((*fetched)[0].records);
    std::map<int64_t, std::string> by_offset(records.begin(), records.end());
    EXPECT_EQ(by_offset.size(), expected.size());
    for (const auto& [offset, value] : expected) EXPECT_EQ(by_offset[offset], value);
  }
}

TEST_F(EngineTest, AFailedPutFailsItsAppendsAndNothingBecomesVisible) {
  FaultOptions faults;
  faults.ops = kOpPut;
  faults.error_rate = 1.0;
  Start({}, faults);
  auto r = producer_->AppendAndWait({{"t", 0, Batch("lost", 3)}});
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(metadata_->GetOffsets({"t", 0})->high_watermark, 0);
  faulty_->SetOptions(FaultOptions{});
  auto ok = producer_->AppendAndWait({{"t", 0, Batch("kept", 1)}});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ((*ok)[0].base_offset, 0);
}

// Half of the PUT answers are lost (the PUT happened). A create-only retry
// finds its object; an append is acknowledged once or failed, never both,
// and what is visible is exactly what was acknowledged.
TEST_F(EngineTest, LostPutResponsesNeverDuplicateOrLoseAcknowledgedData) {
  FaultOptions faults;
  faults.ops = kOpPut;
  faults.lost_response_rate = 0.5;
  faults.seed = 42;
  Start({}, faults);
  int64_t acknowledged = 0;
  for (int i = 0; i < 12; ++i) {
    auto r = producer_->AppendAndWait({{"t", 1, Batch(absl::StrCat("once", i), 2)}});
    if (r.ok()) {
      EXPECT_EQ((*r)[0].base_offset, acknowledged);
      acknowledged += 2;
    }
  }
  EXPECT_GT(faulty_->injected_faults(), 0u);
  EXPECT_GT(acknowledged, 0);
  EXPECT_EQ(metadata_->GetOffsets({"t", 1})->high_watermark, acknowledged);
}

TEST_F(EngineTest, IdempotentRetriesAreNotStoredTwice) {
  std::string b = Batch("idem", 2, /*producer_id=*/7, /*base_sequence=*/0);
  auto first = producer_->AppendAndWait({{"t", 0, b}});
  auto retry = producer_->AppendAndWait({{"t", 0, b}});
  ASSERT_TRUE(first.ok() && retry.ok());
  EXPECT_EQ((*retry)[0].base_offset, (*first)[0].base_offset);
  EXPECT_EQ(metadata_->GetOffsets({"t", 0})->high_watermark, 2);
}

TEST_F(EngineTest, AClientsBaseOffsetIsReplacedByTheAssignedOne) {
  ASSERT_TRUE(producer_->AppendAndWait({{"t", 1, Batch("first", 3)}}).ok());
  std::string odd = Batch("odd", 2);
  ASSERT_TRUE(kafka::SetBaseOffsetAndLeaderEpoch(absl::Span<char>(odd.data(), odd.size()), 77, 0)
                  .ok());
  auto appended = producer_->AppendAndWait({{"t", 1, odd}});
  ASSERT_TRUE(appended.ok()) << appended.status();
  EXPECT_EQ((*appended)[0].base_offset, 3);
  auto fetched = fetcher_->Fetch({{{"t", 1}, 3}}, {});
  ASSERT_TRUE(fetched.ok());
  auto records = Records((*fetched)[0].records);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].first, 3);
  EXPECT_EQ(records[1].first, 4);
}

TEST_F(EngineTest, LongPollWakesOnCommitAndTimesOut) {
  absl::Time start = absl::Now();
  auto empty = fetcher_->Fetch({{{"t", 3}, 0}}, {absl::Milliseconds(100), 1});
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE((*empty)[0].records.empty());
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(90));
  std::thread writer([&] {
    absl::SleepFor(absl::Milliseconds(30));
    ASSERT_TRUE(producer_->AppendAndWait({{"t", 3, Batch("late", 1)}}).ok());
  });
  auto woken = fetcher_->Fetch({{{"t", 3}, 0}}, {absl::Seconds(30), 1});
  writer.join();
  ASSERT_TRUE(woken.ok());
  EXPECT_EQ(Records((*woken)[0].records).size(), 1u);
}

// Collects FetchAsync answers.
struct AsyncAnswers {
  absl::Mutex mu;
  std::vector<absl::StatusOr<std::vector<PartitionRecords>>> answers;
  Fetcher::FetchDone Done() {
    return [this](absl::StatusOr<std::vector<PartitionRecords>> r) {
      absl::MutexLock lock(&mu);
      answers.push_back(std::move(r));
    };
  }
  size_t count() {
    absl::MutexLock lock(&mu);
    return answers.size();
  }
  bool AwaitCount(size_t n) {
    absl::MutexLock lock(&mu);
    auto reached = [&] { return answers.size() >= n; };
    return mu.AwaitWithTimeout(absl::Condition(&reached), absl::Seconds(30));
  }
};

TEST_F(EngineTest, AsyncLongPollsHoldNoThreadAndWakeOnCommit) {
  ASSERT_TRUE(producer_->AppendAndWait({{"t", 0, Batch("ready", 1)}}).ok());
  AsyncAnswers now;
  // Data already there: answered on this thread, before FetchAsync returns.
  fetcher_->FetchAsync({{{"t", 0}, 0}}, {absl::Seconds(30), 1}, now.Done());
  EXPECT_EQ(now.count(), 1u);
  // Two hundred waiting fetches from one thread: each call returns at once.
  AsyncAnswers waiting;
  for (int i = 0; i < 200; ++i) {
    fetcher_->FetchAsync({{{"t", 1 + i % 3}, 0}}, {absl::Seconds(60), 1}, waiting.Done());
  }
  EXPECT_EQ(waiting.count(), 0u);
  // One commit per partition wakes them all, each with its partition's batch.
  for (int p = 1; p <= 3; ++p) {
    ASSERT_TRUE(producer_->AppendAndWait({{"t", p, Batch("late", 2)}}).ok());
  }
  ASSERT_TRUE(waiting.AwaitCount(200));
  absl::MutexLock lock(&waiting.mu);
  for (auto& answer : waiting.answers) {
    ASSERT_TRUE(answer.ok()) << answer.status();
    EXPECT_EQ(Records((*answer)[0].records).size(), 2u);
  }
}

TEST_F(EngineTest, AsyncLongPollsWaitForMinBytesThenTimeOut) {
  AsyncAnswers answers;
  absl::Time start = absl::Now();
  fetcher_->FetchAsync({{{"t", 2}, 0}}, {absl::Milliseconds(300), 1 << 20}, answers.Done());
  // A commit smaller than min_bytes does not end the wait.
  ASSERT_TRUE(producer_->AppendAndWait({{"t", 2, Batch("small", 1)}}).ok());
  ASSERT_TRUE(answers.AwaitCount(1));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(290));
  absl::MutexLock lock(&answers.mu);
  ASSERT_TRUE(answers.answers[0].ok());
  EXPECT_EQ(Records((*answers.answers[0])[0].records).size(), 1u);  // what there is
}

// A FetchMemory with `limit` bytes to grant, counting what is held.
class TestFetchMemory final : public FetchMemory {
 public:
  explicit TestFetchMemory(uint64_t limit) : limit_(limit) {}
  uint64_t Reserve(uint64_t wanted) override {
    absl::MutexLock lock(&mu_);
    uint64_t granted = std::min(wanted, limit_ - held_);
    held_ += granted;
    ++reserves_;
    return granted;
  }
  void Release(uint64_t bytes) override {
    absl::MutexLock lock(&mu_);
    EXPECT_LE(bytes, held_);
    held_ -= bytes;
  }
  uint64_t held() {
    absl::MutexLock lock(&mu_);
    return held_;
  }
  int reserves() {
    absl::MutexLock lock(&mu_);
    return reserves_;
  }

 private:
  absl::Mutex mu_;
  const uint64_t limit_;
  uint64_t held_ ABSL_GUARDED_BY(mu_) = 0;
  int reserves_ ABSL_GUARDED_BY(mu_) = 0;
};

TEST_F(EngineTest, WaitingLongPollsHoldNoMemoryAndStarvedFetchesGetOffsetsOnly) {
  auto memory = std::make_shared<TestFetchMemory>(1 << 20);
  FetchOptions options{absl::Seconds(30), 1, 512 << 10, memory};
  AsyncAnswers answers;
  fetcher_->FetchAsync({{{"t", 1}, 0}}, options, answers.Done());
  // Waiting for data: its first attempt's reservation was given back.
  EXPECT_EQ(answers.count(), 0u);
  EXPECT_EQ(memory->held(), 0u);
  ASSERT_TRUE(producer_->AppendAndWait({{"t", 1, Batch("late", 2)}}).ok());
  ASSERT_TRUE(answers.AwaitCount(1));
  // The answering attempt's reservation stays with the caller.
  EXPECT_EQ(memory->held(), 512u << 10);
  EXPECT_GE(memory->reserves(), 2);
  {
    absl::MutexLock lock(&answers.mu);
    ASSERT_TRUE(answers.answers[0].ok());
    EXPECT_EQ(Records((*answers.answers[0])[0].records).size(), 2u);
  }
  memory->Release(512 << 10);

  // Nothing left to grant: answered at once, offsets only, no wait.
  auto none = std::make_shared<TestFetchMemory>(0);
  AsyncAnswers starved;
  fetcher_->FetchAsync({{{"t", 1}, 0}}, {absl::Seconds(30), 1, 1 << 20, none}, starved.Done());
  ASSERT_EQ(starved.count(), 1u);
  absl::MutexLock lock(&starved.mu);
  ASSERT_TRUE(starved.answers[0].ok());
  EXPECT_TRUE((*starved.answers[0])[0].records.empty());
  EXPECT_EQ((*starved.answers[0])[0].high_watermark, 2);
  EXPECT_EQ((*starved.answers[0])[0].error, KafkaError::kNone);
}

TEST_F(EngineTest, DestroyingTheFetcherAnswersWaitingFetches) {
  AsyncAnswers answers;
  for (int i = 0; i < 5; ++i) {
    fetcher_->FetchAsync({{{"t", 3}, 0}}, {absl::Hours(1), 1}, answers.Done());
  }
  fetcher_.reset();
  EXPECT_EQ(answers.count(), 5u);
  // Unknown partitions answer at once with their error.
  fetcher_ = *Fetcher::Create({faulty_.get(), metadata_.get(), cache_.get()});
  AsyncAnswers unknown;
  fetcher_->FetchAsync({{{"nope", 0}, 0}}, {absl::Hours(1), 1}, unknown.Done());
  ASSERT_EQ(unknown.count(), 1u);
  absl::MutexLock lock(&unknown.mu);
  EXPECT_EQ((*unknown.answers[0])[0].error, KafkaError::kUnknownTopicOrPartition);
}

TEST_F(EngineTest, TailingReadersCostNoGets) {
  ASSERT_TRUE(producer_->AppendAndWait({{"t", 0, Batch("hot", 10)}}).ok());
  uint64_t gets = cache_->stats().gets;
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(fetcher_->Fetch({{{"t", 0}, 0}}, {}).ok());
  EXPECT_EQ(cache_->stats().gets, gets);
}

// Partitions of one fetch that live in the same object share its GETs.
TEST_F(EngineTest, AMultiPartitionFetchDoesNotGetPerPartition) {
  ASSERT_TRUE(producer_->AppendAndWait({{"t", 0, Batch("a", 50)}, {"t", 1, Batch("b", 50)},
                                        {"t", 2, Batch("c", 50)}, {"t", 3, Batch("d", 50)}})
                  .ok());
  engine::BlockCache cold(faulty_.get(), engine::BlockCacheOptions{});
  auto fetcher = *Fetcher::Create({faulty_.get(), metadata_.get(), &cold});
  uint64_t before = faulty_->calls();
  auto fetched =
      fetcher->Fetch({{{"t", 0}, 0}, {{"t", 1}, 0}, {{"t", 2}, 0}, {{"t", 3}, 0}}, {});
  ASSERT_TRUE(fetched.ok());
  for (int p = 0; p < 4; ++p) EXPECT_EQ(Records((*fetched)[p].records).size(), 50u);
  EXPECT_EQ(faulty_->calls() - before, 1u);
}

// A metadata store whose commits always fail (the agent died between the PUT
// and the commit, or the journal is down).
class FailingCommits final : public metadata::ForwardingMetadataStore {
 public:
  using ForwardingMetadataStore::ForwardingMetadataStore;
  absl::StatusOr<CommandResult> Execute(Command c) override {
    if (std::holds_alternative<CommitFile>(c)) return absl::UnavailableError("journal down");
    return base()->Execute(std::move(c));
  }
};

TEST_F(EngineTest, AFailedCommitLeavesAnUnreferencedObjectAndNoAcknowledgement) {
  FailingCommits failing(metadata_.get());
  ProducerOptions options;
  options.store = faulty_.get();
  options.metadata = &failing;
  options.flush_interval = absl::Milliseconds(5);
  auto producer = *Producer::Create(options);
  auto r = producer->AppendAndWait({{"t", 0, Batch("never", 3)}});
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(metadata_->GetOffsets({"t", 0})->high_watermark, 0);
  // The object is in the bucket, referenced by nothing: garbage collection's.
  auto objects = memory_->List("default/data/");
  ASSERT_TRUE(objects.ok());
  EXPECT_EQ(objects->size(), 1u);
  EXPECT_EQ(metadata_->FindBatches({"t", 0}, 0, 1 << 20).batches.size(), 0u);
}

// A PUT so slow that the commit would come after max_commit_delay: garbage
// collection could already count the object as an orphan, so the flush
// fails (retriable) and its object is deleted instead of committed.
TEST_F(EngineTest, ACommitTooLateAfterThePutFailsTheFlushInstead) {
  ManualClock clock;
  FaultOptions faults;
  faults.put_latency = LatencyDistribution::Fixed(absl::Minutes(6));
  auto slow = NewFaultInjectingObjectStore(memory_.get(), faults, &clock);
  ProducerOptions options;
  options.store = slow.get();
  options.metadata = metadata_.get();
  options.clock = &clock;
  options.flush_bytes = 1;
  options.max_commit_delay = absl::Minutes(5);
  auto producer = *Producer::Create(options);
  auto r = producer->AppendAndWait({{"t", 0, Batch("late", 3)}});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(absl::IsUnavailable(r.status())) << r.status();
  EXPECT_EQ(metadata_->GetOffsets({"t", 0})->high_watermark, 0);
  EXPECT_TRUE(memory_->List("default/data/")->empty());
  // Within the bound the same PUT latency commits.
  slow->SetOptions(FaultOptions{.put_latency = LatencyDistribution::Fixed(absl::Minutes(4))});
  auto ok = producer->AppendAndWait({{"t", 0, Batch("in time", 3)}});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ((*ok)[0].base_offset, 0);
}

// The journal away: the first flush's commit fails after a long wait; the
// flush queued behind it fails at once instead of waiting as long again.
class SlowFailingCommits final : public metadata::ForwardingMetadataStore {
 public:
  SlowFailingCommits(MetadataStore* base, ObjectStore* bucket, ManualClock* clock)
      : ForwardingMetadataStore(base), bucket_(bucket), clock_(clock) {}
  absl::StatusOr<CommandResult> Execute(Command c) override {
    if (!std::holds_alternative<CommitFile>(c)) return base()->Execute(std::move(c));
    ++commits;
    // Both flushes are uploaded before this one gives up.
    for (int i = 0; i < 500 && bucket_->List("default/data/")->size() < 2; ++i) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    clock_->Advance(absl::Seconds(15));
    return absl::UnavailableError("journal away");
  }
  std::atomic<int> commits{0};

 private:
  ObjectStore* const bucket_;
  ManualClock* const clock_;
};

TEST_F(EngineTest, FlushesHeldBehindAFailingCommitFailAtOnce) {
  ManualClock clock;
  SlowFailingCommits journal(metadata_.get(), memory_.get(), &clock);
  ProducerOptions options;
  options.store = memory_.get();
  options.metadata = &journal;
  options.clock = &clock;
  options.flush_bytes = 1;
  options.max_commit_wait = absl::Seconds(10);
  auto producer = *Producer::Create(options);
  absl::StatusOr<std::vector<ProduceResult>> first, second;
  std::thread a([&] { first = producer->AppendAndWait({{"t", 0, Batch("one", 1)}}); });
  absl::SleepFor(absl::Milliseconds(20));
  std::thread b([&] { second = producer->AppendAndWait({{"t", 0, Batch("two", 1)}}); });
  a.join();
  b.join();
  EXPECT_TRUE(absl::IsUnavailable(first.status())) << first.status();
  EXPECT_TRUE(absl::IsUnavailable(second.status())) << second.status();
  EXPECT_EQ(journal.commits.load(), 1);  // the second never tried
  // The first's object is left to garbage collection (its commit may yet
  // land); the second's, never sent, is deleted.
  EXPECT_EQ(memory_->List("default/data/")->size(), 1u);
}

TEST(BlockCacheTest, CoalescesSharesAndStaysBounded) {
  auto memory = NewMemoryObjectStore();
  auto counting = NewFaultInjectingObjectStore(memory.get(), FaultOptions{});
  std::string object(10 << 20, 'q');
  for (size_t i = 0; i < object.size(); ++i) object[i] = static_cast<char>(i * 31);
  ASSERT_TRUE(memory->Put("o", object).ok());
  engine::BlockCacheOptions options;
  options.block_size = 1 << 20;
  // Blocks share the buffer of their GET, counted whole: the first GET (five
  // blocks) must fit.
  options.capacity_bytes = 6 << 20;
  options.read_ahead_blocks = 1;
  engine::BlockCache cache(counting.get(), options);
  // A read spanning three blocks: one GET (plus read-ahead in the same GET).
  auto r = cache.Read("o", 100, 3 << 20);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, object.substr(100, 3 << 20));
  EXPECT_EQ(counting->calls(), 1u);
  // The read-ahead block is served from memory.
  ASSERT_TRUE(cache.Read("o", (4 << 20) + 5, 1000).ok());
  EXPECT_EQ(counting->calls(), 1u);
  // Concurrent readers of one missing block share one GET.
  std::vector<std::thread> readers;
  for (int i = 0; i < 8; ++i) {
    readers.emplace_back([&] {
      auto got = cache.Read("o", (8 << 20) + 10, 100);
      ASSERT_TRUE(got.ok());
      EXPECT_EQ(*got, object.substr((8 << 20) + 10, 100));
    });
  }
  for (auto& t : readers) t.join();
  EXPECT_EQ(counting->calls(), 2u);
  EXPECT_LE(cache.stats().cached_bytes, options.capacity_bytes);
  // A sequential scan: at most one GET per block.
  engine::BlockCache scan(counting.get(), options);
  uint64_t before = counting->calls();
  for (uint64_t at = 0; at < object.size(); at += 64 << 10) {
    ASSERT_TRUE(scan.Read("o", at, 64 << 10).ok());
  }
  EXPECT_LE(counting->calls() - before, 10u / 2 + 1);
  EXPECT_FALSE(cache.Read("o", object.size() - 10, 100).ok());
}

TEST(BlockCacheTest, WrittenObjectsAreSharedAndCountedOnce) {
  auto memory = NewMemoryObjectStore();
  auto counting = NewFaultInjectingObjectStore(memory.get(), FaultOptions{});
  engine::BlockCacheOptions options;
  options.block_size = 1 << 20;
  options.capacity_bytes = 8 << 20;
  engine::BlockCache cache(counting.get(), options);
  std::vector<std::string> objects;
  for (int i = 0; i < 10; ++i) {
    auto buffer = std::make_shared<AlignedBuffer>((3 << 20) + 17);
    for (size_t j = 0; j < buffer->size(); ++j) buffer->data()[j] = static_cast<char>(i + j * 7);
    objects.emplace_back(buffer->view());
    std::string key = absl::StrCat("w", i);
    ASSERT_TRUE(memory->Put(key, buffer->view()).ok());
    cache.InsertObject(key, std::move(buffer));
    // Four blocks of one 3 MiB buffer count 3 MiB, not more.
    EXPECT_LE(cache.stats().cached_bytes, options.capacity_bytes);
  }
  EXPECT_EQ(cache.stats().cached_bytes, 2 * objects[0].size());
  // The newest two are served from memory, byte for byte, across blocks.
  for (int i = 8; i < 10; ++i) {
    auto got = cache.Read(absl::StrCat("w", i), (1 << 20) - 5, (2 << 20) + 10);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, objects[i].substr((1 << 20) - 5, (2 << 20) + 10));
  }
  EXPECT_EQ(counting->calls(), 0u);
  // ReadInto appends, and leaves the output alone on an error.
  std::string out = "prefix";
  ASSERT_TRUE(cache.ReadInto("w9", 0, 4, &out).ok());
  EXPECT_EQ(out, "prefix" + objects[9].substr(0, 4));
  EXPECT_FALSE(cache.ReadInto("w9", objects[9].size() - 2, 10, &out).ok());
  EXPECT_EQ(out, "prefix" + objects[9].substr(0, 4));
}

TEST(ObjectFormatTest, RoundTripsAndDetectsCorruption) {
  engine::ObjectBuilder builder;
  builder.Add("b", 1, "batch-b1", 1, 10);
  builder.Add("a", 0, "batch-a0-first", 2, 20);
  builder.Add("b", 1, "batch-b1-second", 3, 5);
  const size_t bound = builder.object_size_bound();
  AlignedBuffer reused(10, 1 << 16);
  const char* address = reused.data();
  AlignedBuffer finished = builder.Finish(std::move(reused));
  EXPECT_EQ(finished.data(), address);  // laid out in the buffer given
  EXPECT_LE(finished.size(), bound);
  std::string object(finished.view());
  auto index = engine::ParseObject(object);
  ASSERT_TRUE(index.ok()) << index.status();
  ASSERT_EQ(index->size(), 2u);
  EXPECT_EQ((*index)[0].topic, "a");
  EXPECT_EQ((*index)[1].batch_count, 2u);
  EXPECT_EQ((*index)[1].record_count, 4);
  EXPECT_EQ(object.substr(builder.placements()[2], 15), "batch-b1-second");
  // Grouped: b's two batches are adjacent.
  EXPECT_EQ(builder.placements()[2], builder.placements()[0] + 8);
  for (size_t i = 0; i < object.size(); i += 7) {
    std::string broken = object;
    broken[i] ^= 0x10;
    EXPECT_FALSE(engine::ParseObject(broken).ok()) << i;
  }
  EXPECT_FALSE(engine::ParseObject("short").ok());
}

// An index entry whose offset plus length wraps past 2^64 used to pass the
// bounds check (found with the object_format fuzz target's invariants).
TEST(ObjectFormatTest, IndexEntryOutsideTheDataIsRefused) {
  auto index_with = [](uint64_t byte_offset, uint32_t byte_length) {
    std::string index;
    auto put = [&](auto v) { index.append(reinterpret_cast<const char*>(&v), sizeof(v)); };
    put(uint32_t{1});
    put(uint16_t{1});
    index += "t";
    put(int32_t{0});
    put(byte_offset);
    put(byte_length);
    put(uint32_t{1});
    put(int64_t{1});
    put(int64_t{0});
    put(int64_t{0});
    return index;
  };
  for (const auto& [offset, length, ok] :
       {std::tuple<uint64_t, uint32_t, bool>{16, 84, true},
        {16, 85, false},
        {~uint64_t{0} - 15, 32, false},
        {101, 0, false}}) {
    const std::string index = index_with(offset, length);
    engine::ObjectTrailer trailer;
    trailer.index_offset = 100;
    trailer.index_length = static_cast<uint32_t>(index.size());
    trailer.index_crc = kafka::Crc32c(index);
    EXPECT_EQ(engine::ParseObjectIndex(index, trailer).ok(), ok) << offset << "+" << length;
  }
}

}  // namespace
}  // namespace warp
