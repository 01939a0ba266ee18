// Retention (retention.ms, retention.bytes) and garbage collection (dead
// objects after their grace, orphans by age, never a young upload or a key
// that is not a data object).
#include "gtest/gtest.h"
#include "lib/compaction/test_util.h"
#include "lib/engine/object_format.h"
#include "warp/garbage_collector.h"
#include "warp/retention.h"

namespace warp::compaction {
namespace {

using testing::kCluster;
using testing::TestCluster;

GarbageCollectorOptions GcOptions(TestCluster& c) {
  GarbageCollectorOptions options;
  options.store = &c.store();
  options.metadata = &c.metadata();
  options.clock = &c.clock();
  options.cluster = kCluster;
  options.dead_object_grace = absl::Minutes(5);
  options.orphan_grace = absl::Minutes(30);
  return options;
}

std::unique_ptr<RetentionEnforcer> Retention(TestCluster& c) {
  return *RetentionEnforcer::Create({&c.metadata(), &c.clock(), nullptr});
}

TEST(RetentionTest, RetentionMsDeletesOldRecordsAndTheirObjectsAfterTheGrace) {
  TestCluster c(1, {{"retention.ms", "60000"}});
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(c.Produce(0, {absl::StrCat("old", i)}), i);
    c.clock().Advance(absl::Seconds(10));
  }
  c.clock().Advance(absl::Seconds(40));  // the first two are 80 and 70 s old
  ASSERT_EQ(c.Produce(0, {"new"}), 4);
  auto retention = Retention(c);
  absl::StatusOr<RetentionResult> r = retention->RunOnce();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->partitions_trimmed, 1);
  EXPECT_EQ(r->records_deleted, 2);
  EXPECT_EQ(c.metadata().GetOffsets({"t", 0})->log_start_offset, 2);
  // What is gone is gone: a fetch below the log start is out of range.
  EXPECT_EQ(c.FetchFresh(0, 1)->error, KafkaError::kOffsetOutOfRange);
  std::map<int64_t, std::string> left = c.ReadAll(0);
  EXPECT_EQ(left, (std::map<int64_t, std::string>{{2, "old2"}, {3, "old3"}, {4, "new"}}));
  // Nothing more to do until time passes.
  EXPECT_EQ(retention->RunOnce()->partitions_trimmed, 0);

  // The emptied objects stay for the grace period, then go.
  auto gc = *GarbageCollector::Create(GcOptions(c));
  EXPECT_EQ(*gc->DeleteDeadObjects(), 0);
  EXPECT_EQ(c.BucketObjects().size(), 5u);
  c.clock().Advance(absl::Minutes(5) + absl::Seconds(1));
  EXPECT_EQ(*gc->DeleteDeadObjects(), 2);
  EXPECT_EQ(c.BucketObjects(), c.LiveObjects());
  EXPECT_EQ(c.BucketObjects().size(), 3u);
  EXPECT_TRUE(c.metadata().DeadObjects(absl::InfiniteFuture()).empty());
  EXPECT_EQ(c.ReadAll(0), left);
}

TEST(RetentionTest, OldTimestampsStayForRetentionMsAfterTheyArrive) {
  TestCluster c(1, {{"retention.ms", "60000"}});
  // Records stamped a day ago (a replay) are kept a retention period from
  // their arrival, as Kafka keeps its active segment.
  int64_t day_ago = absl::ToUnixMillis(c.clock().Now() - absl::Hours(24));
  ASSERT_EQ(c.ProduceBytes(0, compaction::testing::Batch({"replayed"}, day_ago)), 0);
  auto retention = Retention(c);
  EXPECT_EQ(retention->RunOnce()->partitions_trimmed, 0);
  c.clock().Advance(absl::Seconds(59));
  EXPECT_EQ(retention->RunOnce()->partitions_trimmed, 0);
  c.clock().Advance(absl::Seconds(2));
  EXPECT_EQ(retention->RunOnce()->records_deleted, 1);
  EXPECT_EQ(c.metadata().GetOffsets({"t", 0})->log_start_offset, 1);
}

TEST(RetentionTest, RetentionBytesKeepsAtLeastThatManyBytes) {
  TestCluster c(1);
  for (int i = 0; i < 6; ++i) ASSERT_EQ(c.Produce(0, {absl::StrCat("value", i)}), i);
  uint32_t batch = c.metadata().FindBatches({"t", 0}, 0, 1).batches[0].byte_length;
  ASSERT_TRUE((*c.metadata().Execute(AlterTopicConfigs{
                   "t", {{"retention.bytes", std::to_string(2 * batch + 1)}}, {}, false}))
                  .ok());
  ASSERT_TRUE(Retention(c)->RunOnce().ok());
  // Dropping one more would leave fewer than retention.bytes: three stay.
  EXPECT_EQ(c.metadata().GetOffsets({"t", 0})->log_start_offset, 3);
  EXPECT_EQ(c.ReadAll(0).size(), 3u);
}

TEST(RetentionTest, CompactOnlyAndUnlimitedTopicsKeepEverything) {
  TestCluster c(1, {{"retention.ms", "1000"}, {"cleanup.policy", "compact"}});
  ASSERT_EQ(c.Produce(0, {"a"}), 0);
  c.clock().Advance(absl::Hours(1));
  EXPECT_EQ(Retention(c)->RunOnce()->partitions_trimmed, 0);
  TestCluster forever(1, {{"retention.ms", "-1"}});
  ASSERT_EQ(forever.Produce(0, {"a"}), 0);
  forever.clock().Advance(absl::Hours(10000));
  EXPECT_EQ(Retention(forever)->RunOnce()->partitions_trimmed, 0);
}

TEST(GarbageCollectorTest, AnUncommittedUploadIsDeletedOnlyAfterTheGrace) {
  TestCluster c(1);
  ASSERT_EQ(c.Produce(0, {"committed"}), 0);
  // An upload whose commit never happened, and a key that is not a data
  // object (never touched).
  std::string orphan = engine::MakeObjectKey(kCluster, c.clock().Now(), "gone", 7);
  ASSERT_TRUE(c.memory().Put(orphan, "bytes").ok());
  ASSERT_TRUE(c.memory().Put(absl::StrCat(kCluster, "/data/notes.txt"), "x").ok());
  auto gc = *GarbageCollector::Create(GcOptions(c));

  c.clock().Advance(absl::Minutes(29));  // young: a commit may still come
  EXPECT_EQ(*gc->DeleteOrphans(), 0);
  EXPECT_TRUE(c.BucketObjects().count(orphan));

  c.clock().Advance(absl::Minutes(2));
  EXPECT_EQ(*gc->DeleteOrphans(), 1);
  std::set<std::string> left = c.BucketObjects();
  EXPECT_FALSE(left.count(orphan));
  EXPECT_TRUE(left.count(absl::StrCat(kCluster, "/data/notes.txt")));
  EXPECT_EQ(left.size(), 2u);  // the committed object stays, however old
  EXPECT_EQ(c.ReadAll(0).size(), 1u);
}

TEST(GarbageCollectorTest, AgeCountsFromTheLaterOfKeyTimeAndUpload) {
  TestCluster c(1);
  // A key claiming an old time, uploaded now: the upload time counts.
  std::string key = engine::MakeObjectKey(kCluster, absl::FromUnixSeconds(1), "a", 1);
  ASSERT_TRUE(c.memory().Put(key, "bytes").ok());
  auto gc = *GarbageCollector::Create(GcOptions(c));
  c.clock().Advance(absl::Minutes(29));
  EXPECT_EQ(*gc->DeleteOrphans(), 0);
  c.clock().Advance(absl::Minutes(2));
  EXPECT_EQ(*gc->DeleteOrphans(), 1);
}

TEST(GarbageCollectorTest, DeletesArePaced) {
  TestCluster c(1);
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(c.memory()
                    .Put(engine::MakeObjectKey(kCluster, c.clock().Now(), "x", i), "b")
                    .ok());
  }
  GarbageCollectorOptions options = GcOptions(c);
  options.max_deletes_per_second = 2;
  auto gc = *GarbageCollector::Create(options);
  c.clock().Advance(absl::Hours(1));
  absl::Time start = c.clock().Now();
  EXPECT_EQ(*gc->DeleteOrphans(), 10);
  // One chunk of 10 deletes at 2/s: the pacer slept (on the manual clock).
  EXPECT_GE(c.clock().Now() - start, absl::Seconds(4));
}

}  // namespace
}  // namespace warp::compaction
