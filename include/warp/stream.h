// Stream: warp's front door for applications, as LevelDB's DB::Open is
// LevelDB's. One object opens a bucket and a metadata store from two URLs
// and offers topics, records in and out, offsets, consumers with group
// offsets shared with Kafka consumer groups, and the background jobs
// (retention, compaction, garbage collection). Kafka clients reading the same
// bucket and metadata through `warpd` see the same records and offsets.
//
//   warp::StreamOptions options;
//   options.data_dir = "/tmp/warp";  // or bucket_url + metadata_url
//   auto stream = warp::Stream::Open(options);
//   (*stream)->CreateTopic("events", 3);
//   auto offset = (*stream)->Produce("events", 0, {{"key", "value"}});
//   auto records = (*stream)->Fetch("events", 0, *offset);
//
// The lower-level interfaces (Producer, Fetcher, Compactor, MetadataStore,
// ObjectStore) stay public for those who need them.
//
// Thread-safe: every call may come from any thread.
#ifndef WARP_STREAM_H_
#define WARP_STREAM_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "warp/clock.h"
#include "warp/metadata.h"
#include "warp/metadata_store.h"
#include "warp/object_store.h"

namespace warp {

// One record to produce, or one read back.
struct Record {
  std::string key;
  std::string value;
  std::vector<std::pair<std::string, std::string>> headers;
  // Milliseconds since the epoch; -1 = the time of the Produce call
  // (CreateTime). LogAppendTime topics use the commit time.
  int64_t timestamp_ms = -1;
  // false: a null key (`key` is ignored).
  bool has_key = true;
  // false: a null value, a tombstone for compacted topics.
  bool has_value = true;
};

// A record read from a partition.
struct ConsumedRecord : Record {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
};

// Record batch codecs, as Kafka's compression.type.
enum class StreamCompression { kNone, kGzip, kSnappy, kLz4, kZstd };

struct StreamOptions {
  // Where objects go: file:///abs/dir, s3://bucket?endpoint=...&region=...,
  // mem:// (warp/object_store_url.h).
  std::string bucket_url;
  // The metadata journal: local:///abs/dir, etcd://host:port/prefix, mem://
  // (warp/metadata_store.h).
  std::string metadata_url;
  // With both URLs empty: file://<data_dir>/bucket and
  // local://<data_dir>/journal, warpd's embedded default (an absolute or a
  // relative path).
  std::string data_dir;
  // Or stores of the application's own (not owned; they must outlive the
  // Stream), instead of the URLs: a backend of its own, or a wrapper such as
  // the fault-injecting store of warp/fault_injection.h.
  ObjectStore* bucket = nullptr;
  MetadataStore* metadata = nullptr;
  // The virtual cluster: object keys start with it (as warpd's --cluster).
  std::string cluster = "default";
  // Names this process in object keys (as warpd's --agent_id).
  std::string agent_id = "embedded";

  // Producing. An object is written when the oldest pending record is
  // `flush_interval` old or `flush_bytes` are pending: shorter means lower
  // latency and more PUTs (each PUT costs money on S3).
  absl::Duration flush_interval = absl::Milliseconds(250);
  uint64_t flush_bytes = 8 << 20;
  // Bytes pending and in flight; past it Produce waits up to `max_block`,
  // then fails with ResourceExhausted.
  uint64_t max_buffered_bytes = 256 << 20;
  absl::Duration max_block = absl::Seconds(30);
  StreamCompression compression = StreamCompression::kNone;
  // Idempotent producing (Kafka's enable.idempotence): retries of a
  // Produce never store its records twice. Costs one producer id per
  // Stream (and per failure that resets it).
  bool idempotent = true;
  // Attempts of a Produce whose flush failed in a retriable way.
  int produce_attempts = 3;

  // Reading: the block cache shared by producing and fetching, so fresh
  // records are read from memory. Larger saves GETs at the cost of memory.
  uint64_t cache_bytes = 192 << 20;

  // Background jobs: retention, compaction and garbage collection every
  // `jobs_interval` on a thread of the Stream; zero = none (call RunJobs).
  // Run them in exactly one process (or warpd's `jobs` role) per cluster.
  absl::Duration jobs_interval = absl::ZeroDuration();

  // nullptr = the real clock.
  Clock* clock = nullptr;
};

// Bounds of one Fetch. The defaults answer at once with what there is.
struct FetchLimits {
  // Wait up to this long for at least one record (long-poll); zero = none.
  absl::Duration max_wait = absl::ZeroDuration();
  // Stop after about this many bytes of record batches (at least one batch
  // is always returned when any exists).
  uint64_t max_bytes = 1 << 20;
  // Kafka's read_committed: stop at the last stable offset and skip the
  // records of aborted transactions.
  bool read_committed = true;
};

class Consumer;

class Stream {
 public:
  static absl::StatusOr<std::unique_ptr<Stream>> Open(const StreamOptions& options);
  // Flushes what is pending and stops the jobs thread.
  virtual ~Stream() = default;
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // Topics. `configs` are Kafka's topic configs (retention.ms,
  // cleanup.policy, ...). AlreadyExists / NotFound / InvalidArgument.
  virtual absl::Status CreateTopic(const std::string& topic, int32_t partitions,
                                   const std::map<std::string, std::string>& configs = {}) = 0;
  virtual absl::Status DeleteTopic(const std::string& topic) = 0;
  // Topic names, sorted.
  virtual absl::StatusOr<std::vector<std::string>> ListTopics() = 0;

  // Appends `records` to one partition as one batch; returns the first
  // record's offset once the records are in the bucket and committed.
  virtual absl::StatusOr<int64_t> Produce(const std::string& topic, int32_t partition,
                                          std::vector<Record> records) = 0;
  // The same without waiting: `done` runs once, on a Stream thread (or on
  // the caller's for an immediate error).
  using ProduceCallback = std::function<void(absl::StatusOr<int64_t>)>;
  virtual void ProduceAsync(const std::string& topic, int32_t partition,
                            std::vector<Record> records, ProduceCallback done) = 0;
  // Writes what is pending now and waits until it is durable.
  virtual void Flush() = 0;

  // Records at or after `offset`, in offset order (control records
  // skipped). OutOfRange below the log start or past the high watermark.
  virtual absl::StatusOr<std::vector<ConsumedRecord>> Fetch(
      const std::string& topic, int32_t partition, int64_t offset,
      const FetchLimits& limits = {}) = 0;

  // The log start, the high watermark (the next offset to be written), and
  // the first offset whose batch holds a record at or after `timestamp_ms`
  // (-1 if none), as ListOffsets answers them.
  virtual absl::StatusOr<int64_t> EarliestOffset(const std::string& topic, int32_t partition) = 0;
  virtual absl::StatusOr<int64_t> LatestOffset(const std::string& topic, int32_t partition) = 0;
  virtual absl::StatusOr<int64_t> OffsetForTime(const std::string& topic, int32_t partition,
                                                int64_t timestamp_ms) = 0;

  // Group offsets, in the same store Kafka consumer groups use.
  virtual absl::Status CommitOffset(const std::string& group, const std::string& topic,
                                    int32_t partition, int64_t offset,
                                    const std::string& metadata = "") = 0;
  // -1 when the group has no offset for the partition.
  virtual absl::StatusOr<int64_t> CommittedOffset(const std::string& group,
                                                  const std::string& topic,
                                                  int32_t partition) = 0;

  // A consumer of `group` (see Consumer).
  virtual absl::StatusOr<std::unique_ptr<Consumer>> NewConsumer(const std::string& group) = 0;

  // One pass of retention, compaction and garbage collection.
  virtual absl::Status RunJobs() = 0;

 protected:
  Stream() = default;
};

// Follows a set of partitions for one group: Assign starts each partition at
// the given offset, else at the group's committed offset, else at
// `reset_to_latest` ? the end : the log start (Kafka's auto.offset.reset).
// Poll returns the next records of all of them; Commit stores the positions
// as the group's offsets, which a Kafka consumer of the same group resumes
// from. Partitions are assigned by the application: the Consumer joins no
// Kafka group protocol. Not thread-safe: one thread uses a Consumer.
class Consumer {
 public:
  virtual ~Consumer() = default;

  struct Assignment {
    std::string topic;
    int32_t partition = 0;
    int64_t offset = -1;  // -1: committed, else auto reset
  };
  virtual absl::Status Assign(const std::vector<Assignment>& partitions,
                              bool reset_to_latest = false) = 0;
  // Up to `limits.max_bytes` of records from the assigned partitions, waiting
  // up to `limits.max_wait` when there are none; advances the positions.
  virtual absl::StatusOr<std::vector<ConsumedRecord>> Poll(const FetchLimits& limits = {}) = 0;
  // The next offset to read of an assigned partition; -1 if not assigned.
  virtual int64_t Position(const std::string& topic, int32_t partition) const = 0;
  // Commits every position as the group's offset.
  virtual absl::Status Commit() = 0;
  const std::string& group() const { return group_; }

 protected:
  explicit Consumer(std::string group) : group_(std::move(group)) {}

 private:
  std::string group_;
};

}  // namespace warp

#endif  // WARP_STREAM_H_
