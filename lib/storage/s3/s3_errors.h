// Mapping S3 answers to absl::Status, in one place, and deciding what is worth
// retrying. Pure and thread-safe.
#ifndef WARP_LIB_STORAGE_S3_S3_ERRORS_H_
#define WARP_LIB_STORAGE_S3_S3_ERRORS_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "lib/http/http_transport.h"

namespace warp::s3 {

// The Status payload URL under which the S3 error code (e.g. "NoSuchKey",
// "SlowDown") is attached to statuses made from S3 error responses.
inline constexpr absl::string_view kS3ErrorCodePayload = "warp.s3/error_code";

// The S3 error code carried by `status`, if any.
std::optional<std::string> S3ErrorCodeOf(const absl::Status& status);

// The Status code for an S3 error: `s3_code` (e.g. "NoSuchKey",
// "AccessDenied"; may be empty) decides when it is known, else `http_status`
// (0 when there is none, as for the per-key errors of a DeleteObjects
// result). 5xx, 429, SlowDown and the like are Unavailable (retryable); 501
// and NotImplemented are Unimplemented (not retried).
absl::StatusCode StatusCodeForS3Error(int http_status,
                                      absl::string_view s3_code);

// Turns a non-2xx response into a Status whose code follows the ObjectStore
// contract and whose message names the operation, the S3 error code and
// message, and the request id. A body that is not a valid S3 error document
// (garbage, truncated, HTML from a proxy) still gives a clear Status built
// from the HTTP status.
absl::Status StatusFromResponse(absl::string_view operation,
                                const http::HttpResponse& response);

// Whether an attempt that ended with `status` (a transport error or a status
// from StatusFromResponse) should be retried: 5xx, 429, SlowDown,
// RequestTimeout, connection errors and timeouts.
bool IsRetryable(const absl::Status& status);

// The wait before a retry that `response` asks for in its Retry-After header
// (RFC 9110 section 10.2.3: delay-seconds, or an HTTP-date taken relative to
// `now`, in any of its three formats), on a 429, 500 or 503 answer; nullopt
// for any other status and for a missing or unreadable header. A date already
// past gives zero. Not bounded: the caller caps it.
std::optional<absl::Duration> RetryAfter(const http::HttpResponse& response,
                                         absl::Time now);

}  // namespace warp::s3

#endif  // WARP_LIB_STORAGE_S3_S3_ERRORS_H_
