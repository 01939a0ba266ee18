// The stored form of an ACL binding (for the metadata journal and its
// snapshots): compact, versioned, documented in docs/acl-format.md.
//
//   u8      format version (kAclBindingFormatVersion)
//   u8      resource type, u8 pattern type, u8 operation, u8 permission
//           (Kafka's codes, acl.h)
//   varint  length, bytes: resource name
//   varint  length, bytes: principal
//   varint  length, bytes: host
//
// Varints are unsigned LEB128 of at most 5 bytes. Encodings are
// self-delimiting, so bindings can be concatenated.
//
// Thread-safety: pure functions.
#ifndef WARP_LIB_SECURITY_ACL_ACL_CODEC_H_
#define WARP_LIB_SECURITY_ACL_ACL_CODEC_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "warp/acl.h"

namespace warp::acl {

inline constexpr uint8_t kAclBindingFormatVersion = 1;

// Appends the encoding of `binding` to `*out`.
void AppendAclBinding(const AclBinding& binding, std::string* out);

// The encoding of `binding` alone.
std::string EncodeAclBinding(const AclBinding& binding);

// Decodes the binding at the front of `*in` and advances `*in` past it.
// DataLoss when the bytes are truncated, of an unknown version, or decode to
// a binding ValidateAclBinding refuses; `*in` is then unspecified.
absl::StatusOr<AclBinding> ReadAclBinding(absl::string_view* in);

// Decodes exactly one binding; DataLoss also for trailing bytes.
absl::StatusOr<AclBinding> DecodeAclBinding(absl::string_view bytes);

}  // namespace warp::acl

#endif  // WARP_LIB_SECURITY_ACL_ACL_CODEC_H_
