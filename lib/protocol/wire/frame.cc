#include "lib/protocol/wire/frame.h"

#include <limits>

#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"

namespace warp::kafka {

absl::StatusOr<std::optional<Frame>> ParseFrame(absl::string_view buffer,
                                                int32_t max_frame_size) {
  if (buffer.size() < 4) return std::optional<Frame>();
  Reader reader(buffer.substr(0, 4));
  int32_t size = 0;
  RETURN_IF_ERROR(reader.ReadInt32(&size));
  if (size < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("kafka frame has negative size ", size));
  }
  if (size > max_frame_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "kafka frame of ", size, " bytes exceeds the limit of ",
        max_frame_size));
  }
  const size_t total = 4 + static_cast<size_t>(size);
  if (buffer.size() < total) return std::optional<Frame>();
  return std::optional<Frame>(Frame{buffer.substr(4, size), total});
}

size_t BeginFrame(Writer& writer) { return writer.ReserveInt32(); }

void EndFrame(Writer& writer, size_t offset) {
  const size_t payload = writer.size() - offset - 4;
  if (payload > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    writer.Fail(absl::InvalidArgumentError("kafka frame too large"));
    return;
  }
  writer.PatchInt32(offset, static_cast<int32_t>(payload));
}

absl::Status ReadRequestHeader(
    Reader& reader,
    absl::FunctionRef<int16_t(int16_t api_key, int16_t api_version)>
        header_version,
    RequestHeader* out) {
  *out = RequestHeader();
  RETURN_IF_ERROR(reader.ReadInt16(&out->api_key));
  RETURN_IF_ERROR(reader.ReadInt16(&out->api_version));
  RETURN_IF_ERROR(reader.ReadInt32(&out->correlation_id));
  const int16_t version = header_version(out->api_key, out->api_version);
  if (version >= 1) RETURN_IF_ERROR(reader.ReadNullableString(&out->client_id));
  if (version >= 2) RETURN_IF_ERROR(reader.SkipTaggedFields());
  return absl::OkStatus();
}

void WriteRequestHeader(Writer& writer, const RequestHeader& header,
                        int16_t header_version) {
  writer.WriteInt16(header.api_key);
  writer.WriteInt16(header.api_version);
  writer.WriteInt32(header.correlation_id);
  if (header_version >= 1) writer.WriteNullableString(header.client_id);
  if (header_version >= 2) writer.WriteEmptyTaggedFields();
}

absl::Status ReadResponseHeader(Reader& reader, int16_t header_version,
                                ResponseHeader* out) {
  RETURN_IF_ERROR(reader.ReadInt32(&out->correlation_id));
  if (header_version >= 1) RETURN_IF_ERROR(reader.SkipTaggedFields());
  return absl::OkStatus();
}

void WriteResponseHeader(Writer& writer, const ResponseHeader& header,
                         int16_t header_version) {
  writer.WriteInt32(header.correlation_id);
  if (header_version >= 1) writer.WriteEmptyTaggedFields();
}

}  // namespace warp::kafka
