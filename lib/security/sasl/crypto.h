// The cryptographic primitives SCRAM (RFC 5802) and PLAIN need, glued from
// OpenSSL: digests and HMACs of SHA-256 and SHA-512, PBKDF2 (SCRAM's Hi()),
// constant-time comparison and the CSPRNG. Private to lib/security/sasl (and
// its tests); no OpenSSL header leaks from here.
//
// Byte strings are std::string / absl::string_view holding raw bytes.
// Thread-safety: stateless functions, safe to call from any thread.
#ifndef WARP_LIB_SECURITY_SASL_CRYPTO_H_
#define WARP_LIB_SECURITY_SASL_CRYPTO_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/security/sasl/mechanism.h"

namespace warp::sasl {

// The hash functions SCRAM is defined over here.
enum class HashFunction { kSha256, kSha512 };

// The hash a SCRAM mechanism is defined over.
inline HashFunction HashOf(ScramMechanism mechanism) {
  return mechanism == ScramMechanism::kSha256 ? HashFunction::kSha256
                                              : HashFunction::kSha512;
}

// Output size in bytes: 32 or 64.
size_t DigestSize(HashFunction hash);

// H(data).
std::string Digest(HashFunction hash, absl::string_view data);

// HMAC(key, data).
std::string Hmac(HashFunction hash, absl::string_view key,
                 absl::string_view data);

// Hi(password, salt, iterations) of RFC 5802: PBKDF2 with HMAC over `hash`,
// one block of output. Requires iterations >= 1. Costs `iterations` HMACs.
std::string Pbkdf2(HashFunction hash, absl::string_view password,
                   absl::string_view salt, int iterations);

// a XOR b, byte by byte. Requires a.size() == b.size().
std::string XorBytes(absl::string_view a, absl::string_view b);

// True when a and b are equal, in time that depends only on their sizes
// (CRYPTO_memcmp); different sizes compare unequal at once.
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);

// `n` bytes from OpenSSL's CSPRNG (RAND_bytes); Internal if it fails.
absl::StatusOr<std::string> SecureRandomBytes(size_t n);

}  // namespace warp::sasl

#endif  // WARP_LIB_SECURITY_SASL_CRYPTO_H_
