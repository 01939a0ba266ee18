// SASL PLAIN (RFC 4616): one client token, `[authzid] NUL authcid NUL
// passwd`, checked against a CredentialStore. As in Kafka, the authorization
// identity must be empty or equal to the authentication identity.
//
// Thread-safety: pure functions (the store must be thread-safe).
#ifndef WARP_LIB_SECURITY_SASL_PLAIN_H_
#define WARP_LIB_SECURITY_SASL_PLAIN_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/security/sasl/credential_store.h"

namespace warp::sasl {

struct PlainToken {
  std::string authzid;   // may be empty
  std::string authcid;   // the user name, non-empty UTF-8
  std::string password;  // non-empty; any bytes but NUL
};

// Splits a PLAIN token. InvalidArgument unless it holds exactly two NULs,
// a non-empty authcid and password, identities in UTF-8, and an authzid
// empty or equal to the authcid. Messages never include the password.
absl::StatusOr<PlainToken> ParsePlainToken(absl::string_view token);

// The authenticated user name of `token`: InvalidArgument as
// ParsePlainToken, Unauthenticated (the same message for an unknown user and
// a wrong password) if the store does not accept the password.
absl::StatusOr<std::string> AuthenticatePlain(absl::string_view token,
                                              const CredentialStore& store);

}  // namespace warp::sasl

#endif  // WARP_LIB_SECURITY_SASL_PLAIN_H_
