// A CredentialStore of explicitly given credentials, for tests and fuzz
// targets that need fixed salts (e.g. RFC 7677's example).
//
// Thread-safety: fill it first, then share it read-only.
#ifndef WARP_LIB_SECURITY_SASL_TESTING_MAP_CREDENTIAL_STORE_H_
#define WARP_LIB_SECURITY_SASL_TESTING_MAP_CREDENTIAL_STORE_H_

#include <map>
#include <optional>
#include <string>
#include <utility>

#include "lib/security/sasl/credential_store.h"

namespace warp::sasl::testing {

class MapCredentialStore : public CredentialStore {
 public:
  // Serves `credential` to SCRAM logins of `user` for its mechanism.
  void AddScram(std::string user, ScramCredential credential) {
    scram_[{credential.mechanism, std::move(user)}] = std::move(credential);
  }
  // Accepts `password` for PLAIN logins of `user`.
  void AddPlain(std::string user, std::string password) {
    plain_[std::move(user)] = std::move(password);
  }

  std::optional<ScramCredential> FindScram(
      ScramMechanism mechanism, absl::string_view user) const override {
    auto it = scram_.find({mechanism, std::string(user)});
    if (it == scram_.end()) return std::nullopt;
    return it->second;
  }
  bool CheckPlain(absl::string_view user,
                  absl::string_view password) const override {
    auto it = plain_.find(std::string(user));
    return it != plain_.end() && it->second == password;
  }

 private:
  std::map<std::pair<ScramMechanism, std::string>, ScramCredential> scram_;
  std::map<std::string, std::string> plain_;
};

}  // namespace warp::sasl::testing

#endif  // WARP_LIB_SECURITY_SASL_TESTING_MAP_CREDENTIAL_STORE_H_
