#include "lib/security/sasl/scram_client.h"

#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/security/sasl/credentials.h"
#include "lib/security/sasl/crypto.h"
#include "lib/security/sasl/scram_messages.h"

namespace warp::sasl {

ScramClient::ScramClient(ScramMechanism mechanism, std::string user,
                         std::string client_nonce)
    : mechanism_(mechanism),
      user_(std::move(user)),
      client_nonce_(std::move(client_nonce)) {}

std::string ScramClient::ClientFirst() const {
  return absl::StrCat(kGs2Header, "n=", EscapeSaslName(user_),
                      ",r=", client_nonce_);
}

absl::Status ScramClient::ReadServerFirst(absl::string_view server_first) {
  const std::vector<absl::string_view> parts =
      absl::StrSplit(server_first, ',');
  if (parts.size() < 3 || !absl::StartsWith(parts[0], "r=") ||
      !absl::StartsWith(parts[1], "s=") || !absl::StartsWith(parts[2], "i=")) {
    return absl::InvalidArgumentError("server-first is not r=,s=,i=");
  }
  nonce_ = std::string(parts[0].substr(2));
  if (!absl::StartsWith(nonce_, client_nonce_) ||
      nonce_.size() == client_nonce_.size()) {
    return absl::InvalidArgumentError("server nonce does not extend ours");
  }
  if (!absl::Base64Unescape(parts[1].substr(2), &salt_) ||
      !absl::SimpleAtoi(parts[2].substr(2), &iterations_) || iterations_ < 1 ||
      iterations_ > kMaxScramIterations) {
    return absl::InvalidArgumentError("bad salt or iterations");
  }
  server_first_ = std::string(server_first);
  return absl::OkStatus();
}

std::string ScramClient::ClientFinal(absl::string_view password) {
  return ClientFinalFromSaltedPassword(
      Pbkdf2(HashOf(mechanism_), password, salt_, iterations_));
}

std::string ScramClient::ClientFinalFromSaltedPassword(
    absl::string_view salted_password) {
  const HashFunction hash = HashOf(mechanism_);
  const std::string without_proof =
      absl::StrCat("c=", absl::Base64Escape(kGs2Header), ",r=", nonce_);
  const std::string auth_message =
      absl::StrCat(ClientFirst().substr(kGs2Header.size()), ",", server_first_,
                   ",", without_proof);
  const std::string client_key = Hmac(hash, salted_password, "Client Key");
  const std::string client_signature =
      Hmac(hash, Digest(hash, client_key), auth_message);
  const std::string server_key = Hmac(hash, salted_password, "Server Key");
  expected_server_signature_ = Hmac(hash, server_key, auth_message);
  return absl::StrCat(
      without_proof,
      ",p=", absl::Base64Escape(XorBytes(client_key, client_signature)));
}

absl::Status ScramClient::CheckServerFinal(
    absl::string_view server_final) const {
  if (absl::StartsWith(server_final, "e=")) {
    return absl::UnauthenticatedError(
        absl::StrCat("the server refused the login: ", server_final.substr(2)));
  }
  if (server_final !=
      absl::StrCat("v=", absl::Base64Escape(expected_server_signature_))) {
    return absl::UnauthenticatedError("server signature does not match");
  }
  return absl::OkStatus();
}

}  // namespace warp::sasl
