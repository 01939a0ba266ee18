// A blocking Kafka client connection for admin tools (warpctl): TCP or TLS,
// SASL PLAIN or SCRAM, ApiVersions, and one request at a time encoded and
// decoded with warp's own protocol codec.
//
// Thread-safety: one thread at a time.
#ifndef WARP_TOOLS_WARPCTL_CONNECTION_H_
#define WARP_TOOLS_WARPCTL_CONNECTION_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/protocol/messages/dispatch.h"

namespace warp::warpctl {

struct ConnectionOptions {
  std::string bootstrap;  // HOST:PORT
  // PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL.
  std::string security_protocol = "PLAINTEXT";
  // TLS: CAs to trust (empty: the system's), and a client certificate and
  // key for mTLS (both or neither).
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  // SASL: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.
  std::string sasl_mechanism = "SCRAM-SHA-512";
  std::string sasl_username;
  std::string sasl_password;
  std::string client_id = "warpctl";
  // For connecting, and for each request's answer.
  absl::Duration timeout = absl::Seconds(30);
};

class Connection {
 public:
  // Connects, does the TLS handshake and SASL login the options ask for, and
  // asks ApiVersions. Errors name the step: Unavailable (cannot connect),
  // Unauthenticated (TLS verification, the login), InvalidArgument (options).
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const ConnectionOptions& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // The highest version of `api_key` both warpctl's codec and the server
  // serve, or -1 if none.
  int16_t Version(int16_t api_key) const;

  // Sends `request` at Version(its key) (at most `max_version`) and returns
  // the response. Unimplemented when the server does not serve it.
  absl::StatusOr<kafka::Response> Call(const kafka::Request& request,
                                       int16_t max_version = INT16_MAX);

 private:
  struct Transport;
  explicit Connection(std::unique_ptr<Transport> transport, ConnectionOptions options);
  absl::StatusOr<kafka::Response> CallAt(const kafka::Request& request, int16_t version);
  absl::Status Login();

  std::unique_ptr<Transport> transport_;
  const ConnectionOptions options_;
  int32_t next_correlation_id_ = 1;
  absl::flat_hash_map<int16_t, int16_t> versions_;
};

}  // namespace warp::warpctl

#endif  // WARP_TOOLS_WARPCTL_CONNECTION_H_
