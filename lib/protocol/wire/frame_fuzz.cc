// libFuzzer target for Kafka framing (frame.h): ParseFrame over a byte
// stream, and the request and response headers of each frame found.
//
// warpd's connection reader (server/kafka_server.cc) splits frames inside
// its Server class, mixed with the socket and the connection's state, so it
// cannot be called here; this target covers the pure framing it mirrors:
// the size prefix checks and the split of a stream into frames.
//
// Input: byte 0 picks the chunk size of an incremental split (a connection
// receiving the stream in pieces), byte 1 the frame size limit; the rest is
// the stream. Checked, besides no crash and no out-of-bounds read:
//   - every frame lies inside the stream, within the limit, prefix included;
//   - splitting the stream whole and in chunks gives the same frames, the
//     same verdict (a hostile size prefix) and the same undecided tail;
//   - a request or response header read from a payload is written back to
//     the bytes it was read from (header versions 0 and 1), and reads back
//     equal (version 2, whose tagged fields are rewritten empty).
//
// Replayed over tests/fuzz/corpus/frame by //lib/protocol/wire:
// frame_fuzz_replay; fuzzed for real by `bash scripts/fuzz.sh 60 frame`.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "lib/protocol/wire/frame.h"

namespace warp::kafka {
namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

struct Split {
  std::vector<std::string> payloads;
  bool rejected = false;  // a negative or oversized size prefix
  std::string tail;       // bytes of a frame still incomplete
};

// Takes the complete frames off the front of `buffer` into `split`.
void TakeFrames(std::string& buffer, int32_t max_frame_size, Split& split) {
  size_t at = 0;
  while (!split.rejected) {
    const absl::string_view rest = absl::string_view(buffer).substr(at);
    absl::StatusOr<std::optional<Frame>> frame = ParseFrame(rest, max_frame_size);
    if (!frame.ok()) {
      split.rejected = true;
      break;
    }
    if (!frame->has_value()) break;
    const Frame& f = **frame;
    Check(f.total_size == 4 + f.payload.size());
    Check(f.total_size <= rest.size());
    Check(f.payload.data() == rest.data() + 4);
    Check(f.payload.size() <= static_cast<size_t>(max_frame_size));
    split.payloads.emplace_back(f.payload);
    at += f.total_size;
  }
  buffer.erase(0, at);
}

void CheckRequestHeader(absl::string_view payload, int16_t header_version) {
  Reader reader(payload);
  RequestHeader header;
  if (!ReadRequestHeader(
           reader, [&](int16_t, int16_t) { return header_version; }, &header)
           .ok()) {
    return;
  }
  const absl::string_view consumed = payload.substr(0, reader.position());
  Writer writer;
  WriteRequestHeader(writer, header, header_version);
  Check(writer.ok());
  if (header_version < 2) Check(writer.data() == consumed);
  Reader again(writer.data());
  RequestHeader reread;
  Check(ReadRequestHeader(
            again, [&](int16_t, int16_t) { return header_version; }, &reread)
            .ok());
  Check(again.remaining() == 0 && reread == header);
}

void CheckResponseHeader(absl::string_view payload, int16_t header_version) {
  Reader reader(payload);
  ResponseHeader header;
  if (!ReadResponseHeader(reader, header_version, &header).ok()) return;
  Writer writer;
  WriteResponseHeader(writer, header, header_version);
  if (header_version == 0) {
    Check(writer.data() == payload.substr(0, reader.position()));
  }
  Reader again(writer.data());
  ResponseHeader reread;
  Check(ReadResponseHeader(again, header_version, &reread).ok());
  Check(again.remaining() == 0 && reread == header);
}

}  // namespace
}  // namespace warp::kafka

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace warp::kafka;  // NOLINT: a fuzz entry point.
  if (size < 2) return 0;
  const size_t chunk = 1 + data[0];
  // Small limits reach the oversized-frame path; odd values the default.
  const int32_t max_frame_size =
      data[1] % 2 == 1 ? kDefaultMaxFrameSize : 4 * static_cast<int32_t>(data[1]);
  const absl::string_view stream(reinterpret_cast<const char*>(data) + 2, size - 2);

  Split whole;
  std::string buffer(stream);
  TakeFrames(buffer, max_frame_size, whole);
  if (!whole.rejected) whole.tail = buffer;

  Split pieces;
  buffer.clear();
  for (size_t at = 0; at < stream.size() && !pieces.rejected; at += chunk) {
    const absl::string_view piece = stream.substr(at, chunk);
    buffer.append(piece.data(), piece.size());
    TakeFrames(buffer, max_frame_size, pieces);
  }
  if (!pieces.rejected) pieces.tail = buffer;

  Check(whole.rejected == pieces.rejected);
  Check(whole.payloads == pieces.payloads);
  Check(whole.tail == pieces.tail);
  Check(whole.tail.size() <= stream.size());

  for (const std::string& payload : whole.payloads) {
    for (int16_t version = 0; version <= 2; ++version) {
      CheckRequestHeader(payload, version);
    }
    for (int16_t version = 0; version <= 1; ++version) {
      CheckResponseHeader(payload, version);
    }
  }
  return 0;
}
