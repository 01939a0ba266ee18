// A journal: the durable, ordered log of commands under a metadata store, with
// snapshots so that it need not grow forever.
//
// This interface is for journals with one writer (the store that opened it):
// the order of Append calls is the order of the log. (The etcd journal, with
// many writers, orders entries itself and is driven differently.)
//
// Thread-safety: Append, SaveSnapshot and Recover may be called from
// different threads, but the store calls Append from one thread at a time.
#ifndef WARP_LIB_METADATA_JOURNAL_H_
#define WARP_LIB_METADATA_JOURNAL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace warp::metadata {

// What a journal holds when opened: the newest snapshot (if any) and every
// entry after it, in order. Entry indexes start at 1 and have no gaps.
struct RecoveredJournal {
  uint64_t snapshot_index = 0;  // 0: no snapshot
  std::string snapshot;
  std::vector<std::string> entries;  // indexes snapshot_index + 1, + 2, ...
  // What recovery repaired (e.g. a torn tail cut), for the log.
  std::vector<std::string> notes;
};

class Journal {
 public:
  virtual ~Journal() = default;

  // Returns the state to start from. Called once, before any Append.
  virtual absl::StatusOr<RecoveredJournal> Recover() = 0;

  // Appends `entries` after everything appended before; when it returns OK
  // they are durable (all of them: one group commit). Returns the index of
  // the first.
  virtual absl::StatusOr<uint64_t> Append(absl::Span<const std::string> entries) = 0;

  // Stores `state` as the snapshot after entry `index` (durable when OK) and
  // may then drop the entries up to `index`.
  virtual absl::Status SaveSnapshot(uint64_t index, absl::string_view state) = 0;
};

// A journal in memory (tests). Thread-safe.
std::unique_ptr<Journal> NewMemoryJournal();

}  // namespace warp::metadata

#endif  // WARP_LIB_METADATA_JOURNAL_H_
