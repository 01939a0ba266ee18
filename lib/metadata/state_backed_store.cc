#include "lib/metadata/state_backed_store.h"

#include "absl/strings/str_cat.h"

namespace warp::metadata {

absl::Status StateBackedMetadataStore::UnknownPartition(const TopicPartition& tp) {
  return absl::NotFoundError(
      absl::StrCat("unknown topic partition ", tp.topic, "-", tp.partition));
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
