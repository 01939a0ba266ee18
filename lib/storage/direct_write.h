// Writing a whole file with direct I/O (O_DIRECT): data goes from memory to
// the device without a copy into the page cache.
//
// O_DIRECT needs the memory address, the length and the file offset of every
// write aligned to the device's block size. The caller's data has no such
// alignment, so it is staged through an aligned buffer one chunk at a time
// (a user-space copy, much cheaper than the kernel's page-cache copy); the
// last chunk is padded with zeros and the file is then cut to the data's
// length.
#ifndef WARP_LIB_STORAGE_DIRECT_WRITE_H_
#define WARP_LIB_STORAGE_DIRECT_WRITE_H_

#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace warp::storage {

// Alignment of direct writes; a multiple of every common device block size.
inline constexpr size_t kDirectIoAlignment = 4096;

// Opens `path` to create it (O_EXCL, no symbolic links) for direct writes.
// Returns the descriptor, or -1 with errno set; errno EINVAL means the file
// system refuses O_DIRECT (the caller then writes the ordinary way).
int OpenForDirectWrite(const char* path, int mode);

// Writes all of `data` at offset 0 of `fd`, opened with OpenForDirectWrite,
// and sets the file's length to `data.size()`. Does not sync. A device that
// refuses the alignment (EINVAL) makes it finish with ordinary writes.
absl::Status WriteAllDirect(int fd, absl::string_view data, absl::string_view path);

}  // namespace warp::storage

#endif  // WARP_LIB_STORAGE_DIRECT_WRITE_H_
