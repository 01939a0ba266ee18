// A MetadataStore over a single-writer Journal: a writer thread group-commits
// queued commands (one journal append and fsync for all of them), applies
// them to the state machine in journal order and wakes their callers.
// Thread-safe.
#ifndef WARP_LIB_METADATA_JOURNALED_METADATA_STORE_H_
#define WARP_LIB_METADATA_JOURNALED_METADATA_STORE_H_

#include <memory>

#include "absl/status/statusor.h"
#include "lib/metadata/journal.h"
#include "warp/metadata_store.h"

namespace warp::metadata {

// Recovers the state from `journal` and starts the writer.
absl::StatusOr<std::unique_ptr<MetadataStore>> NewJournaledMetadataStore(
    std::unique_ptr<Journal> journal, const MetadataStoreOptions& options);

}  // namespace warp::metadata

#endif  // WARP_LIB_METADATA_JOURNALED_METADATA_STORE_H_
