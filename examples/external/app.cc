// A 20-line produce-and-consume program, built in a Bazel workspace of its own
// that depends on warp (examples/external/WORKSPACE):
//   cd examples/external && bazel run //:app
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "warp/warp.h"

int main(int argc, char** argv) {
  warp::StreamOptions options;
  const char* tmp = std::getenv("TEST_TMPDIR");  // set under `bazel test`
  options.data_dir = std::string(tmp != nullptr ? tmp : "/tmp") + "/warp-external-example";
  auto stream = warp::Stream::Open(options);
  if (!stream.ok()) return std::fprintf(stderr, "%s\n", stream.status().ToString().c_str()), 1;
  absl::Status created = (*stream)->CreateTopic("orders", 4);
  if (!created.ok() && !absl::IsAlreadyExists(created)) return 1;
  auto first = (*stream)->Produce("orders", 2, {{"order-1", "2 apples"}, {"order-2", "1 pear"}});
  if (!first.ok()) return std::fprintf(stderr, "%s\n", first.status().ToString().c_str()), 1;
  auto records = (*stream)->Fetch("orders", 2, *first);
  if (!records.ok()) return 1;
  for (const warp::ConsumedRecord& r : *records) {
    std::printf("orders-2@%lld %s: %s\n", static_cast<long long>(r.offset), r.key.c_str(),
                r.value.c_str());
  }
  const bool self_test = argc > 1 && std::strcmp(argv[1], "--self_test") == 0;
  return self_test && records->size() != 2 ? 1 : 0;
}
