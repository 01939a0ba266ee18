#include "lib/metadata/etcd/etcd_metadata_store.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <random>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "lib/base/status_macros.h"
#include "lib/metadata/binary_codec.h"
#include "lib/metadata/command.h"
#include "lib/metadata/etcd/etcd_client.h"
#include "lib/metadata/state_backed_store.h"

namespace warp::metadata {
namespace {

constexpr size_t kSnapshotChunk = 1 << 20;  // etcd's request limit is 1.5 MiB
constexpr absl::Duration kAppendAttemptTimeout = absl::Seconds(2);

std::string Pad(int64_t v) { return absl::StrFormat("%020d", v); }

// A log entry: the commands of one group commit.
std::string EncodeGroup(const std::vector<std::string>& commands) {
  std::string out;
  BinaryWriter w(&out);
  w.Fixed<uint32_t>(static_cast<uint32_t>(commands.size()));
  for (const std::string& c : commands) w.String(c);
  return out;
}

absl::StatusOr<std::vector<Command>> DecodeGroup(absl::string_view bytes) {
  BinaryReader r(bytes);
  uint32_t n = r.Count(4);
  std::vector<Command> out;
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    ASSIGN_OR_RETURN(Command c, DecodeCommand(r.String()));
    out.push_back(std::move(c));
  }
  if (!r.ok()) return r.status();
  return out;
}

class EtcdMetadataStore final : public StateBackedMetadataStore {
 public:
  EtcdMetadataStore(std::unique_ptr<etcd::EtcdClient> client, std::string prefix,
                    const MetadataStoreOptions& options)
      : client_(std::move(client)),
        prefix_(std::move(prefix)),
        log_prefix_(prefix_ + "log/"),
        snapshot_prefix_(prefix_ + "snapshot/"),
        options_(options) {
    std::random_device rd;
    replica_id_ = absl::StrFormat("%016x", (uint64_t{rd()} << 32) ^ rd());
  }

  ~EtcdMetadataStore() override {
    stop_ = true;
    {
      absl::MutexLock lock(&queue_mu_);
      stopping_ = true;
    }
    if (proposer_.joinable()) proposer_.join();
    if (watcher_.joinable()) watcher_.join();
    absl::MutexLock lock(&queue_mu_);
    for (auto& [key, group] : in_flight_) {
      for (Pending* p : group) Finish(p, absl::UnavailableError("store closed"));
    }
  }

  absl::Status Start() {
    watcher_ = std::thread([this] { WatchLoop(); });
    proposer_ = std::thread([this] { ProposeLoop(); });
    // Opening may replay a long log: more time than a request's Sync.
    return SyncUntil(absl::Now() + absl::Seconds(60));
  }

  absl::StatusOr<CommandResult> Execute(Command command) override {
    Pending pending;
    pending.encoded = EncodeCommand(command);
    absl::MutexLock lock(&queue_mu_);
    if (stopping_) return absl::UnavailableError("metadata store is closing");
    pending.deadline = absl::Now() + options_.commit_timeout;
    queue_.push_back(&pending);
    if (!queue_mu_.AwaitWithDeadline(absl::Condition(&pending.done), pending.deadline)) {
      return Withdraw(&pending);
    }
    if (!pending.status.ok()) return pending.status;
    return std::move(pending.result);
  }

  // Waits until this replica has applied every log entry that existed when
  // called (etcd reads are linearizable).
  // Bounded by commit_timeout: it runs on request paths (a fetch past the
  // local high watermark, OffsetFetch), which must answer while etcd is away.
  // A failure is remembered for a second: during an outage, the request
  // paths that sync fail fast instead of each holding a thread for the
  // whole timeout.
  absl::Status Sync() override {
    absl::Time now = absl::Now();
    {
      absl::MutexLock lock(&sync_mu_);
      if (now - last_sync_failure_ < absl::Seconds(1)) return last_sync_status_;
    }
    absl::Status status = SyncUntil(now + options_.commit_timeout);
    if (!status.ok()) {
      absl::MutexLock lock(&sync_mu_);
      last_sync_failure_ = absl::Now();
      last_sync_status_ = status;
    }
    return status;
  }

 private:
  absl::Status SyncUntil(absl::Time deadline) {
    etcd::RangeOptions newest;
    newest.deadline = deadline;
    newest.range_end = etcd::PrefixEnd(log_prefix_);
    newest.limit = 1;
    newest.keys_only = true;
    newest.sort_by_mod_revision = true;
    newest.descending = true;
    ASSIGN_OR_RETURN(etcd::RangeResult r, client_->Range(log_prefix_, newest));
    uint64_t target = r.kvs.empty() ? 0 : r.kvs[0].mod_revision;
    auto caught_up = [&]() ABSL_SHARED_LOCKS_REQUIRED(state_mu_) {
      return applied_index_ >= target;
    };
    bool ok = state_mu_.ReaderLockWhenWithDeadline(absl::Condition(&caught_up), deadline);
    state_mu_.ReaderUnlock();
    if (!ok) {
      return absl::DeadlineExceededError(
          absl::StrCat("replica did not catch up with etcd revision ", target));
    }
    return absl::OkStatus();
  }

  struct Pending {
    std::string encoded;
    absl::Time deadline;
    std::string key;  // the log key of its group once taken by the proposer
    CommandResult result;
    absl::Status status;
    bool done = false;
  };

  void Finish(Pending* p, absl::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue_mu_) {
    if (p == nullptr) return;  // its caller gave up waiting
    p->status = std::move(status);
    p->done = true;
  }

  // A command whose commit_timeout ran out: still queued, it is dropped and
  // never takes effect; already sent, its caller stops waiting and whatever
  // the append does is applied without it.
  absl::Status Withdraw(Pending* pending) ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue_mu_) {
    auto queued = std::find(queue_.begin(), queue_.end(), pending);
    if (queued != queue_.end()) {
      queue_.erase(queued);
      return absl::UnavailableError(absl::StrCat(
          "etcd accepted no command for ", absl::FormatDuration(options_.commit_timeout),
          "; this one was not sent"));
    }
    auto group = in_flight_.find(pending->key);
    if (group != in_flight_.end()) {
      std::replace(group->second.begin(), group->second.end(), pending,
                   static_cast<Pending*>(nullptr));
    }
    return absl::UnavailableError(absl::StrCat(
        "etcd did not confirm the append within ",
        absl::FormatDuration(options_.commit_timeout),
        "; the command may or may not take effect"));
  }

  // Group commit: everything queued goes into one etcd key.
  void ProposeLoop() {
    for (uint64_t sequence = 1;; ++sequence) {
      std::vector<Pending*> group;
      std::vector<std::string> commands;
      // Appends are retried until the last caller of the group gives up.
      absl::Time deadline = absl::InfinitePast();
      std::string key = absl::StrCat(log_prefix_, replica_id_, "-", Pad(sequence));
      {
        absl::MutexLock lock(&queue_mu_);
        queue_mu_.Await(absl::Condition(
            +[](EtcdMetadataStore* s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(s->queue_mu_) {
              return s->stopping_ || !s->queue_.empty();
            },
            this));
        if (stopping_) {
          for (Pending* p : queue_) Finish(p, absl::UnavailableError("store closed"));
          queue_.clear();
          return;
        }
        while (!queue_.empty() && static_cast<int>(group.size()) < options_.max_group_size) {
          group.push_back(queue_.front());
          queue_.pop_front();
        }
        // Read under the lock: a caller may give up (Withdraw) once it is
        // released.
        for (Pending* p : group) {
          p->key = key;
          commands.push_back(std::move(p->encoded));
          deadline = std::max(deadline, p->deadline);
        }
        // Registered before the append: the watcher may apply it first.
        in_flight_[key] = group;
      }
      std::string entry = EncodeGroup(commands);
      absl::Status status;
      for (int attempt = 0;; ++attempt) {
        // An append in flight when the etcd leader dies can hang until
        // etcd's own request timeout (seconds): give up on it sooner and
        // send it again (create-only, so a repeat is harmless) to whichever
        // member answers.
        absl::StatusOr<std::pair<int64_t, bool>> put = client_->PutIfAbsent(
            key, entry, std::min(deadline, absl::Now() + kAppendAttemptTimeout));
        status = put.status();
        if (status.ok() || stop_) break;
        // No attempt starts after the last caller gave up: a command its
        // caller was told failed is not sent again behind its back.
        absl::Duration backoff = absl::Milliseconds(std::min(50 << std::min(attempt, 4), 1000));
        if (absl::Now() + backoff >= deadline) break;
        absl::SleepFor(backoff);
      }
      if (!status.ok()) {
        absl::MutexLock lock(&queue_mu_);
        auto it = in_flight_.find(key);
        if (it != in_flight_.end()) {  // not applied meanwhile
          for (Pending* p : it->second) {
            Finish(p, absl::UnavailableError(absl::StrCat(
                          "etcd append failed; the command may or may not take "
                          "effect: ", status.message())));
          }
          in_flight_.erase(it);
        }
      }
    }
  }

  // Tails the log forever: catches up with a range read (log keys are never
  // overwritten, so they survive etcd compaction; a newer snapshot replaces
  // keys already deleted), then watches from the revision of that read.
  void WatchLoop() {
    while (!stop_) {
      absl::StatusOr<int64_t> read_at = CatchUp();
      if (!read_at.ok()) {
        absl::SleepFor(absl::Milliseconds(200));
        continue;
      }
      absl::Status status = client_->Watch(
          log_prefix_, etcd::PrefixEnd(log_prefix_), *read_at + 1,
          [this](std::vector<etcd::WatchEvent> events) {
            for (const etcd::WatchEvent& e : events) {
              if (!e.is_delete) ApplyEntry(e.kv);
            }
            return !stop_.load();
          },
          stop_);
      if (stop_) return;
      if (status.code() != absl::StatusCode::kOutOfRange) {
        absl::SleepFor(absl::Milliseconds(200));
      }
    }
  }

  // Applies every log entry after the applied revision; returns the etcd
  // revision the reads saw.
  absl::StatusOr<int64_t> CatchUp() {
    RETURN_IF_ERROR(LoadSnapshot());
    for (;;) {
      etcd::RangeOptions after;
      after.range_end = etcd::PrefixEnd(log_prefix_);
      after.sort_by_mod_revision = true;
      after.limit = 500;
      {
        absl::ReaderMutexLock lock(&state_mu_);
        after.min_mod_revision = applied_index_ + 1;
      }
      ASSIGN_OR_RETURN(etcd::RangeResult page, client_->Range(log_prefix_, after));
      for (const etcd::KeyValue& kv : page.kvs) ApplyEntry(kv);
      if (!page.more) return page.revision;
    }
  }

  void ApplyEntry(const etcd::KeyValue& kv) {
    absl::StatusOr<std::vector<Command>> commands = DecodeGroup(kv.value);
    std::vector<CommandResult> results;
    {
      absl::WriterMutexLock lock(&state_mu_);
      if (static_cast<uint64_t>(kv.mod_revision) <= applied_index_) return;  // seen
      if (commands.ok()) {
        for (const Command& c : *commands) results.push_back(state_.Apply(c));
      }
      applied_index_ = kv.mod_revision;
      ++since_snapshot_;
    }
    {
      absl::MutexLock lock(&queue_mu_);
      auto it = in_flight_.find(kv.key);
      if (it != in_flight_.end()) {
        for (size_t i = 0; i < it->second.size(); ++i) {
          Pending* p = it->second[i];
          if (p == nullptr) continue;  // withdrawn
          if (!commands.ok()) {
            Finish(p, absl::DataLossError(commands.status().message()));
            continue;
          }
          p->result = std::move(results[i]);
          Finish(p, absl::OkStatus());
        }
        in_flight_.erase(it);
      }
    }
    NotifyWatches();
    if (since_snapshot_ >= options_.snapshot_every) {
      since_snapshot_ = 0;
      (void)WriteSnapshot();
    }
  }

  // The newest snapshot's pointer: "<revision> <chunks>".
  std::string MetaKey() const { return snapshot_prefix_ + "meta"; }

  absl::Status LoadSnapshot() {
    ASSIGN_OR_RETURN(etcd::RangeResult meta, client_->Range(MetaKey()));
    if (meta.kvs.empty()) return absl::OkStatus();
    std::vector<std::string> parts = absl::StrSplit(meta.kvs[0].value, ' ');
    int64_t revision = 0, chunks = 0;
    if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &revision) ||
        !absl::SimpleAtoi(parts[1], &chunks)) {
      return absl::DataLossError("unreadable etcd snapshot pointer");
    }
    std::string dir = absl::StrCat(snapshot_prefix_, Pad(revision), "/");
    etcd::RangeOptions all;
    all.range_end = etcd::PrefixEnd(dir);
    ASSIGN_OR_RETURN(etcd::RangeResult r, client_->Range(dir, all));
    if (static_cast<int64_t>(r.kvs.size()) != chunks) {
      return absl::DataLossError("etcd snapshot is missing chunks");
    }
    std::string bytes;
    for (const etcd::KeyValue& kv : r.kvs) bytes += kv.value;
    ASSIGN_OR_RETURN(MetadataState state, MetadataState::FromSnapshot(bytes));
    {
      absl::WriterMutexLock lock(&state_mu_);
      if (static_cast<uint64_t>(revision) > applied_index_) {
        state_ = std::move(state);
        applied_index_ = revision;
      }
    }
    NotifyWatches();
    return absl::OkStatus();
  }

  absl::Status WriteSnapshot() {
    std::string bytes;
    int64_t revision;
    {
      absl::ReaderMutexLock lock(&state_mu_);
      bytes = state_.Snapshot();
      revision = applied_index_;
    }
    std::string dir = absl::StrCat(snapshot_prefix_, Pad(revision), "/");
    int64_t chunks = 0;
    for (size_t at = 0; at < bytes.size() || chunks == 0; at += kSnapshotChunk) {
      RETURN_IF_ERROR(client_
                          ->Put(absl::StrCat(dir, Pad(chunks++)),
                                absl::string_view(bytes).substr(at, kSnapshotChunk))
                          .status());
    }
    std::string meta = absl::StrCat(Pad(revision), " ", chunks);
    ASSIGN_OR_RETURN(bool newest,
                     client_->TxnIfValueLess(MetaKey(), meta,
                                             {{etcd::TxnOp::Kind::kPut, MetaKey(), meta}}));
    if (!newest) return client_->DeleteRange(dir, etcd::PrefixEnd(dir));
    // Drop older snapshots and the log keys the snapshot covers.
    etcd::RangeOptions older;
    older.range_end = dir;
    older.keys_only = true;
    ASSIGN_OR_RETURN(etcd::RangeResult old_chunks, client_->Range(snapshot_prefix_, older));
    std::vector<std::string> doomed;
    for (const etcd::KeyValue& kv : old_chunks.kvs) {
      if (kv.key != MetaKey()) doomed.push_back(kv.key);
    }
    etcd::RangeOptions covered;
    covered.range_end = etcd::PrefixEnd(log_prefix_);
    covered.max_mod_revision = revision;
    covered.keys_only = true;
    ASSIGN_OR_RETURN(etcd::RangeResult logs, client_->Range(log_prefix_, covered));
    for (const etcd::KeyValue& kv : logs.kvs) doomed.push_back(kv.key);
    RETURN_IF_ERROR(client_->DeleteKeys(doomed));
    return client_->Compact(revision);
  }

  const std::unique_ptr<etcd::EtcdClient> client_;
  const std::string prefix_;
  const std::string log_prefix_;
  const std::string snapshot_prefix_;
  const MetadataStoreOptions options_;
  std::string replica_id_;
  std::atomic<bool> stop_{false};
  std::thread proposer_;
  std::thread watcher_;
  int64_t since_snapshot_ = 0;  // watcher thread only

  absl::Mutex sync_mu_;
  absl::Time last_sync_failure_ ABSL_GUARDED_BY(sync_mu_) = absl::InfinitePast();
  absl::Status last_sync_status_ ABSL_GUARDED_BY(sync_mu_);

  absl::Mutex queue_mu_;
  std::deque<Pending*> queue_ ABSL_GUARDED_BY(queue_mu_);
  absl::flat_hash_map<std::string, std::vector<Pending*>> in_flight_
      ABSL_GUARDED_BY(queue_mu_);
  bool stopping_ ABSL_GUARDED_BY(queue_mu_) = false;
};

}  // namespace

absl::StatusOr<std::unique_ptr<MetadataStore>> OpenEtcdMetadataStore(
    std::vector<std::string> endpoints, std::string prefix,
    const MetadataStoreOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<etcd::EtcdClient> client,
                   etcd::EtcdClient::Create(std::move(endpoints)));
  if (prefix.empty() || prefix.back() != '/') prefix += '/';
  auto store = std::make_unique<EtcdMetadataStore>(std::move(client), prefix, options);
  RETURN_IF_ERROR(store->Start());
  return std::unique_ptr<MetadataStore>(std::move(store));
}

}  // namespace warp::metadata
