#include "warp/fetcher.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "lib/base/status_macros.h"
#include "lib/engine/block_cache.h"
#include "lib/protocol/record/record_batch.h"

namespace warp {
namespace {

class FetcherImpl final : public Fetcher {
 public:
  explicit FetcherImpl(const FetcherOptions& options) : options_(options) {}

  absl::StatusOr<std::vector<PartitionRecords>> Fetch(
      const std::vector<FetchPartition>& partitions,
      const FetchOptions& options) override {
    absl::Time deadline = absl::Now() + options.max_wait;
    for (;;) {
      std::vector<PartitionRecords> out(partitions.size());
      uint64_t total = 0;
      bool error = false;
      std::vector<std::pair<TopicPartition, int64_t>> watched;
      for (size_t i = 0; i < partitions.size(); ++i) {
        const FetchPartition& p = partitions[i];
        uint64_t budget = options.max_bytes > total ? options.max_bytes - total : 0;
        uint64_t limit = std::min(p.max_bytes, budget);
        ASSIGN_OR_RETURN(bool got, ReadPartition(p, limit, /*must_return_one=*/total == 0,
                                                 &out[i]));
        (void)got;
        total += out[i].records.size();
        if (out[i].error != KafkaError::kNone) error = true;
        watched.push_back({p.tp, out[i].high_watermark});
      }
      if (error || total >= options.min_bytes || absl::Now() >= deadline) return out;
      if (!options_.metadata->WaitForAnyHighWatermark(watched, deadline)) {
        // Timed out: answer with what there is (nothing new arrived).
        return out;
      }
    }
  }

 private:
  // Reads one partition into `out`. `limit` bytes at most, except that the
  // first batch is returned whole when `must_return_one` (KIP-74).
  absl::StatusOr<bool> ReadPartition(const FetchPartition& p, uint64_t limit,
                                     bool must_return_one, PartitionRecords* out) {
    FetchPlan plan = options_.metadata->FindBatches(
        p.tp, p.offset, std::max<uint64_t>(limit, 1));
    out->error = plan.error;
    out->high_watermark = plan.offsets.high_watermark;
    out->log_start_offset = plan.offsets.log_start_offset;
    if (plan.error != KafkaError::kNone) {
      if (plan.error == KafkaError::kUnknownTopicOrPartition) {
        out->high_watermark = out->log_start_offset = -1;
      }
      return false;
    }
    for (size_t i = 0; i < plan.batches.size(); ++i) {
      const BatchLocation& b = plan.batches[i];
      if (out->records.size() + b.byte_length > limit &&
          !(must_return_one && out->records.empty())) {
        break;
      }
      const size_t at = out->records.size();
      RETURN_IF_ERROR(options_.cache->ReadInto(b.object_key, b.byte_offset, b.byte_length,
                                               &out->records));
      absl::Span<char> bytes(out->records.data() + at, b.byte_length);
      // An ingest entry is exactly one batch as the client sent it (base
      // offset 0): give it its offset. Compacted runs carry real offsets.
      absl::StatusOr<kafka::RecordBatchHeader> header = kafka::ParseRecordBatchHeader(
          absl::string_view(bytes.data(), bytes.size()), kafka::CrcCheck::kSkip);
      if (header.ok() && header->size_bytes() == bytes.size()) {
        RETURN_IF_ERROR(kafka::SetBaseOffsetAndLeaderEpoch(bytes, b.base_offset, 0));
      } else if (!header.ok() && bytes.size() < 61) {
        out->records.resize(at);
        return absl::DataLossError(absl::StrCat("object ", b.object_key,
                                                " holds no record batch at ",
                                                b.byte_offset));
      }
    }
    return true;
  }

  const FetcherOptions options_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Fetcher>> Fetcher::Create(const FetcherOptions& options) {
  if (options.store == nullptr || options.metadata == nullptr || options.cache == nullptr) {
    return absl::InvalidArgumentError("FetcherOptions needs a store, metadata and a cache");
  }
  return std::unique_ptr<Fetcher>(std::make_unique<FetcherImpl>(options));
}

}  // namespace warp
