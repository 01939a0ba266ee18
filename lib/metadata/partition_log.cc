#include "lib/metadata/partition_log.h"

#include <algorithm>
#include <limits>

namespace warp::metadata {
namespace {

// lastSeq = baseSeq + lastOffsetDelta, wrapping past INT32_MAX to 0.
int32_t LastSequence(int32_t base_seq, int32_t record_count) {
  int64_t last = static_cast<int64_t>(base_seq) + record_count - 1;
  if (last > std::numeric_limits<int32_t>::max()) {
    last -= static_cast<int64_t>(std::numeric_limits<int32_t>::max()) + 1;
  }
  return static_cast<int32_t>(last);
}

int32_t NextSequence(int32_t seq) {
  return seq == std::numeric_limits<int32_t>::max() ? 0 : seq + 1;
}

}  // namespace

SequenceCheck PartitionLog::CheckSequence(const BatchToCommit& batch) const {
  SequenceCheck check;
  if (batch.producer_id < 0) return check;
  auto it = producers_.find(batch.producer_id);
  if (it == producers_.end()) return check;  // unknown: any sequence (KIP-360)
  const ProducerEntry& entry = it->second;
  int32_t last_seq = LastSequence(batch.base_sequence, batch.record_count);
  if (batch.producer_epoch == entry.epoch) {
    for (const ProducerBatch& cached : entry.batches) {
      if (cached.first_seq == batch.base_sequence && cached.last_seq == last_seq) {
        check.duplicate = &cached;
        return check;
      }
    }
  }
  if (batch.producer_epoch < entry.epoch) {
    check.error = KafkaError::kInvalidProducerEpoch;
    return check;
  }
  if (batch.producer_epoch > entry.epoch) {
    if (batch.base_sequence != 0) check.error = KafkaError::kOutOfOrderSequenceNumber;
    return check;
  }
  if (!entry.batches.empty() &&
      batch.base_sequence != NextSequence(entry.batches.back().last_seq)) {
    check.error = KafkaError::kOutOfOrderSequenceNumber;
  }
  return check;
}

int64_t PartitionLog::Append(const BatchToCommit& batch, uint64_t object_id,
                             int64_t max_timestamp, int64_t append_time,
                             int64_t now_ms) {
  int64_t base = hwm_;
  IndexEntry entry;
  entry.object_id = object_id;
  entry.byte_offset = batch.byte_offset;
  entry.byte_length = batch.byte_length;
  entry.base_offset = base;
  entry.last_offset = base + batch.record_count - 1;
  entry.max_timestamp = max_timestamp;
  entries_.push_back(entry);
  hwm_ = entry.last_offset + 1;
  if (batch.transactional && batch.producer_id >= 0) {
    transactions_.OnTransactionalBatch(batch.producer_id, base);
  }
  if (batch.producer_id >= 0) {
    ProducerEntry& producer = producers_[batch.producer_id];
    if (producer.epoch != batch.producer_epoch) {
      producer.epoch = batch.producer_epoch;
      producer.batches.clear();
    }
    producer.last_write_ms = now_ms;
    producer.batches.push_back(ProducerBatch{
        batch.base_sequence, LastSequence(batch.base_sequence, batch.record_count),
        base, append_time});
    while (producer.batches.size() > kProducerBatchesKept) {
      producer.batches.pop_front();
    }
  }
  return base;
}

size_t PartitionLog::FindEntry(int64_t offset) const {
  auto it = std::lower_bound(
      entries_.begin(), entries_.end(), offset,
      [](const IndexEntry& e, int64_t o) { return e.last_offset < o; });
  return static_cast<size_t>(it - entries_.begin());
}

void PartitionLog::ReplaceEntries(size_t first, size_t last,
                                  const IndexEntry& entry) {
  // Markers replaced are in the new entry's object now (or gone).
  markers_.erase(markers_.lower_bound(entries_[first].base_offset),
                 markers_.upper_bound(entries_[last].last_offset));
  entries_.erase(entries_.begin() + first + 1, entries_.begin() + last + 1);
  entries_[first] = entry;
}

int64_t PartitionLog::AppendMarker(int64_t producer_id, int16_t producer_epoch, bool commit,
                                   int64_t time_ms) {
  const int64_t offset = hwm_++;
  IndexEntry entry;
  entry.object_id = kMarkerObjectId;
  entry.base_offset = entry.last_offset = offset;
  entry.max_timestamp = time_ms;
  entries_.push_back(entry);
  markers_[offset] = TransactionMarker{producer_id, producer_epoch, commit};
  transactions_.OnMarker(producer_id, offset, commit);
  // A marker of a bumped epoch fences the producer's older batches here.
  ProducerEntry& producer = producers_[producer_id];
  if (producer_epoch > producer.epoch) {
    producer.epoch = producer_epoch;
    producer.batches.clear();
  }
  producer.last_write_ms = time_ms;
  return offset;
}

int64_t PartitionLog::ExpireProducers(int64_t now_ms, int64_t expiration_ms) {
  int64_t forgotten = 0;
  for (auto it = producers_.begin(); it != producers_.end();) {
    ProducerEntry& producer = it->second;
    if (transactions_.open().contains(it->first)) {
      ++it;
    } else if (producer.last_write_ms < 0) {
      producer.last_write_ms = now_ms;
      ++it;
    } else if (now_ms - producer.last_write_ms >= expiration_ms) {
      it = producers_.erase(it);
      ++forgotten;
    } else {
      ++it;
    }
  }
  return forgotten;
}

bool PartitionLog::RestoreProducerWrites(const std::map<int64_t, int64_t>& last_write_ms) {
  for (const auto& [id, ms] : last_write_ms) {
    auto producer = producers_.find(id);
    if (producer == producers_.end()) return false;
    producer->second.last_write_ms = ms;
  }
  return true;
}

void PartitionLog::RestoreTransactions(std::map<int64_t, TransactionMarker> markers,
                                       std::map<int64_t, int64_t> open,
                                       std::deque<AbortedTransaction> aborted) {
  markers_ = std::move(markers);
  transactions_.Restore(std::move(open), std::move(aborted));
}

void PartitionLog::Restore(int64_t log_start, int64_t hwm,
                           std::deque<IndexEntry> entries,
                           std::map<int64_t, ProducerEntry> producers) {
  log_start_ = log_start;
  hwm_ = hwm;
  entries_ = std::move(entries);
  producers_ = std::move(producers);
}

}  // namespace warp::metadata
