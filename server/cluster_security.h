// The virtual cluster's security metadata as this agent enforces it: the
// ACLs (an acl::Authorizer whose snapshot is rebuilt whenever the metadata
// journal's security revision moves) and the SCRAM users created through
// AlterUserScramCredentials (a sasl::CredentialStore). Agents stay
// stateless: every agent reads the same journal, so an ACL created through
// one is enforced by all within a refresh interval.
//
// Thread-safety: thread-safe.
#ifndef WARP_SERVER_CLUSTER_SECURITY_H_
#define WARP_SERVER_CLUSTER_SECURITY_H_

#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "lib/security/acl/authorizer.h"
#include "lib/security/sasl/credential_store.h"
#include "lib/security/sasl/credentials.h"
#include "warp/metadata_store.h"

namespace warp::server {

struct ClusterSecurityOptions {
  // --authorizer=acl: requests are checked against the ACLs. Off
  // (--authorizer=none): everyone may do everything, and the ACL APIs answer
  // SECURITY_DISABLED.
  bool enforce_acls = false;
  // --super_users, --allow_everyone_if_no_acl_found.
  acl::AuthorizerOptions acl;
  // How often the journal's security revision is looked at (one reader lock
  // on this agent's replica); zero: only when Refresh() is called (tests).
  absl::Duration refresh_interval = absl::Milliseconds(100);
};

class ClusterSecurity final : public sasl::CredentialStore {
 public:
  // Reads the security metadata once and, with a refresh interval, starts
  // the thread that keeps it current. `metadata` must outlive this.
  ClusterSecurity(MetadataStore* metadata, ClusterSecurityOptions options);
  ~ClusterSecurity() override;

  bool enforce_acls() const { return options_.enforce_acls; }

  // Rebuilds the ACL snapshot and the users if the journal's security
  // revision moved since the last rebuild; otherwise costs one lock. Handlers
  // call it after changing ACLs or users, so that the client that changed
  // them sees the change on its next request.
  void Refresh();
  // Refresh after catching this replica up with the journal (a failed
  // catch-up leaves this replica's view): what ACLs and users changed
  // through any agent a moment ago, for the APIs that list them.
  void CatchUp();

  // The ACLs as of the latest rebuild, never null (empty without ACLs).
  std::shared_ptr<const acl::AclSnapshot> acls() const { return authorizer_.snapshot(); }

  // The SCRAM users of the journal: user to its credentials.
  std::map<std::string, std::vector<sasl::ScramCredential>> ScramUsers() const;

  // sasl::CredentialStore over the journal's users. PLAIN logins of such
  // users are checked against their SCRAM credential (SHA-256 if they have
  // one, else SHA-512).
  std::optional<sasl::ScramCredential> FindScram(sasl::ScramMechanism mechanism,
                                                 absl::string_view user) const override;
  bool CheckPlain(absl::string_view user, absl::string_view password) const override;

 private:
  using Users = std::map<std::string, std::vector<sasl::ScramCredential>, std::less<>>;
  void Rebuild(const SecurityMetadata& security);
  std::shared_ptr<const Users> users() const;

  MetadataStore* const metadata_;
  const ClusterSecurityOptions options_;
  acl::Authorizer authorizer_;
  // Compared against for unknown users' PLAIN logins (same cost).
  sasl::ScramCredential unknown_user_;

  absl::Mutex refresh_mu_;  // one rebuild at a time
  uint64_t revision_ ABSL_GUARDED_BY(refresh_mu_) = 0;
  bool built_ ABSL_GUARDED_BY(refresh_mu_) = false;

  mutable absl::Mutex users_mu_;
  std::shared_ptr<const Users> users_ ABSL_GUARDED_BY(users_mu_);

  absl::Notification stop_;
  std::thread thread_;
};

// Users looked up in `first` (if any), then in `second`: the static users of
// --sasl_users_file before the journal's. Neither is owned.
class ChainedCredentialStore final : public sasl::CredentialStore {
 public:
  ChainedCredentialStore(const sasl::CredentialStore* first, const sasl::CredentialStore* second)
      : first_(first), second_(second) {}
  std::optional<sasl::ScramCredential> FindScram(sasl::ScramMechanism mechanism,
                                                 absl::string_view user) const override;
  bool CheckPlain(absl::string_view user, absl::string_view password) const override;

 private:
  const sasl::CredentialStore* const first_;
  const sasl::CredentialStore* const second_;
};

}  // namespace warp::server

#endif  // WARP_SERVER_CLUSTER_SECURITY_H_
