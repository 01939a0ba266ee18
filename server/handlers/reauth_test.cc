// SASL re-authentication (KIP-368, --sasl_reauth_ms) through the handlers
// and the dispatcher's gate: the lifetime told to the client, a second
// handshake on a logged-in session, the principal that may not change, and a
// session past its lifetime that may only re-authenticate.
#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "lib/protocol/messages/errors.h"
#include "lib/security/sasl/static_credential_store.h"
#include "server/dispatcher.h"
#include "server/handler.h"
#include "server/testing/handler_harness.h"

namespace warp::server {
namespace {

using namespace kafka;  // NOLINT: the protocol's names

class ReauthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto users = sasl::StaticCredentialStore::Create({{"alice", "a-pw"}, {"bob", "b-pw"}});
    ASSERT_TRUE(users.ok()) << users.status();
    users_ = *std::move(users);
    AgentConfig config = testing::MemAgentConfig();
    config.sasl_mechanisms = {"PLAIN"};
    config.sasl_static_users = users_.get();
    config.sasl_reauth = absl::Milliseconds(300);
    auto agent = testing::OpenMemAgent(config);
    ASSERT_TRUE(agent.ok()) << agent.status();
    agent_ = *std::move(agent);
    session_ = std::make_shared<Session>(/*sasl_required=*/true);
  }

  // A PLAIN login as `user` (handshake v1, authenticate v2).
  SaslAuthenticateResponse Login(const std::string& user, const std::string& password,
                                 int16_t* handshake_error = nullptr) {
    testing::Caller caller;
    caller.session = session_.get();
    SaslHandshakeRequest hs;
    hs.mechanism = "PLAIN";
    auto shaken = testing::CallHandler<SaslHandshakeResponse>(agent_.get(), hs, 1, caller);
    if (handshake_error != nullptr) *handshake_error = shaken.error_code;
    if (shaken.error_code != 0) return SaslAuthenticateResponse();
    SaslAuthenticateRequest auth;
    auth.auth_bytes = std::string("\0", 1) + user + std::string("\0", 1) + password;
    return testing::CallHandler<SaslAuthenticateResponse>(agent_.get(), auth, 2, caller);
  }

  std::unique_ptr<sasl::StaticCredentialStore> users_;
  std::unique_ptr<Agent> agent_;
  std::shared_ptr<Session> session_;
};

TEST_F(ReauthTest, LifetimeIsToldAndTheSameUserRenewsIt) {
  SaslAuthenticateResponse first = Login("alice", "a-pw");
  ASSERT_EQ(first.error_code, 0);
  EXPECT_EQ(first.session_lifetime_ms, 300);
  EXPECT_EQ(session_->principal(), "User:alice");
  absl::SleepFor(absl::Milliseconds(350));
  EXPECT_TRUE(session_->session_expired(absl::Now()));
  // Re-authentication on the same session renews it.
  SaslAuthenticateResponse again = Login("alice", "a-pw");
  ASSERT_EQ(again.error_code, 0);
  EXPECT_EQ(again.session_lifetime_ms, 300);
  EXPECT_FALSE(session_->session_expired(absl::Now()));
  EXPECT_TRUE(session_->authenticated());
}

TEST_F(ReauthTest, ThePrincipalCannotChange) {
  ASSERT_EQ(Login("alice", "a-pw").error_code, 0);
  SaslAuthenticateResponse other = Login("bob", "b-pw");
  EXPECT_EQ(other.error_code, ToInt16(ErrorCode::kSaslAuthenticationFailed));
  EXPECT_FALSE(session_->authenticated());
}

TEST_F(ReauthTest, AWrongPasswordOnReauthenticationEndsTheLogin) {
  ASSERT_EQ(Login("alice", "a-pw").error_code, 0);
  EXPECT_EQ(Login("alice", "nope").error_code, ToInt16(ErrorCode::kSaslAuthenticationFailed));
  EXPECT_FALSE(session_->authenticated());
}

TEST_F(ReauthTest, WithoutReauthASecondHandshakeIsIllegal) {
  AgentConfig config = testing::MemAgentConfig();
  config.sasl_mechanisms = {"PLAIN"};
  config.sasl_static_users = users_.get();
  auto agent = testing::OpenMemAgent(config);
  ASSERT_TRUE(agent.ok());
  agent_ = *std::move(agent);
  SaslAuthenticateResponse first = Login("alice", "a-pw");
  ASSERT_EQ(first.error_code, 0);
  EXPECT_EQ(first.session_lifetime_ms, 0);
  int16_t error = 0;
  Login("alice", "a-pw", &error);
  EXPECT_EQ(error, ToInt16(ErrorCode::kIllegalSaslState));
  EXPECT_FALSE(session_->session_expired(absl::Now() + absl::Hours(24 * 365)));
}

}  // namespace
}  // namespace warp::server
