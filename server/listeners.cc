#include "server/listeners.h"

#include <map>
#include <optional>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace warp::server {
namespace {

std::optional<SecurityProtocol> ProtocolNamed(absl::string_view name) {
  if (name == "PLAINTEXT") return SecurityProtocol::kPlaintext;
  if (name == "SSL") return SecurityProtocol::kSsl;
  if (name == "SASL_PLAINTEXT") return SecurityProtocol::kSaslPlaintext;
  if (name == "SASL_SSL") return SecurityProtocol::kSaslSsl;
  return std::nullopt;
}

struct Endpoint {
  std::string name;
  std::string host;
  int port = 0;
};

// "NAME://HOST:PORT" ("[::1]:9092" for IPv6; an empty host is every
// interface).
absl::StatusOr<Endpoint> ParseEndpoint(absl::string_view flag, absl::string_view entry) {
  entry = absl::StripAsciiWhitespace(entry);
  size_t sep = entry.find("://");
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": \"", entry, "\" ", why, " (expected NAME://HOST:PORT)"));
  };
  if (sep == absl::string_view::npos || sep == 0) return bad("has no listener name");
  Endpoint e;
  e.name = absl::AsciiStrToUpper(entry.substr(0, sep));
  absl::string_view address = entry.substr(sep + 3);
  size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos) return bad("has no port");
  absl::string_view host = address.substr(0, colon);
  if (absl::ConsumePrefix(&host, "[") && !absl::ConsumeSuffix(&host, "]")) {
    return bad("has an unclosed [");
  }
  e.host = std::string(host);
  if (!absl::SimpleAtoi(address.substr(colon + 1), &e.port) || e.port < 0 || e.port > 65535) {
    return bad("has no valid port");
  }
  return e;
}

absl::StatusOr<std::vector<Endpoint>> ParseEndpoints(absl::string_view flag,
                                                     absl::string_view list) {
  std::vector<Endpoint> out;
  std::set<std::string> names;
  for (absl::string_view entry : absl::StrSplit(list, ',', absl::SkipWhitespace())) {
    absl::StatusOr<Endpoint> e = ParseEndpoint(flag, entry);
    if (!e.ok()) return e.status();
    if (!names.insert(e->name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", flag, ": listener ", e->name, " is given twice"));
    }
    out.push_back(*std::move(e));
  }
  return out;
}

}  // namespace

absl::string_view SecurityProtocolName(SecurityProtocol protocol) {
  switch (protocol) {
    case SecurityProtocol::kPlaintext:
      return "PLAINTEXT";
    case SecurityProtocol::kSsl:
      return "SSL";
    case SecurityProtocol::kSaslPlaintext:
      return "SASL_PLAINTEXT";
    case SecurityProtocol::kSaslSsl:
      return "SASL_SSL";
  }
  return "PLAINTEXT";
}

bool UsesTls(SecurityProtocol protocol) {
  return protocol == SecurityProtocol::kSsl || protocol == SecurityProtocol::kSaslSsl;
}

bool UsesSasl(SecurityProtocol protocol) {
  return protocol == SecurityProtocol::kSaslPlaintext || protocol == SecurityProtocol::kSaslSsl;
}

bool IsLoopbackHost(absl::string_view host) {
  return host == "localhost" || host == "::1" || absl::StartsWith(host, "127.");
}

absl::StatusOr<std::vector<Listener>> ParseListeners(absl::string_view listeners,
                                                     absl::string_view protocol_map,
                                                     absl::string_view advertised) {
  std::map<std::string, SecurityProtocol> map;
  for (absl::string_view entry : absl::StrSplit(protocol_map, ',', absl::SkipWhitespace())) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(absl::StripAsciiWhitespace(entry), absl::MaxSplits(':', 1));
    std::string name = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(kv.first));
    std::optional<SecurityProtocol> protocol =
        ProtocolNamed(absl::AsciiStrToUpper(absl::StripAsciiWhitespace(kv.second)));
    if (name.empty() || !protocol.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--listener_security_protocol_map: \"", entry,
          "\" is not NAME:PROTOCOL with PROTOCOL one of PLAINTEXT, SSL, SASL_PLAINTEXT, "
          "SASL_SSL"));
    }
    map[name] = *protocol;
  }
  absl::StatusOr<std::vector<Endpoint>> bound = ParseEndpoints("listeners", listeners);
  if (!bound.ok()) return bound.status();
  if (bound->empty()) return absl::InvalidArgumentError("--listeners names no listener");
  absl::StatusOr<std::vector<Endpoint>> shown = ParseEndpoints("advertised_listeners", advertised);
  if (!shown.ok()) return shown.status();
  std::vector<Listener> out;
  std::set<int> ports;
  for (const Endpoint& e : *bound) {
    Listener& l = out.emplace_back();
    l.name = e.name;
    l.host = e.host;
    l.port = e.port;
    auto mapped = map.find(e.name);
    std::optional<SecurityProtocol> protocol =
        mapped != map.end() ? std::optional(mapped->second) : ProtocolNamed(e.name);
    if (!protocol.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--listeners: listener ", e.name,
          " is not a security protocol and --listener_security_protocol_map does not map it"));
    }
    l.protocol = *protocol;
    if (e.port != 0 && !ports.insert(e.port).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("--listeners: port ", e.port, " is given to two listeners"));
    }
    l.advertised_host = e.host;
    l.advertised_port = e.port;
  }
  for (const Endpoint& e : *shown) {
    auto it = std::find_if(out.begin(), out.end(), [&](const Listener& l) { return l.name == e.name; });
    if (it == out.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--advertised_listeners: ", e.name, " is not one of --listeners"));
    }
    it->advertised_host = e.host;
    it->advertised_port = e.port;
  }
  for (const Listener& l : out) {
    if (l.advertised_host.empty() || l.advertised_host == "0.0.0.0" || l.advertised_host == "::") {
      return absl::InvalidArgumentError(absl::StrCat(
          "listener ", l.name, " binds every interface: say in --advertised_listeners which "
          "address its clients reach it at"));
    }
  }
  return out;
}

}  // namespace warp::server
