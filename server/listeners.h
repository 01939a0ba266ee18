// warpd's Kafka listeners as Kafka configures them: `--listeners=
// NAME://HOST:PORT,...` where NAME is a security protocol (PLAINTEXT, SSL,
// SASL_PLAINTEXT, SASL_SSL) or a name mapped to one by
// `--listener_security_protocol_map=INTERNAL:SSL,EXTERNAL:SASL_SSL`, and
// `--advertised_listeners=` in the same form (by default the listeners).
// Pure parsing; no sockets.
#ifndef WARP_SERVER_LISTENERS_H_
#define WARP_SERVER_LISTENERS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace warp::server {

enum class SecurityProtocol { kPlaintext, kSsl, kSaslPlaintext, kSaslSsl };

// "PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL".
absl::string_view SecurityProtocolName(SecurityProtocol protocol);
bool UsesTls(SecurityProtocol protocol);
bool UsesSasl(SecurityProtocol protocol);

struct Listener {
  std::string name;  // upper case, as Kafka compares them
  SecurityProtocol protocol = SecurityProtocol::kPlaintext;
  std::string host;  // empty: every interface
  int port = 0;
  std::string advertised_host;  // what clients of this listener are given
  int advertised_port = 0;
};

// Parses the three flags. `advertised` empty: each listener advertises its
// own address (an empty or 0.0.0.0 host is then refused: clients could not
// reach it). Errors name the flag and the entry: unknown protocol, a name
// twice, a port twice, an advertised listener that is not a listener.
absl::StatusOr<std::vector<Listener>> ParseListeners(absl::string_view listeners,
                                                     absl::string_view protocol_map,
                                                     absl::string_view advertised);

// Whether `host` is a loopback address or name ("127.0.0.1", "::1",
// "localhost"): a listener only this machine reaches.
bool IsLoopbackHost(absl::string_view host);

}  // namespace warp::server

#endif  // WARP_SERVER_LISTENERS_H_
