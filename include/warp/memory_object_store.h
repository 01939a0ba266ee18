// An ObjectStore that keeps objects in this process's memory. For tests and
// benchmarks; nothing survives the process. Thread-safe.
#ifndef WARP_MEMORY_OBJECT_STORE_H_
#define WARP_MEMORY_OBJECT_STORE_H_

#include <memory>

#include "warp/clock.h"
#include "warp/object_store.h"

namespace warp {

// Returns an empty in-memory store. `clock` (not owned, must outlive the
// store; nullptr means the real clock) stamps ObjectInfo::last_modified.
std::unique_ptr<ObjectStore> NewMemoryObjectStore(Clock* clock = nullptr);

}  // namespace warp

#endif  // WARP_MEMORY_OBJECT_STORE_H_
