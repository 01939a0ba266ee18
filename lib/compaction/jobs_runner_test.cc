// The jobs runner's own duty beside the jobs it runs: forgetting idle
// producer ids (Kafka's producer.id.expiration.ms) in one command, only on
// the agent that owns "producer-ids", at most once per check interval.
#include "lib/compaction/jobs_runner.h"

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "lib/base/manual_clock.h"
#include "warp/metadata_store.h"
#include "warp/memory_object_store.h"

namespace warp::compaction {
namespace {

class JobsRunnerTest : public ::testing::Test {
 protected:
  JobsRunnerTest() : clock_(absl::FromUnixSeconds(1000000)) {
    store_ = NewMemoryObjectStore(&clock_);
    metadata_ = *MetadataStore::Open("mem://");
    EXPECT_TRUE((*metadata_->Execute(CreateTopic{"t", {1, 1}, 1, {}})).ok());
  }

  JobsOptions Options() {
    JobsOptions options;
    options.store = store_.get();
    options.metadata = metadata_.get();
    options.clock = &clock_;
    options.interval = absl::ZeroDuration();
    options.producer_id_expiration = absl::Hours(1);
    options.producer_expiration_interval = absl::Minutes(10);
    return options;
  }

  // Commits a 1-record batch of idempotent producer `id` at the clock's time.
  void Write(int64_t id, int32_t sequence) {
    BatchToCommit batch;
    batch.topic = "t";
    batch.byte_length = 100;
    batch.record_count = 1;
    batch.producer_id = id;
    batch.producer_epoch = 0;
    batch.base_sequence = sequence;
    CommandResult r = *metadata_->Execute(CommitFile{
        "o" + std::to_string(++objects_), 100, absl::ToUnixMillis(clock_.Now()), {batch}});
    ASSERT_EQ(r.batches.at(0).error, KafkaError::kNone);
  }

  std::vector<int64_t> Producers() {
    std::vector<int64_t> ids;
    absl::StatusOr<std::vector<ProducerInfo>> producers = metadata_->GetProducers({"t", 0});
    EXPECT_TRUE(producers.ok()) << producers.status();
    for (const ProducerInfo& p : producers.value_or(std::vector<ProducerInfo>{})) {
      ids.push_back(p.producer_id);
    }
    return ids;
  }

  ManualClock clock_;
  std::unique_ptr<ObjectStore> store_;
  std::unique_ptr<MetadataStore> metadata_;
  int objects_ = 0;
};

TEST_F(JobsRunnerTest, ForgetsIdleProducerIdsOncePerInterval) {
  auto jobs = *JobsRunner::Start(Options());
  Write(1, 0);
  clock_.Advance(absl::Minutes(30));
  Write(2, 0);
  ASSERT_TRUE(jobs->RunOnce().ok());  // the first pass checks at once
  EXPECT_EQ(Producers(), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(jobs->stats().producer_expiry_passes, 1u);
  clock_.Advance(absl::Minutes(25));  // producer 1 idle for 55 minutes
  ASSERT_TRUE(jobs->RunOnce().ok());
  EXPECT_EQ(Producers(), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(jobs->stats().producer_expiry_passes, 2u);
  // Idle for over an hour now, but the next check is not due yet.
  clock_.Advance(absl::Minutes(6));
  ASSERT_TRUE(jobs->RunOnce().ok());
  EXPECT_EQ(Producers(), (std::vector<int64_t>{1, 2}));
  clock_.Advance(absl::Minutes(4));
  ASSERT_TRUE(jobs->RunOnce().ok());
  EXPECT_EQ(Producers(), (std::vector<int64_t>{2}));
  EXPECT_EQ(jobs->stats().producer_expiry_passes, 3u);
  // A producer that keeps writing is kept; a forgotten one may come back at
  // any sequence.
  Write(1, 5);
  for (int i = 0; i < 12; ++i) {
    clock_.Advance(absl::Minutes(10));
    Write(2, i + 1);
    ASSERT_TRUE(jobs->RunOnce().ok());
  }
  EXPECT_EQ(Producers(), (std::vector<int64_t>{2}));
}

TEST_F(JobsRunnerTest, OnlyTheOwnerOfProducerIdsExpiresThem) {
  JobsOptions options = Options();
  options.owns_work = [](absl::string_view key) { return key != "producer-ids"; };
  auto jobs = *JobsRunner::Start(options);
  Write(1, 0);
  clock_.Advance(absl::Hours(2));
  ASSERT_TRUE(jobs->RunOnce().ok());
  EXPECT_EQ(Producers(), (std::vector<int64_t>{1}));
  EXPECT_EQ(jobs->stats().producer_expiry_passes, 0u);
}

}  // namespace
}  // namespace warp::compaction
