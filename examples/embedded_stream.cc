// Produces and consumes records in-process with warp's front door,
// warp::Stream: no Kafka server, no network unless the bucket or metadata
// URLs name remote services. Public headers only.
//
//   bazel run //examples:embedded_stream -- --data_dir=/tmp/warp-embedded
//   bazel run //examples:embedded_stream -- \
//     --bucket='s3://my-bucket?endpoint=http://127.0.0.1:4569&path_style=true' \
//     --metadata=etcd://127.0.0.1:2379/warp-example
//
// By default the bucket is a local folder and the metadata a local journal,
// both under --data_dir (warp's embedded default). A second run appends
// after the first; a Kafka client reading the same bucket and journal through
// warpd sees the same records.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "warp/warp.h"

ABSL_FLAG(std::string, data_dir, "warp-data/embedded",
          "Folder for the default local bucket and journal.");
ABSL_FLAG(std::string, bucket, "", "Object store URL (with --metadata; default: under --data_dir).");
ABSL_FLAG(std::string, metadata, "", "Metadata URL (with --bucket).");
ABSL_FLAG(int, records, 1000, "Records to produce to each partition.");

namespace {

int Fail(const std::string& what, const absl::Status& status) {
  std::fprintf(stderr, "%s: %s\n", what.c_str(), status.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  warp::StreamOptions options;
  options.bucket_url = absl::GetFlag(FLAGS_bucket);
  options.metadata_url = absl::GetFlag(FLAGS_metadata);
  if (options.bucket_url.empty()) options.data_dir = absl::GetFlag(FLAGS_data_dir);
  options.cluster = "example";
  options.flush_interval = absl::Milliseconds(20);
  auto stream = warp::Stream::Open(options);
  if (!stream.ok()) return Fail("open", stream.status());

  // A topic of 3 partitions (already there on a second run).
  absl::Status created = (*stream)->CreateTopic("events", 3);
  if (!created.ok() && !absl::IsAlreadyExists(created)) return Fail("create topic", created);

  // Produce 100 records at a time to each partition.
  const int n = absl::GetFlag(FLAGS_records);
  std::vector<int64_t> first_offset(3, -1);
  for (int i = 0; i < n; i += 100) {
    for (int p = 0; p < 3; ++p) {
      std::vector<warp::Record> records;
      for (int j = i; j < std::min(n, i + 100); ++j) {
        warp::Record r;
        r.key = absl::StrCat("user-", j % 7);
        r.value = absl::StrCat("event ", j, " of partition ", p);
        records.push_back(std::move(r));
      }
      absl::StatusOr<int64_t> offset = (*stream)->Produce("events", p, std::move(records));
      if (!offset.ok()) return Fail("produce", offset.status());
      if (first_offset[p] < 0) first_offset[p] = *offset;
    }
  }
  std::printf("produced %d records to each of 3 partitions\n", n);

  // Consume them back, from where this run started.
  for (int p = 0; p < 3; ++p) {
    int64_t offset = first_offset[p];
    int read = 0;
    std::string last;
    while (read < n) {
      auto records = (*stream)->Fetch("events", p, offset);
      if (!records.ok()) return Fail("fetch", records.status());
      if (records->empty()) break;
      for (const warp::ConsumedRecord& r : *records) {
        last = r.value;
        offset = r.offset + 1;
        ++read;
      }
    }
    if (read != n) {
      std::fprintf(stderr, "partition %d: read %d of %d records\n", p, read, n);
      return 1;
    }
    std::printf("partition %d: consumed %d records from offset %lld; last: \"%s\"\n", p, read,
                static_cast<long long>(first_offset[p]), last.c_str());
  }
  return 0;
}
