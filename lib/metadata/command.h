// The commands of the metadata state machine and their binary encoding.
//
// A command is what goes into the journal: everything its effect depends on
// is inside it (including times), so applying the same journal gives the same
// state on every replica. Encode/Decode are pure and thread-safe; Decode never
// trusts a length it has not checked against the bytes left.
#ifndef WARP_LIB_METADATA_COMMAND_H_
#define WARP_LIB_METADATA_COMMAND_H_

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "warp/metadata.h"

namespace warp::metadata {

// All batches of one object become visible together, each with its offsets.
struct CommitFile {
  std::string object_key;
  uint64_t object_size = 0;
  int64_t commit_time_ms = 0;
  std::vector<BatchToCommit> batches;
};

struct CreateTopic {
  std::string name;
  TopicId id;
  int32_t partitions = 0;
  TopicConfigs configs;
};

struct DeleteTopic {
  std::string name;
  int64_t time_ms = 0;
};

struct CreatePartitions {
  std::string topic;
  int32_t new_total = 0;
};

// Sets `set` and removes `remove`; with `replace`, every config not in `set`
// is removed (AlterConfigs), otherwise others stay (IncrementalAlterConfigs).
struct AlterTopicConfigs {
  std::string topic;
  TopicConfigs set;
  std::vector<std::string> remove;
  bool replace = false;
};

// Allocates `count` consecutive new producer ids.
struct AllocateProducerIds {
  int32_t count = 1;
};

struct CommitGroupOffsets {
  std::string group;
  int64_t commit_time_ms = 0;
  struct Entry {
    TopicPartition tp;
    GroupOffset offset;
  };
  std::vector<Entry> offsets;
};

// Deletes committed offsets: all of the group's when `partitions` is empty.
struct DeleteGroupOffsets {
  std::string group;
  std::vector<TopicPartition> partitions;
};

// Advances a partition's log start offset (DeleteRecords, retention).
// before_offset -1 means the high watermark.
struct DeleteRecords {
  TopicPartition tp;
  int64_t before_offset = 0;
  int64_t time_ms = 0;
};

// Compaction: replaces the index entries of inputs by ranges of one new
// object. Rejected (kStaleInput) unless every input is live and every moved
// range is covered exactly by entries of the inputs.
struct ReplaceFiles {
  std::vector<std::string> inputs;
  std::string output_key;
  uint64_t output_size = 0;
  int64_t time_ms = 0;
  struct Range {
    TopicPartition tp;
    int64_t base_offset = 0;
    int64_t last_offset = 0;
    uint64_t byte_offset = 0;
    uint32_t byte_length = 0;
    int64_t max_timestamp = -1;
  };
  std::vector<Range> ranges;
};

// Forgets dead objects after garbage collection deleted them.
struct ForgetObjects {
  std::vector<std::string> keys;
};

struct RegisterAgent {
  AgentInfo agent;
};

// Removes agents whose lease expired before `now_ms`.
struct ExpireAgents {
  int64_t now_ms = 0;
};

using Command =
    std::variant<CommitFile, CreateTopic, DeleteTopic, CreatePartitions,
                 AlterTopicConfigs, AllocateProducerIds, CommitGroupOffsets,
                 DeleteGroupOffsets, DeleteRecords, ReplaceFiles, ForgetObjects,
                 RegisterAgent, ExpireAgents>;

// Serializes `command` (a version byte, the variant index, the fields).
std::string EncodeCommand(const Command& command);

// Parses what EncodeCommand wrote; InvalidArgument/DataLoss on bad bytes.
absl::StatusOr<Command> DecodeCommand(absl::string_view bytes);

}  // namespace warp::metadata

#endif  // WARP_LIB_METADATA_COMMAND_H_
