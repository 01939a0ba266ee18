#include "lib/security/sasl/scram_messages.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace warp::sasl {
namespace {

using std::string_literals::operator""s;

TEST(ScramMessagesTest, ParsesClientFirst) {
  absl::StatusOr<ClientFirstMessage> first =
      ParseClientFirst("n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->bare, "n=user,r=rOprNGfwEbeRWgbNEkqO");
  EXPECT_EQ(first->user, "user");
  EXPECT_EQ(first->nonce, "rOprNGfwEbeRWgbNEkqO");

  first = ParseClientFirst("n,,n=a=2Cb=3Dc\xC3\xA9,r=x,tokenauth=false,q=1=2");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->user, "a,b=c\xC3\xA9");
  EXPECT_EQ(first->nonce, "x");
}

void ExpectFirstError(absl::string_view message, absl::string_view expected) {
  absl::StatusOr<ClientFirstMessage> first = ParseClientFirst(message);
  ASSERT_FALSE(first.ok()) << message;
  EXPECT_EQ(first.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(first.status().message(), expected))
      << first.status().message() << " lacks " << expected;
}

TEST(ScramMessagesTest, RefusesBadClientFirst) {
  ExpectFirstError("", "gs2 header");
  ExpectFirstError("n,", "gs2 header");
  ExpectFirstError("x,,n=user,r=abc", "gs2 header");
  ExpectFirstError("p=tls-unique,,n=user,r=abc", "channel binding (p=)");
  ExpectFirstError("y,,n=user,r=abc", "gs2 flag 'y'");
  ExpectFirstError("n,a=user,n=user,r=abc", "authorization identity");
  ExpectFirstError("n,,m=ext,n=user,r=abc", "mandatory extensions");
  ExpectFirstError("n,,", "does not start with the user");
  ExpectFirstError("n,,r=abc,n=user", "does not start with the user");
  ExpectFirstError("n,,n=,r=abc", "empty user name");
  ExpectFirstError("n,,n=a=2c,r=abc", "=2C or =3D");
  ExpectFirstError("n,,n=a=,r=abc", "=2C or =3D");
  ExpectFirstError("n,,n=user", "no nonce");
  ExpectFirstError("n,,n=user,x=abc", "no nonce");
  ExpectFirstError("n,,n=user,r=", "nonce is empty");
  ExpectFirstError("n,,n=user,r=a\x7f", "not printable");
  ExpectFirstError("n,,n=user,r=a b", "not printable");
  ExpectFirstError("n,,n=user,r=abc,", "not name=value");
  ExpectFirstError("n,,n=user,r=abc,x", "not name=value");
  ExpectFirstError("n,,n=user,r=abc,x=", "not name=value");
  ExpectFirstError("n,,n=user,r=abc,1=a", "not letters");
  ExpectFirstError("n,,n=user,r=abc,tokenauth=TRUE", "tokenauth=true");
  ExpectFirstError("n,,n=user,r=abc,m=x", "mandatory extensions");
  ExpectFirstError("n,,n=us\0er,r=abc"s, "NUL");
  ExpectFirstError("n,,n=us\xC3,r=abc", "UTF-8");
}

TEST(ScramMessagesTest, ParsesClientFinal) {
  absl::StatusOr<ClientFinalMessage> final_message = ParseClientFinal(
      "c=biws,r=abcdef,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
  ASSERT_TRUE(final_message.ok()) << final_message.status();
  EXPECT_EQ(final_message->without_proof, "c=biws,r=abcdef");
  EXPECT_EQ(final_message->channel_binding, "biws");
  EXPECT_EQ(final_message->nonce, "abcdef");
  EXPECT_EQ(final_message->proof.size(), 32u);

  final_message = ParseClientFinal("c=biws,r=abc,x=1,y=2,p=YQ==");
  ASSERT_TRUE(final_message.ok()) << final_message.status();
  EXPECT_EQ(final_message->without_proof, "c=biws,r=abc,x=1,y=2");
  EXPECT_EQ(final_message->proof, "a");
}

TEST(ScramMessagesTest, RefusesBadClientFinal) {
  const std::string bad[] = {
      "",
      "c=biws",
      "c=biws,r=abc",
      "r=abc,c=biws,p=YQ==",
      "c=biws,p=YQ==",
      "c=biws,r=,p=YQ==",
      "c=biws,r=abc,p=",
      "c=biws,r=abc,p=YQ",
      "c=biws,r=abc,p=YQ==,x=1",
      "c=biws,r=abc,,p=YQ==",
      "c=biws,r=abc,m=1,p=YQ==",
      "c=biws,r=abc,p=Y\0Q=="s,
      "c=biws,r=abc,x=\xff,p=YQ==",
  };
  for (const std::string& message : bad) {
    EXPECT_EQ(ParseClientFinal(message).status().code(),
              absl::StatusCode::kInvalidArgument)
        << message;
  }
}

TEST(ScramMessagesTest, FormatsServerMessages) {
  EXPECT_EQ(FormatServerFirst("abc", "salt", 4096), "r=abc,s=c2FsdA==,i=4096");
  EXPECT_EQ(FormatServerFinal("sig"), "v=c2ln");
  EXPECT_EQ(FormatServerError("invalid-proof"), "e=invalid-proof");
}

TEST(ScramMessagesTest, SaslNamesRoundTrip) {
  EXPECT_EQ(EscapeSaslName("a,b=c"), "a=2Cb=3Dc");
  EXPECT_EQ(*UnescapeSaslName("a=2Cb=3Dc"), "a,b=c");
  EXPECT_EQ(*UnescapeSaslName(EscapeSaslName("==,,")), "==,,");
  EXPECT_FALSE(UnescapeSaslName("a=").ok());
  EXPECT_FALSE(UnescapeSaslName("a=2").ok());
  EXPECT_FALSE(UnescapeSaslName("a,b").ok());
}

TEST(ScramMessagesTest, ValidNonces) {
  EXPECT_TRUE(IsValidNonce("%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"));
  EXPECT_FALSE(IsValidNonce(""));
  EXPECT_FALSE(IsValidNonce("a,b"));
  EXPECT_FALSE(IsValidNonce("a b"));
}

}  // namespace
}  // namespace warp::sasl
