#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "warp/object_store.h"

namespace warp {
namespace {

constexpr size_t kMaxKeyBytes = 1024;

// The length of the well-formed UTF-8 sequence at the start of `text` (1 to
// 4), or 0 if it is not one: no overlong forms, no surrogates (U+D800 to
// U+DFFF), nothing above U+10FFFF.
size_t Utf8SequenceLength(absl::string_view text) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  auto continuation = [&](size_t i) {
    return i < text.size() && (byte(i) & 0xC0) == 0x80;
  };
  unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return continuation(1) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    if (!continuation(1) || !continuation(2)) return 0;
    if (lead == 0xE0 && byte(1) < 0xA0) return 0;   // overlong
    if (lead == 0xED && byte(1) >= 0xA0) return 0;  // surrogate
    return 3;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    if (!continuation(1) || !continuation(2) || !continuation(3)) return 0;
    if (lead == 0xF0 && byte(1) < 0x90) return 0;   // overlong
    if (lead == 0xF4 && byte(1) >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;  // a continuation byte, 0xC0, 0xC1 or 0xF5..0xFF
}

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
