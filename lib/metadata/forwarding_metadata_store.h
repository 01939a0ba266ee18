// A MetadataStore that forwards every call to another one (not owned): the
// base for wrappers that change or observe a few calls (metrics, fault
// injection in tests). Thread-safe if the wrapped store is.
#ifndef WARP_LIB_METADATA_FORWARDING_METADATA_STORE_H_
#define WARP_LIB_METADATA_FORWARDING_METADATA_STORE_H_

#include "warp/metadata_store.h"

namespace warp::metadata {

class ForwardingMetadataStore : public MetadataStore {
 public:
  explicit ForwardingMetadataStore(MetadataStore* base) : base_(base) {}

  absl::StatusOr<CommandResult> Execute(Command command) override {
    return base_->Execute(std::move(command));
  }
  std::optional<TopicInfo> GetTopic(absl::string_view name) override {
    return base_->GetTopic(name);
  }
  std::vector<TopicInfo> ListTopics() override { return base_->ListTopics(); }
  absl::StatusOr<PartitionOffsets> GetOffsets(const TopicPartition& tp) override {
    return base_->GetOffsets(tp);
  }
  FetchPlan FindBatches(const TopicPartition& tp, int64_t offset, uint64_t max_bytes) override {
    return base_->FindBatches(tp, offset, max_bytes);
  }
  int64_t OffsetForTimestamp(const TopicPartition& tp, int64_t timestamp_ms) override {
    return base_->OffsetForTimestamp(tp, timestamp_ms);
  }
  std::map<TopicPartition, GroupOffset> GetGroupOffsets(absl::string_view group) override {
    return base_->GetGroupOffsets(group);
  }
  std::vector<std::string> ListGroups() override { return base_->ListGroups(); }
  std::vector<AgentInfo> LiveAgents() override { return base_->LiveAgents(); }
  std::vector<std::string> DeadObjects(absl::Time before) override {
    return base_->DeadObjects(before);
  }
  SecurityMetadata GetSecurity() override { return base_->GetSecurity(); }
  uint64_t security_revision() override { return base_->security_revision(); }
  std::optional<TransactionInfo> GetTransaction(absl::string_view transactional_id) override {
    return base_->GetTransaction(transactional_id);
  }
  std::vector<TransactionInfo> ListTransactions() override { return base_->ListTransactions(); }
  std::vector<TopicPartition> PendingGroupOffsets(absl::string_view group) override {
    return base_->PendingGroupOffsets(group);
  }
  absl::StatusOr<std::vector<ProducerInfo>> GetProducers(const TopicPartition& tp) override {
    return base_->GetProducers(tp);
  }
  absl::StatusOr<int64_t> WaitForHighWatermark(const TopicPartition& tp, int64_t above,
                                               absl::Time deadline) override {
    return base_->WaitForHighWatermark(tp, above, deadline);
  }
  bool WaitForAnyHighWatermark(const std::vector<std::pair<TopicPartition, int64_t>>& watched,
                               absl::Time deadline) override {
    return base_->WaitForAnyHighWatermark(watched, deadline);
  }
  WatchId WatchHighWatermarks(std::vector<std::pair<TopicPartition, int64_t>> watched,
                              std::function<void()> wake) override {
    return base_->WatchHighWatermarks(std::move(watched), std::move(wake));
  }
  bool CancelWatch(WatchId id) override { return base_->CancelWatch(id); }
  absl::Status Sync() override { return base_->Sync(); }
  uint64_t applied_index() override { return base_->applied_index(); }

 protected:
  MetadataStore* base() const { return base_; }

 private:
  MetadataStore* const base_;
};

}  // namespace warp::metadata

#endif  // WARP_LIB_METADATA_FORWARDING_METADATA_STORE_H_
