#include "lib/metadata/local_journal.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/metadata/journal_file.h"
#include "lib/metadata/journal_format.h"

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

constexpr size_t kFileHeader = journal_format::kLogHeaderSize;
constexpr size_t kRecordHeader = journal_format::kRecordHeaderSize;

std::string HeaderOfFile(uint64_t first_index) {
  std::string out;
  journal_file::AppendLogHeader(first_index, &out);
  return out;
}

// A record as journals wrote it before the format was versioned.
std::string V1Record(uint64_t index, absl::string_view payload) {
  std::string body(12, '\0');
  uint32_t length = payload.size();
  std::memcpy(&body[0], &length, 4);
  std::memcpy(&body[4], &index, 8);
  body.append(payload.data(), payload.size());
  uint32_t crc = crc32(0, reinterpret_cast<const Bytef*>(body.data()), body.size());
  return std::string(reinterpret_cast<const char*>(&crc), 4) + body;
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

// The journal folder and those above it are created (each synced into its
// parent); an existing folder reopens with its entries.
TEST(LocalJournalTest, NestedFolderIsCreatedAndReopened) {
  const std::string dir = NewDir() + "/x/y/journal";
  {
    auto journal = OpenLocalJournal(dir);
    ASSERT_TRUE(journal.ok()) << journal.status();
    ASSERT_TRUE((*journal)->Recover().ok());
    EXPECT_EQ(*(*journal)->Append({"a"}), 1u);
  }
  RecoveredJournal r = Reopen(dir);
  ASSERT_EQ(r.entries.size(), 1u);
  EXPECT_EQ(r.entries[0], "a");
}

// A crash mid-write leaves a prefix of what was written: cut at every byte,
// the journal reopens with exactly the complete records, and appends go on.
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
  const size_t ends[] = {kFileHeader, kFileHeader + kRecordHeader + 5,
                         kFileHeader + 2 * kRecordHeader + 11, full.size()};
  ASSERT_EQ(ends[3], kFileHeader + 3 * kRecordHeader + 22);
  for (size_t cut = 0; cut < full.size(); ++cut) {
    Spit(log, full.substr(0, cut));
    size_t complete = 0;
    while (complete < 3 && ends[complete + 1] <= cut) ++complete;
    RecoveredJournal r = Reopen(dir);
    ASSERT_EQ(r.entries.size(), complete) << "cut at " << cut;
    bool at_boundary = cut == ends[complete] || cut == 0;
    EXPECT_EQ(r.notes.size(), at_boundary ? 0u : 1u) << "cut at " << cut;
    // Cut back to the last complete record (a file cut inside its header
    // gets a new header).
    EXPECT_EQ(Slurp(log).size(), ends[complete]) << "cut at " << cut;
  }
  // Zeros after the last record (a preallocated or torn page) are cut too.
  Spit(log, full + std::string(4096, '\0'));
  EXPECT_EQ(Reopen(dir).entries.size(), 3u);
  // And appends continue after the cut.
  auto journal = OpenLocalJournal(dir);
  ASSERT_TRUE((*journal)->Recover().ok());
  EXPECT_EQ(*(*journal)->Append({"fourth"}), 4u);
}

// A write that reached the disk in part: the last record's payload is zeros
// (its checksum fails) and only zeros follow.
TEST(LocalJournalTest, PartlyWrittenLastRecordIsCut) {
  std::string dir = NewDir();
  {
    auto journal = OpenLocalJournal(dir);
    ASSERT_TRUE((*journal)->Recover().ok());
    ASSERT_TRUE((*journal)->Append({"first", std::string(100, 'x')}).ok());
  }
  std::string log = Files(dir, "log-")[0];
  std::string data = Slurp(log);
  size_t second = kFileHeader + kRecordHeader + 5;
  std::fill(data.begin() + second + kRecordHeader + 10, data.end(), '\0');
  Spit(log, data + std::string(512, '\0'));
  RecoveredJournal r = Reopen(dir);
  ASSERT_EQ(r.entries.size(), 1u);
  EXPECT_EQ(r.notes.size(), 1u);
  EXPECT_EQ(Slurp(log).size(), second);
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
  data[kFileHeader + kRecordHeader + 3 + kRecordHeader + 1] ^= 0x40;  // "two"
  Spit(log, data);
  auto journal = OpenLocalJournal(dir);
  auto recovered = (*journal)->Recover();
  ASSERT_FALSE(recovered.ok());
  EXPECT_EQ(recovered.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(recovered.status().message().find("checksum"), std::string::npos)
      << recovered.status();
  EXPECT_EQ(Slurp(log), data);
}

// The defect this framing fixes: a damaged length in the middle of the newest
// file, with acknowledged records after it, used to be taken for a torn tail
// and everything after it cut off. Now nothing is cut and recovery names the
// file and the byte.
TEST(LocalJournalTest, DamagedLengthInTheNewestFileIsNeverCut) {
  std::string dir = NewDir();
  {
    auto journal = OpenLocalJournal(dir);
    ASSERT_TRUE((*journal)->Recover().ok());
    for (int i = 0; i < 10; ++i) {
      ASSERT_TRUE((*journal)->Append({absl::StrCat("entry-", i)}).ok());
    }
  }
  std::string log = Files(dir, "log-")[0];
  const std::string original = Slurp(log);
  const size_t record = kFileHeader + 3 * (kRecordHeader + 7);  // the 4th
  const uint32_t lengths[] = {0x7fffffff, 1000, 8, 6, 0};
  for (uint32_t length : lengths) {
    std::string data = original;
    std::memcpy(&data[record + 4], &length, 4);
    Spit(log, data);
    auto journal = OpenLocalJournal(dir);
    auto recovered = (*journal)->Recover();
    ASSERT_FALSE(recovered.ok()) << length;
    EXPECT_EQ(recovered.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_TRUE(absl::StrContains(recovered.status().message(),
                                  absl::StrCat(log, " is corrupt at byte ", record)))
        << recovered.status();
    EXPECT_EQ(recovered.status().message().find('\n'), std::string::npos);
    EXPECT_EQ(Slurp(log), data) << "the file was changed";
    EXPECT_EQ(Files(dir, "log-").size(), 1u);
  }
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

// A header claiming 2 GiB in a small file: reported at once, nothing
// allocated for it and nothing cut, in either file version.
TEST(LocalJournalTest, HostileLengthFailsFast) {
  for (bool v2 : {true, false}) {
    std::string dir = NewDir();
    mkdir(dir.c_str(), 0755);
    std::string bad = v2 ? HeaderOfFile(1) : "";
    size_t record = bad.size();
    bad += std::string(100, 'x');
    uint32_t len = 0x7fffffff;
    std::memcpy(&bad[record + 4], &len, 4);
    std::string log = dir + "/log-00000000000000000001.wal";
    Spit(log, bad);
    auto journal = OpenLocalJournal(dir);
    auto recovered = (*journal)->Recover();
    EXPECT_EQ(recovered.status().code(), absl::StatusCode::kDataLoss) << v2;
    EXPECT_EQ(Slurp(log), bad);
  }
}

// Journals written before the format was versioned are read; appends go to a
// new file of the current version.
TEST(LocalJournalTest, ReadsVersion1Files) {
  std::string dir = NewDir();
  mkdir(dir.c_str(), 0755);
  std::string v1 = V1Record(1, "old-1") + V1Record(2, "old-2");
  std::string old_log = dir + "/log-00000000000000000001.wal";
  Spit(old_log, v1 + V1Record(3, "torn").substr(0, 9));
  {
    auto journal = OpenLocalJournal(dir);
    auto recovered = (*journal)->Recover();
    ASSERT_TRUE(recovered.ok()) << recovered.status();
    ASSERT_EQ(recovered->entries.size(), 2u);
    EXPECT_EQ(recovered->entries[1], "old-2");
    EXPECT_EQ(recovered->notes.size(), 1u);  // the torn tail, cut
    EXPECT_EQ(*(*journal)->Append({"new-3"}), 3u);
  }
  EXPECT_EQ(Slurp(old_log), v1);
  std::vector<std::string> logs = Files(dir, "log-");
  ASSERT_EQ(logs.size(), 2u);
  EXPECT_EQ(Slurp(logs[1]).substr(0, kFileHeader), HeaderOfFile(3));
  RecoveredJournal r = Reopen(dir);
  ASSERT_EQ(r.entries.size(), 3u);
  EXPECT_EQ(r.entries[2], "new-3");
  EXPECT_TRUE(r.notes.empty());
}

// An empty version-1 file (all of it torn) is started again as version 2.
TEST(LocalJournalTest, EmptyVersion1FileIsRestarted) {
  std::string dir = NewDir();
  mkdir(dir.c_str(), 0755);
  std::string log = dir + "/log-00000000000000000001.wal";
  Spit(log, std::string(64, '\0'));
  {
    auto journal = OpenLocalJournal(dir);
    ASSERT_TRUE((*journal)->Recover().ok());
    EXPECT_EQ(*(*journal)->Append({"a"}), 1u);
  }
  EXPECT_EQ(Files(dir, "log-").size(), 1u);
  EXPECT_EQ(Slurp(log).substr(0, kFileHeader), HeaderOfFile(1));
  EXPECT_EQ(Reopen(dir).entries.size(), 1u);
}

}  // namespace
}  // namespace warp::metadata
