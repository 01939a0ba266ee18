// Creating folders that survive a crash. A new directory entry is durable
// only once the folder holding it is fsynced (POSIX promises nothing
// before), so a folder made with mkdir and never synced into its parent can
// vanish at a power loss with everything written inside it.
//
// Thread-safety: stateless functions (the file system is the only state).
#ifndef WARP_LIB_BASE_DURABLE_FOLDERS_H_
#define WARP_LIB_BASE_DURABLE_FOLDERS_H_

#include <string>

#include "absl/status/statusor.h"

namespace warp {

// fsyncs folder `dir`, making durable the entries created, renamed or
// removed in it. Errors carry the errno's code (absl::ErrnoToStatus).
absl::Status SyncFolder(const std::string& dir);

// Creates folder `path` and every missing folder above it (mkdir -p). With
// `sync`, fsyncs the parent of each folder it creates, top down, before
// creating the next, so that no crash leaves a folder whose parent lost it.
// A `path` that already exists as a folder is fine and syncs nothing.
// Returns how many folders it created. Fails (with the errno's code and the
// folder named) if a component is a file or cannot be created or synced.
absl::StatusOr<int> CreateFolders(const std::string& path, bool sync = true);

}  // namespace warp

#endif  // WARP_LIB_BASE_DURABLE_FOLDERS_H_
