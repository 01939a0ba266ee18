// GarbageCollector: deletes the objects of a cluster's bucket that nothing
// can read any more, never one a reader or a pending commit may still need.
//
// - Dead objects: objects the metadata store says hold nothing live
//   (replaced by a compaction, emptied by retention or topic deletion) are
//   deleted once dead for `dead_object_grace`, longer than any fetch takes
//   (a fetch may have found a batch in an object just before it died), and
//   then forgotten by the metadata store (ForgetObjects).
// - Orphans: objects under `<cluster>/data/` that the metadata store does
//   not know at all (an upload whose commit never happened, a rejected
//   compaction output) are deleted once older than `orphan_grace`. An
//   object's age counts from the later of its key time and the store's
//   last-modified time. Safety rule: every writer commits an object within
//   less than `orphan_grace` of its key time, or never (the compactor and
//   the log cleaner enforce it with their max_commit_delay, the producer
//   with ProducerOptions::max_commit_delay: 5 minutes each against a 30
//   minute orphan_grace), so an orphan older than that can never become
//   referenced. Keys that are not data object keys are never touched.
//
// Thread-compatible: one caller at a time.
#ifndef WARP_GARBAGE_COLLECTOR_H_
#define WARP_GARBAGE_COLLECTOR_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "warp/clock.h"
#include "warp/metadata_store.h"
#include "warp/object_store.h"

namespace warp {

struct GarbageCollectorOptions {
  // Not owned, required.
  ObjectStore* store = nullptr;
  MetadataStore* metadata = nullptr;
  // nullptr = the real clock.
  Clock* clock = nullptr;
  // The virtual cluster: objects under `<cluster>/data/` are collected.
  std::string cluster = "default";
  // How long an object stays after it died in the metadata store. Longer
  // than the slowest fetch; costs that much extra storage.
  absl::Duration dead_object_grace = absl::Minutes(5);
  // How old an unreferenced object must be before it is deleted. Longer than
  // any writer's PUT-to-commit time.
  absl::Duration orphan_grace = absl::Minutes(30);
  // Pacing: most objects deleted per second; 0 = unlimited.
  double max_deletes_per_second = 0;
  // Cluster hook: whether this agent may delete object `key`. nullptr =
  // every object.
  std::function<bool(absl::string_view key)> owns_object;
};

class GarbageCollector {
 public:
  // InvalidArgument without a store or a metadata store.
  static absl::StatusOr<std::unique_ptr<GarbageCollector>> Create(
      const GarbageCollectorOptions& options);
  GarbageCollector() = default;
  GarbageCollector(const GarbageCollector&) = delete;
  GarbageCollector& operator=(const GarbageCollector&) = delete;
  virtual ~GarbageCollector() = default;

  // Deletes the objects dead since before now - dead_object_grace, then
  // forgets them in the metadata store. Returns how many were deleted.
  virtual absl::StatusOr<int64_t> DeleteDeadObjects() = 0;

  // Lists `<cluster>/data/` and deletes every object the metadata store does
  // not reference (live or dead) that is older than orphan_grace. Returns
  // how many were deleted.
  virtual absl::StatusOr<int64_t> DeleteOrphans() = 0;
};

}  // namespace warp

#endif  // WARP_GARBAGE_COLLECTOR_H_
