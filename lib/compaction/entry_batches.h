// The record batches of one metadata index entry, with their real offsets.
// A producer's entry is exactly one batch as the client sent it (its base
// offset is whatever the client wrote): it gets the entry's base offset. A
// compacted entry holds batches that already carry their offsets, back to
// back; after keyed compaction there may be gaps between them (removed
// records and batches), but its last batch always ends at the entry's last
// offset. Pure; thread-safe.
#ifndef WARP_LIB_COMPACTION_ENTRY_BATCHES_H_
#define WARP_LIB_COMPACTION_ENTRY_BATCHES_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "warp/metadata.h"

namespace warp::compaction {

// Splits `bytes` (the entry's byte range) into whole batches, writes each
// batch's real base offset (and leader epoch 0) in place, and checks that
// they are in order within [entry.base_offset, entry.last_offset], the last
// ending at entry.last_offset. DataLoss if they are not.
absl::StatusOr<std::vector<absl::string_view>> EntryBatches(absl::Span<char> bytes,
                                                            const BatchLocation& entry);

}  // namespace warp::compaction

#endif  // WARP_LIB_COMPACTION_ENTRY_BATCHES_H_
