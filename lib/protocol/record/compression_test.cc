#include "lib/protocol/record/compression.h"

#include <lz4frame.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace warp::kafka {
namespace {

using ::testing::HasSubstr;

constexpr size_t kMiB = 1 << 20;

struct CodecCase {
  std::string name;
  Compression codec;
  CompressionOptions options;
};

std::vector<CodecCase> AllCodecs() {
  CompressionOptions raw_snappy;
  raw_snappy.snappy_framing = SnappyFraming::kRaw;
  return {
      {"none", Compression::kNone, {}},
      {"gzip", Compression::kGzip, {}},
      {"snappy_xerial", Compression::kSnappy, {}},
      {"snappy_raw", Compression::kSnappy, raw_snappy},
      {"lz4", Compression::kLz4, {}},
      {"zstd", Compression::kZstd, {}},
  };
}

std::string RandomBytes(size_t size, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(size, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

// Text-like data that compresses about 3-5x.
std::string TextLike(size_t size, uint64_t seed) {
  static const char* const kWords[] = {"alpha",   "beta",  "gamma",  "delta",
                                       "kafka",   "batch", "offset", "record",
                                       "{\"k\":", "}\n"};
  std::mt19937_64 rng(seed);
  std::string s;
  while (s.size() < size) {
    s += kWords[rng() % 10];
    s += static_cast<char>('0' + rng() % 10);
  }
  s.resize(size);
  return s;
}

const std::string& Zeros80MiB() {
  static const std::string* const zeros = new std::string(80 * kMiB, '\0');
  return *zeros;
}

class CodecTest : public ::testing::TestWithParam<CodecCase> {
 protected:
  void RoundTrip(const std::string& input) {
    const CodecCase& c = GetParam();
    absl::StatusOr<std::string> compressed =
        Compress(c.codec, input, c.options);
    ASSERT_TRUE(compressed.ok()) << compressed.status();
    absl::StatusOr<std::string> decompressed =
        Decompress(c.codec, *compressed, kDefaultMaxDecompressedBytes);
    ASSERT_TRUE(decompressed.ok()) << decompressed.status();
    EXPECT_EQ(decompressed->size(), input.size());
    EXPECT_TRUE(*decompressed == input);
  }
};

TEST_P(CodecTest, RoundTripsSizes) {
  RoundTrip("");
  RoundTrip("x");
  RoundTrip(TextLike(1000, 1));
  RoundTrip(RandomBytes(100 * 1024, 2));  // Incompressible.
  RoundTrip(TextLike(900 * 1024, 3));
  RoundTrip(std::string(3 * kMiB + 17, 'a'));  // Many blocks / chunks.
}

TEST_P(CodecTest, CompressAppendKeepsPrefix) {
  const CodecCase& c = GetParam();
  std::string out = "prefix";
  ASSERT_TRUE(
      CompressAppend(c.codec, "hello hello hello", c.options, &out).ok());
  EXPECT_EQ(out.substr(0, 6), "prefix");
  absl::StatusOr<std::string> back =
      Decompress(c.codec, absl::string_view(out).substr(6), 1000);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, "hello hello hello");
}

TEST_P(CodecTest, OutputCapIsExact) {
  const CodecCase& c = GetParam();
  const std::string input = TextLike(100000, 4);
  absl::StatusOr<std::string> compressed = Compress(c.codec, input, c.options);
  ASSERT_TRUE(compressed.ok());
  EXPECT_TRUE(Decompress(c.codec, *compressed, 100000).ok());
  absl::StatusOr<std::string> over = Decompress(c.codec, *compressed, 99999);
  EXPECT_EQ(over.status().code(), absl::StatusCode::kResourceExhausted)
      << over.status();
}

TEST_P(CodecTest, ZipBombFailsCleanly) {
  const CodecCase& c = GetParam();
  if (c.codec == Compression::kNone) GTEST_SKIP();
  absl::StatusOr<std::string> bomb = Compress(c.codec, Zeros80MiB(), c.options);
  ASSERT_TRUE(bomb.ok());
  EXPECT_LT(bomb->size(), 5 * kMiB);
  absl::StatusOr<std::string> out =
      Decompress(c.codec, *bomb, kDefaultMaxDecompressedBytes);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(out.status().message(), HasSubstr("exceeds the limit"));
  // A small cap stops it early as well.
  EXPECT_EQ(Decompress(c.codec, *bomb, 1000).status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST_P(CodecTest, TruncationNeverCrashes) {
  const CodecCase& c = GetParam();
  const std::string input = TextLike(3000, 5) + RandomBytes(500, 6);
  absl::StatusOr<std::string> compressed = Compress(c.codec, input, c.options);
  ASSERT_TRUE(compressed.ok());
  for (size_t n = 0; n < compressed->size(); ++n) {
    // Exactly sized heap copy so sanitizers catch overreads.
    std::vector<char> prefix(compressed->begin(), compressed->begin() + n);
    absl::StatusOr<std::string> out =
        Decompress(c.codec, absl::string_view(prefix.data(), n), 1 * kMiB);
    if (c.codec == Compression::kNone ||
        (c.codec == Compression::kSnappy &&
         c.options.snappy_framing == SnappyFraming::kXerial)) {
      // No end marker: a prefix may decode to a prefix of the content.
      if (out.ok()) {
        EXPECT_EQ(input.substr(0, out->size()), *out);
      }
      continue;
    }
    ASSERT_FALSE(out.ok()) << c.name << " prefix of " << n << " bytes";
    EXPECT_EQ(out.status().code(), absl::StatusCode::kDataLoss) << out.status();
  }
}

TEST_P(CodecTest, BitFlipsNeverCrash) {
  const CodecCase& c = GetParam();
  const std::string input = TextLike(5000, 7);
  absl::StatusOr<std::string> compressed = Compress(c.codec, input, c.options);
  ASSERT_TRUE(compressed.ok());
  std::mt19937_64 rng(8);
  for (int trial = 0; trial < 3000; ++trial) {
    std::vector<char> corrupt(compressed->begin(), compressed->end());
    for (int flips = 1 + rng() % 3; flips > 0; --flips) {
      corrupt[rng() % corrupt.size()] ^= static_cast<char>(1 << (rng() % 8));
    }
    absl::StatusOr<std::string> out = Decompress(
        c.codec, absl::string_view(corrupt.data(), corrupt.size()), 64 * 1024);
    if (out.ok()) {
      EXPECT_LE(out->size(), 64u * 1024);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllCodecs, CodecTest, ::testing::ValuesIn(AllCodecs()),
                         [](const ::testing::TestParamInfo<CodecCase>& info) {
                           return info.param.name;
                         });

TEST(CompressionTest, EmptyInputIsCorruptForEveryCodec) {
  for (Compression codec : {Compression::kGzip, Compression::kSnappy,
                            Compression::kLz4, Compression::kZstd}) {
    EXPECT_EQ(Decompress(codec, "", 100).status().code(),
              absl::StatusCode::kDataLoss)
        << CompressionName(codec);
  }
}

TEST(CompressionTest, UnknownCodec) {
  EXPECT_EQ(Decompress(static_cast<Compression>(5), "x", 10).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Compress(static_cast<Compression>(7), "x").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CompressionName(static_cast<Compression>(6)), "unknown");
  EXPECT_EQ(CompressionName(Compression::kZstd), "zstd");
}

TEST(CompressionTest, BadLevels) {
  CompressionOptions options;
  options.level = 10;
  EXPECT_EQ(Compress(Compression::kGzip, "x", options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.level = 100;
  EXPECT_EQ(Compress(Compression::kZstd, "x", options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(CompressionTest, LevelsRoundTrip) {
  const std::string input = TextLike(200000, 9);
  struct Level {
    Compression codec;
    int level;
  };
  for (Level l : {Level{Compression::kGzip, 1}, Level{Compression::kGzip, 9},
                  Level{Compression::kLz4, 1}, Level{Compression::kLz4, 9},
                  Level{Compression::kZstd, 1}, Level{Compression::kZstd, 19},
                  Level{Compression::kZstd, -5}}) {
    CompressionOptions options;
    options.level = l.level;
    absl::StatusOr<std::string> compressed = Compress(l.codec, input, options);
    ASSERT_TRUE(compressed.ok()) << compressed.status();
    EXPECT_EQ(*Decompress(l.codec, *compressed, input.size()), input)
        << CompressionName(l.codec) << " level " << l.level;
  }
}

TEST(GzipTest, WritesGzipWrapperAndReadsConcatenatedMembers) {
  absl::StatusOr<std::string> a = Compress(Compression::kGzip, "hello ");
  absl::StatusOr<std::string> b = Compress(Compression::kGzip, "world");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(static_cast<unsigned char>((*a)[0]), 0x1F);
  EXPECT_EQ(static_cast<unsigned char>((*a)[1]), 0x8B);
  EXPECT_EQ(*Decompress(Compression::kGzip, *a + *b, 100), "hello world");
  absl::StatusOr<std::string> trailing =
      Decompress(Compression::kGzip, *a + "garbage", 100);
  EXPECT_EQ(trailing.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(trailing.status().message(), HasSubstr("trailing"));
}

TEST(GzipTest, RejectsZlibWrapper) {
  const std::string input = "zlib, not gzip";
  uLongf size = compressBound(input.size());
  std::string zlib(size, '\0');
  ASSERT_EQ(
      compress(reinterpret_cast<Bytef*>(zlib.data()), &size,
               reinterpret_cast<const Bytef*>(input.data()), input.size()),
      Z_OK);
  zlib.resize(size);
  EXPECT_EQ(Decompress(Compression::kGzip, zlib, 100).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(SnappyTest, XerialHeaderAndChunks) {
  const std::string input = TextLike(100 * 1024, 10);
  absl::StatusOr<std::string> xerial = Compress(Compression::kSnappy, input);
  ASSERT_TRUE(xerial.ok());
  EXPECT_TRUE(IsXerialSnappy(*xerial));
  // Magic, version 1, minimum compatible version 1.
  EXPECT_EQ(xerial->substr(0, 16),
            std::string("\x82SNAPPY\0\0\0\0\x01\0\0\0\x01", 16));
  // 100 KiB in 32 KiB chunks: 4 length-prefixed chunks follow.
  absl::string_view rest = absl::string_view(*xerial).substr(16);
  int chunks = 0;
  while (!rest.empty()) {
    ASSERT_GE(rest.size(), 4u);
    const uint32_t length =
        (uint32_t{static_cast<unsigned char>(rest[0])} << 24) |
        (uint32_t{static_cast<unsigned char>(rest[1])} << 16) |
        (uint32_t{static_cast<unsigned char>(rest[2])} << 8) |
        uint32_t{static_cast<unsigned char>(rest[3])};
    ASSERT_LE(length + 4, rest.size());
    rest.remove_prefix(4 + length);
    ++chunks;
  }
  EXPECT_EQ(chunks, 4);

  CompressionOptions raw;
  raw.snappy_framing = SnappyFraming::kRaw;
  absl::StatusOr<std::string> raw_bytes =
      Compress(Compression::kSnappy, input, raw);
  ASSERT_TRUE(raw_bytes.ok());
  EXPECT_FALSE(IsXerialSnappy(*raw_bytes));
  EXPECT_EQ(*Decompress(Compression::kSnappy, *raw_bytes, kMiB), input);
  EXPECT_EQ(*Decompress(Compression::kSnappy, *xerial, kMiB), input);
}

TEST(SnappyTest, EmptyXerialStreamIsEmpty) {
  absl::StatusOr<std::string> empty = Compress(Compression::kSnappy, "");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->size(), 16u);
  EXPECT_EQ(*Decompress(Compression::kSnappy, *empty, 10), "");
}

TEST(SnappyTest, HostileLengthsFailWithoutAllocating) {
  // Raw block declaring 2^32-1 bytes in 6 bytes of input.
  const std::string huge_raw("\xff\xff\xff\xff\x0f\x00", 6);
  EXPECT_EQ(
      Decompress(Compression::kSnappy, huge_raw, 1ull << 40).status().code(),
      absl::StatusCode::kDataLoss);
  // Xerial chunk claiming 2 GiB.
  std::string xerial = std::string("\x82SNAPPY\0\0\0\0\x01\0\0\0\x01", 16) +
                       std::string("\x7f\xff\xff\xff", 4) + "abc";
  EXPECT_EQ(Decompress(Compression::kSnappy, xerial, kMiB).status().code(),
            absl::StatusCode::kDataLoss);
  // A truncated chunk length.
  EXPECT_EQ(Decompress(Compression::kSnappy, xerial.substr(0, 18), kMiB)
                .status()
                .code(),
            absl::StatusCode::kDataLoss);
}

std::string Lz4Frame(const std::string& input, LZ4F_preferences_t prefs) {
  std::string out(LZ4F_compressFrameBound(input.size(), &prefs), '\0');
  const size_t n = LZ4F_compressFrame(out.data(), out.size(), input.data(),
                                      input.size(), &prefs);
  EXPECT_FALSE(LZ4F_isError(n));
  out.resize(n);
  return out;
}

TEST(Lz4Test, WritesIndependentBlocks) {
  absl::StatusOr<std::string> frame =
      Compress(Compression::kLz4, TextLike(200000, 11));
  ASSERT_TRUE(frame.ok());
  // Magic 0x184D2204 little-endian, then FLG: version 01, block independence.
  EXPECT_EQ(frame->substr(0, 4), std::string("\x04\x22\x4d\x18", 4));
  const unsigned char flg = static_cast<unsigned char>((*frame)[4]);
  EXPECT_EQ(flg >> 6, 1);
  EXPECT_TRUE(flg & 0x20);
  // BD: 64 KiB maximum block size.
  EXPECT_EQ((static_cast<unsigned char>((*frame)[5]) >> 4) & 7, 4);
}

TEST(Lz4Test, ReadsFramesOfOtherWriters) {
  const std::string input = TextLike(300000, 12);
  LZ4F_preferences_t prefs;
  std::memset(&prefs, 0, sizeof(prefs));
  prefs.frameInfo.blockMode = LZ4F_blockLinked;
  prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
  prefs.frameInfo.blockChecksumFlag = LZ4F_blockChecksumEnabled;
  prefs.frameInfo.contentSize = input.size();
  prefs.frameInfo.blockSizeID = LZ4F_max4MB;
  const std::string frame = Lz4Frame(input, prefs);
  EXPECT_EQ(*Decompress(Compression::kLz4, frame, kMiB), input);
  // Two concatenated frames.
  EXPECT_EQ(*Decompress(Compression::kLz4, frame + frame, kMiB), input + input);
  // A flipped content byte breaks the content checksum.
  std::string corrupt = frame;
  corrupt[corrupt.size() / 2] ^= 1;
  EXPECT_EQ(Decompress(Compression::kLz4, corrupt, kMiB).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(ZstdTest, ReadsStreamingFramesWithoutContentSize) {
  const std::string input = TextLike(500000, 13);
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
  std::string frame(ZSTD_compressBound(input.size()), '\0');
  const size_t n = ZSTD_compress2(cctx, frame.data(), frame.size(),
                                  input.data(), input.size());
  ASSERT_FALSE(ZSTD_isError(n));
  frame.resize(n);
  EXPECT_EQ(ZSTD_getFrameContentSize(frame.data(), frame.size()),
            ZSTD_CONTENTSIZE_UNKNOWN);
  EXPECT_EQ(*Decompress(Compression::kZstd, frame, kMiB), input);
  EXPECT_EQ(*Decompress(Compression::kZstd, frame + frame, kMiB),
            input + input);
  EXPECT_EQ(
      Decompress(Compression::kZstd, frame, input.size() - 1).status().code(),
      absl::StatusCode::kResourceExhausted);
  // A streaming zip bomb (no declared size) is stopped by the cap too.
  std::string bomb(ZSTD_compressBound(Zeros80MiB().size()), '\0');
  const size_t bomb_size = ZSTD_compress2(
      cctx, bomb.data(), bomb.size(), Zeros80MiB().data(), Zeros80MiB().size());
  ASSERT_FALSE(ZSTD_isError(bomb_size));
  bomb.resize(bomb_size);
  EXPECT_EQ(Decompress(Compression::kZstd, bomb, kDefaultMaxDecompressedBytes)
                .status()
                .code(),
            absl::StatusCode::kResourceExhausted);
  ZSTD_freeCCtx(cctx);
}

TEST(ZstdTest, DeclaredSizeOverCapFailsBeforeDecoding) {
  absl::StatusOr<std::string> frame =
      Compress(Compression::kZstd, std::string(10 * kMiB, 'z'));
  ASSERT_TRUE(frame.ok());
  absl::StatusOr<std::string> out =
      Decompress(Compression::kZstd, *frame, kMiB);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace warp::kafka
