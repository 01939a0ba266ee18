// Admin APIs: CreateTopics, DeleteTopics, CreatePartitions, DescribeConfigs,
// AlterConfigs, IncrementalAlterConfigs, DescribeCluster, DeleteRecords and
// OffsetForLeaderEpoch.
//
// Every metadata change goes through agent.metadata().Execute(); a failed
// Status (journal failure) and a Kafka error in the CommandResult both become
// the entry's error code and message. validate_only requests run the same
// checks as the real ones and change nothing.
#include <algorithm>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "lib/metadata/topic_config.h"
#include "lib/protocol/messages/errors.h"
#include "server/handler.h"

namespace warp::server {
namespace {

using namespace kafka;  // NOLINT: the handlers speak the protocol's names

// Kafka's resource types (DescribeConfigs, AlterConfigs).
constexpr int8_t kResourceTopic = 2;
constexpr int8_t kResourceBroker = 4;

// Kafka's ConfigSource values (DescribeConfigs v1+, CreateTopics v5+).
constexpr int8_t kSourceDynamicTopic = 1;
constexpr int8_t kSourceStaticBroker = 4;
constexpr int8_t kSourceDefault = 5;

// IncrementalAlterConfigs operations.
constexpr int8_t kOpSet = 0;
constexpr int8_t kOpDelete = 1;
constexpr int8_t kOpAppend = 2;
constexpr int8_t kOpSubtract = 3;

// An entry's outcome: a Kafka error code and its message.
struct ApiError {
  int16_t code = 0;
  std::string message;
  bool ok() const { return code == 0; }
};

ApiError Error(ErrorCode code, std::string message) {
  return {ToInt16(code), std::move(message)};
}

ApiError FromCheck(const metadata::ConfigCheck& check) {
  return {ErrorCodeFor(check.error), check.message};
}

// Applies `command`, mapping both a journal failure and the command's own
// Kafka error to an ApiError. `result` (optional) receives the result.
ApiError Execute(Agent& agent, Command command, CommandResult* result = nullptr) {
  absl::StatusOr<CommandResult> r = agent.metadata().Execute(std::move(command));
  if (!r.ok()) return {ErrorCodeFor(r.status()), std::string(r.status().message())};
  if (!r->ok()) return {ErrorCodeFor(r->error), r->message};
  if (result != nullptr) *result = *std::move(r);
  return {};
}

// nullopt on success (Kafka sends a null message), the message otherwise.
std::optional<std::string> MessageOf(const ApiError& e) {
  if (e.ok()) return std::nullopt;
  return e.message;
}

int64_t NowMs() { return absl::ToUnixMillis(absl::Now()); }

kafka::Uuid ToUuid(const TopicId& id) {
  kafka::Uuid out;
  for (int i = 0; i < 8; ++i) {
    out.bytes[i] = static_cast<uint8_t>(id.hi >> (56 - 8 * i));
    out.bytes[8 + i] = static_cast<uint8_t>(id.lo >> (56 - 8 * i));
  }
  return out;
}

TopicId NewTopicId() {
  std::random_device rd;
  TopicId id;
  do {
    id = {(uint64_t{rd()} << 32) | rd(), (uint64_t{rd()} << 32) | rd()};
  } while (id.IsZero());
  return id;
}

// ---------------------------------------------------------------------------
// Configs.

// Kafka's ConfigType (DescribeConfigs v3+).
int8_t ConfigTypeOf(absl::string_view type) {
  if (type == "boolean") return 1;
  if (type == "string") return 2;
  if (type == "int") return 3;
  if (type == "long") return 5;
  if (type == "double") return 6;
  if (type == "list") return 7;
  return 0;
}

const metadata::ConfigDefinition* FindDefinition(absl::string_view name) {
  for (const metadata::ConfigDefinition& def : metadata::TopicConfigDefinitions()) {
    if (name == def.name) return &def;
  }
  return nullptr;
}

// The broker config a topic config's default comes from (Kafka's
// ServerTopicConfigSynonyms), for the DEFAULT_CONFIG synonym.
std::string BrokerSynonym(absl::string_view topic_config) {
  static const auto* synonyms = new absl::flat_hash_map<std::string, std::string>{
      {"cleanup.policy", "log.cleanup.policy"},
      {"compression.type", "compression.type"},
      {"delete.retention.ms", "log.cleaner.delete.retention.ms"},
      {"file.delete.delay.ms", "log.segment.delete.delay.ms"},
      {"flush.messages", "log.flush.interval.messages"},
      {"flush.ms", "log.flush.interval.ms"},
      {"index.interval.bytes", "log.index.interval.bytes"},
      {"max.compaction.lag.ms", "log.cleaner.max.compaction.lag.ms"},
      {"max.message.bytes", "message.max.bytes"},
      {"message.downconversion.enable", "log.message.downconversion.enable"},
      {"message.timestamp.difference.max.ms", "log.message.timestamp.difference.max.ms"},
      {"message.timestamp.type", "log.message.timestamp.type"},
      {"min.cleanable.dirty.ratio", "log.cleaner.min.cleanable.ratio"},
      {"min.compaction.lag.ms", "log.cleaner.min.compaction.lag.ms"},
      {"min.insync.replicas", "min.insync.replicas"},
      {"preallocate", "log.preallocate"},
      {"retention.bytes", "log.retention.bytes"},
      {"retention.ms", "log.retention.ms"},
      {"segment.bytes", "log.segment.bytes"},
      {"segment.index.bytes", "log.index.size.max.bytes"},
      {"segment.jitter.ms", "log.roll.jitter.ms"},
      {"segment.ms", "log.roll.ms"},
      {"unclean.leader.election.enable", "unclean.leader.election.enable"},
  };
  auto it = synonyms->find(std::string(topic_config));
  return it != synonyms->end() ? it->second : std::string(topic_config);
}

// Every known topic config of a topic with `configs` set explicitly, as
// CreateTopics v5+ reports them.
std::vector<CreateTopicsResponse::CreatableTopicConfigs> CreatedTopicConfigs(
    const TopicConfigs& configs) {
  std::vector<CreateTopicsResponse::CreatableTopicConfigs> out;
  for (const metadata::ConfigDefinition& def : metadata::TopicConfigDefinitions()) {
    CreateTopicsResponse::CreatableTopicConfigs& c = out.emplace_back();
    c.name = def.name;
    c.value = metadata::EffectiveConfig(configs, def.name);
    c.read_only = false;
    c.config_source = configs.count(def.name) ? kSourceDynamicTopic : kSourceDefault;
    c.is_sensitive = false;
  }
  return out;
}

// The items of a list config ("compact, delete" -> {"compact", "delete"}).
std::vector<std::string> ListItems(absl::string_view value) {
  std::vector<std::string> items;
  for (absl::string_view item : absl::StrSplit(value, ',')) {
    item = absl::StripAsciiWhitespace(item);
    if (!item.empty()) items.emplace_back(item);
  }
  return items;
}

// "Topic '<name>' does not exist." for an unknown topic.
ApiError UnknownTopic(absl::string_view name) {
  return Error(ErrorCode::kUnknownTopicOrPartition,
               absl::StrCat("Topic '", name, "' does not exist."));
}

// The topic a config resource names, or an error.
ApiError LookUpTopicResource(Agent& agent, const std::string& name,
                             std::optional<TopicInfo>* topic) {
  metadata::ConfigCheck legal = metadata::ValidateTopicName(name);
  if (!legal.ok()) return FromCheck(legal);
  *topic = agent.metadata().GetTopic(name);
  if (!topic->has_value()) return UnknownTopic(name);
  return {};
}

// Kafka refuses resource types other than topics and brokers.
ApiError UnsupportedResource(int8_t type) {
  return Error(ErrorCode::kInvalidRequest,
               absl::StrCat("Unsupported resource type: ", type));
}

ApiError ReadOnlyBroker() {
  return Error(ErrorCode::kInvalidRequest,
               "warp broker configs are read-only: set them with warpd flags "
               "(topic configs can be altered)");
}

// A broker resource name must be empty (cluster default) or this node's id.
ApiError CheckBrokerName(const Agent& agent, const std::string& name) {
  if (name.empty() || name == absl::StrCat(agent.node_id())) return {};
  return Error(ErrorCode::kInvalidRequest,
               absl::StrCat("Unexpected broker id, expected ", agent.node_id(),
                            " or empty string, but received ", name));
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
  for (const auto& topic : req.topics) {
    if (!answered.insert(topic.name).second) continue;  // one result per name
    CreateTopicsResponse::CreatableTopicResult& r = resp.topics.emplace_back();
    r.name = topic.name;
    ApiError e = count[topic.name] > 1
                     ? Error(ErrorCode::kInvalidRequest, "Duplicate topic name.")
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
      if (topic.has_value()) {
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
  for (const auto& t : req.topics) {
    if (!answered.insert(t.name).second) continue;
    CreatePartitionsResponse::CreatePartitionsTopicResult& r = resp.results.emplace_back();
    r.name = t.name;
    ApiError e = count[t.name] > 1
                     ? Error(ErrorCode::kInvalidRequest, "Duplicate topic name.")
                     : CreatePartitionsFor(agent, req.validate_only, t);
    r.error_code = e.code;
    r.error_message = MessageOf(e);
  }
  reply(Response(std::move(resp)));
}

// ---------------------------------------------------------------------------
// DescribeConfigs.

using ConfigResult = DescribeConfigsResponse::DescribeConfigsResourceResult;

// A described config; `source` is its ConfigSource.
ConfigResult DescribedConfig(const DescribeConfigsRequest& req, std::string name,
                             std::string value, int8_t source, bool read_only,
                             absl::string_view type, absl::string_view documentation) {
  ConfigResult c;
  c.name = std::move(name);
  c.value = value;
  c.read_only = read_only;
  c.is_default = source == kSourceDefault;
  c.config_source = source;
  c.is_sensitive = false;
  c.config_type = ConfigTypeOf(type);
  if (req.include_documentation) {
    c.documentation = std::string(documentation);
  } else {
    c.documentation = std::nullopt;
  }
  return c;
}

bool Wanted(const DescribeConfigsRequest::DescribeConfigsResource& resource,
            absl::string_view name) {
  if (!resource.configuration_keys.has_value()) return true;
  const auto& keys = *resource.configuration_keys;
  return std::find(keys.begin(), keys.end(), name) != keys.end();
}

void DescribeTopicConfigs(const DescribeConfigsRequest& req,
                          const DescribeConfigsRequest::DescribeConfigsResource& resource,
                          const TopicInfo& topic, std::vector<ConfigResult>* out) {
  for (const metadata::ConfigDefinition& def : metadata::TopicConfigDefinitions()) {
    if (!Wanted(resource, def.name)) continue;
    auto set = topic.configs.find(def.name);
    bool overridden = set != topic.configs.end();
    ConfigResult c = DescribedConfig(
        req, def.name, overridden ? set->second : def.default_value,
        overridden ? kSourceDynamicTopic : kSourceDefault, /*read_only=*/false,
        def.type, def.documentation);
    if (req.include_synonyms) {
      if (overridden) {
        c.synonyms.push_back({def.name, set->second, kSourceDynamicTopic});
      }
      c.synonyms.push_back({BrokerSynonym(def.name), def.default_value, kSourceDefault});
    }
    out->push_back(std::move(c));
  }
}

struct BrokerConfig {
  std::string name;
  std::string value;
  int8_t source;
  const char* type;
  const char* documentation;
};

// The broker configs warp reports (all read-only: warpd flags set them).
std::vector<BrokerConfig> BrokerConfigs(const Agent& agent) {
  const AgentConfig& config = agent.config();
  std::vector<BrokerConfig> out = {
      {"advertised.listeners",
       absl::StrCat("PLAINTEXT://", config.advertised_host, ":", config.advertised_port),
       kSourceStaticBroker, "list", "the address clients connect to"},
      {"auto.create.topics.enable", config.auto_create_topics ? "true" : "false",
       kSourceStaticBroker, "boolean", "create unknown topics on metadata requests"},
      {"broker.id", absl::StrCat(agent.node_id()), kSourceStaticBroker, "int",
       "this agent's broker id (derived from its agent id)"},
      {"compression.type", "producer", kSourceDefault, "string",
       "final compression of topics without their own setting"},
      {"default.replication.factor", "1", kSourceDefault, "int",
       "replication is the bucket's: partitions have one replica"},
      {"delete.topic.enable", "true", kSourceDefault, "boolean", "topics can be deleted"},
      {"log.cleanup.policy", "delete", kSourceDefault, "list",
       "cleanup policy of topics without their own setting"},
      {"log.retention.bytes", "-1", kSourceDefault, "long",
       "bytes kept per partition; -1 unlimited"},
      {"log.retention.ms", "604800000", kSourceDefault, "long",
       "time records are kept; -1 forever"},
      {"message.max.bytes", "1048588", kSourceDefault, "int",
       "largest record batch accepted"},
      {"min.insync.replicas", "1", kSourceDefault, "int", "accepted for compatibility"},
      {"num.partitions", absl::StrCat(config.default_partitions), kSourceStaticBroker,
       "int", "partitions of auto-created topics and of CreateTopics with -1"},
  };
  if (!config.zone.empty()) {
    out.push_back({"broker.rack", config.zone, kSourceStaticBroker, "string",
                   "this agent's zone"});
  }
  std::sort(out.begin(), out.end(),
            [](const BrokerConfig& a, const BrokerConfig& b) { return a.name < b.name; });
  return out;
}

void HandleDescribeConfigs(const HandlerContext& ctx, Request& request, Reply reply) {
  auto& req = std::get<DescribeConfigsRequest>(request);
  Agent& agent = *ctx.agent;
  (void)agent.metadata().Sync();  // show configs altered through any agent
  DescribeConfigsResponse resp;
  for (const auto& resource : req.resources) {
    DescribeConfigsResponse::DescribeConfigsResult& r = resp.results.emplace_back();
    r.resource_type = resource.resource_type;
    r.resource_name = resource.resource_name;
    ApiError e;
    if (resource.resource_type == kResourceTopic) {
      std::optional<TopicInfo> topic;
      e = LookUpTopicResource(agent, resource.resource_name, &topic);
      if (e.ok()) DescribeTopicConfigs(req, resource, *topic, &r.configs);
    } else if (resource.resource_type == kResourceBroker) {
      e = CheckBrokerName(agent, resource.resource_name);
      if (e.ok()) {
        for (const BrokerConfig& b : BrokerConfigs(agent)) {
          if (!Wanted(resource, b.name)) continue;
          ConfigResult c = DescribedConfig(req, b.name, b.value, b.source,
                                           /*read_only=*/true, b.type, b.documentation);
          if (req.include_synonyms) c.synonyms.push_back({b.name, b.value, b.source});
          r.configs.push_back(std::move(c));
        }
      }
    } else {
      e = UnsupportedResource(resource.resource_type);
    }
    r.error_code = e.code;
    r.error_message = MessageOf(e);
  }
  reply(Response(std::move(resp)));
}

// ---------------------------------------------------------------------------
// AlterConfigs and IncrementalAlterConfigs.

// The key of a config resource for duplicate detection.
std::string ResourceKey(int8_t type, const std::string& name) {
  return absl::StrCat(type, ":", name);
}

template <typename Config>
ApiError CheckDuplicateKeys(const std::vector<Config>& configs) {
  absl::flat_hash_set<std::string> seen;
  std::vector<std::string> dups;
  for (const Config& c : configs) {
    if (!seen.insert(c.name).second) dups.push_back(c.name);
  }
  if (dups.empty()) return {};
  return Error(ErrorCode::kInvalidRequest,
               absl::StrCat("Error due to duplicate config keys: ",
                            absl::StrJoin(dups, ",")));
}

// AlterConfigs: the topic's configs become exactly `configs`.
ApiError AlterTopic(Agent& agent, bool validate_only,
                    const AlterConfigsRequest::AlterConfigsResource& resource) {
  std::optional<TopicInfo> topic;
  ApiError e = LookUpTopicResource(agent, resource.resource_name, &topic);
  if (!e.ok()) return e;
  e = CheckDuplicateKeys(resource.configs);
  if (!e.ok()) return e;
  AlterTopicConfigs command;
  command.topic = resource.resource_name;
  command.replace = true;
  std::vector<std::string> nulls;
  for (const auto& c : resource.configs) {
    if (!c.value.has_value()) {
      nulls.push_back(c.name);
      continue;
    }
    command.set[c.name] = *c.value;
  }
  if (!nulls.empty()) {
    return Error(ErrorCode::kInvalidRequest,
                 absl::StrCat("Null value not supported for : ", absl::StrJoin(nulls, ",")));
  }
  metadata::ConfigCheck valid = metadata::ValidateTopicConfigs(command.set);
  if (!valid.ok()) return FromCheck(valid);
  if (validate_only) return {};
  return Execute(agent, std::move(command));
}

template <typename Resource>
ApiError AlterBroker(const Agent& agent, const Resource& resource) {
  ApiError e = CheckBrokerName(agent, resource.resource_name);
  if (!e.ok()) return e;
  if (resource.configs.empty()) return {};
  return ReadOnlyBroker();
}

void HandleAlterConfigs(const HandlerContext& ctx, Request& request, Reply reply) {
  auto& req = std::get<AlterConfigsRequest>(request);
  Agent& agent = *ctx.agent;
  (void)agent.metadata().Sync();
  absl::flat_hash_map<std::string, int> count;
  for (const auto& r : req.resources) ++count[ResourceKey(r.resource_type, r.resource_name)];
  absl::flat_hash_set<std::string> answered;
  AlterConfigsResponse resp;
  for (const auto& resource : req.resources) {
    std::string key = ResourceKey(resource.resource_type, resource.resource_name);
    if (!answered.insert(key).second) continue;
    AlterConfigsResponse::AlterConfigsResourceResponse& r = resp.responses.emplace_back();
    r.resource_type = resource.resource_type;
    r.resource_name = resource.resource_name;
    ApiError e;
    if (count[key] > 1) {
      e = Error(ErrorCode::kInvalidRequest, "Duplicate resource.");
    } else if (resource.resource_type == kResourceTopic) {
      e = AlterTopic(agent, req.validate_only, resource);
    } else if (resource.resource_type == kResourceBroker) {
      e = AlterBroker(agent, resource);
    } else {
      e = UnsupportedResource(resource.resource_type);
    }
    r.error_code = e.code;
    r.error_message = MessageOf(e);
  }
  reply(Response(std::move(resp)));
}

// IncrementalAlterConfigs: SET, DELETE, APPEND and SUBTRACT on the topic's
// explicit configs; APPEND/SUBTRACT only for list configs, starting from the
// effective value.
ApiError IncrementalAlterTopic(
    Agent& agent, bool validate_only,
    const IncrementalAlterConfigsRequest::AlterConfigsResource& resource) {
  std::optional<TopicInfo> topic;
  ApiError e = LookUpTopicResource(agent, resource.resource_name, &topic);
  if (!e.ok()) return e;
  e = CheckDuplicateKeys(resource.configs);
  if (!e.ok()) return e;
  AlterTopicConfigs command;
  command.topic = resource.resource_name;
  command.replace = false;
  for (const auto& c : resource.configs) {
    const metadata::ConfigDefinition* def = FindDefinition(c.name);
    if (def == nullptr) {
      return Error(ErrorCode::kInvalidConfig,
                   absl::StrCat("Unknown topic config name: ", c.name));
    }
    switch (c.config_operation) {
      case kOpSet:
        if (!c.value.has_value()) {
          return Error(ErrorCode::kInvalidRequest,
                       absl::StrCat("Null value not supported for : ", c.name));
        }
        command.set[c.name] = *c.value;
        break;
      case kOpDelete:
        command.remove.push_back(c.name);
        break;
      case kOpAppend:
      case kOpSubtract: {
        if (absl::string_view(def->type) != "list") {
          const char* op = c.config_operation == kOpAppend ? "APPEND" : "SUBTRACT";
          return Error(ErrorCode::kInvalidConfig,
                       absl::StrCat("Can't ", op, " to key ", c.name,
                                    " because its type is not LIST."));
        }
        std::vector<std::string> items =
            ListItems(metadata::EffectiveConfig(topic->configs, c.name));
        for (const std::string& item : ListItems(c.value.value_or(""))) {
          auto at = std::find(items.begin(), items.end(), item);
          if (c.config_operation == kOpAppend && at == items.end()) items.push_back(item);
          if (c.config_operation == kOpSubtract && at != items.end()) items.erase(at);
        }
        command.set[c.name] = absl::StrJoin(items, ",");
        break;
      }
      default:
        return Error(ErrorCode::kInvalidRequest,
                     absl::StrCat("Unknown config operation ", c.config_operation,
                                  " for ", c.name));
    }
  }
  TopicConfigs updated = topic->configs;
  for (const auto& [k, v] : command.set) updated[k] = v;
  for (const std::string& k : command.remove) updated.erase(k);
  metadata::ConfigCheck valid = metadata::ValidateTopicConfigs(updated);
  if (!valid.ok()) return FromCheck(valid);
  if (validate_only) return {};
  return Execute(agent, std::move(command));
}

void HandleIncrementalAlterConfigs(const HandlerContext& ctx, Request& request,
                                   Reply reply) {
  auto& req = std::get<IncrementalAlterConfigsRequest>(request);
  Agent& agent = *ctx.agent;
  (void)agent.metadata().Sync();
  absl::flat_hash_map<std::string, int> count;
  for (const auto& r : req.resources) ++count[ResourceKey(r.resource_type, r.resource_name)];
  absl::flat_hash_set<std::string> answered;
  IncrementalAlterConfigsResponse resp;
  for (const auto& resource : req.resources) {
    std::string key = ResourceKey(resource.resource_type, resource.resource_name);
    if (!answered.insert(key).second) continue;
    IncrementalAlterConfigsResponse::AlterConfigsResourceResponse& r =
        resp.responses.emplace_back();
    r.resource_type = resource.resource_type;
    r.resource_name = resource.resource_name;
    ApiError e;
    if (count[key] > 1) {
      e = Error(ErrorCode::kInvalidRequest, "Duplicate resource.");
    } else if (resource.resource_type == kResourceTopic) {
      e = IncrementalAlterTopic(agent, req.validate_only, resource);
    } else if (resource.resource_type == kResourceBroker) {
      e = AlterBroker(agent, resource);
    } else {
      e = UnsupportedResource(resource.resource_type);
    }
    r.error_code = e.code;
    r.error_message = MessageOf(e);
  }
  reply(Response(std::move(resp)));
}

// ---------------------------------------------------------------------------
// DescribeCluster.

void HandleDescribeCluster(const HandlerContext& ctx, Request& request, Reply reply) {
  auto& req = std::get<DescribeClusterRequest>(request);
  Agent& agent = *ctx.agent;
  DescribeClusterResponse resp;
  resp.endpoint_type = req.endpoint_type;
  if (ctx.header.api_version >= 1 && req.endpoint_type != 1) {
    // Only broker endpoints (1); warp has no separate controllers (2).
    resp.error_code = ToInt16(ErrorCode::kUnsupportedEndpointType);
    resp.error_message = "warp only lists broker endpoints (endpoint_type 1).";
    reply(Response(std::move(resp)));
    return;
  }
  resp.cluster_id = agent.cluster_id();
  resp.controller_id = agent.node_id();
  DescribeClusterResponse::DescribeClusterBroker& broker = resp.brokers.emplace_back();
  broker.broker_id = agent.node_id();
  broker.host = agent.config().advertised_host;
  broker.port = agent.config().advertised_port;
  if (!agent.config().zone.empty()) broker.rack = agent.config().zone;
  resp.cluster_authorized_operations = std::numeric_limits<int32_t>::min();
  if (req.include_cluster_authorized_operations) {
    // No authorizer: every operation the CLUSTER resource supports, as Kafka
    // reports without one (AclOperation codes: CREATE 5, ALTER 7, DESCRIBE 8,
    // CLUSTER_ACTION 9, DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11,
    // IDEMPOTENT_WRITE 12).
    int32_t ops = 0;
    for (int op : {5, 7, 8, 9, 10, 11, 12}) ops |= int32_t{1} << op;
    resp.cluster_authorized_operations = ops;
  }
  reply(Response(std::move(resp)));
}

// ---------------------------------------------------------------------------
// DeleteRecords.

void HandleDeleteRecords(const HandlerContext& ctx, Request& request, Reply reply) {
  auto& req = std::get<DeleteRecordsRequest>(request);
  Agent& agent = *ctx.agent;
  DeleteRecordsResponse resp;
  for (const auto& topic : req.topics) {
    DeleteRecordsResponse::DeleteRecordsTopicResult& tr = resp.topics.emplace_back();
    tr.name = topic.name;
    for (const auto& p : topic.partitions) {
      DeleteRecordsResponse::DeleteRecordsPartitionResult& pr = tr.partitions.emplace_back();
      pr.partition_index = p.partition_index;
      pr.low_watermark = -1;
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
  for (const auto& topic : req.topics) {
    OffsetForLeaderEpochResponse::OffsetForLeaderTopicResult& tr = resp.topics.emplace_back();
    tr.topic = topic.topic;
    for (const auto& p : topic.partitions) {
      OffsetForLeaderEpochResponse::EpochEndOffset& pr = tr.partitions.emplace_back();
      pr.partition = p.partition;
      pr.leader_epoch = -1;
      pr.end_offset = -1;
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

void RegisterAdminHandlers(absl::flat_hash_map<int16_t, Handler>& table) {
  table[CreateTopicsRequest::kApiKey] = HandleCreateTopics;
  table[DeleteTopicsRequest::kApiKey] = HandleDeleteTopics;
  table[CreatePartitionsRequest::kApiKey] = HandleCreatePartitions;
  table[DescribeConfigsRequest::kApiKey] = HandleDescribeConfigs;
  table[AlterConfigsRequest::kApiKey] = HandleAlterConfigs;
  table[IncrementalAlterConfigsRequest::kApiKey] = HandleIncrementalAlterConfigs;
  table[DescribeClusterRequest::kApiKey] = HandleDescribeCluster;
  table[DeleteRecordsRequest::kApiKey] = HandleDeleteRecords;
  table[OffsetForLeaderEpochRequest::kApiKey] = HandleOffsetForLeaderEpoch;
}

}  // namespace warp::server
