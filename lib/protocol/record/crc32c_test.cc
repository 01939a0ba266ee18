#include "lib/protocol/record/crc32c.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace warp::kafka {
namespace {

// Check values: the CRC catalogue's check input, and the RFC 3720 (iSCSI)
// appendix B.4 vectors.
struct Vector {
  std::string input;
  uint32_t crc;
};

std::vector<Vector> KnownVectors() {
  std::vector<Vector> vectors = {
      {"", 0},
      {"123456789", 0xE3069283},
      {std::string(32, '\0'), 0x8A9136AA},
      {std::string(32, '\xFF'), 0x62A8AB43},
  };
  std::string ascending, descending;
  for (int i = 0; i < 32; ++i) {
    ascending.push_back(static_cast<char>(i));
    descending.push_back(static_cast<char>(31 - i));
  }
  vectors.push_back({ascending, 0x46DD794E});
  vectors.push_back({descending, 0x113FDB5C});
  const unsigned char kIscsiRead[48] = {
      0x01, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
      0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18, 0x28, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  vectors.push_back(
      {std::string(reinterpret_cast<const char*>(kIscsiRead), 48), 0xD9963A56});
  return vectors;
}

TEST(Crc32cTest, KnownVectorsPortable) {
  for (const Vector& v : KnownVectors()) {
    EXPECT_EQ(Crc32cExtendPortable(0, v.input.data(), v.input.size()), v.crc)
        << v.input.size() << "-byte vector";
  }
}

TEST(Crc32cTest, KnownVectorsHardware) {
  if (!Crc32cHardwareAvailable()) GTEST_SKIP() << "no SSE4.2 on this CPU";
  for (const Vector& v : KnownVectors()) {
    EXPECT_EQ(Crc32cExtendHardware(0, v.input.data(), v.input.size()), v.crc)
        << v.input.size() << "-byte vector";
  }
}

TEST(Crc32cTest, DispatchingFunctionMatchesCheckValue) {
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
}

TEST(Crc32cTest, HardwareAndPortableAgreeOnRandomData) {
  std::mt19937_64 rng(42);
  // Long enough for several 3 KiB three-stream blocks plus tails.
  std::string buffer(40000 + 16, '\0');
  for (char& c : buffer) c = static_cast<char>(rng());
  for (int trial = 0; trial < 2000; ++trial) {
    const size_t offset = rng() % 16;  // Every alignment.
    size_t length = rng() % 64;
    if (trial % 4 == 1) length = rng() % 4096;
    if (trial % 4 == 2) length = rng() % 40000;
    if (trial % 4 == 3) length = 3 * 1024 * (1 + rng() % 10) + rng() % 3;
    const uint32_t seed = trial % 3 == 0 ? 0 : static_cast<uint32_t>(rng());
    const char* data = buffer.data() + offset;
    const uint32_t portable = Crc32cExtendPortable(seed, data, length);
    EXPECT_EQ(Crc32cExtendHardware(seed, data, length), portable)
        << "length " << length << " offset " << offset;
    EXPECT_EQ(Crc32cExtend(seed, data, length), portable);
  }
}

TEST(Crc32cTest, ExtendConcatenates) {
  std::mt19937_64 rng(7);
  std::string data(10000, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  const uint32_t whole = Crc32c(data);
  for (size_t split : {size_t{0}, size_t{1}, size_t{7}, size_t{3072},
                       size_t{5000}, size_t{9999}, size_t{10000}}) {
    const absl::string_view view(data);
    const uint32_t first = Crc32c(view.substr(0, split));
    const absl::string_view rest = view.substr(split);
    EXPECT_EQ(Crc32cExtend(first, rest.data(), rest.size()), whole) << split;
    EXPECT_EQ(Crc32cExtendPortable(first, rest.data(), rest.size()), whole);
  }
}

TEST(Crc32cTest, DetectsSingleBitFlips) {
  std::string data(3 * 1024 * 3 + 5, 'x');
  const uint32_t original = Crc32c(data);
  for (size_t i = 0; i < data.size(); i += 97) {
    data[i] ^= 0x10;
    EXPECT_NE(Crc32c(data), original) << i;
    data[i] ^= 0x10;
  }
}

}  // namespace
}  // namespace warp::kafka
