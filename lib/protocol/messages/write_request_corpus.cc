// Writes the seed corpus of the request fuzz target: for every served API
// and version, the payload (frame without its size prefix) of a request with
// every field filled, named <Api>_v<version>.
//
//   bazel run //lib/protocol/messages:write_request_corpus --
//     "$PWD/tests/fuzz/corpus/request"
#include <cstdio>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "lib/protocol/messages/request_codec.h"
#include "lib/protocol/messages/test_fill.h"

int main(int argc, char** argv) {
  using namespace warp::kafka;  // NOLINT: a small tool
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
    return 2;
  }
  int written = 0;
  for (const ApiVersionRange& api : ServedApis()) {
    for (int16_t v = api.min_version; v <= api.max_version; ++v) {
      absl::StatusOr<Request> request = MakeFilledRequest(api.api_key, v, 1);
      if (!request.ok()) return 1;
      const RequestHeader header{api.api_key, v, 1, "warp-corpus"};
      absl::StatusOr<std::string> frame = EncodeRequestFrame(header, *request);
      if (!frame.ok()) {
        std::fprintf(stderr, "%s\n", frame.status().ToString().c_str());
        return 1;
      }
      const std::string path =
          absl::StrCat(argv[1], "/", api.name, "_v", v);
      std::ofstream out(path, std::ios::binary);
      out << frame->substr(4);
      if (!out) {
        std::fprintf(stderr, "cannot write %s\n", path.c_str());
        return 1;
      }
      ++written;
    }
  }
  std::printf("wrote %d request payloads to %s\n", written, argv[1]);
  return 0;
}
