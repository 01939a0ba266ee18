#include "warp/local_object_store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "lib/base/durable_folders.h"
#include "lib/base/status_macros.h"
#include "lib/storage/direct_write.h"
#include "lib/storage/range.h"

namespace warp {
namespace {

constexpr absl::string_view kTempDir = ".warp-tmp";

// Numbers the temporary files of this process, across all store instances
// (two instances on one folder must never pick the same name).
std::atomic<uint64_t> g_temp_counter{0};

// A random 64-bit value, so that names stay unique even across a pid reused
// after a crash, or a forked child that inherited the counter.
uint64_t RandomSuffix() {
  thread_local std::mt19937_64 rng([] {
    std::random_device device;
    return (uint64_t{device()} << 32) ^ device() ^
           static_cast<uint64_t>(getpid());
  }());
  return rng();
}

// Whether a process `pid` may still run (and write its temporary files).
bool ProcessMayBeAlive(int pid) {
  if (pid == getpid()) return true;
  if (kill(pid, 0) == 0) return true;
  return errno == EPERM;  // exists, but belongs to another user
}

absl::Status ErrnoStatus(int err, absl::string_view what,
                         absl::string_view path) {
  std::string message = absl::StrCat(what, " ", path, ": ", strerror(err));
  switch (err) {
    case ENOENT:
      return absl::NotFoundError(message);
    case EEXIST:
      return absl::AlreadyExistsError(message);
    case EACCES:
    case EPERM:
    case EROFS:
      return absl::PermissionDeniedError(message);
    case ENOSPC:
    case EDQUOT:
      return absl::ResourceExhaustedError(message);
    case ENOTDIR:
    case EISDIR:
    case ELOOP:
      return absl::FailedPreconditionError(message);
    case ENAMETOOLONG:
      return absl::InvalidArgumentError(message);
    case EINTR:
    case EAGAIN:
      return absl::UnavailableError(message);
    default:
      return absl::InternalError(message);
  }
}

// Closes a file descriptor when it goes out of scope.
class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  ~ScopedFd() {
    if (fd_ >= 0) close(fd_);
  }
  int get() const { return fd_; }
  // Adopts `fd`, closing the descriptor held before.
  void reset(int fd) {
    if (fd_ >= 0) close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

// The error of a Put whose key is an object and a folder at once.
absl::Status FileFolderConflict(absl::string_view key) {
  return absl::FailedPreconditionError(absl::StrCat(
      "object key \"", key,
      "\" conflicts with another key in the local folder: a key cannot be "
      "both an object and the folder of other keys (\"a\" and \"a/b\")"));
}

std::string Parent(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

class LocalObjectStore final : public ObjectStore {
 public:
  LocalObjectStore(std::string root, LocalObjectStoreOptions options)
      : root_(std::move(root)), options_(options) {}

  absl::Status Put(absl::string_view key, absl::string_view data,
                   const PutOptions& put_options) override {
    ASSIGN_OR_RETURN(std::string path, PathOf(key));
    // "<pid>.<n>.<random>.tmp": the pid lets the next open tell the leftovers
    // of a dead process from the files of a live one.
    std::string temp = absl::StrCat(
        root_, "/", kTempDir, "/", getpid(), ".", g_temp_counter.fetch_add(1),
        ".", absl::Hex(RandomSuffix(), absl::kZeroPad16), ".tmp");
    RETURN_IF_ERROR(WriteTemp(temp, data));
    absl::Status status = Publish(temp, path, key, put_options);
    if (!status.ok()) unlink(temp.c_str());
    return status;
  }

  absl::StatusOr<std::string> Get(absl::string_view key,
                                  const ByteRange& range) override {
    ASSIGN_OR_RETURN(std::string path, PathOf(key));
    // O_NOFOLLOW: a symbolic link planted in the bucket is not followed out
    // of it. O_NONBLOCK: opening a planted FIFO does not wait for a writer.
    ScopedFd fd(
        open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
    if (fd.get() < 0) {
      if (errno == ELOOP) return NotARegularFile(key, path);
      return MissingOr(errno, "open", key, path);
    }
    struct stat st;
    if (fstat(fd.get(), &st) != 0) return ErrnoStatus(errno, "stat", path);
    if (S_ISDIR(st.st_mode)) return NotFound(key);  // only a folder of keys
    if (!S_ISREG(st.st_mode)) return NotARegularFile(key, path);
    int flags = fcntl(fd.get(), F_GETFL);
    if (flags < 0 || fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) != 0) {
      return ErrnoStatus(errno, "fcntl", path);
    }
    ASSIGN_OR_RETURN(auto span, ResolveRange(range, st.st_size));
    std::string out(span.second, '\0');
    size_t done = 0;
    while (done < out.size()) {
      ssize_t n = pread(fd.get(), out.data() + done, out.size() - done,
                        span.first + done);
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus(errno, "read", path);
      }
      if (n == 0) {
        return absl::DataLossError(
            absl::StrCat("object ", path, " shrank while being read"));
      }
      done += n;
    }
    return out;
  }

  absl::StatusOr<ObjectInfo> Head(absl::string_view key) override {
    ASSIGN_OR_RETURN(std::string path, PathOf(key));
    struct stat st;
    if (lstat(path.c_str(), &st) != 0) {
      return MissingOr(errno, "stat", key, path);
    }
    if (S_ISDIR(st.st_mode)) return NotFound(key);  // only a folder of keys
    if (!S_ISREG(st.st_mode)) return NotARegularFile(key, path);
    return InfoOf(std::string(key), st);
  }

  absl::Status Delete(absl::string_view key) override {
    ASSIGN_OR_RETURN(std::string path, PathOf(key));
    if (unlink(path.c_str()) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) return absl::OkStatus();
      if (errno == EISDIR) return absl::OkStatus();  // a "folder", no object
      return ErrnoStatus(errno, "delete", path);
    }
    // Remove folders left empty, so the tree does not grow forever. A racing
    // Put recreates what it needs (see Publish).
    std::string dir = Parent(path);
    while (dir.size() > root_.size() && rmdir(dir.c_str()) == 0) {
      dir = Parent(dir);
    }
    // `dir` is the deepest remaining folder, the one that lost an entry (the
    // object, or the last folder removed): make the removal durable.
    return options_.sync ? SyncFolder(dir) : absl::OkStatus();
  }

  absl::Status DeleteMany(absl::Span<const std::string> keys) override {
    for (const std::string& key : keys) RETURN_IF_ERROR(PathOf(key).status());
    for (const std::string& key : keys) RETURN_IF_ERROR(Delete(key));
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<ObjectInfo>> List(
      absl::string_view prefix) override {
    RETURN_IF_ERROR(ValidateObjectKeyPrefix(prefix));
    // Walk only the folder that the prefix's complete segments name.
    std::string dir_part;
    size_t slash = prefix.rfind('/');
    if (slash != absl::string_view::npos) dir_part = std::string(prefix.substr(0, slash));
    std::vector<ObjectInfo> out;
    // No key lives in the temporary folder (PathOf refuses them).
    if (IsTempPath(dir_part)) return out;
    RETURN_IF_ERROR(Walk(dir_part, prefix, &out));
    std::sort(out.begin(), out.end(),
              [](const ObjectInfo& a, const ObjectInfo& b) {
                return a.key < b.key;
              });
    return out;
  }

  std::string Describe() const override {
    return absl::StrCat("file://", root_);
  }

 private:
  absl::StatusOr<std::string> PathOf(absl::string_view key) const {
    RETURN_IF_ERROR(ValidateObjectKey(key));
    if (IsTempPath(key)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "object key \"", key, "\" is reserved for temporary files"));
    }
    return absl::StrCat(root_, "/", key);
  }

  // Whether `rel` (a key or folder relative to the root) is the temporary
  // folder or inside it.
  static bool IsTempPath(absl::string_view rel) {
    return rel == kTempDir ||
           absl::StartsWith(rel, absl::StrCat(kTempDir, "/"));
  }

  static absl::Status NotARegularFile(absl::string_view key,
                                      const std::string& path) {
    return absl::FailedPreconditionError(absl::StrCat(
        "object \"", key, "\": ", path,
        " is not a regular file (a symbolic link, FIFO or device in the "
        "bucket folder is never read)"));
  }

  static absl::Status NotFound(absl::string_view key) {
    return absl::NotFoundError(absl::StrCat("object \"", key, "\" not found"));
  }

  static absl::Status MissingOr(int err, absl::string_view what,
                                absl::string_view key, const std::string& path) {
    if (err == ENOENT || err == ENOTDIR) return NotFound(key);
    return ErrnoStatus(err, what, path);
  }

  static ObjectInfo InfoOf(std::string key, const struct stat& st) {
    absl::Time modified = absl::TimeFromTimespec(st.st_mtim);
    return ObjectInfo{
        std::move(key), static_cast<uint64_t>(st.st_size), modified,
        absl::StrCat(absl::ToUnixNanos(modified), "-", st.st_size, "-",
                     st.st_ino)};
  }

  absl::Status WriteTemp(const std::string& temp, absl::string_view data) {
    bool direct = options_.sync && options_.direct_io_min_bytes > 0 &&
                  data.size() >= options_.direct_io_min_bytes &&
                  !direct_io_refused_.load(std::memory_order_relaxed);
    ScopedFd fd(direct ? storage::OpenForDirectWrite(temp.c_str(), 0644) : -1);
    if (direct && fd.get() < 0 && errno == EINVAL) {
      // The file system refuses O_DIRECT (the file may exist by now).
      direct_io_refused_.store(true, std::memory_order_relaxed);
      unlink(temp.c_str());
      direct = false;
    }
    if (!direct) {
      fd.reset(open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644));
    }
    if (fd.get() < 0) {
      // A name collision or a vanished temporary folder is this store's
      // fault, never the caller's "already exists" or "not found".
      if (errno == EEXIST || errno == ENOENT) {
        return absl::InternalError(absl::StrCat("create temporary file ", temp,
                                                ": ", strerror(errno)));
      }
      return ErrnoStatus(errno, "create", temp);
    }
    if (direct) {
      absl::Status status = storage::WriteAllDirect(fd.get(), data, temp);
      if (!status.ok()) {
        unlink(temp.c_str());
        return status;
      }
    }
    size_t done = direct ? data.size() : 0;
    while (done < data.size()) {
      ssize_t n = write(fd.get(), data.data() + done, data.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        absl::Status status = ErrnoStatus(errno, "write", temp);
        unlink(temp.c_str());
        return status;
      }
      done += n;
    }
    if (options_.sync && fdatasync(fd.get()) != 0) {
      absl::Status status = ErrnoStatus(errno, "fsync", temp);
      unlink(temp.c_str());
      return status;
    }
    return absl::OkStatus();
  }

  // Creates the folders leading to `path`, syncing each parent that gained
  // an entry so the new folder survives a crash.
  // An object on the way of a folder (ENOTDIR) is reported as the key
  // conflict it is; publishing into a file named like a folder then fails the
  // same way.
  absl::Status MakeParents(const std::string& path, absl::string_view key) {
    std::string dir = Parent(path);
    if (dir.size() <= root_.size()) return absl::OkStatus();
    if (mkdir(dir.c_str(), 0755) == 0) {
      return options_.sync ? SyncFolder(Parent(dir)) : absl::OkStatus();
    }
    if (errno == EEXIST) return absl::OkStatus();
    if (errno == ENOTDIR) return FileFolderConflict(key);
    if (errno != ENOENT) return ErrnoStatus(errno, "create folder", dir);
    RETURN_IF_ERROR(MakeParents(dir, key));
    if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
      if (errno == ENOTDIR) return FileFolderConflict(key);
      return ErrnoStatus(errno, "create folder", dir);
    }
    return options_.sync ? SyncFolder(Parent(dir)) : absl::OkStatus();
  }

  // Moves the synced temporary file to the key's path: rename to replace,
  // link to create only (link fails atomically if the path exists).
  absl::Status Publish(const std::string& temp, const std::string& path,
                       absl::string_view key, const PutOptions& put_options) {
    for (int attempt = 0;; ++attempt) {
      RETURN_IF_ERROR(MakeParents(path, key));
      int rc = put_options.if_not_exists ? link(temp.c_str(), path.c_str())
                                         : rename(temp.c_str(), path.c_str());
      if (rc == 0) break;
      int err = errno;
      // A concurrent Delete may remove a folder we just made: make it again.
      if (err == ENOENT && attempt < 10) continue;
      if (err == EEXIST) {
        // link() also fails so when the key is a folder of other keys.
        struct stat st;
        if (lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
          return FileFolderConflict(key);
        }
        return absl::AlreadyExistsError(
            absl::StrCat("object \"", key, "\" already exists"));
      }
      // rename() onto a folder (EISDIR), or into a path through an object
      // (ENOTDIR).
      if (err == ENOTDIR || err == EISDIR) return FileFolderConflict(key);
      return ErrnoStatus(err, "publish", path);
    }
    if (put_options.if_not_exists) unlink(temp.c_str());
    return options_.sync ? SyncFolder(Parent(path)) : absl::OkStatus();
  }

  absl::Status Walk(const std::string& rel_dir, absl::string_view prefix,
                    std::vector<ObjectInfo>* out) {
    std::string dir = rel_dir.empty() ? root_ : absl::StrCat(root_, "/", rel_dir);
    // Not through a symbolic link (ELOOP): nothing outside the bucket is
    // listed. A name too long for the file system holds no key either.
    int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR* d = fd < 0 ? nullptr : fdopendir(fd);
    if (d == nullptr) {
      int err = errno;
      if (fd >= 0) close(fd);
      if (err == ENOENT || err == ENOTDIR || err == ELOOP ||
          err == ENAMETOOLONG) {
        return absl::OkStatus();
      }
      return ErrnoStatus(err, "list", dir);
    }
    std::vector<std::string> names;
    while (struct dirent* entry = readdir(d)) {
      absl::string_view name = entry->d_name;
      if (name == "." || name == "..") continue;
      if (rel_dir.empty() && name == kTempDir) continue;
      names.emplace_back(name);
    }
    closedir(d);
    for (const std::string& name : names) {
      std::string rel = rel_dir.empty() ? name : absl::StrCat(rel_dir, "/", name);
      std::string full = absl::StrCat(root_, "/", rel);
      struct stat st;
      if (lstat(full.c_str(), &st) != 0) continue;  // deleted meanwhile
      if (S_ISDIR(st.st_mode)) {
        std::string as_prefix = rel + "/";
        // Descend only where keys below can match the prefix.
        size_t n = std::min(as_prefix.size(), prefix.size());
        if (absl::string_view(as_prefix).substr(0, n) == prefix.substr(0, n)) {
          RETURN_IF_ERROR(Walk(rel, prefix, out));
        }
      } else if (S_ISREG(st.st_mode) && absl::StartsWith(rel, prefix)) {
        out->push_back(InfoOf(rel, st));
      }
    }
    return absl::OkStatus();
  }

  const std::string root_;
  const LocalObjectStoreOptions options_;
  // Set once the file system refused O_DIRECT: later Puts skip trying.
  std::atomic<bool> direct_io_refused_{false};
};

}  // namespace

absl::StatusOr<std::unique_ptr<ObjectStore>> OpenLocalObjectStore(
    const std::string& root, const LocalObjectStoreOptions& options) {
  if (root.empty()) return absl::InvalidArgumentError("local bucket path is empty");
  std::string path = root;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  if (options.create_if_missing) {
    absl::StatusOr<int> created = CreateFolders(path, options.sync);
    if (!created.ok()) return created.status();
  }
  char resolved[PATH_MAX];
  if (realpath(path.c_str(), resolved) == nullptr) {
    return ErrnoStatus(errno, "open bucket folder", path);
  }
  struct stat st;
  if (stat(resolved, &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat("bucket path ", resolved, " is not a folder"));
  }
  std::string real = resolved;
  std::string temp_dir = absl::StrCat(real, "/", kTempDir);
  absl::StatusOr<int> temp_created = CreateFolders(temp_dir, options.sync);
  if (!temp_created.ok()) return temp_created.status();
  // Leftovers of a crashed process were never published: remove them, but
  // never those of this process (another instance may be writing them) nor
  // of any other live process sharing the folder (names start "<pid>.").
  if (DIR* d = opendir(temp_dir.c_str())) {
    while (struct dirent* entry = readdir(d)) {
      absl::string_view name = entry->d_name;
      if (name == "." || name == "..") continue;
      int pid = 0;
      if (absl::SimpleAtoi(name.substr(0, name.find('.')), &pid) && pid > 0 &&
          ProcessMayBeAlive(pid)) {
        continue;
      }
      unlink(absl::StrCat(temp_dir, "/", name).c_str());
    }
    closedir(d);
  }
  return std::unique_ptr<ObjectStore>(
      std::make_unique<LocalObjectStore>(real, options));
}

}  // namespace warp
