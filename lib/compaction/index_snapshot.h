// A snapshot of what the metadata store's index references: every live
// partition entry, and per object its level, age and live bytes. What the
// compactor plans from and what garbage collection keeps. Taken through the
// public MetadataStore queries (each partition read atomically; partitions
// at slightly different moments, which every user tolerates: a merge
// planned from a stale view is rejected by ReplaceFiles). Thread-compatible.
#ifndef WARP_LIB_COMPACTION_INDEX_SNAPSHOT_H_
#define WARP_LIB_COMPACTION_INDEX_SNAPSHOT_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "warp/metadata.h"
#include "warp/metadata_store.h"

namespace warp::compaction {

struct SnapshotObject {
  std::string key;
  int level = 0;
  absl::Time created = absl::InfinitePast();
  bool parsed = false;      // the key is a data object key of the cluster
  uint64_t live_bytes = 0;  // bytes of the index entries in it
};

struct IndexSnapshot {
  // Every partition's entries from its log start, in offset order.
  std::map<TopicPartition, std::vector<BatchLocation>> partitions;
  // Every object some entry references, by key.
  std::map<std::string, SnapshotObject> objects;
  // False if some existing partition could not be read (its log start kept
  // moving): `objects` may then miss live objects.
  bool complete = true;

  // Reads every partition of every topic of `metadata`; object levels and
  // times are parsed from keys of `cluster`.
  static IndexSnapshot Take(MetadataStore& metadata, const std::string& cluster);
};

}  // namespace warp::compaction

#endif  // WARP_LIB_COMPACTION_INDEX_SNAPSHOT_H_
