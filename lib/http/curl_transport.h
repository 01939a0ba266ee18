// HttpTransport over libcurl: a pool of easy handles (each keeps its
// connections alive between requests; a handle is reset before it returns to
// the pool, so it keeps no pointer into a finished request), TLS through
// OpenSSL with peer and host verification, connect / total / low-speed
// timeouts (the total one grown for large responses, see
// HttpRequest::timeout_per_8mib_of_response), bounded response size (error
// bodies cut at kMaxErrorBodyBytes), and request bodies that curl can rewind
// to resend a request on a fresh connection.
//
// Thread-safety: thread-safe. A request borrows a handle for its duration.
#ifndef WARP_LIB_HTTP_CURL_TRANSPORT_H_
#define WARP_LIB_HTTP_CURL_TRANSPORT_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "lib/http/http_transport.h"

namespace warp::http {

struct CurlTransportOptions {
  absl::Duration connect_timeout = absl::Seconds(5);
  int64_t low_speed_bytes = 1024;
  absl::Duration low_speed_time = absl::Seconds(10);
  std::string ca_file;  // empty: the system CA store
  // A client certificate (PEM) and its key, for servers that ask for one
  // (etcd's --client-cert-auth); both or neither.
  std::string cert_file;
  std::string key_file;
  int max_idle_handles = 64;
  // Largest 2xx response body accepted (ResourceExhausted beyond it).
  uint64_t max_response_bytes = uint64_t{1} << 30;
};

std::unique_ptr<HttpTransport> NewCurlTransport(
    const CurlTransportOptions& options);

}  // namespace warp::http

#endif  // WARP_LIB_HTTP_CURL_TRANSPORT_H_
