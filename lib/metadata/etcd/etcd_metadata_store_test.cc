// The etcd journal against a real etcd started by the test: the conformance
// suite, several replicas committing concurrently, snapshots and compaction,
// an etcd restart, and a 3-member cluster losing a member.
#include <atomic>
#include <map>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "lib/metadata/testing/metadata_store_conformance.h"
#include "tests/util/etcd.h"

namespace warp {
namespace {

testing::EtcdCluster* etcd = nullptr;

class EtcdEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    auto started = testing::EtcdCluster::Start(1);
    ASSERT_TRUE(started.ok()) << started.status();
    cluster_ = *std::move(started);
    etcd = cluster_.get();
  }
  void TearDown() override {
    etcd = nullptr;
    cluster_.reset();
  }

 private:
  std::unique_ptr<testing::EtcdCluster> cluster_;
};

const auto* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new EtcdEnvironment());

std::string NewPrefix() {
  static std::atomic<int> n{0};
  return absl::StrCat("test-", n.fetch_add(1));
}

INSTANTIATE_TEST_SUITE_P(
    Etcd, MetadataStoreConformanceTest,
    ::testing::Values(MetadataStoreFactory{
        "etcd", [] { return etcd->Url(NewPrefix()); }, /*durable=*/true}),
    [](const auto& info) { return info.param.name; });

BatchToCommit Batch(int32_t partition, int32_t records) {
  BatchToCommit b;
  b.topic = "t";
  b.partition = partition;
  b.record_count = records;
  b.byte_length = 10;
  return b;
}

std::unique_ptr<MetadataStore> Open(const std::string& url,
                                    MetadataStoreOptions options = {}) {
  auto store = MetadataStore::Open(url, options);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

// The index of every partition, as (object, base, last) triples.
std::vector<std::tuple<std::string, int64_t, int64_t>> Index(MetadataStore* store,
                                                             int partitions) {
  std::vector<std::tuple<std::string, int64_t, int64_t>> out;
  for (int p = 0; p < partitions; ++p) {
    FetchPlan plan = store->FindBatches({"t", p}, 0, 1ull << 40);
    for (const BatchLocation& b : plan.batches) {
      out.emplace_back(b.object_key, b.base_offset, b.last_offset);
    }
  }
  return out;
}

// Runs `threads` committers per store; checks that offsets are unique and
// contiguous and that every replica converges to the same index.
void CommitConcurrently(std::vector<MetadataStore*> stores, int threads, int files,
                        const std::function<void(int)>& midway = nullptr) {
  absl::Mutex mu;
  std::map<int32_t, std::vector<std::pair<int64_t, int32_t>>> assigned;
  std::atomic<int> done_files{0};
  std::vector<std::thread> workers;
  for (size_t s = 0; s < stores.size(); ++s) {
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, s, t] {
        for (int f = 0; f < files; ++f) {
          CommitFile file{absl::StrCat("o-", s, "-", t, "-", f), 100, 0,
                          {Batch(0, 1 + f % 3), Batch(1, 2)}};
          absl::StatusOr<CommandResult> r;
          // Retry through an etcd outage: a failed append may or may not
          // have happened, so the retry uses a new object key.
          for (int attempt = 0; attempt < 100; ++attempt) {
            file.object_key = absl::StrCat("o-", s, "-", t, "-", f, "-", attempt);
            r = stores[s]->Execute(file);
            if (r.ok()) break;
            absl::SleepFor(absl::Milliseconds(100));
          }
          ASSERT_TRUE(r.ok()) << r.status();
          absl::MutexLock lock(&mu);
          for (int b = 0; b < 2; ++b) {
            ASSERT_EQ(r->batches[b].error, KafkaError::kNone);
            assigned[b].push_back({r->batches[b].base_offset, file.batches[b].record_count});
          }
          int n = done_files.fetch_add(1) + 1;
          if (midway && n == static_cast<int>(stores.size()) * threads * files / 2) {
            midway(n);
          }
        }
      });
    }
  }
  for (auto& w : workers) w.join();
  for (auto& [p, ranges] : assigned) {
    std::sort(ranges.begin(), ranges.end());
    int64_t next = 0;
    for (auto [base, count] : ranges) {
      // Appends retried after an ambiguous failure may have landed too, so
      // offsets may hold batches no caller saw; but never overlap.
      ASSERT_GE(base, next) << "overlapping offsets in partition " << p;
      next = base + count;
    }
  }
  for (MetadataStore* store : stores) ASSERT_TRUE(store->Sync().ok());
  auto reference = Index(stores[0], 2);
  for (MetadataStore* store : stores) {
    auto index = Index(store, 2);
    EXPECT_EQ(index, reference) << "replicas diverged";
    // Contiguous: each batch starts where the previous ended.
    int64_t expect = 0;
    std::string last_topic;
    for (size_t i = 0; i < index.size(); ++i) {
      if (i > 0 && std::get<1>(index[i]) == 0) expect = 0;  // next partition
      EXPECT_EQ(std::get<1>(index[i]), expect);
      expect = std::get<2>(index[i]) + 1;
    }
  }
}

TEST(EtcdMetadataStoreTest, ThreeReplicasCommitConcurrently) {
  std::string url = etcd->Url(NewPrefix());
  auto a = Open(url), b = Open(url), c = Open(url);
  ASSERT_TRUE(a && b && c);
  ASSERT_TRUE(a->Execute(CreateTopic{"t", {}, 2, {}})->ok());
  ASSERT_TRUE(b->Sync().ok());
  ASSERT_TRUE(b->GetTopic("t").has_value());
  CommitConcurrently({a.get(), b.get(), c.get()}, 8, 15);
}

TEST(EtcdMetadataStoreTest, SnapshotsCompactTheLogAndNewReplicasCatchUp) {
  std::string url = etcd->Url(NewPrefix());
  MetadataStoreOptions options;
  options.snapshot_every = 20;
  auto a = Open(url, options);
  ASSERT_TRUE(a->Execute(CreateTopic{"t", {}, 2, {}})->ok());
  for (int i = 0; i < 150; ++i) {
    ASSERT_TRUE(a->Execute(CommitFile{absl::StrCat("o", i), 100, 0, {Batch(0, 1)}}).ok());
  }
  // A replica opened now starts from a snapshot (the early log is gone).
  auto late = Open(url, options);
  ASSERT_NE(late, nullptr);
  EXPECT_EQ(late->GetOffsets({"t", 0})->high_watermark, 150);
  EXPECT_EQ(Index(late.get(), 2), Index(a.get(), 2));
  ASSERT_TRUE(late->Execute(CommitFile{"after", 100, 0, {Batch(0, 5)}}).ok());
  ASSERT_TRUE(a->Sync().ok());
  EXPECT_EQ(a->GetOffsets({"t", 0})->high_watermark, 155);
}

TEST(EtcdMetadataStoreTest, SurvivesAnEtcdRestart) {
  std::string url = etcd->Url(NewPrefix());
  auto a = Open(url), b = Open(url);
  ASSERT_TRUE(a->Execute(CreateTopic{"t", {}, 2, {}})->ok());
  CommitConcurrently({a.get(), b.get()}, 4, 20, [](int) {
    etcd->Kill(0);
    absl::SleepFor(absl::Milliseconds(500));
    ASSERT_TRUE(etcd->Restart(0).ok());
  });
}

TEST(EtcdMetadataStoreTest, AThreeMemberClusterLosesAMember) {
  auto cluster = testing::EtcdCluster::Start(3);
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  std::string url = (*cluster)->Url("three");
  auto a = Open(url), b = Open(url);
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->Execute(CreateTopic{"t", {}, 2, {}})->ok());
  CommitConcurrently({a.get(), b.get()}, 4, 20, [&](int) { (*cluster)->Kill(0); });
}

// With etcd gone, commands fail with Unavailable within commit_timeout (a
// retriable answer for clients) and nothing that failed is half-applied on
// one replica only; when etcd returns, both replicas commit again and agree.
TEST(EtcdMetadataStoreTest, EtcdDownFailsCommandsInTimeAndServiceResumes) {
  std::string url = etcd->Url(NewPrefix());
  MetadataStoreOptions options;
  options.commit_timeout = absl::Seconds(1);
  auto a = Open(url, options), b = Open(url, options);
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->Execute(CreateTopic{"t", {}, 1, {}})->ok());
  etcd->Kill(0);
  // Several callers at once: the ones queued behind the first give up too.
  std::vector<std::thread> callers;
  std::atomic<int> unavailable{0};
  absl::Time start = absl::Now();
  for (int i = 0; i < 4; ++i) {
    callers.emplace_back([&, i] {
      auto r = a->Execute(CommitFile{absl::StrCat("down", i), 100, 0, {Batch(0, 1)}});
      if (r.status().code() == absl::StatusCode::kUnavailable) unavailable++;
    });
  }
  for (auto& t : callers) t.join();
  EXPECT_EQ(unavailable.load(), 4);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  ASSERT_TRUE(etcd->Restart(0).ok());
  absl::StatusOr<CommandResult> after = absl::UnavailableError("not tried");
  for (int i = 0; i < 100 && !after.ok(); ++i) {
    after = b->Execute(CommitFile{"after", 100, 0, {Batch(0, 1)}});
    if (!after.ok()) absl::SleepFor(absl::Milliseconds(200));
  }
  ASSERT_TRUE(after.ok()) << after.status();
  ASSERT_TRUE(a->Sync().ok());
  ASSERT_TRUE(b->Sync().ok());
  EXPECT_EQ(Index(a.get(), 1), Index(b.get(), 1));
  EXPECT_EQ(a->GetOffsets({"t", 0})->high_watermark, b->GetOffsets({"t", 0})->high_watermark);
}

TEST(EtcdMetadataStoreTest, UnreachableEtcdFailsAtOpen) {
  auto store = MetadataStore::Open("etcd://127.0.0.1:1/x");
  EXPECT_FALSE(store.ok());
}

}  // namespace
}  // namespace warp
