// The etcd journal against a real etcd started by the test: the conformance
// suite, several replicas committing concurrently, snapshots and compaction,
// an etcd restart, a 3-member cluster losing a member, commands in flight
// when a snapshot passes them, Sync after a snapshot, watches on a member cut
// off from its quorum or hung, and group commits bounded in bytes.
#include "lib/metadata/etcd/etcd_metadata_store.h"

#include <atomic>
#include <map>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "lib/metadata/etcd/etcd_client.h"
#include "lib/metadata/testing/group_commit_checks.h"
#include "warp/testing/metadata_store_conformance.h"
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

// A replica over the members of `cluster` in the order `members`.
std::unique_ptr<MetadataStore> OpenReplica(testing::EtcdCluster* cluster,
                                           const std::vector<int>& members,
                                           const std::string& prefix,
                                           MetadataStoreOptions options = {},
                                           metadata::EtcdStoreOptions etcd_options = {}) {
  std::vector<std::string> endpoints;
  for (int m : members) endpoints.push_back(cluster->endpoint(m));
  auto store = metadata::OpenEtcdMetadataStore(endpoints, "/" + prefix, options, etcd_options);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

// Waits until the snapshot pointer under `prefix` exists and, with
// `trimmed`, says that log keys were deleted (a second snapshot).
void WaitForSnapshot(const std::string& prefix, bool trimmed) {
  auto client = metadata::etcd::EtcdClient::Create({etcd->endpoint(0)});
  ASSERT_TRUE(client.ok());
  absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (absl::Now() < deadline) {
    auto meta = (*client)->Range(absl::StrCat("/", prefix, "/snapshot/meta"));
    if (meta.ok() && !meta->kvs.empty()) {
      std::vector<std::string> parts = absl::StrSplit(meta->kvs[0].value, ' ');
      if (!trimmed || (parts.size() == 3 && parts[2] != std::string(20, '0'))) return;
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  FAIL() << "no snapshot under " << prefix;
}

// Replica B, held (applying nothing), sends a commit; replica A commits
// `commits` more and snapshots every 20 entries; B is released once the
// snapshots are written. Returns B's answer; checks that B then agrees.
absl::StatusOr<CommandResult> CommitWhileASnapshotPasses(int commits, bool two_snapshots) {
  std::string prefix = NewPrefix();
  MetadataStoreOptions a_options;
  a_options.snapshot_every = 20;
  auto a = OpenReplica(etcd, {0}, prefix, a_options);
  EXPECT_TRUE(a->Execute(CreateTopic{"t", {}, 1, {}})->ok());
  std::atomic<bool> held{false};
  MetadataStoreOptions b_options;
  b_options.commit_timeout = absl::Seconds(60);
  b_options.snapshot_every = 1 << 30;
  metadata::EtcdStoreOptions b_etcd;
  b_etcd.hold_watcher = [&held] { return held.load(); };
  auto b = OpenReplica(etcd, {0}, prefix, b_options, b_etcd);
  held = true;
  absl::StatusOr<CommandResult> result = absl::UnknownError("not answered");
  std::thread sender([&] { result = b->Execute(CommitFile{"held", 100, 0, {Batch(0, 1)}}); });
  // In the log once A applied it.
  EXPECT_EQ(*a->WaitForHighWatermark({"t", 0}, 0, absl::Now() + absl::Seconds(30)), 1);
  for (int i = 0; i < commits; ++i) {
    EXPECT_TRUE(a->Execute(CommitFile{absl::StrCat("o", i), 100, 0, {Batch(0, 1)}}).ok());
  }
  WaitForSnapshot(prefix, two_snapshots);
  absl::Time released = absl::Now();
  held = false;
  sender.join();
  EXPECT_LT(absl::Now() - released, absl::Seconds(30)) << "answered by its timeout only";
  EXPECT_TRUE(b->Sync().ok());
  EXPECT_EQ(Index(b.get(), 1), Index(a.get(), 1));
  return result;
}

// B is behind A's snapshot but not behind the log it keeps: B replays the
// log and its caller gets the command's real result.
TEST(EtcdMetadataStoreTest, ACommandASnapshotPassesGetsItsResult) {
  absl::StatusOr<CommandResult> result = CommitWhileASnapshotPasses(25, false);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->batches.size(), 1u);
  EXPECT_EQ(result->batches[0].error, KafkaError::kNone);
  EXPECT_EQ(result->batches[0].base_offset, 0);
}

// B is behind two snapshots: the log it missed is gone, it loads the
// snapshot, and its caller is told at once that the command was committed
// with a result unknown (not left to time out).
TEST(EtcdMetadataStoreTest, ACommandUnderALoadedSnapshotIsAnsweredAtOnce) {
  absl::StatusOr<CommandResult> result = CommitWhileASnapshotPasses(45, true);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StrContains(result.status().message(), "was committed")) << result.status();
}

// A snapshot that covers the whole log: B, behind it, must not take the
// snapshot for "nothing to wait for" in Sync.
TEST(EtcdMetadataStoreTest, SyncAfterASnapshotWaitsForTheNewestEntry) {
  std::string prefix = NewPrefix();
  MetadataStoreOptions a_options;
  a_options.snapshot_every = 20;
  auto a = OpenReplica(etcd, {0}, prefix, a_options);
  std::atomic<bool> held{false};
  metadata::EtcdStoreOptions b_etcd;
  b_etcd.hold_watcher = [&held] { return held.load(); };
  auto b = OpenReplica(etcd, {0}, prefix, {}, b_etcd);
  ASSERT_TRUE(a->Execute(CreateTopic{"t", {}, 1, {}})->ok());
  ASSERT_TRUE(b->Sync().ok());
  held = true;
  for (int i = 0; i < 19; ++i) {  // the 20th entry: a snapshot of everything
    ASSERT_TRUE(a->Execute(CommitFile{absl::StrCat("o", i), 100, 0, {Batch(0, 1)}}).ok());
  }
  WaitForSnapshot(prefix, false);
  std::thread release([&] {
    absl::SleepFor(absl::Milliseconds(500));
    held = false;
  });
  ASSERT_TRUE(b->Sync().ok());
  EXPECT_EQ(b->GetOffsets({"t", 0})->high_watermark, 19);
  release.join();
}

// Counts the watches of a replica that ended, and keeps the last status.
struct WatchEnds {
  absl::Mutex mu;
  int count ABSL_GUARDED_BY(mu) = 0;
  std::string last ABSL_GUARDED_BY(mu);

  metadata::EtcdStoreOptions Options() {
    metadata::EtcdStoreOptions options;
    options.on_watch_end = [this](const absl::Status& status) {
      absl::MutexLock lock(&mu);
      ++count;
      last = status.ToString();
    };
    return options;
  }
  bool WaitFor(int n, absl::Duration timeout) {
    absl::MutexLock lock(&mu);
    auto reached = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return count >= n; };
    return mu.AwaitWithTimeout(absl::Condition(&reached), timeout);
  }
};

bool WaitForHighWatermark(MetadataStore* store, int64_t hw, absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    auto offsets = store->GetOffsets({"t", 0});
    if (offsets.ok() && offsets->high_watermark >= hw) return true;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return false;
}

// A member that loses its quorum cancels the watch (it requires a leader):
// the replica notices and watches elsewhere, and follows the log again
// once the quorum is back.
TEST(EtcdMetadataStoreTest, AWatchOnAMemberWithoutQuorumIsRestarted) {
  auto cluster = testing::EtcdCluster::Start(3);
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  WatchEnds ends;
  auto b = OpenReplica(cluster->get(), {0, 1, 2}, "quorum", {}, ends.Options());
  ASSERT_NE(b, nullptr);
  // Once B applied its own command and a moment passed, it is watching (not
  // still in its first catch-up, which would just fail and retry).
  ASSERT_TRUE(b->Execute(CreateTopic{"t", {}, 1, {}})->ok());
  absl::SleepFor(absl::Seconds(1));
  (*cluster)->Kill(1);
  (*cluster)->Kill(2);
  ASSERT_TRUE(ends.WaitFor(1, absl::Seconds(60))) << "the watch on a member without quorum hung";
  {
    absl::MutexLock lock(&ends.mu);
    EXPECT_TRUE(absl::StrContains(ends.last, "leader")) << ends.last;
  }
  ASSERT_TRUE((*cluster)->Restart(1).ok());
  ASSERT_TRUE((*cluster)->Restart(2).ok());
  auto a = OpenReplica(cluster->get(), {1, 2, 0}, "quorum");
  ASSERT_NE(a, nullptr);
  ASSERT_TRUE(a->Execute(CommitFile{"x", 100, 0, {Batch(0, 1)}}).ok());
  EXPECT_TRUE(WaitForHighWatermark(b.get(), 1, absl::Seconds(60)));
}

// A member that hangs (SIGSTOP) keeps its connections but sends nothing,
// not even the progress notifications the watch asked for: the replica
// gives the watch up after watch_idle_timeout and follows the log through
// another member. While the member is healthy, notifications keep the
// watch alive.
TEST(EtcdMetadataStoreTest, ASilentWatchIsRestartedElsewhere) {
  auto cluster = testing::EtcdCluster::Start(
      3, {"--experimental-watch-progress-notify-interval=1s"});
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  WatchEnds ends;
  metadata::EtcdStoreOptions b_etcd = ends.Options();
  b_etcd.watch_idle_timeout = absl::Seconds(4);
  auto b = OpenReplica(cluster->get(), {0, 1, 2}, "silent", {}, b_etcd);
  auto a = OpenReplica(cluster->get(), {1, 2, 0}, "silent");
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->Execute(CreateTopic{"t", {}, 1, {}})->ok());
  EXPECT_FALSE(ends.WaitFor(1, absl::Seconds(8))) << "a healthy watch was given up";
  (*cluster)->Pause(0);
  ASSERT_TRUE(a->Execute(CommitFile{"x", 100, 0, {Batch(0, 1)}}).ok());
  EXPECT_TRUE(WaitForHighWatermark(b.get(), 1, absl::Seconds(60)));
  (*cluster)->Resume(0);
}

TEST(EtcdMetadataStoreTest, GroupCommitsStayUnderEtcdsRequestLimit) {
  std::string prefix = NewPrefix();
  auto store = OpenReplica(etcd, {0}, prefix);
  ASSERT_NE(store, nullptr);
  size_t limit = metadata::EtcdGroupLimits("/" + prefix + "/", {}, {}).max_bytes;
  EXPECT_LT(limit, size_t{1572864});
  EXPECT_GT(limit, size_t{1500000});
  // 8 x 400 KiB: three requests at least.
  ExpectLargeCommandsAllCommit(store.get(), 8, 400 << 10);
  ExpectOversizedCommandFailsAlone(store.get(), 2 << 20, limit, 8, 200 << 10);
}

// etcd started with a lower --max-request-bytes and the store told so:
// groups and snapshot chunks fit.
TEST(EtcdMetadataStoreTest, ALowerRequestLimitIsHonoured) {
  auto cluster = testing::EtcdCluster::Start(1, {"--max-request-bytes=262144"});
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  metadata::EtcdStoreOptions etcd_options;
  etcd_options.max_request_bytes = 262144;
  MetadataStoreOptions options;
  options.snapshot_every = 2;
  auto store = OpenReplica(cluster->get(), {0}, "low", options, etcd_options);
  ASSERT_NE(store, nullptr);
  size_t limit = metadata::EtcdGroupLimits("/low/", options, etcd_options).max_bytes;
  ExpectLargeCommandsAllCommit(store.get(), 10, 60 << 10);
  ExpectOversizedCommandFailsAlone(store.get(), 300 << 10, limit, 8, 30 << 10);
  // A replica opened now starts from a snapshot of several chunks.
  auto client = metadata::etcd::EtcdClient::Create({(*cluster)->endpoint(0)});
  ASSERT_TRUE(client.ok());
  absl::StatusOr<metadata::etcd::RangeResult> meta = absl::NotFoundError("");
  for (int i = 0; i < 600 && !(meta.ok() && !meta->kvs.empty()); ++i) {
    meta = (*client)->Range("/low/snapshot/meta");
    absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_TRUE(meta.ok() && !meta->kvs.empty()) << "no snapshot written";
  std::vector<std::string> pointer = absl::StrSplit(meta->kvs[0].value, ' ');
  ASSERT_GE(pointer.size(), 2u);
  EXPECT_GT(std::stoi(pointer[1]), 1) << "a snapshot of one chunk: " << meta->kvs[0].value;
  // Through the URL parameters this time.
  auto late = Open((*cluster)->Url("low") + "?max_request_bytes=262144&watch_idle_timeout_ms=60000",
                   options);
  ASSERT_NE(late, nullptr);
  ExpectLargeCommandsAllCommit(late.get(), 4, 100 << 10);
  EXPECT_EQ(late->LiveAgents().size(), store->LiveAgents().size());
}

TEST(EtcdMetadataStoreTest, UnreachableEtcdFailsAtOpen) {
  auto store = MetadataStore::Open("etcd://127.0.0.1:1/x");
  EXPECT_FALSE(store.ok());
}

}  // namespace
}  // namespace warp
