// SASL authentication of Kafka connections: one factory per server (the
// enabled mechanisms, the credential store, the unknown-user secret) and one
// SaslAuthenticator per connection that turns client tokens into server
// tokens and, at the end, a principal or a failure.
//
// Meant for SaslHandshake v0-1 and SaslAuthenticate v0-2:
//
//   SaslHandshake(mechanism):
//     auto auth = factory->NewAuthenticator(mechanism);
//     // !ok (Unimplemented): UNSUPPORTED_SASL_MECHANISM, with
//     // factory->mechanisms() as the answer's list.
//   SaslAuthenticate(auth_bytes):
//     absl::StatusOr<std::string> token = auth->Step(auth_bytes);
//     // ok: answer auth_bytes = *token; if auth->succeeded(), the
//     //     connection is authenticated as auth->principal().
//     // FailedPrecondition: ILLEGAL_SASL_STATE; anything else:
//     //     SASL_AUTHENTICATION_FAILED with token.status().message() (safe to
//     //     send: it never tells whether a user exists), then close.
//
// Thread-safety: the factory is immutable after Create and may be shared by
// all connections (Options::server_nonce must then be thread-safe). A
// SaslAuthenticator is used by one thread at a time.
#ifndef WARP_LIB_SECURITY_SASL_AUTHENTICATOR_H_
#define WARP_LIB_SECURITY_SASL_AUTHENTICATOR_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/security/sasl/credential_store.h"
#include "lib/security/sasl/credentials.h"
#include "lib/security/sasl/mechanism.h"
#include "lib/security/sasl/scram.h"

namespace warp::sasl {

// Longest client token accepted by Step (longer ones fail the exchange).
inline constexpr size_t kMaxSaslTokenBytes = 64 * 1024;

// The exchange of one connection. Made by SaslAuthenticatorFactory.
class SaslAuthenticator {
 public:
  SaslAuthenticator(const SaslAuthenticator&) = delete;
  SaslAuthenticator& operator=(const SaslAuthenticator&) = delete;
  ~SaslAuthenticator();

  // The mechanism's name, as negotiated ("PLAIN", "SCRAM-SHA-256", ...).
  const std::string& mechanism() const { return mechanism_; }

  // Takes the next client token and returns the server token to send back
  // (empty for PLAIN's success). Errors end the exchange (failed() after):
  //   InvalidArgument     malformed, over kMaxSaslTokenBytes, or asking for
  //                       something refused (channel binding, extensions)
  //   Unauthenticated     wrong credentials (unknown users look the same)
  //   FailedPrecondition  a Step after the exchange ended
  //   Internal            the CSPRNG or a stored credential failed
  absl::StatusOr<std::string> Step(absl::string_view client_token);

  // True once authenticated; principal() is then set.
  bool succeeded() const { return state_ == State::kSucceeded; }
  // True once a Step failed.
  bool failed() const { return state_ == State::kFailed; }

  // "User:<name>" (Kafka's KafkaPrincipal string) once succeeded(); empty
  // before.
  const std::string& principal() const { return principal_; }
  // The authenticated user name once succeeded(); empty before.
  const std::string& user() const { return user_; }
  // After a failure, what the mechanism defines to tell the client (SCRAM's
  // "e=invalid-proof" ...; see ScramServer::failure_token), else empty.
  const std::string& failure_token() const;

 private:
  friend class SaslAuthenticatorFactory;
  enum class State { kInProgress, kSucceeded, kFailed };

  SaslAuthenticator(std::string mechanism, const CredentialStore* store,
                    std::unique_ptr<ScramServer> scram);
  absl::StatusOr<std::string> StepMechanism(absl::string_view client_token);

  const std::string mechanism_;
  const CredentialStore* const store_;
  const std::unique_ptr<ScramServer> scram_;  // null for PLAIN
  State state_ = State::kInProgress;
  std::string user_;
  std::string principal_;
};

class SaslAuthenticatorFactory {
 public:
  struct Options {
    // The users. Not owned; must outlive the factory and every
    // authenticator it makes. Required.
    const CredentialStore* store = nullptr;
    // Mechanisms offered, in the order SaslHandshake lists them; each one of
    // kPlain, kScramSha256, kScramSha512, no repeats, at least one.
    std::vector<std::string> mechanisms = {std::string(kScramSha512),
                                           std::string(kScramSha256),
                                           std::string(kPlain)};
    // Key of the fake SCRAM credentials of unknown users (see scram.h).
    // Empty: 32 CSPRNG bytes drawn by Create, i.e. one per process. Set it
    // (secret) only to keep fakes stable across restarts, or in tests.
    std::string unknown_user_secret;
    // Iterations the fakes show; match the store's real users.
    int unknown_user_iterations = kMinScramIterations;
    // The server's part of SCRAM nonces; empty: RandomServerNonce (scram.h).
    // Tests inject fixed nonces. Called from any connection's thread.
    NonceSource server_nonce;
  };

  // InvalidArgument for a missing store or a bad mechanism list; Internal if
  // the CSPRNG fails.
  static absl::StatusOr<std::unique_ptr<SaslAuthenticatorFactory>> Create(
      Options options);
  SaslAuthenticatorFactory(const SaslAuthenticatorFactory&) = delete;
  SaslAuthenticatorFactory& operator=(const SaslAuthenticatorFactory&) = delete;

  // The enabled mechanisms (SaslHandshake's answer).
  const std::vector<std::string>& mechanisms() const {
    return options_.mechanisms;
  }

  // A fresh exchange for `mechanism` (exact name). Unimplemented, listing the
  // enabled ones, if it is not enabled.
  absl::StatusOr<std::unique_ptr<SaslAuthenticator>> NewAuthenticator(
      absl::string_view mechanism) const;

 private:
  explicit SaslAuthenticatorFactory(Options options)
      : options_(std::move(options)) {}

  Options options_;
};

}  // namespace warp::sasl

#endif  // WARP_LIB_SECURITY_SASL_AUTHENTICATOR_H_
