#include "lib/security/sasl/credentials.h"

#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/base/status_macros.h"
#include "lib/security/sasl/base64.h"
#include "lib/security/sasl/crypto.h"

namespace warp::sasl {
namespace {

constexpr absl::string_view kVersion = "1";

absl::Status CheckIterations(int iterations) {
  if (iterations < kMinScramIterations || iterations > kMaxScramIterations) {
    return absl::InvalidArgumentError(
        absl::StrCat("SCRAM iterations ", iterations, " outside [",
                     kMinScramIterations, ", ", kMaxScramIterations, "]"));
  }
  return absl::OkStatus();
}

absl::Status CheckSalt(absl::string_view salt) {
  if (salt.empty() || salt.size() > kMaxSaltBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "SCRAM salt of ", salt.size(), " bytes; 1 to ", kMaxSaltBytes));
  }
  return absl::OkStatus();
}

// ClientKey and ServerKey of a salted password (RFC 5802 section 3).
std::string ClientKey(HashFunction hash, absl::string_view salted_password) {
  return Hmac(hash, salted_password, "Client Key");
}

// A decimal in canonical form (no sign, no leading zero), at most 9 digits.
std::optional<int> ParseCanonicalInt(absl::string_view text) {
  if (text.empty() || text.size() > 9 || (text[0] == '0' && text.size() > 1)) {
    return std::nullopt;
  }
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

absl::StatusOr<std::string> DecodeField(absl::string_view text,
                                        absl::string_view field) {
  std::optional<std::string> bytes = DecodeBase64Strict(text);
  if (!bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("SCRAM credential: ", field, " is not canonical base64"));
  }
  return *std::move(bytes);
}

}  // namespace

absl::StatusOr<ScramCredential> MakeScramCredential(
    ScramMechanism mechanism, absl::string_view password, int iterations,
    std::optional<std::string> salt) {
  if (password.empty()) {
    return absl::InvalidArgumentError("SCRAM credential of an empty password");
  }
  RETURN_IF_ERROR(CheckIterations(iterations));
  if (!salt) {
    ASSIGN_OR_RETURN(salt, SecureRandomBytes(kDefaultSaltBytes));
  }
  RETURN_IF_ERROR(CheckSalt(*salt));
  const std::string salted = Pbkdf2(HashOf(mechanism), password, *salt, iterations);
  return ScramCredentialFromSaltedPassword(mechanism, *std::move(salt), salted, iterations);
}

absl::StatusOr<ScramCredential> ScramCredentialFromSaltedPassword(
    ScramMechanism mechanism, std::string salt, absl::string_view salted_password,
    int iterations) {
  RETURN_IF_ERROR(CheckIterations(iterations));
  RETURN_IF_ERROR(CheckSalt(salt));
  const HashFunction hash = HashOf(mechanism);
  if (salted_password.size() != DigestSize(hash)) {
    return absl::InvalidArgumentError(
        absl::StrCat("a salted password of ", salted_password.size(), " bytes; ",
                     ScramMechanismName(mechanism), " needs ", DigestSize(hash)));
  }
  ScramCredential credential;
  credential.mechanism = mechanism;
  credential.salt = std::move(salt);
  credential.iterations = iterations;
  credential.stored_key = Digest(hash, ClientKey(hash, salted_password));
  credential.server_key = Hmac(hash, salted_password, "Server Key");
  return credential;
}

bool VerifyScramPassword(const ScramCredential& credential,
                         absl::string_view password) {
  if (credential.iterations < 1 || credential.salt.empty()) return false;
  const HashFunction hash = HashOf(credential.mechanism);
  const std::string salted =
      Pbkdf2(hash, password, credential.salt, credential.iterations);
  return ConstantTimeEquals(Digest(hash, ClientKey(hash, salted)),
                            credential.stored_key);
}

std::string EncodeScramCredential(const ScramCredential& credential) {
  return absl::StrCat(kVersion, ":", ScramMechanismName(credential.mechanism),
                      ":", credential.iterations, ":",
                      absl::Base64Escape(credential.salt), ":",
                      absl::Base64Escape(credential.stored_key), ":",
                      absl::Base64Escape(credential.server_key));
}

absl::StatusOr<ScramCredential> DecodeScramCredential(absl::string_view text) {
  const std::vector<absl::string_view> fields = absl::StrSplit(text, ':');
  if (fields.empty() || fields[0] != kVersion) {
    return absl::InvalidArgumentError(
        "SCRAM credential: not version 1 (\"1:...\")");
  }
  if (fields.size() != 6) {
    return absl::InvalidArgumentError(absl::StrCat(
        "SCRAM credential: ", fields.size(), " fields; version 1 has 6"));
  }
  ScramCredential credential;
  std::optional<ScramMechanism> mechanism = ScramMechanismFromName(fields[1]);
  if (!mechanism) {
    return absl::InvalidArgumentError(
        "SCRAM credential: unknown mechanism (SCRAM-SHA-256 or SCRAM-SHA-512)");
  }
  credential.mechanism = *mechanism;
  std::optional<int> iterations = ParseCanonicalInt(fields[2]);
  if (!iterations) {
    return absl::InvalidArgumentError(
        "SCRAM credential: iterations is not a canonical decimal");
  }
  credential.iterations = *iterations;
  RETURN_IF_ERROR(CheckIterations(credential.iterations));
  ASSIGN_OR_RETURN(credential.salt, DecodeField(fields[3], "salt"));
  RETURN_IF_ERROR(CheckSalt(credential.salt));
  ASSIGN_OR_RETURN(credential.stored_key, DecodeField(fields[4], "stored_key"));
  ASSIGN_OR_RETURN(credential.server_key, DecodeField(fields[5], "server_key"));
  const size_t digest = DigestSize(HashOf(credential.mechanism));
  if (credential.stored_key.size() != digest ||
      credential.server_key.size() != digest) {
    return absl::InvalidArgumentError(
        absl::StrCat("SCRAM credential: keys must be ", digest, " bytes for ",
                     ScramMechanismName(credential.mechanism)));
  }
  return credential;
}

}  // namespace warp::sasl
