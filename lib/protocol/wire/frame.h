// Kafka framing (int32 size prefix) and the request and response headers.
//
// Header versions (RequestHeader.json / ResponseHeader.json):
//   request  v0: api_key int16, api_version int16, correlation_id int32
//            v1: v0 + client_id NULLABLE_STRING (int16 length, never compact)
//            v2: v1 + tagged fields
//   response v0: correlation_id int32
//            v1: v0 + tagged fields
// A request uses header v2 iff its api_version is a flexible version of its
// API, else v1; the response likewise uses v1 or v0, except that ApiVersions
// responses always use v0 (KIP-511). Only ControlledShutdown v0, which warp
// does not serve, uses request header v0.
//
// Everything here is pure and thread-safe.
#ifndef WARP_LIB_PROTOCOL_WIRE_FRAME_H_
#define WARP_LIB_PROTOCOL_WIRE_FRAME_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/protocol/wire/reader.h"
#include "lib/protocol/wire/writer.h"

namespace warp::kafka {

// Kafka's default socket.request.max.bytes (100 MiB).
inline constexpr int32_t kDefaultMaxFrameSize = 104857600;
// The ApiVersions API key, whose responses always use response header v0.
inline constexpr int16_t kApiVersionsKey = 18;

// A complete frame found at the start of a buffer.
struct Frame {
  // The bytes after the size prefix (a view into the buffer).
  absl::string_view payload;
  // Bytes the frame occupies in the buffer, prefix included.
  size_t total_size = 0;
};

// Looks for a frame at the start of `buffer`. Returns std::nullopt if more
// bytes are needed, the frame if it is complete, and InvalidArgumentError if
// the size prefix is negative or larger than `max_frame_size` (the caller
// should close the connection; nothing is allocated for such a frame).
absl::StatusOr<std::optional<Frame>> ParseFrame(
    absl::string_view buffer, int32_t max_frame_size = kDefaultMaxFrameSize);

// Starts a frame in `writer`: writes a size placeholder and returns its
// offset, to be passed to EndFrame once the payload is written.
size_t BeginFrame(Writer& writer);
// Fills in the size prefix written by BeginFrame at `offset`.
void EndFrame(Writer& writer, size_t offset);

struct RequestHeader {
  int16_t api_key = 0;
  int16_t api_version = 0;
  int32_t correlation_id = 0;
  // Absent in header v0; nullable.
  std::optional<std::string> client_id;

  bool operator==(const RequestHeader&) const = default;
};

struct ResponseHeader {
  int32_t correlation_id = 0;

  bool operator==(const ResponseHeader&) const = default;
};

// The request header version (1 or 2) for a request whose version is
// (`flexible`) or is not a flexible version of its API.
inline int16_t RequestHeaderVersion(bool flexible) { return flexible ? 2 : 1; }

// The response header version (0 or 1) for a response to `api_key` in a
// flexible or non-flexible version; always 0 for ApiVersions.
inline int16_t ResponseHeaderVersion(int16_t api_key, bool flexible) {
  return (flexible && api_key != kApiVersionsKey) ? 1 : 0;
}

// Reads a request header. The header version depends on the api key and
// version it contains, so after reading them the reader asks
// `header_version(api_key, api_version)` (returning 0, 1 or 2) how to read
// the rest. Unknown tagged fields are skipped. Errors are the reader's.
absl::Status ReadRequestHeader(
    Reader& reader,
    absl::FunctionRef<int16_t(int16_t api_key, int16_t api_version)>
        header_version,
    RequestHeader* out);

// Writes `header` in `header_version` (0, 1 or 2; tagged fields empty).
void WriteRequestHeader(Writer& writer, const RequestHeader& header,
                        int16_t header_version);

// Reads a response header of `header_version` (0 or 1).
absl::Status ReadResponseHeader(Reader& reader, int16_t header_version,
                                ResponseHeader* out);

// Writes `header` in `header_version` (0 or 1; tagged fields empty).
void WriteResponseHeader(Writer& writer, const ResponseHeader& header,
                         int16_t header_version);

}  // namespace warp::kafka

#endif  // WARP_LIB_PROTOCOL_WIRE_FRAME_H_
