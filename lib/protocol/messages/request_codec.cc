#include "lib/protocol/messages/request_codec.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "lib/protocol/messages/errors.h"

namespace warp::kafka {

absl::Status ReadRequestHeader(Reader& reader, RequestHeader* out) {
  return ReadRequestHeader(reader, RequestHeaderVersionFor, out);
}

absl::StatusOr<DecodedRequest> DecodeRequestPayload(
    absl::string_view payload) {
  Reader reader(payload);
  DecodedRequest decoded;
  RETURN_IF_ERROR(ReadRequestHeader(reader, &decoded.header));
  decoded.support =
      CheckVersion(decoded.header.api_key, decoded.header.api_version);
  if (decoded.support != VersionSupport::kSupported) return decoded;
  ASSIGN_OR_RETURN(decoded.body,
                   DecodeRequest(decoded.header.api_key,
                                 decoded.header.api_version, reader));
  decoded.trailing_bytes = reader.remaining();
  return decoded;
}

ApiVersionsResponse MakeApiVersionsResponse() {
  ApiVersionsResponse response;
  response.error_code = ToInt16(ErrorCode::kNone);
  for (const ApiVersionRange& api : ServedApis()) {
    ApiVersionsResponse::ApiVersion& v = response.api_keys.emplace_back();
    v.api_key = api.api_key;
    v.min_version = api.min_version;
    v.max_version = api.max_version;
  }
  return response;
}

ApiVersionsResponse MakeUnsupportedVersionApiVersionsResponse() {
  ApiVersionsResponse response;
  response.error_code = ToInt16(ErrorCode::kUnsupportedVersion);
  ApiVersionsResponse::ApiVersion& v = response.api_keys.emplace_back();
  v.api_key = ApiVersionsResponse::kApiKey;
  v.min_version = ApiVersionsResponse::kMinVersion;
  v.max_version = ApiVersionsResponse::kMaxVersion;
  return response;
}

int16_t ResponseBodyVersion(const RequestHeader& request) {
  if (request.api_key == kApiVersionsKey &&
      CheckVersion(request.api_key, request.api_version) !=
          VersionSupport::kSupported) {
    return 0;
  }
  return request.api_version;
}

namespace {

absl::Status CheckKey(int16_t expected, int16_t actual) {
  if (expected == actual) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "message of api key ", actual, " for a request of api key ", expected));
}

}  // namespace

absl::StatusOr<std::string> EncodeResponseFrame(const RequestHeader& request,
                                                const Response& response) {
  RETURN_IF_ERROR(CheckKey(request.api_key, ApiKeyOf(response)));
  const int16_t body_version = ResponseBodyVersion(request);
  Writer writer;
  const size_t frame = BeginFrame(writer);
  WriteResponseHeader(writer, ResponseHeader{request.correlation_id},
                      ResponseHeaderVersionFor(request.api_key, body_version));
  RETURN_IF_ERROR(EncodeResponse(response, body_version, writer));
  EndFrame(writer, frame);
  RETURN_IF_ERROR(writer.status());
  return writer.Release();
}

absl::StatusOr<std::string> EncodeRequestFrame(const RequestHeader& header,
                                               const Request& request) {
  RETURN_IF_ERROR(CheckKey(header.api_key, ApiKeyOf(request)));
  Writer writer;
  const size_t frame = BeginFrame(writer);
  WriteRequestHeader(
      writer, header,
      RequestHeaderVersionFor(header.api_key, header.api_version));
  RETURN_IF_ERROR(EncodeRequest(request, header.api_version, writer));
  EndFrame(writer, frame);
  RETURN_IF_ERROR(writer.status());
  return writer.Release();
}

}  // namespace warp::kafka
