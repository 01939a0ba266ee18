#include "lib/security/sasl/authenticator.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "lib/security/sasl/static_credential_store.h"
#include "lib/security/sasl/scram_client.h"
#include "lib/security/sasl/users_file.h"

namespace warp::sasl {
namespace {

using std::string_literals::operator""s;

class SaslAuthenticatorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::vector<StaticUser>> users = ParseUsersFile(
        "# test users\nalice:alice-secret\nbob,=x:pw:with:colons\n");
    ASSERT_TRUE(users.ok()) << users.status();
    store_ = StaticCredentialStore::Create(*users)->release();
  }

  std::unique_ptr<SaslAuthenticatorFactory> Factory(
      SaslAuthenticatorFactory::Options options = {}) {
    options.store = store_;
    absl::StatusOr<std::unique_ptr<SaslAuthenticatorFactory>> factory =
        SaslAuthenticatorFactory::Create(std::move(options));
    EXPECT_TRUE(factory.ok()) << factory.status();
    return factory.ok() ? *std::move(factory) : nullptr;
  }

  static StaticCredentialStore* store_;
};

StaticCredentialStore* SaslAuthenticatorTest::store_ = nullptr;

TEST_F(SaslAuthenticatorTest, ListsAndRefusesMechanisms) {
  auto factory = Factory();
  EXPECT_EQ(
      factory->mechanisms(),
      (std::vector<std::string>{"SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"}));
  auto auth = factory->NewAuthenticator("GSSAPI");
  EXPECT_EQ(auth.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_TRUE(absl::StrContains(
      auth.status().message(), "enabled: SCRAM-SHA-512, SCRAM-SHA-256, PLAIN"));
  EXPECT_FALSE(factory->NewAuthenticator("plain").ok());  // case-sensitive

  SaslAuthenticatorFactory::Options options;
  options.mechanisms = {"PLAIN"};
  auto plain_only = Factory(options);
  EXPECT_FALSE(plain_only->NewAuthenticator("SCRAM-SHA-256").ok());
  EXPECT_TRUE(plain_only->NewAuthenticator("PLAIN").ok());
}

TEST_F(SaslAuthenticatorTest, CreateRefusesBadOptions) {
  SaslAuthenticatorFactory::Options options;
  EXPECT_EQ(SaslAuthenticatorFactory::Create(options).status().code(),
            absl::StatusCode::kInvalidArgument);  // no store
  options.store = store_;
  options.mechanisms = {};
  EXPECT_FALSE(SaslAuthenticatorFactory::Create(options).ok());
  options.mechanisms = {"PLAIN", "PLAIN"};
  EXPECT_FALSE(SaslAuthenticatorFactory::Create(options).ok());
  options.mechanisms = {"SCRAM-SHA-1"};
  EXPECT_FALSE(SaslAuthenticatorFactory::Create(options).ok());
}

TEST_F(SaslAuthenticatorTest, PlainSucceedsWithThePrincipal) {
  auto auth = Factory()->NewAuthenticator("PLAIN");
  ASSERT_TRUE(auth.ok());
  EXPECT_EQ((*auth)->mechanism(), "PLAIN");
  absl::StatusOr<std::string> token = (*auth)->Step("\0alice\0alice-secret"s);
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(*token, "");
  EXPECT_TRUE((*auth)->succeeded());
  EXPECT_EQ((*auth)->principal(), "User:alice");
  EXPECT_EQ((*auth)->user(), "alice");
  EXPECT_EQ((*auth)->Step("\0alice\0alice-secret"s).status().code(),
            absl::StatusCode::kFailedPrecondition);

  auth = Factory()->NewAuthenticator("PLAIN");
  ASSERT_TRUE((*auth)->Step("bob,=x\0bob,=x\0pw:with:colons"s).ok());
  EXPECT_EQ((*auth)->principal(), "User:bob,=x");
}

TEST_F(SaslAuthenticatorTest, PlainFailures) {
  auto factory = Factory();
  const std::pair<std::string, absl::StatusCode> cases[] = {
      {"\0alice\0wrong"s, absl::StatusCode::kUnauthenticated},
      {"\0carol\0alice-secret"s, absl::StatusCode::kUnauthenticated},
      {"bob\0alice\0alice-secret"s, absl::StatusCode::kInvalidArgument},
      {"alice-secret"s, absl::StatusCode::kInvalidArgument},
      {std::string(kMaxSaslTokenBytes + 1, 'a'),
       absl::StatusCode::kInvalidArgument},
  };
  for (const auto& [token, code] : cases) {
    auto auth = factory->NewAuthenticator("PLAIN");
    EXPECT_EQ((*auth)->Step(token).status().code(), code);
    EXPECT_TRUE((*auth)->failed());
    EXPECT_FALSE((*auth)->succeeded());
    EXPECT_EQ((*auth)->principal(), "");
    EXPECT_EQ((*auth)->failure_token(), "");
    EXPECT_EQ((*auth)->Step("\0alice\0alice-secret"s).status().code(),
              absl::StatusCode::kFailedPrecondition);
  }
}

TEST_F(SaslAuthenticatorTest, ScramBothMechanismsFromTheUsersFile) {
  auto factory = Factory();
  for (ScramMechanism mechanism :
       {ScramMechanism::kSha256, ScramMechanism::kSha512}) {
    auto auth = factory->NewAuthenticator(ScramMechanismName(mechanism));
    ASSERT_TRUE(auth.ok());
    ScramClient client(mechanism, "bob,=x", "nonce123");
    absl::StatusOr<std::string> server_first =
        (*auth)->Step(client.ClientFirst());
    ASSERT_TRUE(server_first.ok()) << server_first.status();
    EXPECT_FALSE((*auth)->succeeded());
    ASSERT_TRUE(client.ReadServerFirst(*server_first).ok());
    absl::StatusOr<std::string> server_final =
        (*auth)->Step(client.ClientFinal("pw:with:colons"));
    ASSERT_TRUE(server_final.ok()) << server_final.status();
    EXPECT_TRUE(client.CheckServerFinal(*server_final).ok());
    EXPECT_TRUE((*auth)->succeeded());
    EXPECT_EQ((*auth)->principal(), "User:bob,=x");
  }
}

TEST_F(SaslAuthenticatorTest, ScramWrongPasswordAndUnknownUser) {
  auto factory = Factory();
  std::string statuses[2];
  const char* users[2] = {"alice", "mallory"};
  for (int i = 0; i < 2; ++i) {
    auto auth = factory->NewAuthenticator("SCRAM-SHA-256");
    ScramClient client(ScramMechanism::kSha256, users[i], "n0nce");
    absl::StatusOr<std::string> server_first =
        (*auth)->Step(client.ClientFirst());
    ASSERT_TRUE(server_first.ok());
    ASSERT_TRUE(client.ReadServerFirst(*server_first).ok());
    EXPECT_EQ(client.iterations(), 4096);
    EXPECT_EQ(client.salt().size(), kDefaultSaltBytes);
    absl::StatusOr<std::string> result =
        (*auth)->Step(client.ClientFinal("guess"));
    EXPECT_EQ(result.status().code(), absl::StatusCode::kUnauthenticated);
    EXPECT_TRUE((*auth)->failed());
    EXPECT_EQ((*auth)->failure_token(), "e=invalid-proof");
    statuses[i] = result.status().ToString();
  }
  EXPECT_EQ(statuses[0], statuses[1]);
}

TEST_F(SaslAuthenticatorTest, UnknownUserSecretIsPerFactory) {
  // Two processes (factories with their own secrets) show different fake
  // salts; one factory always shows the same.
  auto a = Factory(), b = Factory();
  auto first = [](SaslAuthenticatorFactory& factory) {
    auto auth = factory.NewAuthenticator("SCRAM-SHA-512");
    absl::StatusOr<std::string> server_first =
        (*auth)->Step("n,,n=mallory,r=abc");
    EXPECT_TRUE(server_first.ok());
    return server_first->substr(server_first->find(",s="));
  };
  EXPECT_EQ(first(*a), first(*a));
  EXPECT_NE(first(*a), first(*b));
}

TEST_F(SaslAuthenticatorTest, OversizedScramTokenFails) {
  auto auth = Factory()->NewAuthenticator("SCRAM-SHA-256");
  std::string token = "n,,n=alice,r=" + std::string(kMaxSaslTokenBytes, 'x');
  EXPECT_EQ((*auth)->Step(token).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE((*auth)->failed());
}

}  // namespace
}  // namespace warp::sasl
