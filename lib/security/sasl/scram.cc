#include "lib/security/sasl/scram.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "lib/security/sasl/crypto.h"
#include "lib/security/sasl/scram_messages.h"

namespace warp::sasl {
namespace {

constexpr size_t kServerNonceBytes = 24;

// Both wrong passwords and unknown users fail with this, word for word.
constexpr absl::string_view kInvalidCredentials =
    "SCRAM authentication failed: invalid credentials";

// The credential shown for `user` when the store has none: derived from the
// user name under `secret`, so each attempt shows the same salt, and no
// password can match it (the exchange also refuses it at the proof).
ScramCredential FakeCredential(ScramMechanism mechanism, absl::string_view user,
                               absl::string_view secret, int iterations) {
  const HashFunction hash = HashOf(mechanism);
  auto derive = [&](absl::string_view purpose) {
    return Hmac(
        hash, secret,
        absl::StrCat(purpose, "\n", ScramMechanismName(mechanism), "\n", user));
  };
  ScramCredential fake;
  fake.mechanism = mechanism;
  fake.salt = derive("salt").substr(0, kDefaultSaltBytes);
  fake.iterations = iterations;
  fake.stored_key = derive("stored_key");
  fake.server_key = derive("server_key");
  return fake;
}

bool Usable(const ScramCredential& credential, ScramMechanism mechanism) {
  const size_t digest = DigestSize(HashOf(mechanism));
  return credential.mechanism == mechanism && !credential.salt.empty() &&
         credential.iterations >= 1 && credential.stored_key.size() == digest &&
         credential.server_key.size() == digest;
}

}  // namespace

absl::StatusOr<std::string> RandomServerNonce() {
  ASSIGN_OR_RETURN(const std::string bytes,
                   SecureRandomBytes(kServerNonceBytes));
  return absl::Base64Escape(bytes);
}

ScramServer::ScramServer(Options options) : options_(std::move(options)) {}

absl::Status ScramServer::Fail(absl::Status status, absl::string_view error) {
  state_ = State::kFailed;
  if (!error.empty()) failure_token_ = FormatServerError(error);
  return status;
}

absl::StatusOr<std::string> ScramServer::Step(
    absl::string_view client_message) {
  switch (state_) {
    case State::kStart:
      return OnClientFirst(client_message);
    case State::kSentServerFirst:
      return OnClientFinal(client_message);
    case State::kSucceeded:
    case State::kFailed:
      break;
  }
  return absl::FailedPreconditionError("SCRAM exchange already ended");
}

absl::StatusOr<std::string> ScramServer::OnClientFirst(
    absl::string_view message) {
  if (options_.store == nullptr || options_.unknown_user_secret.empty()) {
    return Fail(absl::FailedPreconditionError(
        "ScramServer needs a store and an unknown-user secret"));
  }
  absl::StatusOr<ClientFirstMessage> first = ParseClientFirst(message);
  if (!first.ok()) return Fail(first.status());
  absl::StatusOr<std::string> server_nonce =
      options_.server_nonce ? options_.server_nonce() : RandomServerNonce();
  if (!server_nonce.ok()) return Fail(server_nonce.status());
  if (!IsValidNonce(*server_nonce)) {
    return Fail(absl::InternalError("server nonce is not printable"));
  }
  user_ = std::move(first->user);
  std::optional<ScramCredential> found =
      options_.store->FindScram(options_.mechanism, user_);
  user_known_ = found.has_value();
  if (user_known_ && !Usable(*found, options_.mechanism)) {
    return Fail(absl::InternalError(
        absl::StrCat("stored ", ScramMechanismName(options_.mechanism),
                     " credential is unusable")));
  }
  credential_ = user_known_ ? *std::move(found)
                            : FakeCredential(options_.mechanism, user_,
                                             options_.unknown_user_secret,
                                             options_.unknown_user_iterations);
  client_first_bare_ = std::move(first->bare);
  nonce_ = absl::StrCat(first->nonce, *server_nonce);
  server_first_ =
      FormatServerFirst(nonce_, credential_.salt, credential_.iterations);
  state_ = State::kSentServerFirst;
  return server_first_;
}

absl::StatusOr<std::string> ScramServer::OnClientFinal(
    absl::string_view message) {
  absl::StatusOr<ClientFinalMessage> final_message = ParseClientFinal(message);
  if (!final_message.ok()) {
    return Fail(final_message.status(), "invalid-encoding");
  }
  if (final_message->channel_binding != kGs2HeaderBase64) {
    return Fail(absl::InvalidArgumentError(
                    "SCRAM client-final message: channel binding (c=) is not "
                    "\"biws\" (the gs2 header \"n,,\")"),
                "channel-bindings-dont-match");
  }
  // The nonce must end with this exchange's (client + server parts), as
  // Kafka's ScramSaslServer checks it: librdkafka (2.0.2 at least) sends
  // its client nonce once more in front. The proof covers what was sent.
  if (!absl::EndsWith(final_message->nonce, nonce_)) {
    return Fail(absl::UnauthenticatedError(
                    "SCRAM client-final message: the nonce is not this "
                    "exchange's"),
                "other-error");
  }
  const HashFunction hash = HashOf(options_.mechanism);
  const std::string auth_message =
      absl::StrCat(client_first_bare_, ",", server_first_, ",",
                   final_message->without_proof);
  const std::string client_signature =
      Hmac(hash, credential_.stored_key, auth_message);
  // A proof of the wrong size is checked against a zero one, so that the
  // work done does not depend on it.
  const std::string& proof = final_message->proof;
  const bool proof_sized = proof.size() == client_signature.size();
  const std::string client_key =
      XorBytes(proof_sized ? proof : std::string(client_signature.size(), '\0'),
               client_signature);
  const bool proven =
      ConstantTimeEquals(Digest(hash, client_key), credential_.stored_key);
  if (!(proven && proof_sized && user_known_)) {
    return Fail(absl::UnauthenticatedError(kInvalidCredentials),
                "invalid-proof");
  }
  state_ = State::kSucceeded;
  return FormatServerFinal(Hmac(hash, credential_.server_key, auth_message));
}

}  // namespace warp::sasl
