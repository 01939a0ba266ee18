// Whole requests and responses: the header-version rules, the ApiVersions
// unsupported-version rule (KIP-511) and framing, on top of the generated
// messages (dispatch.h).
//
// A server reads a frame (ParseFrame), decodes it with DecodeRequestPayload,
// and answers with EncodeResponseFrame. For an ApiVersions request of a
// version warp does not serve it answers with
// MakeUnsupportedVersionApiVersionsResponse(), which EncodeResponseFrame
// encodes in version 0 as clients expect; for any other unserved key or
// version Kafka closes the connection.
//
// Thread-safety: pure functions over caller-owned values.
#ifndef WARP_LIB_PROTOCOL_MESSAGES_REQUEST_CODEC_H_
#define WARP_LIB_PROTOCOL_MESSAGES_REQUEST_CODEC_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/protocol/messages/api_versions.h"
#include "lib/protocol/messages/api_versions_table.h"
#include "lib/protocol/messages/dispatch.h"
#include "lib/protocol/wire/frame.h"

namespace warp::kafka {

// Reads a request header, in version 2 if its api version is flexible for
// its api key and version 1 otherwise (see frame.h).
absl::Status ReadRequestHeader(Reader& reader, RequestHeader* out);

struct DecodedRequest {
  RequestHeader header;
  // Whether warp serves header.api_key at header.api_version.
  VersionSupport support = VersionSupport::kSupported;
  // The decoded body; set iff support == kSupported.
  std::optional<Request> body;
  // Bytes left after the body (Kafka ignores them; tests expect 0).
  size_t trailing_bytes = 0;
};

// Decodes a request frame's payload (the bytes after the size prefix): the
// header, then the body if warp serves the key and version. An unserved key
// or version is not an error: `support` says so and `body` is empty.
// Errors: InvalidArgumentError for a malformed header or body.
absl::StatusOr<DecodedRequest> DecodeRequestPayload(absl::string_view payload);

// An ApiVersions response (error NONE) listing every served API.
ApiVersionsResponse MakeApiVersionsResponse();

// The answer to an ApiVersions request of an unsupported version (KIP-511):
// error UNSUPPORTED_VERSION and the one ApiVersions range warp serves.
// Must be encoded in version 0 (EncodeResponseFrame does).
ApiVersionsResponse MakeUnsupportedVersionApiVersionsResponse();

// The version in which to encode the response body to `request`: its
// api_version, except 0 for an ApiVersions request warp does not serve.
int16_t ResponseBodyVersion(const RequestHeader& request);

// A whole response frame answering `request`: size prefix, response header
// (ResponseHeaderVersionFor) with its correlation id, and `response`
// encoded in ResponseBodyVersion(request). Errors: InvalidArgumentError if
// `response` is for another api key, or the message's Encode errors.
absl::StatusOr<std::string> EncodeResponseFrame(const RequestHeader& request,
                                                const Response& response);

// A whole request frame: size prefix, `header` in the version its key and
// version need (RequestHeaderVersionFor) and `request` in
// header.api_version. Errors as EncodeResponseFrame.
absl::StatusOr<std::string> EncodeRequestFrame(const RequestHeader& header,
                                               const Request& request);

}  // namespace warp::kafka

#endif  // WARP_LIB_PROTOCOL_MESSAGES_REQUEST_CODEC_H_
