// An HTTP client transport (under the S3 store and the etcd client): one blocking request at a time per
// calling thread, many threads at once. The interface lets tests put a fake
// or fault-injecting server under the S3 and etcd logic.
//
// Thread-safety: implementations are thread-safe.
#ifndef WARP_LIB_HTTP_HTTP_TRANSPORT_H_
#define WARP_LIB_HTTP_HTTP_TRANSPORT_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace warp::http {

struct HttpRequest {
  std::string method;  // "GET", "PUT", "HEAD", "DELETE", "POST"
  std::string url;     // full URL, already encoded
  std::vector<std::pair<std::string, std::string>> headers;
  absl::string_view body;  // not owned; must outlive Perform
  // The whole request must finish within this time.
  absl::Duration timeout = absl::Seconds(30);
};

struct HttpResponse {
  int status = 0;
  // Header names lowercased.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The value of header `name` (lowercase), or empty.
  absl::string_view Header(absl::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k == name) return v;
    }
    return {};
  }
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;

  // Sends `request` and returns the response, whatever its HTTP status.
  // Transport failures (cannot connect, timeout, reset, response too large)
  // are Unavailable or DeadlineExceeded with curl's reason in the message.
  virtual absl::StatusOr<HttpResponse> Perform(const HttpRequest& request) = 0;
};

}  // namespace warp::http

#endif  // WARP_LIB_HTTP_HTTP_TRANSPORT_H_
