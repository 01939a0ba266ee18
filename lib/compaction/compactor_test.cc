// The compactor over an in-process cluster: merges in levels keep every
// record readable at its offset, ranges are capped, stale merges are
// abandoned, and a crash at each step of a merge (and of the deletion that
// follows it) leaves a consistent state that a fresh compactor and garbage
// collector finish cleanly.
#include "warp/compactor.h"

#include <functional>

#include "gtest/gtest.h"
#include "lib/compaction/test_util.h"
#include "lib/engine/object_format.h"
#include "lib/metadata/forwarding_metadata_store.h"
#include "warp/garbage_collector.h"

namespace warp::compaction {
namespace {

using testing::kCluster;
using testing::TestCluster;

// A metadata store that fails chosen commands, before or after applying
// them: a crash of the caller at that step.
class CrashingMetadata : public metadata::ForwardingMetadataStore {
 public:
  enum class Fail { kNever, kReplaceBefore, kReplaceAfter, kForgetBefore };
  CrashingMetadata(MetadataStore* base, Fail fail)
      : ForwardingMetadataStore(base), fail_(fail) {}

  // Runs before a ReplaceFiles reaches the store (to make inputs stale).
  std::function<void()> before_replace;

  absl::StatusOr<CommandResult> Execute(Command command) override {
    const bool replace = std::holds_alternative<ReplaceFiles>(command);
    const bool forget = std::holds_alternative<ForgetObjects>(command);
    if (replace && before_replace) before_replace();
    if ((replace && fail_ == Fail::kReplaceBefore) || (forget && fail_ == Fail::kForgetBefore)) {
      return absl::UnavailableError("crash before the commit");
    }
    absl::StatusOr<CommandResult> result = base()->Execute(std::move(command));
    if (replace && fail_ == Fail::kReplaceAfter) {
      return absl::UnavailableError("crash after the commit");
    }
    return result;
  }

 private:
  const Fail fail_;
};

CompactorOptions Options(TestCluster& c, MetadataStore* metadata = nullptr) {
  CompactorOptions options;
  options.store = &c.store();
  options.metadata = metadata != nullptr ? metadata : &c.metadata();
  options.clock = &c.clock();
  options.cluster = kCluster;
  options.agent_id = "compactor";
  options.fan_in = 4;
  options.max_level = 2;
  options.partial_merge_age = absl::Hours(1000);
  return options;
}

GarbageCollectorOptions GcOptions(TestCluster& c, MetadataStore* metadata = nullptr) {
  GarbageCollectorOptions options;
  options.store = &c.store();
  options.metadata = metadata != nullptr ? metadata : &c.metadata();
  options.clock = &c.clock();
  options.cluster = kCluster;
  options.dead_object_grace = absl::Minutes(5);
  options.orphan_grace = absl::Minutes(30);
  return options;
}

// Produces `objects` appends alternating over partitions 0 and 1, three
// records each.
void ProduceObjects(TestCluster& c, int objects) {
  for (int i = 0; i < objects; ++i) {
    int32_t p = i % 2;
    ASSERT_GE(c.Produce(p, {absl::StrCat("v", i, "-0"), absl::StrCat("v", i, "-1"),
                            absl::StrCat("v", i, "-2")}),
              0);
    c.clock().Advance(absl::Milliseconds(250));
  }
}

// Runs merges until none is ready; returns how many committed.
int CompactAll(Compactor& compactor) {
  int merges = 0;
  for (;;) {
    absl::StatusOr<CompactionResult> r = compactor.CompactOnce();
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok() || r->inputs.empty()) return merges;
    merges += r->committed;
  }
}

// Every offset of both partitions can be fetched: the first record returned
// is at or before it and the record itself is there with its value.
void ExpectEveryOffsetFetchable(TestCluster& c,
                                const std::map<int64_t, std::string> (&expected)[2]) {
  for (int32_t p = 0; p < 2; ++p) {
    for (const auto& [offset, value] : expected[p]) {
      absl::StatusOr<PartitionRecords> got = c.FetchFresh(p, offset, 1);
      ASSERT_TRUE(got.ok()) << got.status();
      ASSERT_EQ(got->error, KafkaError::kNone);
      auto records = testing::Records(got->records);
      ASSERT_FALSE(records.empty());
      EXPECT_LE(records.front().first, offset);
      bool found = false;
      for (auto& [o, v] : records) {
        if (o == offset) found = (v == value);
      }
      EXPECT_TRUE(found) << "offset " << offset << " of partition " << p;
    }
  }
}

// Both partitions read back as `expected`, and every offset is fetchable.
void ExpectIntact(TestCluster& c, const std::map<int64_t, std::string> (&expected)[2]) {
  EXPECT_EQ(c.ReadAll(0), expected[0]);
  EXPECT_EQ(c.ReadAll(1), expected[1]);
  ExpectEveryOffsetFetchable(c, expected);
}

TEST(CompactorTest, MergesLevelZeroIntoLevelOneKeepingEveryRecord) {
  TestCluster c;
  ProduceObjects(c, 8);
  std::map<int64_t, std::string> before[2] = {c.ReadAll(0), c.ReadAll(1)};
  ASSERT_EQ(before[0].size(), 12u);
  ASSERT_EQ(c.LiveObjects().size(), 8u);

  auto compactor = *Compactor::Create(Options(c));
  absl::StatusOr<CompactionResult> r = compactor->CompactOnce();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->committed);
  EXPECT_EQ(r->inputs.size(), 4u);
  EXPECT_EQ(r->output_level, 1);
  EXPECT_EQ(engine::ParseObjectKey(kCluster, r->output_key)->level, 1);
  // The output is a standard object.
  EXPECT_TRUE(engine::ParseObject(*c.memory().Get(r->output_key)).ok());
  EXPECT_EQ(c.LiveObjects().size(), 5u);
  ExpectIntact(c, before);

  EXPECT_EQ(CompactAll(*compactor), 1);
  EXPECT_EQ(c.LiveObjects().size(), 2u);
  // Level 1 holds 2 < fan_in objects that are young: nothing more is ready.
  EXPECT_TRUE((*compactor->CompactOnce()).inputs.empty());
  ExpectIntact(c, before);
}

TEST(CompactorTest, OldTailsMergeUpToTheLastLevel) {
  TestCluster c;
  ProduceObjects(c, 7);
  std::map<int64_t, std::string> before[2] = {c.ReadAll(0), c.ReadAll(1)};
  CompactorOptions options = Options(c);
  options.partial_merge_age = absl::Minutes(10);
  auto compactor = *Compactor::Create(options);
  EXPECT_EQ(CompactAll(*compactor), 1);  // one full group of 4; 3 young left
  c.clock().Advance(absl::Minutes(11));
  // The old tail of 3, then the two level-1 objects (the first is old).
  EXPECT_EQ(CompactAll(*compactor), 2);
  std::set<std::string> live = c.LiveObjects();
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(engine::ParseObjectKey(kCluster, *live.begin())->level, 2);
  EXPECT_EQ(CompactAll(*compactor), 0);  // max level: final
  ExpectIntact(c, before);
}

TEST(CompactorTest, RangesAreCutAtEntryBoundaries) {
  TestCluster c;
  ProduceObjects(c, 8);
  std::map<int64_t, std::string> before[2] = {c.ReadAll(0), c.ReadAll(1)};
  uint32_t batch_bytes = c.metadata().FindBatches({"t", 0}, 0, 1).batches[0].byte_length;
  CompactorOptions options = Options(c);
  options.fan_in = 8;
  options.max_range_bytes = 2 * batch_bytes + 1;  // two batches per range
  auto compactor = *Compactor::Create(options);
  EXPECT_EQ(CompactAll(*compactor), 1);
  for (int32_t p = 0; p < 2; ++p) {
    FetchPlan plan = c.metadata().FindBatches({"t", p}, 0, 1 << 30);
    ASSERT_EQ(plan.batches.size(), 2u);  // 4 batches in 2 ranges
    for (const BatchLocation& b : plan.batches) {
      EXPECT_EQ(b.last_offset - b.base_offset + 1, 6);
      EXPECT_LE(b.byte_length, options.max_range_bytes);
    }
    // The partition's ranges are contiguous in the output.
    EXPECT_EQ(plan.batches[0].object_key, plan.batches[1].object_key);
    EXPECT_EQ(plan.batches[0].byte_offset + plan.batches[0].byte_length,
              plan.batches[1].byte_offset);
  }
  ExpectIntact(c, before);
}

TEST(CompactorTest, AMergeWithAStaleInputIsAbandonedAndItsOutputDeleted) {
  TestCluster c;
  ProduceObjects(c, 4);
  CrashingMetadata metadata(&c.metadata(), CrashingMetadata::Fail::kNever);
  // Retention empties the first object while the merge is in flight.
  metadata.before_replace = [&] {
    ASSERT_TRUE((*c.metadata().Execute(DeleteRecords{{"t", 0}, 3, 0})).ok());
  };
  auto compactor = *Compactor::Create(Options(c, &metadata));
  std::set<std::string> objects = c.BucketObjects();
  absl::StatusOr<CompactionResult> r = compactor->CompactOnce();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->committed);
  EXPECT_FALSE(r->abandoned.empty());
  EXPECT_EQ(c.BucketObjects(), objects);  // the output is gone again
  EXPECT_EQ(c.ReadAll(0).size(), 3u);     // offsets 3..5
  EXPECT_EQ(c.ReadAll(1).size(), 6u);
}

TEST(CompactorTest, NothingIsMergedBeforeAGroupIsReady) {
  TestCluster c;
  ProduceObjects(c, 3);
  auto compactor = *Compactor::Create(Options(c));
  absl::StatusOr<CompactionResult> r = compactor->CompactOnce();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->inputs.empty());
  EXPECT_FALSE(Compactor::Create(CompactorOptions{}).ok());
}

// A crash at each step of a merge and of the deletions after it.
enum class Step {
  kReadInputs,      // a GET of an input fails
  kPutOutput,       // the PUT of the output fails before reaching the bucket
  kAfterPutOutput,  // the output is in the bucket; the compactor dies
  kBeforeCommit,    // ReplaceFiles never reaches the metadata store
  kAfterCommit,     // ReplaceFiles applied; the compactor dies before knowing
  kBeforeDelete,    // the merge committed; deleting the inputs fails
  kBeforeForget,    // inputs deleted; ForgetObjects fails
};

class CompactionCrashTest : public ::testing::TestWithParam<Step> {};

TEST_P(CompactionCrashTest, LeavesAConsistentStateThatAFreshRunFinishes) {
  const Step step = GetParam();
  TestCluster c;
  ProduceObjects(c, 8);
  std::map<int64_t, std::string> expected[2] = {c.ReadAll(0), c.ReadAll(1)};

  CrashingMetadata::Fail fail = CrashingMetadata::Fail::kNever;
  if (step == Step::kBeforeCommit) fail = CrashingMetadata::Fail::kReplaceBefore;
  if (step == Step::kAfterCommit) fail = CrashingMetadata::Fail::kReplaceAfter;
  if (step == Step::kBeforeForget) fail = CrashingMetadata::Fail::kForgetBefore;
  CrashingMetadata crashing(&c.metadata(), fail);
  FaultOptions faults;
  faults.error_rate = 1;
  if (step == Step::kReadInputs) faults.ops = kOpGet;
  if (step == Step::kPutOutput) faults.ops = kOpPut;
  if (step == Step::kAfterPutOutput) {
    faults.ops = kOpPut;
    faults.error_rate = 0;
    faults.lost_response_rate = 1;
  }
  if (step == Step::kBeforeDelete) faults.ops = kOpDelete;

  if (step == Step::kBeforeDelete || step == Step::kBeforeForget) {
    auto compactor = *Compactor::Create(Options(c));
    ASSERT_TRUE((*compactor->CompactOnce()).committed);
    c.clock().Advance(absl::Minutes(6));
    if (step == Step::kBeforeDelete) c.store().SetOptions(faults);
    auto gc = *GarbageCollector::Create(GcOptions(c, &crashing));
    EXPECT_FALSE(gc->DeleteDeadObjects().ok());
  } else {
    if (step != Step::kBeforeCommit && step != Step::kAfterCommit) {
      c.store().SetOptions(faults);
    }
    auto compactor = *Compactor::Create(Options(c, &crashing));
    EXPECT_FALSE(compactor->CompactOnce().ok());
  }
  c.store().SetOptions({});

  // Consistent at once: every record readable from the bucket.
  EXPECT_EQ(c.ReadAll(0), expected[0]);
  EXPECT_EQ(c.ReadAll(1), expected[1]);

  // A fresh compactor and collector redo or abandon the work cleanly.
  auto compactor = *Compactor::Create(Options(c));
  CompactAll(*compactor);
  c.clock().Advance(absl::Minutes(31));
  auto gc = *GarbageCollector::Create(GcOptions(c));
  ASSERT_TRUE(gc->DeleteDeadObjects().ok());
  ASSERT_TRUE(gc->DeleteOrphans().ok());
  EXPECT_EQ(c.LiveObjects().size(), 2u);
  EXPECT_EQ(c.BucketObjects(), c.LiveObjects());
  EXPECT_TRUE(c.metadata().DeadObjects(absl::InfiniteFuture()).empty());
  ExpectIntact(c, expected);
}

INSTANTIATE_TEST_SUITE_P(EveryStep, CompactionCrashTest,
                         ::testing::Values(Step::kReadInputs, Step::kPutOutput,
                                           Step::kAfterPutOutput, Step::kBeforeCommit,
                                           Step::kAfterCommit, Step::kBeforeDelete,
                                           Step::kBeforeForget));

}  // namespace
}  // namespace warp::compaction
