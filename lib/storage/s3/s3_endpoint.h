// Where S3 requests go: the endpoint URL parsed once, and the URL and Host
// header of a request for a bucket and key in path-style or virtual-hosted
// addressing. Pure and thread-safe.
#ifndef WARP_LIB_STORAGE_S3_S3_ENDPOINT_H_
#define WARP_LIB_STORAGE_S3_S3_ENDPOINT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/storage/s3/sigv4.h"

namespace warp::s3 {

struct Endpoint {
  std::string scheme;     // "http" or "https"
  // host[:port], as sent in the Host header: a default port (":443" for
  // https, ":80" for http) is left out, as curl leaves it out.
  std::string authority;
  std::string base_path;  // "" or "/prefix" (no trailing slash)
};

// Parses an endpoint such as "http://127.0.0.1:4569" or
// "https://storage.example.com/base". Empty `endpoint` means AWS's regional
// endpoint https://s3.<region>.amazonaws.com.
absl::StatusOr<Endpoint> ParseEndpoint(absl::string_view endpoint,
                                       absl::string_view region);

// A request target: everything the signer and curl need besides method,
// headers and body.
struct RequestTarget {
  std::string host;  // Host header value
  std::string path;  // encoded path as sent (also what is signed)
  HttpParams query;  // decoded query parameters
  std::string url;   // scheme://host/path?query, encoded
};

// The target of `key` (may be empty for bucket-level requests) in `bucket`.
RequestTarget MakeTarget(const Endpoint& endpoint, absl::string_view bucket,
                         bool path_style, absl::string_view key,
                         HttpParams query);

}  // namespace warp::s3

#endif  // WARP_LIB_STORAGE_S3_S3_ENDPOINT_H_
