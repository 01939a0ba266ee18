// The group state machine driven directly, with time passed in: joins,
// syncs, leaders, protocol choice, timeouts, static membership, leaves.
#include "server/groups/group.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace warp::server::groups {
namespace {

using Slot = std::shared_ptr<std::optional<JoinResult>>;
using SyncSlot = std::shared_ptr<std::optional<SyncResult>>;

class GroupTest : public ::testing::Test {
 protected:
  static GroupConfig Config() {
    GroupConfig config;
    config.initial_rebalance_delay = absl::Milliseconds(100);
    return config;
  }

  // A join of a consumer with 10 s session and 30 s rebalance timeouts.
  static JoinRequest Req(std::string member_id,
                         std::vector<Protocol> protocols = {{"range", "meta"}}) {
    JoinRequest r;
    r.member_id = std::move(member_id);
    r.client_id = "client";
    r.session_timeout = absl::Seconds(10);
    r.rebalance_timeout = absl::Seconds(30);
    r.protocol_type = "consumer";
    r.protocols = std::move(protocols);
    return r;
  }

  static JoinRequest Static(std::string instance, std::string member_id = "") {
    JoinRequest r = Req(std::move(member_id));
    r.group_instance_id = std::move(instance);
    return r;
  }

  Slot Join(JoinRequest request) {
    auto slot = std::make_shared<std::optional<JoinResult>>();
    Outbox out;
    group_.Join(std::move(request), now_, [slot](JoinResult r) { *slot = std::move(r); }, out);
    Run(out);
    return slot;
  }

  SyncSlot Sync(const std::string& member_id, int32_t generation,
                std::vector<std::pair<std::string, std::string>> assignments = {},
                std::optional<std::string> instance = std::nullopt) {
    auto slot = std::make_shared<std::optional<SyncResult>>();
    SyncRequest request;
    request.member_id = member_id;
    request.generation_id = generation;
    request.group_instance_id = std::move(instance);
    request.assignments = std::move(assignments);
    Outbox out;
    group_.Sync(std::move(request), now_, [slot](SyncResult r) { *slot = std::move(r); }, out);
    Run(out);
    return slot;
  }

  ErrorCode Leave(MemberIdentity member) {
    Outbox out;
    ErrorCode error = group_.Leave(member, now_, out);
    Run(out);
    return error;
  }

  void Advance(absl::Duration d) {
    now_ += d;
    Outbox out;
    group_.Tick(now_, out);
    Run(out);
  }

  static void Run(Outbox& out) {
    for (auto& f : out) f();
  }

  // Three members joined within the initial delay and synced: returns their
  // ids (the first is the leader).
  std::vector<std::string> StableGroupOfThree() {
    std::vector<Slot> joins;
    for (int i = 0; i < 3; ++i) joins.push_back(Join(Req("")));
    Advance(absl::Milliseconds(100));
    std::vector<std::string> ids;
    for (const Slot& s : joins) ids.push_back((*s)->member_id);
    std::vector<SyncSlot> syncs;
    for (int i = 1; i < 3; ++i) syncs.push_back(Sync(ids[i], 1));
    syncs.push_back(Sync(ids[0], 1, {{ids[0], "a0"}, {ids[1], "a1"}, {ids[2], "a2"}}));
    EXPECT_EQ(group_.state(), GroupState::kStable);
    return ids;
  }

  int next_id_ = 0;
  absl::Time now_ = absl::FromUnixSeconds(1000000);
  Group group_{"g", Config(),
               [this](absl::string_view prefix) { return absl::StrCat(prefix, "-", ++next_id_); }};
};

TEST_F(GroupTest, ThreeMembersJoinAndSyncWithOneLeader) {
  Slot a = Join(Req(""));
  Slot b = Join(Req(""));
  Slot c = Join(Req(""));
  // The initial delay holds the first generation back.
  EXPECT_FALSE(a->has_value());
  EXPECT_EQ(group_.state(), GroupState::kPreparingRebalance);
  Advance(absl::Milliseconds(100));
  ASSERT_TRUE(a->has_value() && b->has_value() && c->has_value());
  EXPECT_EQ(group_.state(), GroupState::kCompletingRebalance);
  for (const Slot& s : {a, b, c}) {
    EXPECT_EQ((*s)->error, ErrorCode::kNone);
    EXPECT_EQ((*s)->generation_id, 1);
    EXPECT_EQ((*s)->protocol_name, "range");
    EXPECT_EQ((*s)->leader_id, (*a)->member_id);
  }
  EXPECT_EQ((*a)->member_id, "client-1");
  EXPECT_EQ((*a)->members.size(), 3u);  // the leader sees everyone
  EXPECT_TRUE((*b)->members.empty());
  EXPECT_EQ((*a)->members[1].metadata, "meta");

  SyncSlot sb = Sync((*b)->member_id, 1);
  SyncSlot sc = Sync((*c)->member_id, 1);
  EXPECT_FALSE(sb->has_value());  // waits for the leader
  SyncSlot sa = Sync((*a)->member_id, 1,
                     {{(*a)->member_id, "A"}, {(*b)->member_id, "B"}, {(*c)->member_id, "C"}});
  ASSERT_TRUE(sa->has_value() && sb->has_value() && sc->has_value());
  EXPECT_EQ((*sa)->assignment, "A");
  EXPECT_EQ((*sb)->assignment, "B");
  EXPECT_EQ((*sc)->assignment, "C");
  EXPECT_EQ((*sb)->protocol_name, "range");
  EXPECT_EQ(group_.state(), GroupState::kStable);
  // A later SyncGroup in Stable answers at once.
  EXPECT_EQ((*Sync((*c)->member_id, 1))->assignment, "C");
}

TEST_F(GroupTest, MemberIdRequiredRoundTrip) {
  JoinRequest first = Req("");
  first.require_known_member_id = true;
  Slot s = Join(first);
  ASSERT_TRUE(s->has_value());
  EXPECT_EQ((*s)->error, ErrorCode::kMemberIdRequired);
  EXPECT_EQ((*s)->member_id, "client-1");
  EXPECT_EQ(group_.member_count(), 0u);
  Slot again = Join(Req("client-1"));
  Advance(absl::Milliseconds(100));
  ASSERT_TRUE(again->has_value());
  EXPECT_EQ((*again)->error, ErrorCode::kNone);
  EXPECT_EQ((*again)->member_id, "client-1");
  EXPECT_EQ((*again)->leader_id, "client-1");
}

TEST_F(GroupTest, ProtocolChosenByVotesAmongCommonOnes) {
  Slot a = Join(Req("", {{"roundrobin", ""}, {"range", ""}, {"sticky", ""}}));
  Slot b = Join(Req("", {{"roundrobin", ""}, {"range", ""}}));
  Slot c = Join(Req("", {{"range", ""}, {"roundrobin", ""}}));
  Advance(absl::Milliseconds(100));
  EXPECT_EQ((*a)->protocol_name, "roundrobin");  // 2 votes to 1; sticky not common
  EXPECT_EQ((*c)->protocol_name, "roundrobin");
}

TEST_F(GroupTest, InconsistentProtocolsAreRefused) {
  Join(Req("", {{"range", ""}}));
  Advance(absl::Milliseconds(100));
  Slot other = Join(Req("", {{"cooperative-sticky", ""}}));
  ASSERT_TRUE(other->has_value());
  EXPECT_EQ((*other)->error, ErrorCode::kInconsistentGroupProtocol);
  JoinRequest wrong_type = Req("", {{"range", ""}});
  wrong_type.protocol_type = "connect";
  EXPECT_EQ((*Join(wrong_type))->error, ErrorCode::kInconsistentGroupProtocol);
  EXPECT_EQ((*Join(Req("", {})))->error, ErrorCode::kInconsistentGroupProtocol);
  EXPECT_EQ(group_.member_count(), 1u);
}

TEST_F(GroupTest, SessionTimeoutOutOfBounds) {
  JoinRequest r = Req("");
  r.session_timeout = absl::Seconds(1);
  EXPECT_EQ((*Join(r))->error, ErrorCode::kInvalidSessionTimeout);
}

TEST_F(GroupTest, SessionExpiryRemovesMemberAndRebalances) {
  std::vector<std::string> ids = StableGroupOfThree();
  for (int i = 0; i < 2; ++i) {
    Advance(absl::Seconds(4));
    EXPECT_EQ(group_.Heartbeat({ids[0], std::nullopt}, 1, now_), ErrorCode::kNone);
    EXPECT_EQ(group_.Heartbeat({ids[1], std::nullopt}, 1, now_), ErrorCode::kNone);
  }
  EXPECT_TRUE(group_.has_member(ids[2]));
  Advance(absl::Seconds(4));
  // ids[2] never heartbeated: gone after its 10 s session.
  EXPECT_FALSE(group_.has_member(ids[2]));
  EXPECT_EQ(group_.state(), GroupState::kPreparingRebalance);
  EXPECT_EQ(group_.Heartbeat({ids[0], std::nullopt}, 1, now_), ErrorCode::kRebalanceInProgress);
  Slot a = Join(Req(ids[0]));
  EXPECT_FALSE(a->has_value());  // ids[1] has not rejoined yet
  Slot b = Join(Req(ids[1]));
  ASSERT_TRUE(a->has_value() && b->has_value());
  EXPECT_EQ((*a)->generation_id, 2);
  EXPECT_EQ((*a)->members.size(), 2u);
}

TEST_F(GroupTest, RebalanceTimeoutDropsMembersThatDidNotRejoin) {
  std::vector<std::string> ids = StableGroupOfThree();
  Slot a = Join(Req(ids[0], {{"range", "changed"}}));  // the leader rejoins: rebalance
  EXPECT_EQ(group_.state(), GroupState::kPreparingRebalance);
  Slot b = Join(Req(ids[1]));
  // ids[2] keeps heartbeating but never rejoins.
  for (int i = 0; i < 5; ++i) {
    Advance(absl::Seconds(5));
    EXPECT_EQ(group_.Heartbeat({ids[2], std::nullopt}, 1, now_), ErrorCode::kRebalanceInProgress);
  }
  EXPECT_FALSE(a->has_value());
  Advance(absl::Seconds(5));  // 30 s: the rebalance timeout
  ASSERT_TRUE(a->has_value() && b->has_value());
  EXPECT_EQ((*a)->generation_id, 2);
  EXPECT_EQ((*a)->members.size(), 2u);
  EXPECT_FALSE(group_.has_member(ids[2]));
  EXPECT_EQ(group_.Heartbeat({ids[2], std::nullopt}, 2, now_), ErrorCode::kUnknownMemberId);
}

TEST_F(GroupTest, IllegalGenerationAndUnknownMember) {
  std::vector<std::string> ids = StableGroupOfThree();
  EXPECT_EQ(group_.Heartbeat({ids[1], std::nullopt}, 0, now_), ErrorCode::kIllegalGeneration);
  EXPECT_EQ(group_.Heartbeat({"nobody", std::nullopt}, 1, now_), ErrorCode::kUnknownMemberId);
  EXPECT_EQ((*Sync(ids[1], 7))->error, ErrorCode::kIllegalGeneration);
  EXPECT_EQ((*Sync("nobody", 1))->error, ErrorCode::kUnknownMemberId);
  EXPECT_EQ((*Join(Req("nobody")))->error, ErrorCode::kUnknownMemberId);
  EXPECT_EQ(group_.ValidateCommit({ids[1], std::nullopt}, 0, now_),
            ErrorCode::kIllegalGeneration);
  EXPECT_EQ(group_.ValidateCommit({"", std::nullopt}, -1, now_), ErrorCode::kUnknownMemberId);
  EXPECT_EQ(group_.ValidateCommit({ids[1], std::nullopt}, 1, now_), ErrorCode::kNone);
}

TEST_F(GroupTest, StaticMemberRejoinsWithoutRebalanceAndOldIdIsFenced) {
  Slot a = Join(Static("a"));
  Slot b = Join(Static("b"));
  Advance(absl::Milliseconds(100));
  std::string a_id = (*a)->member_id, b_id = (*b)->member_id;
  EXPECT_EQ(a_id, "a-1");
  Sync(b_id, 1, {}, "b");
  Sync(a_id, 1, {{a_id, "A"}, {b_id, "B"}}, "a");
  ASSERT_EQ(group_.state(), GroupState::kStable);

  // b restarts: same instance id, no member id, same protocols.
  Slot again = Join(Static("b"));
  ASSERT_TRUE(again->has_value());
  EXPECT_EQ((*again)->error, ErrorCode::kNone);
  EXPECT_EQ((*again)->generation_id, 1);
  std::string new_b = (*again)->member_id;
  EXPECT_NE(new_b, b_id);
  EXPECT_EQ(group_.state(), GroupState::kStable);  // no rebalance
  EXPECT_EQ((*Sync(new_b, 1, {}, "b"))->assignment, "B");
  // The old member id is fenced.
  EXPECT_EQ(group_.Heartbeat({b_id, "b"}, 1, now_), ErrorCode::kFencedInstanceId);
  EXPECT_EQ((*Sync(b_id, 1, {}, "b"))->error, ErrorCode::kFencedInstanceId);
  EXPECT_EQ(group_.Heartbeat({new_b, "b"}, 1, now_), ErrorCode::kNone);

  // The static leader rejoining before v9 is told the old leader id.
  Slot leader = Join(Static("a"));
  EXPECT_EQ((*leader)->leader_id, a_id);
  EXPECT_NE((*leader)->member_id, a_id);
  EXPECT_EQ(group_.state(), GroupState::kStable);
  // v9: the leader gets skip_assignment and the members.
  JoinRequest v9 = Static("a");
  v9.supports_skip_assignment = true;
  Slot leader9 = Join(v9);
  EXPECT_TRUE((*leader9)->skip_assignment);
  EXPECT_EQ((*leader9)->leader_id, (*leader9)->member_id);
  EXPECT_EQ((*leader9)->members.size(), 2u);

  // Changed protocols: a rebalance.
  JoinRequest changed = Static("b");
  changed.protocols = {{"range", "new-subscription"}};
  Join(changed);
  EXPECT_EQ(group_.state(), GroupState::kPreparingRebalance);
}

TEST_F(GroupTest, LeaveGroupBatchedByMemberAndInstanceId) {
  Slot a = Join(Req(""));
  Slot b = Join(Req(""));
  Slot c = Join(Static("c"));
  Advance(absl::Milliseconds(100));
  std::string b_id = (*b)->member_id, c_id = (*c)->member_id;
  EXPECT_EQ(Leave({b_id, std::nullopt}), ErrorCode::kNone);
  EXPECT_EQ(Leave({"", std::string("c")}), ErrorCode::kNone);  // admin, by instance id
  EXPECT_EQ(Leave({"nobody", std::nullopt}), ErrorCode::kUnknownMemberId);
  EXPECT_EQ(Leave({"", std::string("zz")}), ErrorCode::kUnknownMemberId);
  EXPECT_FALSE(group_.has_member(b_id));
  EXPECT_FALSE(group_.has_member(c_id));
  EXPECT_EQ(group_.state(), GroupState::kPreparingRebalance);
  Slot a2 = Join(Req((*a)->member_id));
  ASSERT_TRUE(a2->has_value());
  EXPECT_EQ((*a2)->generation_id, 2);
  // The last member leaving empties the group.
  Sync((*a)->member_id, 2, {});
  EXPECT_EQ(Leave({(*a)->member_id, std::nullopt}), ErrorCode::kNone);
  EXPECT_EQ(group_.state(), GroupState::kEmpty);
  EXPECT_EQ(group_.generation_id(), 3);
}

TEST_F(GroupTest, StaticLeaveWithWrongMemberIdIsFenced) {
  Slot c = Join(Static("c"));
  Advance(absl::Milliseconds(100));
  EXPECT_EQ(Leave({"other", std::string("c")}), ErrorCode::kFencedInstanceId);
  EXPECT_TRUE(group_.has_member((*c)->member_id));
}

TEST_F(GroupTest, MembersThatNeverSyncAreRemoved) {
  Slot a = Join(Req(""));
  Slot b = Join(Req(""));
  Advance(absl::Milliseconds(100));
  Sync((*a)->member_id, 1, {{(*a)->member_id, "A"}});
  EXPECT_EQ(group_.state(), GroupState::kStable);
  for (int i = 0; i < 6; ++i) {
    Advance(absl::Seconds(5));
    group_.Heartbeat({(*a)->member_id, std::nullopt}, group_.generation_id(), now_);
    group_.Heartbeat({(*b)->member_id, std::nullopt}, group_.generation_id(), now_);
  }
  EXPECT_FALSE(group_.has_member((*b)->member_id));
}

TEST_F(GroupTest, CommitsDuringCompletingRebalanceAreRefused) {
  Slot a = Join(Req(""));
  Advance(absl::Milliseconds(100));
  EXPECT_EQ(group_.ValidateCommit({(*a)->member_id, std::nullopt}, 1, now_),
            ErrorCode::kRebalanceInProgress);
  EXPECT_EQ(group_.Heartbeat({(*a)->member_id, std::nullopt}, 1, now_), ErrorCode::kNone);
}

TEST_F(GroupTest, InitialDelayExtendsWithNewMembersUpToRebalanceTimeout) {
  Slot a = Join(Req(""));
  Advance(absl::Milliseconds(60));
  Join(Req(""));
  Advance(absl::Milliseconds(60));  // 120 ms: extended to 160 ms
  EXPECT_FALSE(a->has_value());
  Advance(absl::Milliseconds(40));
  ASSERT_TRUE(a->has_value());
  EXPECT_EQ((*a)->members.size(), 2u);
}

TEST_F(GroupTest, DeadGroupAnswersWaitersAndRequests) {
  Slot a = Join(Req(""));
  Outbox out;
  group_.MarkDead(out);
  Run(out);
  ASSERT_TRUE(a->has_value());
  EXPECT_EQ((*a)->error, ErrorCode::kCoordinatorNotAvailable);
  EXPECT_EQ((*Join(Req("")))->error, ErrorCode::kCoordinatorNotAvailable);
}

TEST(RandomMemberIdTest, IsPrefixDashUuid) {
  std::string id = RandomMemberId("rdkafka");
  ASSERT_EQ(id.size(), std::string("rdkafka-").size() + 36);
  EXPECT_EQ(id.substr(0, 8), "rdkafka-");
  EXPECT_EQ(id[8 + 14], '4');  // version 4
  EXPECT_NE(RandomMemberId("x"), RandomMemberId("x"));
}

}  // namespace
}  // namespace warp::server::groups
