// What every rewriting job (the leveled Compactor, the keyed LogCleaner)
// does with the store around its own logic: read inputs with retries, PUT
// its output under a fresh create-only key, and commit it with one
// ReplaceFiles, or give it up (and delete it) when the commit would come too
// late for garbage collection's orphan rule or the metadata store refuses it
// as stale. Thread-compatible: one caller at a time.
#ifndef WARP_LIB_COMPACTION_OUTPUT_WRITER_H_
#define WARP_LIB_COMPACTION_OUTPUT_WRITER_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "warp/clock.h"
#include "warp/compactor.h"
#include "warp/metadata_commands.h"
#include "warp/metadata_store.h"
#include "warp/object_store.h"

namespace warp::compaction {

struct OutputWriterOptions {
  ObjectStore* store = nullptr;        // not owned
  MetadataStore* metadata = nullptr;   // not owned
  Clock* clock = nullptr;              // not owned, required
  std::string cluster;
  std::string agent_id;
  // See CompactorOptions::max_commit_delay.
  absl::Duration max_commit_delay = absl::Minutes(5);
};

class OutputWriter {
 public:
  explicit OutputWriter(const OutputWriterOptions& options) : options_(options) {}

  // Reads `range` of `key`, retrying transient failures.
  absl::StatusOr<std::string> Get(const std::string& key,
                                  const ByteRange& range = ByteRange::All());

  // PUTs `output` as a new object of `level` and commits `commit` (whose
  // output_key, output_size and time_ms it fills in). Sets result's
  // output_key, output_level, bytes_written and committed, or `abandoned`
  // (the output then deleted) when the commit would start more than
  // max_commit_delay after the key time or the metadata store refused it.
  // A non-OK Status: a store or metadata call failed, the commit's fate
  // unknown (an uncommitted output is left to garbage collection).
  absl::Status PutAndCommit(absl::string_view output, int level, ReplaceFiles commit,
                            CompactionResult* result);

 private:
  absl::StatusOr<std::string> PutOutput(absl::string_view bytes, int level,
                                        absl::Time key_time);

  const OutputWriterOptions options_;
  uint64_t sequence_ = 0;
};

}  // namespace warp::compaction

#endif  // WARP_LIB_COMPACTION_OUTPUT_WRITER_H_
