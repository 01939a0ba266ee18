// Where the SASL authenticators look users up. Static users (the
// --sasl_users_file, static_credential_store.h) and SCRAM users kept in the
// metadata journal (server/cluster_security.h) both implement this.
//
// Thread-safety: implementations must allow concurrent calls from any
// thread (every connection's authenticator asks the same store).
#ifndef WARP_LIB_SECURITY_SASL_CREDENTIAL_STORE_H_
#define WARP_LIB_SECURITY_SASL_CREDENTIAL_STORE_H_

#include <optional>

#include "absl/strings/string_view.h"
#include "lib/security/sasl/credentials.h"
#include "lib/security/sasl/mechanism.h"

namespace warp::sasl {

class CredentialStore {
 public:
  CredentialStore() = default;
  CredentialStore(const CredentialStore&) = delete;
  CredentialStore& operator=(const CredentialStore&) = delete;
  virtual ~CredentialStore() = default;

  // The SCRAM credential of `user` (the unescaped name) for `mechanism`, or
  // nullopt if the user has none. Must not block for long: it is called
  // while a client waits for the server-first message.
  virtual std::optional<ScramCredential> FindScram(
      ScramMechanism mechanism, absl::string_view user) const = 0;

  // True when `user` exists and `password` is its password (SASL/PLAIN).
  // False for unknown users, taking about as long as for known ones; the
  // comparison must be constant-time. A store holding only SCRAM
  // credentials can answer with VerifyScramPassword (credentials.h).
  virtual bool CheckPlain(absl::string_view user,
                          absl::string_view password) const = 0;
};

}  // namespace warp::sasl

#endif  // WARP_LIB_SECURITY_SASL_CREDENTIAL_STORE_H_
