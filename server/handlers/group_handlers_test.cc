// The group handlers called directly on an agent over mem:// bucket and
// metadata (no timer thread, no initial delay); every response is also
// encoded at its version to check that it is well-formed there.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "lib/protocol/messages/errors.h"
#include "lib/protocol/messages/request_codec.h"
#include "server/handler.h"
#include "server/testing/handler_harness.h"

namespace warp::server {
namespace {

using namespace kafka;  // NOLINT: the protocol's names

int16_t Code(ErrorCode code) { return ToInt16(code); }

using testing::Pending;

class GroupHandlersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    AgentConfig config = testing::MemAgentConfig();
    config.default_partitions = 2;
    config.group_tick_interval = absl::ZeroDuration();
    absl::StatusOr<std::unique_ptr<Agent>> agent = testing::OpenMemAgent(config);
    ASSERT_TRUE(agent.ok()) << agent.status();
    agent_ = *std::move(agent);
    ASSERT_TRUE(agent_->MaybeAutoCreate("t"));
  }

  // The answer may come later, from the coordinator's callback.
  template <typename T>
  std::shared_ptr<Pending> Start(T body, int16_t version) {
    testing::Caller caller;
    caller.client_id = "tester";
    return testing::StartHandler(testing::HandlerFor(T::kApiKey), agent_.get(),
                                 Request(std::move(body)), version, caller);
  }

  template <typename R, typename T>
  R Call(T body, int16_t version) {
    std::shared_ptr<Pending> p = Start(std::move(body), version);
    EXPECT_EQ(p->replies, 1);
    return std::get<R>(*p->response);
  }

  static JoinGroupRequest Join(const std::string& member_id) {
    JoinGroupRequest req;
    req.group_id = "g";
    req.member_id = member_id;
    req.session_timeout_ms = 10000;
    req.rebalance_timeout_ms = 10000;
    req.protocol_type = "consumer";
    req.protocols.push_back({"range", "sub"});
    return req;
  }

  std::unique_ptr<Agent> agent_;
};

TEST_F(GroupHandlersTest, FindCoordinatorAnswersThisAgent) {
  FindCoordinatorRequest req;
  req.key = "g";
  auto v3 = Call<FindCoordinatorResponse>(req, 3);
  EXPECT_EQ(v3.error_code, 0);
  EXPECT_EQ(v3.node_id, agent_->node_id());
  EXPECT_EQ(v3.host, "127.0.0.1");
  EXPECT_EQ(v3.port, 9092);
  req.coordinator_keys = {"a", "b"};
  auto v4 = Call<FindCoordinatorResponse>(req, 4);
  ASSERT_EQ(v4.coordinators.size(), 2u);
  EXPECT_EQ(v4.coordinators[1].key, "b");
  EXPECT_EQ(v4.coordinators[1].node_id, agent_->node_id());
  req.key_type = 1;  // TRANSACTION: on the produce agents, this one here
  req.coordinator_keys = {"tx", ""};
  auto txn = Call<FindCoordinatorResponse>(req, 4);
  ASSERT_EQ(txn.coordinators.size(), 2u);
  EXPECT_EQ(txn.coordinators[0].error_code, 0);
  EXPECT_EQ(txn.coordinators[0].node_id, agent_->node_id());
  EXPECT_EQ(txn.coordinators[0].port, 9092);
  EXPECT_EQ(txn.coordinators[1].error_code, Code(ErrorCode::kInvalidRequest));
  req.key_type = 7;
  EXPECT_EQ(Call<FindCoordinatorResponse>(req, 4).coordinators[0].error_code,
            Code(ErrorCode::kInvalidRequest));
}

TEST_F(GroupHandlersTest, JoinSyncHeartbeatLeave) {
  auto required = Call<JoinGroupResponse>(Join(""), 5);
  EXPECT_EQ(required.error_code, Code(ErrorCode::kMemberIdRequired));
  EXPECT_EQ(required.member_id.rfind("tester-", 0), 0u);
  auto joined = Call<JoinGroupResponse>(Join(required.member_id), 7);
  EXPECT_EQ(joined.error_code, 0);
  EXPECT_EQ(joined.generation_id, 1);
  EXPECT_EQ(joined.protocol_name, "range");
  EXPECT_EQ(joined.leader, required.member_id);
  ASSERT_EQ(joined.members.size(), 1u);
  EXPECT_EQ(joined.members[0].metadata, "sub");

  SyncGroupRequest sync;
  sync.group_id = "g";
  sync.member_id = joined.member_id;
  sync.generation_id = 1;
  sync.protocol_type = "consumer";
  sync.protocol_name = "range";
  sync.assignments.push_back({joined.member_id, "mine"});
  auto synced = Call<SyncGroupResponse>(sync, 5);
  EXPECT_EQ(synced.error_code, 0);
  EXPECT_EQ(synced.assignment, "mine");
  // DescribeGroups shows who the member is and where it connects from.
  DescribeGroupsRequest describe;
  describe.groups = {"g"};
  auto described = Call<DescribeGroupsResponse>(describe, 5);
  ASSERT_EQ(described.groups[0].members.size(), 1u);
  EXPECT_EQ(described.groups[0].members[0].client_id, "tester");
  EXPECT_EQ(described.groups[0].members[0].client_host, "/127.0.0.1");
  EXPECT_EQ(described.groups[0].members[0].member_assignment, "mine");

  // A second member waits: its JoinGroup is answered only when the first
  // rejoins, and the handler returns without replying.
  auto second = Start(Join(""), 3);
  EXPECT_EQ(second->replies, 0);
  HeartbeatRequest hb;
  hb.group_id = "g";
  hb.member_id = joined.member_id;
  hb.generation_id = 1;
  EXPECT_EQ(Call<HeartbeatResponse>(hb, 4).error_code, Code(ErrorCode::kRebalanceInProgress));
  auto rejoined = Call<JoinGroupResponse>(Join(joined.member_id), 9);
  EXPECT_EQ(rejoined.generation_id, 2);
  ASSERT_EQ(second->replies, 1);
  auto second_join = std::get<JoinGroupResponse>(*second->response);
  EXPECT_EQ(second_join.generation_id, 2);

  LeaveGroupRequest leave;
  leave.group_id = "g";
  leave.members.push_back({second_join.member_id, std::nullopt, std::nullopt});
  leave.members.push_back({"nobody", std::nullopt, std::nullopt});
  auto left = Call<LeaveGroupResponse>(leave, 5);
  EXPECT_EQ(left.error_code, 0);
  ASSERT_EQ(left.members.size(), 2u);
  EXPECT_EQ(left.members[0].error_code, 0);
  EXPECT_EQ(left.members[1].error_code, Code(ErrorCode::kUnknownMemberId));
  LeaveGroupRequest old;
  old.group_id = "g";
  old.member_id = joined.member_id;
  EXPECT_EQ(Call<LeaveGroupResponse>(old, 1).error_code, 0);

  ListGroupsRequest list;
  list.states_filter = {"Empty"};
  auto listed = Call<ListGroupsResponse>(list, 4);
  ASSERT_EQ(listed.groups.size(), 1u);
  EXPECT_EQ(listed.groups[0].group_state, "Empty");
}

TEST_F(GroupHandlersTest, CommitFetchDescribeDelete) {
  OffsetCommitRequest commit;
  commit.group_id = "simple";
  commit.topics.push_back({"t", {{0, 17, -1, -1, std::string("m")}, {5, 1, -1, -1, {}}}});
  auto committed = Call<OffsetCommitResponse>(commit, 8);
  ASSERT_EQ(committed.topics[0].partitions.size(), 2u);
  EXPECT_EQ(committed.topics[0].partitions[0].error_code, 0);
  EXPECT_EQ(committed.topics[0].partitions[1].error_code,
            Code(ErrorCode::kUnknownTopicOrPartition));
  commit.group_id = "other";
  commit.topics[0].partitions.resize(1);
  Call<OffsetCommitResponse>(commit, 2);

  OffsetFetchRequest fetch;
  fetch.groups.push_back({"simple", std::nullopt});
  fetch.groups.push_back({"other", std::vector<OffsetFetchRequest::OffsetFetchRequestTopics>{
                                       {"t", {0, 1}}}});
  auto fetched = Call<OffsetFetchResponse>(fetch, 8);
  ASSERT_EQ(fetched.groups.size(), 2u);
  ASSERT_EQ(fetched.groups[0].topics.size(), 1u);
  EXPECT_EQ(fetched.groups[0].topics[0].partitions[0].committed_offset, 17);
  EXPECT_EQ(fetched.groups[0].topics[0].partitions[0].metadata, "m");
  ASSERT_EQ(fetched.groups[1].topics[0].partitions.size(), 2u);
  EXPECT_EQ(fetched.groups[1].topics[0].partitions[1].committed_offset, -1);

  OffsetFetchRequest v1;
  v1.group_id = "";
  v1.topics = std::vector<OffsetFetchRequest::OffsetFetchRequestTopic>{{"t", {0}}};
  auto invalid = Call<OffsetFetchResponse>(v1, 1);
  ASSERT_EQ(invalid.topics.size(), 1u);
  EXPECT_EQ(invalid.topics[0].partitions[0].error_code, Code(ErrorCode::kInvalidGroupId));

  DescribeGroupsRequest describe;
  describe.groups = {"simple", "missing"};
  auto described = Call<DescribeGroupsResponse>(describe, 5);
  EXPECT_EQ(described.groups[0].group_state, "Empty");
  EXPECT_EQ(described.groups[1].group_state, "Dead");

  OffsetDeleteRequest od;
  od.group_id = "other";
  od.topics.push_back({"t", {{0}}});
  auto deleted_offsets = Call<OffsetDeleteResponse>(od, 0);
  EXPECT_EQ(deleted_offsets.error_code, 0);
  EXPECT_EQ(deleted_offsets.topics[0].partitions[0].error_code, 0);

  DeleteGroupsRequest del;
  del.groups_names = {"simple", "missing"};
  auto deleted = Call<DeleteGroupsResponse>(del, 2);
  EXPECT_EQ(deleted.results[0].error_code, 0);
  EXPECT_EQ(deleted.results[1].error_code, Code(ErrorCode::kGroupIdNotFound));
}

TEST_F(GroupHandlersTest, LagInMetrics) {
  std::string text = agent_->metrics().Render();
  EXPECT_NE(text.find("warp_group_lag_series_dropped 0"), std::string::npos) << text;
}

}  // namespace
}  // namespace warp::server
