// Produces and consumes records in-process with the warp library: no Kafka
// server, no network unless the bucket or metadata URLs name remote services.
//
//   bazel run //examples:embedded_stream -- --data_dir=/tmp/warp-embedded
//   bazel run //examples:embedded_stream -- \
//     --bucket='s3://my-bucket?endpoint=http://127.0.0.1:4569&path_style=true' \
//     --metadata=etcd://127.0.0.1:2379/warp-example
//
// By default the bucket is a local folder and the metadata a local journal,
// both under --data_dir (warp's embedded default).
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "lib/engine/block_cache.h"
#include "lib/protocol/record/record_batch.h"
#include "lib/protocol/record/record_batch_builder.h"
#include "warp/fetcher.h"
#include "warp/metadata_store.h"
#include "warp/object_store_url.h"
#include "warp/producer.h"

ABSL_FLAG(std::string, data_dir, "warp-data/embedded",
          "Folder for the default local bucket and journal.");
ABSL_FLAG(std::string, bucket, "", "Object store URL (default: <data_dir>/bucket).");
ABSL_FLAG(std::string, metadata, "", "Metadata URL (default: <data_dir>/journal).");
ABSL_FLAG(int, records, 1000, "Records to produce.");

namespace {

int Fail(const std::string& what, const absl::Status& status) {
  std::fprintf(stderr, "%s: %s\n", what.c_str(), status.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  std::string dir = absl::GetFlag(FLAGS_data_dir);
  if (!dir.empty() && dir[0] != '/') {
    char cwd[4096];
    if (getcwd(cwd, sizeof(cwd)) != nullptr) dir = absl::StrCat(cwd, "/", dir);
  }
  std::string bucket_url = absl::GetFlag(FLAGS_bucket);
  if (bucket_url.empty()) bucket_url = absl::StrCat("file://", dir, "/bucket");
  std::string metadata_url = absl::GetFlag(FLAGS_metadata);
  if (metadata_url.empty()) metadata_url = absl::StrCat("local://", dir, "/journal");

  auto bucket = warp::OpenObjectStore(bucket_url);
  if (!bucket.ok()) return Fail("bucket", bucket.status());
  auto metadata = warp::MetadataStore::Open(metadata_url);
  if (!metadata.ok()) return Fail("metadata", metadata.status());

  // A topic of 3 partitions (already there on a second run).
  auto created = (*metadata)->Execute(warp::CreateTopic{"events", {}, 3, {}});
  if (!created.ok()) return Fail("create topic", created.status());

  warp::engine::BlockCache cache(bucket->get(), {});
  warp::ProducerOptions producer_options;
  producer_options.store = bucket->get();
  producer_options.metadata = metadata->get();
  producer_options.cache = &cache;
  producer_options.cluster = "example";
  producer_options.flush_interval = absl::Milliseconds(20);
  auto producer = warp::Producer::Create(producer_options);
  if (!producer.ok()) return Fail("producer", producer.status());

  // Produce: one Kafka record batch per partition per append.
  int n = absl::GetFlag(FLAGS_records);
  std::vector<int64_t> first_offset(3, -1);
  for (int i = 0; i < n; i += 100) {
    std::vector<warp::ProduceBatch> batches;
    for (int p = 0; p < 3; ++p) {
      std::vector<std::string> values;
      for (int j = i; j < std::min(n, i + 100); ++j) {
        values.push_back(absl::StrCat("event ", j, " of partition ", p));
      }
      std::vector<warp::kafka::RecordInput> records;
      for (const std::string& v : values) records.push_back({std::nullopt, v, {}, 0});
      auto batch = warp::kafka::BuildRecordBatch(records);
      if (!batch.ok()) return Fail("build batch", batch.status());
      batches.push_back({"events", p, *std::move(batch)});
    }
    auto results = (*producer)->AppendAndWait(std::move(batches));
    if (!results.ok()) return Fail("produce", results.status());
    for (int p = 0; p < 3; ++p) {
      if (first_offset[p] < 0) first_offset[p] = (*results)[p].base_offset;
    }
  }
  std::printf("produced %d records to each of 3 partitions\n", n);

  // Consume what was just produced.
  auto fetcher = warp::Fetcher::Create({bucket->get(), metadata->get(), &cache});
  if (!fetcher.ok()) return Fail("fetcher", fetcher.status());
  for (int p = 0; p < 3; ++p) {
    int64_t offset = first_offset[p];
    int read = 0;
    std::string last;
    while (read < n) {
      auto fetched = (*fetcher)->Fetch({{{"events", p}, offset, 1 << 20}}, {});
      if (!fetched.ok()) return Fail("fetch", fetched.status());
      auto split = warp::kafka::SplitRecordBatches((*fetched)[0].records);
      if (!split.ok() || split->batches.empty()) break;
      for (absl::string_view b : split->batches) {
        auto reader = warp::kafka::RecordBatchReader::Open(b);
        if (!reader.ok()) return Fail("decode", reader.status());
        warp::kafka::RecordView record;
        while (*reader->Next(&record)) {
          int64_t at = warp::kafka::RecordOffset(reader->header(), record);
          if (at < offset) continue;
          last = std::string(record.value.value_or(""));
          offset = at + 1;
          ++read;
        }
      }
    }
    if (read != n) {
      std::fprintf(stderr, "partition %d: read %d of %d records\n", p, read, n);
      return 1;
    }
    std::printf("partition %d: consumed %d records from offset %lld; last: \"%s\"\n", p,
                read, static_cast<long long>(first_offset[p]), last.c_str());
  }
  return 0;
}
