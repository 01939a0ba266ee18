// The server side of one SCRAM-SHA-256 / SCRAM-SHA-512 exchange (RFC 5802,
// RFC 7677), as a pure state machine: client messages in, server messages
// out, no I/O.
//
//   client-first  -> Step -> server-first  (r=<client+server nonce>,s=,i=)
//   client-final  -> Step -> server-final  (v=<ServerSignature>)  succeeded
//                         or an error      (failure_token() "e=...") failed
//
// An unknown user is not revealed: the server-first message carries a fake
// salt (HMAC of the user name under Options::unknown_user_secret, as long as
// a default salt) and Options::unknown_user_iterations, so it looks like a
// real user's,
// the same on every attempt, and the exchange fails at the proof exactly as
// a wrong password does (same status, same "e=invalid-proof").
//
// Message syntax is scram_messages.h's. Callers bound the size of client
// messages (SaslAuthenticator does, 64 KiB).
//
// Thread-safety: one exchange, one thread at a time (a connection's). The
// store is called from Step.
#ifndef WARP_LIB_SECURITY_SASL_SCRAM_H_
#define WARP_LIB_SECURITY_SASL_SCRAM_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/security/sasl/credential_store.h"
#include "lib/security/sasl/credentials.h"
#include "lib/security/sasl/mechanism.h"

namespace warp::sasl {

// The server's part of a SCRAM nonce: printable ASCII without ','.
using NonceSource = std::function<absl::StatusOr<std::string>()>;

// 24 CSPRNG bytes in base64 (32 characters).
absl::StatusOr<std::string> RandomServerNonce();

class ScramServer {
 public:
  struct Options {
    ScramMechanism mechanism = ScramMechanism::kSha256;
    // Where users are looked up. Not owned; must outlive the exchange.
    // Required.
    const CredentialStore* store = nullptr;
    // Key of unknown users' fake credentials. Must be secret and the same
    // for every exchange of the process (else a user's salt changing between
    // attempts would tell it is fake). Required non-empty.
    std::string unknown_user_secret;
    // Iterations shown for unknown users: set it to what real users have
    // (the static store's default is kMinScramIterations).
    int unknown_user_iterations = kMinScramIterations;
    // The server's nonce part; empty: RandomServerNonce. Tests inject fixed
    // nonces (RFC 7677's example).
    NonceSource server_nonce;
  };

  explicit ScramServer(Options options);
  ScramServer(const ScramServer&) = delete;
  ScramServer& operator=(const ScramServer&) = delete;

  // Takes the next client message and returns the server's answer: the
  // server-first message, then the server-final message. Every error ends
  // the exchange (failed() is true afterwards):
  //   InvalidArgument     a malformed or refused message (what is wrong is
  //                       said; never whether the user exists)
  //   Unauthenticated     a wrong proof, an unknown user or a nonce that is
  //                       not this exchange's (a replay)
  //   FailedPrecondition  a Step after the exchange ended, or bad Options
  //   Internal            the nonce source failed or a stored credential is
  //                       unusable
  absl::StatusOr<std::string> Step(absl::string_view client_message);

  // True once the client proved it knows the password (the last Step
  // returned the server-final message).
  bool succeeded() const { return state_ == State::kSucceeded; }
  // True once a Step failed.
  bool failed() const { return state_ == State::kFailed; }
  // The user named by the client-first message (unescaped); empty before.
  // Authenticated only if succeeded().
  const std::string& user() const { return user_; }
  // After a failed client-final message: RFC 5802's server-final error,
  // "e=invalid-proof" (also for unknown users), "e=invalid-encoding",
  // "e=channel-bindings-dont-match" or "e=other-error" (nonce mismatch);
  // empty otherwise. A server may send it in place of server-final.
  const std::string& failure_token() const { return failure_token_; }

 private:
  enum class State { kStart, kSentServerFirst, kSucceeded, kFailed };

  absl::StatusOr<std::string> OnClientFirst(absl::string_view message);
  absl::StatusOr<std::string> OnClientFinal(absl::string_view message);
  // Fails the exchange with `status`, and `error` as the "e=" token if set.
  absl::Status Fail(absl::Status status, absl::string_view error = "");

  Options options_;
  State state_ = State::kStart;
  std::string user_;
  bool user_known_ = false;
  ScramCredential credential_;
  std::string client_first_bare_;
  std::string server_first_;
  std::string nonce_;  // client's + server's
  std::string failure_token_;
};

}  // namespace warp::sasl

#endif  // WARP_LIB_SECURITY_SASL_SCRAM_H_
