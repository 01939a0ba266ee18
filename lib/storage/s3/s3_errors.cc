#include "lib/storage/s3/s3_errors.h"

#include <algorithm>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "lib/storage/s3/s3_xml.h"

namespace warp::s3 {

absl::StatusCode StatusCodeForS3Error(int http_status,
                                      absl::string_view s3_code) {
  // Specific S3 error codes first: they are more precise than HTTP statuses.
  if (s3_code == "NoSuchKey") return absl::StatusCode::kNotFound;
  if (s3_code == "NoSuchBucket") return absl::StatusCode::kFailedPrecondition;
  if (s3_code == "InvalidAccessKeyId" || s3_code == "SignatureDoesNotMatch" ||
      s3_code == "ExpiredToken" || s3_code == "InvalidToken" ||
      s3_code == "AuthorizationHeaderMalformed") {
    return absl::StatusCode::kUnauthenticated;
  }
  if (s3_code == "AccessDenied") return absl::StatusCode::kPermissionDenied;
  if (s3_code == "SlowDown" || s3_code == "RequestTimeout" ||
      s3_code == "InternalError" || s3_code == "ServiceUnavailable" ||
      s3_code == "ConditionalRequestConflict") {
    return absl::StatusCode::kUnavailable;
  }
  if (s3_code == "PreconditionFailed") return absl::StatusCode::kAlreadyExists;
  if (s3_code == "InvalidRange") return absl::StatusCode::kOutOfRange;
  if (s3_code == "NotImplemented") return absl::StatusCode::kUnimplemented;
  switch (http_status) {
    case 400:
      return absl::StatusCode::kInvalidArgument;
    case 401:
      return absl::StatusCode::kUnauthenticated;
    case 403:
      return absl::StatusCode::kPermissionDenied;
    case 404:
      return absl::StatusCode::kNotFound;
    case 409:
      return absl::StatusCode::kAborted;
    case 412:
      return absl::StatusCode::kAlreadyExists;
    case 416:
      return absl::StatusCode::kOutOfRange;
    case 408:
    case 429:
      return absl::StatusCode::kUnavailable;
    case 501:  // a feature the server lacks: retrying cannot help
      return absl::StatusCode::kUnimplemented;
    default:
      break;
  }
  if (http_status >= 500) return absl::StatusCode::kUnavailable;
  return absl::StatusCode::kUnknown;
}

std::optional<std::string> S3ErrorCodeOf(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kS3ErrorCodePayload);
  if (!payload.has_value()) return std::nullopt;
  return std::string(*payload);
}

absl::Status StatusFromResponse(absl::string_view operation,
                                const http::HttpResponse& response) {
  std::string s3_code;
  std::string detail;
  if (!response.body.empty()) {
    absl::StatusOr<S3ErrorInfo> info = ParseS3Error(response.body);
    if (info.ok()) {
      s3_code = info->code;
      detail = absl::StrCat(": ", info->code,
                            info->message.empty() ? "" : ": ", info->message);
      if (!info->request_id.empty()) {
        absl::StrAppend(&detail, " (request id ", info->request_id, ")");
      }
    } else {
      detail = absl::StrCat(": unreadable error body (", info.status().message(),
                            ")");
    }
  }
  absl::Status status(
      StatusCodeForS3Error(response.status, s3_code),
      absl::StrCat(operation, ": HTTP ", response.status, detail));
  if (!s3_code.empty()) {
    status.SetPayload(kS3ErrorCodePayload, absl::Cord(s3_code));
  }
  return status;
}

bool IsRetryable(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable ||
         status.code() == absl::StatusCode::kDeadlineExceeded;
}

std::optional<absl::Duration> RetryAfter(const http::HttpResponse& response,
                                         absl::Time now) {
  if (response.status != 429 && response.status != 500 && response.status != 503) {
    return std::nullopt;
  }
  const absl::string_view value = absl::StripAsciiWhitespace(response.Header("retry-after"));
  if (value.empty()) return std::nullopt;
  if (absl::ascii_isdigit(static_cast<unsigned char>(value[0]))) {
    uint64_t seconds = 0;
    if (!absl::SimpleAtoi(value, &seconds)) return std::nullopt;
    // Beyond a day is the same as a day to any caller (and cannot overflow).
    return absl::Seconds(std::min<uint64_t>(seconds, 86400));
  }
  // IMF-fixdate, then the obsolete RFC 850 and asctime forms.
  for (const char* format : {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT",
                             "%a %b %e %H:%M:%S %Y"}) {
    absl::Time at;
    std::string error;
    if (absl::ParseTime(format, std::string(value), absl::UTCTimeZone(), &at, &error)) {
      return std::max(at - now, absl::ZeroDuration());
    }
  }
  return std::nullopt;
}

}  // namespace warp::s3
