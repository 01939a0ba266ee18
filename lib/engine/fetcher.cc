#include "warp/fetcher.h"

#include <deque>
#include <map>
#include <thread>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "lib/base/status_macros.h"
#include "lib/engine/block_cache.h"
#include "lib/protocol/record/record_batch.h"
#include "lib/protocol/record/record_batch_builder.h"

namespace warp {
namespace {

// One pass over the partitions of a fetch.
struct Attempt {
  std::vector<PartitionRecords> out;
  uint64_t total = 0;
  bool error = false;
  uint64_t reserved = 0;  // of FetchOptions::memory
  bool starved = false;   // granted no memory: offsets only
  std::vector<std::pair<TopicPartition, int64_t>> watched;
};

// A fetch waiting for commits. Attempts of one poll never overlap: each
// registers at most one watch, whose firing starts the next.
struct Poll {
  std::vector<FetchPartition> partitions;
  FetchOptions options;
  absl::Time deadline;
  Fetcher::FetchDone done;

  absl::Mutex mu;
  bool finished ABSL_GUARDED_BY(mu) = false;
  uint64_t registration ABSL_GUARDED_BY(mu) = 0;  // latest watch's number
  MetadataStore::WatchId watch ABSL_GUARDED_BY(mu) = 0;
};

class FetcherImpl final : public Fetcher {
 public:
  explicit FetcherImpl(const FetcherOptions& options) : options_(options) {
    for (int i = 0; i < kWorkers; ++i) workers_.emplace_back([this] { WorkerLoop(); });
    timer_ = std::thread([this] { TimerLoop(); });
  }

  ~FetcherImpl() override {
    {
      // A watch callback firing now (CancelWatch cannot stop it) finds the
      // fetcher gone instead of using it.
      absl::MutexLock lock(&alive_->mu);
      alive_->alive = false;
    }
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    timer_.join();
    for (auto& t : workers_) t.join();
    // Answer whatever still waits with what there is.
    std::vector<std::shared_ptr<Poll>> left;
    {
      absl::MutexLock lock(&mu_);
      left.assign(pending_.begin(), pending_.end());
      pending_.clear();
    }
    for (const auto& poll : left) {
      MetadataStore::WatchId watch;
      {
        absl::MutexLock lock(&poll->mu);
        watch = poll->watch;
      }
      options_.metadata->CancelWatch(watch);
      Finish(poll, Run(poll->partitions, poll->options));
    }
  }

  absl::StatusOr<std::vector<PartitionRecords>> Fetch(
      const std::vector<FetchPartition>& partitions,
      const FetchOptions& options) override {
    absl::Time deadline = absl::Now() + options.max_wait;
    for (;;) {
      ASSIGN_OR_RETURN(Attempt attempt, Run(partitions, options));
      if (Enough(attempt, options) || absl::Now() >= deadline) return std::move(attempt.out);
      GiveBack(attempt, options);
      if (!options_.metadata->WaitForAnyHighWatermark(attempt.watched, deadline)) {
        // Timed out: answer with what there is (nothing new arrived).
        return std::move(attempt.out);
      }
    }
  }

  void FetchAsync(std::vector<FetchPartition> partitions, FetchOptions options,
                  FetchDone done) override {
    absl::Time deadline = absl::Now() + options.max_wait;
    absl::StatusOr<Attempt> attempt = Run(partitions, options);
    if (!attempt.ok() || Enough(*attempt, options) || absl::Now() >= deadline) {
      done(Result(std::move(attempt)));
      return;
    }
    auto poll = std::make_shared<Poll>();
    poll->partitions = std::move(partitions);
    poll->options = options;
    poll->deadline = deadline;
    poll->done = std::move(done);
    GiveBack(*attempt, options);
    bool stopping;
    {
      absl::MutexLock lock(&mu_);
      stopping = stopping_;
      if (!stopping) {
        pending_.insert(poll);
        deadlines_.emplace(deadline, poll);
      }
    }
    if (stopping) {
      poll->done(Result(Run(poll->partitions, poll->options)));
      return;
    }
    Wait(poll, attempt->watched);
  }

 private:
  static constexpr int kWorkers = 2;

  static bool Enough(const Attempt& a, const FetchOptions& options) {
    return a.error || a.starved || a.total >= options.min_bytes;
  }

  // An attempt that waits for more holds no memory while it waits.
  static void GiveBack(Attempt& a, const FetchOptions& options) {
    if (options.memory != nullptr && a.reserved > 0) options.memory->Release(a.reserved);
    a.reserved = 0;
  }

  static absl::StatusOr<std::vector<PartitionRecords>> Result(absl::StatusOr<Attempt> attempt) {
    if (!attempt.ok()) return attempt.status();
    return std::move(attempt->out);
  }

  absl::StatusOr<Attempt> Run(const std::vector<FetchPartition>& partitions,
                              const FetchOptions& options) {
    Attempt a;
    a.out.resize(partitions.size());
    uint64_t max_bytes = options.max_bytes;
    if (options.memory != nullptr) {
      a.reserved = options.memory->Reserve(max_bytes);
      a.starved = a.reserved == 0;
      max_bytes = a.reserved;
    }
    for (size_t i = 0; i < partitions.size(); ++i) {
      const FetchPartition& p = partitions[i];
      uint64_t budget = max_bytes > a.total ? max_bytes - a.total : 0;
      uint64_t limit = a.starved ? 0 : std::min(p.max_bytes, budget);
      absl::Status read = ReadPartition(p, limit, /*must_return_one=*/a.total == 0 && !a.starved,
                                        options.read_committed, &a.out[i]);
      if (!read.ok()) {
        GiveBack(a, options);
        return read;
      }
      a.total += a.out[i].records.size();
      if (a.out[i].error != KafkaError::kNone) a.error = true;
      a.watched.push_back({p.tp, a.out[i].high_watermark});
    }
    return a;
  }

  // Registers the watch that starts the poll's next attempt.
  void Wait(const std::shared_ptr<Poll>& poll,
            std::vector<std::pair<TopicPartition, int64_t>> watched) {
    uint64_t token;
    {
      absl::MutexLock lock(&poll->mu);
      token = ++poll->registration;
    }
    std::weak_ptr<Poll> weak = poll;
    MetadataStore::WatchId id = options_.metadata->WatchHighWatermarks(
        std::move(watched), [this, alive = alive_, weak, token] {
          absl::MutexLock alive_lock(&alive->mu);
          if (!alive->alive) return;
          std::shared_ptr<Poll> p = weak.lock();
          if (p == nullptr) return;
          {
            absl::MutexLock lock(&p->mu);
            if (p->finished || p->registration != token) return;
          }
          Enqueue(std::move(p));
        });
    {
      absl::MutexLock lock(&poll->mu);
      if (poll->registration == token) poll->watch = id;
    }
    // The timer may have come before the id was known: see to it here.
    if (absl::Now() >= poll->deadline && options_.metadata->CancelWatch(id)) Enqueue(poll);
  }

  void Enqueue(std::shared_ptr<Poll> poll) {
    absl::MutexLock lock(&mu_);
    ready_.push_back(std::move(poll));
  }

  void Finish(const std::shared_ptr<Poll>& poll, absl::StatusOr<Attempt> attempt) {
    {
      absl::MutexLock lock(&poll->mu);
      if (poll->finished) {
        // Another attempt answered first: this one's memory goes back now
        // (not when the poll is gone).
        if (attempt.ok()) GiveBack(*attempt, poll->options);
        return;
      }
      poll->finished = true;
    }
    {
      absl::MutexLock lock(&mu_);
      pending_.erase(poll);
    }
    poll->done(Result(std::move(attempt)));
  }

  void WorkerLoop() {
    for (;;) {
      std::shared_ptr<Poll> poll;
      {
        absl::MutexLock lock(&mu_);
        auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return stopping_ || !ready_.empty();
        };
        mu_.Await(absl::Condition(&ready));
        if (ready_.empty()) return;  // stopping
        poll = std::move(ready_.front());
        ready_.pop_front();
      }
      absl::StatusOr<Attempt> attempt = Run(poll->partitions, poll->options);
      if (!attempt.ok() || Enough(*attempt, poll->options) ||
          absl::Now() >= poll->deadline) {
        Finish(poll, std::move(attempt));
      } else {
        GiveBack(*attempt, poll->options);
        Wait(poll, std::move(attempt->watched));
      }
    }
  }

  // Ends waits at their deadlines: the poll's watch is cancelled and one
  // last attempt answers with what there is.
  void TimerLoop() {
    absl::MutexLock lock(&mu_);
    while (!stopping_) {
      absl::Time next = deadlines_.empty() ? absl::InfiniteFuture() : deadlines_.begin()->first;
      // Also woken by an earlier deadline arriving.
      auto wake = [this, next]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || (!deadlines_.empty() && deadlines_.begin()->first < next);
      };
      mu_.AwaitWithDeadline(absl::Condition(&wake), next);
      absl::Time now = absl::Now();
      while (!stopping_ && !deadlines_.empty() && deadlines_.begin()->first <= now) {
        std::weak_ptr<Poll> weak = deadlines_.begin()->second;
        deadlines_.erase(deadlines_.begin());
        std::shared_ptr<Poll> poll = weak.lock();
        if (poll == nullptr) continue;
        MetadataStore::WatchId watch;
        {
          absl::MutexLock poll_lock(&poll->mu);
          if (poll->finished) continue;
          watch = poll->watch;
        }
        // Lock order: never hold mu_ into the metadata store.
        mu_.Unlock();
        bool mine = options_.metadata->CancelWatch(watch);
        mu_.Lock();
        if (mine) ready_.push_back(std::move(poll));
      }
    }
  }

  // Reads one partition into `out`. `limit` bytes at most, except that the
  // first batch is returned whole when `must_return_one` (KIP-74); with
  // `read_committed`, nothing at or past the last stable offset.
  absl::Status ReadPartition(const FetchPartition& p, uint64_t limit, bool must_return_one,
                             bool read_committed, PartitionRecords* out) {
    FetchPlan plan = options_.metadata->FindBatches(
        p.tp, p.offset, std::max<uint64_t>(limit, 1));
    out->error = plan.error;
    out->high_watermark = plan.offsets.high_watermark;
    out->log_start_offset = plan.offsets.log_start_offset;
    out->last_stable_offset = plan.offsets.last_stable_offset;
    if (plan.error != KafkaError::kNone) {
      if (plan.error == KafkaError::kUnknownTopicOrPartition) {
        out->high_watermark = out->log_start_offset = -1;
      }
      return absl::OkStatus();
    }
    // The aborted transactions of what is returned: data starting before
    // its end (`end`: the offset after the last batch returned).
    int64_t end = p.offset;
    auto report_aborted = [&] {
      for (const AbortedTransaction& a : plan.aborted) {
        if (a.first_offset < end) out->aborted.push_back(a);
      }
    };
    for (size_t i = 0; i < plan.batches.size(); ++i) {
      const BatchLocation& b = plan.batches[i];
      if (read_committed && b.base_offset >= plan.offsets.last_stable_offset) break;
      if (out->records.size() + b.byte_length > limit &&
          !(must_return_one && out->records.empty())) {
        break;
      }
      end = b.last_offset + 1;
      if (b.marker) {
        // A transaction marker lives in the metadata: its control batch is
        // built here, as Kafka would have stored it (docs/transactions.md).
        kafka::RecordBatchOptions marker;
        marker.base_offset = b.base_offset;
        marker.producer_id = b.producer_id;
        marker.producer_epoch = b.producer_epoch;
        absl::StatusOr<std::string> batch =
            kafka::BuildEndTransactionMarker(b.commit, /*coordinator_epoch=*/0, b.max_timestamp,
                                             marker);
        if (!batch.ok()) return batch.status();
        out->records += *batch;
        continue;
      }
      const size_t at = out->records.size();
      RETURN_IF_ERROR(options_.cache->ReadInto(b.object_key, b.byte_offset, b.byte_length,
                                               &out->records));
      absl::Span<char> bytes(out->records.data() + at, b.byte_length);
      // An ingest entry is exactly one batch as the client sent it, with
      // base offset 0: give it its offset. Compacted runs carry real offsets
      // (a keyed-compacted run may be one batch that starts after the entry's
      // base offset; if it starts at 0, so does the entry). The batch's
      // last offset delta is the client's and need not match the entry.
      absl::StatusOr<kafka::RecordBatchHeader> header = kafka::ParseRecordBatchHeader(
          absl::string_view(bytes.data(), bytes.size()), kafka::CrcCheck::kSkip);
      if (header.ok() && header->size_bytes() == bytes.size() && header->base_offset == 0) {
        RETURN_IF_ERROR(kafka::SetBaseOffsetAndLeaderEpoch(bytes, b.base_offset, 0));
      } else if (!header.ok() && bytes.size() < 61) {
        out->records.resize(at);
        return absl::DataLossError(absl::StrCat("object ", b.object_key,
                                                " holds no record batch at ",
                                                b.byte_offset));
      }
    }
    report_aborted();
    return absl::OkStatus();
  }

  const FetcherOptions options_;
  // Whether this fetcher still exists, for watch callbacks that fire while
  // it is destroyed. Lock order: Alive::mu, then Poll::mu and mu_.
  struct Alive {
    absl::Mutex mu;
    bool alive ABSL_GUARDED_BY(mu) = true;
  };
  const std::shared_ptr<Alive> alive_ = std::make_shared<Alive>();
  std::vector<std::thread> workers_;
  std::thread timer_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_set<std::shared_ptr<Poll>> pending_ ABSL_GUARDED_BY(mu_);
  std::deque<std::shared_ptr<Poll>> ready_ ABSL_GUARDED_BY(mu_);
  std::multimap<absl::Time, std::weak_ptr<Poll>> deadlines_ ABSL_GUARDED_BY(mu_);
};

}  // namespace
absl::StatusOr<std::unique_ptr<Fetcher>> Fetcher::Create(const FetcherOptions& options) {
  if (options.store == nullptr || options.metadata == nullptr || options.cache == nullptr) {
    return absl::InvalidArgumentError("FetcherOptions needs a store, metadata and a cache");
  }
  return std::unique_ptr<Fetcher>(std::make_unique<FetcherImpl>(options));
}

}  // namespace warp
