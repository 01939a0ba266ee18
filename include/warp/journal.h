// Journal: the durable, ordered log of metadata commands under a
// MetadataStore, with snapshots so that it need not grow forever. warp
// ships mem://, local:// and etcd:// (warp/metadata_store.h); a journal
// written outside warp plugs in by URL scheme with RegisterJournalScheme and
// then serves MetadataStore::Open("scheme://...") like the built-in ones.
//
// The interface is for journals with one writer (the store that opened it):
// the order of Append calls is the order of the log.
//
// Thread-safety: Append, SaveSnapshot and Recover may be called from
// different threads, but the store calls Append from one thread at a time.
#ifndef WARP_JOURNAL_H_
#define WARP_JOURNAL_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace warp {

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

// Opens the journal a URL of a registered scheme names (the whole URL).
using JournalOpener =
    std::function<absl::StatusOr<std::unique_ptr<Journal>>(absl::string_view url)>;

// Makes MetadataStore::Open("SCHEME://...") open a store over the journal
// `factory` returns. SCHEME is lower-case letters, digits, '+', '-' or '.',
// starting with a letter (InvalidArgument otherwise); AlreadyExists for a
// built-in or already registered scheme. Thread-safe; call before opening.
absl::Status RegisterJournalScheme(absl::string_view scheme, JournalOpener factory);

}  // namespace warp

#endif  // WARP_JOURNAL_H_
