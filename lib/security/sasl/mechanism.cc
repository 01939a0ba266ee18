#include "lib/security/sasl/mechanism.h"

namespace warp::sasl {

absl::string_view ScramMechanismName(ScramMechanism mechanism) {
  return mechanism == ScramMechanism::kSha256 ? kScramSha256 : kScramSha512;
}

std::optional<ScramMechanism> ScramMechanismFromName(absl::string_view name) {
  if (name == kScramSha256) return ScramMechanism::kSha256;
  if (name == kScramSha512) return ScramMechanism::kSha512;
  return std::nullopt;
}

}  // namespace warp::sasl
