#include "lib/compaction/output_writer.h"

#include <utility>

#include "lib/base/status_macros.h"
#include "lib/engine/object_format.h"

namespace warp::compaction {
namespace {

// Attempts of a GET or PUT (PUTs are create-only, so retries are safe).
constexpr int kAttempts = 3;
// New keys tried when an output key is taken (a crashed job's output).
constexpr int kKeyAttempts = 8;

bool Retryable(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status);
}

}  // namespace

absl::StatusOr<std::string> OutputWriter::Get(const std::string& key, const ByteRange& range) {
  absl::StatusOr<std::string> got;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    got = options_.store->Get(key, range);
    if (got.ok() || !Retryable(got.status())) break;
  }
  return got;
}

absl::Status OutputWriter::PutAndCommit(absl::string_view output, int level,
                                        ReplaceFiles commit, CompactionResult* result) {
  absl::Time key_time = options_.clock->Now();
  ASSIGN_OR_RETURN(commit.output_key, PutOutput(output, level, key_time));
  commit.output_size = output.size();
  result->output_key = commit.output_key;
  result->output_level = level;
  result->bytes_written = output.size();

  // Past max_commit_delay garbage collection may already count the output
  // as an orphan: give it up rather than commit.
  absl::Time now = options_.clock->Now();
  if (now - key_time > options_.max_commit_delay) {
    result->abandoned = "the commit would come too late after the upload";
    (void)options_.store->Delete(commit.output_key);
    return absl::OkStatus();
  }
  commit.time_ms = absl::ToUnixMillis(now);
  const std::string key = commit.output_key;
  ASSIGN_OR_RETURN(CommandResult committed, options_.metadata->Execute(std::move(commit)));
  if (!committed.ok()) {
    // Refused: the output is referenced by nothing and never will be.
    result->abandoned = committed.message;
    (void)options_.store->Delete(key);
    return absl::OkStatus();
  }
  result->committed = true;
  return absl::OkStatus();
}

// PUTs `bytes` under a fresh key of `level` (create-only) and returns the
// key. A key already taken by other bytes (a crashed job's output at the
// same time) is skipped for the next one.
absl::StatusOr<std::string> OutputWriter::PutOutput(absl::string_view bytes, int level,
                                                    absl::Time key_time) {
  for (int k = 0; k < kKeyAttempts; ++k) {
    std::string key = engine::MakeCompactedObjectKey(options_.cluster, level, key_time,
                                                     options_.agent_id, sequence_++);
    absl::Status put;
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
      put = options_.store->Put(key, bytes, PutOptions{.if_not_exists = true});
      if (!Retryable(put)) break;
    }
    if (put.ok()) return key;
    if (!absl::IsAlreadyExists(put)) return put;
    // Ours from an attempt whose answer was lost, or someone else's?
    absl::StatusOr<std::string> there = Get(key);
    if (there.ok() && *there == bytes) return key;
  }
  return absl::AlreadyExistsError("no free compaction output key");
}

}  // namespace warp::compaction
