// Compactor: merges small data objects into larger ones, in levels, so that a
// partition's batches become contiguous and a catch-up read costs few GETs.
//
// - Every object has a level, written in its key (docs/object-format.md):
//   a producer's flush is level 0; merging up to `fan_in` objects of level L
//   makes one object of level L + 1. Objects at `max_level` are final.
// - A merge reads its inputs whole (checking their CRCs), writes every live
//   batch of them, grouped per partition, with its real offsets, into one
//   object in the standard format, and commits it as ONE ReplaceFiles
//   command. The metadata store rejects it (kStaleInput) when any input
//   changed meanwhile (retention, another compactor); the output is then
//   deleted and the work re-planned on the next call.
// - Never breaks a reader: the compactor deletes no input. Replaced inputs
//   become dead in the metadata store and the GarbageCollector deletes them
//   after its grace period.
//
// Thread-compatible: one caller at a time (the jobs runner); safe to run
// while producers and fetchers use the same store and metadata.
#ifndef WARP_COMPACTOR_H_
#define WARP_COMPACTOR_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "warp/clock.h"
#include "warp/metadata.h"
#include "warp/metadata_store.h"
#include "warp/object_store.h"

namespace warp {

struct CompactorOptions {
  // Not owned, required.
  ObjectStore* store = nullptr;
  MetadataStore* metadata = nullptr;
  // Time source (key times, pacing sleeps); nullptr = the real clock.
  Clock* clock = nullptr;
  // Output keys are `<cluster>/data/L<level>/<time>-<agent_id>-<n>`.
  std::string cluster = "default";
  std::string agent_id = "agent";
  // Objects of one level merged into one object of the next. Larger: fewer
  // objects and GETs, but each merge holds more input in memory.
  int fan_in = 32;
  // Objects at this level are never merged again.
  int max_level = 3;
  // A level whose oldest object is this old is merged even with fewer than
  // `fan_in` objects (at least two), so a quiet partition's tail ends up in
  // few objects too. Shorter: more, smaller merges.
  absl::Duration partial_merge_age = absl::Minutes(10);
  // A merge stops adding inputs before their live bytes pass this; objects
  // larger than this on their own are not merged. Bounds memory per merge
  // (inputs and output are held whole).
  uint64_t max_output_bytes = 256 << 20;
  // Most bytes of one index entry of the output. A fetch returns at least one
  // entry whole, so this bounds what a fetch that starts mid-entry returns
  // beyond what it asked for. Smaller: a larger metadata index.
  uint32_t max_range_bytes = 1 << 20;
  // The commit is abandoned (output deleted) when it would start later than
  // this after the output's key time. Must be shorter than the garbage
  // collector's orphan grace, so no output is collected before its commit.
  absl::Duration max_commit_delay = absl::Minutes(5);
  // Pacing: most bytes read plus written per second; 0 = unlimited.
  double max_bytes_per_second = 0;
  // Cluster hook: whether this agent may merge the object `key`. nullptr =
  // every object (a single agent). Agents must own disjoint objects.
  std::function<bool(absl::string_view key)> owns_object;
};

// What one CompactOnce did.
struct CompactionResult {
  // Inputs merged (empty: nothing was ready).
  std::vector<std::string> inputs;
  std::string output_key;
  int output_level = 0;
  bool committed = false;
  // Set when a merge was abandoned (stale input, commit too late): why.
  std::string abandoned;
  uint64_t bytes_read = 0;
  uint64_t bytes_written = 0;
  // Keyed compaction (LogCleaner): the partition cleaned, and the records
  // its output no longer holds (superseded, expired tombstones, no key).
  TopicPartition cleaned;
  int64_t records_removed = 0;
};

class Compactor {
 public:
  // Checks the options (store and metadata set, fan_in >= 2, max_level >= 1).
  static absl::StatusOr<std::unique_ptr<Compactor>> Create(const CompactorOptions& options);
  Compactor() = default;
  Compactor(const Compactor&) = delete;
  Compactor& operator=(const Compactor&) = delete;
  virtual ~Compactor() = default;

  // Plans from the current metadata and performs at most one merge: the
  // lowest level with a ready group (fan_in objects, or an old enough
  // tail). Returns what it did; `inputs` empty means nothing was ready.
  // A non-OK Status means a store or metadata call failed: the merge's fate
  // is then unknown, the state stays consistent (an uncommitted output is
  // left to garbage collection) and the next call re-plans.
  virtual absl::StatusOr<CompactionResult> CompactOnce() = 0;
};

}  // namespace warp

#endif  // WARP_COMPACTOR_H_
