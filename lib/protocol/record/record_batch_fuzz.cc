// libFuzzer target for the RecordBatch v2 reader (record_batch.h) and the
// codecs under it (compression.h). Not a Bazel target: scripts/fuzz.sh
// builds it with clang, for example
//
//   bash scripts/fuzz.sh 60 record_batch
//
// and //lib/protocol/record:record_batch_fuzz_replay replays the committed
// corpus (tests/fuzz/corpus/record_batch/) with g++ on every test run.
//
// Each input is split into batches as a Produce/Fetch records field; every
// batch has its header parsed (with and without the CRC check) and its
// records decoded twice (streaming and all at once, CRC skipped so mutations
// reach the record decoder), which must agree. A decoded batch is rebuilt
// with the builder and decoded again, which must give the same records. The
// input is also fed to each decompressor directly. Decompression is capped
// at 1 MiB so the target stays fast.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lib/protocol/record/compression.h"
#include "lib/protocol/record/record_batch.h"
#include "lib/protocol/record/record_batch_builder.h"

namespace warp::kafka {
namespace {

constexpr size_t kCap = 1 << 20;

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

// Rebuilds the decoded records with the builder and checks they read back.
void CheckRebuild(const DecodedRecordBatch& decoded) {
  const RecordBatchHeader& header = decoded.header();
  std::vector<RecordInput> inputs;
  for (const RecordView& record : decoded.records()) {
    RecordInput input;
    input.key = record.key;
    input.value = record.value;
    input.headers = record.headers;
    input.timestamp = RecordTimestamp(header, record);
    inputs.push_back(input);
  }
  if (inputs.empty()) return;
  RecordBatchOptions options;
  options.compression = header.compression();
  options.producer_id = header.producer_id;
  options.producer_epoch = header.producer_epoch;
  options.base_sequence = header.base_sequence;
  options.is_transactional = header.is_transactional();
  absl::StatusOr<std::string> rebuilt = BuildRecordBatch(inputs, options);
  Check(rebuilt.ok());
  absl::StatusOr<DecodedRecordBatch> again = DecodedRecordBatch::Decode(
      *rebuilt, {.max_decompressed_bytes = 2 * kCap + rebuilt->size()});
  Check(again.ok());
  Check(again->records().size() == inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const RecordView& record = again->records()[i];
    Check(record.key == inputs[i].key);
    Check(record.value == inputs[i].value);
    Check(record.offset_delta == static_cast<int32_t>(i));
    Check(RecordTimestamp(again->header(), record) == inputs[i].timestamp);
    Check(record.headers.size() == inputs[i].headers.size());
    for (size_t h = 0; h < inputs[i].headers.size(); ++h) {
      Check(record.headers[h] == inputs[i].headers[h]);
    }
  }
}

void FuzzBatch(absl::string_view batch) {
  (void)ParseRecordBatchHeader(batch, CrcCheck::kVerify);
  if (!ParseRecordBatchHeader(batch, CrcCheck::kSkip).ok()) return;
  const DecodeOptions options{.crc_check = CrcCheck::kSkip,
                              .max_decompressed_bytes = kCap};

  int32_t streamed = -1;
  absl::StatusOr<RecordBatchReader> reader =
      RecordBatchReader::Open(batch, options);
  if (reader.ok()) {
    RecordView record;
    while (true) {
      absl::StatusOr<bool> more = reader->Next(&record);
      if (!more.ok()) break;
      if (!*more) {
        streamed = reader->records_read();
        break;
      }
      if (reader->header().is_control()) (void)ParseControlRecord(record);
    }
  }

  absl::StatusOr<DecodedRecordBatch> decoded =
      DecodedRecordBatch::Decode(batch, options);
  Check(decoded.ok() == (streamed >= 0));
  if (!decoded.ok()) return;
  Check(static_cast<int32_t>(decoded->records().size()) == streamed);
  Check(streamed == decoded->header().record_count);
  CheckRebuild(*decoded);

  // Rewriting the base offset in place never disturbs the CRC check.
  std::string copy(batch);
  const bool crc_ok = ParseRecordBatchHeader(copy).ok();
  Check(SetBaseOffsetAndLeaderEpoch(absl::MakeSpan(copy), 12345, 6).ok());
  Check(ParseRecordBatchHeader(copy).ok() == crc_ok);
}

}  // namespace
}  // namespace warp::kafka

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace warp::kafka;  // NOLINT: a fuzz entry point.
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<RecordBatchSequence> sequence = SplitRecordBatches(input);
  if (sequence.ok()) {
    for (absl::string_view batch : sequence->batches) FuzzBatch(batch);
    Check(sequence->partial_tail.size() <= input.size());
  }
  // The whole input as one batch, and as a compressed payload.
  FuzzBatch(input);
  for (Compression codec : {Compression::kGzip, Compression::kSnappy,
                            Compression::kLz4, Compression::kZstd}) {
    absl::StatusOr<std::string> out = Decompress(codec, input, 64 * 1024);
    if (out.ok()) Check(out->size() <= 64 * 1024);
  }
  return 0;
}
