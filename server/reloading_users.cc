#include "server/reloading_users.h"

#include "lib/security/sasl/users_file.h"

namespace warp::server {

absl::StatusOr<std::unique_ptr<ReloadingUsers>> ReloadingUsers::Open(std::string path) {
  std::unique_ptr<ReloadingUsers> users(new ReloadingUsers(std::move(path)));
  absl::StatusOr<size_t> loaded = users->Reload();
  if (!loaded.ok()) return loaded.status();
  return users;
}

absl::StatusOr<size_t> ReloadingUsers::Reload() {
  absl::StatusOr<std::vector<sasl::StaticUser>> users = sasl::LoadUsersFile(path_);
  if (!users.ok()) return users.status();
  absl::StatusOr<std::unique_ptr<sasl::StaticCredentialStore>> store =
      sasl::StaticCredentialStore::Create(*users);
  if (!store.ok()) return store.status();
  size_t count = (*store)->size();
  std::shared_ptr<const sasl::StaticCredentialStore> next = *std::move(store);
  absl::MutexLock lock(&mu_);
  current_ = std::move(next);
  return count;
}

std::shared_ptr<const sasl::StaticCredentialStore> ReloadingUsers::Current() const {
  absl::MutexLock lock(&mu_);
  return current_;
}

std::optional<sasl::ScramCredential> ReloadingUsers::FindScram(sasl::ScramMechanism mechanism,
                                                               absl::string_view user) const {
  return Current()->FindScram(mechanism, user);
}

bool ReloadingUsers::CheckPlain(absl::string_view user, absl::string_view password) const {
  return Current()->CheckPlain(user, password);
}

}  // namespace warp::server
