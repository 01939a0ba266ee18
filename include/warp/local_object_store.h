// An ObjectStore over a folder of the local file system: warp's embedded
// default. Thread-safe; requests run concurrently.
//
// Durability: Put writes a temporary file (large ones with direct I/O, see
// LocalObjectStoreOptions), fsyncs it, renames it over the key's
// path and fsyncs the folder, so a crash never leaves a partial object visible
// and an acknowledged Put survives power loss; Delete fsyncs the folder it
// removed the object from. Temporary files live under `<root>/.warp-tmp/`,
// named `<pid>.<n>.<random>.tmp`; opening a store removes those of dead
// processes only (never this process's, whose other store instances on the
// same folder may be writing them). `.warp-tmp` is never listed, and keys in
// it are InvalidArgument.
//
// Layout: the object `a/b/c` is the file `<root>/a/b/c`. Hence, unlike S3 and
// memory, a key cannot be an object and the folder of other keys at once
// ("a" and "a/b"): the Put that would make it so fails with
// FailedPrecondition (create-only or not) and writes nothing. A key segment
// longer than the file system allows (usually 255 bytes) is InvalidArgument.
//
// Only regular files are objects. Objects are opened without following
// symbolic links (O_NOFOLLOW) and without blocking (so a FIFO cannot hang a
// reader); a symbolic link, FIFO or device at a key's path is reported as
// FailedPrecondition and never listed, and List does not descend into
// symbolic links to folders. Symbolic links in the folders leading to a key
// are followed: do not plant links to folders inside the bucket.
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

  // Objects of at least this many bytes are written with direct I/O
  // (O_DIRECT) when `sync` is on: the data goes from memory to the disk
  // without a copy into the page cache, which on small machines costs more
  // CPU than everything else a flush does. 0 turns it off. File systems that
  // refuse O_DIRECT (tmpfs) are written the ordinary way.
  uint64_t direct_io_min_bytes = 1 << 20;
};

// Opens the folder `root` (an absolute or relative path) as a bucket.
absl::StatusOr<std::unique_ptr<ObjectStore>> OpenLocalObjectStore(
    const std::string& root, const LocalObjectStoreOptions& options = {});

}  // namespace warp

#endif  // WARP_LOCAL_OBJECT_STORE_H_
