// SCRAM credentials (RFC 5802 section 3, as Kafka's ScramCredential): what a
// server stores for a user instead of the password, and their compact text
// encoding for the metadata journal.
//
// Thread-safety: ScramCredential is a plain value; the functions are pure
// (MakeScramCredential without a salt draws one from the CSPRNG).
#ifndef WARP_LIB_SECURITY_SASL_CREDENTIALS_H_
#define WARP_LIB_SECURITY_SASL_CREDENTIALS_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/security/sasl/mechanism.h"

namespace warp::sasl {

// Iteration counts accepted when a credential is made or decoded: Kafka's
// bounds (ScramMechanism.minIterations / maxIterations).
inline constexpr int kMinScramIterations = 4096;
inline constexpr int kMaxScramIterations = 16384;
// Salt drawn by MakeScramCredential when none is given (the RFC's examples
// use 16 bytes).
inline constexpr size_t kDefaultSaltBytes = 16;
// Longest salt accepted (made or decoded).
inline constexpr size_t kMaxSaltBytes = 1024;

// One user's secret for one SCRAM mechanism. Raw bytes, not base64.
struct ScramCredential {
  ScramMechanism mechanism = ScramMechanism::kSha256;
  std::string salt;
  int iterations = kMinScramIterations;
  // H(ClientKey), ClientKey = HMAC(SaltedPassword, "Client Key"); digest size.
  std::string stored_key;
  // HMAC(SaltedPassword, "Server Key"); digest size.
  std::string server_key;

  friend bool operator==(const ScramCredential&,
                         const ScramCredential&) = default;
};

// Derives the credential of `password` (its bytes as given: like Kafka, no
// SASLprep). Uses `salt` if given, else kDefaultSaltBytes random bytes.
// InvalidArgument for an empty password, a salt empty or over kMaxSaltBytes,
// or iterations outside [kMinScramIterations, kMaxScramIterations]. Costs
// `iterations` HMACs.
absl::StatusOr<ScramCredential> MakeScramCredential(
    ScramMechanism mechanism, absl::string_view password, int iterations,
    std::optional<std::string> salt = std::nullopt);

// The credential of a password a client already salted: SaltedPassword =
// Hi(password, salt, iterations) of RFC 5802, as AlterUserScramCredentials
// carries it. InvalidArgument for iterations out of range, a salt empty or
// over kMaxSaltBytes, or a salted password whose size is not the
// mechanism's digest size.
absl::StatusOr<ScramCredential> ScramCredentialFromSaltedPassword(
    ScramMechanism mechanism, std::string salt, absl::string_view salted_password,
    int iterations);

// True when `password` derives `credential` (e.g. to serve PLAIN from a
// stored SCRAM credential), compared in constant time. Costs
// `credential.iterations` HMACs.
bool VerifyScramPassword(const ScramCredential& credential,
                         absl::string_view password);

// The text form of a credential, one line of printable ASCII (version 1):
//
//   1:<mechanism>:<iterations>:<salt>:<stored_key>:<server_key>
//
// <mechanism> is "SCRAM-SHA-256" or "SCRAM-SHA-512", <iterations> a decimal
// without sign or leading zeros, and the three byte strings standard base64
// with padding (RFC 4648 section 4; no ':' can occur in it). Example:
//
//   1:SCRAM-SHA-256:4096:W22ZaJ0SNY7soEsUEjb6gQ==:WG5d8oPm3OtcPnkdi4Uo7BkeZ
//   kBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=
//
// (one line; split here to fit). A decoder of another version refuses it.
std::string EncodeScramCredential(const ScramCredential& credential);

// Parses EncodeScramCredential's form; only its exact output is accepted, so
// decoding then encoding gives back the input. InvalidArgument, naming the
// field, for anything else: another version, an unknown mechanism, bad or
// out-of-range iterations, non-canonical base64, an empty or too long salt,
// or keys whose size is not the mechanism's digest size.
absl::StatusOr<ScramCredential> DecodeScramCredential(absl::string_view text);

}  // namespace warp::sasl

#endif  // WARP_LIB_SECURITY_SASL_CREDENTIALS_H_
