#include "lib/storage/direct_write.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <memory>

#include "absl/strings/str_cat.h"

namespace warp::storage {
namespace {

constexpr size_t kChunk = 1 << 20;  // bytes staged per write

struct FreeDeleter {
  void operator()(void* p) const { free(p); }
};

// One aligned staging buffer per thread, kept for the thread's life.
char* StagingBuffer() {
  thread_local std::unique_ptr<void, FreeDeleter> buffer;
  if (!buffer) {
    void* p = nullptr;
    if (posix_memalign(&p, kDirectIoAlignment, kChunk) != 0) return nullptr;
    buffer.reset(p);
  }
  return static_cast<char*>(buffer.get());
}

absl::Status WriteError(int err, absl::string_view path) {
  std::string message = absl::StrCat("write ", path, ": ", strerror(err));
  if (err == ENOSPC || err == EDQUOT) return absl::ResourceExhaustedError(message);
  return absl::InternalError(message);
}

// pwrite of all `n` bytes at `offset`, retrying short writes and EINTR.
int PwriteAll(int fd, const char* p, size_t n, off_t offset) {
  while (n > 0) {
    ssize_t w = pwrite(fd, p, n, offset);
    if (w < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (w == 0) return EIO;
    p += w;
    n -= static_cast<size_t>(w);
    offset += w;
  }
  return 0;
}

// Clears O_DIRECT on `fd` so that the rest is written the ordinary way.
bool DropDirect(int fd) {
  int flags = fcntl(fd, F_GETFL);
  return flags >= 0 && fcntl(fd, F_SETFL, flags & ~O_DIRECT) == 0;
}

}  // namespace

int OpenForDirectWrite(const char* path, int mode) {
  return open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW | O_DIRECT, mode);
}

absl::Status WriteAllDirect(int fd, absl::string_view data, absl::string_view path) {
  size_t done = 0;
  bool direct = true;
  // An aligned start (AlignedBuffer) is written in place, in one call, up to
  // the last whole block.
  if (reinterpret_cast<uintptr_t>(data.data()) % kDirectIoAlignment == 0) {
    size_t whole = data.size() / kDirectIoAlignment * kDirectIoAlignment;
    int err = whole > 0 ? PwriteAll(fd, data.data(), whole, 0) : 0;
    if (err == EINVAL) {
      if (!DropDirect(fd)) return WriteError(err, path);
      direct = false;
    } else if (err != 0) {
      return WriteError(err, path);
    } else {
      done = whole;
    }
  }
  char* staging = direct && done < data.size() ? StagingBuffer() : nullptr;
  if (direct && done < data.size() && staging == nullptr) {
    if (!DropDirect(fd)) return WriteError(ENOMEM, path);
    direct = false;
  }
  while (direct && done < data.size()) {
    size_t n = std::min(kChunk, data.size() - done);
    size_t padded = (n + kDirectIoAlignment - 1) / kDirectIoAlignment * kDirectIoAlignment;
    memcpy(staging, data.data() + done, n);
    if (padded > n) memset(staging + n, 0, padded - n);
    int err = PwriteAll(fd, staging, padded, static_cast<off_t>(done));
    if (err == EINVAL) {  // the device wants another alignment
      if (!DropDirect(fd)) return WriteError(err, path);
      direct = false;
      break;
    }
    if (err != 0) return WriteError(err, path);
    done += n;
  }
  if (done < data.size()) {
    int err = PwriteAll(fd, data.data() + done, data.size() - done, static_cast<off_t>(done));
    if (err != 0) return WriteError(err, path);
  }
  // Cut the zero padding of the last chunk.
  if (ftruncate(fd, static_cast<off_t>(data.size())) != 0) return WriteError(errno, path);
  return absl::OkStatus();
}

}  // namespace warp::storage
