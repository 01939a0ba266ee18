// Producer: appends Kafka record batches for any topics and partitions, from
// many threads, into one pending object per flush; PUTs it to the bucket,
// commits its batches to the metadata store and only then completes the
// appends with their offsets.
//
// - A flush happens when `flush_interval` passes or `flush_bytes` are pending,
//   whichever is first. Several flushes may be in flight (PUTs are slow);
//   commits happen in flush order, so per-partition order is the order in
//   which appends were accepted. A failed flush fails exactly its appends.
// - The batches of one Append (one Produce request) commit together.
// - Bytes buffered and in flight are capped: past the cap Append waits up to
//   `max_block` and then fails with ResourceExhausted (retriable).
//
// Thread-safe.
#ifndef WARP_PRODUCER_H_
#define WARP_PRODUCER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "warp/clock.h"
#include "warp/kafka_error.h"
#include "warp/metadata_store.h"
#include "warp/object_store.h"

namespace warp {

namespace engine {
class BlockCache;
}

struct ProducerOptions {
  // Where objects go and where they are committed; not owned, required.
  ObjectStore* store = nullptr;
  MetadataStore* metadata = nullptr;
  // Optional cache (not owned) that receives every object written, so local
  // readers of fresh data need no GET.
  engine::BlockCache* cache = nullptr;
  // Object keys are `<cluster>/data/<time>-<agent_id>-<n>`.
  std::string cluster = "default";
  std::string agent_id = "agent";
  // Flush when the oldest pending append is this old ...
  absl::Duration flush_interval = absl::Milliseconds(250);
  // ... or when this many bytes are pending.
  uint64_t flush_bytes = 8 << 20;
  // Cap on bytes pending plus bytes of flushes in flight.
  uint64_t max_buffered_bytes = 256 << 20;
  // How long Append waits for room under the cap before failing.
  absl::Duration max_block = absl::Seconds(30);
  // Flushes PUTting at once.
  int max_inflight_flushes = 4;
  // Attempts of a PUT (create-only, so retries are safe).
  int put_attempts = 3;
  // A flush whose commit would start later than this after its object's key
  // time fails its appends (Unavailable: retriable) instead of committing:
  // garbage collection deletes unreferenced objects older than its
  // orphan_grace (30 minutes by default), so every commit must come well
  // within it. Keep it below GarbageCollectorOptions::orphan_grace.
  absl::Duration max_commit_delay = absl::Minutes(5);
  // A flush whose turn to commit comes later than this after its upload
  // (earlier flushes' commits held it: the journal is slow or away) fails
  // its appends at once (Unavailable: retriable) instead of waiting its own
  // full commit timeout behind them, so that clients are answered before
  // their request timeouts (30 s by default) even in an outage.
  absl::Duration max_commit_wait = absl::Seconds(10);
  Clock* clock = nullptr;
};

// One partition's records in an append: Kafka RecordBatch v2 bytes as a
// client sends them (one or more batches).
struct ProduceBatch {
  std::string topic;
  int32_t partition = 0;
  std::string records;
};

// The outcome for one ProduceBatch: the base offset of its first batch.
struct ProduceResult {
  KafkaError error = KafkaError::kNone;
  std::string message;
  int64_t base_offset = -1;
  int64_t log_append_time = -1;
  int64_t log_start_offset = -1;
};

class Producer {
 public:
  using Callback =
      std::function<void(absl::Status, std::vector<ProduceResult>)>;

  static absl::StatusOr<std::unique_ptr<Producer>> Create(const ProducerOptions& options);
  Producer() = default;
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;
  // Flushes what is pending and waits for every flush in flight.
  virtual ~Producer() = default;

  // Queues `batches`; `done` runs (on a producer thread) when their object is
  // in the bucket and their commit is durable, with one result per batch, or
  // with a non-OK Status if the flush failed (nothing of it is visible) or the
  // append was refused (cap reached, producer closing).
  virtual void Append(std::vector<ProduceBatch> batches, Callback done) = 0;

  // Append and wait.
  absl::StatusOr<std::vector<ProduceResult>> AppendAndWait(
      std::vector<ProduceBatch> batches);

  // Starts a flush of what is pending now and waits until it and every
  // earlier flush completed.
  virtual void Flush() = 0;

  // Bytes pending plus in flight.
  virtual uint64_t buffered_bytes() const = 0;
};

}  // namespace warp

#endif  // WARP_PRODUCER_H_
