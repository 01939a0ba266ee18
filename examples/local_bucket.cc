// Writes a few objects into a local-folder bucket, reads them back (whole and
// by range), lists and deletes them: the ObjectStore API in twenty lines.
//
//   bazel run //examples:local_bucket -- --bucket_dir=/tmp/warp-bucket
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "warp/local_object_store.h"

ABSL_FLAG(std::string, bucket_dir, "warp-data/bucket",
          "Folder used as the bucket (created if missing).");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  auto store = warp::OpenLocalObjectStore(absl::GetFlag(FLAGS_bucket_dir));
  if (!store.ok()) {
    std::fprintf(stderr, "cannot open bucket: %s\n",
                 store.status().ToString().c_str());
    return 1;
  }
  warp::ObjectStore& bucket = **store;
  for (int i = 0; i < 3; ++i) {
    std::string key = absl::StrCat("example/object-", i);
    absl::Status put =
        bucket.Put(key, absl::StrCat("hello from object ", i),
                   warp::PutOptions{.if_not_exists = false});
    if (!put.ok()) {
      std::fprintf(stderr, "put %s: %s\n", key.c_str(), put.ToString().c_str());
      return 1;
    }
  }
  auto listed = bucket.List("example/");
  if (!listed.ok()) {
    std::fprintf(stderr, "list: %s\n", listed.status().ToString().c_str());
    return 1;
  }
  for (const warp::ObjectInfo& info : *listed) {
    auto whole = bucket.Get(info.key);
    auto tail = bucket.Get(info.key, warp::ByteRange::Of(6, 4));
    if (!whole.ok() || !tail.ok()) {
      std::fprintf(stderr, "get %s failed\n", info.key.c_str());
      return 1;
    }
    std::printf("%s (%llu bytes): \"%s\"; bytes 6..9: \"%s\"\n",
                info.key.c_str(), static_cast<unsigned long long>(info.size),
                whole->c_str(), tail->c_str());
  }
  std::vector<std::string> keys;
  for (const warp::ObjectInfo& info : *listed) keys.push_back(info.key);
  if (absl::Status s = bucket.DeleteMany(keys); !s.ok()) {
    std::fprintf(stderr, "delete: %s\n", s.ToString().c_str());
    return 1;
  }
  std::printf("wrote, read, listed and deleted %zu objects in %s\n",
              keys.size(), bucket.Describe().c_str());
  return 0;
}
