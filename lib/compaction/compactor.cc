#include "warp/compactor.h"

#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "lib/compaction/index_snapshot.h"
#include "lib/compaction/merge_plan.h"
#include "lib/compaction/rate_limiter.h"
#include "lib/engine/object_format.h"
#include "lib/protocol/record/record_batch.h"

namespace warp {
namespace {

using compaction::IndexSnapshot;
using compaction::MergeGroup;
using compaction::PlannedRange;

// PUT attempts of an output (create-only, so retries are safe).
constexpr int kPutAttempts = 3;
// New keys tried when an output key is taken (a crashed compactor's output).
constexpr int kKeyAttempts = 8;

bool Retryable(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status);
}

class CompactorImpl final : public Compactor {
 public:
  explicit CompactorImpl(const CompactorOptions& options)
      : options_(options),
        clock_(options.clock != nullptr ? options.clock : Clock::Real()),
        pacer_(options.max_bytes_per_second, clock_) {
    rules_.fan_in = options.fan_in;
    rules_.max_level = options.max_level;
    rules_.partial_merge_age = options.partial_merge_age;
    rules_.max_output_bytes = options.max_output_bytes;
    rules_.owns_object = options.owns_object;
  }

  absl::StatusOr<CompactionResult> CompactOnce() override {
    CompactionResult result;
    IndexSnapshot snapshot = IndexSnapshot::Take(*options_.metadata, options_.cluster);
    std::optional<MergeGroup> group =
        compaction::PickMergeGroup(snapshot, rules_, clock_->Now());
    if (!group) return result;
    result.inputs = group->inputs;
    result.output_level = group->level + 1;
    std::set<std::string> inputs(group->inputs.begin(), group->inputs.end());
    std::vector<PlannedRange> ranges =
        compaction::PlanRanges(snapshot, inputs, options_.max_range_bytes);

    // Read every input whole, checking its CRCs before trusting it.
    std::map<std::string, std::string> data;
    for (const std::string& key : group->inputs) {
      pacer_.Acquire(static_cast<double>(snapshot.objects[key].live_bytes));
      ASSIGN_OR_RETURN(std::string bytes, GetWithRetries(key));
      RETURN_IF_ERROR(engine::ParseObject(bytes).status());
      result.bytes_read += bytes.size();
      data[key] = std::move(bytes);
    }

    // Lay out the output: each range's batches back to back, with real
    // offsets.
    engine::ObjectBuilder builder;
    std::vector<size_t> first_batch(ranges.size());
    size_t added = 0;
    for (size_t r = 0; r < ranges.size(); ++r) {
      first_batch[r] = added;
      for (const BatchLocation& entry : ranges[r].entries) {
        std::string& object = data[entry.object_key];
        if (entry.byte_offset + entry.byte_length > object.size()) {
          return absl::DataLossError(absl::StrCat("index entry past the end of ",
                                                  entry.object_key));
        }
        ASSIGN_OR_RETURN(size_t n, AddEntry(ranges[r].tp,
                                            absl::Span<char>(object.data() + entry.byte_offset,
                                                             entry.byte_length),
                                            entry, &builder));
        added += n;
      }
    }
    AlignedBuffer output = builder.Finish();
    ReplaceFiles commit;
    commit.inputs = group->inputs;
    commit.output_size = output.size();
    for (size_t r = 0; r < ranges.size(); ++r) {
      const PlannedRange& range = ranges[r];
      ReplaceFiles::Range out;
      out.tp = range.tp;
      out.base_offset = range.entries.front().base_offset;
      out.last_offset = range.entries.back().last_offset;
      out.byte_offset = builder.placements()[first_batch[r]];
      out.byte_length = static_cast<uint32_t>(range.bytes);
      for (const BatchLocation& e : range.entries) {
        out.max_timestamp = std::max(out.max_timestamp, e.max_timestamp);
      }
      commit.ranges.push_back(out);
    }

    pacer_.Acquire(static_cast<double>(output.size()));
    absl::Time key_time = clock_->Now();
    ASSIGN_OR_RETURN(commit.output_key, PutOutput(output.view(), result.output_level,
                                                  key_time));
    result.output_key = commit.output_key;
    result.bytes_written = output.size();

    // Past max_commit_delay garbage collection may already count the output
    // as an orphan: give it up rather than commit.
    absl::Time now = clock_->Now();
    if (now - key_time > options_.max_commit_delay) {
      result.abandoned = "the commit would come too late after the upload";
      (void)options_.store->Delete(commit.output_key);
      return result;
    }
    commit.time_ms = absl::ToUnixMillis(now);
    ASSIGN_OR_RETURN(CommandResult committed, options_.metadata->Execute(commit));
    if (!committed.ok()) {
      // Refused: the output is referenced by nothing and never will be.
      result.abandoned = committed.message;
      (void)options_.store->Delete(commit.output_key);
      return result;
    }
    result.committed = true;
    return result;
  }

 private:
  // Adds the batches of one index entry to `builder`, giving them their real
  // offsets (a producer's entry is one batch with base offset 0; a compacted
  // entry already holds its batches with their offsets). Returns how many.
  absl::StatusOr<size_t> AddEntry(const TopicPartition& tp, absl::Span<char> bytes,
                                  const BatchLocation& entry,
                                  engine::ObjectBuilder* builder) {
    absl::string_view view(bytes.data(), bytes.size());
    ASSIGN_OR_RETURN(kafka::RecordBatchSequence split, kafka::SplitRecordBatches(view));
    if (split.batches.empty() || !split.partial_tail.empty()) {
      return absl::DataLossError(absl::StrCat("entry at ", entry.byte_offset, " of ",
                                              entry.object_key,
                                              " is not whole record batches"));
    }
    int64_t next = entry.base_offset;
    for (absl::string_view batch : split.batches) {
      ASSIGN_OR_RETURN(kafka::RecordBatchHeader header,
                       kafka::ParseRecordBatchHeader(batch, kafka::CrcCheck::kSkip));
      if (split.batches.size() == 1) {
        header.base_offset = entry.base_offset;
      } else if (header.base_offset < next) {
        return absl::DataLossError(absl::StrCat("batches out of order in ", entry.object_key));
      }
      RETURN_IF_ERROR(kafka::SetBaseOffsetAndLeaderEpoch(
          absl::Span<char>(const_cast<char*>(batch.data()), batch.size()),
          header.base_offset, 0));
      next = header.last_offset() + 1;
      builder->Add(tp.topic, tp.partition, batch, header.last_offset_delta + 1,
                   header.max_timestamp);
    }
    if (next != entry.last_offset + 1) {
      return absl::DataLossError(absl::StrCat("entry ", entry.base_offset, "-",
                                              entry.last_offset, " of ", entry.object_key,
                                              " holds batches up to ", next - 1));
    }
    return split.batches.size();
  }

  absl::StatusOr<std::string> GetWithRetries(const std::string& key) {
    absl::StatusOr<std::string> got;
    for (int attempt = 0; attempt < kPutAttempts; ++attempt) {
      got = options_.store->Get(key);
      if (got.ok() || !Retryable(got.status())) break;
    }
    return got;
  }

  // PUTs `bytes` under a fresh key of `level` (create-only) and returns the
  // key. A key already taken by other bytes (a crashed compactor's output at
  // the same time) is skipped for the next one.
  absl::StatusOr<std::string> PutOutput(absl::string_view bytes, int level,
                                        absl::Time key_time) {
    for (int k = 0; k < kKeyAttempts; ++k) {
      std::string key = engine::MakeCompactedObjectKey(
          options_.cluster, level, key_time, options_.agent_id, sequence_++);
      absl::Status put;
      for (int attempt = 0; attempt < kPutAttempts; ++attempt) {
        put = options_.store->Put(key, bytes, PutOptions{.if_not_exists = true});
        if (!Retryable(put)) break;
      }
      if (put.ok()) return key;
      if (!absl::IsAlreadyExists(put)) return put;
      // Ours from an attempt whose answer was lost, or someone else's?
      absl::StatusOr<std::string> there = GetWithRetries(key);
      if (there.ok() && *there == bytes) return key;
    }
    return absl::AlreadyExistsError("no free compaction output key");
  }

  const CompactorOptions options_;
  Clock* const clock_;
  compaction::RateLimiter pacer_;
  compaction::MergeRules rules_;
  uint64_t sequence_ = 0;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Compactor>> Compactor::Create(const CompactorOptions& options) {
  if (options.store == nullptr || options.metadata == nullptr) {
    return absl::InvalidArgumentError("CompactorOptions needs a store and a metadata store");
  }
  if (options.fan_in < 2 || options.max_level < 1 || options.max_range_bytes == 0) {
    return absl::InvalidArgumentError(
        "CompactorOptions needs fan_in >= 2, max_level >= 1 and max_range_bytes > 0");
  }
  RETURN_IF_ERROR(ValidateObjectKey(engine::MakeCompactedObjectKey(
      options.cluster, 1, absl::UnixEpoch(), options.agent_id, 0)));
  return std::unique_ptr<Compactor>(std::make_unique<CompactorImpl>(options));
}

}  // namespace warp
