#include "lib/base/durable_folders.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"

namespace warp {
namespace {

absl::Status ErrnoError(int err, const char* what, const std::string& path) {
  return absl::ErrnoToStatus(err, absl::StrCat(what, " ", path));
}

// The folder holding `path` ("." for a relative name without a slash).
std::string ParentOf(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

absl::Status SyncFolder(const std::string& dir) {
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoError(errno, "open folder", dir);
  const int rc = fsync(fd);
  const int err = errno;
  close(fd);
  return rc == 0 ? absl::OkStatus() : ErrnoError(err, "fsync folder", dir);
}

absl::StatusOr<int> CreateFolders(const std::string& path, bool sync) {
  int created = 0;
  for (size_t i = 1; i <= path.size(); ++i) {
    if (i < path.size() && path[i] != '/') continue;
    if (path[i - 1] == '/') continue;  // "a//b" or a trailing slash
    const std::string prefix = path.substr(0, i);
    if (mkdir(prefix.c_str(), 0755) != 0) {
      const int err = errno;
      struct stat st;
      if (err == EEXIST && stat(prefix.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
        continue;
      }
      if (err == EEXIST) {
        return absl::FailedPreconditionError(
            absl::StrCat("create folder ", prefix, ": it exists and is not a folder"));
      }
      return ErrnoError(err, "create folder", prefix);
    }
    ++created;
    if (sync) {
      absl::Status synced = SyncFolder(ParentOf(prefix));
      if (!synced.ok()) return synced;
    }
  }
  return created;
}

}  // namespace warp
