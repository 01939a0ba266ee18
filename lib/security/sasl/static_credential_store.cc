#include "lib/security/sasl/static_credential_store.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "lib/security/sasl/crypto.h"

namespace warp::sasl {
namespace {

constexpr size_t kMacKeyBytes = 32;

}  // namespace

absl::StatusOr<std::unique_ptr<StaticCredentialStore>>
StaticCredentialStore::Create(const std::vector<StaticUser>& users,
                              const Options& options) {
  std::unique_ptr<StaticCredentialStore> store(new StaticCredentialStore);
  ASSIGN_OR_RETURN(store->mac_key_, SecureRandomBytes(kMacKeyBytes));
  ASSIGN_OR_RETURN(const std::string unknown, SecureRandomBytes(kMacKeyBytes));
  store->unknown_user_mac_ =
      Hmac(HashFunction::kSha256, store->mac_key_, unknown);
  for (const StaticUser& user : users) {
    if (store->users_.contains(user.name)) {
      return absl::InvalidArgumentError(
          absl::StrCat("user \"", user.name, "\" given twice"));
    }
    User entry;
    entry.password_mac =
        Hmac(HashFunction::kSha256, store->mac_key_, user.password);
    ASSIGN_OR_RETURN(entry.sha256,
                     MakeScramCredential(ScramMechanism::kSha256, user.password,
                                         options.scram_iterations));
    ASSIGN_OR_RETURN(entry.sha512,
                     MakeScramCredential(ScramMechanism::kSha512, user.password,
                                         options.scram_iterations));
    store->users_.emplace(user.name, std::move(entry));
  }
  return store;
}

std::optional<ScramCredential> StaticCredentialStore::FindScram(
    ScramMechanism mechanism, absl::string_view user) const {
  auto it = users_.find(user);
  if (it == users_.end()) return std::nullopt;
  return mechanism == ScramMechanism::kSha256 ? it->second.sha256
                                              : it->second.sha512;
}

bool StaticCredentialStore::CheckPlain(absl::string_view user,
                                       absl::string_view password) const {
  auto it = users_.find(user);
  const bool known = it != users_.end();
  const std::string mac = Hmac(HashFunction::kSha256, mac_key_, password);
  const bool match = ConstantTimeEquals(
      mac, known ? it->second.password_mac : unknown_user_mac_);
  return known && match;
}

}  // namespace warp::sasl
