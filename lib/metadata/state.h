// The metadata state machine of one virtual cluster.
//
// Deterministic: Apply() depends only on the state and the command (times
// come inside commands), and every container iterates in a fixed order, so the
// same journal gives the same state, and the same Snapshot() bytes, on every
// replica. Thread-compatible: the store serialises Apply and guards queries.
#ifndef WARP_LIB_METADATA_STATE_H_
#define WARP_LIB_METADATA_STATE_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/metadata/command.h"
#include "lib/metadata/partition_log.h"
#include "warp/metadata.h"

namespace warp::metadata {

// An object in the bucket as the metadata knows it.
struct ObjectRecord {
  std::string key;
  uint64_t size = 0;
  int64_t live_entries = 0;   // index entries that point into it
  int64_t created_ms = 0;
  int64_t dead_since_ms = -1;  // when it stopped holding anything live
};

// A command's Kafka outcome other than success.
inline CommandResult CommandError(KafkaError error, std::string message) {
  CommandResult result;
  result.error = error;
  result.message = std::move(message);
  return result;
}

class MetadataState {
 public:
  CommandResult Apply(const Command& command);

  // Queries.
  const TopicInfo* FindTopic(absl::string_view name) const;
  std::vector<TopicInfo> ListTopics() const;
  // Null for an unknown topic or partition.
  const PartitionLog* FindPartition(const TopicPartition& tp) const;
  // Batches from the one holding `offset`, up to `max_bytes` (at least one).
  // kOffsetOutOfRange below the log start or above the high watermark.
  KafkaError FindBatches(const TopicPartition& tp, int64_t offset,
                         uint64_t max_bytes,
                         std::vector<BatchLocation>* out) const;
  // The first offset whose batch has max_timestamp >= `timestamp_ms`, or -1.
  int64_t OffsetForTimestamp(const TopicPartition& tp, int64_t timestamp_ms) const;
  const std::map<TopicPartition, GroupOffset>* GroupOffsets(
      absl::string_view group) const;
  std::vector<std::string> ListGroups() const;
  std::vector<AgentInfo> Agents() const;
  // Objects holding nothing live since before `before_ms` (for GC).
  std::vector<ObjectRecord> DeadObjects(int64_t before_ms) const;
  const ObjectRecord* FindObject(absl::string_view key) const;
  size_t object_count() const { return objects_.size(); }
  int64_t next_producer_id() const { return next_producer_id_; }
  // Transactions (transaction_state.cc).
  const TransactionInfo* FindTransaction(absl::string_view transactional_id) const;
  std::vector<TransactionInfo> ListTransactions() const;
  // Offsets committed in open transactions, by producer id (TxnOffsetCommit).
  const std::map<int64_t, std::map<TopicPartition, GroupOffset>>* PendingTransactionalOffsets(
      absl::string_view group) const;
  // The ACLs and SCRAM users (security_state.cc).
  SecurityMetadata Security() const;
  uint64_t security_revision() const { return security_revision_; }

  // The whole state, deterministically serialized; and back. FromSnapshot
  // refuses (DataLoss) a snapshot whose parts do not agree: a topic whose
  // partition count is not its number of partitions, an index entry or an
  // object key naming an object the state does not have.
  std::string Snapshot() const;
  static absl::StatusOr<MetadataState> FromSnapshot(absl::string_view bytes);

 private:
  struct Topic {
    TopicInfo info;
    std::vector<PartitionLog> partitions;
  };

  CommandResult Do(const CommitFile& c);
  CommandResult Do(const CreateTopic& c);
  CommandResult Do(const DeleteTopic& c);
  CommandResult Do(const CreatePartitions& c);
  CommandResult Do(const AlterTopicConfigs& c);
  CommandResult Do(const AllocateProducerIds& c);
  CommandResult Do(const CommitGroupOffsets& c);
  CommandResult Do(const DeleteGroupOffsets& c);
  CommandResult Do(const DeleteRecords& c);
  CommandResult Do(const ReplaceFiles& c);
  CommandResult Do(const ForgetObjects& c);
  CommandResult Do(const RegisterAgent& c);
  CommandResult Do(const ExpireAgents& c);
  CommandResult Do(const RegisterAgentWithListeners& c);
  CommandResult Do(const AddAcls& c);
  CommandResult Do(const RemoveAcls& c);
  CommandResult Do(const AlterScramCredentials& c);
  CommandResult Do(const InitTransactionalProducer& c);
  CommandResult Do(const AddToTransaction& c);
  CommandResult Do(const CommitTransactionalOffsets& c);
  CommandResult Do(const EndTransaction& c);
  CommandResult Do(const ExpireTransactions& c);
  CommandResult Do(const ExpireProducers& c);
  // Checks a transactional batch against its producer's open transaction
  // (KIP-890: the partition must have been added, at the current epoch).
  KafkaError CheckTransactionalBatch(const BatchToCommit& batch) const;
  // Writes `txn`'s markers, applies or drops its offsets, and ends it.
  void CompleteTransaction(TransactionInfo& txn, bool commit, int64_t now_ms);

  // What FromSnapshot checks after decoding (see there).
  absl::Status CheckReferences() const;

  PartitionLog* MutablePartition(const TopicPartition& tp);
  uint64_t AddObject(const std::string& key, uint64_t size, int64_t now_ms);
  void Release(uint64_t object_id, int64_t now_ms);

  template <typename Io>
  friend void Fields(Io& io, MetadataState& s);

  std::map<std::string, Topic, std::less<>> topics_;
  std::map<uint64_t, ObjectRecord> objects_;
  std::map<std::string, uint64_t, std::less<>> object_ids_;
  uint64_t next_object_id_ = 1;
  int64_t next_producer_id_ = 1;
  std::map<std::string, std::map<TopicPartition, GroupOffset>, std::less<>> groups_;
  std::map<std::string, AgentInfo, std::less<>> agents_;
  // Security (snapshot version 3): ACLs, SCRAM users (user to mechanism to
  // credential text), and the revision of both.
  std::set<acl::AclBinding> acls_;
  std::map<std::string, std::map<std::string, std::string>, std::less<>> scram_users_;
  uint64_t security_revision_ = 0;
  // Transactions (snapshot version 4): by transactional id; producer id to
  // transactional id; group to producer id to pending offsets.
  std::map<std::string, TransactionInfo, std::less<>> transactions_;
  std::map<int64_t, std::string> transactional_producers_;
  std::map<std::string, std::map<int64_t, std::map<TopicPartition, GroupOffset>>, std::less<>>
      pending_offsets_;
};

}  // namespace warp::metadata

#endif  // WARP_LIB_METADATA_STATE_H_
