#include "lib/security/sasl/authenticator.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/base/status_macros.h"
#include "lib/security/sasl/crypto.h"
#include "lib/security/sasl/plain.h"

namespace warp::sasl {
namespace {

constexpr size_t kSecretBytes = 32;

bool IsKnownMechanism(absl::string_view name) {
  return name == kPlain || ScramMechanismFromName(name).has_value();
}

}  // namespace

SaslAuthenticator::SaslAuthenticator(std::string mechanism,
                                     const CredentialStore* store,
                                     std::unique_ptr<ScramServer> scram)
    : mechanism_(std::move(mechanism)),
      store_(store),
      scram_(std::move(scram)) {}

SaslAuthenticator::~SaslAuthenticator() = default;

const std::string& SaslAuthenticator::failure_token() const {
  static const std::string* const kNone = new std::string;
  return scram_ != nullptr ? scram_->failure_token() : *kNone;
}

absl::StatusOr<std::string> SaslAuthenticator::Step(
    absl::string_view client_token) {
  if (state_ != State::kInProgress) {
    return absl::FailedPreconditionError(
        absl::StrCat(mechanism_, " exchange already ended"));
  }
  absl::StatusOr<std::string> server_token =
      client_token.size() > kMaxSaslTokenBytes
          ? absl::InvalidArgumentError(
                absl::StrCat("SASL token of ", client_token.size(),
                             " bytes; at most ", kMaxSaslTokenBytes))
          : StepMechanism(client_token);
  if (!server_token.ok()) {
    state_ = State::kFailed;
  } else if (!user_.empty()) {
    state_ = State::kSucceeded;
    principal_ = absl::StrCat("User:", user_);
  }
  return server_token;
}

absl::StatusOr<std::string> SaslAuthenticator::StepMechanism(
    absl::string_view client_token) {
  if (scram_ == nullptr) {
    ASSIGN_OR_RETURN(user_, AuthenticatePlain(client_token, *store_));
    return std::string();
  }
  ASSIGN_OR_RETURN(std::string server_token, scram_->Step(client_token));
  if (scram_->succeeded()) user_ = scram_->user();
  return server_token;
}

absl::StatusOr<std::unique_ptr<SaslAuthenticatorFactory>>
SaslAuthenticatorFactory::Create(Options options) {
  if (options.store == nullptr) {
    return absl::InvalidArgumentError("SASL needs a credential store");
  }
  if (options.mechanisms.empty()) {
    return absl::InvalidArgumentError("SASL needs at least one mechanism");
  }
  for (size_t i = 0; i < options.mechanisms.size(); ++i) {
    const std::string& name = options.mechanisms[i];
    if (!IsKnownMechanism(name)) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown SASL mechanism \"", name, "\"; known: ", kPlain,
                       ", ", kScramSha256, ", ", kScramSha512));
    }
    if (std::find(options.mechanisms.begin(), options.mechanisms.begin() + i,
                  name) != options.mechanisms.begin() + i) {
      return absl::InvalidArgumentError(
          absl::StrCat("SASL mechanism ", name, " listed twice"));
    }
  }
  if (options.unknown_user_secret.empty()) {
    ASSIGN_OR_RETURN(options.unknown_user_secret,
                     SecureRandomBytes(kSecretBytes));
  }
  return std::unique_ptr<SaslAuthenticatorFactory>(
      new SaslAuthenticatorFactory(std::move(options)));
}

absl::StatusOr<std::unique_ptr<SaslAuthenticator>>
SaslAuthenticatorFactory::NewAuthenticator(absl::string_view mechanism) const {
  const auto& enabled = options_.mechanisms;
  if (std::find(enabled.begin(), enabled.end(), mechanism) == enabled.end()) {
    return absl::UnimplementedError(
        absl::StrCat("unsupported SASL mechanism \"",
                     absl::CHexEscape(mechanism.substr(0, 64)),
                     "\"; enabled: ", absl::StrJoin(enabled, ", ")));
  }
  std::unique_ptr<ScramServer> scram;
  if (std::optional<ScramMechanism> scram_mechanism =
          ScramMechanismFromName(mechanism)) {
    ScramServer::Options scram_options;
    scram_options.mechanism = *scram_mechanism;
    scram_options.store = options_.store;
    scram_options.unknown_user_secret = options_.unknown_user_secret;
    scram_options.unknown_user_iterations = options_.unknown_user_iterations;
    scram_options.server_nonce = options_.server_nonce;
    scram = std::make_unique<ScramServer>(std::move(scram_options));
  }
  return std::unique_ptr<SaslAuthenticator>(new SaslAuthenticator(
      std::string(mechanism), options_.store, std::move(scram)));
}

}  // namespace warp::sasl
