// Helpers shared by the admin API handlers (topic_handlers.cc and
// config_handlers.cc): Kafka constants, error results, metadata execution and
// config descriptions. Internal to server/handlers.
#ifndef WARP_SERVER_HANDLERS_ADMIN_SUPPORT_H_
#define WARP_SERVER_HANDLERS_ADMIN_SUPPORT_H_

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
#include "lib/metadata/topic_id.h"
#include "lib/protocol/messages/errors.h"
#include "server/handler.h"

namespace warp::server::admin {

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

inline ApiError Error(ErrorCode code, std::string message) {
  return {ToInt16(code), std::move(message)};
}

inline ApiError FromCheck(const metadata::ConfigCheck& check) {
  return {ErrorCodeFor(check.error), check.message};
}

// Applies `command`, mapping both a journal failure and the command's own
// Kafka error to an ApiError. `result` (optional) receives the result.
inline ApiError Execute(Agent& agent, Command command, CommandResult* result = nullptr) {
  absl::StatusOr<CommandResult> r = agent.metadata().Execute(std::move(command));
  if (!r.ok()) return {ErrorCodeFor(r.status()), std::string(r.status().message())};
  if (!r->ok()) return {ErrorCodeFor(r->error), r->message};
  if (result != nullptr) *result = *std::move(r);
  return {};
}

// nullopt on success (Kafka sends a null message), the message otherwise.
inline std::optional<std::string> MessageOf(const ApiError& e) {
  if (e.ok()) return std::nullopt;
  return e.message;
}

inline int64_t NowMs() { return absl::ToUnixMillis(absl::Now()); }

using metadata::NewTopicId;

// ---------------------------------------------------------------------------
// Configs.

// Kafka's ConfigType (DescribeConfigs v3+).
inline int8_t ConfigTypeOf(absl::string_view type) {
  if (type == "boolean") return 1;
  if (type == "string") return 2;
  if (type == "int") return 3;
  if (type == "long") return 5;
  if (type == "double") return 6;
  if (type == "list") return 7;
  return 0;
}

inline const metadata::ConfigDefinition* FindDefinition(absl::string_view name) {
  for (const metadata::ConfigDefinition& def : metadata::TopicConfigDefinitions()) {
    if (name == def.name) return &def;
  }
  return nullptr;
}

// The broker config a topic config's default comes from (Kafka's
// ServerTopicConfigSynonyms), for the DEFAULT_CONFIG synonym.
inline std::string BrokerSynonym(absl::string_view topic_config) {
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
inline std::vector<CreateTopicsResponse::CreatableTopicConfigs> CreatedTopicConfigs(
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
inline std::vector<std::string> ListItems(absl::string_view value) {
  std::vector<std::string> items;
  for (absl::string_view item : absl::StrSplit(value, ',')) {
    item = absl::StripAsciiWhitespace(item);
    if (!item.empty()) items.emplace_back(item);
  }
  return items;
}

// "Topic '<name>' does not exist." for an unknown topic.
inline ApiError UnknownTopic(absl::string_view name) {
  return Error(ErrorCode::kUnknownTopicOrPartition,
               absl::StrCat("Topic '", name, "' does not exist."));
}

// The topic a config resource names, or an error.
inline ApiError LookUpTopicResource(Agent& agent, const std::string& name,
                             std::optional<TopicInfo>* topic) {
  metadata::ConfigCheck legal = metadata::ValidateTopicName(name);
  if (!legal.ok()) return FromCheck(legal);
  *topic = agent.metadata().GetTopic(name);
  if (!topic->has_value()) return UnknownTopic(name);
  return {};
}

// Kafka refuses resource types other than topics and brokers.
inline ApiError UnsupportedResource(int8_t type) {
  return Error(ErrorCode::kInvalidRequest,
               absl::StrCat("Unsupported resource type: ", type));
}

inline ApiError ReadOnlyBroker() {
  return Error(ErrorCode::kInvalidRequest,
               "warp broker configs are read-only: set them with warpd flags "
               "(topic configs can be altered)");
}

// A broker resource name must be empty (cluster default) or this node's id.
inline ApiError CheckBrokerName(const Agent& agent, const std::string& name) {
  if (name.empty() || name == absl::StrCat(agent.node_id())) return {};
  return Error(ErrorCode::kInvalidRequest,
               absl::StrCat("Unexpected broker id, expected ", agent.node_id(),
                            " or empty string, but received ", name));
}


}  // namespace warp::server::admin

#endif  // WARP_SERVER_HANDLERS_ADMIN_SUPPORT_H_
