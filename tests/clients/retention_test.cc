// Retention and keyed compaction through warpd with real clients
// (confluent-kafka, kcat): a topic with a short retention.ms loses its old
// records (the earliest offset moves), a compacted topic keeps the latest
// value of each key at its original offset. warpd runs its jobs every 200 ms.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/clients/warpd.h"

namespace warp {
namespace {

using testing::Runfile;
using testing::Sh;
using testing::Warpd;

class RetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    warpd_ = std::make_unique<Warpd>(testing::NewTempDir("warpd"),
                                     std::vector<std::string>{"--jobs_interval_ms=200"});
  }
  std::pair<int, std::string> Scenario(const std::string& name) {
    return Sh(absl::StrCat("/usr/bin/python3 ", Runfile("tests/clients/retention.py"), " ",
                           warpd_->bootstrap(), " ", name),
              absl::Minutes(3));
  }
  std::unique_ptr<Warpd> warpd_;
};

TEST_F(RetentionTest, ShortRetentionLosesOldRecordsAndMovesTheEarliestOffset) {
  auto [status, out] = Scenario("retention");
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("OK retention earliest 10"), std::string::npos) << out;
  // kcat from the beginning starts at 10 too.
  auto [consumed, records] = Sh(absl::StrCat("kcat -C -b ", warpd_->bootstrap(),
                                             " -t short -p 0 -o beginning -e -q -f '%o %s\\n'"));
  ASSERT_EQ(consumed, 0) << records;
  std::vector<std::string> lines = absl::StrSplit(records, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 5u) << records;
  EXPECT_EQ(lines[0], "10 new-0");
}

TEST_F(RetentionTest, ACompactedTopicKeepsTheLatestValueOfEachKey) {
  auto [status, out] = Scenario("compacted");
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("OK compacted 5"), std::string::npos) << out;
  // librdkafka (kcat) reads the compacted log from the beginning as well.
  auto [consumed, records] = Sh(absl::StrCat("kcat -C -b ", warpd_->bootstrap(),
                                              " -t kv -p 0 -o beginning -e -q -f '%o %k %s %S\\n'"));
  ASSERT_EQ(consumed, 0) << records;
  std::vector<std::string> lines = absl::StrSplit(records, '\n', absl::SkipEmpty());
  // %S is the value's size: -1 for the tombstone.
  EXPECT_EQ(lines, (std::vector<std::string>{"15 k0 v0-3 4", "16 k1 v1-3 4", "17 k2 v2-3 4",
                                             "18 k3 v3-3 4", "20 k4  -1"}))
      << records;
  // /metrics counts the work.
  auto [fetched, metrics] =
      Sh(absl::StrCat("curl -sf http://127.0.0.1:", warpd_->http_port(), "/metrics"));
  ASSERT_EQ(fetched, 0);
  EXPECT_EQ(metrics.find("warp_keyed_compactions_total 0\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("warp_keyed_compactions_total "), std::string::npos) << metrics;
  EXPECT_EQ(metrics.find("warp_keyed_compaction_removed_records_total 0\n"), std::string::npos);
}

}  // namespace
}  // namespace warp
