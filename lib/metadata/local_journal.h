// The local journal: the metadata store's embedded default. An append-only
// file of checksummed, length-prefixed records; one write and one fdatasync
// per Append (group commit is the caller batching entries); snapshots that
// let old log files be deleted; recovery that cuts a torn tail and reports
// corruption anywhere else. Format: journal_format.h, docs/journal-format.md.
//
// One process at a time may open a folder (an flock guards it).
// Thread-safety: thread-safe.
#ifndef WARP_LIB_METADATA_LOCAL_JOURNAL_H_
#define WARP_LIB_METADATA_LOCAL_JOURNAL_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "lib/metadata/journal.h"

namespace warp::metadata {

struct LocalJournalOptions {
  // fdatasync each Append (and snapshot). Off only for benchmarks that
  // measure everything but the disk.
  bool sync = true;
};

absl::StatusOr<std::unique_ptr<Journal>> OpenLocalJournal(
    const std::string& dir, const LocalJournalOptions& options = {});

}  // namespace warp::metadata

#endif  // WARP_LIB_METADATA_LOCAL_JOURNAL_H_
