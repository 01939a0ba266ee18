// A MetadataStore whose journal is etcd, for a cluster of agents.
//
// Every agent's store is a replica: commands are appended as etcd keys
// (`<prefix>log/<replica>-<sequence>`, one key per group commit, created
// only-if-absent so a retried append never doubles), etcd's revision order is
// the journal order, and every replica applies the log in that order by
// watching it. A command's caller is answered when its own replica applies
// it. Snapshots go to `<prefix>snapshot/` (chunks, then a pointer); the log
// keys before the previous snapshot are deleted and etcd is compacted there,
// so that a replica less than a snapshot interval behind replays the log
// (and answers its callers) rather than jumping to the snapshot. A new
// replica loads the newest snapshot and watches from its revision.
// Format: docs/journal-format.md. Thread-safe.
#ifndef WARP_LIB_METADATA_ETCD_ETCD_METADATA_STORE_H_
#define WARP_LIB_METADATA_ETCD_ETCD_METADATA_STORE_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/metadata/journal.h"
#include "lib/metadata/etcd/etcd_client.h"
#include "warp/metadata_store.h"

namespace warp::metadata {

struct EtcdStoreOptions {
  // etcd's --max-request-bytes (1.5 MiB by default): a group commit, with
  // its keys and framing, and a snapshot chunk stay within it. Raise both
  // together (docs/operations.md); a command that cannot fit alone fails
  // with InvalidArgument.
  size_t max_request_bytes = 1572864;
  // A watch that receives nothing for this long (no event, no progress
  // notification) is abandoned and restarted on another endpoint: set it
  // above etcd's --experimental-watch-progress-notify-interval (10 min by
  // default). A member cut off from its quorum cancels the watch by itself
  // (the watch requires a leader), whatever this is.
  absl::Duration watch_idle_timeout = absl::Minutes(11);
  // TLS and etcd's user/password authentication (etcds://, ?ca_file=...).
  etcd::EtcdClientOptions client;

  // Test hooks. While `hold_watcher` returns true the replica applies
  // nothing: its watch ends at the next event and no new one starts.
  std::function<bool()> hold_watcher;
  // Called with the status of every watch that ended (not at close).
  std::function<void(const absl::Status&)> on_watch_end;
};

// The group bounds of a replica under `prefix` (with a trailing '/').
GroupLimits EtcdGroupLimits(const std::string& prefix, const MetadataStoreOptions& options,
                            const EtcdStoreOptions& etcd_options);

// Opens a replica over etcd `endpoints` ("host:port") and key `prefix`,
// catching up with the log before returning.
absl::StatusOr<std::unique_ptr<MetadataStore>> OpenEtcdMetadataStore(
    std::vector<std::string> endpoints, std::string prefix,
    const MetadataStoreOptions& options, const EtcdStoreOptions& etcd_options = {});

}  // namespace warp::metadata

#endif  // WARP_LIB_METADATA_ETCD_ETCD_METADATA_STORE_H_
