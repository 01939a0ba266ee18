#include "lib/metadata/local_journal.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace warp::metadata {
namespace {

std::string NewDir() {
  static std::atomic<int> n{0};
  const char* tmp = std::getenv("TEST_TMPDIR");
  return absl::StrCat(tmp ? tmp : "/tmp", "/lj-", getpid(), "-", n.fetch_add(1));
}

std::vector<std::string> Files(const std::string& dir, const std::string& prefix) {
  std::vector<std::string> out;
  DIR* d = opendir(dir.c_str());
  while (struct dirent* e = readdir(d)) {
    if (absl::StartsWith(e->d_name, prefix)) out.push_back(dir + "/" + e->d_name);
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void Spit(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
}

RecoveredJournal Reopen(const std::string& dir) {
  auto journal = OpenLocalJournal(dir);
  EXPECT_TRUE(journal.ok()) << journal.status();
  auto recovered = (*journal)->Recover();
  EXPECT_TRUE(recovered.ok()) << recovered.status();
  return recovered.ok() ? *recovered : RecoveredJournal{};
}

TEST(LocalJournalTest, AppendsAreReplayedInOrder) {
  std::string dir = NewDir();
  {
    auto journal = OpenLocalJournal(dir);
    ASSERT_TRUE(journal.ok());
    ASSERT_TRUE((*journal)->Recover().ok());
    EXPECT_EQ(*(*journal)->Append({"a", "b"}), 1u);
    EXPECT_EQ(*(*journal)->Append({std::string(100000, 'c')}), 3u);
    EXPECT_EQ(*(*journal)->Append({""}), 4u);
  }
  RecoveredJournal r = Reopen(dir);
  ASSERT_EQ(r.entries.size(), 4u);
  EXPECT_EQ(r.entries[0], "a");
  EXPECT_EQ(r.entries[2].size(), 100000u);
  EXPECT_EQ(r.entries[3], "");
}

// A crash mid-write leaves a prefix of the last group: cut at every byte, the
// journal reopens with exactly the complete records.
TEST(LocalJournalTest, TornTailIsCutAtEveryByte) {
  std::string dir = NewDir();
  {
    auto journal = OpenLocalJournal(dir);
    ASSERT_TRUE((*journal)->Recover().ok());
    ASSERT_TRUE((*journal)->Append({"first", "second"}).ok());
    ASSERT_TRUE((*journal)->Append({"third-entry"}).ok());
  }
  std::string log = Files(dir, "log-")[0];
  std::string full = Slurp(log);
  size_t third_start = full.size() - (16 + 11);
  for (size_t cut = third_start; cut < full.size(); ++cut) {
    Spit(log, full.substr(0, cut));
    RecoveredJournal r = Reopen(dir);
    ASSERT_EQ(r.entries.size(), 2u) << "cut at " << cut;
    EXPECT_EQ(r.entries[1], "second");
    EXPECT_EQ(r.notes.size(), cut == third_start ? 0u : 1u);
    EXPECT_EQ(Slurp(log).size(), third_start);
  }
  // Zeros after the last record (a preallocated or torn page) are cut too.
  Spit(log, full + std::string(4096, '\0'));
  EXPECT_EQ(Reopen(dir).entries.size(), 3u);
  // And appends continue after the cut.
  auto journal = OpenLocalJournal(dir);
  ASSERT_TRUE((*journal)->Recover().ok());
  EXPECT_EQ(*(*journal)->Append({"fourth"}), 4u);
}

TEST(LocalJournalTest, CorruptionInTheMiddleIsReported) {
  std::string dir = NewDir();
  {
    auto journal = OpenLocalJournal(dir);
    ASSERT_TRUE((*journal)->Recover().ok());
    ASSERT_TRUE((*journal)->Append({"one", "two", "three"}).ok());
  }
  std::string log = Files(dir, "log-")[0];
  std::string data = Slurp(log);
  data[16 + 3 + 16 + 1] ^= 0x40;  // a byte of "two"'s payload
  Spit(log, data);
  auto journal = OpenLocalJournal(dir);
  auto recovered = (*journal)->Recover();
  ASSERT_FALSE(recovered.ok());
  EXPECT_EQ(recovered.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(recovered.status().message().find("checksum"), std::string::npos)
      << recovered.status();
}

TEST(LocalJournalTest, SnapshotsDropOldLogs) {
  std::string dir = NewDir();
  {
    auto journal = OpenLocalJournal(dir);
    ASSERT_TRUE((*journal)->Recover().ok());
    ASSERT_TRUE((*journal)->Append({"a", "b", "c"}).ok());
    ASSERT_TRUE((*journal)->SaveSnapshot(3, "state-after-3").ok());
    ASSERT_TRUE((*journal)->Append({"d"}).ok());
  }
  EXPECT_EQ(Files(dir, "log-").size(), 1u);
  RecoveredJournal r = Reopen(dir);
  EXPECT_EQ(r.snapshot_index, 3u);
  EXPECT_EQ(r.snapshot, "state-after-3");
  ASSERT_EQ(r.entries.size(), 1u);
  EXPECT_EQ(r.entries[0], "d");
  // A corrupt snapshot is reported, not ignored.
  std::string snap = Files(dir, "snap-")[0];
  std::string data = Slurp(snap);
  data.back() ^= 1;
  Spit(snap, data);
  auto journal = OpenLocalJournal(dir);
  EXPECT_EQ((*journal)->Recover().status().code(), absl::StatusCode::kDataLoss);
}

TEST(LocalJournalTest, HostileLengthFailsFast) {
  std::string dir = NewDir();
  mkdir(dir.c_str(), 0755);
  // A header claiming 2 GiB in a 100-byte file, followed by data.
  std::string bad(100, 'x');
  uint32_t len = 0x7fffffff;
  std::memcpy(&bad[4], &len, 4);
  Spit(dir + "/log-00000000000000000001.wal", bad);
  RecoveredJournal r = Reopen(dir);  // the last file: a torn tail
  EXPECT_TRUE(r.entries.empty());
  EXPECT_EQ(r.notes.size(), 1u);
}

}  // namespace
}  // namespace warp::metadata
