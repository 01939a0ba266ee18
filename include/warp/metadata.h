// Value types of the metadata store: what a virtual cluster knows about
// topics, partitions, the batches in objects, producers, groups and agents.
// Plain values; thread-compatible.
#ifndef WARP_METADATA_H_
#define WARP_METADATA_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "warp/acl.h"
#include "warp/kafka_error.h"

namespace warp {

// A topic's 128-bit id, as Kafka's Uuid.
struct TopicId {
  uint64_t hi = 0;
  uint64_t lo = 0;
  bool operator==(const TopicId&) const = default;
  bool IsZero() const { return hi == 0 && lo == 0; }
};

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  bool operator==(const TopicPartition&) const = default;
  bool operator<(const TopicPartition& o) const {
    return topic != o.topic ? topic < o.topic : partition < o.partition;
  }
};

// A topic's configuration: Kafka config names to values (strings, validated
// against the known configs with their types and ranges).
using TopicConfigs = std::map<std::string, std::string>;

struct TopicInfo {
  std::string name;
  TopicId id;
  int32_t partitions = 0;
  TopicConfigs configs;  // only the configs set explicitly
};

// One record batch as a producer hands it to the metadata store: where its
// bytes are, and what the store needs to assign offsets and dedup.
struct BatchToCommit {
  std::string topic;
  int32_t partition = 0;
  uint64_t byte_offset = 0;  // within the object
  uint32_t byte_length = 0;
  int32_t record_count = 0;     // lastOffsetDelta + 1
  int64_t max_timestamp = -1;   // ms
  int64_t producer_id = -1;     // -1: not idempotent
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  bool transactional = false;
};

// What the store decided for one batch of a committed file.
struct BatchResult {
  KafkaError error = KafkaError::kNone;
  int64_t base_offset = -1;
  int64_t log_append_time = -1;  // ms, for LogAppendTime topics
  int64_t log_start_offset = -1;
  bool duplicate = false;  // an earlier commit stored it; offsets are its own
};

// Where a batch (or, after compaction, a run of batches) lives. A
// transaction marker lives in no object (`marker`, empty `object_key`): its
// control batch is built at fetch time from the fields below.
struct BatchLocation {
  std::string object_key;
  uint64_t byte_offset = 0;
  uint32_t byte_length = 0;
  int64_t base_offset = 0;
  int64_t last_offset = 0;
  int64_t max_timestamp = -1;
  bool marker = false;
  int64_t producer_id = -1;  // marker: its producer, epoch and kind
  int16_t producer_epoch = -1;
  bool commit = false;
};

// Kafka's transaction states (TransactionState), with Kafka's names.
enum class TransactionState : int8_t {
  kEmpty = 0,
  kOngoing = 1,
  kPrepareCommit = 2,
  kPrepareAbort = 3,
  kCompleteCommit = 4,
  kCompleteAbort = 5,
  kDead = 6,
};

// What the coordinator knows of one transactional id.
struct TransactionInfo {
  std::string transactional_id;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  TransactionState state = TransactionState::kEmpty;
  int32_t timeout_ms = 0;
  int64_t start_ms = -1;  // of the open transaction; -1 when none
  int64_t last_update_ms = 0;
  std::vector<TopicPartition> partitions;  // in the open transaction
  std::vector<std::string> groups;         // whose offsets it commits
};

// A producer's state on one partition (DescribeProducers).
struct ProducerInfo {
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t last_sequence = -1;
  int64_t last_timestamp_ms = -1;
  // The first offset of its transaction open on the partition; -1 if none.
  int64_t current_txn_start_offset = -1;
};

struct PartitionOffsets {
  int64_t log_start_offset = 0;
  int64_t high_watermark = 0;
  // Kafka's last stable offset: the first offset of the earliest open
  // transaction, else the high watermark.
  int64_t last_stable_offset = 0;
};

// An aborted transaction of one producer on one partition: its data starts
// at `first_offset`, its abort marker is at `last_offset` (Fetch's
// aborted_transactions, for read_committed consumers).
struct AbortedTransaction {
  int64_t producer_id = -1;
  int64_t first_offset = 0;
  int64_t last_offset = 0;
  bool operator==(const AbortedTransaction&) const = default;
};

struct GroupOffset {
  int64_t offset = -1;
  int32_t leader_epoch = -1;
  std::string metadata;
  int64_t commit_time_ms = 0;
};

// One Kafka listener of an agent, as its clients are told to reach it.
struct AgentListener {
  std::string name;     // "PLAINTEXT", "SSL", "INTERNAL"...
  std::string address;  // advertised host:port
  bool operator==(const AgentListener&) const = default;
};

struct AgentInfo {
  std::string id;
  // host:port advertised to clients of its first listener (and of every
  // listener for agents that registered none).
  std::string address;
  std::string zone;
  std::vector<std::string> roles;
  int64_t lease_expires_ms = 0;
  // Every listener (RegisterAgentWithListeners); empty in older records.
  std::vector<AgentListener> listeners;
};

// One SCRAM credential of a user (AlterUserScramCredentials): the mechanism
// ("SCRAM-SHA-256", "SCRAM-SHA-512") and the credential in its text form
// (salt, iterations, stored and server keys; never the password; see
// lib/security/sasl/credentials.h). The metadata store keeps the text as
// given; whoever logs users in decodes it.
struct ScramCredentialRecord {
  std::string mechanism;
  std::string credential;
  bool operator==(const ScramCredentialRecord&) const = default;
};

// What the virtual cluster knows about who may do what: the ACLs and the
// SCRAM users, and a revision that grows with every change of either (so
// that agents can poll it cheaply and rebuild only when it moved).
struct SecurityMetadata {
  uint64_t revision = 0;
  std::vector<acl::AclBinding> acls;  // sorted, unique
  // User name to its credentials, by mechanism.
  std::map<std::string, std::map<std::string, std::string>> scram_users;
};

}  // namespace warp

#endif  // WARP_METADATA_H_
