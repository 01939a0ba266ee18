// The consumer-group APIs: FindCoordinator (of groups and transactions), JoinGroup, SyncGroup, Heartbeat,
// LeaveGroup, OffsetCommit, OffsetFetch, ListGroups, DescribeGroups,
// DeleteGroups and OffsetDelete, over the agent's groups::Coordinator.
//
// JoinGroup and SyncGroup wait for other members: their handlers return at
// once and reply from the coordinator's callback (on whichever thread
// completes the wait), so no dispatcher worker is held by a rebalance.
#include <algorithm>
#include <map>
#include <memory>

#include "absl/strings/str_cat.h"
#include "lib/protocol/messages/errors.h"
#include "server/authorization.h"
#include "server/groups/coordinator.h"
#include "server/handler.h"
#include "server/routing.h"

namespace warp::server {
namespace {

using namespace kafka;  // NOLINT: the handlers speak the protocol's names
using acl::AclOperation;
using groups::Coordinator;

constexpr int8_t kKeyTypeGroup = 0;
constexpr int8_t kKeyTypeTransaction = 1;

// An optional string as Kafka's nullable one: empty means null.
std::optional<std::string> NullIfEmpty(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

// FindCoordinator of one key: the error and where the coordinator is.
struct CoordinatorAnswer {
  ErrorCode error = ErrorCode::kNone;
  std::string message;
  int32_t node_id = -1;
  std::string host;
  int32_t port = -1;
};

CoordinatorAnswer FindOne(Agent& agent, const RequestAuthorizer& auth, int8_t key_type,
                          const std::string& key, const std::string& listener) {
  CoordinatorAnswer answer;
  if (key_type == kKeyTypeGroup && !auth.Group(AclOperation::kDescribe, key)) {
    answer.error = ErrorCode::kGroupAuthorizationFailed;
    return answer;
  }
  if (key_type == kKeyTypeTransaction && !auth.TransactionalId(AclOperation::kDescribe, key)) {
    answer.error = ErrorCode::kTransactionalIdAuthorizationFailed;
    return answer;
  }
  if (key_type != kKeyTypeGroup && key_type != kKeyTypeTransaction) {
    answer.error = ErrorCode::kInvalidRequest;
    answer.message = "unknown coordinator key type";
    return answer;
  }
  if (key_type == kKeyTypeTransaction && key.empty()) {
    answer.error = ErrorCode::kInvalidRequest;
    answer.message = "an empty transactional id";
    return answer;
  }
  // Groups on the fetch agents, transactional ids on the produce agents.
  groups::CoordinatorNode node = key_type == kKeyTypeGroup
                                     ? agent.groups().CoordinatorFor(key)
                                     : agent.transactions().CoordinatorFor(key);
  // The coordinator's address on the listener this client uses.
  AgentInfo coordinator =
      node.local ? agent.membership().self() : AgentInfo{node.agent_id, absl::StrCat(node.host, ":", node.port)};
  if (!node.local) coordinator.listeners = node.listeners;
  answer.node_id = node.local ? agent.node_id() : node.node_id;
  groups::SplitAddress(AdvertisedAddress(coordinator, listener), &answer.host, &answer.port);
  return answer;
}

void HandleFindCoordinator(const HandlerContext& ctx, Request& request, Reply reply) {
  auto& req = std::get<FindCoordinatorRequest>(request);
  FindCoordinatorResponse resp;
  const RequestAuthorizer auth(ctx);
  if (ctx.header.api_version >= 4) {
    for (const std::string& key : req.coordinator_keys) {
      CoordinatorAnswer a = FindOne(*ctx.agent, auth, req.key_type, key, ctx.listener);
      FindCoordinatorResponse::Coordinator& c = resp.coordinators.emplace_back();
      c.key = key;
      c.node_id = a.node_id;
      c.host = a.host;
      c.port = a.port;
      c.error_code = ToInt16(a.error);
      c.error_message = NullIfEmpty(a.message);
    }
  } else {
    CoordinatorAnswer a = FindOne(*ctx.agent, auth, req.key_type, req.key, ctx.listener);
    resp.error_code = ToInt16(a.error);
    resp.error_message = NullIfEmpty(a.message);
    resp.node_id = a.node_id;
    resp.host = a.host;
    resp.port = a.port;
  }
  reply(Response(std::move(resp)));
}

void HandleJoinGroup(const HandlerContext& ctx, Request& request, Reply reply) {
  auto& req = std::get<JoinGroupRequest>(request);
  int16_t version = ctx.header.api_version;
  if (!RequestAuthorizer(ctx).Group(AclOperation::kRead, req.group_id)) {
    JoinGroupResponse resp;
    resp.error_code = ToInt16(ErrorCode::kGroupAuthorizationFailed);
    resp.generation_id = -1;
    resp.member_id = "";
    if (version >= 7) resp.protocol_name = std::nullopt;
    reply(Response(std::move(resp)));
    return;
  }
  groups::JoinRequest join;
  join.member_id = req.member_id;
  join.group_instance_id = req.group_instance_id;
  join.client_id = ctx.header.client_id.value_or("");
  join.client_host = ctx.client_host;
  join.session_timeout = absl::Milliseconds(req.session_timeout_ms);
  join.rebalance_timeout =
      absl::Milliseconds(version >= 1 ? req.rebalance_timeout_ms : req.session_timeout_ms);
  join.protocol_type = req.protocol_type;
  for (auto& p : req.protocols) join.protocols.push_back({p.name, std::move(p.metadata)});
  join.require_known_member_id = version >= 4;
  join.supports_skip_assignment = version >= 9;
  ctx.agent->groups().JoinGroup(
      req.group_id, std::move(join), [reply, version](groups::JoinResult r) {
        JoinGroupResponse resp;
        resp.error_code = ToInt16(r.error);
        resp.generation_id = r.generation_id;
        resp.protocol_type = NullIfEmpty(r.protocol_type);
        resp.protocol_name = version >= 7 ? NullIfEmpty(r.protocol_name) : r.protocol_name;
        resp.leader = r.leader_id;
        resp.skip_assignment = r.skip_assignment;
        resp.member_id = r.member_id;
        for (groups::MemberMetadata& m : r.members) {
          JoinGroupResponse::JoinGroupResponseMember& out = resp.members.emplace_back();
          out.member_id = m.member_id;
          out.group_instance_id = m.group_instance_id;
          out.metadata = std::move(m.metadata);
        }
        reply(Response(std::move(resp)));
      });
}

void HandleSyncGroup(const HandlerContext& ctx, Request& request, Reply reply) {
  auto& req = std::get<SyncGroupRequest>(request);
  if (!RequestAuthorizer(ctx).Group(AclOperation::kRead, req.group_id)) {
    SyncGroupResponse resp;
    resp.error_code = ToInt16(ErrorCode::kGroupAuthorizationFailed);
    reply(Response(std::move(resp)));
    return;
  }
  groups::SyncRequest sync;
  sync.member_id = req.member_id;
  sync.group_instance_id = req.group_instance_id;
  sync.generation_id = req.generation_id;
  sync.protocol_type = req.protocol_type;
  sync.protocol_name = req.protocol_name;
  for (auto& a : req.assignments) sync.assignments.emplace_back(a.member_id, std::move(a.assignment));
  ctx.agent->groups().SyncGroup(req.group_id, std::move(sync), [reply](groups::SyncResult r) {
    SyncGroupResponse resp;
    resp.error_code = ToInt16(r.error);
    if (r.error == ErrorCode::kNone) {
      resp.protocol_type = r.protocol_type;
      resp.protocol_name = r.protocol_name;
    }
    resp.assignment = std::move(r.assignment);
    reply(Response(std::move(resp)));
  });
}

void HandleHeartbeat(const HandlerContext& ctx, Request& request, Reply reply) {
  auto& req = std::get<HeartbeatRequest>(request);
  HeartbeatResponse resp;
  if (!RequestAuthorizer(ctx).Group(AclOperation::kRead, req.group_id)) {
    resp.error_code = ToInt16(ErrorCode::kGroupAuthorizationFailed);
    reply(Response(std::move(resp)));
    return;
  }
  resp.error_code = ToInt16(ctx.agent->groups().Heartbeat(
      req.group_id, {req.member_id, req.group_instance_id}, req.generation_id));
  reply(Response(std::move(resp)));
}

void HandleLeaveGroup(const HandlerContext& ctx, Request& request, Reply reply) {
  auto& req = std::get<LeaveGroupRequest>(request);
  if (!RequestAuthorizer(ctx).Group(AclOperation::kRead, req.group_id)) {
    LeaveGroupResponse resp;
    resp.error_code = ToInt16(ErrorCode::kGroupAuthorizationFailed);
    reply(Response(std::move(resp)));
    return;
  }
  bool batched = ctx.header.api_version >= 3;
  std::vector<groups::MemberIdentity> members;
  if (batched) {
    for (const auto& m : req.members) members.push_back({m.member_id, m.group_instance_id});
  } else {
    members.push_back({req.member_id, std::nullopt});
  }
  ErrorCode group_error = ErrorCode::kNone;
  std::vector<ErrorCode> errors = ctx.agent->groups().LeaveGroup(req.group_id, members, &group_error);
  LeaveGroupResponse resp;
  resp.error_code = ToInt16(group_error);
  if (!batched) {
    if (!errors.empty()) resp.error_code = ToInt16(errors[0]);
  } else {
    for (size_t i = 0; i < errors.size(); ++i) {
      LeaveGroupResponse::MemberResponse& m = resp.members.emplace_back();
      m.member_id = members[i].member_id;
      m.group_instance_id = members[i].group_instance_id;
      m.error_code = ToInt16(errors[i]);
    }
  }
  reply(Response(std::move(resp)));
}

void HandleOffsetCommit(const HandlerContext& ctx, Request& request, Reply reply) {
  auto& req = std::get<OffsetCommitRequest>(request);
  const RequestAuthorizer auth(ctx);
  const bool group_denied = !auth.Group(AclOperation::kRead, req.group_id);
  // Topics the principal may not read are answered TOPIC_AUTHORIZATION_FAILED
  // and not committed.
  std::vector<bool> topic_denied;
  std::vector<groups::CommitEntry> entries;
  for (auto& topic : req.topics) {
    topic_denied.push_back(!group_denied && !auth.Topic(AclOperation::kRead, topic.name));
    if (group_denied || topic_denied.back()) continue;
    for (auto& p : topic.partitions) {
      entries.push_back({{topic.name, p.partition_index}, p.committed_offset,
                         p.committed_leader_epoch, p.committed_metadata.value_or("")});
    }
  }
  absl::StatusOr<std::vector<ErrorCode>> result = std::vector<ErrorCode>();
  if (!entries.empty()) {
    result = ctx.agent->groups().CommitOffsets(
        req.group_id, {req.member_id, req.group_instance_id}, req.generation_id_or_member_epoch,
        std::move(entries));
  }
  OffsetCommitResponse resp;
  size_t i = 0;
  for (size_t t = 0; t < req.topics.size(); ++t) {
    const auto& topic = req.topics[t];
    OffsetCommitResponse::OffsetCommitResponseTopic& tr = resp.topics.emplace_back();
    tr.name = topic.name;
    for (const auto& p : topic.partitions) {
      OffsetCommitResponse::OffsetCommitResponsePartition& pr = tr.partitions.emplace_back();
      pr.partition_index = p.partition_index;
      if (group_denied) {
        pr.error_code = ToInt16(ErrorCode::kGroupAuthorizationFailed);
      } else if (topic_denied[t]) {
        pr.error_code = ToInt16(ErrorCode::kTopicAuthorizationFailed);
      } else {
        pr.error_code = result.ok() ? ToInt16((*result)[i]) : ErrorCodeFor(result.status());
        ++i;
      }
    }
  }
  reply(Response(std::move(resp)));
}

// The committed offsets of one group in a response's topic/partition shape
// (OffsetFetch v0-7 and v8 have the same fields under different names).
//
// While the journal cannot be read (COORDINATOR_LOAD_IN_PROGRESS, which
// Kafka answers while it loads a group's offsets), requests of v7 and later
// that name their partitions get UNSTABLE_OFFSET_COMMIT on each partition
// instead: librdkafka retries that one until it clears, but gives up for
// good on a group-level error and leaves the partitions unfetched.
//
// DESCRIBE on the group is needed (else GROUP_AUTHORIZATION_FAILED), and on
// each topic: named partitions of others are answered
// TOPIC_AUTHORIZATION_FAILED, and "all of the group's" leaves them out.
//
// With `require_stable` (v7+), a partition with an offset committed by an
// open transaction (TxnOffsetCommit) answers UNSTABLE_OFFSET_COMMIT until
// that transaction ends; without it, the last offset committed.
template <typename TopicOut, typename Requested>
int16_t FetchGroupOffsets(Agent& agent, const RequestAuthorizer& auth, int16_t version,
                          const std::string& group,
                          const std::optional<std::vector<Requested>>& topics,
                          bool require_stable, std::vector<TopicOut>* out) {
  if (!auth.Group(AclOperation::kDescribe, group)) {
    return ToInt16(ErrorCode::kGroupAuthorizationFailed);
  }
  std::optional<std::vector<TopicPartition>> partitions;
  if (topics.has_value()) {
    partitions.emplace();
    for (const auto& t : *topics) {
      for (int32_t p : t.partition_indexes) partitions->push_back({t.name, p});
    }
  }
  std::vector<groups::FetchedOffset> fetched;
  ErrorCode error = agent.groups().FetchOffsets(group, partitions, &fetched);
  if (error == ErrorCode::kCoordinatorLoadInProgress && version >= 7 &&
      partitions.has_value()) {
    fetched.clear();
    for (const TopicPartition& tp : *partitions) {
      groups::FetchedOffset& f = fetched.emplace_back();
      f.tp = tp;
      f.error = ErrorCode::kUnstableOffsetCommit;
    }
    error = ErrorCode::kNone;
  }
  if (require_stable && error == ErrorCode::kNone) {
    std::vector<TopicPartition> pending = agent.metadata().PendingGroupOffsets(group);
    for (groups::FetchedOffset& f : fetched) {
      if (f.error == ErrorCode::kNone &&
          std::binary_search(pending.begin(), pending.end(), f.tp)) {
        f.error = ErrorCode::kUnstableOffsetCommit;
        f.offset = GroupOffset{};
      }
    }
  }
  std::map<std::string, size_t> by_topic;
  std::map<std::string, bool> described;
  for (groups::FetchedOffset& f : fetched) {
    auto [may, first] = described.try_emplace(f.tp.topic, false);
    if (first) may->second = auth.Topic(AclOperation::kDescribe, f.tp.topic);
    if (!may->second) {
      if (!partitions.has_value()) continue;
      f.error = ErrorCode::kTopicAuthorizationFailed;
      f.offset = GroupOffset{};
    }
    auto [it, added] = by_topic.emplace(f.tp.topic, out->size());
    if (added) out->emplace_back().name = f.tp.topic;
    auto& p = (*out)[it->second].partitions.emplace_back();
    p.partition_index = f.tp.partition;
    p.committed_offset = f.offset.offset;
    p.committed_leader_epoch = f.offset.leader_epoch;
    p.metadata = std::move(f.offset.metadata);
    p.error_code = ToInt16(f.error);
  }
  return ToInt16(error);
}

void HandleOffsetFetch(const HandlerContext& ctx, Request& request, Reply reply) {
  auto& req = std::get<OffsetFetchRequest>(request);
  int16_t version = ctx.header.api_version;
  const RequestAuthorizer auth(ctx);
  OffsetFetchResponse resp;
  if (version >= 8) {
    for (const auto& g : req.groups) {
      OffsetFetchResponse::OffsetFetchResponseGroup& out = resp.groups.emplace_back();
      out.group_id = g.group_id;
      out.error_code = FetchGroupOffsets(*ctx.agent, auth, version, g.group_id, g.topics,
                                         req.require_stable, &out.topics);
    }
  } else {
    resp.error_code = FetchGroupOffsets(*ctx.agent, auth, version, req.group_id, req.topics,
                                        version >= 7 && req.require_stable, &resp.topics);
    if (version < 2 && resp.error_code != 0) {
      // v0-1 have no group-level error: every requested partition carries it.
      for (const auto& t : *req.topics) {
        auto& tr = resp.topics.emplace_back();
        tr.name = t.name;
        for (int32_t p : t.partition_indexes) {
          auto& pr = tr.partitions.emplace_back();
          pr.partition_index = p;
          pr.committed_offset = -1;
          pr.error_code = resp.error_code;
        }
      }
    }
  }
  reply(Response(std::move(resp)));
}

void HandleListGroups(const HandlerContext& ctx, Request& request, Reply reply) {
  auto& req = std::get<ListGroupsRequest>(request);
  ListGroupsResponse resp;
  // All groups with DESCRIBE on the cluster, else those the principal may
  // describe.
  const RequestAuthorizer auth(ctx);
  const bool all = auth.Cluster(AclOperation::kDescribe);
  for (groups::GroupListing& g : ctx.agent->groups().ListGroups(req.states_filter)) {
    if (!all && !auth.Group(AclOperation::kDescribe, g.group_id)) continue;
    ListGroupsResponse::ListedGroup& out = resp.groups.emplace_back();
    out.group_id = std::move(g.group_id);
    out.protocol_type = std::move(g.protocol_type);
    out.group_state = std::string(groups::StateName(g.state));
  }
  reply(Response(std::move(resp)));
}

void HandleDescribeGroups(const HandlerContext& ctx, Request& request, Reply reply) {
  auto& req = std::get<DescribeGroupsRequest>(request);
  DescribeGroupsResponse resp;
  const RequestAuthorizer auth(ctx);
  for (const std::string& group : req.groups) {
    if (!auth.Group(AclOperation::kDescribe, group)) {
      DescribeGroupsResponse::DescribedGroup& out = resp.groups.emplace_back();
      out.error_code = ToInt16(ErrorCode::kGroupAuthorizationFailed);
      out.group_id = group;
      continue;
    }
    groups::GroupDescription d = ctx.agent->groups().DescribeGroup(group);
    DescribeGroupsResponse::DescribedGroup& out = resp.groups.emplace_back();
    out.error_code = ToInt16(d.error);
    out.group_id = group;
    if (req.include_authorized_operations) {
      out.authorized_operations = auth.AuthorizedOperations(acl::ResourceType::kGroup, group);
    }
    out.group_state = d.error == ErrorCode::kNone ? std::string(groups::StateName(d.state)) : "";
    out.protocol_type = d.protocol_type;
    out.protocol_data = d.protocol_name;
    for (groups::MemberDescription& m : d.members) {
      DescribeGroupsResponse::DescribedGroupMember& mo = out.members.emplace_back();
      mo.member_id = std::move(m.member_id);
      mo.group_instance_id = std::move(m.group_instance_id);
      mo.client_id = std::move(m.client_id);
      mo.client_host = std::move(m.client_host);
      mo.member_metadata = std::move(m.metadata);
      mo.member_assignment = std::move(m.assignment);
    }
  }
  reply(Response(std::move(resp)));
}

void HandleDeleteGroups(const HandlerContext& ctx, Request& request, Reply reply) {
  auto& req = std::get<DeleteGroupsRequest>(request);
  DeleteGroupsResponse resp;
  const RequestAuthorizer auth(ctx);
  for (const std::string& group : req.groups_names) {
    if (!auth.Group(AclOperation::kDelete, group)) {
      DeleteGroupsResponse::DeletableGroupResult& r = resp.results.emplace_back();
      r.group_id = group;
      r.error_code = ToInt16(ErrorCode::kGroupAuthorizationFailed);
      continue;
    }
    absl::StatusOr<ErrorCode> deleted = ctx.agent->groups().DeleteGroup(group);
    DeleteGroupsResponse::DeletableGroupResult& r = resp.results.emplace_back();
    r.group_id = group;
    r.error_code = deleted.ok() ? ToInt16(*deleted) : ErrorCodeFor(deleted.status());
  }
  reply(Response(std::move(resp)));
}

void HandleOffsetDelete(const HandlerContext& ctx, Request& request, Reply reply) {
  auto& req = std::get<OffsetDeleteRequest>(request);
  const RequestAuthorizer auth(ctx);
  OffsetDeleteResponse resp;
  if (!auth.Group(AclOperation::kDelete, req.group_id)) {
    resp.error_code = ToInt16(ErrorCode::kGroupAuthorizationFailed);
    reply(Response(std::move(resp)));
    return;
  }
  // Partitions of topics the principal may not read keep their offsets and
  // are answered TOPIC_AUTHORIZATION_FAILED.
  std::vector<bool> topic_denied;
  std::vector<TopicPartition> partitions;
  for (const auto& t : req.topics) {
    topic_denied.push_back(!auth.Topic(AclOperation::kRead, t.name));
    if (topic_denied.back()) continue;
    for (const auto& p : t.partitions) partitions.push_back({t.name, p.partition_index});
  }
  std::vector<ErrorCode> errors;
  absl::StatusOr<ErrorCode> result =
      ctx.agent->groups().DeleteOffsets(req.group_id, partitions, &errors);
  if (!result.ok()) {
    resp.error_code = ErrorCodeFor(result.status());
  } else {
    resp.error_code = ToInt16(*result);
  }
  if (resp.error_code == 0) {
    size_t i = 0;
    for (size_t t = 0; t < req.topics.size(); ++t) {
      const auto& topic = req.topics[t];
      OffsetDeleteResponse::OffsetDeleteResponseTopic& tr = resp.topics.emplace_back();
      tr.name = topic.name;
      for (const auto& p : topic.partitions) {
        OffsetDeleteResponse::OffsetDeleteResponsePartition& pr = tr.partitions.emplace_back();
        pr.partition_index = p.partition_index;
        pr.error_code = topic_denied[t] ? ToInt16(ErrorCode::kTopicAuthorizationFailed)
                                        : ToInt16(errors[i++]);
      }
    }
  }
  reply(Response(std::move(resp)));
}

}  // namespace

void RegisterGroupHandlers(absl::flat_hash_map<int16_t, Handler>& table) {
  table[FindCoordinatorRequest::kApiKey] = HandleFindCoordinator;
  table[JoinGroupRequest::kApiKey] = HandleJoinGroup;
  table[SyncGroupRequest::kApiKey] = HandleSyncGroup;
  table[HeartbeatRequest::kApiKey] = HandleHeartbeat;
  table[LeaveGroupRequest::kApiKey] = HandleLeaveGroup;
  table[OffsetCommitRequest::kApiKey] = HandleOffsetCommit;
  table[OffsetFetchRequest::kApiKey] = HandleOffsetFetch;
  table[ListGroupsRequest::kApiKey] = HandleListGroups;
  table[DescribeGroupsRequest::kApiKey] = HandleDescribeGroups;
  table[DeleteGroupsRequest::kApiKey] = HandleDeleteGroups;
  table[OffsetDeleteRequest::kApiKey] = HandleOffsetDelete;
}

}  // namespace warp::server
