// Strict standard base64 (RFC 4648 section 4, with padding) for SCRAM
// messages and the credential encoding. Private to lib/security/sasl.
//
// Thread-safety: pure functions.
#ifndef WARP_LIB_SECURITY_SASL_BASE64_H_
#define WARP_LIB_SECURITY_SASL_BASE64_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace warp::sasl {

// The bytes `text` encodes, or nullopt unless `text` is exactly the
// canonical encoding of them (padding present, no whitespace, zero unused
// bits): each byte string has one accepted spelling.
std::optional<std::string> DecodeBase64Strict(absl::string_view text);

}  // namespace warp::sasl

#endif  // WARP_LIB_SECURITY_SASL_BASE64_H_
