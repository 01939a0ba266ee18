// Wrappers that count and time every call to an ObjectStore or MetadataStore
// into the agent's Metrics (warp_object_store_*, warp_metadata_commits_*).
// Thread-safe.
#ifndef WARP_SERVER_INSTRUMENTED_STORES_H_
#define WARP_SERVER_INSTRUMENTED_STORES_H_

#include <memory>

#include "server/metrics.h"
#include "warp/metadata_store.h"
#include "warp/object_store.h"

namespace warp::server {

std::unique_ptr<ObjectStore> InstrumentObjectStore(std::unique_ptr<ObjectStore> base,
                                                   Metrics* metrics);
std::unique_ptr<MetadataStore> InstrumentMetadataStore(std::unique_ptr<MetadataStore> base,
                                                       Metrics* metrics);

}  // namespace warp::server

#endif  // WARP_SERVER_INSTRUMENTED_STORES_H_
