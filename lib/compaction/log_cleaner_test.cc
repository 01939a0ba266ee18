// Keyed compaction against a reference model: after every round of random
// keyed produce (values, tombstones, a few keyless records, several codecs)
// and cleaning, a consumer reading from the log start sees exactly the
// model's survivors at their original offsets, every survivor is fetchable
// at its offset, and the rewritten batches are valid RecordBatch v2.
#include "warp/log_cleaner.h"

#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "lib/compaction/test_util.h"
#include "lib/metadata/forwarding_metadata_store.h"
#include "lib/protocol/record/record_batch_builder.h"
#include "warp/compactor.h"

namespace warp::compaction {
namespace {

using testing::kCluster;
using testing::TestCluster;

struct Rec {
  std::optional<std::string> key;
  std::optional<std::string> value;  // nullopt: tombstone
  int64_t timestamp = 0;
  bool operator==(const Rec&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Rec& r) {
  return os << r.key.value_or("<none>") << "=" << r.value.value_or("<null>");
}

constexpr int64_t kDeleteRetentionMs = 60000;

TopicConfigs Compacted(int64_t min_lag_ms = 0) {
  return {{"cleanup.policy", "compact"},
          {"delete.retention.ms", absl::StrCat(kDeleteRetentionMs)},
          {"min.cleanable.dirty.ratio", "0"},
          {"min.compaction.lag.ms", absl::StrCat(min_lag_ms)}};
}

LogCleanerOptions CleanerOptions(TestCluster& c) {
  return testing::JobOptions<LogCleanerOptions>(c, "cleaner");
}

// A batch of `records` compressed with `codec`.
std::string KeyedBatch(const std::vector<Rec>& records, kafka::Compression codec) {
  std::vector<kafka::RecordInput> in;
  for (const Rec& r : records) {
    in.push_back({r.key ? std::optional<absl::string_view>(*r.key) : std::nullopt,
                  r.value ? std::optional<absl::string_view>(*r.value) : std::nullopt,
                  {},
                  r.timestamp});
  }
  kafka::RecordBatchOptions options;
  options.compression = codec;
  return *kafka::BuildRecordBatch(in, options);
}

// Everything a consumer reading partition `p` from its log start sees, by
// offset: fetch, take the records at or past the position, move past each
// batch's last offset (as clients do over compacted gaps). Checks CRCs.
std::map<int64_t, Rec> Consume(TestCluster& c, int32_t p) {
  std::map<int64_t, Rec> out;
  PartitionOffsets offsets = *c.metadata().GetOffsets({"t", p});
  int64_t next = offsets.log_start_offset;
  while (next < offsets.high_watermark) {
    absl::StatusOr<PartitionRecords> got = c.FetchFresh(p, next, 1);
    if (!got.ok() || got->error != KafkaError::kNone) {
      ADD_FAILURE() << "fetch at " << next << " failed";
      break;
    }
    int64_t before = next;
    absl::StatusOr<kafka::RecordBatchSequence> split = kafka::SplitRecordBatches(got->records);
    EXPECT_TRUE(split.ok());
    if (!split.ok()) break;
    for (absl::string_view b : split->batches) {
      absl::StatusOr<kafka::RecordBatchReader> reader = kafka::RecordBatchReader::Open(b);
      EXPECT_TRUE(reader.ok()) << reader.status();
      if (!reader.ok()) return out;
      kafka::RecordView r;
      while (*reader->Next(&r)) {
        int64_t offset = kafka::RecordOffset(reader->header(), r);
        if (offset < next) continue;
        if (reader->header().is_control()) {  // a transaction marker
          out[offset] = Rec{std::string(r.key->back() == 1 ? "commit" : "abort"), std::nullopt,
                            kafka::RecordTimestamp(reader->header(), r)};
          continue;
        }
        out[offset] = Rec{r.key ? std::optional<std::string>(*r.key) : std::nullopt,
                          r.value ? std::optional<std::string>(*r.value) : std::nullopt,
                          kafka::RecordTimestamp(reader->header(), r)};
      }
      next = std::max(next, reader->header().last_offset() + 1);
    }
    if (next == before) {
      ADD_FAILURE() << "no progress at " << next;
      break;
    }
  }
  return out;
}

// Kafka's cleaner applied to everything produced so far: each key's last
// record, unless a tombstone older than delete.retention.ms; no keyless.
std::map<int64_t, Rec> Model(const std::map<int64_t, Rec>& produced, int64_t now_ms) {
  std::map<std::string, int64_t> latest;
  for (const auto& [offset, r] : produced) {
    if (r.key) latest[*r.key] = offset;
  }
  std::map<int64_t, Rec> out;
  for (const auto& [key, offset] : latest) {
    const Rec& r = produced.at(offset);
    if (!r.value && r.timestamp < now_ms - kDeleteRetentionMs) continue;
    out[offset] = r;
  }
  return out;
}

int CleanAll(LogCleaner& cleaner) {
  int cleaned = 0;
  for (int i = 0; i < 100; ++i) {
    absl::StatusOr<CompactionResult> r = cleaner.CleanOnce();
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok() || r->inputs.empty()) break;
    EXPECT_TRUE(r->committed) << r->abandoned;
    cleaned += r->committed;
  }
  return cleaned;
}

struct ModelParam {
  int output_level;        // 1: leveled merges also rewrite the cleaner's output
  uint32_t max_range_bytes;
};

class LogCleanerModelTest : public ::testing::TestWithParam<ModelParam> {};

TEST_P(LogCleanerModelTest, MatchesTheReferenceModelRoundAfterRound) {
  TestCluster c(2, Compacted());
  LogCleanerOptions options = CleanerOptions(c);
  options.output_level = GetParam().output_level;
  options.max_range_bytes = GetParam().max_range_bytes;
  auto cleaner = *LogCleaner::Create(options);
  CompactorOptions merges = testing::JobOptions<CompactorOptions>(c, "merger");
  merges.fan_in = 4;
  merges.max_level = 3;
  auto compactor = *Compactor::Create(merges);

  std::mt19937 rng(7);
  const kafka::Compression codecs[] = {kafka::Compression::kNone, kafka::Compression::kGzip,
                                       kafka::Compression::kSnappy, kafka::Compression::kLz4,
                                       kafka::Compression::kZstd};
  std::map<int64_t, Rec> produced[2];
  for (int round = 0; round < 12; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    for (int b = 0; b < 6; ++b) {
      int32_t p = static_cast<int32_t>(rng() % 2);
      int64_t now_ms = absl::ToUnixMillis(c.clock().Now());
      std::vector<Rec> batch;
      int n = 1 + static_cast<int>(rng() % 5);
      for (int i = 0; i < n; ++i) {
        Rec r;
        if (rng() % 40 != 0) r.key = absl::StrCat("k", rng() % 12);
        if (rng() % 5 != 0) r.value = absl::StrCat("v", round, "-", b, "-", i);
        r.timestamp = now_ms;
        batch.push_back(r);
      }
      int64_t base = c.ProduceBytes(p, KeyedBatch(batch, codecs[rng() % 5]));
      ASSERT_GE(base, 0);
      for (int i = 0; i < n; ++i) produced[p][base + i] = batch[i];
      c.clock().Advance(absl::Seconds(3));
    }
    if (round % 3 == 2) {  // leveled merges too
      while (!(*compactor->CompactOnce()).inputs.empty()) {
      }
    }
    CleanAll(*cleaner);
    int64_t now_ms = absl::ToUnixMillis(c.clock().Now());
    for (int32_t p = 0; p < 2; ++p) {
      std::map<int64_t, Rec> expected = Model(produced[p], now_ms);
      ASSERT_EQ(Consume(c, p), expected) << "partition " << p;
      // Every survivor is fetchable at its own offset.
      for (const auto& [offset, rec] : expected) {
        absl::StatusOr<PartitionRecords> fetched = c.FetchFresh(p, offset, 1);
        ASSERT_TRUE(fetched.ok());
        ASSERT_EQ(fetched->error, KafkaError::kNone);
        bool found = false;
        auto split = *kafka::SplitRecordBatches(fetched->records);
        for (absl::string_view b : split.batches) {
          auto reader = *kafka::RecordBatchReader::Open(b);
          kafka::RecordView r;
          while (*reader.Next(&r)) {
            if (kafka::RecordOffset(reader.header(), r) == offset) {
              found = r.key == rec.key && r.value == rec.value;
            }
          }
        }
        EXPECT_TRUE(found) << "offset " << offset << " of partition " << p;
      }
    }
    c.clock().Advance(absl::Seconds(rng() % 40));
  }
  // Cleaning really removed records.
  EXPECT_LT(Consume(c, 0).size() + Consume(c, 1).size(),
            (produced[0].size() + produced[1].size()) / 3);
  // Nothing left to clean once everything is clean and no tombstone is due.
  c.clock().Advance(absl::Minutes(5));
  CleanAll(*cleaner);
  EXPECT_TRUE((*cleaner->CleanOnce()).inputs.empty());
  for (int32_t p = 0; p < 2; ++p) {
    EXPECT_EQ(Consume(c, p), Model(produced[p], absl::ToUnixMillis(c.clock().Now())));
  }
}

INSTANTIATE_TEST_SUITE_P(Layouts, LogCleanerModelTest,
                         ::testing::Values(ModelParam{3, 1 << 20}, ModelParam{1, 1 << 20},
                                           ModelParam{3, 200}));

TEST(LogCleanerTest, TombstonesStayForDeleteRetentionThenGo) {
  TestCluster c(1, Compacted());
  auto cleaner = *LogCleaner::Create(CleanerOptions(c));
  int64_t t0 = absl::ToUnixMillis(c.clock().Now());
  ASSERT_EQ(c.ProduceBytes(0, KeyedBatch({{"a", "1", t0}, {"b", "2", t0}},
                                         kafka::Compression::kNone)),
            0);
  ASSERT_EQ(c.ProduceBytes(0, KeyedBatch({{"a", std::nullopt, t0}}, kafka::Compression::kNone)),
            2);
  EXPECT_EQ(CleanAll(*cleaner), 1);
  EXPECT_EQ(Consume(c, 0),
            (std::map<int64_t, Rec>{{1, {"b", "2", t0}}, {2, {"a", std::nullopt, t0}}}));
  // Clean, and the tombstone not yet due: nothing to do.
  c.clock().Advance(absl::Milliseconds(kDeleteRetentionMs - 1));
  EXPECT_EQ(CleanAll(*cleaner), 0);
  c.clock().Advance(absl::Milliseconds(2));
  EXPECT_EQ(CleanAll(*cleaner), 1);
  EXPECT_EQ(Consume(c, 0), (std::map<int64_t, Rec>{{1, {"b", "2", t0}}}));
  // The offsets stay: the high watermark and the log start do not move.
  PartitionOffsets offsets = *c.metadata().GetOffsets({"t", 0});
  EXPECT_EQ(offsets.log_start_offset, 0);
  EXPECT_EQ(offsets.high_watermark, 3);
  // The next append continues at 3.
  EXPECT_EQ(c.ProduceBytes(0, KeyedBatch({{"b", "3", t0}}, kafka::Compression::kNone)), 3);
  EXPECT_EQ(CleanAll(*cleaner), 1);
  EXPECT_EQ(Consume(c, 0), (std::map<int64_t, Rec>{{3, {"b", "3", t0}}}));
}

TEST(LogCleanerTest, LeavesRecordsYoungerThanTheCompactionLagAlone) {
  TestCluster c(1, Compacted(/*min_lag_ms=*/60000));
  auto cleaner = *LogCleaner::Create(CleanerOptions(c));
  int64_t t0 = absl::ToUnixMillis(c.clock().Now());
  c.ProduceBytes(0, KeyedBatch({{"a", "1", t0}}, kafka::Compression::kNone));
  c.ProduceBytes(0, KeyedBatch({{"a", "2", t0}}, kafka::Compression::kNone));
  c.clock().Advance(absl::Seconds(30));
  int64_t t1 = absl::ToUnixMillis(c.clock().Now());
  c.ProduceBytes(0, KeyedBatch({{"a", "3", t1}}, kafka::Compression::kNone));
  EXPECT_EQ(CleanAll(*cleaner), 0);  // all younger than the lag
  c.clock().Advance(absl::Seconds(31));
  // The first two are old enough: a=1 goes, a=2 stays (its successor is in
  // the uncleanable tail).
  EXPECT_EQ(CleanAll(*cleaner), 1);
  EXPECT_EQ(Consume(c, 0),
            (std::map<int64_t, Rec>{{1, {"a", "2", t0}}, {2, {"a", "3", t1}}}));
  c.clock().Advance(absl::Seconds(30));
  EXPECT_EQ(CleanAll(*cleaner), 1);
  EXPECT_EQ(Consume(c, 0), (std::map<int64_t, Rec>{{2, {"a", "3", t1}}}));
}

TEST(LogCleanerTest, TopicsWithoutCompactIsLeftAlone) {
  TestCluster c(1);
  auto cleaner = *LogCleaner::Create(CleanerOptions(c));
  int64_t t0 = absl::ToUnixMillis(c.clock().Now());
  c.ProduceBytes(0, KeyedBatch({{"a", "1", t0}, {"a", "2", t0}}, kafka::Compression::kNone));
  EXPECT_EQ(CleanAll(*cleaner), 0);
  EXPECT_EQ(Consume(c, 0).size(), 2u);
  EXPECT_FALSE(LogCleaner::Create(LogCleanerOptions{}).ok());
}

// Transactions as Kafka's cleaner treats them: nothing at or past the last
// stable offset is touched; aborted records go whatever their keys;
// committed transactional records are deduplicated like any; a commit
// marker goes once its transaction has nothing left and delete.retention.ms
// has passed; abort markers stay, as the aborted transactions that readers
// are told of do.
class TransactionalCleaningTest : public ::testing::Test {
 protected:
  TransactionalCleaningTest() : c_(1, Compacted()) {}

  int64_t Now() { return absl::ToUnixMillis(c_.clock().Now()); }

  int64_t Init(const std::string& id) {
    return (*c_.metadata().Execute(InitTransactionalProducer{id, 600000, Now(), -1, -1}))
        .producer_id;
  }

  // A transactional batch of `records` by `pid` (added to its transaction
  // first), at the producer's next sequence.
  int64_t ProduceInTransaction(const std::string& id, int64_t pid,
                               const std::vector<Rec>& records) {
    EXPECT_TRUE((*c_.metadata().Execute(AddToTransaction{id, pid, 0, {{"t", 0}}, {}, Now()})).ok());
    std::vector<kafka::RecordInput> in;
    for (const Rec& r : records) in.push_back({*r.key, *r.value, {}, r.timestamp});
    kafka::RecordBatchOptions options;
    options.producer_id = pid;
    options.producer_epoch = 0;
    options.base_sequence = sequences_[pid];
    options.is_transactional = true;
    sequences_[pid] += static_cast<int32_t>(records.size());
    return c_.ProduceBytes(0, *kafka::BuildRecordBatch(in, options));
  }

  void End(const std::string& id, int64_t pid, bool commit) {
    EXPECT_TRUE((*c_.metadata().Execute(EndTransaction{id, pid, 0, commit, Now()})).ok());
  }

  TestCluster c_;
  std::map<int64_t, int32_t> sequences_;
};

TEST_F(TransactionalCleaningTest, KeepsWhatKafkasCleanerKeeps) {
  auto cleaner = *LogCleaner::Create(CleanerOptions(c_));
  const int64_t t0 = Now();
  const int64_t a = Init("a");
  const int64_t b = Init("b");
  ASSERT_EQ(c_.ProduceBytes(0, KeyedBatch({{"k2", "p1", t0}}, kafka::Compression::kNone)), 0);
  ASSERT_EQ(ProduceInTransaction("a", a, {{"k1", "a1", t0}}), 1);
  End("a", a, /*commit=*/true);                                                  // 2
  ASSERT_EQ(ProduceInTransaction("b", b, {{"k1", "b1", t0}, {"k3", "b3", t0}}), 3);
  End("b", b, /*commit=*/false);                                                 // 5
  ASSERT_EQ(ProduceInTransaction("a", a, {{"k1", "c1", t0}}), 6);
  End("a", a, /*commit=*/true);                                                  // 7
  ASSERT_EQ(ProduceInTransaction("b", b, {{"k4", "d4", t0}}), 8);                // open
  ASSERT_EQ(c_.ProduceBytes(0, KeyedBatch({{"k2", "p2", t0}}, kafka::Compression::kNone)), 9);
  EXPECT_EQ(c_.metadata().GetOffsets({"t", 0})->last_stable_offset, 8);

  // Below the LSO: a1 superseded by the committed c1, b1 and b3 aborted
  // (b1 would otherwise be k1's latest), the markers younger than
  // delete.retention.ms; from the LSO on nothing moves (k2=p1 stays, as p2
  // is past it).
  EXPECT_EQ(CleanAll(*cleaner), 1);
  EXPECT_EQ(Consume(c_, 0), (std::map<int64_t, Rec>{{0, {"k2", "p1", t0}},
                                                     {2, {"commit", std::nullopt, t0}},
                                                     {5, {"abort", std::nullopt, t0}},
                                                     {6, {"k1", "c1", t0}},
                                                     {7, {"commit", std::nullopt, t0}},
                                                     {8, {"k4", "d4", t0}},
                                                     {9, {"k2", "p2", t0}}}));
  // Readers still learn of the aborted transaction.
  FetchPlan plan = c_.metadata().FindBatches({"t", 0}, 0, 1 << 20);
  EXPECT_EQ(plan.aborted, (std::vector<AbortedTransaction>{{b, 3, 5}}));

  // Past delete.retention.ms, with the open transaction committed: the
  // commit marker of the transaction left empty goes, the others stay (and
  // the abort marker, as its aborted transaction is still listed), and every
  // marker left is a control batch in an object now.
  c_.clock().Advance(absl::Milliseconds(kDeleteRetentionMs + 1000));
  const int64_t t1 = Now();
  End("b", b, /*commit=*/true);                                                  // 10
  EXPECT_EQ(CleanAll(*cleaner), 1);
  EXPECT_EQ(Consume(c_, 0), (std::map<int64_t, Rec>{{5, {"abort", std::nullopt, t0}},
                                                     {6, {"k1", "c1", t0}},
                                                     {7, {"commit", std::nullopt, t0}},
                                                     {8, {"k4", "d4", t0}},
                                                     {9, {"k2", "p2", t0}},
                                                     {10, {"commit", std::nullopt, t1}}}));
  plan = c_.metadata().FindBatches({"t", 0}, 0, 1 << 20);
  for (const BatchLocation& e : plan.batches) EXPECT_FALSE(e.marker) << e.base_offset;
  EXPECT_EQ(plan.aborted, (std::vector<AbortedTransaction>{{b, 3, 5}}));
  PartitionOffsets offsets = *c_.metadata().GetOffsets({"t", 0});
  EXPECT_EQ(offsets.high_watermark, 11);
  EXPECT_EQ(offsets.last_stable_offset, 11);
  // Clean: nothing more to do.
  EXPECT_EQ(CleanAll(*cleaner), 0);
}

// Runs `before` when a ReplaceFiles passes, before it reaches the store.
class HookedMetadata : public metadata::ForwardingMetadataStore {
 public:
  using ForwardingMetadataStore::ForwardingMetadataStore;
  std::function<void()> before_replace;
  absl::StatusOr<CommandResult> Execute(Command command) override {
    if (std::holds_alternative<ReplaceFiles>(command) && before_replace) before_replace();
    return base()->Execute(std::move(command));
  }
};

TEST(LogCleanerTest, AStaleCleaningIsAbandonedAndRedoneNextTime) {
  TestCluster c(1, Compacted());
  HookedMetadata hooked(&c.metadata());
  LogCleanerOptions options = CleanerOptions(c);
  options.metadata = &hooked;
  auto cleaner = *LogCleaner::Create(options);
  int64_t t0 = absl::ToUnixMillis(c.clock().Now());
  c.ProduceBytes(0, KeyedBatch({{"a", "1", t0}, {"b", "1", t0}}, kafka::Compression::kNone));
  c.ProduceBytes(0, KeyedBatch({{"a", "2", t0}}, kafka::Compression::kNone));
  // Retention moves the log start while the cleaning is in flight.
  hooked.before_replace = [&] {
    ASSERT_TRUE((*c.metadata().Execute(DeleteRecords{{"t", 0}, 2, t0})).ok());
  };
  std::set<std::string> before = c.BucketObjects();
  absl::StatusOr<CompactionResult> r = cleaner->CleanOnce();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->committed);
  EXPECT_FALSE(r->abandoned.empty());
  EXPECT_EQ(c.BucketObjects(), before);  // the output is gone again
  EXPECT_EQ(Consume(c, 0), (std::map<int64_t, Rec>{{2, {"a", "2", t0}}}));
  hooked.before_replace = nullptr;
  c.ProduceBytes(0, KeyedBatch({{"a", "3", t0}, {"b", "2", t0}}, kafka::Compression::kNone));
  EXPECT_EQ(CleanAll(*cleaner), 1);
  EXPECT_EQ(Consume(c, 0),
            (std::map<int64_t, Rec>{{3, {"a", "3", t0}}, {4, {"b", "2", t0}}}));
}

}  // namespace
}  // namespace warp::compaction
