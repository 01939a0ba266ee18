#include "lib/metadata/journaled_metadata_store.h"

#include <deque>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "lib/base/status_macros.h"
#include "lib/metadata/command.h"
#include "lib/metadata/journal_format.h"
#include "lib/metadata/state_backed_store.h"

namespace warp::metadata {
namespace {

class JournaledMetadataStore final : public StateBackedMetadataStore {
 public:
  JournaledMetadataStore(std::unique_ptr<Journal> journal,
                         const MetadataStoreOptions& options, const GroupLimits& limits)
      : journal_(std::move(journal)), options_(options), limits_(limits) {}

  ~JournaledMetadataStore() override {
    {
      absl::MutexLock lock(&queue_mu_);
      stopping_ = true;
    }
    if (writer_.joinable()) writer_.join();
  }

  absl::Status Recover() {
    ASSIGN_OR_RETURN(RecoveredJournal recovered, journal_->Recover());
    absl::WriterMutexLock lock(&state_mu_);
    if (recovered.snapshot_index > 0) {
      ASSIGN_OR_RETURN(state_, MetadataState::FromSnapshot(recovered.snapshot));
    }
    applied_index_ = recovered.snapshot_index;
    for (const std::string& entry : recovered.entries) {
      absl::StatusOr<Command> command = DecodeCommand(entry);
      if (!command.ok()) {
        return absl::DataLossError(absl::StrCat("journal entry ", applied_index_ + 1,
                                                " is unreadable: ",
                                                command.status().message()));
      }
      state_.Apply(*command);
      ++applied_index_;
    }
    since_snapshot_ = recovered.entries.size();
    writer_ = std::thread([this] { WriterLoop(); });
    return absl::OkStatus();
  }

  absl::StatusOr<CommandResult> Execute(Command command) override {
    Pending pending;
    pending.encoded = EncodeCommand(command);
    if (pending.encoded.size() > limits_.max_bytes) {
      return TooLargeForJournal(pending.encoded.size(), limits_);
    }
    pending.command = std::move(command);
    absl::MutexLock lock(&queue_mu_);
    if (stopping_) return absl::UnavailableError("metadata store is closing");
    queue_.push_back(&pending);
    queue_mu_.Await(absl::Condition(&pending.done));
    if (!pending.status.ok()) return pending.status;
    return std::move(pending.result);
  }

  absl::Status Sync() override { return absl::OkStatus(); }

 private:
  struct Pending {
    Command command;
    std::string encoded;
    CommandResult result;
    absl::Status status;
    bool done = false;
  };

  void WriterLoop() {
    for (;;) {
      std::vector<Pending*> group;
      {
        absl::MutexLock lock(&queue_mu_);
        queue_mu_.Await(absl::Condition(
            +[](JournaledMetadataStore* s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(s->queue_mu_) {
              return s->stopping_ || !s->queue_.empty();
            },
            this));
        if (queue_.empty()) return;  // stopping, nothing left
        group = TakeGroup(queue_, limits_, [](Pending* p) { return p->encoded.size(); });
      }
      std::vector<std::string> entries;
      entries.reserve(group.size());
      for (Pending* p : group) entries.push_back(std::move(p->encoded));
      absl::StatusOr<uint64_t> appended = journal_->Append(entries);
      if (appended.ok()) {
        absl::WriterMutexLock lock(&state_mu_);
        for (Pending* p : group) p->result = state_.Apply(p->command);
        applied_index_ += group.size();
        since_snapshot_ += group.size();
      }
      {
        absl::MutexLock lock(&queue_mu_);
        for (Pending* p : group) {
          p->status = appended.status();
          p->done = true;
        }
      }
      if (appended.ok()) NotifyWatches();
      if (appended.ok() && since_snapshot_ >= options_.snapshot_every) {
        // Only this thread mutates the state: reading it here is safe.
        std::string snapshot = [&] {
          absl::ReaderMutexLock lock(&state_mu_);
          return state_.Snapshot();
        }();
        if (journal_->SaveSnapshot(applied_index_, snapshot).ok()) since_snapshot_ = 0;
      }
    }
  }

  const std::unique_ptr<Journal> journal_;
  const MetadataStoreOptions options_;
  const GroupLimits limits_;
  std::thread writer_;

  absl::Mutex queue_mu_;
  std::deque<Pending*> queue_ ABSL_GUARDED_BY(queue_mu_);
  bool stopping_ ABSL_GUARDED_BY(queue_mu_) = false;

  int64_t since_snapshot_ = 0;  // writer thread only
};

}  // namespace

GroupLimits LocalJournalGroupLimits(const MetadataStoreOptions& options) {
  return GroupLimits{options.max_group_size, journal_format::kMaxRecordSize};
}

absl::StatusOr<std::unique_ptr<MetadataStore>> NewJournaledMetadataStore(
    std::unique_ptr<Journal> journal, const MetadataStoreOptions& options) {
  return NewJournaledMetadataStore(std::move(journal), options,
                                   LocalJournalGroupLimits(options));
}

absl::StatusOr<std::unique_ptr<MetadataStore>> NewJournaledMetadataStore(
    std::unique_ptr<Journal> journal, const MetadataStoreOptions& options,
    const GroupLimits& limits) {
  auto store =
      std::make_unique<JournaledMetadataStore>(std::move(journal), options, limits);
  RETURN_IF_ERROR(store->Recover());
  return std::unique_ptr<MetadataStore>(std::move(store));
}

}  // namespace warp::metadata
