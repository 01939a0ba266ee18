#include "server/instrumented_stores.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace warp::server {
namespace {

class CountedObjectStore final : public ObjectStore {
 public:
  CountedObjectStore(std::unique_ptr<ObjectStore> base, Metrics* m)
      : base_(std::move(base)), m_(m) {}

  absl::Status Put(absl::string_view key, absl::string_view data,
                   const PutOptions& options) override {
    absl::Time start = absl::Now();
    absl::Status s = base_->Put(key, data, options);
    Record("put", s, start, s.ok() ? data.size() : 0);
    return s;
  }
  absl::StatusOr<std::string> Get(absl::string_view key, const ByteRange& range) override {
    absl::Time start = absl::Now();
    absl::StatusOr<std::string> r = base_->Get(key, range);
    Record("get", r.status(), start, r.ok() ? r->size() : 0);
    return r;
  }
  absl::StatusOr<ObjectInfo> Head(absl::string_view key) override {
    absl::Time start = absl::Now();
    absl::StatusOr<ObjectInfo> r = base_->Head(key);
    Record("head", r.status(), start, 0);
    return r;
  }
  absl::Status Delete(absl::string_view key) override {
    absl::Time start = absl::Now();
    absl::Status s = base_->Delete(key);
    Record("delete", s, start, 0);
    return s;
  }
  absl::Status DeleteMany(absl::Span<const std::string> keys) override {
    absl::Time start = absl::Now();
    absl::Status s = base_->DeleteMany(keys);
    Record("delete", s, start, 0);
    return s;
  }
  absl::StatusOr<std::vector<ObjectInfo>> List(absl::string_view prefix) override {
    absl::Time start = absl::Now();
    auto r = base_->List(prefix);
    Record("list", r.status(), start, 0);
    return r;
  }
  std::string Describe() const override { return base_->Describe(); }

 private:
  void Record(const char* op, const absl::Status& s, absl::Time start, size_t bytes) {
    m_->counter("warp_object_store_requests_total",
                absl::StrCat("op=\"", op, "\",outcome=\"", s.ok() ? "ok" : "error", "\""))
        .fetch_add(1);
    if (bytes > 0) {
      m_->counter("warp_object_store_bytes_total", absl::StrCat("op=\"", op, "\""))
          .fetch_add(bytes);
    }
    m_->histogram("warp_object_store_latency_seconds", absl::StrCat("op=\"", op, "\""))
        .Observe(absl::Now() - start);
  }

  std::unique_ptr<ObjectStore> base_;
  Metrics* m_;
};

class CountedMetadataStore final : public MetadataStore {
 public:
  CountedMetadataStore(std::unique_ptr<MetadataStore> base, Metrics* m)
      : base_(std::move(base)), m_(m) {}

  absl::StatusOr<CommandResult> Execute(Command command) override {
    absl::Time start = absl::Now();
    absl::StatusOr<CommandResult> r = base_->Execute(std::move(command));
    m_->counter("warp_metadata_commits_total",
                absl::StrCat("outcome=\"", r.ok() ? "ok" : "error", "\""))
        .fetch_add(1);
    m_->histogram("warp_metadata_commit_latency_seconds").Observe(absl::Now() - start);
    return r;
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
  int64_t OffsetForTimestamp(const TopicPartition& tp, int64_t ts) override {
    return base_->OffsetForTimestamp(tp, ts);
  }
  std::map<TopicPartition, GroupOffset> GetGroupOffsets(absl::string_view group) override {
    return base_->GetGroupOffsets(group);
  }
  std::vector<std::string> ListGroups() override { return base_->ListGroups(); }
  std::vector<AgentInfo> LiveAgents() override { return base_->LiveAgents(); }
  std::vector<std::string> DeadObjects(absl::Time before) override {
    return base_->DeadObjects(before);
  }
  absl::StatusOr<int64_t> WaitForHighWatermark(const TopicPartition& tp, int64_t above,
                                               absl::Time deadline) override {
    return base_->WaitForHighWatermark(tp, above, deadline);
  }
  bool WaitForAnyHighWatermark(const std::vector<std::pair<TopicPartition, int64_t>>& w,
                               absl::Time deadline) override {
    return base_->WaitForAnyHighWatermark(w, deadline);
  }
  absl::Status Sync() override { return base_->Sync(); }
  uint64_t applied_index() override { return base_->applied_index(); }

 private:
  std::unique_ptr<MetadataStore> base_;
  Metrics* m_;
};

}  // namespace

std::unique_ptr<ObjectStore> InstrumentObjectStore(std::unique_ptr<ObjectStore> base,
                                                   Metrics* metrics) {
  return std::make_unique<CountedObjectStore>(std::move(base), metrics);
}

std::unique_ptr<MetadataStore> InstrumentMetadataStore(std::unique_ptr<MetadataStore> base,
                                                       Metrics* metrics) {
  return std::make_unique<CountedMetadataStore>(std::move(base), metrics);
}

}  // namespace warp::server
