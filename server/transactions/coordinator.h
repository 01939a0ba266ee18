// The transaction coordinator of an agent (Kafka's TransactionCoordinator):
// InitProducerId with a transactional id, AddPartitionsToTxn,
// AddOffsetsToTxn, TxnOffsetCommit, EndTxn and the descriptions, each one
// journal command or query (docs/transactions.md). The state lives only in
// the MetadataStore, so any agent can serve any transactional id and an
// agent's death loses nothing; placement (FindCoordinator) spreads the ids
// over the agents with the produce role and says which agent runs the
// timeouts and expiry of an id.
//
// Timers: Tick() aborts the transactions this agent coordinates that are
// past their timeout, and forgets ids unused for `id_expiration`; a thread
// calls it every `tick_interval` unless that is zero (tests call Tick()).
//
// Thread-safety: thread-safe.
#ifndef WARP_SERVER_TRANSACTIONS_COORDINATOR_H_
#define WARP_SERVER_TRANSACTIONS_COORDINATOR_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "lib/protocol/messages/errors.h"
#include "server/groups/placement.h"
#include "warp/clock.h"
#include "warp/metadata_store.h"

namespace warp::server::transactions {

struct TransactionCoordinatorOptions {
  // Where the state lives. Required; must outlive the coordinator.
  MetadataStore* metadata = nullptr;
  // Time source; nullptr = the real clock.
  Clock* clock = nullptr;
  // Which agent coordinates an id; nullptr = this agent, for every id.
  groups::CoordinatorPlacement* placement = nullptr;
  // transaction.max.timeout.ms: a longer transaction.timeout.ms answers
  // INVALID_TRANSACTION_TIMEOUT.
  absl::Duration max_timeout = absl::Minutes(15);
  // transactional.id.expiration.ms: ids without a transaction for this long
  // are forgotten.
  absl::Duration id_expiration = absl::Hours(24 * 7);
  // Period of the timer thread; zero = no thread.
  absl::Duration tick_interval = absl::Seconds(1);
};

// The outcome of one request: Kafka's error and, where Kafka sends one, a
// message saying why.
struct TxnOutcome {
  kafka::ErrorCode error = kafka::ErrorCode::kNone;
  std::string message;
  int64_t producer_id = -1;   // InitProducerId
  int16_t producer_epoch = -1;
  bool ok() const { return error == kafka::ErrorCode::kNone; }
};

// What the coordinator did, since it started (for /metrics).
struct TxnCounters {
  std::atomic<uint64_t> commits{0};
  std::atomic<uint64_t> aborts{0};
  std::atomic<uint64_t> timeouts{0};   // aborted by the coordinator
  std::atomic<uint64_t> expired_ids{0};
};

class TransactionCoordinator {
 public:
  static absl::StatusOr<std::unique_ptr<TransactionCoordinator>> Create(
      TransactionCoordinatorOptions options);
  ~TransactionCoordinator();

  // The agent coordinating `transactional_id`.
  groups::CoordinatorNode CoordinatorFor(absl::string_view transactional_id);

  // Every call below fails with a Status only when the journal did (the
  // command's fate is then unknown); Kafka's errors are in the outcome.

  // InitProducerId: a producer id and epoch for `transactional_id`, fencing
  // older producers (KIP-360: `expected_producer_id` >= 0 names the producer
  // that asks for a bump). INVALID_TRANSACTION_TIMEOUT for a timeout
  // outside (0, max_timeout].
  absl::StatusOr<TxnOutcome> InitProducer(const std::string& transactional_id,
                                          int32_t timeout_ms, int64_t expected_producer_id,
                                          int16_t expected_epoch);
  // AddPartitionsToTxn (partitions) and AddOffsetsToTxn (groups).
  absl::StatusOr<TxnOutcome> Add(const std::string& transactional_id, int64_t producer_id,
                                 int16_t producer_epoch, std::vector<TopicPartition> partitions,
                                 std::vector<std::string> groups);
  // TxnOffsetCommit's offsets, pending until the transaction commits.
  absl::StatusOr<TxnOutcome> CommitOffsets(const std::string& transactional_id,
                                           const std::string& group, int64_t producer_id,
                                           int16_t producer_epoch,
                                           std::vector<CommitGroupOffsets::Entry> offsets);
  // EndTxn: the markers of every partition, the offsets applied or dropped.
  absl::StatusOr<TxnOutcome> End(const std::string& transactional_id, int64_t producer_id,
                                 int16_t producer_epoch, bool commit);

  // DescribeTransactions of one id, after catching up with the journal;
  // nullopt when unknown.
  absl::StatusOr<std::optional<TransactionInfo>> Describe(const std::string& transactional_id);
  // ListTransactions: every known id, after catching up.
  absl::StatusOr<std::vector<TransactionInfo>> List();

  // Aborts timed-out transactions and forgets expired ids, when one of
  // those this agent coordinates is due (one ExpireTransactions command for
  // them all).
  absl::Status Tick();

  const TxnCounters& counters() const { return counters_; }

 private:
  explicit TransactionCoordinator(TransactionCoordinatorOptions options);
  void TimerLoop();
  bool Local(absl::string_view transactional_id);

  const TransactionCoordinatorOptions options_;
  Clock* const clock_;
  TxnCounters counters_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread timer_;
};

// Kafka's name of a transaction state ("Ongoing", "CompleteCommit"...), as
// DescribeTransactions and ListTransactions answer it.
const char* TransactionStateName(TransactionState state);

}  // namespace warp::server::transactions

#endif  // WARP_SERVER_TRANSACTIONS_COORDINATOR_H_
