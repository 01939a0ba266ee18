// The client side of SCRAM (RFC 5802 / RFC 7677), for warpctl, tests and
// fuzz targets: built from the same OpenSSL primitives as the server
// (crypto.h) but following the RFC's client side on its own. It writes
// client-first and client-final messages and checks the server's signature.
//
// Thread-safety: one exchange, one thread.
#ifndef WARP_LIB_SECURITY_SASL_SCRAM_CLIENT_H_
#define WARP_LIB_SECURITY_SASL_SCRAM_CLIENT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/security/sasl/mechanism.h"

namespace warp::sasl {

class ScramClient {
 public:
  ScramClient(ScramMechanism mechanism, std::string user,
              std::string client_nonce);

  // "n,,n=<escaped user>,r=<client nonce>".
  std::string ClientFirst() const;

  // Reads server-first (r=, s=, i=). InvalidArgument if it is malformed,
  // its nonce does not extend the client's, or its iterations are outside
  // [1, kMaxScramIterations] (a hostile server cannot make the client spin).
  absl::Status ReadServerFirst(absl::string_view server_first);
  // After ReadServerFirst: the salt and iterations it gave.
  const std::string& salt() const { return salt_; }
  int iterations() const { return iterations_; }

  // After ReadServerFirst: client-final with the proof of `password`
  // (Hi() of `iterations()` HMACs), or of a salted password computed before.
  std::string ClientFinal(absl::string_view password);
  std::string ClientFinalFromSaltedPassword(absl::string_view salted_password);

  // After ClientFinal: OK if `server_final` is "v=" with the right signature;
  // Unauthenticated naming the server's "e=" error, or a wrong signature.
  absl::Status CheckServerFinal(absl::string_view server_final) const;

 private:
  ScramMechanism mechanism_;
  std::string user_;
  std::string client_nonce_;
  std::string server_first_;
  std::string nonce_;
  std::string salt_;
  int iterations_ = 0;
  std::string expected_server_signature_;
};

}  // namespace warp::sasl

#endif  // WARP_LIB_SECURITY_SASL_SCRAM_CLIENT_H_
