// The static users file of `--sasl_users_file=PATH`: one `NAME:PASSWORD` a
// line.
//
//   # comment                  (first non-blank character '#': ignored)
//   alice:s3cret               (split at the first ':'; the password may
//   bob:pa:ss word             contain ':' and spaces, kept verbatim)
//
// Lines end with "\n" or "\r\n". Blank lines (spaces and tabs only) are
// ignored. A NAME is 1 to 255 bytes of UTF-8 with no space, tab, control
// character or ':'; a PASSWORD is at least one byte, with no control
// character. A name given twice is an error. Errors name the line (never the
// password).
//
// Thread-safety: ParseUsersFile is pure; LoadUsersFile only reads the file.
#ifndef WARP_LIB_SECURITY_SASL_USERS_FILE_H_
#define WARP_LIB_SECURITY_SASL_USERS_FILE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace warp::sasl {

// Longest user name accepted (RFC 4616 servers must accept 255 octets).
inline constexpr size_t kMaxUserNameBytes = 255;

struct StaticUser {
  std::string name;
  std::string password;

  friend bool operator==(const StaticUser&, const StaticUser&) = default;
};

// The users of a users file's text, in file order. InvalidArgument
// "users file line N: ..." for the first malformed line.
absl::StatusOr<std::vector<StaticUser>> ParseUsersFile(absl::string_view text);

// Reads the file at `path` and parses it; errors name the path.
absl::StatusOr<std::vector<StaticUser>> LoadUsersFile(const std::string& path);

}  // namespace warp::sasl

#endif  // WARP_LIB_SECURITY_SASL_USERS_FILE_H_
