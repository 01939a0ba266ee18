#include "server/membership.h"

#include "gtest/gtest.h"
#include "lib/base/manual_clock.h"
#include "lib/metadata/forwarding_metadata_store.h"

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
  // `id` with `roles`, through `journal` (default: the store itself).
  std::unique_ptr<Membership> Join(const std::string& id, std::vector<std::string> roles,
                                   MetadataStore* journal = nullptr) {
    MembershipOptions options;
    options.metadata = journal != nullptr ? journal : metadata_.get();
    options.clock = &clock_;
    options.self = {id, id + ":9092", "z", std::move(roles), 0};
    options.renew_interval = absl::ZeroDuration();
    auto m = Membership::Start(options);
    EXPECT_TRUE(m.ok()) << m.status();
    return *std::move(m);
  }
  // Renewals of a and b every 2 s for more than a lease: a healthy journal.
  static void RenewForALease(ManualClock& clock, Membership& a, Membership& b) {
    for (int i = 0; i < 6; ++i) {
      clock.Advance(absl::Seconds(2));
      ASSERT_TRUE(a.Renew().ok());
      ASSERT_TRUE(b.Renew().ok());
    }
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
  // Clients are given agents with every client role of the agent asked (a
  // jobs-only agent: both).
  EXPECT_EQ(Ids(b->LiveServingClients()), std::vector<std::string>{"a"});
  EXPECT_EQ(Ids(c->LiveServingClients()), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(Ids(a->LiveServingClients()), std::vector<std::string>{"a"});
  auto d = Join("d", {"produce"});
  EXPECT_EQ(Ids(d->LiveServingClients()), (std::vector<std::string>{"a", "d"}));
  ASSERT_TRUE(d->Leave().ok());

  // b stops renewing (killed): past its lease it is gone from every view at
  // once, and from the store at the next renewal of anyone.
  clock_.Advance(absl::Seconds(6));
  ASSERT_TRUE(a->Renew().ok());
  ASSERT_TRUE(c->Renew().ok());
  clock_.Advance(absl::Seconds(5));
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

// A journal whose commits can be switched off (etcd down).
class SwitchableJournal final : public metadata::ForwardingMetadataStore {
 public:
  SwitchableJournal(MetadataStore* base, ManualClock* clock)
      : ForwardingMetadataStore(base), clock_(clock) {}
  absl::StatusOr<CommandResult> Execute(Command c) override {
    if (down) return absl::UnavailableError("journal down");
    clock_->Advance(slow);  // a stalled journal: commits take this long
    return base()->Execute(std::move(c));
  }
  bool down = false;
  absl::Duration slow = absl::ZeroDuration();

 private:
  ManualClock* const clock_;
};

TEST_F(MembershipTest, AJournalOutageFreezesTheLiveSet) {
  SwitchableJournal journal(metadata_.get(), &clock_);
  auto a = Join("a", {"produce", "fetch"}, &journal);
  auto b = Join("b", {"produce", "fetch"}, &journal);
  RenewForALease(clock_, *a, *b);
  // The journal goes away for a minute: renewals fail, leases run out on
  // the clock, and still nobody is dropped or expired.
  journal.down = true;
  for (int i = 0; i < 30; ++i) {
    clock_.Advance(absl::Seconds(2));
    EXPECT_FALSE(a->Renew().ok());
    EXPECT_EQ(Ids(a->Live()), (std::vector<std::string>{"a", "b"}));
  }
  // Back: the first renewal expires nobody (b had no chance to renew yet).
  journal.down = false;
  ASSERT_TRUE(a->Renew().ok());
  EXPECT_EQ(Ids(metadata_->LiveAgents()), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Ids(a->Live()), (std::vector<std::string>{"a", "b"}));
  // b really died during the outage: it is dropped one lease later.
  for (int i = 0; i < 6; ++i) {
    clock_.Advance(absl::Seconds(2));
    ASSERT_TRUE(a->Renew().ok());
  }
  EXPECT_EQ(Ids(a->Live()), std::vector<std::string>{"a"});
  EXPECT_EQ(Ids(metadata_->LiveAgents()), std::vector<std::string>{"a"});
}

TEST_F(MembershipTest, AStallThatSlowsRenewalsExpiresNobody) {
  SwitchableJournal journal(metadata_.get(), &clock_);
  auto a = Join("a", {"produce", "fetch"}, &journal);
  auto b = Join("b", {"produce", "fetch"}, &journal);
  RenewForALease(clock_, *a, *b);
  // Commits take 8 s: b's renewal lands with 2 s of its lease left, a's
  // lands after b's lease ran out. Nobody is dropped: it was a stall.
  journal.slow = absl::Seconds(8);
  ASSERT_TRUE(b->Renew().ok());
  ASSERT_TRUE(a->Renew().ok());
  // The stall is over: a's next renewal is quick, b's lease has run out on
  // the clock, and b has had no chance to renew since.
  journal.slow = absl::ZeroDuration();
  ASSERT_TRUE(a->Renew().ok());
  EXPECT_EQ(Ids(a->Live()), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Ids(metadata_->LiveAgents()), (std::vector<std::string>{"a", "b"}));
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
