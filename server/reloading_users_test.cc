// The users file read again: new users log in, removed ones no longer do,
// and a broken file keeps the users in use.
#include "server/reloading_users.h"

#include <fstream>

#include "gtest/gtest.h"

namespace warp::server {
namespace {

TEST(ReloadingUsersTest, ReloadSwapsUsersAndKeepsThemOnAnError) {
  std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/users";
  std::ofstream(path) << "alice:one\n";
  auto users = ReloadingUsers::Open(path);
  ASSERT_TRUE(users.ok()) << users.status();
  EXPECT_TRUE((*users)->CheckPlain("alice", "one"));
  EXPECT_FALSE((*users)->CheckPlain("bob", "two"));
  EXPECT_TRUE((*users)->FindScram(sasl::ScramMechanism::kSha256, "alice").has_value());

  std::ofstream(path) << "bob:two\n";
  ASSERT_EQ(*(*users)->Reload(), 1u);
  EXPECT_FALSE((*users)->CheckPlain("alice", "one"));
  EXPECT_TRUE((*users)->CheckPlain("bob", "two"));
  EXPECT_FALSE((*users)->FindScram(sasl::ScramMechanism::kSha512, "alice").has_value());

  std::ofstream(path) << "no colon here\n";
  absl::StatusOr<size_t> broken = (*users)->Reload();
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.status().message().find("line 1"), std::string::npos) << broken.status();
  EXPECT_TRUE((*users)->CheckPlain("bob", "two"));
  EXPECT_FALSE(ReloadingUsers::Open(path + ".missing").ok());
}

}  // namespace
}  // namespace warp::server
