#include "lib/metadata/etcd/etcd_metadata_store.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <optional>
#include <random>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "lib/base/status_macros.h"
#include "lib/metadata/binary_codec.h"
#include "lib/metadata/command.h"
#include "lib/metadata/etcd/etcd_client.h"
#include "lib/metadata/journal.h"
#include "lib/metadata/state_backed_store.h"

namespace warp::metadata {
namespace {

constexpr size_t kSnapshotChunk = 1 << 20;
constexpr absl::Duration kAppendAttemptTimeout = absl::Seconds(2);
// What a create-only append adds to its log entry in etcd's request: the key
// three times (compare, put, range) and the protobuf framing (measured at
// about 50 bytes; twice that and more is kept).
constexpr size_t kAppendFixedOverhead = 512;
constexpr size_t kGroupCountBytes = 4;    // the group's u32 count
constexpr size_t kCommandLengthBytes = 4;  // each command's u32 length
constexpr char kRaiseLimitHint[] =
    "raise etcd's --max-request-bytes and the store's max_request_bytes together";

std::string Pad(int64_t v) { return absl::StrFormat("%020d", v); }

// A log key: "<prefix>log/<16 hex digits>-<20 digits>".
size_t LogKeySize(const std::string& prefix) { return prefix.size() + 4 + 16 + 1 + 20; }

// The newest snapshot's pointer: "<revision> <chunks> <trimmed>", where the
// log keys up to `trimmed` may have been deleted (older pointers have no
// third field: everything up to `revision`).
struct SnapshotPointer {
  int64_t revision = 0;
  int64_t chunks = 0;
  int64_t trimmed = 0;
  int64_t mod_revision = 0;  // of the pointer key, for compare-and-swap

  std::string Format() const {
    return absl::StrCat(Pad(revision), " ", chunks, " ", Pad(trimmed));
  }
  static absl::StatusOr<SnapshotPointer> Parse(const etcd::KeyValue& kv) {
    std::vector<std::string> parts = absl::StrSplit(kv.value, ' ');
    SnapshotPointer p;
    p.mod_revision = kv.mod_revision;
    if ((parts.size() != 2 && parts.size() != 3) || !absl::SimpleAtoi(parts[0], &p.revision) ||
        !absl::SimpleAtoi(parts[1], &p.chunks) ||
        (parts.size() == 3 && !absl::SimpleAtoi(parts[2], &p.trimmed))) {
      return absl::DataLossError(absl::StrCat("unreadable etcd snapshot pointer \"",
                                              kv.value.substr(0, 100), "\""));
    }
    if (parts.size() == 2) p.trimmed = p.revision;
    return p;
  }
};

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
                    const MetadataStoreOptions& options,
                    const EtcdStoreOptions& etcd_options)
      : client_(std::move(client)),
        prefix_(std::move(prefix)),
        log_prefix_(prefix_ + "log/"),
        snapshot_prefix_(prefix_ + "snapshot/"),
        options_(options),
        etcd_options_(etcd_options),
        limits_(EtcdGroupLimits(prefix_, options, etcd_options)),
        snapshot_chunk_(std::min(kSnapshotChunk, limits_.max_bytes)) {
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
      for (Pending* p : group.waiters) Finish(p, absl::UnavailableError("store closed"));
    }
  }

  absl::Status Start() {
    if (limits_.max_bytes < 1024) {
      return absl::InvalidArgumentError(absl::StrCat(
          "etcd max_request_bytes of ", etcd_options_.max_request_bytes,
          " leaves no room for a log entry"));
    }
    watcher_ = std::thread([this] { WatchLoop(); });
    proposer_ = std::thread([this] { ProposeLoop(); });
    // Opening may replay a long log: more time than a request's Sync.
    return SyncUntil(absl::Now() + absl::Seconds(60));
  }

  absl::StatusOr<CommandResult> Execute(Command command) override {
    Pending pending;
    pending.encoded = EncodeCommand(command);
    if (CommandBytes(&pending) > limits_.max_bytes) {
      return TooLargeForJournal(CommandBytes(&pending), limits_, kRaiseLimitHint);
    }
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
  struct Pending {
    std::string encoded;
    absl::Time deadline;
    std::string key;  // the log key of its group once taken by the proposer
    CommandResult result;
    absl::Status status;
    bool done = false;
  };

  // A group sent (or being sent) to etcd.
  struct InFlight {
    std::vector<Pending*> waiters;  // nullptr: its caller gave up
    int64_t revision = 0;           // its revision once etcd confirmed it
  };

  // What one command adds to its group's log entry.
  static size_t CommandBytes(const Pending* p) {
    return kCommandLengthBytes + p->encoded.size();
  }

  // A read at etcd's current revision H finds the newest log key: every
  // entry committed up to H is that one or older, or, when the log is empty
  // (every key deleted under a snapshot), under the newest snapshot. Waits
  // until this replica has applied that far.
  absl::Status SyncUntil(absl::Time deadline) {
    etcd::RangeOptions newest;
    newest.deadline = deadline;
    newest.range_end = etcd::PrefixEnd(log_prefix_);
    newest.limit = 1;
    newest.keys_only = true;
    newest.sort_by_mod_revision = true;
    newest.descending = true;
    ASSIGN_OR_RETURN(etcd::RangeResult r, client_->Range(log_prefix_, newest));
    int64_t target = r.kvs.empty() ? 0 : r.kvs[0].mod_revision;
    if (r.kvs.empty()) {
      ASSIGN_OR_RETURN(std::optional<SnapshotPointer> pointer, ReadPointer(deadline));
      if (pointer.has_value()) target = pointer->revision;
    }
    auto caught_up = [&]() ABSL_SHARED_LOCKS_REQUIRED(state_mu_) {
      return applied_index_ >= static_cast<uint64_t>(target);
    };
    bool ok = state_mu_.ReaderLockWhenWithDeadline(absl::Condition(&caught_up), deadline);
    state_mu_.ReaderUnlock();
    if (!ok) {
      return absl::DeadlineExceededError(
          absl::StrCat("replica did not catch up with etcd revision ", target));
    }
    return absl::OkStatus();
  }

  void Finish(Pending* p, absl::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue_mu_) {
    if (p == nullptr) return;  // its caller gave up waiting
    p->status = std::move(status);
    p->done = true;
  }

  // Answers the waiters of a group this replica will never apply: it is
  // committed, but a snapshot past it was loaded first (the replica was more
  // than a snapshot interval behind), so its result is unknown.
  void FinishCovered(const std::string& key, const InFlight& group, int64_t revision)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue_mu_) {
    for (Pending* p : group.waiters) {
      Finish(p, absl::UnavailableError(absl::StrCat(
                    "the command was committed (etcd key ", key, ", revision ", revision,
                    ") but this replica loaded a snapshot past it before applying it: "
                    "its result is unknown")));
    }
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
      std::replace(group->second.waiters.begin(), group->second.waiters.end(), pending,
                   static_cast<Pending*>(nullptr));
    }
    return absl::UnavailableError(absl::StrCat(
        "etcd did not confirm the append within ",
        absl::FormatDuration(options_.commit_timeout),
        "; the command may or may not take effect"));
  }

  // Group commit: what is queued goes into one etcd key, up to limits_.
  void ProposeLoop() {
    for (uint64_t sequence = 1;; ++sequence) {
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
        std::vector<Pending*> group = TakeGroup(queue_, limits_, CommandBytes);
        // Read under the lock: a caller may give up (Withdraw) once it is
        // released.
        for (Pending* p : group) {
          p->key = key;
          commands.push_back(std::move(p->encoded));
          deadline = std::max(deadline, p->deadline);
        }
        // Registered before the append: the watcher may apply it first.
        in_flight_[key].waiters = std::move(group);
      }
      std::string entry = EncodeGroup(commands);
      absl::StatusOr<std::pair<int64_t, bool>> put = absl::UnavailableError("not sent");
      for (int attempt = 0;; ++attempt) {
        // An append in flight when the etcd leader dies can hang until
        // etcd's own request timeout (seconds): give up on it sooner and
        // send it again (create-only, so a repeat is harmless) to whichever
        // member answers.
        put = client_->PutIfAbsent(key, entry,
                                   std::min(deadline, absl::Now() + kAppendAttemptTimeout));
        // etcd refused it (too large, ...): no retry will do better.
        if (put.ok() || stop_ || put.status().code() == absl::StatusCode::kFailedPrecondition) {
          break;
        }
        // No attempt starts after the last caller gave up: a command its
        // caller was told failed is not sent again behind its back.
        absl::Duration backoff = absl::Milliseconds(std::min(50 << std::min(attempt, 4), 1000));
        if (absl::Now() + backoff >= deadline) break;
        absl::SleepFor(backoff);
      }
      if (put.ok()) {
        Appended(key, put->first);
        continue;
      }
      std::string hint =
          absl::StrContains(put.status().message(), "too large")
              ? absl::StrCat(" (", entry.size(), " bytes; ", kRaiseLimitHint, ")")
              : "";
      absl::MutexLock lock(&queue_mu_);
      auto it = in_flight_.find(key);
      if (it != in_flight_.end()) {  // not applied meanwhile
        for (Pending* p : it->second.waiters) {
          Finish(p, absl::UnavailableError(absl::StrCat(
                        "etcd append failed; the command may or may not take effect: ",
                        put.status().message(), hint)));
        }
        in_flight_.erase(it);
      }
    }
  }

  // Notes the revision etcd gave the group `key`. If the replica already
  // applied past it without applying it, a snapshot covered it.
  void Appended(const std::string& key, int64_t revision) {
    absl::ReaderMutexLock state_lock(&state_mu_);
    absl::MutexLock lock(&queue_mu_);
    auto it = in_flight_.find(key);
    if (it == in_flight_.end()) return;  // applied already
    it->second.revision = revision;
    if (applied_index_ >= static_cast<uint64_t>(revision)) {
      FinishCovered(key, it->second, revision);
      in_flight_.erase(it);
    }
  }

  bool Held() const { return etcd_options_.hold_watcher && etcd_options_.hold_watcher(); }

  // Tails the log forever: catches up with range reads of the log keys,
  // then watches from the revision of the last read.
  void WatchLoop() {
    while (!stop_) {
      while (Held() && !stop_) absl::SleepFor(absl::Milliseconds(10));
      absl::StatusOr<int64_t> read_at = CatchUp();
      if (!read_at.ok()) {
        absl::SleepFor(absl::Milliseconds(200));
        continue;
      }
      absl::Status status = client_->Watch(
          log_prefix_, etcd::PrefixEnd(log_prefix_), *read_at + 1,
          etcd_options_.watch_idle_timeout,
          [this](std::vector<etcd::WatchEvent> events) {
            if (Held()) return false;
            for (const etcd::WatchEvent& e : events) {
              if (!e.is_delete) ApplyEntry(e.kv);
            }
            return !stop_.load();
          },
          stop_);
      if (stop_) return;
      if (etcd_options_.on_watch_end) etcd_options_.on_watch_end(status);
      if (status.code() != absl::StatusCode::kOutOfRange) {
        absl::SleepFor(absl::Milliseconds(200));
      }
    }
  }

  // Applies every log entry after the applied revision; returns the etcd
  // revision the reads saw. Replays the log keys while they are all there
  // (after the pointer's `trimmed`), so that this replica's own commands get
  // their results; loads the newest snapshot when keys it needs are gone,
  // or when it is far behind it (more than a page) with nothing of its own
  // in flight.
  absl::StatusOr<int64_t> CatchUp() {
    for (;;) {
      uint64_t from;
      {
        absl::ReaderMutexLock lock(&state_mu_);
        from = applied_index_;
      }
      etcd::RangeOptions after;
      after.range_end = etcd::PrefixEnd(log_prefix_);
      after.sort_by_mod_revision = true;
      after.limit = 500;
      after.min_mod_revision = from + 1;
      ASSIGN_OR_RETURN(etcd::RangeResult page, client_->Range(log_prefix_, after));
      // Read after the page: keys are deleted only after the pointer says
      // so, so every key after this `trimmed` was there for the page.
      ASSIGN_OR_RETURN(std::optional<SnapshotPointer> pointer,
                       ReadPointer(absl::InfiniteFuture()));
      if (pointer.has_value() && static_cast<uint64_t>(pointer->revision) > from &&
          (static_cast<uint64_t>(pointer->trimmed) > from || (page.more && NothingInFlight()))) {
        RETURN_IF_ERROR(LoadSnapshot(*pointer));
        continue;
      }
      for (const etcd::KeyValue& kv : page.kvs) ApplyEntry(kv);
      if (!page.more) return page.revision;
    }
  }

  bool NothingInFlight() {
    absl::MutexLock lock(&queue_mu_);
    return in_flight_.empty();
  }

  void ApplyEntry(const etcd::KeyValue& kv) {
    absl::StatusOr<std::vector<Command>> commands = DecodeGroup(kv.value);
    {
      absl::WriterMutexLock lock(&state_mu_);
      bool seen = static_cast<uint64_t>(kv.mod_revision) <= applied_index_;
      std::vector<CommandResult> results;
      if (!seen) {
        if (commands.ok()) {
          for (const Command& c : *commands) results.push_back(state_.Apply(c));
        }
        applied_index_ = kv.mod_revision;
        ++since_snapshot_;
      }
      absl::MutexLock queue_lock(&queue_mu_);
      auto it = in_flight_.find(kv.key);
      if (it != in_flight_.end()) {
        if (seen) {
          // Still awaited although applied past: under a loaded snapshot.
          FinishCovered(kv.key, it->second, kv.mod_revision);
        } else {
          for (size_t i = 0; i < it->second.waiters.size(); ++i) {
            Pending* p = it->second.waiters[i];
            if (p == nullptr) continue;  // withdrawn
            if (!commands.ok()) {
              Finish(p, absl::DataLossError(commands.status().message()));
              continue;
            }
            p->result = std::move(results[i]);
            Finish(p, absl::OkStatus());
          }
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

  std::string MetaKey() const { return snapshot_prefix_ + "meta"; }
  std::string SnapshotDir(int64_t revision) const {
    return absl::StrCat(snapshot_prefix_, Pad(revision), "/");
  }

  absl::StatusOr<std::optional<SnapshotPointer>> ReadPointer(absl::Time deadline) {
    etcd::RangeOptions options;
    options.deadline = deadline;
    ASSIGN_OR_RETURN(etcd::RangeResult meta, client_->Range(MetaKey(), options));
    if (meta.kvs.empty()) return std::optional<SnapshotPointer>();
    ASSIGN_OR_RETURN(SnapshotPointer pointer, SnapshotPointer::Parse(meta.kvs[0]));
    return std::optional<SnapshotPointer>(pointer);
  }

  absl::Status LoadSnapshot(const SnapshotPointer& pointer) {
    std::string dir = SnapshotDir(pointer.revision);
    etcd::RangeOptions all;
    all.range_end = etcd::PrefixEnd(dir);
    ASSIGN_OR_RETURN(etcd::RangeResult r, client_->Range(dir, all));
    if (static_cast<int64_t>(r.kvs.size()) != pointer.chunks) {
      // A newer snapshot may have replaced it since the pointer was read.
      return absl::UnavailableError(absl::StrCat("etcd snapshot at revision ",
                                                 pointer.revision, " is incomplete"));
    }
    std::string bytes;
    for (const etcd::KeyValue& kv : r.kvs) bytes += kv.value;
    ASSIGN_OR_RETURN(MetadataState state, MetadataState::FromSnapshot(bytes));
    {
      absl::WriterMutexLock lock(&state_mu_);
      if (static_cast<uint64_t>(pointer.revision) > applied_index_) {
        state_ = std::move(state);
        applied_index_ = pointer.revision;
        absl::MutexLock queue_lock(&queue_mu_);
        for (auto it = in_flight_.begin(); it != in_flight_.end();) {
          int64_t revision = it->second.revision;
          if (revision > 0 && revision <= pointer.revision) {
            FinishCovered(it->first, it->second, revision);
            in_flight_.erase(it++);
          } else {
            ++it;
          }
        }
      }
    }
    NotifyWatches();
    return absl::OkStatus();
  }

  // Writes the state as chunks, moves the pointer to it (compare-and-swap),
  // then deletes older snapshots and the log keys up to the previous
  // snapshot, and compacts etcd there.
  absl::Status WriteSnapshot() {
    std::string bytes;
    int64_t revision;
    {
      absl::ReaderMutexLock lock(&state_mu_);
      bytes = state_.Snapshot();
      revision = applied_index_;
    }
    ASSIGN_OR_RETURN(std::optional<SnapshotPointer> previous,
                     ReadPointer(absl::InfiniteFuture()));
    if (previous.has_value() && previous->revision >= revision) return absl::OkStatus();
    std::string dir = SnapshotDir(revision);
    SnapshotPointer next;
    next.revision = revision;
    next.trimmed = previous.has_value() ? previous->revision : 0;
    for (size_t at = 0; at < bytes.size() || next.chunks == 0; at += snapshot_chunk_) {
      RETURN_IF_ERROR(client_
                          ->Put(absl::StrCat(dir, Pad(next.chunks++)),
                                absl::string_view(bytes).substr(at, snapshot_chunk_))
                          .status());
    }
    ASSIGN_OR_RETURN(bool moved,
                     client_->TxnIfModRevision(
                         MetaKey(), previous.has_value() ? previous->mod_revision : 0,
                         {{etcd::TxnOp::Kind::kPut, MetaKey(), next.Format()}}));
    // Another replica moved the pointer first: this snapshot is not needed.
    if (!moved) return client_->DeleteRange(dir, etcd::PrefixEnd(dir));
    etcd::RangeOptions older;
    older.range_end = dir;
    older.keys_only = true;
    ASSIGN_OR_RETURN(etcd::RangeResult old_chunks, client_->Range(snapshot_prefix_, older));
    std::vector<std::string> doomed;
    for (const etcd::KeyValue& kv : old_chunks.kvs) {
      if (kv.key != MetaKey()) doomed.push_back(kv.key);
    }
    if (next.trimmed > 0) {
      etcd::RangeOptions covered;
      covered.range_end = etcd::PrefixEnd(log_prefix_);
      covered.max_mod_revision = next.trimmed;
      covered.keys_only = true;
      ASSIGN_OR_RETURN(etcd::RangeResult logs, client_->Range(log_prefix_, covered));
      for (const etcd::KeyValue& kv : logs.kvs) doomed.push_back(kv.key);
    }
    RETURN_IF_ERROR(client_->DeleteKeys(doomed));
    return next.trimmed > 0 ? client_->Compact(next.trimmed) : absl::OkStatus();
  }

  const std::unique_ptr<etcd::EtcdClient> client_;
  const std::string prefix_;
  const std::string log_prefix_;
  const std::string snapshot_prefix_;
  const MetadataStoreOptions options_;
  const EtcdStoreOptions etcd_options_;
  const GroupLimits limits_;
  const size_t snapshot_chunk_;
  std::string replica_id_;
  std::atomic<bool> stop_{false};
  std::thread proposer_;
  std::thread watcher_;
  int64_t since_snapshot_ = 0;  // watcher thread only

  absl::Mutex sync_mu_;
  absl::Time last_sync_failure_ ABSL_GUARDED_BY(sync_mu_) = absl::InfinitePast();
  absl::Status last_sync_status_ ABSL_GUARDED_BY(sync_mu_);

  // Taken after state_mu_ when both are held.
  absl::Mutex queue_mu_;
  std::deque<Pending*> queue_ ABSL_GUARDED_BY(queue_mu_);
  absl::flat_hash_map<std::string, InFlight> in_flight_ ABSL_GUARDED_BY(queue_mu_);
  bool stopping_ ABSL_GUARDED_BY(queue_mu_) = false;
};

}  // namespace

GroupLimits EtcdGroupLimits(const std::string& prefix, const MetadataStoreOptions& options,
                            const EtcdStoreOptions& etcd_options) {
  size_t overhead = 3 * LogKeySize(prefix) + kAppendFixedOverhead + kGroupCountBytes;
  size_t bytes = etcd_options.max_request_bytes > overhead
                     ? etcd_options.max_request_bytes - overhead
                     : 0;
  return GroupLimits{options.max_group_size, bytes};
}

absl::StatusOr<std::unique_ptr<MetadataStore>> OpenEtcdMetadataStore(
    std::vector<std::string> endpoints, std::string prefix,
    const MetadataStoreOptions& options, const EtcdStoreOptions& etcd_options) {
  ASSIGN_OR_RETURN(std::unique_ptr<etcd::EtcdClient> client,
                   etcd::EtcdClient::Create(std::move(endpoints), etcd_options.client));
  if (prefix.empty() || prefix.back() != '/') prefix += '/';
  auto store = std::make_unique<EtcdMetadataStore>(std::move(client), prefix, options,
                                                    etcd_options);
  RETURN_IF_ERROR(store->Start());
  return std::unique_ptr<MetadataStore>(std::move(store));
}

}  // namespace warp::metadata
