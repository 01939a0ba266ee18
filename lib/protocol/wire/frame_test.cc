// Tests of framing and the request/response header codecs.
#include "lib/protocol/wire/frame.h"

#include <string>

#include "gtest/gtest.h"

namespace warp::kafka {
namespace {

TEST(FrameTest, ParsesCompleteFramesOnly) {
  Writer w;
  const size_t start = BeginFrame(w);
  w.WriteInt32(0x01020304);
  EndFrame(w, start);
  ASSERT_TRUE(w.ok());
  const std::string bytes = w.data() + "extra";
  EXPECT_EQ(bytes.substr(0, 4), std::string("\0\0\0\4", 4));
  for (size_t cut = 0; cut < 8; ++cut) {
    auto frame = ParseFrame(absl::string_view(bytes).substr(0, cut));
    ASSERT_TRUE(frame.ok());
    EXPECT_FALSE(frame->has_value()) << cut;
  }
  auto frame = ParseFrame(bytes);
  ASSERT_TRUE(frame.ok());
  ASSERT_TRUE(frame->has_value());
  EXPECT_EQ((*frame)->total_size, 8u);
  EXPECT_EQ((*frame)->payload, absl::string_view(bytes).substr(4, 4));
}

TEST(FrameTest, RejectsNegativeAndOversizedFrames) {
  EXPECT_FALSE(ParseFrame(std::string("\xff\xff\xff\xff", 4)).ok());
  // 2 GiB announced in a 100-byte buffer: rejected by the size cap, not
  // waited for.
  std::string big("\x7f\xff\xff\xff", 4);
  big.resize(100, 'x');
  EXPECT_FALSE(ParseFrame(big).ok());
  std::string small("\0\0\0\x10", 4);
  EXPECT_FALSE(ParseFrame(small, /*max_frame_size=*/15).ok());
  EXPECT_TRUE(ParseFrame(small, /*max_frame_size=*/16).ok());
}

TEST(FrameTest, HeaderVersionRules) {
  EXPECT_EQ(RequestHeaderVersion(false), 1);
  EXPECT_EQ(RequestHeaderVersion(true), 2);
  EXPECT_EQ(ResponseHeaderVersion(3, false), 0);
  EXPECT_EQ(ResponseHeaderVersion(3, true), 1);
  // ApiVersions responses always use header v0.
  EXPECT_EQ(ResponseHeaderVersion(kApiVersionsKey, true), 0);
}

TEST(FrameTest, RequestHeaderRoundTrip) {
  for (int16_t version : {0, 1, 2}) {
    RequestHeader header{3, 12, 0x7abcdef0, "client-1"};
    if (version == 0) header.client_id.reset();
    Writer w;
    WriteRequestHeader(w, header, version);
    w.WriteInt8(5);  // body
    Reader r(w.data());
    RequestHeader decoded;
    ASSERT_TRUE(ReadRequestHeader(
                    r,
                    [&](int16_t key, int16_t api_version) {
                      EXPECT_EQ(key, 3);
                      EXPECT_EQ(api_version, 12);
                      return version;
                    },
                    &decoded)
                    .ok());
    EXPECT_EQ(decoded, header);
    EXPECT_EQ(r.remaining(), 1u);
  }
}

TEST(FrameTest, RequestHeaderV2Bytes) {
  // ApiVersions v3, correlation 1, client "ab", empty tags.
  RequestHeader header{18, 3, 1, "ab"};
  Writer w;
  WriteRequestHeader(w, header, 2);
  EXPECT_EQ(w.data(),
            std::string("\0\x12\0\x03\0\0\0\x01\0\x02" "ab\0", 13));
  // Null client id and an unknown tagged field are accepted.
  std::string bytes("\0\x12\0\x03\0\0\0\x01\xff\xff\x01\x07\x01\x09", 14);
  Reader r(bytes);
  RequestHeader decoded;
  ASSERT_TRUE(ReadRequestHeader(
                  r, [](int16_t, int16_t) -> int16_t { return 2; }, &decoded)
                  .ok());
  EXPECT_EQ(decoded.client_id, std::nullopt);
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(FrameTest, TruncatedRequestHeaderFails) {
  RequestHeader header{0, 9, 77, "producer"};
  Writer w;
  WriteRequestHeader(w, header, 2);
  for (size_t cut = 0; cut < w.size(); ++cut) {
    Reader r(absl::string_view(w.data()).substr(0, cut));
    RequestHeader decoded;
    EXPECT_FALSE(ReadRequestHeader(
                     r, [](int16_t, int16_t) -> int16_t { return 2; },
                     &decoded)
                     .ok())
        << cut;
  }
}

TEST(FrameTest, ResponseHeaderRoundTrip) {
  for (int16_t version : {0, 1}) {
    Writer w;
    WriteResponseHeader(w, ResponseHeader{42}, version);
    EXPECT_EQ(w.size(), version == 0 ? 4u : 5u);
    Reader r(w.data());
    ResponseHeader decoded;
    ASSERT_TRUE(ReadResponseHeader(r, version, &decoded).ok());
    EXPECT_EQ(decoded.correlation_id, 42);
    EXPECT_EQ(r.remaining(), 0u);
  }
}

}  // namespace
}  // namespace warp::kafka
