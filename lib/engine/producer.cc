#include "warp/producer.h"

#include <cstring>
#include <deque>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "lib/base/status_macros.h"
#include "lib/base/buffer_pool.h"
#include "lib/engine/block_cache.h"
#include "lib/engine/object_format.h"
#include "lib/metadata/topic_config.h"
#include "lib/protocol/record/record_batch.h"

namespace warp {
namespace {

// One accepted Append.
struct AppendRecord {
  std::vector<ProduceBatch> batches;
  Producer::Callback done;
  std::vector<ProduceResult> results;
  // Per ProduceBatch, the Kafka batches in it (views into batches[i].records)
  // and their headers; empty for batches refused at validation.
  std::vector<std::vector<absl::string_view>> kafka_batches;
  std::vector<std::vector<kafka::RecordBatchHeader>> headers;
  uint64_t bytes = 0;
};

struct PendingFlush {
  uint64_t sequence = 0;
  std::vector<std::unique_ptr<AppendRecord>> appends;
  uint64_t bytes = 0;
};

class ProducerImpl final : public Producer {
 public:
  explicit ProducerImpl(const ProducerOptions& options)
      : options_(options),
        clock_(options.clock ? options.clock : Clock::Real()),
        // Object buffers come back when the cache drops them (or at once
        // without a cache): keep enough for the flushes in flight.
        buffers_(BufferPool::Create(std::max(1, options.max_inflight_flushes) + 1)) {
    timer_ = std::thread([this] { TimerLoop(); });
    for (int i = 0; i < std::max(1, options_.max_inflight_flushes); ++i) {
      workers_.emplace_back([this] { WorkerLoop(); });
    }
  }

  ~ProducerImpl() override {
    Flush();
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    timer_.join();
    for (auto& w : workers_) w.join();
  }

  void Append(std::vector<ProduceBatch> batches, Callback done) override {
    auto record = std::make_unique<AppendRecord>();
    record->batches = std::move(batches);
    record->done = std::move(done);
    if (!Validate(record.get())) {
      // Nothing valid to store: answer now.
      auto callback = std::move(record->done);
      callback(absl::OkStatus(), std::move(record->results));
      return;
    }
    absl::MutexLock lock(&mu_);
    auto room = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return stopping_ || buffered_ == 0 ||
             buffered_ + record->bytes <= options_.max_buffered_bytes;
    };
    if (!mu_.AwaitWithTimeout(absl::Condition(&room), options_.max_block) || stopping_) {
      Callback callback = std::move(record->done);
      mu_.Unlock();
      callback(stopping_ ? absl::UnavailableError("producer is closing")
                         : absl::ResourceExhaustedError(absl::StrCat(
                               "producer buffer full (", options_.max_buffered_bytes,
                               " bytes buffered and in flight); retry later")),
               {});
      mu_.Lock();
      return;
    }
    buffered_ += record->bytes;
    if (!pending_) {
      pending_ = std::make_unique<PendingFlush>();
      pending_since_ = clock_->Now();
    }
    pending_->bytes += record->bytes;
    pending_->appends.push_back(std::move(record));
    if (pending_->bytes >= options_.flush_bytes) Seal();
  }

  void Flush() override {
    absl::MutexLock lock(&mu_);
    if (pending_) Seal();
    uint64_t last = next_sequence_;
    auto done = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return next_commit_ >= last;
    };
    mu_.Await(absl::Condition(&done));
  }

  uint64_t buffered_bytes() const override {
    absl::MutexLock lock(&mu_);
    return buffered_;
  }

 private:
  // Parses every batch; refused ones get their result now. Returns whether
  // anything is left to store.
  bool Validate(AppendRecord* r) {
    size_t n = r->batches.size();
    r->results.resize(n);
    r->kafka_batches.resize(n);
    r->headers.resize(n);
    bool any = false;
    for (size_t i = 0; i < n; ++i) {
      ProduceResult& result = r->results[i];
      absl::StatusOr<kafka::RecordBatchSequence> split =
          kafka::SplitRecordBatches(r->batches[i].records);
      if (!split.ok() || split->batches.empty() || !split->partial_tail.empty()) {
        result.error = KafkaError::kCorruptMessage;
        result.message = split.ok() ? "records hold no complete record batch"
                                    : std::string(split.status().message());
        continue;
      }
      std::vector<kafka::RecordBatchHeader> headers;
      for (absl::string_view b : split->batches) {
        absl::StatusOr<kafka::RecordBatchHeader> h = kafka::ParseRecordBatchHeader(b);
        if (!h.ok()) {
          result.error = KafkaError::kCorruptMessage;
          result.message = std::string(h.status().message());
          break;
        }
        // The batch's offset range moves the high watermark: it must be the
        // records it holds (Kafka's LogValidator checks).
        absl::Status records = kafka::ValidateProducedBatch(b, *h);
        if (!records.ok()) {
          result.error = records.code() == absl::StatusCode::kInvalidArgument
                             ? KafkaError::kInvalidRecord
                             : KafkaError::kCorruptMessage;
          result.message = std::string(records.message());
          break;
        }
        // Stored with base offset 0 whatever the client sent (the CRC does
        // not cover it): the fetcher gives such a batch its assigned offset.
        char* start = r->batches[i].records.data() + (b.data() - r->batches[i].records.data());
        std::memset(start, 0, sizeof(int64_t));
        h->base_offset = 0;
        headers.push_back(*h);
      }
      if (result.error != KafkaError::kNone) continue;
      r->kafka_batches[i] = split->batches;
      r->headers[i] = std::move(headers);
      r->bytes += r->batches[i].records.size();
      any = true;
    }
    return any;
  }

  void Seal() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    pending_->sequence = next_sequence_++;
    sealed_.push_back(std::move(pending_));
    pending_.reset();
  }

  void TimerLoop() {
    absl::MutexLock lock(&mu_);
    while (!stopping_) {
      if (!pending_) {
        auto wake = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return stopping_ || pending_ != nullptr;
        };
        mu_.Await(absl::Condition(&wake));
        continue;
      }
      absl::Duration left = pending_since_ + options_.flush_interval - clock_->Now();
      if (left <= absl::ZeroDuration()) {
        Seal();
        continue;
      }
      PendingFlush* current = pending_.get();
      auto changed = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || pending_.get() != current;
      };
      mu_.AwaitWithTimeout(absl::Condition(&changed), left);
    }
  }

  void WorkerLoop() {
    for (;;) {
      std::unique_ptr<PendingFlush> flush;
      {
        absl::MutexLock lock(&mu_);
        auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return stopping_ || !sealed_.empty();
        };
        mu_.Await(absl::Condition(&ready));
        if (sealed_.empty()) return;  // stopping
        flush = std::move(sealed_.front());
        sealed_.pop_front();
      }
      Process(flush.get());
    }
  }

  // Builds, PUTs and (in flush order) commits one flush, then answers its
  // appends.
  void Process(PendingFlush* flush) {
    absl::Time now = clock_->Now();
    int64_t now_ms = absl::ToUnixMillis(now);
    engine::ObjectBuilder builder;
    CommitFile commit;
    commit.commit_time_ms = now_ms;
    absl::flat_hash_map<std::string, bool> log_append_time;
    for (auto& r : flush->appends) {
      for (size_t i = 0; i < r->batches.size(); ++i) {
        const ProduceBatch& pb = r->batches[i];
        auto [it, inserted] = log_append_time.try_emplace(pb.topic, false);
        if (inserted) {
          std::optional<TopicInfo> topic = options_.metadata->GetTopic(pb.topic);
          it->second = topic && metadata::EffectiveConfig(topic->configs,
                                                          "message.timestamp.type") ==
                                    "LogAppendTime";
        }
        for (size_t k = 0; k < r->kafka_batches[i].size(); ++k) {
          absl::string_view b = r->kafka_batches[i][k];
          const kafka::RecordBatchHeader& h = r->headers[i][k];
          if (it->second) {
            (void)kafka::SetLogAppendTime(
                absl::Span<char>(const_cast<char*>(b.data()), b.size()), now_ms);
          }
          builder.Add(pb.topic, pb.partition, b, h.last_offset_delta + 1,
                      it->second ? now_ms : h.max_timestamp);
          BatchToCommit c;
          c.topic = pb.topic;
          c.partition = pb.partition;
          c.byte_length = static_cast<uint32_t>(b.size());
          c.record_count = h.last_offset_delta + 1;
          c.max_timestamp = it->second ? now_ms : h.max_timestamp;
          c.producer_id = h.producer_id;
          c.producer_epoch = h.producer_epoch;
          c.base_sequence = h.base_sequence;
          c.transactional = h.is_transactional();
          commit.batches.push_back(c);
        }
      }
    }
    std::shared_ptr<const AlignedBuffer> object =
        buffers_->Share(builder.Finish(buffers_->Take(builder.object_size_bound())));
    for (size_t i = 0; i < commit.batches.size(); ++i) {
      commit.batches[i].byte_offset = builder.placements()[i];
    }
    commit.object_key = engine::MakeObjectKey(options_.cluster, now, options_.agent_id,
                                              flush->sequence);
    commit.object_size = object->size();
    absl::Status put;
    for (int attempt = 0; attempt < std::max(1, options_.put_attempts); ++attempt) {
      put = options_.store->Put(commit.object_key, object->view(),
                                PutOptions{.if_not_exists = true});
      if (put.ok() || (attempt > 0 && absl::IsAlreadyExists(put))) {
        put = absl::OkStatus();
        break;
      }
      if (!absl::IsUnavailable(put) && !absl::IsDeadlineExceeded(put)) break;
    }
    if (put.ok() && options_.cache != nullptr) {
      options_.cache->InsertObject(commit.object_key, std::move(object));
    }
    const absl::Time uploaded = clock_->Now();
    // Commits go in flush order: a later flush never becomes visible first.
    {
      absl::MutexLock lock(&mu_);
      auto my_turn = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return next_commit_ == flush->sequence;
      };
      mu_.Await(absl::Condition(&my_turn));
    }
    absl::Status status = put;
    absl::StatusOr<CommandResult> committed;
    bool discard = false;  // never committed: its object is deleted
    if (status.ok() && clock_->Now() - now > options_.max_commit_delay) {
      // Garbage collection may already count the object as an orphan.
      status = absl::UnavailableError(absl::StrCat(
          "the commit would start more than ", absl::FormatDuration(options_.max_commit_delay),
          " after the object's upload"));
      discard = true;
    } else if (status.ok() && clock_->Now() - uploaded > options_.max_commit_wait) {
      status = absl::UnavailableError(absl::StrCat(
          "earlier commits held this flush for more than ",
          absl::FormatDuration(options_.max_commit_wait), ": the metadata journal is slow or away"));
      discard = true;
    } else if (status.ok()) {
      committed = options_.metadata->Execute(commit);
      status = committed.status();
      if (status.ok() && !committed->ok()) {
        status = absl::InternalError(absl::StrCat("commit refused: ", committed->message));
      }
    } else {
      status = absl::Status(status.code(),
                            absl::StrCat("object upload failed: ", status.message()));
    }
    {
      absl::MutexLock lock(&mu_);
      ++next_commit_;
      buffered_ -= flush->bytes;
    }
    // After the turn is passed on: flushes held behind this one fail at
    // once, not one DELETE after another.
    if (discard) (void)options_.store->Delete(commit.object_key);
    // Answer the appends.
    size_t next = 0;
    for (auto& r : flush->appends) {
      for (size_t i = 0; i < r->batches.size(); ++i) {
        ProduceResult& result = r->results[i];
        for (size_t k = 0; k < r->kafka_batches[i].size(); ++k, ++next) {
          if (!status.ok()) continue;
          const BatchResult& b = committed->batches[next];
          if (k == 0) {
            result.base_offset = b.base_offset;
            result.log_append_time = b.log_append_time;
            result.log_start_offset = b.log_start_offset;
          }
          if (b.error != KafkaError::kNone && result.error == KafkaError::kNone) {
            result.error = b.error;
          }
        }
      }
      Callback done = std::move(r->done);
      if (status.ok()) {
        done(absl::OkStatus(), std::move(r->results));
      } else {
        done(status, {});
      }
    }
  }

  const ProducerOptions options_;
  Clock* const clock_;
  const std::shared_ptr<BufferPool> buffers_;
  std::thread timer_;
  std::vector<std::thread> workers_;

  mutable absl::Mutex mu_;
  std::unique_ptr<PendingFlush> pending_ ABSL_GUARDED_BY(mu_);
  absl::Time pending_since_ ABSL_GUARDED_BY(mu_);
  std::deque<std::unique_ptr<PendingFlush>> sealed_ ABSL_GUARDED_BY(mu_);
  uint64_t buffered_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t next_sequence_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t next_commit_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Producer>> Producer::Create(const ProducerOptions& options) {
  if (options.store == nullptr || options.metadata == nullptr) {
    return absl::InvalidArgumentError("ProducerOptions needs a store and a metadata store");
  }
  if (options.flush_interval <= absl::ZeroDuration() || options.flush_bytes == 0) {
    return absl::InvalidArgumentError("flush_interval and flush_bytes must be positive");
  }
  RETURN_IF_ERROR(ValidateObjectKey(
      engine::MakeObjectKey(options.cluster, absl::UnixEpoch(), options.agent_id, 0)));
  return std::unique_ptr<Producer>(std::make_unique<ProducerImpl>(options));
}

absl::StatusOr<std::vector<ProduceResult>> Producer::AppendAndWait(
    std::vector<ProduceBatch> batches) {
  absl::Notification done;
  absl::Status status;
  std::vector<ProduceResult> results;
  Append(std::move(batches), [&](absl::Status s, std::vector<ProduceResult> r) {
    status = std::move(s);
    results = std::move(r);
    done.Notify();
  });
  done.WaitForNotification();
  if (!status.ok()) return status;
  return results;
}

}  // namespace warp
