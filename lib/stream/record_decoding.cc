#include "lib/stream/record_decoding.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "lib/protocol/record/record_batch.h"

namespace warp::stream {
namespace {

// Whether `header`'s batch belongs to a transaction listed in `aborted`.
bool Aborted(const kafka::RecordBatchHeader& header,
             const std::vector<AbortedTransaction>& aborted) {
  if (!header.is_transactional()) return false;
  return std::any_of(aborted.begin(), aborted.end(), [&](const AbortedTransaction& a) {
    return a.producer_id == header.producer_id && a.first_offset <= header.base_offset &&
           header.base_offset <= a.last_offset;
  });
}

}  // namespace

absl::Status DecodeRecords(const std::string& topic, int32_t partition, int64_t offset,
                           const PartitionRecords& fetched, bool read_committed,
                           std::vector<ConsumedRecord>* out) {
  auto where = [&] { return absl::StrCat(topic, "-", partition, " at ", offset, ": "); };
  absl::StatusOr<kafka::RecordBatchSequence> split = kafka::SplitRecordBatches(fetched.records);
  if (!split.ok()) return absl::DataLossError(absl::StrCat(where(), split.status().message()));
  for (absl::string_view bytes : split->batches) {
    absl::StatusOr<kafka::RecordBatchReader> reader = kafka::RecordBatchReader::Open(bytes);
    if (!reader.ok()) {
      return absl::DataLossError(absl::StrCat(where(), reader.status().message()));
    }
    const kafka::RecordBatchHeader& header = reader->header();
    if (header.is_control() || header.last_offset() < offset) continue;
    if (read_committed && Aborted(header, fetched.aborted)) continue;
    kafka::RecordView view;
    for (;;) {
      absl::StatusOr<bool> more = reader->Next(&view);
      if (!more.ok()) return absl::DataLossError(absl::StrCat(where(), more.status().message()));
      if (!*more) break;
      const int64_t at = kafka::RecordOffset(header, view);
      if (at < offset) continue;
      ConsumedRecord& r = out->emplace_back();
      r.topic = topic;
      r.partition = partition;
      r.offset = at;
      r.timestamp_ms = kafka::RecordTimestamp(header, view);
      r.has_key = view.key.has_value();
      if (view.key) r.key = std::string(*view.key);
      r.has_value = view.value.has_value();
      if (view.value) r.value = std::string(*view.value);
      for (const kafka::RecordHeaderView& h : view.headers) {
        r.headers.emplace_back(std::string(h.key), std::string(h.value.value_or("")));
      }
    }
  }
  return absl::OkStatus();
}

int64_t NextOffset(int64_t offset, const PartitionRecords& fetched, bool read_committed) {
  absl::StatusOr<kafka::RecordBatchSequence> split = kafka::SplitRecordBatches(fetched.records);
  if (!split.ok() || split->batches.empty()) return offset;
  absl::StatusOr<kafka::RecordBatchHeader> last =
      kafka::ParseRecordBatchHeader(split->batches.back());
  if (!last.ok()) return offset;
  int64_t next = std::max(offset, last->last_offset() + 1);
  // A read_committed reader never passes the last stable offset.
  if (read_committed && fetched.last_stable_offset >= 0) {
    next = std::min(next, std::max(offset, fetched.last_stable_offset));
  }
  return next;
}

}  // namespace warp::stream
