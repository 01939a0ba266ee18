#include "lib/security/sasl/scram_messages.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/types/span.h"
#include "lib/base/status_macros.h"
#include "lib/base/utf8.h"
#include "lib/security/sasl/base64.h"

namespace warp::sasl {
namespace {

absl::Status Malformed(absl::string_view message, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("SCRAM ", message, " message: ", why));
}

absl::Status CheckText(absl::string_view message, absl::string_view text) {
  if (text.find('\0') != absl::string_view::npos) {
    return Malformed(message, "contains a NUL byte");
  }
  if (!IsValidUtf8(text)) return Malformed(message, "is not valid UTF-8");
  return absl::OkStatus();
}

// The value of `attribute` if it is "<key>=<value>", else nullopt.
std::optional<absl::string_view> ValueOf(absl::string_view attribute,
                                         char key) {
  if (attribute.size() < 2 || attribute[0] != key || attribute[1] != '=') {
    return std::nullopt;
  }
  return attribute.substr(2);
}

// The extensions after the nonce: `name=value` each, ignored unless they ask
// for what warp refuses.
absl::Status CheckExtensions(absl::string_view message,
                             absl::Span<const absl::string_view> attributes) {
  for (absl::string_view attribute : attributes) {
    const size_t equals = attribute.find('=');
    if (equals == 0 || equals == absl::string_view::npos ||
        equals + 1 == attribute.size()) {
      return Malformed(message, "an attribute is not name=value");
    }
    const absl::string_view name = attribute.substr(0, equals);
    for (char c : name) {
      if (!absl::ascii_isalpha(static_cast<unsigned char>(c))) {
        return Malformed(message, "an attribute name is not letters");
      }
    }
    if (name == "m") {
      return Malformed(message, "mandatory extensions (m=) are not supported");
    }
    if (name == "tokenauth" &&
        absl::EqualsIgnoreCase(attribute.substr(equals + 1), "true")) {
      return Malformed(message,
                       "delegation-token authentication (tokenauth=true) is "
                       "not supported");
    }
  }
  return absl::OkStatus();
}

}  // namespace

bool IsValidNonce(absl::string_view nonce) {
  if (nonce.empty()) return false;
  for (char c : nonce) {
    if (c < 0x21 || c > 0x7e || c == ',') return false;
  }
  return true;
}

std::string EscapeSaslName(absl::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name) {
    if (c == ',') {
      out += "=2C";
    } else if (c == '=') {
      out += "=3D";
    } else {
      out += c;
    }
  }
  return out;
}

absl::StatusOr<std::string> UnescapeSaslName(absl::string_view saslname) {
  std::string out;
  out.reserve(saslname.size());
  for (size_t i = 0; i < saslname.size(); ++i) {
    const char c = saslname[i];
    if (c == ',' || c == '\0') {
      return absl::InvalidArgumentError("saslname contains ',' or NUL");
    }
    if (c != '=') {
      out += c;
      continue;
    }
    const absl::string_view escape = saslname.substr(i, 3);
    if (escape == "=2C") {
      out += ',';
    } else if (escape == "=3D") {
      out += '=';
    } else {
      return absl::InvalidArgumentError(
          "saslname has an '=' that is not =2C or =3D");
    }
    i += 2;
  }
  return out;
}

absl::StatusOr<ClientFirstMessage> ParseClientFirst(absl::string_view message) {
  constexpr absl::string_view kWhat = "client-first";
  RETURN_IF_ERROR(CheckText(kWhat, message));
  if (absl::StartsWith(message, "p=")) {
    return Malformed(kWhat, "channel binding (p=) is not supported");
  }
  if (absl::StartsWith(message, "y,")) {
    return Malformed(kWhat,
                     "gs2 flag 'y' refused: warp offers no channel binding; "
                     "send \"n,,\"");
  }
  if (absl::StartsWith(message, "n,a=")) {
    return Malformed(kWhat,
                     "an authorization identity (a=) is not supported; send "
                     "\"n,,\"");
  }
  if (!absl::ConsumePrefix(&message, kGs2Header)) {
    return Malformed(kWhat, "gs2 header is not \"n,,\"");
  }
  ClientFirstMessage parsed;
  parsed.bare = std::string(message);
  const std::vector<absl::string_view> attributes =
      absl::StrSplit(message, ',');
  if (ValueOf(attributes[0], 'm')) {
    return Malformed(kWhat, "mandatory extensions (m=) are not supported");
  }
  std::optional<absl::string_view> user = ValueOf(attributes[0], 'n');
  if (!user) return Malformed(kWhat, "does not start with the user (n=)");
  if (user->empty()) return Malformed(kWhat, "empty user name");
  absl::StatusOr<std::string> name = UnescapeSaslName(*user);
  if (!name.ok()) return Malformed(kWhat, name.status().message());
  parsed.user = *std::move(name);
  std::optional<absl::string_view> nonce;
  if (attributes.size() >= 2) nonce = ValueOf(attributes[1], 'r');
  if (!nonce) return Malformed(kWhat, "no nonce (r=) after the user");
  if (!IsValidNonce(*nonce)) {
    return Malformed(kWhat, "nonce is empty or not printable ASCII");
  }
  parsed.nonce = std::string(*nonce);
  RETURN_IF_ERROR(
      CheckExtensions(kWhat, absl::MakeConstSpan(attributes).subspan(2)));
  return parsed;
}

absl::StatusOr<ClientFinalMessage> ParseClientFinal(absl::string_view message) {
  constexpr absl::string_view kWhat = "client-final";
  RETURN_IF_ERROR(CheckText(kWhat, message));
  const std::vector<absl::string_view> attributes =
      absl::StrSplit(message, ',');
  ClientFinalMessage parsed;
  std::optional<absl::string_view> binding = ValueOf(attributes[0], 'c');
  if (!binding) {
    return Malformed(kWhat, "does not start with the channel binding (c=)");
  }
  parsed.channel_binding = std::string(*binding);
  std::optional<absl::string_view> nonce;
  if (attributes.size() >= 2) nonce = ValueOf(attributes[1], 'r');
  if (!nonce || !IsValidNonce(*nonce)) {
    return Malformed(kWhat, "no valid nonce (r=) after the channel binding");
  }
  parsed.nonce = std::string(*nonce);
  std::optional<absl::string_view> proof;
  if (attributes.size() >= 3) proof = ValueOf(attributes.back(), 'p');
  if (!proof) return Malformed(kWhat, "does not end with the proof (p=)");
  std::optional<std::string> proof_bytes = DecodeBase64Strict(*proof);
  if (!proof_bytes || proof_bytes->empty()) {
    return Malformed(kWhat, "the proof is not canonical base64");
  }
  parsed.proof = *std::move(proof_bytes);
  RETURN_IF_ERROR(CheckExtensions(
      kWhat,
      absl::MakeConstSpan(attributes).subspan(2, attributes.size() - 3)));
  parsed.without_proof =
      std::string(message.substr(0, message.size() - proof->size() - 3));
  return parsed;
}

std::string FormatServerFirst(absl::string_view nonce, absl::string_view salt,
                              int iterations) {
  return absl::StrCat("r=", nonce, ",s=", absl::Base64Escape(salt),
                      ",i=", iterations);
}

std::string FormatServerFinal(absl::string_view server_signature) {
  return absl::StrCat("v=", absl::Base64Escape(server_signature));
}

std::string FormatServerError(absl::string_view error) {
  return absl::StrCat("e=", error);
}

}  // namespace warp::sasl
