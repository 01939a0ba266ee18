// An in-memory CredentialStore of fixed users (e.g. the --sasl_users_file):
// serves PLAIN by a constant-time comparison and SCRAM-SHA-256/512 from
// credentials derived once, at Create, with random salts. Passwords are not
// kept: only an HMAC of each under a random per-store key.
//
// Thread-safety: immutable after Create; every method may be called
// concurrently.
#ifndef WARP_LIB_SECURITY_SASL_STATIC_CREDENTIAL_STORE_H_
#define WARP_LIB_SECURITY_SASL_STATIC_CREDENTIAL_STORE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/security/sasl/credential_store.h"
#include "lib/security/sasl/credentials.h"
#include "lib/security/sasl/users_file.h"

namespace warp::sasl {

class StaticCredentialStore : public CredentialStore {
 public:
  struct Options {
    // Iterations of the SCRAM credentials derived at Create (Kafka's default
    // and minimum). Create costs about 4 x users x this many HMACs (a few
    // milliseconds a user at 4096); clients pay it again per login.
    int scram_iterations = kMinScramIterations;
  };

  // A store serving `users`. InvalidArgument for a name given twice, an
  // empty password or iterations out of range; Internal if the CSPRNG fails.
  static absl::StatusOr<std::unique_ptr<StaticCredentialStore>> Create(
      const std::vector<StaticUser>& users, const Options& options);
  static absl::StatusOr<std::unique_ptr<StaticCredentialStore>> Create(
      const std::vector<StaticUser>& users) {
    return Create(users, Options());
  }

  std::optional<ScramCredential> FindScram(
      ScramMechanism mechanism, absl::string_view user) const override;
  bool CheckPlain(absl::string_view user,
                  absl::string_view password) const override;

  // How many users it holds.
  size_t size() const { return users_.size(); }

 private:
  struct User {
    std::string password_mac;  // HMAC-SHA-256(mac_key_, password)
    ScramCredential sha256;
    ScramCredential sha512;
  };

  StaticCredentialStore() = default;

  std::string mac_key_;
  // What an unknown user's password is compared against, so that it costs
  // the same as a known one's.
  std::string unknown_user_mac_;
  absl::flat_hash_map<std::string, User> users_;
};

}  // namespace warp::sasl

#endif  // WARP_LIB_SECURITY_SASL_STATIC_CREDENTIAL_STORE_H_
