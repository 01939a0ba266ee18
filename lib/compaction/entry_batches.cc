#include "lib/compaction/entry_batches.h"

#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "lib/protocol/record/record_batch.h"

namespace warp::compaction {

absl::StatusOr<std::vector<absl::string_view>> EntryBatches(absl::Span<char> bytes,
                                                            const BatchLocation& entry) {
  absl::string_view view(bytes.data(), bytes.size());
  ASSIGN_OR_RETURN(kafka::RecordBatchSequence split, kafka::SplitRecordBatches(view));
  if (split.batches.empty() || !split.partial_tail.empty()) {
    return absl::DataLossError(absl::StrCat("entry at ", entry.byte_offset, " of ",
                                            entry.object_key, " is not whole record batches"));
  }
  int64_t next = entry.base_offset;
  for (absl::string_view batch : split.batches) {
    ASSIGN_OR_RETURN(kafka::RecordBatchHeader header,
                     kafka::ParseRecordBatchHeader(batch, kafka::CrcCheck::kSkip));
    // A batch spanning the whole entry is at the entry's offsets (a
    // producer's batch carries the client's base offset until here).
    if (split.batches.size() == 1 &&
        header.last_offset_delta == entry.last_offset - entry.base_offset) {
      header.base_offset = entry.base_offset;
    } else if (header.base_offset < next) {
      return absl::DataLossError(absl::StrCat("batches out of order in ", entry.object_key));
    }
    RETURN_IF_ERROR(kafka::SetBaseOffsetAndLeaderEpoch(
        absl::Span<char>(const_cast<char*>(batch.data()), batch.size()), header.base_offset,
        0));
    next = header.last_offset() + 1;
  }
  if (next != entry.last_offset + 1) {
    return absl::DataLossError(absl::StrCat("entry ", entry.base_offset, "-", entry.last_offset,
                                            " of ", entry.object_key, " holds batches up to ",
                                            next - 1));
  }
  return split.batches;
}

}  // namespace warp::compaction
