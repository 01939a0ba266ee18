// One partition's transactions, as Kafka's log keeps them for fetches
// (ProducerStateManager's ongoing transactions and the aborted-transaction
// index): the first offset of each producer's open transaction, which bounds
// the last stable offset (LSO), and the aborted transactions that
// read_committed consumers must drop, listed in Fetch responses.
//
// Fed, in offset order, with each transactional batch's producer id and base
// offset and with each transaction marker (commit or abort) and its offset.
// Pure and deterministic; thread-compatible (the state machine serialises
// access). Issue 16 builds the rest of transactions on it (docs/transactions.md).
#ifndef WARP_LIB_METADATA_TRANSACTION_INDEX_H_
#define WARP_LIB_METADATA_TRANSACTION_INDEX_H_

#include <cstdint>
#include <deque>
#include <map>
#include <vector>

#include "warp/metadata.h"  // AbortedTransaction

namespace warp::metadata {

class TransactionIndex {
 public:
  // A transactional batch of `producer_id` at `base_offset`: opens the
  // producer's transaction on this partition unless one is open.
  void OnTransactionalBatch(int64_t producer_id, int64_t base_offset);

  // The marker ending `producer_id`'s transaction, at `offset`. An abort is
  // remembered (if the producer had data in it). A marker for a producer
  // with no open transaction changes nothing (Kafka writes markers to every
  // partition of the transaction, even those that got no data).
  void OnMarker(int64_t producer_id, int64_t offset, bool commit);

  // Kafka's last stable offset: the first offset of the earliest open
  // transaction, else `high_watermark`.
  int64_t LastStableOffset(int64_t high_watermark) const;

  // The aborted transactions a fetch from `fetch_offset` up to (not
  // including) `upper_bound` must report, oldest first: those whose abort
  // marker is at or after `fetch_offset` and whose data starts before
  // `upper_bound` (Kafka's collectAbortedTransactions).
  std::vector<AbortedTransaction> Aborted(int64_t fetch_offset, int64_t upper_bound) const;

  // The log start moved to `offset`: aborted transactions wholly before it
  // are forgotten (Kafka truncates its index the same way). Open ones stay.
  void AdvanceLogStart(int64_t offset);

  // Whether `producer_id` has a transaction open here.
  bool IsOpen(int64_t producer_id) const { return open_.contains(producer_id); }
  const std::map<int64_t, int64_t>& open() const { return open_; }
  const std::deque<AbortedTransaction>& aborted() const { return aborted_; }

  // Restores from a snapshot (open: producer id to first offset; aborted in
  // marker order).
  void Restore(std::map<int64_t, int64_t> open, std::deque<AbortedTransaction> aborted);

 private:
  std::map<int64_t, int64_t> open_;  // producer id -> first offset
  // first offset -> how many open transactions start there (for the LSO).
  std::map<int64_t, int> first_offsets_;
  std::deque<AbortedTransaction> aborted_;  // by marker offset
};

}  // namespace warp::metadata

#endif  // WARP_LIB_METADATA_TRANSACTION_INDEX_H_
