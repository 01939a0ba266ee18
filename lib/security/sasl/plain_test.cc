#include "lib/security/sasl/plain.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "lib/security/sasl/testing/map_credential_store.h"

namespace warp::sasl {
namespace {

using std::string_literals::operator""s;

TEST(PlainTest, ParsesTokens) {
  absl::StatusOr<PlainToken> token = ParsePlainToken("\0alice\0pw"s);
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(token->authzid, "");
  EXPECT_EQ(token->authcid, "alice");
  EXPECT_EQ(token->password, "pw");

  token = ParsePlainToken("alice\0alice\0p w:\xff"s);
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(token->authzid, "alice");
  EXPECT_EQ(token->password, "p w:\xff");
}

TEST(PlainTest, RefusesMalformedTokens) {
  const std::string bad[] = {
      ""s,
      "alice"s,
      "\0alice"s,         // one NUL
      "\0alice\0pw\0"s,   // three NULs
      "\0\0pw"s,          // no user
      "\0alice\0"s,       // no password
      "bob\0alice\0pw"s,  // authzid differs
      "\0ali\xc3\0pw"s,   // user not UTF-8
      "\xc3\0ali\0pw"s,   // authzid not UTF-8
  };
  for (const std::string& token : bad) {
    absl::StatusOr<PlainToken> parsed = ParsePlainToken(token);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument)
        << absl::CHexEscape(token);
  }
  absl::StatusOr<PlainToken> parsed = ParsePlainToken("bob\0alice\0hunter2"s);
  EXPECT_FALSE(absl::StrContains(parsed.status().message(), "hunter2"));
}

TEST(PlainTest, AuthenticatesAgainstTheStore) {
  testing::MapCredentialStore store;
  store.AddPlain("alice", "pw");
  absl::StatusOr<std::string> user = AuthenticatePlain("\0alice\0pw"s, store);
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_EQ(*user, "alice");
  EXPECT_TRUE(AuthenticatePlain("alice\0alice\0pw"s, store).ok());

  absl::StatusOr<std::string> wrong = AuthenticatePlain("\0alice\0px"s, store);
  absl::StatusOr<std::string> unknown =
      AuthenticatePlain("\0carol\0pw"s, store);
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kUnauthenticated);
  // The same answer for an unknown user as for a wrong password.
  EXPECT_EQ(wrong.status(), unknown.status());
  EXPECT_EQ(AuthenticatePlain("\0alice"s, store).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace warp::sasl
