#include "warp/retention.h"

#include <algorithm>
#include <limits>

#include "absl/strings/numbers.h"
#include "lib/base/status_macros.h"
#include "lib/compaction/clean_plan.h"
#include "lib/metadata/topic_config.h"

namespace warp {
namespace {

int64_t ConfigLong(const TopicConfigs& configs, absl::string_view name) {
  int64_t value = -1;
  if (!absl::SimpleAtoi(metadata::EffectiveConfig(configs, name), &value)) return -1;
  return value;
}

// When the object `key` was written, from its name (`.../<16-digit unix
// micros>-<agent>-<n>`, see MakeObjectKey), in ms; -1 if the name says not.
int64_t ObjectWriteTimeMs(absl::string_view key) {
  size_t slash = key.rfind('/');
  absl::string_view name = slash == absl::string_view::npos ? key : key.substr(slash + 1);
  int64_t micros = 0;
  if (name.size() < 17 || name[16] != '-' || !absl::SimpleAtoi(name.substr(0, 16), &micros)) {
    return -1;
  }
  return micros / 1000;
}

// The new log start of a partition with `entries` (from its log start) under
// `retention_ms` / `retention_bytes` (-1: unlimited) at `now_ms`, or -1 when
// nothing is past retention.
//
// An entry's age counts from its newest record timestamp, as Kafka's, but
// never from before its object was written: records produced with old
// timestamps (a replay, a migration) stay for retention.ms after they
// arrive, as Kafka keeps them until their segment is no longer the active
// one.
int64_t RetentionLogStart(const std::vector<BatchLocation>& entries, int64_t retention_ms,
                          int64_t retention_bytes, int64_t now_ms) {
  size_t drop = 0;  // entries to drop from the front
  if (retention_ms >= 0) {
    while (drop < entries.size() && entries[drop].max_timestamp >= 0 &&
           std::max(entries[drop].max_timestamp, ObjectWriteTimeMs(entries[drop].object_key)) <
               now_ms - retention_ms) {
      ++drop;
    }
  }
  if (retention_bytes >= 0) {
    uint64_t total = 0;
    for (size_t i = drop; i < entries.size(); ++i) total += entries[i].byte_length;
    // As Kafka: drop the oldest while what stays still holds retention.bytes.
    while (drop < entries.size() &&
           total - entries[drop].byte_length >= static_cast<uint64_t>(retention_bytes)) {
      total -= entries[drop].byte_length;
      ++drop;
    }
  }
  if (drop == 0) return -1;
  return entries[drop - 1].last_offset + 1;
}

class RetentionEnforcerImpl final : public RetentionEnforcer {
 public:
  explicit RetentionEnforcerImpl(const RetentionOptions& options)
      : options_(options), clock_(options.clock ? options.clock : Clock::Real()) {}

  absl::StatusOr<RetentionResult> RunOnce() override {
    RetentionResult result;
    int64_t now_ms = absl::ToUnixMillis(clock_->Now());
    for (const TopicInfo& topic : options_.metadata->ListTopics()) {
      if (!compaction::HasCleanupPolicy(topic.configs, "delete")) continue;
      int64_t retention_ms = ConfigLong(topic.configs, "retention.ms");
      int64_t retention_bytes = ConfigLong(topic.configs, "retention.bytes");
      if (retention_ms < 0 && retention_bytes < 0) continue;
      for (int32_t p = 0; p < topic.partitions; ++p) {
        TopicPartition tp{topic.name, p};
        if (options_.owns_partition && !options_.owns_partition(tp)) continue;
        absl::StatusOr<PartitionOffsets> offsets = options_.metadata->GetOffsets(tp);
        if (!offsets.ok()) continue;
        FetchPlan plan = options_.metadata->FindBatches(
            tp, offsets->log_start_offset, std::numeric_limits<uint64_t>::max());
        if (plan.error != KafkaError::kNone) continue;  // moved meanwhile: next pass
        int64_t start =
            RetentionLogStart(plan.batches, retention_ms, retention_bytes, now_ms);
        if (start <= offsets->log_start_offset) continue;
        ASSIGN_OR_RETURN(CommandResult done,
                         options_.metadata->Execute(DeleteRecords{tp, start, now_ms}));
        if (!done.ok()) continue;  // the partition went away
        ++result.partitions_trimmed;
        result.records_deleted += done.log_start_offset - offsets->log_start_offset;
      }
    }
    return result;
  }

 private:
  const RetentionOptions options_;
  Clock* const clock_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<RetentionEnforcer>> RetentionEnforcer::Create(
    const RetentionOptions& options) {
  if (options.metadata == nullptr) {
    return absl::InvalidArgumentError("RetentionOptions needs a metadata store");
  }
  return std::unique_ptr<RetentionEnforcer>(std::make_unique<RetentionEnforcerImpl>(options));
}

}  // namespace warp
