// The coordinator over a mem:// MetadataStore with a fake clock: offsets
// (commit checks, fetch, delete, expiry), group administration, placement
// and lag metrics.
#include "server/groups/coordinator.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/metadata/forwarding_metadata_store.h"
#include "lib/protocol/wire/writer.h"
#include "server/groups/group_lag.h"

namespace warp::server::groups {
namespace {

class FakeClock final : public Clock {
 public:
  absl::Time Now() override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void SleepFor(absl::Duration d) override { Advance(d); }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }

 private:
  absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_) = absl::FromUnixSeconds(1700000000);
};

// A consumer-protocol subscription (v0) to `topics`.
std::string Subscription(const std::vector<std::string>& topics) {
  kafka::Writer w;
  w.WriteInt16(0);
  w.WriteInt32(static_cast<int32_t>(topics.size()));
  for (const std::string& t : topics) w.WriteString(t);
  w.WriteNullableBytes(std::nullopt);
  return w.Release();
}

class CoordinatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto metadata = MetadataStore::Open("mem://");
    ASSERT_TRUE(metadata.ok()) << metadata.status();
    metadata_ = *std::move(metadata);
    for (const char* topic : {"t", "u"}) {
      auto created = metadata_->Execute(CreateTopic{topic, {1, 2}, 2, {}});
      ASSERT_TRUE(created.ok() && created->ok());
    }
    Open(nullptr);
  }

  void Open(CoordinatorPlacement* placement) {
    coordinator_.reset();
    CoordinatorOptions options;
    options.metadata = metadata_.get();
    options.clock = &clock_;
    options.placement = placement;
    options.group.initial_rebalance_delay = absl::ZeroDuration();
    options.tick_interval = absl::ZeroDuration();
    auto coordinator = Coordinator::Create(options);
    ASSERT_TRUE(coordinator.ok()) << coordinator.status();
    coordinator_ = *std::move(coordinator);
  }

  // Joins one consumer subscribed to `topics` and syncs it: returns its id.
  std::string JoinAndSync(const std::string& group, std::vector<std::string> topics = {"t"}) {
    JoinRequest r;
    r.client_id = "c";
    r.session_timeout = absl::Seconds(10);
    r.rebalance_timeout = absl::Seconds(10);
    r.protocol_type = "consumer";
    r.protocols = {{"range", Subscription(topics)}};
    std::optional<JoinResult> joined;
    coordinator_->JoinGroup(group, r, [&](JoinResult j) { joined = std::move(j); });
    EXPECT_TRUE(joined.has_value() && joined->error == ErrorCode::kNone);
    std::optional<SyncResult> synced;
    SyncRequest s;
    s.member_id = joined->member_id;
    s.generation_id = joined->generation_id;
    s.assignments = {{joined->member_id, "assignment"}};
    coordinator_->SyncGroup(group, s, [&](SyncResult r) { synced = std::move(r); });
    EXPECT_TRUE(synced.has_value() && synced->error == ErrorCode::kNone);
    return joined->member_id;
  }

  std::vector<ErrorCode> Commit(const std::string& group, const std::string& member,
                                int32_t generation, std::vector<CommitEntry> entries) {
    auto result = coordinator_->CommitOffsets(group, {member, std::nullopt}, generation,
                                              std::move(entries));
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *result : std::vector<ErrorCode>{};
  }

  FakeClock clock_;
  std::unique_ptr<MetadataStore> metadata_;
  std::unique_ptr<Coordinator> coordinator_;
};

TEST_F(CoordinatorTest, OffsetCommitChecksGenerationAndMember) {
  std::string member = JoinAndSync("g");
  EXPECT_EQ(Commit("g", member, 1, {{{"t", 0}, 42, 3, "meta"}}),
            std::vector<ErrorCode>{ErrorCode::kNone});
  EXPECT_EQ(Commit("g", member, 0, {{{"t", 0}, 43}}),
            std::vector<ErrorCode>{ErrorCode::kIllegalGeneration});
  EXPECT_EQ(Commit("g", "stranger", 1, {{{"t", 0}, 43}}),
            std::vector<ErrorCode>{ErrorCode::kUnknownMemberId});
  // A simple commit into a group with members is refused.
  EXPECT_EQ(Commit("g", "", -1, {{{"t", 0}, 43}}),
            std::vector<ErrorCode>{ErrorCode::kUnknownMemberId});
  std::vector<FetchedOffset> fetched;
  EXPECT_EQ(coordinator_->FetchOffsets("g", std::vector<TopicPartition>{{"t", 0}, {"t", 1}},
                                       &fetched),
            ErrorCode::kNone);
  ASSERT_EQ(fetched.size(), 2u);
  EXPECT_EQ(fetched[0].offset.offset, 42);
  EXPECT_EQ(fetched[0].offset.leader_epoch, 3);
  EXPECT_EQ(fetched[0].offset.metadata, "meta");
  EXPECT_EQ(fetched[0].offset.commit_time_ms, absl::ToUnixMillis(clock_.Now()));
  EXPECT_EQ(fetched[1].offset.offset, -1);  // nothing committed
}

TEST_F(CoordinatorTest, SimpleCommitsOutsideAnActiveGroup) {
  std::vector<ErrorCode> errors =
      Commit("simple", "", -1,
             {{{"t", 0}, 5}, {{"nope", 0}, 1}, {{"t", 9}, 1}, {{"t", 1}, 6, -1,
                                                               std::string(5000, 'm')}});
  EXPECT_EQ(errors, (std::vector<ErrorCode>{ErrorCode::kNone, ErrorCode::kUnknownTopicOrPartition,
                                            ErrorCode::kUnknownTopicOrPartition,
                                            ErrorCode::kOffsetMetadataTooLarge}));
  // A generation without a group is an unknown member.
  EXPECT_EQ(Commit("simple", "m", 3, {{{"t", 0}, 5}}),
            std::vector<ErrorCode>{ErrorCode::kUnknownMemberId});
}

TEST_F(CoordinatorTest, OffsetFetchOfManyGroupsAndAllPartitions) {
  Commit("a", "", -1, {{{"t", 0}, 1}, {{"u", 1}, 2}});
  Commit("b", "", -1, {{{"t", 1}, 3}});
  std::vector<FetchedOffset> a, b, c;
  EXPECT_EQ(coordinator_->FetchOffsets("a", std::nullopt, &a), ErrorCode::kNone);
  EXPECT_EQ(coordinator_->FetchOffsets("b", std::nullopt, &b), ErrorCode::kNone);
  EXPECT_EQ(coordinator_->FetchOffsets("c", std::nullopt, &c), ErrorCode::kNone);
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[1].tp, (TopicPartition{"u", 1}));
  EXPECT_EQ(a[1].offset.offset, 2);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].offset.offset, 3);
  EXPECT_TRUE(c.empty());
  EXPECT_EQ(coordinator_->FetchOffsets("", std::nullopt, &c), ErrorCode::kInvalidGroupId);
}

TEST_F(CoordinatorTest, DeleteGroups) {
  JoinAndSync("busy");
  Commit("idle", "", -1, {{{"t", 0}, 1}});
  EXPECT_EQ(*coordinator_->DeleteGroup("busy"), ErrorCode::kNonEmptyGroup);
  EXPECT_EQ(*coordinator_->DeleteGroup("idle"), ErrorCode::kNone);
  EXPECT_TRUE(metadata_->GetGroupOffsets("idle").empty());
  EXPECT_EQ(*coordinator_->DeleteGroup("idle"), ErrorCode::kGroupIdNotFound);
  EXPECT_EQ(*coordinator_->DeleteGroup("never"), ErrorCode::kGroupIdNotFound);
}

TEST_F(CoordinatorTest, OffsetDeleteRefusesSubscribedTopics) {
  std::string member = JoinAndSync("g", {"t"});
  Commit("g", member, 1, {{{"t", 0}, 1}, {{"u", 0}, 2}});
  std::vector<ErrorCode> errors;
  auto result = coordinator_->DeleteOffsets("g", {{"t", 0}, {"u", 0}, {"zz", 0}}, &errors);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, ErrorCode::kNone);
  EXPECT_EQ(errors, (std::vector<ErrorCode>{ErrorCode::kGroupSubscribedToTopic, ErrorCode::kNone,
                                            ErrorCode::kUnknownTopicOrPartition}));
  auto left = metadata_->GetGroupOffsets("g");
  EXPECT_EQ(left.size(), 1u);
  EXPECT_TRUE(left.count({"t", 0}));
  EXPECT_EQ(*coordinator_->DeleteOffsets("none", {{"t", 0}}, &errors),
            ErrorCode::kGroupIdNotFound);
}

TEST_F(CoordinatorTest, OffsetsOfEmptyGroupsExpireAfterRetention) {
  std::string member = JoinAndSync("live");
  Commit("live", member, 1, {{{"t", 0}, 1}});
  Commit("old", "", -1, {{{"t", 0}, 1}});
  clock_.Advance(absl::Minutes(10079));
  Commit("recent", "", -1, {{{"t", 0}, 1}});
  ASSERT_TRUE(coordinator_->ExpireOffsets().ok());
  EXPECT_FALSE(metadata_->GetGroupOffsets("old").empty());  // 10079 minutes old
  clock_.Advance(absl::Minutes(2));
  // Keep the live member alive meanwhile.
  EXPECT_EQ(coordinator_->Heartbeat("live", {member, std::nullopt}, 1), ErrorCode::kNone);
  ASSERT_TRUE(coordinator_->ExpireOffsets().ok());
  EXPECT_TRUE(metadata_->GetGroupOffsets("old").empty());
  EXPECT_FALSE(metadata_->GetGroupOffsets("recent").empty());
  EXPECT_FALSE(metadata_->GetGroupOffsets("live").empty());  // has a member
}

TEST_F(CoordinatorTest, RetentionCountsFromWhenTheGroupLastHadMembers) {
  // A member consumes for longer than the retention without committing.
  std::string member = JoinAndSync("steady");
  Commit("steady", member, 1, {{{"t", 0}, 5}});
  for (int day = 0; day < 8; ++day) {
    clock_.Advance(absl::Hours(24));
    EXPECT_EQ(coordinator_->Heartbeat("steady", {member, std::nullopt}, 1), ErrorCode::kNone);
    coordinator_->Tick();
  }
  // It leaves: the offsets stay for a whole retention period after that.
  ErrorCode group_error = ErrorCode::kNone;
  EXPECT_EQ(coordinator_->LeaveGroup("steady", {{member, std::nullopt}}, &group_error),
            std::vector<ErrorCode>{ErrorCode::kNone});
  coordinator_->Tick();
  ASSERT_TRUE(coordinator_->ExpireOffsets().ok());
  EXPECT_FALSE(metadata_->GetGroupOffsets("steady").empty());
  clock_.Advance(absl::Minutes(10079));
  ASSERT_TRUE(coordinator_->ExpireOffsets().ok());
  EXPECT_FALSE(metadata_->GetGroupOffsets("steady").empty());
  clock_.Advance(absl::Minutes(2));
  ASSERT_TRUE(coordinator_->ExpireOffsets().ok());
  EXPECT_TRUE(metadata_->GetGroupOffsets("steady").empty());
}

TEST_F(CoordinatorTest, TickSweepsWhenDue) {
  Commit("old", "", -1, {{{"t", 0}, 1}});
  clock_.Advance(absl::Minutes(10080 + 11));
  coordinator_->Tick();
  EXPECT_TRUE(metadata_->GetGroupOffsets("old").empty());
}

TEST_F(CoordinatorTest, ListAndDescribeGroups) {
  std::string member = JoinAndSync("active");
  Commit("offsets-only", "", -1, {{{"t", 0}, 1}});
  std::vector<GroupListing> all = coordinator_->ListGroups({});
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].group_id, "active");
  EXPECT_EQ(all[0].state, GroupState::kStable);
  EXPECT_EQ(all[0].protocol_type, "consumer");
  EXPECT_EQ(all[1].group_id, "offsets-only");
  EXPECT_EQ(all[1].state, GroupState::kEmpty);
  std::vector<GroupListing> empty = coordinator_->ListGroups({"empty"});
  ASSERT_EQ(empty.size(), 1u);
  EXPECT_EQ(empty[0].group_id, "offsets-only");

  GroupDescription d = coordinator_->DescribeGroup("active");
  EXPECT_EQ(d.state, GroupState::kStable);
  EXPECT_EQ(d.protocol_name, "range");
  ASSERT_EQ(d.members.size(), 1u);
  EXPECT_EQ(d.members[0].member_id, member);
  EXPECT_EQ(d.members[0].assignment, "assignment");
  EXPECT_EQ(d.members[0].metadata, Subscription({"t"}));
  EXPECT_EQ(coordinator_->DescribeGroup("offsets-only").state, GroupState::kEmpty);
  EXPECT_EQ(coordinator_->DescribeGroup("unknown").state, GroupState::kDead);
}

TEST_F(CoordinatorTest, JoinGroupWaitsWithoutBlocking) {
  std::string first = JoinAndSync("g");
  JoinRequest r;
  r.client_id = "c";
  r.session_timeout = absl::Seconds(10);
  r.rebalance_timeout = absl::Seconds(10);
  r.protocol_type = "consumer";
  r.protocols = {{"range", Subscription({"t"})}};
  std::optional<JoinResult> second;
  coordinator_->JoinGroup("g", r, [&](JoinResult j) { second = std::move(j); });
  EXPECT_FALSE(second.has_value());  // waits for the first member to rejoin
  EXPECT_EQ(coordinator_->Heartbeat("g", {first, std::nullopt}, 1),
            ErrorCode::kRebalanceInProgress);
  r.member_id = first;
  std::optional<JoinResult> again;
  coordinator_->JoinGroup("g", r, [&](JoinResult j) { again = std::move(j); });
  ASSERT_TRUE(second.has_value() && again.has_value());
  EXPECT_EQ(second->generation_id, 2);
  EXPECT_EQ(again->members.size(), 2u);
}

TEST_F(CoordinatorTest, DestructionAnswersWaitingMembers) {
  JoinAndSync("g");
  JoinRequest r;
  r.session_timeout = absl::Seconds(10);
  r.rebalance_timeout = absl::Seconds(10);
  r.protocol_type = "consumer";
  r.protocols = {{"range", ""}};
  std::optional<JoinResult> waiting;
  coordinator_->JoinGroup("g", r, [&](JoinResult j) { waiting = std::move(j); });
  coordinator_.reset();
  ASSERT_TRUE(waiting.has_value());
  EXPECT_EQ(waiting->error, ErrorCode::kCoordinatorNotAvailable);
}

TEST_F(CoordinatorTest, NotCoordinatorWithTwoLiveAgents) {
  int64_t far = absl::ToUnixMillis(clock_.Now() + absl::Hours(1));
  ASSERT_TRUE(metadata_->Execute(RegisterAgent{{"self", "10.0.0.1:9092", "", {}, far}}).ok());
  ASSERT_TRUE(metadata_->Execute(RegisterAgent{{"other", "10.0.0.2:9093", "", {}, far}}).ok());
  CoordinatorNode self;
  self.agent_id = "self";
  self.local = true;
  RendezvousPlacement placement(metadata_.get(), self);
  Open(&placement);
  std::string mine, theirs;
  for (int i = 0; i < 100 && (mine.empty() || theirs.empty()); ++i) {
    std::string key = absl::StrCat("group-", i);
    bool local = RendezvousWeight("self", key) > RendezvousWeight("other", key);
    (local ? mine : theirs) = key;
  }
  ASSERT_FALSE(mine.empty());
  ASSERT_FALSE(theirs.empty());
  CoordinatorNode node = coordinator_->CoordinatorFor(theirs);
  EXPECT_FALSE(node.local);
  EXPECT_EQ(node.agent_id, "other");
  EXPECT_EQ(node.host, "10.0.0.2");
  EXPECT_EQ(node.port, 9093);
  EXPECT_EQ(node.node_id, NodeIdFor("other"));
  EXPECT_TRUE(coordinator_->CoordinatorFor(mine).local);

  std::optional<JoinResult> joined;
  JoinRequest r;
  coordinator_->JoinGroup(theirs, r, [&](JoinResult j) { joined = std::move(j); });
  ASSERT_TRUE(joined.has_value());
  EXPECT_EQ(joined->error, ErrorCode::kNotCoordinator);
  EXPECT_EQ(coordinator_->Heartbeat(theirs, {"m", std::nullopt}, 1), ErrorCode::kNotCoordinator);
  EXPECT_EQ(Commit(theirs, "", -1, {{{"t", 0}, 1}}),
            std::vector<ErrorCode>{ErrorCode::kNotCoordinator});
  EXPECT_EQ(Commit(mine, "", -1, {{{"t", 0}, 1}}), std::vector<ErrorCode>{ErrorCode::kNone});
  // Only the groups coordinated here are listed.
  Commit(theirs, "", -1, {});
  std::vector<GroupListing> listed = coordinator_->ListGroups({});
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].group_id, mine);
}

TEST(PlacementTest, NoLiveAgentsMeansThisAgent) {
  auto metadata = MetadataStore::Open("mem://");
  ASSERT_TRUE(metadata.ok());
  CoordinatorNode self;
  self.agent_id = "me";
  self.host = "h";
  self.port = 1;
  self.local = true;
  RendezvousPlacement placement(metadata->get(), self);
  CoordinatorNode node = placement.CoordinatorFor("g");
  EXPECT_TRUE(node.local);
  EXPECT_EQ(node.host, "h");
}

TEST_F(CoordinatorTest, GroupLagSeries) {
  // 10 records in t-0 and 4 in t-1.
  CommitFile file{"obj", 100, absl::ToUnixMillis(clock_.Now()), {}};
  file.batches.push_back({"t", 0, 0, 50, 10, 1});
  file.batches.push_back({"t", 1, 50, 50, 4, 1});
  auto committed = metadata_->Execute(file);
  ASSERT_TRUE(committed.ok() && committed->ok());
  Commit("g", "", -1, {{{"t", 0}, 3}, {{"t", 1}, 4}});
  clock_.Advance(absl::Seconds(30));
  size_t dropped = 99;
  std::vector<PartitionLag> lags = ComputeGroupLag(*metadata_, clock_.Now(), 1000, &dropped);
  ASSERT_EQ(lags.size(), 2u);
  EXPECT_EQ(dropped, 0u);
  // Largest first: t-0 lags 7 records for 30 s; t-1 is caught up.
  EXPECT_EQ(lags[0].group, "g");
  EXPECT_EQ(lags[0].tp, (TopicPartition{"t", 0}));
  EXPECT_EQ(lags[0].records, 7);
  EXPECT_EQ(lags[0].seconds, 30);
  EXPECT_EQ(lags[1].tp, (TopicPartition{"t", 1}));
  EXPECT_EQ(lags[1].records, 0);
  EXPECT_EQ(lags[1].seconds, 0);
  std::vector<PartitionLag> bounded = ComputeGroupLag(*metadata_, clock_.Now(), 1, &dropped);
  ASSERT_EQ(bounded.size(), 1u);
  EXPECT_EQ(bounded[0].tp, (TopicPartition{"t", 0}));
  EXPECT_EQ(dropped, 1u);
}

// A journal this agent cannot catch up with (etcd away).
class UnreachableJournal final : public metadata::ForwardingMetadataStore {
 public:
  using ForwardingMetadataStore::ForwardingMetadataStore;
  absl::Status Sync() override { return absl::UnavailableError("journal away"); }
};

TEST_F(CoordinatorTest, OffsetsAreNotGuessedWhileTheJournalIsAway) {
  std::string member = JoinAndSync("g");
  ASSERT_EQ(Commit("g", member, 1, {{{"t", 0}, 7, -1, ""}}),
            std::vector<ErrorCode>{ErrorCode::kNone});
  UnreachableJournal away(metadata_.get());
  CoordinatorOptions options;
  options.metadata = &away;
  options.clock = &clock_;
  options.tick_interval = absl::ZeroDuration();
  auto other = Coordinator::Create(options);
  ASSERT_TRUE(other.ok());
  // Possibly stale offsets would make the consumer re-read or reset: it is
  // told to retry (the handler turns this into UNSTABLE_OFFSET_COMMIT per
  // partition for clients that retry only that).
  std::vector<FetchedOffset> out;
  EXPECT_EQ((*other)->FetchOffsets("g", std::vector<TopicPartition>{{"t", 0}}, &out),
            ErrorCode::kCoordinatorLoadInProgress);
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace warp::server::groups
