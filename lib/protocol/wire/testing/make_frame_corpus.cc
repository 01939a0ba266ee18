// Writes the seed corpus of the frame fuzz target (frame_fuzz.cc): streams of
// request and response frames (header versions 0 to 2, with and without a
// client id), some ending inside a frame, some with a
// negative or oversized size prefix, each behind the target's two control
// bytes (chunk size, frame size limit). One file per input. From the
// workspace root:
//
//   bazel run //lib/protocol/wire:make_frame_corpus -- "$PWD/tests/fuzz/corpus/frame"
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/protocol/wire/frame.h"

namespace warp::kafka {
namespace {

std::string RequestFrame(std::mt19937_64& rng, int16_t header_version) {
  Writer w;
  const size_t start = BeginFrame(w);
  RequestHeader header;
  header.api_key = static_cast<int16_t>(rng() % 70);
  header.api_version = static_cast<int16_t>(rng() % 13);
  header.correlation_id = static_cast<int32_t>(rng());
  if (rng() % 4 != 0) header.client_id = absl::StrCat("client-", rng() % 1000);
  WriteRequestHeader(w, header, header_version);
  std::string body(rng() % 48, '\0');
  for (char& c : body) c = static_cast<char>(rng());
  w.WriteRaw(body);
  EndFrame(w, start);
  return w.data();
}

std::string ResponseFrame(std::mt19937_64& rng, int16_t header_version) {
  Writer w;
  const size_t start = BeginFrame(w);
  WriteResponseHeader(w, ResponseHeader{static_cast<int32_t>(rng())},
                      header_version);
  w.WriteRaw(std::string(rng() % 32, 'r'));
  EndFrame(w, start);
  return w.data();
}

int Main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
    return 2;
  }
  std::mt19937_64 rng(20260301);
  std::vector<std::string> inputs;
  for (int i = 0; i < 36; ++i) {
    std::string stream;
    const int frames = 1 + rng() % 4;
    for (int f = 0; f < frames; ++f) {
      stream += i % 3 == 2 ? ResponseFrame(rng, rng() % 2)
                           : RequestFrame(rng, 1 + rng() % 2);
    }
    if (i % 4 == 1) stream.resize(stream.size() - 1 - rng() % 8);  // partial
    if (i % 9 == 4) stream += std::string("\xff\xff\xff\xf0", 4);  // negative
    if (i % 9 == 7) stream += std::string("\x7f\x00\x00\x00", 4);  // too big
    // Control bytes: chunk size, then the limit (odd: the default).
    const char chunk = static_cast<char>(i % 5 == 0 ? 0 : rng() % 64);
    const char limit = static_cast<char>(i % 6 == 5 ? 8 : 2 * (rng() % 64) + 1);
    inputs.push_back(std::string{chunk, limit} + stream);
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::ofstream(absl::StrCat(argv[1], "/seed-", i), std::ios::binary)
        << inputs[i];
  }
  std::printf("wrote %zu inputs to %s\n", inputs.size(), argv[1]);
  return 0;
}

}  // namespace
}  // namespace warp::kafka

int main(int argc, char** argv) { return warp::kafka::Main(argc, argv); }
