// Every Stream call, through the public header only, on mem:// stores (and a
// local folder for the data_dir default, and a fault-injecting bucket for
// idempotent retries).
#include "warp/stream.h"

#include <atomic>
#include <cstdlib>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "lib/metadata/forwarding_metadata_store.h"
#include "warp/fault_injection.h"
#include "warp/memory_object_store.h"
#include "warp/warp.h"

namespace warp {
namespace {

StreamOptions Mem() {
  StreamOptions options;
  options.bucket_url = "mem://";
  options.metadata_url = "mem://";
  options.flush_interval = absl::Milliseconds(5);
  return options;
}

std::unique_ptr<Stream> OpenOrDie(const StreamOptions& options) {
  absl::StatusOr<std::unique_ptr<Stream>> stream = Stream::Open(options);
  EXPECT_TRUE(stream.ok()) << stream.status();
  return stream.ok() ? *std::move(stream) : nullptr;
}

std::vector<Record> Values(int from, int n) {
  std::vector<Record> out;
  for (int i = from; i < from + n; ++i) {
    Record r;
    r.key = absl::StrCat("k", i);
    r.value = absl::StrCat("v", i);
    out.push_back(r);
  }
  return out;
}

TEST(StreamTest, OpenNeedsStoresOrADataDir) {
  EXPECT_TRUE(absl::IsInvalidArgument(Stream::Open({}).status()));
  StreamOptions half;
  half.bucket_url = "mem://";
  EXPECT_TRUE(absl::IsInvalidArgument(Stream::Open(half).status()));
  StreamOptions bad = Mem();
  bad.bucket_url = "gopher://x";
  EXPECT_FALSE(Stream::Open(bad).ok());
}

TEST(StreamTest, TopicsAreCreatedListedAndDeleted) {
  auto stream = OpenOrDie(Mem());
  ASSERT_TRUE(stream->CreateTopic("b", 2).ok());
  ASSERT_TRUE(stream->CreateTopic("a", 1, {{"cleanup.policy", "compact"}}).ok());
  EXPECT_TRUE(absl::IsAlreadyExists(stream->CreateTopic("a", 1)));
  EXPECT_TRUE(absl::IsInvalidArgument(stream->CreateTopic("c", 0)));
  EXPECT_TRUE(absl::IsInvalidArgument(stream->CreateTopic("bad name!", 1)));
  EXPECT_TRUE(absl::IsInvalidArgument(stream->CreateTopic("c", 1, {{"retention.ms", "soon"}})));
  EXPECT_TRUE(absl::IsInvalidArgument(stream->CreateTopic("c", 1, {{"no.such", "1"}})));
  EXPECT_EQ(*stream->ListTopics(), (std::vector<std::string>{"a", "b"}));
  ASSERT_TRUE(stream->DeleteTopic("b").ok());
  EXPECT_TRUE(absl::IsNotFound(stream->DeleteTopic("b")));
  EXPECT_EQ(*stream->ListTopics(), (std::vector<std::string>{"a"}));
}

TEST(StreamTest, RecordsGoInAndComeOutAsTheyWere) {
  auto stream = OpenOrDie(Mem());
  ASSERT_TRUE(stream->CreateTopic("t", 2).ok());
  Record keyless;
  keyless.has_key = false;
  keyless.value = "no key";
  keyless.timestamp_ms = 1234;
  keyless.headers = {{"h1", "x"}, {"h2", ""}};
  Record tombstone;
  tombstone.key = "gone";
  tombstone.has_value = false;
  Record empty;  // an empty key and value are not null
  absl::StatusOr<int64_t> first = stream->Produce("t", 1, {keyless, tombstone, empty});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, 0);
  EXPECT_EQ(*stream->Produce("t", 1, Values(0, 2)), 3);
  absl::StatusOr<std::vector<ConsumedRecord>> got = stream->Fetch("t", 1, 0);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->size(), 5u);
  const ConsumedRecord& r0 = (*got)[0];
  EXPECT_EQ(r0.topic, "t");
  EXPECT_EQ(r0.partition, 1);
  EXPECT_EQ(r0.offset, 0);
  EXPECT_FALSE(r0.has_key);
  EXPECT_EQ(r0.value, "no key");
  EXPECT_EQ(r0.timestamp_ms, 1234);
  EXPECT_EQ(r0.headers, keyless.headers);
  EXPECT_TRUE((*got)[1].has_key);
  EXPECT_EQ((*got)[1].key, "gone");
  EXPECT_FALSE((*got)[1].has_value);
  EXPECT_TRUE((*got)[2].has_key && (*got)[2].has_value);
  EXPECT_EQ((*got)[2].key, "");
  EXPECT_GT((*got)[2].timestamp_ms, 1700000000000);  // the time of Produce
  EXPECT_EQ((*got)[4].value, "v1");
  EXPECT_EQ((*got)[4].offset, 4);
  // Only records at or after the offset, even from the middle of a batch.
  got = stream->Fetch("t", 1, 1);
  ASSERT_EQ(got->size(), 4u);
  EXPECT_EQ(got->front().offset, 1);
  // At the end: nothing, at once. Past it or on no partition: errors.
  EXPECT_TRUE(stream->Fetch("t", 1, 5)->empty());
  EXPECT_TRUE(absl::IsOutOfRange(stream->Fetch("t", 1, 6).status()));
  EXPECT_TRUE(absl::IsNotFound(stream->Fetch("t", 7, 0).status()));
  EXPECT_TRUE(absl::IsNotFound(stream->Produce("t", 7, Values(0, 1)).status()));
  EXPECT_TRUE(absl::IsNotFound(stream->Produce("nope", 0, Values(0, 1)).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(stream->Produce("t", 0, {}).status()));
  // max_bytes bounds a fetch, but one batch always comes.
  FetchLimits small;
  small.max_bytes = 1;
  EXPECT_FALSE(stream->Fetch("t", 1, 0, small)->empty());
}

TEST(StreamTest, EveryCodecRoundTrips) {
  for (StreamCompression codec : {StreamCompression::kNone, StreamCompression::kGzip,
                                  StreamCompression::kSnappy, StreamCompression::kLz4,
                                  StreamCompression::kZstd}) {
    StreamOptions options = Mem();
    options.compression = codec;
    auto stream = OpenOrDie(options);
    ASSERT_TRUE(stream->CreateTopic("t", 1).ok());
    std::vector<Record> records = Values(0, 100);
    records[7].value = std::string(100000, 'z');
    ASSERT_TRUE(stream->Produce("t", 0, records).ok());
    absl::StatusOr<std::vector<ConsumedRecord>> got = stream->Fetch("t", 0, 0);
    ASSERT_TRUE(got.ok()) << got.status();
    ASSERT_EQ(got->size(), 100u) << static_cast<int>(codec);
    EXPECT_EQ((*got)[7].value, records[7].value);
    EXPECT_EQ((*got)[99].key, "k99");
  }
}

TEST(StreamTest, FetchLongPollsUntilRecordsCome) {
  auto stream = OpenOrDie(Mem());
  ASSERT_TRUE(stream->CreateTopic("t", 1).ok());
  absl::Notification produced;
  std::thread producer([&] {
    absl::SleepFor(absl::Milliseconds(50));
    stream->ProduceAsync("t", 0, Values(0, 3), [&](absl::StatusOr<int64_t> offset) {
      EXPECT_EQ(*offset, 0);
      produced.Notify();
    });
  });
  FetchLimits wait;
  wait.max_wait = absl::Seconds(30);
  absl::StatusOr<std::vector<ConsumedRecord>> got = stream->Fetch("t", 0, 0, wait);
  producer.join();
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->size(), 3u);
  produced.WaitForNotification();
}

TEST(StreamTest, ManyAsyncProducesKeepOrderAndOffsets) {
  auto stream = OpenOrDie(Mem());
  ASSERT_TRUE(stream->CreateTopic("t", 2).ok());
  constexpr int kCalls = 200;
  std::atomic<int> done{0};
  std::vector<int64_t> offsets(kCalls, -1);
  for (int i = 0; i < kCalls; ++i) {
    stream->ProduceAsync("t", i % 2, Values(i, 1), [&, i](absl::StatusOr<int64_t> offset) {
      EXPECT_TRUE(offset.ok()) << offset.status();
      offsets[i] = offset.value_or(-1);
      ++done;
    });
  }
  stream->Flush();
  while (done < kCalls) absl::SleepFor(absl::Milliseconds(1));
  for (int i = 0; i < kCalls; ++i) EXPECT_EQ(offsets[i], i / 2) << i;
  std::vector<ConsumedRecord> p1 = *stream->Fetch("t", 1, 0);
  ASSERT_EQ(p1.size(), kCalls / 2u);
  for (int i = 0; i < kCalls / 2; ++i) EXPECT_EQ(p1[i].value, absl::StrCat("v", 2 * i + 1));
}

TEST(StreamTest, OffsetsByPositionAndTime) {
  auto stream = OpenOrDie(Mem());
  ASSERT_TRUE(stream->CreateTopic("t", 1).ok());
  EXPECT_EQ(*stream->EarliestOffset("t", 0), 0);
  EXPECT_EQ(*stream->LatestOffset("t", 0), 0);
  std::vector<Record> old = Values(0, 2), recent = Values(2, 2);
  for (Record& r : old) r.timestamp_ms = 1000;
  for (Record& r : recent) r.timestamp_ms = 5000;
  ASSERT_TRUE(stream->Produce("t", 0, old).ok());
  ASSERT_TRUE(stream->Produce("t", 0, recent).ok());
  EXPECT_EQ(*stream->LatestOffset("t", 0), 4);
  EXPECT_EQ(*stream->OffsetForTime("t", 0, 500), 0);
  EXPECT_EQ(*stream->OffsetForTime("t", 0, 2000), 2);
  EXPECT_EQ(*stream->OffsetForTime("t", 0, 9000), -1);
  EXPECT_TRUE(absl::IsNotFound(stream->LatestOffset("t", 3).status()));
  EXPECT_TRUE(absl::IsNotFound(stream->OffsetForTime("x", 0, 0).status()));
}

TEST(StreamTest, ConsumersFollowPartitionsAndShareGroupOffsets) {
  auto stream = OpenOrDie(Mem());
  ASSERT_TRUE(stream->CreateTopic("t", 3).ok());
  for (int p = 0; p < 3; ++p) ASSERT_TRUE(stream->Produce("t", p, Values(10 * p, 5)).ok());
  auto consumer = *stream->NewConsumer("g");
  ASSERT_TRUE(consumer->Assign({{"t", 0}, {"t", 1}, {"t", 2, 3}}).ok());
  EXPECT_EQ(consumer->Position("t", 2), 3);
  EXPECT_EQ(consumer->Position("t", 9), -1);
  std::vector<ConsumedRecord> got = *consumer->Poll();
  EXPECT_EQ(got.size(), 5u + 5u + 2u);
  EXPECT_EQ(consumer->Position("t", 0), 5);
  EXPECT_TRUE(consumer->Poll()->empty());
  ASSERT_TRUE(consumer->Commit().ok());
  EXPECT_EQ(*stream->CommittedOffset("g", "t", 1), 5);
  EXPECT_EQ(*stream->CommittedOffset("g", "t", 2), 5);
  EXPECT_EQ(*stream->CommittedOffset("other", "t", 1), -1);
  // A second consumer of the group resumes where the first committed; a
  // commit by hand moves it.
  ASSERT_TRUE(stream->Produce("t", 1, Values(100, 2)).ok());
  ASSERT_TRUE(stream->CommitOffset("g", "t", 0, 4).ok());
  auto second = *stream->NewConsumer("g");
  ASSERT_TRUE(second->Assign({{"t", 0}, {"t", 1}}).ok());
  got = *second->Poll();
  ASSERT_EQ(got.size(), 3u);
  std::set<std::string> values;
  for (const ConsumedRecord& r : got) values.insert(r.value);
  EXPECT_EQ(values, (std::set<std::string>{"v4", "v100", "v101"}));
  // Without a committed offset: the log start, or the end.
  auto fresh = *stream->NewConsumer("fresh");
  ASSERT_TRUE(fresh->Assign({{"t", 1}}, /*reset_to_latest=*/true).ok());
  EXPECT_EQ(fresh->Position("t", 1), 7);
  // A long poll wakes for new records.
  std::thread later([&] {
    absl::SleepFor(absl::Milliseconds(50));
    ASSERT_TRUE(stream->Produce("t", 1, Values(200, 1)).ok());
  });
  FetchLimits wait;
  wait.max_wait = absl::Seconds(30);
  got = *fresh->Poll(wait);
  later.join();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].value, "v200");
  EXPECT_TRUE(absl::IsNotFound(stream->CommitOffset("g", "t", 9, 0)));
  EXPECT_TRUE(absl::IsInvalidArgument(stream->NewConsumer("").status()));
}

// The real time, moved on by hand.
class JumpingClock final : public Clock {
 public:
  absl::Time Now() override { return absl::Now() + absl::Milliseconds(ahead_ms_.load()); }
  void SleepFor(absl::Duration d) override { absl::SleepFor(d); }
  void Jump(absl::Duration d) { ahead_ms_ += absl::ToInt64Milliseconds(d); }

 private:
  std::atomic<int64_t> ahead_ms_{0};
};

TEST(StreamTest, JobsApplyRetention) {
  JumpingClock clock;
  StreamOptions options = Mem();
  options.clock = &clock;
  auto stream = OpenOrDie(options);
  ASSERT_TRUE(stream->CreateTopic("t", 1, {{"retention.ms", "60000"}}).ok());
  ASSERT_TRUE(stream->Produce("t", 0, Values(0, 3)).ok());
  clock.Jump(absl::Minutes(2));
  ASSERT_TRUE(stream->Produce("t", 0, Values(3, 1)).ok());
  ASSERT_TRUE(stream->RunJobs().ok());
  EXPECT_EQ(*stream->EarliestOffset("t", 0), 3);
  EXPECT_EQ(stream->Fetch("t", 0, 3)->size(), 1u);
}

TEST(StreamTest, DataDirIsTheEmbeddedDefaultAndPersists) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  StreamOptions options;
  options.data_dir = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/stream_test_data");
  options.flush_interval = absl::Milliseconds(5);
  {
    auto stream = OpenOrDie(options);
    ASSERT_TRUE(stream->CreateTopic("t", 1).ok());
    ASSERT_TRUE(stream->Produce("t", 0, Values(0, 3)).ok());
  }
  auto again = OpenOrDie(options);
  std::vector<ConsumedRecord> got = *again->Fetch("t", 0, 0);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2].value, "v2");
}

// Applies every third CommitFile and then says it failed: a lost answer.
class LosingCommits final : public metadata::ForwardingMetadataStore {
 public:
  using ForwardingMetadataStore::ForwardingMetadataStore;
  absl::StatusOr<CommandResult> Execute(Command command) override {
    const bool commit = std::holds_alternative<CommitFile>(command);
    absl::StatusOr<CommandResult> r = ForwardingMetadataStore::Execute(std::move(command));
    if (commit && r.ok() && ++commits_ % 3 == 0) {
      ++lost;
      return absl::UnavailableError("commit applied, answer lost");
    }
    return r;
  }
  std::atomic<int> lost{0};

 private:
  std::atomic<int> commits_{0};
};

// A commit whose answer is lost is retried with the same bytes: the store
// recognises the idempotent batch and answers its first offsets.
TEST(StreamTest, RetriesAfterALostCommitAnswerStoreRecordsOnce) {
  std::unique_ptr<ObjectStore> bucket = NewMemoryObjectStore();
  std::unique_ptr<MetadataStore> base = *MetadataStore::Open("mem://");
  LosingCommits metadata(base.get());
  StreamOptions options;
  options.bucket = bucket.get();
  options.metadata = &metadata;
  options.flush_interval = absl::Milliseconds(2);
  auto stream = OpenOrDie(options);
  ASSERT_TRUE(stream->CreateTopic("t", 1).ok());
  for (int i = 0; i < 30; ++i) {
    absl::StatusOr<int64_t> offset = stream->Produce("t", 0, Values(2 * i, 2));
    ASSERT_TRUE(offset.ok()) << offset.status();
    EXPECT_EQ(*offset, 2 * i);
  }
  EXPECT_GE(metadata.lost, 9);
  std::vector<ConsumedRecord> got = *stream->Fetch("t", 0, 0, {absl::ZeroDuration(), 64 << 20});
  ASSERT_EQ(got.size(), 60u);
  for (int i = 0; i < 60; ++i) EXPECT_EQ(got[i].value, absl::StrCat("v", i));
}

// Failed flushes are retried with the same bytes; the store keeps each
// idempotent batch once, so every acknowledged record is there exactly once.
TEST(StreamTest, IdempotentRetriesNeverStoreARecordTwice) {
  std::unique_ptr<ObjectStore> memory = NewMemoryObjectStore();
  FaultOptions faults;
  faults.ops = kOpPut;
  faults.error_rate = 0.3;
  faults.lost_response_rate = 0.3;
  faults.seed = 5;
  std::unique_ptr<FaultInjectingObjectStore> bucket =
      NewFaultInjectingObjectStore(memory.get(), faults);
  std::unique_ptr<MetadataStore> metadata = *MetadataStore::Open("mem://");
  StreamOptions options;
  options.bucket = bucket.get();
  options.metadata = metadata.get();
  options.flush_interval = absl::Milliseconds(2);
  options.produce_attempts = 10;
  auto stream = OpenOrDie(options);
  ASSERT_TRUE(stream->CreateTopic("t", 1).ok());
  std::set<std::string> acknowledged;
  for (int i = 0; i < 60; ++i) {
    if (stream->Produce("t", 0, Values(i, 1)).ok()) acknowledged.insert(absl::StrCat("v", i));
  }
  EXPECT_GT(acknowledged.size(), 50u);
  bucket->SetOptions({});
  std::vector<ConsumedRecord> got = *stream->Fetch("t", 0, 0, {absl::ZeroDuration(), 64 << 20});
  std::multiset<std::string> stored;
  for (const ConsumedRecord& r : got) stored.insert(r.value);
  for (const std::string& v : acknowledged) EXPECT_EQ(stored.count(v), 1u) << v;
  for (const std::string& v : stored) EXPECT_EQ(stored.count(v), 1u) << v << " twice";
}

// A journal written outside warp, with the public interface only.
class VectorJournal final : public Journal {
 public:
  absl::StatusOr<RecoveredJournal> Recover() override { return RecoveredJournal{}; }
  absl::StatusOr<uint64_t> Append(absl::Span<const std::string> entries) override {
    entries_.insert(entries_.end(), entries.begin(), entries.end());
    return entries_.size() - entries.size() + 1;
  }
  absl::Status SaveSnapshot(uint64_t, absl::string_view) override { return absl::OkStatus(); }

 private:
  std::vector<std::string> entries_;
};

// Backends of an application's own plug in by URL scheme.
TEST(StreamTest, RegisteredSchemesOpenBackendsOfTheApplicationsOwn) {
  std::atomic<int> stores{0}, journals{0};
  ASSERT_TRUE(RegisterObjectStoreScheme("appstore", [&](absl::string_view url) {
                ++stores;
                EXPECT_EQ(url, "appstore://bucket-1");
                return absl::StatusOr<std::unique_ptr<ObjectStore>>(NewMemoryObjectStore());
              }).ok());
  ASSERT_TRUE(RegisterJournalScheme("appjournal", [&](absl::string_view) {
                ++journals;
                return absl::StatusOr<std::unique_ptr<Journal>>(std::make_unique<VectorJournal>());
              }).ok());
  EXPECT_TRUE(absl::IsAlreadyExists(RegisterObjectStoreScheme("appstore", nullptr)) ||
              absl::IsInvalidArgument(RegisterObjectStoreScheme("appstore", nullptr)));
  auto factory = [](absl::string_view) {
    return absl::StatusOr<std::unique_ptr<ObjectStore>>(NewMemoryObjectStore());
  };
  EXPECT_TRUE(absl::IsAlreadyExists(RegisterObjectStoreScheme("appstore", factory)));
  EXPECT_TRUE(absl::IsAlreadyExists(RegisterObjectStoreScheme("s3", factory)));
  EXPECT_TRUE(absl::IsAlreadyExists(RegisterObjectStoreScheme("file", factory)));
  EXPECT_TRUE(absl::IsInvalidArgument(RegisterObjectStoreScheme("Gcs", factory)));
  EXPECT_TRUE(absl::IsInvalidArgument(RegisterObjectStoreScheme("g/cs", factory)));
  EXPECT_TRUE(absl::IsAlreadyExists(RegisterJournalScheme(
      "etcd", [](absl::string_view) -> absl::StatusOr<std::unique_ptr<Journal>> {
        return absl::UnimplementedError("no");
      })));
  StreamOptions options;
  options.bucket_url = "appstore://bucket-1";
  options.metadata_url = "appjournal://meta";
  options.flush_interval = absl::Milliseconds(5);
  auto stream = OpenOrDie(options);
  EXPECT_EQ(stores, 1);
  EXPECT_EQ(journals, 1);
  ASSERT_TRUE(stream->CreateTopic("t", 1).ok());
  ASSERT_EQ(*stream->Produce("t", 0, Values(0, 3)), 0);
  EXPECT_EQ(stream->Fetch("t", 0, 0)->size(), 3u);
  options.bucket_url = "unregistered://x";
  EXPECT_TRUE(absl::IsInvalidArgument(Stream::Open(options).status()));
}

}  // namespace
}  // namespace warp
