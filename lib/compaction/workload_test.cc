// A randomized workload: producers, a fetcher reading at random offsets, and
// the jobs runner (retention, compaction, garbage collection) all at once,
// over a bucket that injects errors and lost responses. Invariants checked
// throughout and at the end: every acknowledged record at or above the log
// start is readable at its offset with its value, nothing below it is, a
// fetch at any offset works before, during and after compaction, and in the
// end the bucket holds exactly the objects the metadata references.
#include <atomic>
#include <iostream>
#include <random>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "lib/compaction/jobs_runner.h"
#include "lib/compaction/test_util.h"

namespace warp::compaction {
namespace {

using testing::kCluster;
using testing::TestCluster;

constexpr int kPartitions = 3;
constexpr int kProducers = 2;
constexpr int kAppendsPerProducer = 150;
const absl::Duration kDeadGrace = absl::Seconds(60);

// What producers were told: offset -> value, per partition.
struct Model {
  absl::Mutex mu;
  std::map<int64_t, std::string> records[kPartitions] ABSL_GUARDED_BY(mu);
};

JobsOptions Jobs(TestCluster& c) {
  JobsOptions options;
  options.store = &c.store();
  options.metadata = &c.metadata();
  options.clock = &c.clock();
  options.cluster = kCluster;
  options.agent_id = "jobs";
  options.interval = absl::ZeroDuration();  // the test drives the passes
  options.orphan_interval = absl::ZeroDuration();
  options.compactor.fan_in = 4;
  options.compactor.max_level = 3;
  options.compactor.partial_merge_age = absl::Seconds(30);
  options.compactor.max_range_bytes = 4096;
  options.gc.dead_object_grace = kDeadGrace;
  options.gc.orphan_grace = absl::Minutes(30);
  return options;
}

// Checks one fetch at a random offset against the model. A fetch is allowed
// to fail only with an injected store error, or with NotFound when the test
// moved the clock past the dead-object grace while it ran (a fetch slower
// than the grace, which the grace rules out in production).
void CheckRandomFetch(TestCluster& c, Model& model, std::mt19937& rng) {
  int32_t p = static_cast<int32_t>(rng() % kPartitions);
  PartitionOffsets offsets = *c.metadata().GetOffsets({"t", p});
  if (offsets.high_watermark == offsets.log_start_offset) return;
  int64_t offset = offsets.log_start_offset +
                   static_cast<int64_t>(rng() % (offsets.high_watermark -
                                                 offsets.log_start_offset));
  absl::Time start = c.clock().Now();
  absl::StatusOr<PartitionRecords> got = c.FetchFresh(p, offset, 1 + rng() % 8192);
  if (!got.ok()) {
    if (absl::IsNotFound(got.status())) {
      EXPECT_GT(c.clock().Now() - start, kDeadGrace) << got.status();
    } else {
      EXPECT_TRUE(absl::IsUnavailable(got.status())) << got.status();
    }
    return;
  }
  if (got->error == KafkaError::kOffsetOutOfRange) {
    // Retention moved the log start past it meanwhile.
    EXPECT_GT(c.metadata().GetOffsets({"t", p})->log_start_offset, offset);
    return;
  }
  ASSERT_EQ(got->error, KafkaError::kNone);
  auto records = testing::Records(got->records);
  ASSERT_FALSE(records.empty()) << "nothing at " << offset;
  EXPECT_LE(records.front().first, offset);
  bool found = false;
  absl::MutexLock lock(&model.mu);
  for (const auto& [o, v] : records) {
    found |= o == offset;
    auto it = model.records[p].find(o);
    if (it != model.records[p].end()) {
      EXPECT_EQ(v, it->second) << "partition " << p << " offset " << o;
    }
  }
  EXPECT_TRUE(found) << "offset " << offset << " of partition " << p;
}

TEST(WorkloadTest, ConcurrentProduceFetchCompactionRetentionAndGc) {
  TestCluster c(kPartitions, {{"retention.ms", "90000"}, {"retention.bytes", "20000"}});
  auto jobs = *JobsRunner::Start(Jobs(c));
  Model model;
  FaultOptions faults;
  faults.error_rate = 0.02;
  faults.lost_response_rate = 0.02;
  faults.seed = 9;
  c.store().SetOptions(faults);

  std::atomic<int> producing{kProducers};
  std::vector<std::thread> threads;
  for (int t = 0; t < kProducers; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(100 + t);
      for (int i = 0; i < kAppendsPerProducer; ++i) {
        int32_t p = static_cast<int32_t>(rng() % kPartitions);
        std::vector<std::string> values;
        for (int k = 0, n = 1 + rng() % 5; k < n; ++k) {
          values.push_back(absl::StrCat("w", t, "-", i, "-", k, std::string(rng() % 200, 'x')));
        }
        int64_t base = c.Produce(p, values);
        if (base < 0) continue;  // failed: nothing of it is visible
        absl::MutexLock lock(&model.mu);
        for (size_t k = 0; k < values.size(); ++k) model.records[p][base + k] = values[k];
      }
      --producing;
    });
  }
  std::atomic<int> fetches{0}, passes{0};
  const absl::Time clock_start = c.clock().Now();
  threads.emplace_back([&] {
    std::mt19937 rng(7);
    while (producing > 0) {
      CheckRandomFetch(c, model, rng);
      ++fetches;
    }
  });
  threads.emplace_back([&] {
    while (producing > 0) {
      c.clock().Advance(absl::Seconds(1));
      (void)jobs->RunOnce();  // injected faults fail some jobs: retried
      ++passes;
    }
  });
  for (std::thread& t : threads) t.join();
  JobsStats during = jobs->stats();
  std::cout << "concurrent phase: " << fetches << " fetches, " << passes << " passes, "
            << during.compactions << " merges, " << during.objects_deleted
            << " objects deleted, " << during.errors << " failed jobs, " << c.metadata().DeadObjects(absl::InfiniteFuture()).size()
            << " dead, " << c.metadata().DeadObjects(c.clock().Now() - kDeadGrace).size()
            << " dead past the grace, clock moved " << (c.clock().Now() - clock_start) << "\n";

  // Settle without faults and without time-based retention: compaction and
  // GC finish, retention.bytes still holds.
  c.store().SetOptions({});
  ASSERT_TRUE((*c.metadata().Execute(AlterTopicConfigs{"t", {}, {"retention.ms"}, false})).ok());
  std::mt19937 rng(11);
  for (int pass = 0; pass < 200; ++pass) {
    c.clock().Advance(absl::Seconds(5));
    ASSERT_TRUE(jobs->RunOnce().ok());
    if (pass % 20 == 0) CheckRandomFetch(c, model, rng);
  }
  c.clock().Advance(absl::Hours(1));
  ASSERT_TRUE(jobs->RunOnce().ok());

  JobsStats stats = jobs->stats();
  EXPECT_GT(stats.compactions, 0u);
  EXPECT_GT(stats.objects_deleted, 0u);
  EXPECT_GT(stats.records_deleted, 0u);
  int64_t kept = 0;
  for (int32_t p = 0; p < kPartitions; ++p) {
    PartitionOffsets offsets = *c.metadata().GetOffsets({"t", p});
    std::map<int64_t, std::string> expected;
    {
      absl::MutexLock lock(&model.mu);
      for (const auto& [o, v] : model.records[p]) {
        if (o >= offsets.log_start_offset) expected[o] = v;
      }
    }
    // Every acknowledged record at or above the log start, none below.
    EXPECT_EQ(c.ReadAll(p), expected) << "partition " << p;
    kept += static_cast<int64_t>(expected.size());
    if (offsets.log_start_offset > 0) {
      EXPECT_EQ(c.FetchFresh(p, offsets.log_start_offset - 1)->error,
                KafkaError::kOffsetOutOfRange);
    }
  }
  EXPECT_GT(kept, 0);
  // Nothing unreferenced stays; few objects remain.
  EXPECT_EQ(c.BucketObjects(), c.LiveObjects());
  EXPECT_TRUE(c.metadata().DeadObjects(absl::InfiniteFuture()).empty());
  EXPECT_LT(c.LiveObjects().size(), 20u);
}

}  // namespace
}  // namespace warp::compaction
