#include "server/cluster_security.h"

#include <cstdio>
#include <utility>

#include "lib/security/sasl/mechanism.h"

namespace warp::server {

ClusterSecurity::ClusterSecurity(MetadataStore* metadata, ClusterSecurityOptions options)
    : metadata_(metadata), options_(std::move(options)) {
  absl::StatusOr<std::shared_ptr<const acl::AclSnapshot>> empty =
      acl::AclSnapshot::Build({}, options_.acl);
  if (empty.ok()) authorizer_.Publish(*std::move(empty));
  absl::StatusOr<sasl::ScramCredential> fake =
      sasl::MakeScramCredential(sasl::ScramMechanism::kSha256, "unknown user",
                                sasl::kMinScramIterations, std::string(16, 'u'));
  if (fake.ok()) unknown_user_ = *std::move(fake);
  users_ = std::make_shared<const Users>();
  Refresh();
  if (options_.refresh_interval > absl::ZeroDuration()) {
    thread_ = std::thread([this] {
      while (!stop_.WaitForNotificationWithTimeout(options_.refresh_interval)) Refresh();
    });
  }
}

ClusterSecurity::~ClusterSecurity() {
  stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

void ClusterSecurity::Refresh() {
  absl::MutexLock lock(&refresh_mu_);
  if (built_ && metadata_->security_revision() == revision_) return;
  SecurityMetadata security = metadata_->GetSecurity();
  Rebuild(security);
  revision_ = security.revision;
  built_ = true;
}

void ClusterSecurity::CatchUp() {
  (void)metadata_->Sync();
  Refresh();
}

void ClusterSecurity::Rebuild(const SecurityMetadata& security) {
  absl::StatusOr<std::shared_ptr<const acl::AclSnapshot>> acls =
      acl::AclSnapshot::Build(security.acls, options_.acl);
  if (acls.ok()) {
    authorizer_.Publish(*std::move(acls));
  } else {
    // The journal refuses invalid bindings, so this is a bug: keep the ACLs
    // in force rather than open or close everything.
    std::fprintf(stderr, "warpd: ACLs of security revision %llu not applied: %s\n",
                 static_cast<unsigned long long>(security.revision),
                 std::string(acls.status().message()).c_str());
  }
  auto users = std::make_shared<Users>();
  for (const auto& [user, credentials] : security.scram_users) {
    for (const auto& [mechanism, text] : credentials) {
      absl::StatusOr<sasl::ScramCredential> credential = sasl::DecodeScramCredential(text);
      if (!credential.ok() ||
          sasl::ScramMechanismName(credential->mechanism) != mechanism) {
        std::fprintf(stderr, "warpd: SCRAM credential %s of a user is unreadable; skipped\n",
                     mechanism.c_str());
        continue;
      }
      (*users)[user].push_back(*std::move(credential));
    }
  }
  absl::MutexLock lock(&users_mu_);
  users_ = std::move(users);
}

std::shared_ptr<const ClusterSecurity::Users> ClusterSecurity::users() const {
  absl::MutexLock lock(&users_mu_);
  return users_;
}

std::map<std::string, std::vector<sasl::ScramCredential>> ClusterSecurity::ScramUsers() const {
  std::shared_ptr<const Users> current = users();
  return {current->begin(), current->end()};
}

std::optional<sasl::ScramCredential> ClusterSecurity::FindScram(sasl::ScramMechanism mechanism,
                                                                absl::string_view user) const {
  std::shared_ptr<const Users> current = users();
  auto it = current->find(user);
  if (it == current->end()) return std::nullopt;
  for (const sasl::ScramCredential& credential : it->second) {
    if (credential.mechanism == mechanism) return credential;
  }
  return std::nullopt;
}

bool ClusterSecurity::CheckPlain(absl::string_view user, absl::string_view password) const {
  std::shared_ptr<const Users> current = users();
  auto it = current->find(user);
  const sasl::ScramCredential* credential = nullptr;
  if (it != current->end()) {
    for (const sasl::ScramCredential& c : it->second) {
      if (credential == nullptr || c.mechanism == sasl::ScramMechanism::kSha256) credential = &c;
    }
  }
  if (credential == nullptr) {
    (void)sasl::VerifyScramPassword(unknown_user_, password);
    return false;
  }
  return sasl::VerifyScramPassword(*credential, password);
}

std::optional<sasl::ScramCredential> ChainedCredentialStore::FindScram(
    sasl::ScramMechanism mechanism, absl::string_view user) const {
  if (first_ != nullptr) {
    std::optional<sasl::ScramCredential> found = first_->FindScram(mechanism, user);
    if (found.has_value()) return found;
  }
  return second_ != nullptr ? second_->FindScram(mechanism, user) : std::nullopt;
}

bool ChainedCredentialStore::CheckPlain(absl::string_view user,
                                        absl::string_view password) const {
  if (first_ != nullptr && first_->CheckPlain(user, password)) return true;
  return second_ != nullptr && second_->CheckPlain(user, password);
}

}  // namespace warp::server
