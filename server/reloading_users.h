// The users of warpd's SASL listeners from --sasl_users_file, read again on
// SIGHUP: a CredentialStore whose users can be swapped while connections
// log in (each lookup sees the old users or the new ones, never a mix).
//
// Thread-safety: thread-safe.
#ifndef WARP_SERVER_RELOADING_USERS_H_
#define WARP_SERVER_RELOADING_USERS_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "lib/security/sasl/static_credential_store.h"

namespace warp::server {

class ReloadingUsers final : public sasl::CredentialStore {
 public:
  // Reads `path`; fails (naming the line, never a password) as the file is
  // wrong.
  static absl::StatusOr<std::unique_ptr<ReloadingUsers>> Open(std::string path);

  // Reads the file again. On failure the users in use stay; on success
  // logins from now on see the new ones (sessions already authenticated
  // stay so). Returns the number of users.
  absl::StatusOr<size_t> Reload();

  std::optional<sasl::ScramCredential> FindScram(sasl::ScramMechanism mechanism,
                                                 absl::string_view user) const override;
  bool CheckPlain(absl::string_view user, absl::string_view password) const override;

 private:
  explicit ReloadingUsers(std::string path) : path_(std::move(path)) {}
  std::shared_ptr<const sasl::StaticCredentialStore> Current() const;

  const std::string path_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const sasl::StaticCredentialStore> current_ ABSL_GUARDED_BY(mu_);
};

}  // namespace warp::server

#endif  // WARP_SERVER_RELOADING_USERS_H_
