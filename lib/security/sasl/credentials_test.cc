#include "lib/security/sasl/credentials.h"

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"
#include "lib/security/sasl/crypto.h"

namespace warp::sasl {
namespace {

std::string Unbase64(absl::string_view text) {
  std::string out;
  absl::Base64Unescape(text, &out);
  return out;
}

// RFC 7677's example user: password "pencil", this salt, 4096 iterations.
const char kRfcSalt[] = "W22ZaJ0SNY7soEsUEjb6gQ==";
const char kRfcEncoded[] =
    "1:SCRAM-SHA-256:4096:W22ZaJ0SNY7soEsUEjb6gQ==:"
    "WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:"
    "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=";

TEST(CredentialsTest, MakesRfc7677Credential) {
  absl::StatusOr<ScramCredential> credential = MakeScramCredential(
      ScramMechanism::kSha256, "pencil", 4096, Unbase64(kRfcSalt));
  ASSERT_TRUE(credential.ok()) << credential.status();
  EXPECT_EQ(EncodeScramCredential(*credential), kRfcEncoded);
  EXPECT_TRUE(VerifyScramPassword(*credential, "pencil"));
  EXPECT_FALSE(VerifyScramPassword(*credential, "pencil2"));
  EXPECT_FALSE(VerifyScramPassword(*credential, ""));
}

// AlterUserScramCredentials sends Hi(password, salt, i): the same
// credential as from the password.
TEST(CredentialsTest, FromSaltedPasswordAsFromPassword) {
  const std::string salted =
      Pbkdf2(HashFunction::kSha256, "pencil", Unbase64(kRfcSalt), 4096);
  absl::StatusOr<ScramCredential> credential = ScramCredentialFromSaltedPassword(
      ScramMechanism::kSha256, Unbase64(kRfcSalt), salted, 4096);
  ASSERT_TRUE(credential.ok()) << credential.status();
  EXPECT_EQ(EncodeScramCredential(*credential), kRfcEncoded);
  EXPECT_FALSE(ScramCredentialFromSaltedPassword(ScramMechanism::kSha512, Unbase64(kRfcSalt),
                                                 salted, 4096)
                   .ok());  // 32 bytes, not 64
  EXPECT_FALSE(
      ScramCredentialFromSaltedPassword(ScramMechanism::kSha256, Unbase64(kRfcSalt), salted, 100)
          .ok());
  EXPECT_FALSE(ScramCredentialFromSaltedPassword(ScramMechanism::kSha256, "", salted, 4096).ok());
}

TEST(CredentialsTest, DrawsRandomSalts) {
  absl::StatusOr<ScramCredential> a =
      MakeScramCredential(ScramMechanism::kSha512, "pw", 4096);
  absl::StatusOr<ScramCredential> b =
      MakeScramCredential(ScramMechanism::kSha512, "pw", 4096);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->salt.size(), kDefaultSaltBytes);
  EXPECT_NE(a->salt, b->salt);
  EXPECT_NE(a->stored_key, b->stored_key);
  EXPECT_EQ(a->stored_key.size(), 64u);
  EXPECT_EQ(a->server_key.size(), 64u);
  EXPECT_TRUE(VerifyScramPassword(*a, "pw"));
}

TEST(CredentialsTest, RefusesWeakOrBadParameters) {
  EXPECT_EQ(
      MakeScramCredential(ScramMechanism::kSha256, "pw", 4095).status().code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      MakeScramCredential(ScramMechanism::kSha256, "pw", 16385).status().code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(
      MakeScramCredential(ScramMechanism::kSha256, "pw", 16384, "s").ok());
  EXPECT_EQ(
      MakeScramCredential(ScramMechanism::kSha256, "", 4096).status().code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeScramCredential(ScramMechanism::kSha256, "pw", 4096, "")
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeScramCredential(ScramMechanism::kSha256, "pw", 4096,
                                std::string(kMaxSaltBytes + 1, 'x'))
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(CredentialsTest, EncodingRoundTrips) {
  absl::StatusOr<ScramCredential> credential =
      MakeScramCredential(ScramMechanism::kSha512, "secret", 8192);
  ASSERT_TRUE(credential.ok());
  const std::string text = EncodeScramCredential(*credential);
  absl::StatusOr<ScramCredential> decoded = DecodeScramCredential(text);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, *credential);
  EXPECT_EQ(EncodeScramCredential(*decoded), text);

  decoded = DecodeScramCredential(kRfcEncoded);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->mechanism, ScramMechanism::kSha256);
  EXPECT_EQ(decoded->iterations, 4096);
  EXPECT_TRUE(VerifyScramPassword(*decoded, "pencil"));
}

TEST(CredentialsTest, DecodeRefusesAnythingElse) {
  const std::string good = kRfcEncoded;
  const char* bad[] = {
      "",
      "2:SCRAM-SHA-256:4096:W22ZaJ0SNY7soEsUEjb6gQ==:a:b",  // version
      "1:SCRAM-SHA-256:4096",                               // fields
      "1:SCRAM-SHA-1:4096:W22ZaJ0SNY7soEsUEjb6gQ==:"
      "WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:"
      "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=",  // mechanism
      "1:SCRAM-SHA-256:04096:W22ZaJ0SNY7soEsUEjb6gQ==:"
      "WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:"
      "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=",  // leading zero
      "1:SCRAM-SHA-256:+4096:W22ZaJ0SNY7soEsUEjb6gQ==:"
      "WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:"
      "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=",  // sign
      "1:SCRAM-SHA-256:4095:W22ZaJ0SNY7soEsUEjb6gQ==:"
      "WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:"
      "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=",  // too few iterations
      "1:SCRAM-SHA-256:4096::"
      "WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:"
      "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=",  // empty salt
      "1:SCRAM-SHA-256:4096:W22ZaJ0SNY7soEsUEjb6gQ:"
      "WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:"
      "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=",  // unpadded base64
      "1:SCRAM-SHA-512:4096:W22ZaJ0SNY7soEsUEjb6gQ==:"
      "WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:"
      "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=",  // 32-byte keys
  };
  for (const char* text : bad) {
    EXPECT_EQ(DecodeScramCredential(text).status().code(),
              absl::StatusCode::kInvalidArgument)
        << text;
  }
  EXPECT_FALSE(DecodeScramCredential(good + ":").ok());
  EXPECT_FALSE(DecodeScramCredential(good + "\n").ok());
}

}  // namespace
}  // namespace warp::sasl
