// Resolving a ByteRange against an object size, shared by the backends that
// hold whole objects (memory, local folder). Pure.
#ifndef WARP_LIB_STORAGE_RANGE_H_
#define WARP_LIB_STORAGE_RANGE_H_

#include <cstdint>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "warp/object_store.h"

namespace warp {

// Returns {offset, length} of `range` within an object of `size` bytes, with
// the ObjectStore rules: cut at the end; OutOfRange when starting at or past
// the end (except reading all of an empty object).
inline absl::StatusOr<std::pair<uint64_t, uint64_t>> ResolveRange(
    const ByteRange& range, uint64_t size) {
  if (range.length.has_value() && *range.length == 0) {
    return absl::InvalidArgumentError("byte range of length 0");
  }
  if (range.IsAll()) return std::make_pair(uint64_t{0}, size);
  if (range.offset >= size) {
    return absl::OutOfRangeError(absl::StrCat("range starts at ", range.offset,
                                              " of an object of ", size,
                                              " bytes"));
  }
  uint64_t available = size - range.offset;
  uint64_t length = range.length.has_value() && *range.length < available
                        ? *range.length
                        : available;
  return std::make_pair(range.offset, length);
}

}  // namespace warp

#endif  // WARP_LIB_STORAGE_RANGE_H_
