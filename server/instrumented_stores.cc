#include "server/instrumented_stores.h"

#include "absl/time/clock.h"
#include "lib/metadata/forwarding_metadata_store.h"

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
                {{"op", op}, {"outcome", s.ok() ? "ok" : "error"}})
        .Increment();
    if (bytes > 0) {
      m_->counter("warp_object_store_bytes_total", {{"op", op}}).Increment(bytes);
    }
    m_->histogram("warp_object_store_latency_seconds", {{"op", op}})
        .Observe(absl::Now() - start);
  }

  std::unique_ptr<ObjectStore> base_;
  Metrics* m_;
};

// Counts and times commands; everything else passes through.
class CountedMetadataStore final : public metadata::ForwardingMetadataStore {
 public:
  CountedMetadataStore(std::unique_ptr<MetadataStore> base, Metrics* m)
      : ForwardingMetadataStore(base.get()), owned_(std::move(base)), m_(m) {}

  absl::StatusOr<CommandResult> Execute(Command command) override {
    absl::Time start = absl::Now();
    absl::StatusOr<CommandResult> r = base()->Execute(std::move(command));
    m_->counter("warp_metadata_commits_total", {{"outcome", r.ok() ? "ok" : "error"}})
        .Increment();
    m_->histogram("warp_metadata_commit_latency_seconds").Observe(absl::Now() - start);
    return r;
  }

  // A Sync is a linearizable read of the journal (an etcd round trip).
  absl::Status Sync() override {
    m_->counter("warp_metadata_syncs_total").Increment();
    return base()->Sync();
  }

 private:
  std::unique_ptr<MetadataStore> owned_;
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
