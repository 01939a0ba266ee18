#include "server/membership.h"

#include "gtest/gtest.h"
#include "lib/base/manual_clock.h"

namespace warp::server {
namespace {

std::vector<std::string> Ids(const std::vector<AgentInfo>& agents) {
  std::vector<std::string> ids;
  for (const AgentInfo& a : agents) ids.push_back(a.id);
  return ids;
}

class MembershipTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto m = MetadataStore::Open("mem://");
    ASSERT_TRUE(m.ok());
    metadata_ = *std::move(m);
  }
  std::unique_ptr<Membership> Join(const std::string& id, std::vector<std::string> roles) {
    MembershipOptions options;
    options.metadata = metadata_.get();
    options.clock = &clock_;
    options.self = {id, id + ":9092", "z", std::move(roles), 0};
    options.renew_interval = absl::ZeroDuration();
    auto m = Membership::Start(options);
    EXPECT_TRUE(m.ok()) << m.status();
    return *std::move(m);
  }
  ManualClock clock_;
  std::unique_ptr<MetadataStore> metadata_;
};

TEST(RolesTest, Parse) {
  EXPECT_EQ(*ParseRoles("produce,fetch,jobs"),
            (std::vector<std::string>{"produce", "fetch", "jobs"}));
  EXPECT_EQ(*ParseRoles("jobs"), std::vector<std::string>{"jobs"});
  EXPECT_FALSE(ParseRoles("").ok());
  EXPECT_FALSE(ParseRoles("produce,produce").ok());
  EXPECT_FALSE(ParseRoles("produce,compute").ok());
}

TEST_F(MembershipTest, RegisterRenewExpireLeave) {
  auto a = Join("a", {"produce", "fetch", "jobs"});
  auto b = Join("b", {"jobs"});
  auto c = Join("c", {"fetch"});
  EXPECT_EQ(Ids(a->Live()), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(Ids(a->Live(kRoleJobs)), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Ids(b->LiveServingClients()), (std::vector<std::string>{"a", "c"}));

  // b stops renewing (killed): past its lease it is gone from every view at
  // once, and from the store at the next renewal of anyone.
  clock_.Advance(absl::Seconds(6));
  ASSERT_TRUE(a->Renew().ok());
  ASSERT_TRUE(c->Renew().ok());
  clock_.Advance(absl::Seconds(6));
  EXPECT_EQ(Ids(a->Live()), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(metadata_->LiveAgents().size(), 3u);
  ASSERT_TRUE(a->Renew().ok());
  EXPECT_EQ(Ids(metadata_->LiveAgents()), (std::vector<std::string>{"a", "c"}));

  // c leaves gracefully: gone at once, for itself too.
  ASSERT_TRUE(c->Leave().ok());
  EXPECT_EQ(Ids(a->Live()), std::vector<std::string>{"a"});
  EXPECT_EQ(Ids(c->Live()), std::vector<std::string>{"a"});
  EXPECT_EQ(Ids(metadata_->LiveAgents()), std::vector<std::string>{"a"});
  ASSERT_TRUE(c->Renew().ok());  // a left agent does not come back
  EXPECT_EQ(Ids(metadata_->LiveAgents()), std::vector<std::string>{"a"});
}

TEST_F(MembershipTest, SelfIsLiveBeforeItsRegistrationIsSeen) {
  auto a = Join("a", {"produce"});
  // Even with its own lease out (renewals failing), an agent counts itself.
  clock_.Advance(absl::Minutes(1));
  EXPECT_EQ(Ids(a->Live()), std::vector<std::string>{"a"});
}

TEST_F(MembershipTest, RenewsOnItsOwnThread) {
  MembershipOptions options;
  options.metadata = metadata_.get();
  options.self = {"t", "t:1", "", {"produce"}, 0};
  options.renew_interval = absl::Milliseconds(5);
  auto m = Membership::Start(options);
  ASSERT_TRUE(m.ok());
  int64_t first = metadata_->LiveAgents()[0].lease_expires_ms;
  while (metadata_->LiveAgents()[0].lease_expires_ms == first) {
    absl::SleepFor(absl::Milliseconds(5));
  }
}

}  // namespace
}  // namespace warp::server
