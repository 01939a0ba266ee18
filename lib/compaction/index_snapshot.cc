#include "lib/compaction/index_snapshot.h"

#include <limits>

#include "lib/engine/object_format.h"

namespace warp::compaction {

IndexSnapshot IndexSnapshot::Take(MetadataStore& metadata, const std::string& cluster) {
  IndexSnapshot snapshot;
  for (const TopicInfo& topic : metadata.ListTopics()) {
    for (int32_t p = 0; p < topic.partitions; ++p) {
      TopicPartition tp{topic.name, p};
      // The log start may move between the two reads: read again.
      FetchPlan plan;
      plan.error = KafkaError::kOffsetOutOfRange;
      for (int attempt = 0; attempt < 8 && plan.error == KafkaError::kOffsetOutOfRange;
           ++attempt) {
        absl::StatusOr<PartitionOffsets> offsets = metadata.GetOffsets(tp);
        if (!offsets.ok()) {
          plan.error = KafkaError::kUnknownTopicOrPartition;
          break;
        }
        plan = metadata.FindBatches(tp, offsets->log_start_offset,
                                    std::numeric_limits<uint64_t>::max());
      }
      // A deleted topic's objects are dead, not live: nothing is missed.
      if (plan.error == KafkaError::kUnknownTopicOrPartition) continue;
      if (plan.error != KafkaError::kNone) {
        snapshot.complete = false;
        continue;
      }
      for (const BatchLocation& b : plan.batches) {
        // A transaction marker lives in no object (merges stop at it: it is
        // in none of their inputs).
        if (b.marker) continue;
        auto [it, inserted] = snapshot.objects.try_emplace(b.object_key);
        SnapshotObject& object = it->second;
        if (inserted) {
          object.key = b.object_key;
          absl::StatusOr<engine::ObjectKeyInfo> info =
              engine::ParseObjectKey(cluster, b.object_key);
          if (info.ok()) {
            object.parsed = true;
            object.level = info->level;
            object.created = info->created;
          }
        }
        object.live_bytes += b.byte_length;
      }
      snapshot.partitions[tp] = std::move(plan.batches);
    }
  }
  return snapshot;
}

}  // namespace warp::compaction
