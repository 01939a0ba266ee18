// Kafka's rules for topic names, partition counts and topic configs (names,
// types, ranges, defaults). Pure and thread-safe.
#ifndef WARP_LIB_METADATA_TOPIC_CONFIG_H_
#define WARP_LIB_METADATA_TOPIC_CONFIG_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "warp/kafka_error.h"
#include "warp/metadata.h"

namespace warp::metadata {

// The most partitions a topic may have (a guard, not a Kafka limit).
inline constexpr int32_t kMaxPartitions = 100000;

struct ConfigCheck {
  KafkaError error = KafkaError::kNone;
  std::string message;
  bool ok() const { return error == KafkaError::kNone; }
};

// Legal: [a-zA-Z0-9._-]{1,249}, not "." or "..".
ConfigCheck ValidateTopicName(absl::string_view name);

// Every name must be a known topic config and every value of its type and
// range (INVALID_CONFIG otherwise, naming the config).
ConfigCheck ValidateTopicConfigs(const TopicConfigs& configs);

struct ConfigDefinition {
  const char* name;
  const char* default_value;
  const char* type;  // "long", "int", "double", "boolean", "string", "list"
  const char* documentation;
};

// Every topic config warp knows, sorted by name (for DescribeConfigs).
const std::vector<ConfigDefinition>& TopicConfigDefinitions();

// The effective value of `name` for a topic with `configs` set explicitly.
std::string EffectiveConfig(const TopicConfigs& configs, absl::string_view name);

// Whether a topic's cleanup.policy (a list) includes `policy` ("delete",
// "compact").
bool HasCleanupPolicy(const TopicConfigs& configs, absl::string_view policy);

}  // namespace warp::metadata

#endif  // WARP_LIB_METADATA_TOPIC_CONFIG_H_
