#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "warp/object_store.h"

namespace warp {

absl::Status ValidateObjectKey(absl::string_view key) {
  if (key.empty()) return absl::InvalidArgumentError("object key is empty");
  if (key.size() > 1024) {
    return absl::InvalidArgumentError(
        absl::StrCat("object key is ", key.size(), " bytes; at most 1024"));
  }
  for (unsigned char c : key) {
    if (c < 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError(
          "object key contains a control character");
    }
    if (c == '\\') {
      return absl::InvalidArgumentError("object key contains a backslash");
    }
  }
  if (key.front() == '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("object key \"", key, "\" is an absolute path"));
  }
  for (absl::string_view segment : absl::StrSplit(key, '/')) {
    if (segment.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "object key \"", key, "\" has an empty path segment"));
    }
    if (segment == "." || segment == "..") {
      return absl::InvalidArgumentError(absl::StrCat(
          "object key \"", key, "\" has a \".\" or \"..\" segment"));
    }
  }
  return absl::OkStatus();
}

}  // namespace warp
