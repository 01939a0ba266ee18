// Kafka codec throughput: decode and encode of a Produce request (v9) and a
// Fetch response (v12), each with 16 partitions of 64 KiB records, and
// decode/encode of a Metadata response (v12) for 100 topics x 16 partitions.
//
//   bazel run -c opt //benchmarks:protocol_bench -- --benchmark_min_time=0.2
//
// bytes_per_second is the encoded message size processed per second.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "lib/protocol/messages/fetch.h"
#include "lib/protocol/messages/metadata.h"
#include "lib/protocol/messages/produce.h"

namespace warp::kafka {
namespace {

constexpr int kPartitions = 16;
constexpr size_t kRecordsBytes = 64 * 1024;

std::string Records(int partition) {
  return std::string(kRecordsBytes, static_cast<char>('a' + partition));
}

ProduceRequest MakeProduce() {
  ProduceRequest request;
  request.acks = -1;
  request.timeout_ms = 30000;
  ProduceRequest::TopicProduceData& topic = request.topic_data.emplace_back();
  topic.name = "benchmark-topic";
  for (int p = 0; p < kPartitions; ++p) {
    ProduceRequest::PartitionProduceData& data =
        topic.partition_data.emplace_back();
    data.index = p;
    data.records = Records(p);
  }
  return request;
}

FetchResponse MakeFetch() {
  FetchResponse response;
  FetchResponse::FetchableTopicResponse& topic =
      response.responses.emplace_back();
  topic.topic = "benchmark-topic";
  for (int p = 0; p < kPartitions; ++p) {
    FetchResponse::PartitionData& data = topic.partitions.emplace_back();
    data.partition_index = p;
    data.high_watermark = 1000000 + p;
    data.last_stable_offset = 1000000 + p;
    data.log_start_offset = 0;
    data.records = Records(p);
  }
  return response;
}

MetadataResponse MakeMetadata() {
  MetadataResponse response;
  for (int b = 0; b < 3; ++b) {
    MetadataResponse::MetadataResponseBroker& broker =
        response.brokers.emplace_back();
    broker.node_id = b;
    broker.host = absl::StrCat("agent-", b, ".warp.internal");
    broker.port = 9092;
    broker.rack = absl::StrCat("zone-", b);
  }
  response.cluster_id = "warp-cluster";
  response.controller_id = 0;
  for (int t = 0; t < 100; ++t) {
    MetadataResponse::MetadataResponseTopic& topic =
        response.topics.emplace_back();
    topic.name = absl::StrCat("topic-", t);
    topic.topic_id.bytes[15] = static_cast<uint8_t>(t);
    for (int p = 0; p < kPartitions; ++p) {
      MetadataResponse::MetadataResponsePartition& partition =
          topic.partitions.emplace_back();
      partition.partition_index = p;
      partition.leader_id = p % 3;
      partition.leader_epoch = 0;
      partition.replica_nodes = {p % 3};
      partition.isr_nodes = {p % 3};
    }
  }
  return response;
}

template <typename Message>
std::string Encoded(const Message& message, int16_t version) {
  Writer writer;
  if (!message.Encode(writer, version).ok()) std::abort();
  return writer.Release();
}

template <typename Message>
void Decode(benchmark::State& state, const Message& message, int16_t version) {
  const std::string bytes = Encoded(message, version);
  for (auto _ : state) {
    Reader reader(bytes);
    Message decoded;
    if (!decoded.Decode(reader, version).ok()) std::abort();
    benchmark::DoNotOptimize(decoded);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(bytes.size()));
  state.counters["message_bytes"] = static_cast<double>(bytes.size());
}

template <typename Message>
void Encode(benchmark::State& state, const Message& message, int16_t version) {
  const size_t size = Encoded(message, version).size();
  std::string buffer;
  for (auto _ : state) {
    buffer.clear();  // keeps capacity, like a reused connection buffer
    Writer writer(&buffer);
    if (!message.Encode(writer, version).ok()) std::abort();
    benchmark::DoNotOptimize(buffer.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(size));
}

void BM_ProduceRequestV9Decode(benchmark::State& state) {
  Decode(state, MakeProduce(), 9);
}
void BM_ProduceRequestV9Encode(benchmark::State& state) {
  Encode(state, MakeProduce(), 9);
}
void BM_FetchResponseV12Decode(benchmark::State& state) {
  Decode(state, MakeFetch(), 12);
}
void BM_FetchResponseV12Encode(benchmark::State& state) {
  Encode(state, MakeFetch(), 12);
}
void BM_MetadataResponseV12Decode(benchmark::State& state) {
  Decode(state, MakeMetadata(), 12);
}
void BM_MetadataResponseV12Encode(benchmark::State& state) {
  Encode(state, MakeMetadata(), 12);
}

BENCHMARK(BM_ProduceRequestV9Decode);
BENCHMARK(BM_ProduceRequestV9Encode);
BENCHMARK(BM_FetchResponseV12Decode);
BENCHMARK(BM_FetchResponseV12Encode);
BENCHMARK(BM_MetadataResponseV12Decode);
BENCHMARK(BM_MetadataResponseV12Encode);

}  // namespace
}  // namespace warp::kafka
