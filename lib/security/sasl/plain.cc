#include "lib/security/sasl/plain.h"

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_split.h"
#include "lib/base/status_macros.h"
#include "lib/base/utf8.h"

namespace warp::sasl {

absl::StatusOr<PlainToken> ParsePlainToken(absl::string_view token) {
  const std::vector<absl::string_view> parts =
      absl::StrSplit(token, absl::ByChar('\0'));
  if (parts.size() != 3) {
    return absl::InvalidArgumentError(
        "SASL/PLAIN token is not [authzid] NUL authcid NUL password");
  }
  PlainToken parsed{std::string(parts[0]), std::string(parts[1]),
                    std::string(parts[2])};
  if (parsed.authcid.empty()) {
    return absl::InvalidArgumentError("SASL/PLAIN: empty user name");
  }
  if (parsed.password.empty()) {
    return absl::InvalidArgumentError("SASL/PLAIN: empty password");
  }
  if (!IsValidUtf8(parsed.authcid) || !IsValidUtf8(parsed.authzid)) {
    return absl::InvalidArgumentError("SASL/PLAIN: identities must be UTF-8");
  }
  if (!parsed.authzid.empty() && parsed.authzid != parsed.authcid) {
    return absl::InvalidArgumentError(
        "SASL/PLAIN: the authorization id differs from the user name");
  }
  return parsed;
}

absl::StatusOr<std::string> AuthenticatePlain(absl::string_view token,
                                              const CredentialStore& store) {
  ASSIGN_OR_RETURN(PlainToken parsed, ParsePlainToken(token));
  if (!store.CheckPlain(parsed.authcid, parsed.password)) {
    return absl::UnauthenticatedError(
        "SASL/PLAIN authentication failed: invalid credentials");
  }
  return std::move(parsed.authcid);
}

}  // namespace warp::sasl
