// Commits files to a local-journal metadata store from many threads as fast
// as it can and prints one line per acknowledged batch:
//   ACK <object key> <partition> <base offset> <record count> END
// The crash test kills it with SIGKILL and checks every acknowledged batch is
// in the reopened store. Usage: crash_writer <journal dir> <key prefix>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "warp/metadata_store.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: crash_writer <journal dir> <key prefix>\n");
    return 2;
  }
  warp::MetadataStoreOptions options;
  options.snapshot_every = 500;  // exercise snapshots under crashes too
  auto store = warp::MetadataStore::Open(absl::StrCat("local://", argv[1]), options);
  if (!store.ok()) {
    std::fprintf(stderr, "open: %s\n", store.status().ToString().c_str());
    return 1;
  }
  (void)(*store)->Execute(warp::CreateTopic{"t", {1, 1}, 4, {}});
  std::string prefix = argv[2];
  absl::Mutex out_mu;
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0;; ++i) {
        warp::CommitFile file{absl::StrCat(prefix, "-", t, "-", i), 1000, 0, {}};
        for (int p = 0; p < 4; p += 1 + (i + t) % 2) {
          warp::BatchToCommit b;
          b.topic = "t";
          b.partition = p;
          b.record_count = 1 + (i * 7 + t) % 9;
          b.byte_length = 100;
          file.batches.push_back(b);
        }
        auto result = (*store)->Execute(file);
        if (!result.ok()) {
          std::fprintf(stderr, "commit: %s\n", result.status().ToString().c_str());
          std::_Exit(1);
        }
        absl::MutexLock lock(&out_mu);
        for (size_t b = 0; b < file.batches.size(); ++b) {
          std::printf("ACK %s %d %lld %d END\n", file.object_key.c_str(),
                      file.batches[b].partition,
                      static_cast<long long>(result->batches[b].base_offset),
                      file.batches[b].record_count);
        }
        std::fflush(stdout);
      }
    });
  }
  for (auto& th : threads) th.join();
}
