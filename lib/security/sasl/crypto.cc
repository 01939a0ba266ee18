#include "lib/security/sasl/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <climits>
#include <cstdlib>

#include "absl/status/status.h"

namespace warp::sasl {
namespace {

const EVP_MD* Md(HashFunction hash) {
  return hash == HashFunction::kSha256 ? EVP_sha256() : EVP_sha512();
}

const unsigned char* Bytes(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// The one-shot OpenSSL calls below fail only on allocation failure or
// arguments this file never passes; carrying on with a wrong digest would be
// a security bug, so they abort instead.
void CheckOk(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

size_t DigestSize(HashFunction hash) {
  return hash == HashFunction::kSha256 ? 32 : 64;
}

std::string Digest(HashFunction hash, absl::string_view data) {
  std::string out(DigestSize(hash), '\0');
  unsigned int size = 0;
  CheckOk(EVP_Digest(data.data(), data.size(),
                     reinterpret_cast<unsigned char*>(out.data()), &size,
                     Md(hash), nullptr) == 1 &&
          size == out.size());
  return out;
}

std::string Hmac(HashFunction hash, absl::string_view key,
                 absl::string_view data) {
  CheckOk(key.size() <= INT_MAX);
  std::string out(DigestSize(hash), '\0');
  unsigned int size = 0;
  CheckOk(HMAC(Md(hash), key.data(), static_cast<int>(key.size()), Bytes(data),
               data.size(), reinterpret_cast<unsigned char*>(out.data()),
               &size) != nullptr &&
          size == out.size());
  return out;
}

std::string Pbkdf2(HashFunction hash, absl::string_view password,
                   absl::string_view salt, int iterations) {
  CheckOk(iterations >= 1 && password.size() <= INT_MAX &&
          salt.size() <= INT_MAX);
  std::string out(DigestSize(hash), '\0');
  CheckOk(PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                            Bytes(salt), static_cast<int>(salt.size()),
                            iterations, Md(hash), static_cast<int>(out.size()),
                            reinterpret_cast<unsigned char*>(out.data())) == 1);
  return out;
}

std::string XorBytes(absl::string_view a, absl::string_view b) {
  CheckOk(a.size() == b.size());
  std::string out(a);
  for (size_t i = 0; i < out.size(); ++i) out[i] ^= b[i];
  return out;
}

bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

absl::StatusOr<std::string> SecureRandomBytes(size_t n) {
  std::string out(n, '\0');
  if (n > INT_MAX || RAND_bytes(reinterpret_cast<unsigned char*>(out.data()),
                                static_cast<int>(n)) != 1) {
    return absl::InternalError("RAND_bytes failed");
  }
  return out;
}

}  // namespace warp::sasl
