// The security part of the metadata state machine: ACLs (CreateAcls,
// DeleteAcls) and SCRAM users (AlterUserScramCredentials).
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "lib/metadata/state.h"

namespace warp::metadata {

CommandResult MetadataState::Do(const AddAcls& c) {
  for (const acl::AclBinding& binding : c.bindings) {
    absl::Status valid = acl::ValidateAclBinding(binding);
    if (!valid.ok()) {
      return CommandError(
          KafkaError::kInvalidRequest,
          absl::StrCat(valid.message(), ": ", acl::ToString(binding)));
    }
  }
  bool changed = false;
  for (const acl::AclBinding& binding : c.bindings) {
    changed |= acls_.insert(binding).second;
  }
  if (changed) ++security_revision_;
  return {};
}

CommandResult MetadataState::Do(const RemoveAcls& c) {
  bool changed = false;
  for (const acl::AclBinding& binding : c.bindings) {
    changed |= acls_.erase(binding) > 0;
  }
  if (changed) ++security_revision_;
  return {};
}

CommandResult MetadataState::Do(const AlterScramCredentials& c) {
  if (c.user.empty()) {
    return CommandError(KafkaError::kUnacceptableCredential,
                        "Username must not be empty");
  }
  std::set<std::string> named;
  for (const ScramCredentialRecord& upsert : c.upserts) {
    if (upsert.mechanism.empty() || upsert.credential.empty()) {
      return CommandError(KafkaError::kUnacceptableCredential,
                          "A credential needs a mechanism and a value");
    }
    if (!named.insert(upsert.mechanism).second) {
      return CommandError(
          KafkaError::kDuplicateResource,
          absl::StrCat("A user credential cannot be altered twice in the same "
                       "request (",
                       upsert.mechanism, ")"));
    }
  }
  auto user = scram_users_.find(c.user);
  for (const std::string& mechanism : c.deletions) {
    if (!named.insert(mechanism).second) {
      return CommandError(
          KafkaError::kDuplicateResource,
          absl::StrCat("A user credential cannot be altered twice in the same "
                       "request (",
                       mechanism, ")"));
    }
    if (user == scram_users_.end() || !user->second.contains(mechanism)) {
      return CommandError(
          KafkaError::kResourceNotFound,
          absl::StrCat(
              "Attempt to delete a user credential that does not exist (",
              mechanism, ")"));
    }
  }
  if (c.upserts.empty() && c.deletions.empty()) return {};
  std::map<std::string, std::string>& credentials = scram_users_[c.user];
  for (const std::string& mechanism : c.deletions) credentials.erase(mechanism);
  for (const ScramCredentialRecord& upsert : c.upserts) {
    credentials[upsert.mechanism] = upsert.credential;
  }
  if (credentials.empty()) scram_users_.erase(c.user);
  ++security_revision_;
  return {};
}

SecurityMetadata MetadataState::Security() const {
  SecurityMetadata out;
  out.revision = security_revision_;
  out.acls.assign(acls_.begin(), acls_.end());
  for (const auto& [user, credentials] : scram_users_)
    out.scram_users[user] = credentials;
  return out;
}

}  // namespace warp::metadata
