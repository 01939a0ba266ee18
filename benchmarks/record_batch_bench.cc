// Micro-benchmarks of the RecordBatch v2 layer (lib/protocol/record/):
// CRC-32C (hardware and portable, beside memcpy), each compression codec on
// realistic records, and batch parse/decode/build. Run:
//
//   bazel run //benchmarks:record_batch_bench -- --benchmark_min_time=0.2
//
// Throughput is in uncompressed bytes per second; codec benchmarks report the
// compression ratio (uncompressed / compressed) as the "ratio" counter.
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "lib/protocol/record/compression.h"
#include "lib/protocol/record/crc32c.h"
#include "lib/protocol/record/record_batch.h"
#include "lib/protocol/record/record_batch_builder.h"
#include "lib/protocol/record/testing/record_batch_testing.h"

namespace warp::kafka {
namespace {

constexpr size_t kBatchBytes = 1 << 20;  // 1 MiB of records per batch.
constexpr size_t kLineBytes = 1024;      // 1 KiB JSON log lines.

// 1 MiB of random bytes; benchmarks use a prefix.
const std::string& RandomBuffer() {
  static std::string* const buffer = [] {
    auto* b = new std::string(1 << 20, '\0');
    std::mt19937_64 rng(1);
    for (char& c : *b) c = static_cast<char>(rng());
    return b;
  }();
  return *buffer;
}

// 1 MiB of JSON log records, as the Kafka Java client would batch them.
const std::vector<testing::OwnedRecord>& LogRecords() {
  static const auto* const records = [] {
    std::mt19937_64 rng(2);
    return new std::vector<testing::OwnedRecord>(
        testing::LogRecords(rng, kBatchBytes, kLineBytes));
  }();
  return *records;
}

// The uncompressed records section of that batch: what codecs compress.
const std::string& RecordsSection() {
  static const std::string* const section = [] {
    absl::StatusOr<std::string> batch = testing::BuildBatch(LogRecords());
    return new std::string(batch->substr(kRecordBatchHeaderSize));
  }();
  return *section;
}

Compression CodecArg(const benchmark::State& state) {
  return static_cast<Compression>(state.range(0));
}

void ApplyCodecArgs(benchmark::internal::Benchmark* b) {
  b->ArgName("codec");
  for (int codec = 0; codec <= 4; ++codec) b->Arg(codec);
}

void BM_Crc32cHardware(benchmark::State& state) {
  if (!Crc32cHardwareAvailable()) {
    state.SkipWithError("no SSE4.2");
    return;
  }
  const std::string& data = RandomBuffer();
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        Crc32cExtendHardware(0, data.data(), state.range(0)));
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Crc32cHardware)->Arg(4 << 10)->Arg(1 << 20);

void BM_Crc32cPortable(benchmark::State& state) {
  const std::string& data = RandomBuffer();
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        Crc32cExtendPortable(0, data.data(), state.range(0)));
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Crc32cPortable)->Arg(4 << 10)->Arg(1 << 20);

void BM_Memcpy(benchmark::State& state) {
  const std::string& data = RandomBuffer();
  std::string destination(state.range(0), '\0');
  for (auto _ : state) {
    std::memcpy(destination.data(), data.data(), state.range(0));
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Memcpy)->Arg(4 << 10)->Arg(1 << 20);

void BM_Compress(benchmark::State& state) {
  const Compression codec = CodecArg(state);
  state.SetLabel(std::string(CompressionName(codec)));
  const std::string& input = RecordsSection();
  std::string output;
  for (auto _ : state) {
    output.clear();
    if (!CompressAppend(codec, input, {}, &output).ok()) {
      state.SkipWithError("compress failed");
      return;
    }
  }
  state.SetBytesProcessed(state.iterations() * input.size());
  state.counters["ratio"] =
      static_cast<double>(input.size()) / static_cast<double>(output.size());
}
BENCHMARK(BM_Compress)->Apply(ApplyCodecArgs);

void BM_Decompress(benchmark::State& state) {
  const Compression codec = CodecArg(state);
  state.SetLabel(std::string(CompressionName(codec)));
  const std::string& input = RecordsSection();
  const std::string compressed = *Compress(codec, input);
  for (auto _ : state) {
    absl::StatusOr<std::string> output =
        Decompress(codec, compressed, kDefaultMaxDecompressedBytes);
    benchmark::DoNotOptimize(output);
  }
  state.SetBytesProcessed(state.iterations() * input.size());
  state.counters["ratio"] = static_cast<double>(input.size()) /
                            static_cast<double>(compressed.size());
}
BENCHMARK(BM_Decompress)->Apply(ApplyCodecArgs);

std::string BuildLogBatch(Compression codec) {
  RecordBatchOptions options;
  options.compression = codec;
  return *testing::BuildBatch(LogRecords(), options);
}

// The hot path of a broker's Produce: header fields plus the CRC check.
void BM_ParseHeader(benchmark::State& state) {
  const std::string batch = BuildLogBatch(Compression::kLz4);
  for (auto _ : state) {
    benchmark::DoNotOptimize(ParseRecordBatchHeader(batch));
  }
  state.SetBytesProcessed(state.iterations() * batch.size());
}
BENCHMARK(BM_ParseHeader);

void BM_ParseHeaderNoCrc(benchmark::State& state) {
  const std::string batch = BuildLogBatch(Compression::kLz4);
  for (auto _ : state) {
    benchmark::DoNotOptimize(ParseRecordBatchHeader(batch, CrcCheck::kSkip));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseHeaderNoCrc);

// Full decode: CRC, decompression, every record (streaming reader).
void BM_DecodeBatch(benchmark::State& state) {
  const Compression codec = CodecArg(state);
  state.SetLabel(std::string(CompressionName(codec)));
  const std::string batch = BuildLogBatch(codec);
  int64_t records = 0;
  for (auto _ : state) {
    absl::StatusOr<RecordBatchReader> reader = RecordBatchReader::Open(batch);
    RecordView record;
    while (reader.ok() && *reader->Next(&record)) ++records;
  }
  state.SetBytesProcessed(state.iterations() * RecordsSection().size());
  state.SetItemsProcessed(records);
}
BENCHMARK(BM_DecodeBatch)->Apply(ApplyCodecArgs);

// What Produce adds to the header parse since batches' offset ranges are
// checked: every record read, after decompressing a compressed batch (as a
// Kafka broker does). Bytes are the batch's uncompressed records.
void BM_ValidateProducedBatch(benchmark::State& state) {
  const Compression codec = CodecArg(state);
  state.SetLabel(std::string(CompressionName(codec)));
  const std::string batch = BuildLogBatch(codec);
  const RecordBatchHeader header = *ParseRecordBatchHeader(batch);
  for (auto _ : state) {
    absl::Status status = ValidateProducedBatch(batch, header);
    if (!status.ok()) {
      state.SkipWithError(std::string(status.message()).c_str());
      return;
    }
  }
  state.SetBytesProcessed(state.iterations() * RecordsSection().size());
  state.counters["records"] = header.record_count;
}
BENCHMARK(BM_ValidateProducedBatch)->Apply(ApplyCodecArgs);

void BM_BuildBatch(benchmark::State& state) {
  const Compression codec = CodecArg(state);
  state.SetLabel(std::string(CompressionName(codec)));
  // Views of the records, prepared once, as a producer holds them.
  std::vector<RecordInput> inputs;
  for (const testing::OwnedRecord& record : LogRecords()) {
    inputs.push_back({record.key, record.value, {}, record.timestamp});
  }
  RecordBatchOptions options;
  options.compression = codec;
  for (auto _ : state) {
    benchmark::DoNotOptimize(BuildRecordBatch(inputs, options));
  }
  state.SetBytesProcessed(state.iterations() * RecordsSection().size());
  state.SetItemsProcessed(state.iterations() * inputs.size());
}
BENCHMARK(BM_BuildBatch)->Apply(ApplyCodecArgs);

}  // namespace
}  // namespace warp::kafka
