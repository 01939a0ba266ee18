// libFuzzer target for loading a metadata state snapshot
// (MetadataState::FromSnapshot, state_snapshot.cc).
//
// Each input is a snapshot. Loading must never crash, read out of bounds or
// allocate by an unchecked count. A loaded state must snapshot to bytes
// that load again and snapshot to the same bytes, and answer every query
// over its topics, partitions, groups, agents and objects without crashing.
//
// Replayed over tests/fuzz/corpus/state_snapshot by //lib/metadata:
// state_snapshot_fuzz_replay; fuzzed by
// `bash scripts/fuzz.sh 60 state_snapshot`.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "lib/metadata/state.h"

namespace warp::metadata {
namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

// Runs the queries the store answers from a state.
void Query(const MetadataState& state) {
  for (const TopicInfo& topic : state.ListTopics()) {
    Check(state.FindTopic(topic.name) != nullptr);
    for (int32_t p = 0; p < topic.partitions; ++p) {
      const TopicPartition tp{topic.name, p};
      const PartitionLog* log = state.FindPartition(tp);
      if (log == nullptr) continue;
      std::vector<BatchLocation> found;
      (void)state.FindBatches(tp, log->log_start_offset(),
                              std::numeric_limits<uint64_t>::max(), &found);
      (void)state.FindBatches(tp, log->high_watermark(), 1, &found);
      (void)state.OffsetForTimestamp(tp, 0);
      for (const BatchLocation& batch : found) (void)state.FindObject(batch.object_key);
    }
  }
  for (const std::string& group : state.ListGroups()) {
    Check(state.GroupOffsets(group) != nullptr);
  }
  (void)state.Agents();
  for (const warp::TransactionInfo& txn : state.ListTransactions()) {
    Check(state.FindTransaction(txn.transactional_id) != nullptr);
    for (const std::string& group : txn.groups) (void)state.PendingTransactionalOffsets(group);
  }
  const warp::SecurityMetadata security = state.Security();
  Check(security.revision == state.security_revision());
  for (const ObjectRecord& object :
       state.DeadObjects(std::numeric_limits<int64_t>::max())) {
    (void)state.FindObject(object.key);
  }
}

}  // namespace
}  // namespace warp::metadata

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace warp::metadata;  // NOLINT: a fuzz entry point.
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<MetadataState> state = MetadataState::FromSnapshot(input);
  if (!state.ok()) return 0;
  const std::string snapshot = state->Snapshot();
  // A version-1 snapshot gains the (empty) listeners of its agents, and
  // versions 1 and 2 an empty security section (16 bytes).
  uint32_t version = 0;
  std::memcpy(&version, data + 4, 4);
  size_t grown = 0;
  if (version == 1) {
    grown = 16;
    for (const warp::AgentInfo& agent : state->Agents()) grown += 16 + agent.id.size();
  }
  if (version <= 2) grown += 16;
  if (version <= 3) grown += 12;  // and empty transaction sections
  if (version <= 4) {
    // The producers' last writes: per partition with producers, its name,
    // number and count, and 16 bytes a producer.
    grown += 4;
    for (const warp::TopicInfo& topic : state->ListTopics()) {
      for (int32_t p = 0; p < topic.partitions; ++p) {
        const PartitionLog* log = state->FindPartition({topic.name, p});
        if (log == nullptr || log->producers().empty()) continue;
        grown += 12 + topic.name.size() + 16 * log->producers().size();
      }
    }
  }
  Check(snapshot.size() <= input.size() + grown);
  absl::StatusOr<MetadataState> again = MetadataState::FromSnapshot(snapshot);
  Check(again.ok());
  Check(again->Snapshot() == snapshot);
  Query(*state);
  return 0;
}
