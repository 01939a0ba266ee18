// kill -9 of a process committing from 16 threads, then reopen: every
// acknowledged commit is there at its offsets, nothing half-applied, offsets
// continue without gaps. Three crash and restart rounds.
#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/util/subprocess.h"
#include "warp/metadata_store.h"

namespace warp {
namespace {

struct Ack {
  std::string key;
  int32_t partition;
  int64_t base;
  int32_t count;
};

std::vector<Ack> ReadAcks(const std::string& path) {
  std::vector<Ack> acks;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string tag, end;
    Ack ack;
    // A line cut by the kill lacks its END marker and is not an ack.
    if (fields >> tag >> ack.key >> ack.partition >> ack.base >> ack.count >> end &&
        tag == "ACK" && end == "END") {
      acks.push_back(ack);
    }
  }
  return acks;
}

TEST(CrashRecoveryTest, AcknowledgedCommitsSurviveKillDashNine) {
  std::string dir = testing::NewTempDir("crash-journal");
  std::string writer =
      absl::StrCat(std::getenv("TEST_SRCDIR"), "/warp/lib/metadata/crash_writer");
  std::vector<Ack> all_acks;
  std::map<int32_t, int64_t> last_hwm;
  for (int round = 0; round < 3; ++round) {
    std::string log = absl::StrCat(dir, "-acks-", round);
    auto process = testing::Subprocess::Start(
        {"/bin/sh", "-c",
         absl::StrCat("exec ", writer, " ", dir, " r", round, " > ", log, " 2>", log,
                      ".err")});
    ASSERT_TRUE(process.ok()) << process.status();
    absl::SleepFor(absl::Milliseconds(700 + 300 * round));
    process->Signal(SIGKILL);
    process->Kill();
    std::vector<Ack> acks = ReadAcks(log);
    ASSERT_GT(acks.size(), 100u) << "round " << round << ": the writer barely ran";
    all_acks.insert(all_acks.end(), acks.begin(), acks.end());

    auto store = MetadataStore::Open(absl::StrCat("local://", dir));
    ASSERT_TRUE(store.ok()) << store.status();
    for (const Ack& ack : all_acks) {
      FetchPlan plan = (*store)->FindBatches({"t", ack.partition}, ack.base, 1);
      ASSERT_EQ(plan.error, KafkaError::kNone);
      ASSERT_FALSE(plan.batches.empty()) << ack.key;
      EXPECT_EQ(plan.batches[0].object_key, ack.key);
      EXPECT_EQ(plan.batches[0].base_offset, ack.base);
      EXPECT_EQ(plan.batches[0].last_offset, ack.base + ack.count - 1);
    }
    // Contiguous: walking the index from 0 covers [0, hwm) with no gap, and
    // the high watermark never went backwards.
    for (int32_t p = 0; p < 4; ++p) {
      auto offsets = (*store)->GetOffsets({"t", p});
      ASSERT_TRUE(offsets.ok());
      EXPECT_GE(offsets->high_watermark, last_hwm[p]);
      last_hwm[p] = offsets->high_watermark;
      int64_t next = 0;
      while (next < offsets->high_watermark) {
        FetchPlan plan = (*store)->FindBatches({"t", p}, next, 1 << 20);
        ASSERT_EQ(plan.error, KafkaError::kNone);
        ASSERT_FALSE(plan.batches.empty());
        for (const BatchLocation& b : plan.batches) {
          ASSERT_EQ(b.base_offset, next) << "gap in partition " << p;
          next = b.last_offset + 1;
        }
      }
    }
  }
}

}  // namespace
}  // namespace warp
