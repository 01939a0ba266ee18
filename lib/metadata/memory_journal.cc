#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "lib/metadata/journal.h"

namespace warp::metadata {
namespace {

class MemoryJournal final : public Journal {
 public:
  absl::StatusOr<RecoveredJournal> Recover() override {
    absl::MutexLock lock(&mu_);
    RecoveredJournal out;
    out.snapshot_index = snapshot_index_;
    out.snapshot = snapshot_;
    out.entries = entries_;
    return out;
  }

  absl::StatusOr<uint64_t> Append(absl::Span<const std::string> entries) override {
    absl::MutexLock lock(&mu_);
    uint64_t first = snapshot_index_ + entries_.size() + 1;
    entries_.insert(entries_.end(), entries.begin(), entries.end());
    return first;
  }

  absl::Status SaveSnapshot(uint64_t index, absl::string_view state) override {
    absl::MutexLock lock(&mu_);
    if (index < snapshot_index_ || index > snapshot_index_ + entries_.size()) {
      return absl::InvalidArgumentError("snapshot index outside the journal");
    }
    entries_.erase(entries_.begin(), entries_.begin() + (index - snapshot_index_));
    snapshot_index_ = index;
    snapshot_ = std::string(state);
    return absl::OkStatus();
  }

 private:
  absl::Mutex mu_;
  uint64_t snapshot_index_ ABSL_GUARDED_BY(mu_) = 0;
  std::string snapshot_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

std::unique_ptr<Journal> NewMemoryJournal() {
  return std::make_unique<MemoryJournal>();
}

}  // namespace warp::metadata
