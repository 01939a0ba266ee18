// Splitting a connection's bytes into frames: whole frames in order with
// their sequence numbers, a partial one kept, a large one moved to its own
// buffer with little memory taken, and a hostile size refused.
#include "server/kafka_connection.h"

#include <arpa/inet.h>

#include "gtest/gtest.h"

namespace warp::server::internal {
namespace {

std::string Frame(const std::string& payload) {
  uint32_t size = htonl(static_cast<uint32_t>(payload.size()));
  return std::string(reinterpret_cast<const char*>(&size), 4) + payload;
}

TEST(SplitFramesTest, WholeFramesInOrderAndAPartialOneKept) {
  Connection conn;
  absl::MutexLock lock(&conn.mu);
  conn.in = Frame("first") + Frame("second") + Frame("third").substr(0, 6);
  std::vector<std::pair<uint64_t, std::string>> frames;
  size_t bytes = 0;
  ASSERT_TRUE(SplitFrames(conn, 1 << 20, frames, bytes));
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0], (std::pair<uint64_t, std::string>{0, "first"}));
  EXPECT_EQ(frames[1], (std::pair<uint64_t, std::string>{1, "second"}));
  EXPECT_EQ(bytes, 11u);
  EXPECT_EQ(conn.request_bytes, 11u);
  EXPECT_EQ(conn.in, Frame("third").substr(0, 6));  // waits for the rest
  conn.in += Frame("third").substr(6);
  ASSERT_TRUE(SplitFrames(conn, 1 << 20, frames, bytes));
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[2], (std::pair<uint64_t, std::string>{2, "third"}));
  EXPECT_TRUE(conn.in.empty());
}

TEST(SplitFramesTest, ALargeFrameGetsItsOwnBufferGrownAsBytesCome) {
  Connection conn;
  absl::MutexLock lock(&conn.mu);
  const uint32_t size = 50 << 20;  // announced; 10 bytes arrived
  uint32_t prefix = htonl(size);
  conn.in = std::string(reinterpret_cast<const char*>(&prefix), 4) + std::string(10, 'x');
  std::vector<std::pair<uint64_t, std::string>> frames;
  size_t bytes = 0;
  ASSERT_TRUE(SplitFrames(conn, 100 << 20, frames, bytes));
  EXPECT_TRUE(frames.empty());
  EXPECT_EQ(conn.large_size, size);
  EXPECT_EQ(conn.large_got, 10u);
  EXPECT_EQ(conn.large.size(), kStagedFrameBytes);  // not 50 MiB
  EXPECT_TRUE(conn.in.empty());
}

TEST(SplitFramesTest, HostileSizesAreRefusedAfterTheWholeFramesBeforeThem) {
  for (uint32_t hostile : {uint32_t{0x80000000}, uint32_t{0xffffffff}, uint32_t{(1 << 20) + 1}}) {
    Connection conn;
    absl::MutexLock lock(&conn.mu);
    uint32_t prefix = htonl(hostile);
    conn.in = Frame("ok") + std::string(reinterpret_cast<const char*>(&prefix), 4) + "rest";
    std::vector<std::pair<uint64_t, std::string>> frames;
    size_t bytes = 0;
    EXPECT_FALSE(SplitFrames(conn, 1 << 20, frames, bytes)) << hostile;
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(frames[0].second, "ok");
    EXPECT_TRUE(conn.large.empty());  // nothing allocated for it
  }
}

}  // namespace
}  // namespace warp::server::internal
