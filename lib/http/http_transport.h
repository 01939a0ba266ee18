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
  // The whole request must finish within this time...
  absl::Duration timeout = absl::Seconds(30);
  // ...unless this is positive and the response is large: once the response
  // headers give its Content-Length, the request may take up to this much
  // per 8 MiB of response body, when that is more than `timeout`. (For
  // responses whose size the caller cannot know in advance, such as a whole
  // object.) The time to the response headers is always bounded by
  // `timeout`.
  absl::Duration timeout_per_8mib_of_response = absl::ZeroDuration();
};

// Transports keep at most this much of the body of a response whose status
// is not 2xx (an error document is small; a hostile or broken server must
// not make the client hold a huge one). The rest is read and dropped.
inline constexpr size_t kMaxErrorBodyBytes = 64 * 1024;

struct HttpResponse {
  int status = 0;
  // Header names lowercased.
  std::vector<std::pair<std::string, std::string>> headers;
  // The body; for a non-2xx status, at most its first kMaxErrorBodyBytes.
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
