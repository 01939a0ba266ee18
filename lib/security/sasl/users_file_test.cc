#include "lib/security/sasl/users_file.h"

#include <cstdio>
#include <fstream>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace warp::sasl {
namespace {

TEST(UsersFileTest, ParsesNamesPasswordsCommentsAndBlankLines) {
  absl::StatusOr<std::vector<StaticUser>> users = ParseUsersFile(
      "# warp users\n"
      "\n"
      "alice:s3cret\r\n"
      "   # indented comment\n"
      " \t \n"
      "bob:pa:ss word \n"
      "caf\xC3\xA9,=x:#not-a-comment\n");
  ASSERT_TRUE(users.ok()) << users.status();
  EXPECT_EQ(*users, (std::vector<StaticUser>{
                        {"alice", "s3cret"},
                        {"bob", "pa:ss word "},
                        {"caf\xC3\xA9,=x", "#not-a-comment"},
                    }));
}

TEST(UsersFileTest, EmptyFileHasNoUsers) {
  EXPECT_TRUE(ParseUsersFile("")->empty());
  EXPECT_TRUE(ParseUsersFile("# only\n\n")->empty());
}

void ExpectError(absl::string_view text, absl::string_view expected) {
  absl::StatusOr<std::vector<StaticUser>> users = ParseUsersFile(text);
  ASSERT_FALSE(users.ok()) << text;
  EXPECT_EQ(users.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(users.status().message(), expected))
      << users.status().message() << " lacks " << expected;
}

TEST(UsersFileTest, MalformedLinesAreNamed) {
  ExpectError("alice:pw\nbob\n", "users file line 2: expected NAME:PASSWORD");
  ExpectError(":pw\n", "line 1: empty user name");
  ExpectError("# c\nalice:\n", "line 2: empty password");
  ExpectError(" alice:pw\n", "line 1: user name contains a space or tab");
  ExpectError("al\tice:pw\n", "line 1: user name contains a space or tab");
  ExpectError("al\x01ice:pw\n", "line 1: user name contains a control");
  ExpectError("a\xC3:pw\n", "line 1: user name is not valid UTF-8");
  ExpectError(std::string(256, 'a') + ":pw\n", "line 1: user name of 256");
  ExpectError("alice:p\tw\n", "line 1: password contains a control");
  ExpectError("alice:pw\r\r\n", "line 1: password contains a control");
  ExpectError("alice:a\nbob:b\nalice:c\n",
              "line 3: user \"alice\" already defined on line 1");
}

TEST(UsersFileTest, ErrorsNeverShowPasswords) {
  absl::StatusOr<std::vector<StaticUser>> users =
      ParseUsersFile("alice:topsecret\x7f\n");
  ASSERT_FALSE(users.ok());
  EXPECT_FALSE(absl::StrContains(users.status().message(), "topsecret"));
}

TEST(UsersFileTest, LoadsFilesAndNamesThePath) {
  const std::string path =
      std::string(std::getenv("TEST_TMPDIR")) + "/users.txt";
  {
    std::ofstream out(path);
    out << "alice:pw\nbad\n";
  }
  absl::StatusOr<std::vector<StaticUser>> users = LoadUsersFile(path);
  ASSERT_FALSE(users.ok());
  EXPECT_TRUE(
      absl::StrContains(users.status().message(), path + ": users file line 2"))
      << users.status();
  {
    std::ofstream out(path);
    out << "alice:pw\n";
  }
  users = LoadUsersFile(path);
  ASSERT_TRUE(users.ok()) << users.status();
  EXPECT_EQ(users->size(), 1u);
  EXPECT_EQ(LoadUsersFile(path + ".missing").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace warp::sasl
