// The library and Kafka clients on one bucket and journal: records produced
// in-process through warp::Stream are read by a Kafka consumer through a
// warpd; records a Kafka producer sends are read in-process; a Kafka
// consumer group's committed offset is where an in-process Consumer of the
// group resumes. The Stream and warpd take turns on the local journal.
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/clients/warpd.h"
#include "warp/warp.h"

namespace warp {
namespace {

using testing::NewTempDir;
using testing::Runfile;
using testing::Sh;

StreamOptions On(const std::string& dir) {
  StreamOptions options;
  options.data_dir = dir;
  options.flush_interval = absl::Milliseconds(5);
  return options;
}

TEST(StreamInteropTest, StreamAndKafkaClientsShareRecordsAndGroupOffsets) {
  const std::string dir = NewTempDir("interop") + "/data";
  {
    auto stream = *Stream::Open(On(dir));
    ASSERT_TRUE(stream->CreateTopic("inproc", 2).ok());
    ASSERT_TRUE(stream->CreateTopic("fromkafka", 1).ok());
    std::vector<Record> records;
    for (int i = 0; i < 50; ++i) {
      Record r;
      r.key = absl::StrCat("key-", i);
      r.value = absl::StrCat("value-", i);
      r.headers = {{"n", absl::StrCat(i)}};
      records.push_back(r);
    }
    ASSERT_EQ(*stream->Produce("inproc", 0, std::vector<Record>(records.begin(),
                                                                  records.begin() + 20)),
              0);
    ASSERT_EQ(*stream->Produce("inproc", 0, std::vector<Record>(records.begin() + 20,
                                                                  records.end())),
              20);
  }
  {
    testing::Warpd warpd(dir);
    auto [status, out] = Sh(absl::StrCat("/usr/bin/python3 ",
                                         Runfile("tests/clients/stream_interop.py"), " ",
                                         warpd.bootstrap()));
    ASSERT_EQ(status, 0) << out;
    // kcat sees the same records.
    auto [kcat, lines] = Sh(absl::StrCat("kcat -C -b ", warpd.bootstrap(),
                                         " -t inproc -p 0 -o beginning -e -q -f '%o %k %s\\n'"));
    ASSERT_EQ(kcat, 0) << lines;
    EXPECT_NE(lines.find("0 key-0 value-0\n"), std::string::npos) << lines;
    EXPECT_NE(lines.find("49 key-49 value-49\n"), std::string::npos) << lines;
    ASSERT_EQ(warpd.Stop(), 0);
  }
  auto stream = *Stream::Open(On(dir));
  std::vector<ConsumedRecord> from_kafka = *stream->Fetch("fromkafka", 0, 0);
  ASSERT_EQ(from_kafka.size(), 20u);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(from_kafka[i].offset, i);
    EXPECT_EQ(from_kafka[i].key, absl::StrCat("k", i));
    EXPECT_EQ(from_kafka[i].value, absl::StrCat("kafka-", i));
  }
  EXPECT_EQ(*stream->CommittedOffset("shared", "inproc", 0), 30);
  auto consumer = *stream->NewConsumer("shared");
  ASSERT_TRUE(consumer->Assign({{"inproc", 0}}).ok());
  std::vector<ConsumedRecord> rest = *consumer->Poll();
  ASSERT_EQ(rest.size(), 20u);
  EXPECT_EQ(rest.front().offset, 30);
  EXPECT_EQ(rest.back().value, "value-49");
  ASSERT_TRUE(consumer->Commit().ok());
  EXPECT_EQ(*stream->CommittedOffset("shared", "inproc", 0), 50);
}

}  // namespace
}  // namespace warp
