// Config and cluster APIs: DescribeConfigs, AlterConfigs,
// IncrementalAlterConfigs and DescribeCluster.
#include "server/authorization.h"
#include "server/handlers/admin_support.h"
#include "server/groups/placement.h"
#include "server/routing.h"

namespace warp::server {
namespace {

using namespace admin;  // NOLINT

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

// DESCRIBE_CONFIGS (describe) or ALTER_CONFIGS (alter) on the topic, or on
// the cluster for a broker: TOPIC_ / CLUSTER_AUTHORIZATION_FAILED otherwise.
ApiError CheckConfigAccess(const RequestAuthorizer& auth, acl::AclOperation operation,
                           int8_t resource_type, const std::string& name) {
  if (resource_type == kResourceTopic && !auth.Topic(operation, name)) {
    return Error(ErrorCode::kTopicAuthorizationFailed, "Authorization failed.");
  }
  if (resource_type == kResourceBroker && !auth.Cluster(operation)) {
    return Error(ErrorCode::kClusterAuthorizationFailed, "Cluster authorization failed.");
  }
  return {};
}

void HandleDescribeConfigs(const HandlerContext& ctx, Request& request, Reply reply) {
  auto& req = std::get<DescribeConfigsRequest>(request);
  Agent& agent = *ctx.agent;
  (void)agent.metadata().Sync();  // show configs altered through any agent
  DescribeConfigsResponse resp;
  const RequestAuthorizer auth(ctx);
  for (const auto& resource : req.resources) {
    DescribeConfigsResponse::DescribeConfigsResult& r = resp.results.emplace_back();
    r.resource_type = resource.resource_type;
    r.resource_name = resource.resource_name;
    ApiError e = CheckConfigAccess(auth, acl::AclOperation::kDescribeConfigs,
                                   resource.resource_type, resource.resource_name);
    if (!e.ok()) {
      // Denied: answered below without configs.
    } else if (resource.resource_type == kResourceTopic) {
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
  const RequestAuthorizer auth(ctx);
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
    } else if (ApiError denied = CheckConfigAccess(auth, acl::AclOperation::kAlterConfigs,
                                                   resource.resource_type,
                                                   resource.resource_name);
               !denied.ok()) {
      e = std::move(denied);
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
  const RequestAuthorizer auth(ctx);
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
    } else if (ApiError denied = CheckConfigAccess(auth, acl::AclOperation::kAlterConfigs,
                                                   resource.resource_type,
                                                   resource.resource_name);
               !denied.ok()) {
      e = std::move(denied);
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
  // The brokers Metadata gives this client, as Kafka lists all of them.
  std::vector<Broker> brokers = BrokersFor(ctx);
  resp.controller_id = brokers.front().node_id;
  for (const Broker& b : brokers) {
    DescribeClusterResponse::DescribeClusterBroker& broker = resp.brokers.emplace_back();
    broker.broker_id = b.node_id;
    broker.host = b.host;
    broker.port = b.port;
    if (!b.zone.empty()) broker.rack = b.zone;
  }
  resp.cluster_authorized_operations = std::numeric_limits<int32_t>::min();
  if (req.include_cluster_authorized_operations) {
    // As Kafka: the operations allowed on the cluster to who may describe
    // it (every one the CLUSTER resource supports without an authorizer),
    // none to others.
    const RequestAuthorizer auth(ctx);
    resp.cluster_authorized_operations =
        auth.Cluster(acl::AclOperation::kDescribe)
            ? auth.AuthorizedOperations(acl::ResourceType::kCluster, acl::kClusterResourceName)
            : 0;
  }
  reply(Response(std::move(resp)));
}


}  // namespace

// The admin APIs: these and the topic handlers.
void RegisterAdminHandlers(absl::flat_hash_map<int16_t, Handler>& table) {
  RegisterTopicHandlers(table);
  table[DescribeConfigsRequest::kApiKey] = HandleDescribeConfigs;
  table[AlterConfigsRequest::kApiKey] = HandleAlterConfigs;
  table[IncrementalAlterConfigsRequest::kApiKey] = HandleIncrementalAlterConfigs;
  table[DescribeClusterRequest::kApiKey] = HandleDescribeCluster;
}

}  // namespace warp::server
