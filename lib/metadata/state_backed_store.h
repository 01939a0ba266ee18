// The query half of a MetadataStore, shared by every store that keeps a
// replica of the state machine: reads under a reader lock, long-polls woken
// by applies. Subclasses apply commands under the writer lock.
// Thread-safe.
#ifndef WARP_LIB_METADATA_STATE_BACKED_STORE_H_
#define WARP_LIB_METADATA_STATE_BACKED_STORE_H_

#include <functional>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "lib/metadata/state.h"
#include "warp/metadata_store.h"

namespace warp::metadata {

class StateBackedMetadataStore : public MetadataStore {
 public:
  std::optional<TopicInfo> GetTopic(absl::string_view name) override {
    absl::ReaderMutexLock lock(&state_mu_);
    const TopicInfo* topic = state_.FindTopic(name);
    if (topic == nullptr) return std::nullopt;
    return *topic;
  }

  std::vector<TopicInfo> ListTopics() override {
    absl::ReaderMutexLock lock(&state_mu_);
    return state_.ListTopics();
  }

  absl::StatusOr<PartitionOffsets> GetOffsets(const TopicPartition& tp) override {
    absl::ReaderMutexLock lock(&state_mu_);
    const PartitionLog* log = state_.FindPartition(tp);
    if (log == nullptr) return UnknownPartition(tp);
    return PartitionOffsets{log->log_start_offset(), log->high_watermark(),
                            log->transactions().LastStableOffset(log->high_watermark())};
  }

  FetchPlan FindBatches(const TopicPartition& tp, int64_t offset,
                        uint64_t max_bytes) override {
    FetchPlan plan;
    absl::ReaderMutexLock lock(&state_mu_);
    plan.error = state_.FindBatches(tp, offset, max_bytes, &plan.batches);
    if (const PartitionLog* log = state_.FindPartition(tp)) {
      plan.offsets = {log->log_start_offset(), log->high_watermark(),
                      log->transactions().LastStableOffset(log->high_watermark())};
      if (plan.error == KafkaError::kNone && !log->transactions().aborted().empty()) {
        int64_t end = plan.batches.empty() ? offset : plan.batches.back().last_offset + 1;
        plan.aborted = log->transactions().Aborted(offset, end);
      }
    }
    return plan;
  }

  int64_t OffsetForTimestamp(const TopicPartition& tp, int64_t timestamp_ms) override {
    absl::ReaderMutexLock lock(&state_mu_);
    return state_.OffsetForTimestamp(tp, timestamp_ms);
  }

  std::map<TopicPartition, GroupOffset> GetGroupOffsets(absl::string_view group) override {
    absl::ReaderMutexLock lock(&state_mu_);
    const auto* offsets = state_.GroupOffsets(group);
    return offsets ? *offsets : std::map<TopicPartition, GroupOffset>{};
  }

  std::vector<std::string> ListGroups() override {
    absl::ReaderMutexLock lock(&state_mu_);
    return state_.ListGroups();
  }

  std::vector<AgentInfo> LiveAgents() override {
    absl::ReaderMutexLock lock(&state_mu_);
    return state_.Agents();
  }

  std::vector<std::string> DeadObjects(absl::Time before) override {
    absl::ReaderMutexLock lock(&state_mu_);
    std::vector<std::string> keys;
    for (const ObjectRecord& o : state_.DeadObjects(absl::ToUnixMillis(before))) {
      keys.push_back(o.key);
    }
    return keys;
  }

  SecurityMetadata GetSecurity() override {
    absl::ReaderMutexLock lock(&state_mu_);
    return state_.Security();
  }

  uint64_t security_revision() override {
    absl::ReaderMutexLock lock(&state_mu_);
    return state_.security_revision();
  }

  std::optional<TransactionInfo> GetTransaction(absl::string_view transactional_id) override {
    absl::ReaderMutexLock lock(&state_mu_);
    const TransactionInfo* txn = state_.FindTransaction(transactional_id);
    if (txn == nullptr) return std::nullopt;
    return *txn;
  }

  std::vector<TransactionInfo> ListTransactions() override {
    absl::ReaderMutexLock lock(&state_mu_);
    return state_.ListTransactions();
  }

  std::vector<TopicPartition> PendingGroupOffsets(absl::string_view group) override;
  absl::StatusOr<std::vector<ProducerInfo>> GetProducers(const TopicPartition& tp) override;

  absl::StatusOr<int64_t> WaitForHighWatermark(const TopicPartition& tp, int64_t above,
                                               absl::Time deadline) override {
    auto moved = [&]() ABSL_SHARED_LOCKS_REQUIRED(state_mu_) {
      const PartitionLog* log = state_.FindPartition(tp);
      return log == nullptr || log->high_watermark() > above;
    };
    state_mu_.ReaderLockWhenWithDeadline(absl::Condition(&moved), deadline);
    const PartitionLog* log = state_.FindPartition(tp);
    absl::StatusOr<int64_t> result =
        log == nullptr ? absl::StatusOr<int64_t>(UnknownPartition(tp))
                       : log->high_watermark();
    state_mu_.ReaderUnlock();
    return result;
  }

  bool WaitForAnyHighWatermark(
      const std::vector<std::pair<TopicPartition, int64_t>>& watched,
      absl::Time deadline) override {
    auto moved = [&]() ABSL_SHARED_LOCKS_REQUIRED(state_mu_) {
      for (const auto& [tp, above] : watched) {
        const PartitionLog* log = state_.FindPartition(tp);
        if (log != nullptr && log->high_watermark() > above) return true;
      }
      return false;
    };
    bool result = state_mu_.ReaderLockWhenWithDeadline(absl::Condition(&moved), deadline);
    state_mu_.ReaderUnlock();
    return result;
  }

  uint64_t applied_index() override {
    absl::ReaderMutexLock lock(&state_mu_);
    return applied_index_;
  }

  WatchId WatchHighWatermarks(std::vector<std::pair<TopicPartition, int64_t>> watched,
                              std::function<void()> wake) override;
  bool CancelWatch(WatchId id) override;

 protected:
  static absl::Status UnknownPartition(const TopicPartition& tp);

  // Fires the watches whose partitions moved. Subclasses call it after
  // applying commands, with state_mu_ released.
  void NotifyWatches() ABSL_LOCKS_EXCLUDED(state_mu_, watch_mu_);

  absl::Mutex state_mu_;
  MetadataState state_ ABSL_GUARDED_BY(state_mu_);
  // Journal position (or etcd revision) of the last applied command.
  uint64_t applied_index_ ABSL_GUARDED_BY(state_mu_) = 0;

 private:
  struct Watch {
    std::vector<std::pair<TopicPartition, int64_t>> watched;
    std::function<void()> wake;
  };
  // Whether `watch` should fire now.
  bool Moved(const Watch& watch) ABSL_SHARED_LOCKS_REQUIRED(state_mu_);

  // Lock order: watch_mu_, then state_mu_.
  absl::Mutex watch_mu_ ABSL_ACQUIRED_BEFORE(state_mu_);
  absl::flat_hash_map<WatchId, Watch> watches_ ABSL_GUARDED_BY(watch_mu_);
  WatchId next_watch_ ABSL_GUARDED_BY(watch_mu_) = 1;
};

}  // namespace warp::metadata

#endif  // WARP_LIB_METADATA_STATE_BACKED_STORE_H_
