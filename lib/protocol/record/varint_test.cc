#include "lib/protocol/record/varint.h"

#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace warp::kafka {
namespace {

std::string Hex(const std::string& bytes) {
  return absl::BytesToHexString(bytes);
}

std::string EncodeVarint32(int32_t v) {
  std::string out;
  AppendVarint32(&out, v);
  return out;
}

std::string EncodeVarint64(int64_t v) {
  std::string out;
  AppendVarint64(&out, v);
  return out;
}

TEST(VarintTest, ReferenceVectors) {
  // kafka-protocol.md §1.5.
  EXPECT_EQ(Hex(EncodeVarint32(0)), "00");
  EXPECT_EQ(Hex(EncodeVarint32(-1)), "01");
  EXPECT_EQ(Hex(EncodeVarint32(1)), "02");
  EXPECT_EQ(Hex(EncodeVarint32(-2)), "03");
  std::string uvarint;
  AppendUnsignedVarint(&uvarint, 300);
  EXPECT_EQ(Hex(uvarint), "ac02");
}

TEST(VarintTest, Extremes) {
  constexpr int32_t kMin32 = std::numeric_limits<int32_t>::min();
  constexpr int32_t kMax32 = std::numeric_limits<int32_t>::max();
  constexpr int64_t kMin64 = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax64 = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(Hex(EncodeVarint32(kMin32)), "ffffffff0f");
  EXPECT_EQ(Hex(EncodeVarint32(kMax32)), "feffffff0f");
  EXPECT_EQ(Hex(EncodeVarint64(kMin64)), "ffffffffffffffffff01");
  EXPECT_EQ(Hex(EncodeVarint64(kMax64)), "feffffffffffffffff01");
  EXPECT_EQ(Hex(EncodeVarint64(-64)), "7f");
  EXPECT_EQ(Hex(EncodeVarint64(64)), "8001");
  for (int32_t v : {0, 1, -1, 63, -64, 64, -65, kMin32, kMax32}) {
    absl::string_view in;
    const std::string bytes = EncodeVarint32(v);
    in = bytes;
    int32_t decoded;
    ASSERT_TRUE(ReadVarint32(&in, &decoded)) << v;
    EXPECT_EQ(decoded, v);
    EXPECT_TRUE(in.empty());
    EXPECT_EQ(VarintSize32(v), bytes.size());
  }
}

TEST(VarintTest, RandomRoundTrips) {
  std::mt19937_64 rng(1);
  for (int i = 0; i < 100000; ++i) {
    // Spread over every encoded length.
    const int64_t v64 = static_cast<int64_t>(rng() >> (rng() % 64));
    const int64_t s64 = (rng() & 1) ? v64 : -v64;
    const int32_t s32 = static_cast<int32_t>(s64);
    std::string bytes = EncodeVarint64(s64);
    EXPECT_EQ(bytes.size(), VarintSize64(s64));
    bytes += EncodeVarint32(s32);
    std::string unsigned_bytes;
    AppendUnsignedVarint(&unsigned_bytes, static_cast<uint64_t>(v64));
    EXPECT_EQ(unsigned_bytes.size(), UnsignedVarintSize(v64));
    bytes += unsigned_bytes;

    absl::string_view in = bytes;
    int64_t d64;
    int32_t d32;
    uint64_t u64;
    ASSERT_TRUE(ReadVarint64(&in, &d64));
    ASSERT_TRUE(ReadVarint32(&in, &d32));
    ASSERT_TRUE(ReadUnsignedVarint64(&in, &u64));
    EXPECT_EQ(d64, s64);
    EXPECT_EQ(d32, s32);
    EXPECT_EQ(u64, static_cast<uint64_t>(v64));
    EXPECT_TRUE(in.empty());
  }
}

TEST(VarintTest, TruncatedInputFailsAndConsumesNothing) {
  const std::string full = EncodeVarint64(std::numeric_limits<int64_t>::min());
  for (size_t n = 0; n < full.size(); ++n) {
    absl::string_view in(full.data(), n);
    int64_t v = 12345;
    EXPECT_FALSE(ReadVarint64(&in, &v)) << n;
    EXPECT_EQ(in.size(), n);
    EXPECT_EQ(v, 12345);
  }
  const std::string full32 =
      EncodeVarint32(std::numeric_limits<int32_t>::min());
  for (size_t n = 0; n < full32.size(); ++n) {
    absl::string_view in(full32.data(), n);
    int32_t v;
    EXPECT_FALSE(ReadVarint32(&in, &v)) << n;
    EXPECT_EQ(in.size(), n);
  }
}

TEST(VarintTest, RejectsOverlongAndOverflowingEncodings) {
  struct Case {
    std::string bytes;
    bool ok32;
    bool ok64;
  };
  const Case cases[] = {
      {std::string("\x80\x00", 2), true, true},  // Non-minimal zero: accepted.
      {std::string("\x80\x80\x80\x80\x00", 5), true, true},
      {std::string("\x80\x80\x80\x80\x80\x00", 6), false, true},  // 6 bytes.
      {std::string("\xff\xff\xff\xff\x10", 5), false, true},      // Bit 32 set.
      {std::string("\xff\xff\xff\xff\x7f", 5), false, true},
      {std::string(9, '\x80') + std::string("\x01", 1), false, true},
      {std::string(9, '\x80') + std::string("\x02", 1), false, false},
      {std::string(10, '\x80') + std::string("\x00", 1), false, false},
      {std::string(20, '\xff'), false, false},
  };
  for (const Case& c : cases) {
    absl::string_view in32 = c.bytes;
    absl::string_view in64 = c.bytes;
    uint32_t u32;
    uint64_t u64;
    EXPECT_EQ(ReadUnsignedVarint32(&in32, &u32), c.ok32) << Hex(c.bytes);
    EXPECT_EQ(ReadUnsignedVarint64(&in64, &u64), c.ok64) << Hex(c.bytes);
    if (!c.ok32) {
      EXPECT_EQ(in32.size(), c.bytes.size());
    }
    if (!c.ok64) {
      EXPECT_EQ(in64.size(), c.bytes.size());
    }
  }
}

TEST(VarintTest, ZigZagMapping) {
  EXPECT_EQ(ZigZagEncode32(0), 0u);
  EXPECT_EQ(ZigZagEncode32(-1), 1u);
  EXPECT_EQ(ZigZagEncode32(1), 2u);
  EXPECT_EQ(ZigZagEncode32(std::numeric_limits<int32_t>::min()), 0xFFFFFFFFu);
  EXPECT_EQ(ZigZagDecode64(ZigZagEncode64(std::numeric_limits<int64_t>::min())),
            std::numeric_limits<int64_t>::min());
}

}  // namespace
}  // namespace warp::kafka
