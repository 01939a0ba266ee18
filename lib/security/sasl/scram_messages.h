// The SCRAM messages of RFC 5802 section 7 that a server reads (client-first,
// client-final) and writes (server-first, server-final), as warp accepts
// them:
//
//   client-first  = "n,," ["m=" ... ","]  -> refused (mandatory extension)
//                   "n=" saslname "," "r=" c-nonce *("," name "=" value)
//   client-final  = "c=" base64 "," "r=" nonce *("," name "=" value)
//                   "," "p=" base64
//
// Only the gs2 header "n,," is accepted: no channel binding ("p=" or "y":
// warp offers no -PLUS mechanism and, like Kafka, refuses a client that
// claims channel binding support), no authorization identity ("a="). The
// extensions that may follow the nonce are ignored as RFC 5802 requires for
// unknown ones, except Kafka's `tokenauth=true` (delegation-token login),
// which is refused: warp has no delegation tokens. Messages must be UTF-8
// without NUL. Parsing is pure and linear in the message size.
//
// Thread-safety: pure functions; the structs are plain values.
#ifndef WARP_LIB_SECURITY_SASL_SCRAM_MESSAGES_H_
#define WARP_LIB_SECURITY_SASL_SCRAM_MESSAGES_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace warp::sasl {

// The only gs2 header accepted, and its base64 (the c= of client-final).
inline constexpr absl::string_view kGs2Header = "n,,";
inline constexpr absl::string_view kGs2HeaderBase64 = "biws";

struct ClientFirstMessage {
  // client-first-message-bare, verbatim (the start of the AuthMessage).
  std::string bare;
  // The user name, with =2C and =3D unescaped.
  std::string user;
  // The client's nonce.
  std::string nonce;
};

// InvalidArgument, saying what is wrong, unless `message` is a client-first
// message as described above.
absl::StatusOr<ClientFirstMessage> ParseClientFirst(absl::string_view message);

struct ClientFinalMessage {
  // client-final-message-without-proof, verbatim (the end of the
  // AuthMessage).
  std::string without_proof;
  // The c= value as sent (base64 of the gs2 header for a valid client).
  std::string channel_binding;
  // The r= value: the client's nonce followed by the server's.
  std::string nonce;
  // The p= value, decoded.
  std::string proof;
};

// InvalidArgument, saying what is wrong, unless `message` is a client-final
// message as described above (proof in canonical base64).
absl::StatusOr<ClientFinalMessage> ParseClientFinal(absl::string_view message);

// "r=<nonce>,s=<base64 salt>,i=<iterations>".
std::string FormatServerFirst(absl::string_view nonce, absl::string_view salt,
                              int iterations);
// "v=<base64 signature>".
std::string FormatServerFinal(absl::string_view server_signature);
// "e=<error>", e.g. "e=invalid-proof" (RFC 5802's server-error-value).
std::string FormatServerError(absl::string_view error);

// A saslname: ',' as "=2C" and '=' as "=3D".
std::string EscapeSaslName(absl::string_view name);

// The name a saslname stands for. InvalidArgument for an '=' not starting
// "=2C" or "=3D", a ',' or a NUL.
absl::StatusOr<std::string> UnescapeSaslName(absl::string_view saslname);

// True when `nonce` is a valid SCRAM nonce: one or more printable ASCII
// characters other than ','.
bool IsValidNonce(absl::string_view nonce);

}  // namespace warp::sasl

#endif  // WARP_LIB_SECURITY_SASL_SCRAM_MESSAGES_H_
