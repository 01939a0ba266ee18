// The commands of a virtual cluster's metadata state machine, and what
// applying one decided. Plain values; thread-compatible.
//
// A command carries everything its effect depends on, times included, so the
// same journal of commands gives the same state on every replica.
#ifndef WARP_METADATA_COMMANDS_H_
#define WARP_METADATA_COMMANDS_H_

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "warp/kafka_error.h"
#include "warp/metadata.h"

namespace warp {

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

// The same with the agent's listeners (a newer record: RegisterAgent's
// format, still read, has none).
struct RegisterAgentWithListeners {
  AgentInfo agent;
};

// Removes agents whose lease expired before `now_ms`.
struct ExpireAgents {
  int64_t now_ms = 0;
};

// CreateAcls: stores every binding (one stored already counts once). All or
// nothing: kInvalidRequest, naming the binding, if one is not valid
// (acl::ValidateAclBinding).
struct AddAcls {
  std::vector<acl::AclBinding> bindings;
};

// DeleteAcls: removes the bindings given (the agent resolved the request's
// filters against its replica); those not stored are ignored.
struct RemoveAcls {
  std::vector<acl::AclBinding> bindings;
};

// AlterUserScramCredentials for one user: sets `upserts` (replacing the
// user's credential of the same mechanism) and removes the credentials of
// the mechanisms in `deletions`. All or nothing: kUnacceptableCredential for
// an empty user or mechanism, kDuplicateResource for a mechanism named twice,
// kResourceNotFound for the deletion of a credential the user does not have.
// A user left without credentials no longer exists.
struct AlterScramCredentials {
  std::string user;
  std::vector<ScramCredentialRecord> upserts;
  std::vector<std::string> deletions;
};

// Transactions (Kafka's TransactionCoordinator; docs/transactions.md). Every
// check and transition is the state machine's, so any agent coordinates any
// transactional id. Markers are written by the command that ends a
// transaction, in the metadata (no object): one offset per partition.

// InitProducerId with a transactional id: a new id gets a new producer id at
// epoch 0; a known one gets its epoch bumped (fencing older producers), an
// open transaction aborted first, and a new producer id once the epoch is
// exhausted. With `expected_producer_id` (KIP-360) the producer must be the
// current one (kProducerFenced otherwise).
struct InitTransactionalProducer {
  std::string transactional_id;
  int32_t timeout_ms = 60000;
  int64_t now_ms = 0;
  int64_t expected_producer_id = -1;
  int16_t expected_epoch = -1;
};

// AddPartitionsToTxn and AddOffsetsToTxn (a group in `groups`): opens the
// transaction if none is open. kInvalidProducerIdMapping for an unknown id or
// another producer, kProducerFenced for another epoch,
// kUnknownTopicOrPartition (nothing added) for a partition that does not
// exist.
struct AddToTransaction {
  std::string transactional_id;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  std::vector<TopicPartition> partitions;
  std::vector<std::string> groups;
  int64_t now_ms = 0;
};

// TxnOffsetCommit: offsets held until the transaction commits (then they are
// the group's) or aborts (then dropped). The group must be in the
// transaction (kInvalidTxnState otherwise).
struct CommitTransactionalOffsets {
  std::string transactional_id;
  std::string group;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  std::vector<CommitGroupOffsets::Entry> offsets;
};

// EndTxn: writes a commit or abort marker on every partition of the open
// transaction and ends it. A retry of a transaction that ended the same way
// succeeds; the other way, or with none open, kInvalidTxnState.
struct EndTransaction {
  std::string transactional_id;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  bool commit = false;
  int64_t now_ms = 0;
};

// Aborts the transactions open past their timeout (bumping their epochs:
// their producers are fenced) and forgets the transactional ids unused for
// `expiration_ms` (Kafka's transactional.id.expiration.ms).
struct ExpireTransactions {
  int64_t now_ms = 0;
  int64_t expiration_ms = 7 * 24 * 3600 * 1000LL;
};

// Forgets, on every partition, the idempotent and transactional producers
// whose last batch or marker there was written `expiration_ms` or more before
// `now_ms` (Kafka's producer.id.expiration.ms), unless they have a
// transaction open there. A forgotten producer's next batch is accepted at
// any sequence, as an unknown producer's is (KIP-360).
struct ExpireProducers {
  int64_t now_ms = 0;
  int64_t expiration_ms = 24 * 3600 * 1000LL;
};

using Command =
    std::variant<CommitFile, CreateTopic, DeleteTopic, CreatePartitions,
                 AlterTopicConfigs, AllocateProducerIds, CommitGroupOffsets,
                 DeleteGroupOffsets, DeleteRecords, ReplaceFiles, ForgetObjects,
                 RegisterAgent, ExpireAgents, RegisterAgentWithListeners,
                 AddAcls, RemoveAcls, AlterScramCredentials, InitTransactionalProducer,
                 AddToTransaction, CommitTransactionalOffsets, EndTransaction,
                 ExpireTransactions, ExpireProducers>;

// What applying a command decided. `error` is the command's Kafka outcome
// (not an infrastructure failure: those are absl::Status).
struct CommandResult {
  KafkaError error = KafkaError::kNone;
  std::string message;
  std::vector<BatchResult> batches;  // CommitFile: one per batch, in order
  int64_t producer_id = -1;          // AllocateProducerIds: the first id
  int16_t producer_epoch = -1;       // InitTransactionalProducer
  int64_t log_start_offset = -1;     // DeleteRecords
  bool ok() const { return error == KafkaError::kNone; }
};

}  // namespace warp

#endif  // WARP_METADATA_COMMANDS_H_
