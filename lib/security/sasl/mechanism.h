// The SASL mechanisms warp serves and their Kafka names (the strings of
// SaslHandshake's `mechanism` and its `mechanisms` answer).
//
// Thread-safety: constants and pure functions.
#ifndef WARP_LIB_SECURITY_SASL_MECHANISM_H_
#define WARP_LIB_SECURITY_SASL_MECHANISM_H_

#include <optional>

#include "absl/strings/string_view.h"

namespace warp::sasl {

// RFC 4616.
inline constexpr absl::string_view kPlain = "PLAIN";
// RFC 7677 and RFC 5802 (Kafka's SCRAM-SHA-512 follows the same rules).
inline constexpr absl::string_view kScramSha256 = "SCRAM-SHA-256";
inline constexpr absl::string_view kScramSha512 = "SCRAM-SHA-512";

// A SCRAM variant: which hash it is defined over.
enum class ScramMechanism { kSha256, kSha512 };

// "SCRAM-SHA-256" or "SCRAM-SHA-512".
absl::string_view ScramMechanismName(ScramMechanism mechanism);

// The mechanism named `name` (exact, case-sensitive as in Kafka), or nullopt.
std::optional<ScramMechanism> ScramMechanismFromName(absl::string_view name);

}  // namespace warp::sasl

#endif  // WARP_LIB_SECURITY_SASL_MECHANISM_H_
