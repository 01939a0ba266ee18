// A MetadataStore over a single-writer Journal: a writer thread group-commits
// queued commands (one journal append and fsync for all of them), applies
// them to the state machine in journal order and wakes their callers.
// Groups are bounded in commands and bytes (GroupLimits); a command that
// could never fit fails alone, before it is queued, with InvalidArgument.
// Thread-safe.
#ifndef WARP_LIB_METADATA_JOURNALED_METADATA_STORE_H_
#define WARP_LIB_METADATA_JOURNALED_METADATA_STORE_H_

#include <memory>

#include "absl/status/statusor.h"
#include "lib/metadata/journal.h"
#include "warp/metadata_store.h"

namespace warp::metadata {

// The group bounds of the local journal's format: `options.max_group_size`
// commands, and at most journal_format::kMaxRecordSize bytes of commands
// (its limit of one record, so that any command that fits a record fits a
// group alone).
GroupLimits LocalJournalGroupLimits(const MetadataStoreOptions& options);

// Recovers the state from `journal` and starts the writer. Groups are
// bounded by LocalJournalGroupLimits(options) unless `limits` are given.
absl::StatusOr<std::unique_ptr<MetadataStore>> NewJournaledMetadataStore(
    std::unique_ptr<Journal> journal, const MetadataStoreOptions& options);
absl::StatusOr<std::unique_ptr<MetadataStore>> NewJournaledMetadataStore(
    std::unique_ptr<Journal> journal, const MetadataStoreOptions& options,
    const GroupLimits& limits);

}  // namespace warp::metadata

#endif  // WARP_LIB_METADATA_JOURNALED_METADATA_STORE_H_
