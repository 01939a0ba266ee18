// The journaled store's group commits: bounded in bytes, an oversized
// command failing alone; over a journal that refuses what is too large, and
// over the local journal at its real limit.
#include "lib/metadata/journaled_metadata_store.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "lib/metadata/journal_format.h"
#include "lib/metadata/testing/group_commit_checks.h"

namespace warp::metadata {
namespace {

// A memory journal that refuses an Append of more than `limit` bytes (as the
// local journal refuses a record over its limit, and etcd a request), and
// remembers the largest it accepted.
class LimitedJournal final : public Journal {
 public:
  explicit LimitedJournal(size_t limit, std::atomic<size_t>* largest, std::atomic<int>* appends)
      : limit_(limit), largest_(largest), appends_(appends) {}

  absl::StatusOr<RecoveredJournal> Recover() override { return inner_->Recover(); }

  absl::StatusOr<uint64_t> Append(absl::Span<const std::string> entries) override {
    size_t total = 0;
    for (const std::string& e : entries) total += e.size();
    if (total > limit_) {
      return absl::InvalidArgumentError(absl::StrCat("append of ", total, " bytes refused"));
    }
    size_t seen = largest_->load();
    while (total > seen && !largest_->compare_exchange_weak(seen, total)) {
    }
    (*appends_)++;
    return inner_->Append(entries);
  }

  absl::Status SaveSnapshot(uint64_t index, absl::string_view state) override {
    return inner_->SaveSnapshot(index, state);
  }

 private:
  const size_t limit_;
  std::atomic<size_t>* const largest_;
  std::atomic<int>* const appends_;
  const std::unique_ptr<Journal> inner_ = NewMemoryJournal();
};

TEST(JournaledMetadataStoreTest, GroupsStayWithinTheirByteLimit) {
  constexpr size_t kLimit = 64 << 10;
  std::atomic<size_t> largest{0};
  std::atomic<int> appends{0};
  auto store = NewJournaledMetadataStore(
      std::make_unique<LimitedJournal>(kLimit, &largest, &appends), {},
      GroupLimits{4096, kLimit});
  ASSERT_TRUE(store.ok()) << store.status();
  // 40 x 8 KiB: five groups at least.
  ExpectLargeCommandsAllCommit(store->get(), 40, 8 << 10);
  EXPECT_LE(largest.load(), kLimit);
  EXPECT_GE(appends.load(), 5);
  ExpectOversizedCommandFailsAlone(store->get(), 100 << 10, kLimit, 20, 4 << 10);
  EXPECT_LE(largest.load(), kLimit);
}

std::string NewLocalUrl() {
  const char* tmp = std::getenv("TEST_TMPDIR");
  static std::atomic<int> n{0};
  return absl::StrCat("local://", tmp ? tmp : "/tmp", "/jms-", getpid(), "-", n++);
}

// The local journal refuses a record over journal_format::kMaxRecordSize.
TEST(JournaledMetadataStoreTest, LocalJournalAtItsRealLimit) {
  MetadataStoreOptions options;
  options.sync = false;
  auto store = MetadataStore::Open(NewLocalUrl(), options);
  ASSERT_TRUE(store.ok()) << store.status();
  // 6 x 16 MiB: more than one record's limit together.
  ExpectLargeCommandsAllCommit(store->get(), 6, 16 << 20);
  ExpectOversizedCommandFailsAlone(store->get(), journal_format::kMaxRecordSize + 1,
                                   journal_format::kMaxRecordSize, 8, 1 << 10);
}

}  // namespace
}  // namespace warp::metadata
