// A MetadataStore whose journal is etcd, for a cluster of agents.
//
// Every agent's store is a replica: commands are appended as etcd keys
// (`<prefix>log/<replica>-<sequence>`, one key per group commit, created
// only-if-absent so a retried append never doubles), etcd's revision order is
// the journal order, and every replica applies the log in that order by
// watching it. A command's caller is answered when its own replica applies
// it. Snapshots go to `<prefix>snapshot/` (1 MiB chunks, then a pointer);
// log keys they cover are deleted and etcd is compacted. A new or restarted
// replica loads the newest snapshot and watches from its revision.
// Format: docs/journal-format.md. Thread-safe.
#ifndef WARP_LIB_METADATA_ETCD_ETCD_METADATA_STORE_H_
#define WARP_LIB_METADATA_ETCD_ETCD_METADATA_STORE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "warp/metadata_store.h"

namespace warp::metadata {

// Opens a replica over etcd `endpoints` ("host:port") and key `prefix`,
// catching up with the log before returning.
absl::StatusOr<std::unique_ptr<MetadataStore>> OpenEtcdMetadataStore(
    std::vector<std::string> endpoints, std::string prefix,
    const MetadataStoreOptions& options);

}  // namespace warp::metadata

#endif  // WARP_LIB_METADATA_ETCD_ETCD_METADATA_STORE_H_
