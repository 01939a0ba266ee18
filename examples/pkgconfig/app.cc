// A program built without Bazel against an installed warp:
//   bash scripts/install.sh /tmp/warp
//   PKG_CONFIG_PATH=/tmp/warp/lib/pkgconfig \
//     g++ -std=c++20 examples/pkgconfig/app.cc $(pkg-config --cflags --libs warp) -o app
//   ./app /tmp/app-data
// It produces and reads back records on the embedded default (a folder),
// then on mem:// stores: the built-in URL schemes work from the archive.
#include <cstdio>
#include <string>

#include "warp/warp.h"

int Run(warp::StreamOptions options, const char* name) {
  auto stream = warp::Stream::Open(options);
  if (!stream.ok()) return std::fprintf(stderr, "%s\n", stream.status().ToString().c_str()), 1;
  absl::Status created = (*stream)->CreateTopic("greetings", 1);
  if (!created.ok() && !absl::IsAlreadyExists(created)) return 1;
  auto offset = (*stream)->Produce("greetings", 0, {{"hello", "world"}, {"bonjour", "monde"}});
  if (!offset.ok()) return std::fprintf(stderr, "%s\n", offset.status().ToString().c_str()), 1;
  auto records = (*stream)->Fetch("greetings", 0, *offset);
  if (!records.ok() || records->size() != 2) return 1;
  for (const warp::ConsumedRecord& r : *records) {
    std::printf("%s: %lld %s=%s\n", name, static_cast<long long>(r.offset), r.key.c_str(),
                r.value.c_str());
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc != 2) return std::fprintf(stderr, "usage: app DATA_DIR\n"), 2;
  warp::StreamOptions local;
  local.data_dir = argv[1];
  local.flush_interval = absl::Milliseconds(5);
  warp::StreamOptions memory;
  memory.bucket_url = "mem://";
  memory.metadata_url = "mem://";
  memory.flush_interval = absl::Milliseconds(5);
  return Run(local, "local") || Run(memory, "mem");
}
