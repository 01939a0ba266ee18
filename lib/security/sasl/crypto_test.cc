#include "lib/security/sasl/crypto.h"

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"
#include "lib/security/sasl/base64.h"

namespace warp::sasl {
namespace {

std::string Hex(absl::string_view bytes) {
  return absl::BytesToHexString(bytes);
}

TEST(CryptoTest, DigestsMatchKnownValues) {
  EXPECT_EQ(Hex(Digest(HashFunction::kSha256, "abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Hex(Digest(HashFunction::kSha512, "abc")).substr(0, 32),
            "ddaf35a193617abacc417349ae204131");
  EXPECT_EQ(DigestSize(HashFunction::kSha256), 32u);
  EXPECT_EQ(DigestSize(HashFunction::kSha512), 64u);
}

// RFC 4231 test case 2.
TEST(CryptoTest, HmacMatchesRfc4231) {
  EXPECT_EQ(
      Hex(Hmac(HashFunction::kSha256, "Jefe", "what do ya want for nothing?")),
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(
      Hex(Hmac(HashFunction::kSha512, "Jefe", "what do ya want for nothing?")),
      "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
      "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
}

TEST(CryptoTest, Pbkdf2MatchesKnownValues) {
  EXPECT_EQ(Hex(Pbkdf2(HashFunction::kSha256, "password", "salt", 4096)),
            "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a");
  EXPECT_EQ(Hex(Pbkdf2(HashFunction::kSha512, "password", "salt", 4096)),
            "d197b1b33db0143e018b12f3d1d1479e6cdebdcc97c5c0f87f6902e072f457b5"
            "143f30602641b3d55cd335988cb36b84376060ecd532e039b742a239434af2d5");
}

TEST(CryptoTest, XorAndConstantTimeEquals) {
  EXPECT_EQ(XorBytes(std::string("\x0f\xf0", 2), std::string("\xff\xff", 2)),
            std::string("\xf0\x0f", 2));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
}

TEST(CryptoTest, SecureRandomBytes) {
  absl::StatusOr<std::string> a = SecureRandomBytes(32);
  absl::StatusOr<std::string> b = SecureRandomBytes(32);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size(), 32u);
  EXPECT_NE(*a, *b);
}

TEST(Base64Test, AcceptsOnlyCanonicalEncodings) {
  EXPECT_EQ(DecodeBase64Strict("biws"), "n,,");
  EXPECT_EQ(DecodeBase64Strict(""), "");
  EXPECT_EQ(DecodeBase64Strict("YQ=="), "a");
  EXPECT_EQ(DecodeBase64Strict("YQ"), std::nullopt);     // no padding
  EXPECT_EQ(DecodeBase64Strict("YR=="), std::nullopt);   // unused bits set
  EXPECT_EQ(DecodeBase64Strict("Y Q=="), std::nullopt);  // whitespace
  EXPECT_EQ(DecodeBase64Strict("YQ==YQ=="), std::nullopt);
  EXPECT_EQ(DecodeBase64Strict("_-=="), std::nullopt);  // web-safe alphabet
}

}  // namespace
}  // namespace warp::sasl
