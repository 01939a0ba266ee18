// Topic admin APIs: CreateTopics, DeleteTopics, CreatePartitions,
// DeleteRecords and OffsetForLeaderEpoch. Every metadata change goes through
// agent.metadata().Execute(); validate_only requests run the same checks and
// change nothing.
#include "server/authorization.h"
#include "server/handlers/admin_support.h"

namespace warp::server {
namespace {

using namespace admin;  // NOLINT
using acl::AclOperation;

ApiError TopicDenied() {
  return Error(ErrorCode::kTopicAuthorizationFailed, "Authorization failed.");
}

// ---------------------------------------------------------------------------
// CreateTopics.

// Topic names that differ only by '.' versus '_' collide in Kafka's metric
// names, so Kafka refuses to create the second.
bool Collides(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] == '.' ? '_' : a[i];
    char y = b[i] == '.' ? '_' : b[i];
    if (x != y) return false;
  }
  return true;
}

ApiError CreateOneTopic(Agent& agent, bool validate_only,
                        const CreateTopicsRequest::CreatableTopic& topic,
                        CreateTopicsResponse::CreatableTopicResult* out) {
  metadata::ConfigCheck legal = metadata::ValidateTopicName(topic.name);
  if (!legal.ok()) return FromCheck(legal);
  if (agent.metadata().GetTopic(topic.name).has_value()) {
    return Error(ErrorCode::kTopicAlreadyExists,
                 absl::StrCat("Topic '", topic.name, "' already exists."));
  }
  if (topic.name.find_first_of("._") != std::string::npos) {
    for (const TopicInfo& existing : agent.metadata().ListTopics()) {
      if (existing.name != topic.name && Collides(existing.name, topic.name)) {
        return Error(ErrorCode::kInvalidTopicException,
                     absl::StrCat("Topic '", topic.name,
                                  "' collides with existing topic: ", existing.name));
      }
    }
  }
  int32_t partitions = 0;
  if (!topic.assignments.empty()) {
    // Manual assignment: every partition lives in the bucket, so only the
    // partition numbering matters; the broker ids are ignored.
    if (topic.num_partitions != -1 || topic.replication_factor != -1) {
      return Error(ErrorCode::kInvalidRequest,
                   "Both numPartitions or replicationFactor and replicasAssignments "
                   "were set. Both cannot be used at the same time.");
    }
    int32_t n = static_cast<int32_t>(topic.assignments.size());
    std::vector<bool> seen(n, false);
    for (const auto& a : topic.assignments) {
      if (a.partition_index < 0 || a.partition_index >= n || seen[a.partition_index]) {
        return Error(ErrorCode::kInvalidReplicaAssignment,
                     "Partitions must be numbered consecutively from 0, each once.");
      }
      seen[a.partition_index] = true;
      if (a.broker_ids.empty()) {
        return Error(ErrorCode::kInvalidReplicaAssignment,
                     absl::StrCat("Partition ", a.partition_index,
                                  " has an empty replica assignment."));
      }
    }
    partitions = n;
  } else {
    partitions = topic.num_partitions == -1 ? agent.config().default_partitions
                                            : topic.num_partitions;
    // Any replication factor is accepted (the bucket is the replication),
    // but it must be one Kafka would accept syntactically.
    if (topic.replication_factor == 0 || topic.replication_factor < -1) {
      return Error(ErrorCode::kInvalidReplicationFactor,
                   "Replication factor must be larger than 0, or -1 to use the "
                   "default value.");
    }
  }
  if (partitions <= 0 || partitions > metadata::kMaxPartitions) {
    return Error(ErrorCode::kInvalidPartitions,
                 absl::StrCat("Number of partitions must be between 1 and ",
                              metadata::kMaxPartitions, "; got ", partitions, "."));
  }
  TopicConfigs configs;
  for (const auto& c : topic.configs) {
    if (!c.value.has_value()) {
      return Error(ErrorCode::kInvalidConfig,
                   absl::StrCat("Null value not supported for topic configs: ", c.name));
    }
    configs[c.name] = *c.value;
  }
  metadata::ConfigCheck valid = metadata::ValidateTopicConfigs(configs);
  if (!valid.ok()) return FromCheck(valid);
  TopicId id;
  if (!validate_only) {
    id = NewTopicId();
    ApiError e = Execute(agent, CreateTopic{topic.name, id, partitions, configs});
    if (!e.ok()) return e;
  }
  out->topic_id = ToUuid(id);
  out->num_partitions = partitions;
  out->replication_factor = 1;
  out->configs = CreatedTopicConfigs(configs);
  return {};
}

void HandleCreateTopics(const HandlerContext& ctx, Request& request, Reply reply) {
  auto& req = std::get<CreateTopicsRequest>(request);
  Agent& agent = *ctx.agent;
  (void)agent.metadata().Sync();  // TOPIC_ALREADY_EXISTS must see every topic
  absl::flat_hash_map<std::string, int> count;
  for (const auto& topic : req.topics) ++count[topic.name];
  absl::flat_hash_set<std::string> answered;
  CreateTopicsResponse resp;
  // CREATE on the cluster allows any topic; else CREATE on each.
  const RequestAuthorizer auth(ctx);
  const bool create_any = auth.Cluster(AclOperation::kCreate);
  for (const auto& topic : req.topics) {
    if (!answered.insert(topic.name).second) continue;  // one result per name
    CreateTopicsResponse::CreatableTopicResult& r = resp.topics.emplace_back();
    r.name = topic.name;
    ApiError e = count[topic.name] > 1
                     ? Error(ErrorCode::kInvalidRequest, "Duplicate topic name.")
                 : !create_any && !auth.Topic(AclOperation::kCreate, topic.name)
                     ? TopicDenied()
                     : CreateOneTopic(agent, req.validate_only, topic, &r);
    r.error_code = e.code;
    r.error_message = MessageOf(e);
    if (!e.ok()) {
      r.topic_id = kafka::Uuid();
      r.num_partitions = -1;
      r.replication_factor = -1;
      r.configs = std::vector<CreateTopicsResponse::CreatableTopicConfigs>();
    }
  }
  reply(Response(std::move(resp)));
}

// ---------------------------------------------------------------------------
// DeleteTopics.

void HandleDeleteTopics(const HandlerContext& ctx, Request& request, Reply reply) {
  auto& req = std::get<DeleteTopicsRequest>(request);
  Agent& agent = *ctx.agent;
  (void)agent.metadata().Sync();
  // v0-5 name topics; v6 names or ids.
  std::vector<DeleteTopicsRequest::DeleteTopicState> targets;
  if (ctx.header.api_version >= 6) {
    targets = req.topics;
  } else {
    for (const std::string& name : req.topic_names) {
      DeleteTopicsRequest::DeleteTopicState t;
      t.name = name;
      targets.push_back(std::move(t));
    }
  }
  absl::flat_hash_map<std::string, int> names;
  absl::flat_hash_map<std::string, int> ids;
  auto id_key = [](const kafka::Uuid& id) {
    return std::string(reinterpret_cast<const char*>(id.bytes.data()), id.bytes.size());
  };
  for (const auto& t : targets) {
    if (t.name.has_value()) ++names[*t.name];
    if (!t.topic_id.IsZero()) ++ids[id_key(t.topic_id)];
  }
  std::optional<std::vector<TopicInfo>> all;  // for lookups by id
  const RequestAuthorizer auth(ctx);
  DeleteTopicsResponse resp;
  for (const auto& t : targets) {
    DeleteTopicsResponse::DeletableTopicResult& r = resp.responses.emplace_back();
    r.name = t.name;
    r.topic_id = t.topic_id;
    ApiError e;
    if (t.name.has_value() && !t.topic_id.IsZero()) {
      e = Error(ErrorCode::kInvalidRequest,
                "You may not specify both topic name and topic id.");
    } else if (!t.name.has_value() && t.topic_id.IsZero()) {
      e = Error(ErrorCode::kInvalidRequest, "Neither topic name nor topic id was specified.");
    } else if (t.name.has_value() && names[*t.name] > 1) {
      e = Error(ErrorCode::kInvalidRequest, "Duplicate topic name.");
    } else if (!t.topic_id.IsZero() && ids[id_key(t.topic_id)] > 1) {
      e = Error(ErrorCode::kInvalidRequest, "Duplicate topic id.");
    } else if (t.name.has_value() && !auth.Topic(AclOperation::kDelete, *t.name)) {
      e = TopicDenied();  // whether it exists is not disclosed
    } else {
      std::optional<TopicInfo> topic;
      if (t.topic_id.IsZero()) {
        topic = agent.metadata().GetTopic(*t.name);
        if (!topic.has_value()) e = UnknownTopic(*t.name);
      } else {
        if (!all.has_value()) all = agent.metadata().ListTopics();
        for (const TopicInfo& info : *all) {
          if (ToUuid(info.id) == t.topic_id) topic = info;
        }
        if (!topic.has_value()) {
          e = Error(ErrorCode::kUnknownTopicId, "This server does not host this topic ID.");
        }
      }
      if (topic.has_value() && !auth.Topic(AclOperation::kDelete, topic->name)) {
        e = TopicDenied();  // named by id: the name stays undisclosed
      } else if (topic.has_value()) {
        r.name = topic->name;
        r.topic_id = ToUuid(topic->id);
        e = Execute(agent, DeleteTopic{topic->name, NowMs()});
      }
    }
    // Names are non-nullable before v6.
    if (ctx.header.api_version < 6 && !r.name.has_value()) r.name = std::string();
    r.error_code = e.code;
    r.error_message = MessageOf(e);
  }
  reply(Response(std::move(resp)));
}

// ---------------------------------------------------------------------------
// CreatePartitions.

ApiError CreatePartitionsFor(Agent& agent, bool validate_only,
                             const CreatePartitionsRequest::CreatePartitionsTopic& t) {
  std::optional<TopicInfo> topic = agent.metadata().GetTopic(t.name);
  if (!topic.has_value()) return UnknownTopic(t.name);
  int32_t current = topic->partitions;
  if (t.count == current) {
    return Error(ErrorCode::kInvalidPartitions,
                 absl::StrCat("Topic already has ", current, " partitions."));
  }
  if (t.count < current) {
    return Error(ErrorCode::kInvalidPartitions,
                 absl::StrCat("Topic currently has ", current,
                              " partitions, which is higher than the requested ",
                              t.count, "."));
  }
  if (t.count > metadata::kMaxPartitions) {
    return Error(ErrorCode::kInvalidPartitions,
                 absl::StrCat("Number of partitions must be at most ",
                              metadata::kMaxPartitions, "; got ", t.count, "."));
  }
  // Assignments (broker ids) do not matter in warp, but their number must
  // match the partitions added. An empty list is taken as "none given".
  if (t.assignments.has_value() && !t.assignments->empty()) {
    int64_t added = int64_t{t.count} - current;
    if (static_cast<int64_t>(t.assignments->size()) != added) {
      return Error(ErrorCode::kInvalidReplicaAssignment,
                   absl::StrCat("Increasing the number of partitions by ", added,
                                " but ", t.assignments->size(),
                                " assignments provided."));
    }
    for (const auto& a : *t.assignments) {
      if (a.broker_ids.empty()) {
        return Error(ErrorCode::kInvalidReplicaAssignment,
                     "A partition's replica assignment is empty.");
      }
    }
  }
  if (validate_only) return {};
  return Execute(agent, CreatePartitions{t.name, t.count});
}

void HandleCreatePartitions(const HandlerContext& ctx, Request& request, Reply reply) {
  auto& req = std::get<CreatePartitionsRequest>(request);
  Agent& agent = *ctx.agent;
  (void)agent.metadata().Sync();
  absl::flat_hash_map<std::string, int> count;
  for (const auto& t : req.topics) ++count[t.name];
  absl::flat_hash_set<std::string> answered;
  CreatePartitionsResponse resp;
  const RequestAuthorizer auth(ctx);
  for (const auto& t : req.topics) {
    if (!answered.insert(t.name).second) continue;
    CreatePartitionsResponse::CreatePartitionsTopicResult& r = resp.results.emplace_back();
    r.name = t.name;
    ApiError e = count[t.name] > 1
                     ? Error(ErrorCode::kInvalidRequest, "Duplicate topic name.")
                 : !auth.Topic(AclOperation::kAlter, t.name)
                     ? TopicDenied()
                     : CreatePartitionsFor(agent, req.validate_only, t);
    r.error_code = e.code;
    r.error_message = MessageOf(e);
  }
  reply(Response(std::move(resp)));
}

// ---------------------------------------------------------------------------
// DeleteRecords.

void HandleDeleteRecords(const HandlerContext& ctx, Request& request, Reply reply) {
  auto& req = std::get<DeleteRecordsRequest>(request);
  Agent& agent = *ctx.agent;
  DeleteRecordsResponse resp;
  const RequestAuthorizer auth(ctx);
  for (const auto& topic : req.topics) {
    DeleteRecordsResponse::DeleteRecordsTopicResult& tr = resp.topics.emplace_back();
    tr.name = topic.name;
    const bool denied = !auth.Topic(AclOperation::kDelete, topic.name);
    for (const auto& p : topic.partitions) {
      DeleteRecordsResponse::DeleteRecordsPartitionResult& pr = tr.partitions.emplace_back();
      pr.partition_index = p.partition_index;
      pr.low_watermark = -1;
      if (denied) {
        pr.error_code = ToInt16(ErrorCode::kTopicAuthorizationFailed);
        continue;
      }
      if (p.offset < -1) {
        pr.error_code = ToInt16(ErrorCode::kOffsetOutOfRange);
        continue;
      }
      // The store resolves -1 to the high watermark and refuses offsets
      // beyond it (OFFSET_OUT_OF_RANGE) and unknown partitions.
      CommandResult result;
      ApiError e = Execute(
          agent, DeleteRecords{{topic.name, p.partition_index}, p.offset, NowMs()}, &result);
      pr.error_code = e.code;
      if (e.ok()) pr.low_watermark = result.log_start_offset;
    }
  }
  reply(Response(std::move(resp)));
}

// ---------------------------------------------------------------------------
// OffsetForLeaderEpoch.

// warp has one leader epoch, 0, for every partition: it starts at offset 0
// and ends at the high watermark.
void HandleOffsetForLeaderEpoch(const HandlerContext& ctx, Request& request, Reply reply) {
  auto& req = std::get<OffsetForLeaderEpochRequest>(request);
  Agent& agent = *ctx.agent;
  (void)agent.metadata().Sync();  // the end offset must include every ack
  OffsetForLeaderEpochResponse resp;
  const RequestAuthorizer auth(ctx);
  for (const auto& topic : req.topics) {
    OffsetForLeaderEpochResponse::OffsetForLeaderTopicResult& tr = resp.topics.emplace_back();
    tr.topic = topic.topic;
    const bool denied = !auth.Topic(AclOperation::kDescribe, topic.topic);
    for (const auto& p : topic.partitions) {
      OffsetForLeaderEpochResponse::EpochEndOffset& pr = tr.partitions.emplace_back();
      pr.partition = p.partition;
      pr.leader_epoch = -1;
      pr.end_offset = -1;
      if (denied) {
        pr.error_code = ToInt16(ErrorCode::kTopicAuthorizationFailed);
        continue;
      }
      absl::StatusOr<PartitionOffsets> offsets =
          agent.metadata().GetOffsets({topic.topic, p.partition});
      if (!offsets.ok()) {
        pr.error_code = offsets.status().code() == absl::StatusCode::kNotFound
                            ? ToInt16(ErrorCode::kUnknownTopicOrPartition)
                            : ErrorCodeFor(offsets.status());
        continue;
      }
      // current_leader_epoch (v2+; -1 = unchecked) fences stale clients the
      // way Kafka does against the leader's epoch, 0.
      if (ctx.header.api_version >= 2 && p.current_leader_epoch > 0) {
        pr.error_code = ToInt16(ErrorCode::kUnknownLeaderEpoch);
        continue;
      }
      if (p.leader_epoch < 0) continue;  // UNDEFINED_EPOCH: -1 / -1, no error
      pr.leader_epoch = 0;
      pr.end_offset = offsets->high_watermark;
    }
  }
  reply(Response(std::move(resp)));
}


}  // namespace

void RegisterTopicHandlers(absl::flat_hash_map<int16_t, Handler>& table) {
  table[CreateTopicsRequest::kApiKey] = HandleCreateTopics;
  table[DeleteTopicsRequest::kApiKey] = HandleDeleteTopics;
  table[CreatePartitionsRequest::kApiKey] = HandleCreatePartitions;
  table[DeleteRecordsRequest::kApiKey] = HandleDeleteRecords;
  table[OffsetForLeaderEpochRequest::kApiKey] = HandleOffsetForLeaderEpoch;
}

}  // namespace warp::server
