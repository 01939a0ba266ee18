#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/base/utf8.h"
#include "warp/object_store.h"

namespace warp {
namespace {

constexpr size_t kMaxKeyBytes = 1024;

// The checks keys and prefixes share: length, characters, UTF-8, not
// absolute. `what` is "object key" or "list prefix".
absl::Status ValidateText(absl::string_view text, absl::string_view what) {
  if (text.size() > kMaxKeyBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, " is ", text.size(), " bytes; at most ", kMaxKeyBytes));
  }
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " contains a control character"));
    }
    if (c == '\\') {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " contains a backslash"));
    }
    size_t n = Utf8SequenceLength(text.substr(i));
    if (n == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " is not valid UTF-8 (at byte ", i, ")"));
    }
    i += n;
  }
  if (!text.empty() && text.front() == '/') {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " \"", text, "\" is an absolute path"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateObjectKey(absl::string_view key) {
  if (key.empty()) return absl::InvalidArgumentError("object key is empty");
  if (absl::Status status = ValidateText(key, "object key"); !status.ok()) {
    return status;
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

absl::Status ValidateObjectKeyPrefix(absl::string_view prefix) {
  if (absl::Status status = ValidateText(prefix, "list prefix"); !status.ok()) {
    return status;
  }
  // Every segment followed by a '/' is complete and must be valid; the last
  // one may be any beginning of a segment ("", ".", "..": "a/.." is a prefix
  // of the valid key "a/..b").
  std::vector<absl::string_view> segments = absl::StrSplit(prefix, '/');
  segments.pop_back();
  for (absl::string_view segment : segments) {
    if (segment.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "list prefix \"", prefix, "\" has an empty path segment"));
    }
    if (segment == "." || segment == "..") {
      return absl::InvalidArgumentError(absl::StrCat(
          "list prefix \"", prefix, "\" has a \".\" or \"..\" segment"));
    }
  }
  return absl::OkStatus();
}

}  // namespace warp
