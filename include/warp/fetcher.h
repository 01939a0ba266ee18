// Fetcher: reads partitions from an offset, returning whole record batches
// with their assigned offsets, as a Kafka Fetch does.
//
// - The first batch returned is the one holding the requested offset (clients
//   skip records before it); reading stops at the high watermark.
// - Long-poll: waits up to `max_wait` for `min_bytes`, woken by commits (no
//   polling loop). FetchAsync waits without holding a thread, so thousands
//   of idle consumers cost no threads.
// - Reads go through a block cache (fixed-size blocks, LRU by bytes, shared
//   GETs, coalescing, read-ahead); partitions of one fetch that live in the
//   same object share its blocks, so a fetch never issues one GET per
//   partition.
//
// Thread-safe.
#ifndef WARP_FETCHER_H_
#define WARP_FETCHER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "warp/kafka_error.h"
#include "warp/metadata.h"
#include "warp/metadata_store.h"
#include "warp/object_store.h"

namespace warp {

namespace engine {
class BlockCache;
}

struct FetcherOptions {
  // Not owned, required.
  ObjectStore* store = nullptr;
  MetadataStore* metadata = nullptr;
  // The block cache to read through (not owned). Share it with the Producer
  // so that fresh objects are read from memory.
  engine::BlockCache* cache = nullptr;
};

struct FetchPartition {
  TopicPartition tp;
  int64_t offset = 0;
  uint64_t max_bytes = 1 << 20;  // per partition (the first batch always fits)
};

// Bounds the memory a fetch's records take, for a caller with byte budgets
// (warpd's per-connection and global ones). Each attempt of a fetch first
// reserves what it may read, at most max_bytes; an attempt granted nothing
// reads no records and answers at once with the offsets only. An attempt
// that then waits for more data gives its reservation back, so a waiting
// long-poll holds none; the answering attempt's reservation stays reserved
// until the caller releases it, once the response is handed on.
class FetchMemory {
 public:
  virtual ~FetchMemory() = default;
  // Reserves up to `wanted` bytes; returns how many were granted (maybe 0).
  virtual uint64_t Reserve(uint64_t wanted) = 0;
  virtual void Release(uint64_t bytes) = 0;
};

struct FetchOptions {
  absl::Duration max_wait = absl::ZeroDuration();
  uint64_t min_bytes = 1;
  uint64_t max_bytes = 50 << 20;  // whole response
  // Null: only max_bytes bounds a response.
  std::shared_ptr<FetchMemory> memory;
  // Kafka's isolation_level READ_COMMITTED: nothing at or past a partition's
  // last stable offset is returned.
  bool read_committed = false;
};

struct PartitionRecords {
  KafkaError error = KafkaError::kNone;
  std::string message;
  int64_t high_watermark = -1;
  int64_t log_start_offset = -1;
  int64_t last_stable_offset = -1;
  // Concatenated RecordBatch v2 bytes with base offsets set (transaction
  // markers as control batches).
  std::string records;
  // The aborted transactions among `records` (for read_committed clients,
  // which drop their data themselves).
  std::vector<AbortedTransaction> aborted;
};

class Fetcher {
 public:
  static absl::StatusOr<std::unique_ptr<Fetcher>> Create(const FetcherOptions& options);
  Fetcher() = default;
  Fetcher(const Fetcher&) = delete;
  Fetcher& operator=(const Fetcher&) = delete;
  virtual ~Fetcher() = default;

  // One result per requested partition, in order. A non-OK Status means the
  // store failed (the partitions' data could not be read).
  virtual absl::StatusOr<std::vector<PartitionRecords>> Fetch(
      const std::vector<FetchPartition>& partitions, const FetchOptions& options) = 0;

  // The same, answered through `done`, called exactly once: on the calling
  // thread when the answer is ready at once (enough bytes, an error, or no
  // wait), otherwise later from one of the fetcher's threads, when a commit
  // brought enough bytes or `max_wait` passed. Destroying the Fetcher
  // answers every waiting fetch with what there is.
  using FetchDone = std::function<void(absl::StatusOr<std::vector<PartitionRecords>>)>;
  virtual void FetchAsync(std::vector<FetchPartition> partitions, FetchOptions options,
                          FetchDone done) = 0;
};

}  // namespace warp

#endif  // WARP_FETCHER_H_
