// MetadataStore: the strongly consistent metadata of one virtual cluster.
//
// It decides what exists: it assigns offsets when a file's batches commit
// (atomically: all of a file's valid batches become visible together), dedups
// idempotent producers, keeps topics and their configs, consumer group
// offsets, live agents, and what compaction, retention and garbage collection
// need. Internally a deterministic state machine over a journal.
//
// Named by URL:
//   mem://                          in memory (tests)
//   local:///abs/path               the local journal (the embedded default)
//   etcd://host:port[,host:port]/prefix   etcd (many agents; see docs)
//
// Thread-safety: thread-safe. Commands from many threads are group-committed:
// concurrent Execute calls share one journal write and one fsync.
#ifndef WARP_METADATA_STORE_H_
#define WARP_METADATA_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "warp/clock.h"
#include "warp/metadata.h"
#include "warp/metadata_commands.h"

namespace warp {

struct MetadataStoreOptions {
  // Time source for waits; nullptr = the real clock.
  Clock* clock = nullptr;
  // Write a snapshot (and drop older journal entries) every this many
  // applied commands. A snapshot costs a full serialization of the state.
  int64_t snapshot_every = 200000;
  // Most commands group-committed in one journal write.
  int max_group_size = 4096;
  // fsync the local journal (off only for benchmarks).
  bool sync = true;
  // How long Execute waits for a remote journal (etcd) to accept a command
  // before failing it with Unavailable, so that callers answer clients with
  // a retriable error before the clients' own request timeouts (30 s) run
  // out. A command that was sent may still take effect after that; one
  // still queued never will.
  absl::Duration commit_timeout = absl::Seconds(10);
};

// The outcome of FindBatches.
struct FetchPlan {
  KafkaError error = KafkaError::kNone;
  std::vector<BatchLocation> batches;
  PartitionOffsets offsets;
  // The aborted transactions a fetch of `batches` reports: abort marker at
  // or after the fetch offset, data starting before the end of `batches`.
  std::vector<AbortedTransaction> aborted;
};

class MetadataStore {
 public:
  MetadataStore() = default;
  MetadataStore(const MetadataStore&) = delete;
  MetadataStore& operator=(const MetadataStore&) = delete;
  virtual ~MetadataStore() = default;

  // Opens the store `url` names, recovering its state from the journal.
  static absl::StatusOr<std::unique_ptr<MetadataStore>> Open(
      absl::string_view url, const MetadataStoreOptions& options = {});

  // Applies `command`. Returns only when the command is durable in the
  // journal and applied, with its result (a Kafka error in the result is
  // the command's outcome; a non-OK Status means the journal failed and the
  // command's fate is unknown to the caller).
  virtual absl::StatusOr<CommandResult> Execute(Command command) = 0;

  // Queries, answered from this replica's state. For a single-writer journal
  // (mem, local) that state includes every acknowledged command; with etcd
  // call Sync() first where Kafka needs a linearizable read.
  virtual std::optional<TopicInfo> GetTopic(absl::string_view name) = 0;
  virtual std::vector<TopicInfo> ListTopics() = 0;
  // NotFound for an unknown topic or partition.
  virtual absl::StatusOr<PartitionOffsets> GetOffsets(const TopicPartition& tp) = 0;
  // The batches from the one holding `offset`, up to `max_bytes` (always at
  // least one when any exist at or after `offset`).
  virtual FetchPlan FindBatches(const TopicPartition& tp, int64_t offset,
                                uint64_t max_bytes) = 0;
  // The earliest offset whose batch's max timestamp is >= `timestamp_ms`, or
  // -1 when there is none (ListOffsets by time).
  virtual int64_t OffsetForTimestamp(const TopicPartition& tp,
                                     int64_t timestamp_ms) = 0;
  virtual std::map<TopicPartition, GroupOffset> GetGroupOffsets(
      absl::string_view group) = 0;
  virtual std::vector<std::string> ListGroups() = 0;
  virtual std::vector<AgentInfo> LiveAgents() = 0;
  // Keys of objects that hold nothing live since before `before`.
  virtual std::vector<std::string> DeadObjects(absl::Time before) = 0;
  // The ACLs and SCRAM users (AddAcls, RemoveAcls, AlterScramCredentials),
  // and the revision they are at. A copy: poll security_revision() and call
  // this only when it moved.
  virtual SecurityMetadata GetSecurity() = 0;
  virtual uint64_t security_revision() = 0;

  // Transactions (docs/transactions.md): the coordinator's state of one
  // transactional id (nullopt when unknown), and of every one.
  virtual std::optional<TransactionInfo> GetTransaction(absl::string_view transactional_id) = 0;
  virtual std::vector<TransactionInfo> ListTransactions() = 0;
  // The partitions of `group` with offsets committed by open transactions
  // (TxnOffsetCommit; OffsetFetch's require_stable), sorted.
  virtual std::vector<TopicPartition> PendingGroupOffsets(absl::string_view group) = 0;
  // The producers with state on `tp`, by producer id (DescribeProducers).
  // NotFound for an unknown topic or partition.
  virtual absl::StatusOr<std::vector<ProducerInfo>> GetProducers(const TopicPartition& tp) = 0;

  // Waits until the high watermark of `tp` exceeds `above` or `deadline`
  // passes (woken by commits; no polling). Returns the high watermark then,
  // or NotFound for an unknown partition.
  virtual absl::StatusOr<int64_t> WaitForHighWatermark(const TopicPartition& tp,
                                                       int64_t above,
                                                       absl::Time deadline) = 0;

  // Waits until the high watermark of any `watched` partition exceeds the
  // value given for it, or `deadline` passes. Returns whether one moved.
  virtual bool WaitForAnyHighWatermark(
      const std::vector<std::pair<TopicPartition, int64_t>>& watched,
      absl::Time deadline) = 0;

  // Calls `wake` once, on a thread that applied commands (keep it short:
  // hand work to another thread), as soon as the high watermark of any
  // `watched` partition exceeds the value given for it, or a watched
  // partition stops existing; at once, before returning, if that is already
  // so. Non-blocking: this is how long-polls wait without holding a thread.
  // Returns an id for CancelWatch.
  using WatchId = uint64_t;
  virtual WatchId WatchHighWatermarks(std::vector<std::pair<TopicPartition, int64_t>> watched,
                                      std::function<void()> wake) = 0;
  // Removes watch `id`. Returns true if it had not fired (and now never
  // will), false if it fired or is firing.
  virtual bool CancelWatch(WatchId id) = 0;

  // Makes this replica's state include everything committed anywhere before
  // the call (a no-op for single-writer journals).
  virtual absl::Status Sync() = 0;

  // Journal position of the last applied command (diagnostics, tests).
  virtual uint64_t applied_index() = 0;
};

}  // namespace warp

#endif  // WARP_METADATA_STORE_H_
