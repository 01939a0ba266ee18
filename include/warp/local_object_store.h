// An ObjectStore over a folder of the local file system: warp's embedded
// default. Thread-safe; requests run concurrently.
//
// Durability: Put writes a temporary file, fsyncs it, renames it over the key's
// path and fsyncs the folder, so a crash never leaves a partial object visible
// and an acknowledged Put survives power loss. Temporary files live under
// `<root>/.warp-tmp/` and are removed at open.
#ifndef WARP_LOCAL_OBJECT_STORE_H_
#define WARP_LOCAL_OBJECT_STORE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "warp/object_store.h"

namespace warp {

struct LocalObjectStoreOptions {
  // fsync each object and its folder before Put returns. Turning it off is
  // only for tests and benchmarks that measure everything but the disk: a
  // crash may then lose acknowledged objects.
  bool sync = true;

  // Create the root folder (and its parents) if it does not exist.
  bool create_if_missing = true;
};

// Opens the folder `root` (an absolute or relative path) as a bucket.
absl::StatusOr<std::unique_ptr<ObjectStore>> OpenLocalObjectStore(
    const std::string& root, const LocalObjectStoreOptions& options = {});

}  // namespace warp

#endif  // WARP_LOCAL_OBJECT_STORE_H_
