// One partition's part of the metadata state: offsets, the ordered index of
// batches (object, byte range, offsets, timestamps) and idempotent producer
// state. Pure; thread-compatible (the state machine serialises access).
#ifndef WARP_LIB_METADATA_PARTITION_LOG_H_
#define WARP_LIB_METADATA_PARTITION_LOG_H_

#include <cstdint>
#include <deque>
#include <map>
#include <vector>

#include "warp/kafka_error.h"
#include "lib/metadata/transaction_index.h"
#include "warp/metadata.h"

namespace warp::metadata {

// 48 bytes per entry.
struct IndexEntry {
  uint64_t object_id = 0;
  uint64_t byte_offset = 0;
  int64_t base_offset = 0;
  int64_t last_offset = 0;
  int64_t max_timestamp = -1;
  uint32_t byte_length = 0;
};

// The last batches a producer wrote to a partition (Kafka keeps 5).
inline constexpr int kProducerBatchesKept = 5;

struct ProducerBatch {
  int32_t first_seq = 0;
  int32_t last_seq = 0;
  int64_t base_offset = 0;
  int64_t append_time = -1;
};

struct ProducerEntry {
  int16_t epoch = -1;
  std::deque<ProducerBatch> batches;  // oldest first, at most 5
  // Commit time of its last batch or marker here; -1: unknown (restored
  // from a snapshot older than version 5), started by the next expiry.
  int64_t last_write_ms = -1;
};

// The outcome of the idempotence check of one batch.
struct SequenceCheck {
  KafkaError error = KafkaError::kNone;
  const ProducerBatch* duplicate = nullptr;  // set: already stored
};

// A transaction marker kept in the metadata (its index entry has object id
// kMarkerObjectId and one offset; Fetch builds its control batch).
inline constexpr uint64_t kMarkerObjectId = 0;
struct TransactionMarker {
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  bool commit = false;
};

class PartitionLog {
 public:
  int64_t log_start_offset() const { return log_start_; }
  int64_t high_watermark() const { return hwm_; }
  const std::deque<IndexEntry>& entries() const { return entries_; }
  const std::map<int64_t, ProducerEntry>& producers() const { return producers_; }

  // KIP-98 / KIP-360 rules (reference §3) for a batch of `batch`'s producer.
  SequenceCheck CheckSequence(const BatchToCommit& batch) const;

  // Appends a batch committed at `now_ms` at the high watermark; returns its
  // base offset. Records the producer's batch when `batch.producer_id >= 0`.
  int64_t Append(const BatchToCommit& batch, uint64_t object_id,
                 int64_t max_timestamp, int64_t append_time, int64_t now_ms);

  // Forgets the producers that wrote nothing here for `expiration_ms` or
  // more and have no transaction open here (see ExpireProducers); starts the
  // clock of those whose last write is unknown. Returns how many it forgot.
  int64_t ExpireProducers(int64_t now_ms, int64_t expiration_ms);

  // Moves the log start to `offset` (<= hwm) and drops entries wholly below
  // it; calls `released(object_id)` for each dropped entry of an object
  // (markers have none), and forgets the markers and aborted transactions
  // below it.
  template <typename F>
  void AdvanceLogStart(int64_t offset, F released) {
    if (offset <= log_start_) return;
    log_start_ = offset;
    while (!entries_.empty() && entries_.front().last_offset < offset) {
      if (entries_.front().object_id != kMarkerObjectId) released(entries_.front().object_id);
      entries_.pop_front();
    }
    markers_.erase(markers_.begin(), markers_.lower_bound(offset));
    transactions_.AdvanceLogStart(offset);
  }

  // Appends the marker ending `producer_id`'s transaction at the high
  // watermark (one offset, no object); returns its offset.
  int64_t AppendMarker(int64_t producer_id, int16_t producer_epoch, bool commit,
                       int64_t time_ms);
  // Markers by offset, and the open and aborted transactions.
  const std::map<int64_t, TransactionMarker>& markers() const { return markers_; }
  const TransactionIndex& transactions() const { return transactions_; }

  // Index of the first entry whose last offset >= `offset` (entries().size()
  // if none): the batch that holds `offset`. O(log n).
  size_t FindEntry(int64_t offset) const;

  // Replaces entries [first, last] (indexes) by one entry.
  void ReplaceEntries(size_t first, size_t last, const IndexEntry& entry);

  // Restores from a snapshot.
  void Restore(int64_t log_start, int64_t hwm, std::deque<IndexEntry> entries,
               std::map<int64_t, ProducerEntry> producers);
  void RestoreTransactions(std::map<int64_t, TransactionMarker> markers,
                           std::map<int64_t, int64_t> open,
                           std::deque<AbortedTransaction> aborted);
  // The producers' last writes (snapshot version 5); false if one is not a
  // producer of this partition.
  bool RestoreProducerWrites(const std::map<int64_t, int64_t>& last_write_ms);

 private:
  int64_t log_start_ = 0;
  int64_t hwm_ = 0;
  std::deque<IndexEntry> entries_;
  std::map<int64_t, ProducerEntry> producers_;  // by producer id
  std::map<int64_t, TransactionMarker> markers_;  // by offset
  TransactionIndex transactions_;
};

}  // namespace warp::metadata

#endif  // WARP_LIB_METADATA_PARTITION_LOG_H_
