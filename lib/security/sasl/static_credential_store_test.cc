#include "lib/security/sasl/static_credential_store.h"

#include "gtest/gtest.h"

namespace warp::sasl {
namespace {

TEST(StaticCredentialStoreTest, ServesPlainAndScram) {
  absl::StatusOr<std::unique_ptr<StaticCredentialStore>> store =
      StaticCredentialStore::Create({{"alice", "pw1"}, {"bob", "pw2"}});
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->size(), 2u);
  EXPECT_TRUE((*store)->CheckPlain("alice", "pw1"));
  EXPECT_FALSE((*store)->CheckPlain("alice", "pw2"));
  EXPECT_FALSE((*store)->CheckPlain("alice", "pw1 "));
  EXPECT_FALSE((*store)->CheckPlain("carol", "pw1"));
  EXPECT_FALSE((*store)->CheckPlain("", ""));

  for (ScramMechanism mechanism :
       {ScramMechanism::kSha256, ScramMechanism::kSha512}) {
    std::optional<ScramCredential> alice =
        (*store)->FindScram(mechanism, "alice");
    std::optional<ScramCredential> bob = (*store)->FindScram(mechanism, "bob");
    ASSERT_TRUE(alice && bob);
    EXPECT_EQ(alice->mechanism, mechanism);
    EXPECT_EQ(alice->iterations, 4096);
    EXPECT_EQ(alice->salt.size(), kDefaultSaltBytes);
    EXPECT_NE(alice->salt, bob->salt);
    EXPECT_TRUE(VerifyScramPassword(*alice, "pw1"));
    EXPECT_TRUE(VerifyScramPassword(*bob, "pw2"));
    // Derived once: the same credential each time.
    EXPECT_EQ(*(*store)->FindScram(mechanism, "alice"), *alice);
    EXPECT_FALSE((*store)->FindScram(mechanism, "carol"));
  }
}

TEST(StaticCredentialStoreTest, RefusesBadUsers) {
  EXPECT_EQ(
      StaticCredentialStore::Create({{"a", "x"}, {"a", "y"}}).status().code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(StaticCredentialStore::Create({{"a", ""}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  StaticCredentialStore::Options options;
  options.scram_iterations = 1000;
  EXPECT_EQ(
      StaticCredentialStore::Create({{"a", "x"}}, options).status().code(),
      absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace warp::sasl
