#include "lib/metadata/state_backed_store.h"

#include <set>

#include "absl/strings/str_cat.h"

namespace warp::metadata {

absl::Status StateBackedMetadataStore::UnknownPartition(const TopicPartition& tp) {
  return absl::NotFoundError(
      absl::StrCat("unknown topic partition ", tp.topic, "-", tp.partition));
}

std::vector<TopicPartition> StateBackedMetadataStore::PendingGroupOffsets(
    absl::string_view group) {
  absl::ReaderMutexLock lock(&state_mu_);
  std::set<TopicPartition> pending;
  if (const auto* producers = state_.PendingTransactionalOffsets(group)) {
    for (const auto& [producer_id, offsets] : *producers) {
      for (const auto& [tp, offset] : offsets) pending.insert(tp);
    }
  }
  return {pending.begin(), pending.end()};
}

absl::StatusOr<std::vector<ProducerInfo>> StateBackedMetadataStore::GetProducers(
    const TopicPartition& tp) {
  absl::ReaderMutexLock lock(&state_mu_);
  const PartitionLog* log = state_.FindPartition(tp);
  if (log == nullptr) return UnknownPartition(tp);
  std::vector<ProducerInfo> out;
  for (const auto& [id, entry] : log->producers()) {
    ProducerInfo& p = out.emplace_back();
    p.producer_id = id;
    p.producer_epoch = entry.epoch;
    if (!entry.batches.empty()) {
      p.last_sequence = entry.batches.back().last_seq;
      p.last_timestamp_ms = entry.batches.back().append_time;
    }
    auto open = log->transactions().open().find(id);
    if (open != log->transactions().open().end()) p.current_txn_start_offset = open->second;
  }
  return out;
}

bool StateBackedMetadataStore::Moved(const Watch& watch) {
  for (const auto& [tp, above] : watch.watched) {
    const PartitionLog* log = state_.FindPartition(tp);
    if (log == nullptr || log->high_watermark() > above) return true;
  }
  return false;
}

MetadataStore::WatchId StateBackedMetadataStore::WatchHighWatermarks(
    std::vector<std::pair<TopicPartition, int64_t>> watched, std::function<void()> wake) {
  Watch watch{std::move(watched), std::move(wake)};
  WatchId id;
  {
    absl::MutexLock lock(&watch_mu_);
    id = next_watch_++;
    bool moved;
    {
      absl::ReaderMutexLock state_lock(&state_mu_);
      moved = Moved(watch);
    }
    if (!moved) {
      watches_.emplace(id, std::move(watch));
      return id;
    }
  }
  watch.wake();
  return id;
}

bool StateBackedMetadataStore::CancelWatch(WatchId id) {
  absl::MutexLock lock(&watch_mu_);
  return watches_.erase(id) > 0;
}

void StateBackedMetadataStore::NotifyWatches() {
  std::vector<std::function<void()>> fired;
  {
    absl::MutexLock lock(&watch_mu_);
    if (watches_.empty()) return;
    absl::ReaderMutexLock state_lock(&state_mu_);
    for (auto it = watches_.begin(); it != watches_.end();) {
      if (Moved(it->second)) {
        fired.push_back(std::move(it->second.wake));
        watches_.erase(it++);
      } else {
        ++it;
      }
    }
  }
  for (auto& wake : fired) wake();
}

}  // namespace warp::metadata
