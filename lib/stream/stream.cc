// Stream: the library's front door (include/warp/stream.h), built from the
// public Producer, Fetcher and MetadataStore and the jobs runner.
#include "warp/stream.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <limits>
#include <optional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "lib/base/status_macros.h"
#include "lib/compaction/jobs_runner.h"
#include "lib/engine/block_cache.h"
#include "lib/metadata/topic_config.h"
#include "lib/metadata/topic_id.h"
#include "lib/protocol/record/record_batch.h"
#include "lib/protocol/record/record_batch_builder.h"
#include "lib/stream/record_decoding.h"
#include "warp/fetcher.h"
#include "warp/metadata_store.h"
#include "warp/object_store_url.h"
#include "warp/producer.h"

namespace warp {
namespace {

kafka::Compression CodecOf(StreamCompression c) {
  switch (c) {
    case StreamCompression::kGzip: return kafka::Compression::kGzip;
    case StreamCompression::kSnappy: return kafka::Compression::kSnappy;
    case StreamCompression::kLz4: return kafka::Compression::kLz4;
    case StreamCompression::kZstd: return kafka::Compression::kZstd;
    case StreamCompression::kNone: break;
  }
  return kafka::Compression::kNone;
}

// A Kafka outcome of the metadata store as a status.
absl::Status StatusOf(KafkaError error, absl::string_view message, absl::string_view what) {
  const std::string text = absl::StrCat(what, ": ", message.empty() ? "Kafka error " : "",
                                        message.empty() ? absl::StrCat(static_cast<int>(error))
                                                        : std::string(message));
  switch (error) {
    case KafkaError::kNone: return absl::OkStatus();
    case KafkaError::kUnknownTopicOrPartition:
    case KafkaError::kGroupIdNotFound:
      return absl::NotFoundError(text);
    case KafkaError::kTopicAlreadyExists: return absl::AlreadyExistsError(text);
    case KafkaError::kOffsetOutOfRange: return absl::OutOfRangeError(text);
    case KafkaError::kOutOfOrderSequenceNumber:
      return absl::AbortedError(text);  // retriable: an earlier append failed
    case KafkaError::kMessageTooLarge:
    case KafkaError::kCorruptMessage:
    case KafkaError::kInvalidRecord:
    case KafkaError::kInvalidTimestamp:
    case KafkaError::kInvalidTopic:
    case KafkaError::kInvalidPartitions:
    case KafkaError::kInvalidConfig:
    case KafkaError::kInvalidRequest:
      return absl::InvalidArgumentError(text);
    default:
      return absl::FailedPreconditionError(text);
  }
}

// Runs delayed retries off the producer's threads (whose callbacks must not
// block on a full producer).
class RetryQueue {
 public:
  RetryQueue() : thread_([this] { Loop(); }) {}
  ~RetryQueue() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    thread_.join();
  }
  void After(absl::Duration delay, std::function<void()> fn) {
    absl::MutexLock lock(&mu_);
    queue_.push_back({absl::Now() + delay, std::move(fn)});
  }

 private:
  struct Item {
    absl::Time due;
    std::function<void()> fn;
  };
  void Loop() {
    absl::MutexLock lock(&mu_);
    for (;;) {
      // Stopping runs what is left at once, so every callback still runs.
      mu_.AwaitWithTimeout(absl::Condition(
                               +[](RetryQueue* q) ABSL_EXCLUSIVE_LOCKS_REQUIRED(q->mu_) {
                                 return q->stopping_ || q->Due();
                               },
                               this),
                           absl::Milliseconds(20));
      if (stopping_ && queue_.empty()) return;
      auto due = std::find_if(queue_.begin(), queue_.end(), [&](const Item& i) {
        return stopping_ || i.due <= absl::Now();
      });
      if (due == queue_.end()) continue;
      std::function<void()> fn = std::move(due->fn);
      queue_.erase(due);
      mu_.Unlock();
      fn();
      mu_.Lock();
    }
  }
  bool Due() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (const Item& i : queue_) {
      if (i.due <= absl::Now()) return true;
    }
    return false;
  }

  absl::Mutex mu_;
  std::deque<Item> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

class StreamImpl;

class ConsumerImpl final : public Consumer {
 public:
  ConsumerImpl(StreamImpl* stream, std::string group)
      : Consumer(std::move(group)), stream_(stream) {}
  absl::Status Assign(const std::vector<Assignment>& partitions, bool reset_to_latest) override;
  absl::StatusOr<std::vector<ConsumedRecord>> Poll(const FetchLimits& limits) override;
  int64_t Position(const std::string& topic, int32_t partition) const override {
    auto it = positions_.find(TopicPartition{topic, partition});
    return it == positions_.end() ? -1 : it->second;
  }
  absl::Status Commit() override;

 private:
  StreamImpl* stream_;
  bool reset_to_latest_ = false;
  std::map<TopicPartition, int64_t> positions_;
};

class StreamImpl final : public Stream {
 public:
  static absl::StatusOr<std::unique_ptr<Stream>> Open(const StreamOptions& options);
  ~StreamImpl() override {
    {
      absl::MutexLock lock(&closing_mu_);
      closing_ = true;  // no retry is queued from now on
    }
    retries_.reset();  // runs the queued retries at once: they fail (closing)
    jobs_.reset();
    fetcher_.reset();
    producer_.reset();  // flushes; failed appends are answered, not retried
  }

  absl::Status CreateTopic(const std::string& topic, int32_t partitions,
                           const std::map<std::string, std::string>& configs) override {
    metadata::ConfigCheck name = metadata::ValidateTopicName(topic);
    if (!name.ok()) return StatusOf(name.error, name.message, "CreateTopic " + topic);
    if (partitions < 1 || partitions > metadata::kMaxPartitions) {
      return absl::InvalidArgumentError(absl::StrCat("CreateTopic ", topic, ": ", partitions,
                                                     " partitions"));
    }
    const TopicConfigs& topic_configs = configs;
    metadata::ConfigCheck checked = metadata::ValidateTopicConfigs(topic_configs);
    if (!checked.ok()) return StatusOf(checked.error, checked.message, "CreateTopic " + topic);
    ASSIGN_OR_RETURN(CommandResult r,
                     metadata_->Execute(warp::CreateTopic{topic, metadata::NewTopicId(),
                                                          partitions, topic_configs}));
    return StatusOf(r.error, r.message, "CreateTopic " + topic);
  }

  absl::Status DeleteTopic(const std::string& topic) override {
    ASSIGN_OR_RETURN(CommandResult r,
                     metadata_->Execute(warp::DeleteTopic{topic, NowMs()}));
    return StatusOf(r.error, r.message, "DeleteTopic " + topic);
  }

  absl::StatusOr<std::vector<std::string>> ListTopics() override {
    RETURN_IF_ERROR(metadata_->Sync());
    std::vector<std::string> names;
    for (const TopicInfo& t : metadata_->ListTopics()) names.push_back(t.name);
    std::sort(names.begin(), names.end());
    return names;
  }

  absl::StatusOr<int64_t> Produce(const std::string& topic, int32_t partition,
                                  std::vector<Record> records) override {
    absl::Notification done;
    absl::StatusOr<int64_t> out = absl::UnknownError("not answered");
    ProduceAsync(topic, partition, std::move(records), [&](absl::StatusOr<int64_t> r) {
      out = std::move(r);
      done.Notify();
    });
    done.WaitForNotification();
    return out;
  }

  void ProduceAsync(const std::string& topic, int32_t partition, std::vector<Record> records,
                    ProduceCallback done) override;

  void Flush() override { producer_->Flush(); }

  absl::StatusOr<std::vector<ConsumedRecord>> Fetch(const std::string& topic, int32_t partition,
                                                    int64_t offset,
                                                    const FetchLimits& limits) override {
    ASSIGN_OR_RETURN(std::vector<PartitionRecords> got,
                     FetchMany({{TopicPartition{topic, partition}, offset}}, limits));
    const PartitionRecords& p = got[0];
    if (p.error != KafkaError::kNone) {
      return StatusOf(p.error, p.message, absl::StrCat("Fetch ", topic, "-", partition, " at ",
                                                       offset));
    }
    std::vector<ConsumedRecord> out;
    RETURN_IF_ERROR(stream::DecodeRecords(topic, partition, offset, p, limits.read_committed,
                                          &out));
    return out;
  }

  absl::StatusOr<std::vector<PartitionRecords>> FetchMany(
      const std::vector<std::pair<TopicPartition, int64_t>>& partitions,
      const FetchLimits& limits) {
    std::vector<FetchPartition> wanted;
    for (const auto& [tp, offset] : partitions) {
      wanted.push_back({tp, offset, std::max<uint64_t>(1, limits.max_bytes)});
    }
    FetchOptions options;
    options.max_wait = limits.max_wait;
    options.max_bytes = std::max<uint64_t>(1, limits.max_bytes);
    options.read_committed = limits.read_committed;
    return fetcher_->Fetch(wanted, options);
  }

  absl::StatusOr<int64_t> EarliestOffset(const std::string& topic, int32_t partition) override {
    ASSIGN_OR_RETURN(PartitionOffsets o, metadata_->GetOffsets({topic, partition}));
    return o.log_start_offset;
  }
  absl::StatusOr<int64_t> LatestOffset(const std::string& topic, int32_t partition) override {
    ASSIGN_OR_RETURN(PartitionOffsets o, metadata_->GetOffsets({topic, partition}));
    return o.high_watermark;
  }
  absl::StatusOr<int64_t> OffsetForTime(const std::string& topic, int32_t partition,
                                        int64_t timestamp_ms) override {
    RETURN_IF_ERROR(metadata_->GetOffsets({topic, partition}).status());
    return metadata_->OffsetForTimestamp({topic, partition}, timestamp_ms);
  }

  absl::Status CommitOffset(const std::string& group, const std::string& topic,
                            int32_t partition, int64_t offset,
                            const std::string& metadata) override {
    return CommitOffsets(group, {{TopicPartition{topic, partition}, offset}}, metadata);
  }

  absl::Status CommitOffsets(const std::string& group,
                             const std::map<TopicPartition, int64_t>& offsets,
                             const std::string& metadata) {
    if (group.empty()) return absl::InvalidArgumentError("CommitOffset: empty group");
    const int64_t now = NowMs();
    CommitGroupOffsets command{group, now, {}};
    for (const auto& [tp, offset] : offsets) {
      if (!metadata_->GetOffsets(tp).ok()) {
        return absl::NotFoundError(
            absl::StrCat("CommitOffset: no partition ", tp.topic, "-", tp.partition));
      }
      command.offsets.push_back({tp, GroupOffset{offset, -1, metadata, now}});
    }
    ASSIGN_OR_RETURN(CommandResult r, metadata_->Execute(std::move(command)));
    return StatusOf(r.error, r.message, "CommitOffset " + group);
  }

  absl::StatusOr<int64_t> CommittedOffset(const std::string& group, const std::string& topic,
                                          int32_t partition) override {
    RETURN_IF_ERROR(metadata_->Sync());
    std::map<TopicPartition, GroupOffset> offsets = metadata_->GetGroupOffsets(group);
    auto it = offsets.find(TopicPartition{topic, partition});
    return it == offsets.end() ? -1 : it->second.offset;
  }

  absl::StatusOr<std::unique_ptr<Consumer>> NewConsumer(const std::string& group) override {
    if (group.empty()) return absl::InvalidArgumentError("NewConsumer: empty group");
    return std::make_unique<ConsumerImpl>(this, group);
  }

  absl::Status RunJobs() override { return jobs_->RunOnce(); }

 private:
  explicit StreamImpl(const StreamOptions& options)
      : options_(options), clock_(options.clock != nullptr ? options.clock : Clock::Real()) {}

  int64_t NowMs() const { return absl::ToUnixMillis(clock_->Now()); }

  // A partition's idempotent producer: its id, epoch and next sequence.
  struct PartitionProducer {
    absl::Mutex mu;
    int64_t producer_id ABSL_GUARDED_BY(mu) = -1;
    int16_t epoch ABSL_GUARDED_BY(mu) = 0;
    int32_t next_sequence ABSL_GUARDED_BY(mu) = 0;
    // A producer id whose batch was given up on; the next Produce replaces
    // it. Atomic, not under `mu`: producer callbacks set it, and `mu` may be
    // held by a Produce waiting for buffer room that those callbacks free.
    std::atomic<int64_t> given_up{-1};
  };
  PartitionProducer& ProducerFor(const TopicPartition& tp) {
    absl::MutexLock lock(&producers_mu_);
    std::unique_ptr<PartitionProducer>& p = producers_[tp];
    if (p == nullptr) p = std::make_unique<PartitionProducer>();
    return *p;
  }
  absl::StatusOr<int64_t> NewProducerId() {
    ASSIGN_OR_RETURN(CommandResult r, metadata_->Execute(AllocateProducerIds{1}));
    RETURN_IF_ERROR(StatusOf(r.error, r.message, "AllocateProducerIds"));
    return r.producer_id;
  }

  // Appends `batch` (attempt `attempt`), retrying retriable failures with the
  // same bytes, so an idempotent batch is stored once however often it is
  // sent.
  void Append(TopicPartition tp, std::shared_ptr<const std::string> batch, int attempt,
              int64_t producer_id, ProduceCallback done);

  const StreamOptions options_;
  Clock* const clock_;
  std::unique_ptr<ObjectStore> owned_store_;
  std::unique_ptr<MetadataStore> owned_metadata_;
  ObjectStore* store_ = nullptr;
  MetadataStore* metadata_ = nullptr;
  std::unique_ptr<engine::BlockCache> cache_;
  std::unique_ptr<RetryQueue> retries_;
  std::unique_ptr<Producer> producer_;
  std::unique_ptr<Fetcher> fetcher_;
  std::unique_ptr<compaction::JobsRunner> jobs_;
  bool Closing() {
    absl::MutexLock lock(&closing_mu_);
    return closing_;
  }

  absl::Mutex closing_mu_;
  bool closing_ ABSL_GUARDED_BY(closing_mu_) = false;
  absl::Mutex producers_mu_;
  std::map<TopicPartition, std::unique_ptr<PartitionProducer>> producers_
      ABSL_GUARDED_BY(producers_mu_);
};

absl::StatusOr<std::unique_ptr<Stream>> StreamImpl::Open(const StreamOptions& options) {
  std::string bucket_url = options.bucket_url;
  std::string metadata_url = options.metadata_url;
  if (options.bucket != nullptr || options.metadata != nullptr) {
    if (options.bucket == nullptr || options.metadata == nullptr || !bucket_url.empty() ||
        !metadata_url.empty() || !options.data_dir.empty()) {
      return absl::InvalidArgumentError(
          "StreamOptions: give both bucket and metadata, and no URL or data_dir with them");
    }
  } else if (bucket_url.empty() != metadata_url.empty()) {
    return absl::InvalidArgumentError("StreamOptions: give both bucket_url and metadata_url, "
                                      "or neither (with data_dir)");
  }
  if (bucket_url.empty() && options.bucket == nullptr) {
    if (options.data_dir.empty()) {
      return absl::InvalidArgumentError("StreamOptions: bucket_url and metadata_url, or data_dir");
    }
    std::string dir = options.data_dir;
    if (dir[0] != '/') {
      char cwd[4096];
      if (getcwd(cwd, sizeof(cwd)) == nullptr) return absl::InternalError("getcwd failed");
      dir = absl::StrCat(cwd, "/", dir);
    }
    bucket_url = absl::StrCat("file://", dir, "/bucket");
    metadata_url = absl::StrCat("local://", dir, "/journal");
  }
  if (options.produce_attempts < 1) {
    return absl::InvalidArgumentError("StreamOptions: produce_attempts must be at least 1");
  }
  auto stream = std::unique_ptr<StreamImpl>(new StreamImpl(options));
  if (options.bucket != nullptr) {
    stream->store_ = options.bucket;
    stream->metadata_ = options.metadata;
  } else {
    ASSIGN_OR_RETURN(stream->owned_store_, OpenObjectStore(bucket_url));
    MetadataStoreOptions metadata_options;
    metadata_options.clock = options.clock;
    ASSIGN_OR_RETURN(stream->owned_metadata_,
                     MetadataStore::Open(metadata_url, metadata_options));
    stream->store_ = stream->owned_store_.get();
    stream->metadata_ = stream->owned_metadata_.get();
  }
  engine::BlockCacheOptions cache_options;
  cache_options.capacity_bytes = options.cache_bytes;
  stream->cache_ = std::make_unique<engine::BlockCache>(stream->store_, cache_options);
  stream->retries_ = std::make_unique<RetryQueue>();
  ProducerOptions producer;
  producer.store = stream->store_;
  producer.metadata = stream->metadata_;
  producer.cache = stream->cache_.get();
  producer.cluster = options.cluster;
  producer.agent_id = options.agent_id;
  producer.flush_interval = options.flush_interval;
  producer.flush_bytes = options.flush_bytes;
  producer.max_buffered_bytes = options.max_buffered_bytes;
  producer.max_block = options.max_block;
  producer.clock = options.clock;
  ASSIGN_OR_RETURN(stream->producer_, Producer::Create(producer));
  FetcherOptions fetcher;
  fetcher.store = stream->store_;
  fetcher.metadata = stream->metadata_;
  fetcher.cache = stream->cache_.get();
  ASSIGN_OR_RETURN(stream->fetcher_, Fetcher::Create(fetcher));
  compaction::JobsOptions jobs;
  jobs.store = stream->store_;
  jobs.metadata = stream->metadata_;
  jobs.clock = options.clock;
  jobs.cluster = options.cluster;
  jobs.agent_id = options.agent_id;
  jobs.interval = options.jobs_interval;
  ASSIGN_OR_RETURN(stream->jobs_, compaction::JobsRunner::Start(jobs));
  return std::unique_ptr<Stream>(std::move(stream));
}

void StreamImpl::ProduceAsync(const std::string& topic, int32_t partition,
                              std::vector<Record> records, ProduceCallback done) {
  const TopicPartition tp{topic, partition};
  if (records.empty()) return done(absl::InvalidArgumentError("Produce: no records"));
  std::optional<TopicInfo> info = metadata_->GetTopic(topic);
  if (!info.has_value() || partition < 0 || partition >= info->partitions) {
    return done(absl::NotFoundError(absl::StrCat("Produce: no partition ", topic, "-",
                                                 partition)));
  }
  const int64_t now = NowMs();
  std::vector<std::vector<kafka::RecordHeaderView>> headers(records.size());
  std::vector<kafka::RecordInput> inputs;
  inputs.reserve(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    const Record& r = records[i];
    for (const auto& [k, v] : r.headers) headers[i].push_back({k, v});
    kafka::RecordInput in;
    if (r.has_key) in.key = r.key;
    if (r.has_value) in.value = r.value;
    in.headers = headers[i];
    in.timestamp = r.timestamp_ms >= 0 ? r.timestamp_ms : now;
    inputs.push_back(in);
  }
  kafka::RecordBatchOptions batch_options;
  batch_options.compression = CodecOf(options_.compression);
  if (!options_.idempotent) {
    absl::StatusOr<std::string> batch = kafka::BuildRecordBatch(inputs, batch_options);
    if (!batch.ok()) return done(batch.status());
    return Append(tp, std::make_shared<const std::string>(*std::move(batch)), 1, -1,
                  std::move(done));
  }
  // Sequences are taken and appends queued under the partition's lock, so
  // that the producer commits them in sequence order.
  PartitionProducer& p = ProducerFor(tp);
  absl::MutexLock lock(&p.mu);
  if (p.producer_id >= 0 && p.given_up.load() == p.producer_id) p.producer_id = -1;
  if (p.producer_id < 0) {
    absl::StatusOr<int64_t> id = NewProducerId();
    if (!id.ok()) return done(id.status());
    p.producer_id = *id;
    p.next_sequence = 0;
  }
  batch_options.producer_id = p.producer_id;
  batch_options.producer_epoch = p.epoch;
  batch_options.base_sequence = p.next_sequence;
  absl::StatusOr<std::string> batch = kafka::BuildRecordBatch(inputs, batch_options);
  if (!batch.ok()) return done(batch.status());
  const int64_t next = static_cast<int64_t>(p.next_sequence) + static_cast<int64_t>(inputs.size());
  p.next_sequence = static_cast<int32_t>(next % (int64_t{std::numeric_limits<int32_t>::max()} + 1));
  Append(tp, std::make_shared<const std::string>(*std::move(batch)), 1, p.producer_id,
         std::move(done));
}

void StreamImpl::Append(TopicPartition tp, std::shared_ptr<const std::string> batch, int attempt,
                        int64_t producer_id, ProduceCallback done) {
  std::vector<ProduceBatch> batches;
  batches.push_back({tp.topic, tp.partition, *batch});
  producer_->Append(std::move(batches), [this, tp, batch, attempt, producer_id,
                                         done = std::move(done)](
                                            absl::Status status,
                                            std::vector<ProduceResult> results) mutable {
    if (status.ok() && results.size() == 1) {
      status = StatusOf(results[0].error, results[0].message,
                        absl::StrCat("Produce ", tp.topic, "-", tp.partition));
    }
    if (status.ok()) return done(results[0].base_offset);
    // Unavailable: the flush failed or its commit is unknown; Aborted: a gap
    // left by an earlier failed append of the partition. Both are retried
    // with the same bytes: the store keeps an idempotent batch once.
    const bool retriable = absl::IsUnavailable(status) || absl::IsAborted(status);
    if (retriable && attempt < options_.produce_attempts) {
      absl::MutexLock lock(&closing_mu_);
      if (!closing_) {
        retries_->After(absl::Milliseconds(50) * attempt,
                        [this, tp, batch, attempt, producer_id, done]() mutable {
                          if (Closing()) {
                            return done(absl::UnavailableError("Produce: the Stream closed"));
                          }
                          Append(tp, batch, attempt + 1, producer_id, std::move(done));
                        });
        return;
      }
    }
    if (producer_id >= 0) {
      // Given up: the partition's later sequences would never fit, so the
      // next Produce starts over under a new producer id (an unknown
      // producer's first batch is accepted at any sequence).
      ProducerFor(tp).given_up = producer_id;
    }
    done(status);
  });
}

absl::Status ConsumerImpl::Assign(const std::vector<Assignment>& partitions,
                                  bool reset_to_latest) {
  std::map<TopicPartition, int64_t> positions;
  for (const Assignment& a : partitions) {
    TopicPartition tp{a.topic, a.partition};
    int64_t offset = a.offset;
    if (offset < 0) {
      ASSIGN_OR_RETURN(offset, stream_->CommittedOffset(group(), a.topic, a.partition));
    }
    if (offset < 0) {
      ASSIGN_OR_RETURN(offset, reset_to_latest ? stream_->LatestOffset(a.topic, a.partition)
                                               : stream_->EarliestOffset(a.topic, a.partition));
    }
    positions[tp] = offset;
  }
  positions_ = std::move(positions);
  reset_to_latest_ = reset_to_latest;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ConsumedRecord>> ConsumerImpl::Poll(const FetchLimits& limits) {
  std::vector<ConsumedRecord> out;
  if (positions_.empty()) return out;
  std::vector<std::pair<TopicPartition, int64_t>> wanted(positions_.begin(), positions_.end());
  ASSIGN_OR_RETURN(std::vector<PartitionRecords> got, stream_->FetchMany(wanted, limits));
  for (size_t i = 0; i < wanted.size(); ++i) {
    const auto& [tp, offset] = wanted[i];
    if (got[i].error == KafkaError::kOffsetOutOfRange) {
      // Retention passed it (or the partition was recreated): reset.
      ASSIGN_OR_RETURN(positions_[tp], reset_to_latest_
                                           ? stream_->LatestOffset(tp.topic, tp.partition)
                                           : stream_->EarliestOffset(tp.topic, tp.partition));
      continue;
    }
    if (got[i].error != KafkaError::kNone) {
      return StatusOf(got[i].error, got[i].message,
                      absl::StrCat("Poll ", tp.topic, "-", tp.partition));
    }
    const size_t before = out.size();
    RETURN_IF_ERROR(stream::DecodeRecords(tp.topic, tp.partition, offset, got[i],
                                          limits.read_committed, &out));
    int64_t next = stream::NextOffset(offset, got[i], limits.read_committed);
    if (out.size() > before) next = std::max(next, out.back().offset + 1);
    positions_[tp] = next;
  }
  return out;
}

absl::Status ConsumerImpl::Commit() { return stream_->CommitOffsets(group(), positions_, ""); }

}  // namespace

absl::StatusOr<std::unique_ptr<Stream>> Stream::Open(const StreamOptions& options) {
  return StreamImpl::Open(options);
}

}  // namespace warp
