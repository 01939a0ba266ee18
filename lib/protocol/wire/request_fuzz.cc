// libFuzzer target for the Kafka request codec. Each input is a request
// frame's payload (no size prefix): the header is parsed, and if warp serves
// the api key and version it names, the body is decoded with the generated
// dispatch (DecodeRequestPayload). No input may crash or read out of bounds.
// A decoded request must re-encode, decode back to an equal request, and
// re-encode to the same bytes; the whole frame must also round-trip.
//
// Replayed over tests/fuzz/corpus/request by //lib/protocol/wire:
// request_fuzz_replay; fuzzed for real by `bash scripts/fuzz.sh 60 request`.
#include <cstddef>
#include <cstdint>
#include <string>

#include "lib/protocol/messages/request_codec.h"

namespace {

using warp::kafka::DecodedRequest;
using warp::kafka::Reader;
using warp::kafka::Request;
using warp::kafka::Writer;

// Traps (a libFuzzer finding) unless `condition` holds.
void Check(bool condition) {
  if (!condition) __builtin_trap();
}

void CheckRoundTrip(const DecodedRequest& decoded) {
  const int16_t key = decoded.header.api_key;
  const int16_t version = decoded.header.api_version;
  Writer first;
  Check(warp::kafka::EncodeRequest(*decoded.body, version, first).ok());
  Reader reader(first.data());
  absl::StatusOr<Request> again =
      warp::kafka::DecodeRequest(key, version, reader);
  Check(again.ok() && reader.remaining() == 0);
  Check(*again == *decoded.body);
  Writer second;
  Check(warp::kafka::EncodeRequest(*again, version, second).ok());
  Check(second.data() == first.data());

  absl::StatusOr<std::string> frame =
      warp::kafka::EncodeRequestFrame(decoded.header, *decoded.body);
  Check(frame.ok());
  absl::StatusOr<DecodedRequest> reparsed =
      warp::kafka::DecodeRequestPayload(absl::string_view(*frame).substr(4));
  Check(reparsed.ok() && reparsed->body.has_value());
  Check(reparsed->header == decoded.header && *reparsed->body == *again);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view payload(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<DecodedRequest> decoded =
      warp::kafka::DecodeRequestPayload(payload);
  if (!decoded.ok() || !decoded->body.has_value()) return 0;
  CheckRoundTrip(*decoded);
  return 0;
}
