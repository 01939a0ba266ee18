// The journal interface under a metadata store (public: warp/journal.h),
// the memory journal and the group-commit helpers the stores share. (The
// etcd journal, with many writers, orders entries itself and is driven
// differently.)
#ifndef WARP_LIB_METADATA_JOURNAL_H_
#define WARP_LIB_METADATA_JOURNAL_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "warp/journal.h"

namespace warp::metadata {

// The interface is public (warp/journal.h); these names keep the code of
// lib/metadata as it was.
using ::warp::Journal;
using ::warp::RecoveredJournal;

// A journal in memory (tests). Thread-safe.
std::unique_ptr<Journal> NewMemoryJournal();

// How large one group commit may grow. A store sizes each queued command
// as the bytes it adds to the journal entry (or write) of its group.
struct GroupLimits {
  // Most commands in one group.
  int max_commands = 4096;
  // Most bytes of commands in one group: below what the journal accepts
  // in one entry or request. A command larger than this alone is refused
  // (TooLargeForJournal) before it is queued, so it never fails a group.
  size_t max_bytes = 1 << 20;
};

// The error of a command of `bytes` that no group can hold; `hint` (if
// any) says how to raise the limit.
inline absl::Status TooLargeForJournal(size_t bytes, const GroupLimits& limits,
                                       absl::string_view hint = "") {
  return absl::InvalidArgumentError(absl::StrCat(
      "metadata command of ", bytes, " bytes exceeds the journal's limit of ",
      limits.max_bytes, " bytes per group commit", hint.empty() ? "" : "; ", hint));
}

// Moves the commands of the next group from the front of `queue`: the
// first one always, then more while they fit in `limits`. `bytes(item)` is
// the size of one command.
template <typename T, typename Bytes>
std::vector<T> TakeGroup(std::deque<T>& queue, const GroupLimits& limits, Bytes bytes) {
  std::vector<T> group;
  size_t total = 0;
  while (!queue.empty() && static_cast<int>(group.size()) < limits.max_commands) {
    size_t next = bytes(queue.front());
    if (!group.empty() && total + next > limits.max_bytes) break;
    total += next;
    group.push_back(std::move(queue.front()));
    queue.pop_front();
  }
  return group;
}

}  // namespace warp::metadata

#endif  // WARP_LIB_METADATA_JOURNAL_H_
