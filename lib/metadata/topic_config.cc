#include "lib/metadata/topic_config.h"

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace warp::metadata {
namespace {

constexpr int64_t kLongMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kIntMax = std::numeric_limits<int32_t>::max();

struct Rule {
  ConfigDefinition def;
  int64_t min = 0;       // for int/long
  int64_t max = kLongMax;
  std::vector<std::string> choices;  // for string/list
};

const std::vector<Rule>& Rules() {
  static const auto* rules = new std::vector<Rule>{
      {{"cleanup.policy", "delete", "list", "delete, compact, or both"}, 0, 0,
       {"delete", "compact"}},
      {{"compression.type", "producer", "string", "final compression of the topic"},
       0, 0, {"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"}},
      {{"delete.retention.ms", "86400000", "long", "how long tombstones are kept"},
       0, kLongMax},
      {{"file.delete.delay.ms", "60000", "long", "delay before deleting a file"},
       0, kLongMax},
      {{"flush.messages", "9223372036854775807", "long", "ignored: every write is durable"},
       1, kLongMax},
      {{"flush.ms", "9223372036854775807", "long", "ignored: every write is durable"},
       0, kLongMax},
      {{"index.interval.bytes", "4096", "int", "ignored"}, 0, kIntMax},
      {{"max.compaction.lag.ms", "9223372036854775807", "long",
        "longest time a record stays uncompacted"}, 1, kLongMax},
      {{"max.message.bytes", "1048588", "int", "largest record batch accepted"},
       0, kIntMax},
      {{"message.downconversion.enable", "true", "boolean", "ignored"}},
      {{"message.timestamp.difference.max.ms", "9223372036854775807", "long",
        "largest allowed distance of a CreateTime timestamp from now"},
       0, kLongMax},
      {{"message.timestamp.type", "CreateTime", "string",
        "CreateTime or LogAppendTime"}, 0, 0, {"CreateTime", "LogAppendTime"}},
      {{"min.cleanable.dirty.ratio", "0.5", "double", "compaction trigger"}},
      {{"min.compaction.lag.ms", "0", "long", "shortest time before compaction"},
       0, kLongMax},
      {{"min.insync.replicas", "1", "int", "accepted for compatibility"}, 1, kIntMax},
      {{"preallocate", "false", "boolean", "ignored"}},
      {{"retention.bytes", "-1", "long", "bytes kept per partition; -1 unlimited"},
       -1, kLongMax},
      {{"retention.ms", "604800000", "long", "time records are kept; -1 forever"},
       -1, kLongMax},
      {{"segment.bytes", "1073741824", "int", "ignored: objects replace segments"},
       14, kIntMax},
      {{"segment.index.bytes", "10485760", "int", "ignored"}, 4, kIntMax},
      {{"segment.jitter.ms", "0", "long", "ignored"}, 0, kLongMax},
      {{"segment.ms", "604800000", "long", "ignored"}, 1, kLongMax},
      {{"unclean.leader.election.enable", "false", "boolean", "ignored"}},
  };
  return *rules;
}

const Rule* FindRule(absl::string_view name) {
  for (const Rule& rule : Rules()) {
    if (name == rule.def.name) return &rule;
  }
  return nullptr;
}

ConfigCheck Invalid(absl::string_view name, absl::string_view value,
                    absl::string_view why) {
  return {KafkaError::kInvalidConfig,
          absl::StrCat("Invalid value ", value, " for configuration ", name,
                       ": ", why)};
}

ConfigCheck CheckValue(const Rule& rule, absl::string_view value) {
  absl::string_view type = rule.def.type;
  absl::string_view name = rule.def.name;
  if (type == "long" || type == "int") {
    int64_t v;
    if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(value), &v)) {
      return Invalid(name, value, absl::StrCat("not a number of type ", type));
    }
    if (v < rule.min || v > rule.max) {
      return Invalid(name, value,
                     absl::StrCat("Value must be at least ", rule.min,
                                  rule.max == kLongMax ? "" : absl::StrCat(" and at most ", rule.max)));
    }
  } else if (type == "double") {
    double v;
    if (!absl::SimpleAtod(value, &v) || v < 0 || v > 1) {
      return Invalid(name, value, "Value must be a number between 0 and 1");
    }
  } else if (type == "boolean") {
    std::string v = absl::AsciiStrToLower(absl::StripAsciiWhitespace(value));
    if (v != "true" && v != "false") {
      return Invalid(name, value, "Expected value to be either true or false");
    }
  } else if (type == "string") {
    if (std::find(rule.choices.begin(), rule.choices.end(), value) ==
        rule.choices.end()) {
      return Invalid(name, value, "String must be one of the allowed values");
    }
  } else if (type == "list") {
    std::vector<std::string> items = absl::StrSplit(value, ',');
    for (std::string& item : items) {
      std::string trimmed(absl::StripAsciiWhitespace(item));
      if (std::find(rule.choices.begin(), rule.choices.end(), trimmed) ==
          rule.choices.end()) {
        return Invalid(name, value, "list items must be delete or compact");
      }
    }
  }
  return {};
}

}  // namespace

ConfigCheck ValidateTopicName(absl::string_view name) {
  if (name.empty()) return {KafkaError::kInvalidTopic, "Topic name is illegal, it can't be empty"};
  if (name == "." || name == "..") {
    return {KafkaError::kInvalidTopic, "Topic name cannot be \".\" or \"..\""};
  }
  if (name.size() > 249) {
    return {KafkaError::kInvalidTopic,
            absl::StrCat("Topic name is illegal, it can't be longer than 249 "
                         "characters, topic name: ", name.substr(0, 260))};
  }
  for (char c : name) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '_' && c != '-') {
      return {KafkaError::kInvalidTopic,
              absl::StrCat("Topic name \"", name,
                           "\" is illegal, it contains a character other than "
                           "ASCII alphanumerics, '.', '_' and '-'")};
    }
  }
  return {};
}

ConfigCheck ValidateTopicConfigs(const TopicConfigs& configs) {
  for (const auto& [name, value] : configs) {
    const Rule* rule = FindRule(name);
    if (rule == nullptr) {
      return {KafkaError::kInvalidConfig,
              absl::StrCat("Unknown topic config name: ", name)};
    }
    ConfigCheck check = CheckValue(*rule, value);
    if (!check.ok()) return check;
  }
  return {};
}

const std::vector<ConfigDefinition>& TopicConfigDefinitions() {
  static const auto* defs = [] {
    auto* out = new std::vector<ConfigDefinition>();
    for (const Rule& rule : Rules()) out->push_back(rule.def);
    return out;
  }();
  return *defs;
}

std::string EffectiveConfig(const TopicConfigs& configs, absl::string_view name) {
  auto it = configs.find(std::string(name));
  if (it != configs.end()) return it->second;
  const Rule* rule = FindRule(name);
  return rule ? rule->def.default_value : "";
}

bool HasCleanupPolicy(const TopicConfigs& configs, absl::string_view policy) {
  for (absl::string_view p : absl::StrSplit(EffectiveConfig(configs, "cleanup.policy"), ',')) {
    if (absl::StripAsciiWhitespace(p) == policy) return true;
  }
  return false;
}

}  // namespace warp::metadata
