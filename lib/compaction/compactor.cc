#include "warp/compactor.h"

#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "lib/compaction/entry_batches.h"
#include "lib/compaction/index_snapshot.h"
#include "lib/compaction/merge_plan.h"
#include "lib/compaction/output_writer.h"
#include "lib/compaction/rate_limiter.h"
#include "lib/engine/object_format.h"
#include "lib/protocol/record/record_batch.h"

namespace warp {
namespace {

using compaction::IndexSnapshot;
using compaction::MergeGroup;
using compaction::PlannedRange;

class CompactorImpl final : public Compactor {
 public:
  explicit CompactorImpl(const CompactorOptions& options)
      : options_(options),
        clock_(options.clock != nullptr ? options.clock : Clock::Real()),
        pacer_(options.max_bytes_per_second, clock_),
        writer_({options.store, options.metadata, clock_, options.cluster, options.agent_id,
                 options.max_commit_delay}) {
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
      ASSIGN_OR_RETURN(std::string bytes, writer_.Get(key));
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
    RETURN_IF_ERROR(
        writer_.PutAndCommit(output.view(), result.output_level, std::move(commit), &result));
    return result;
  }

 private:
  // Adds the batches of one index entry to `builder`, giving them their real
  // offsets (a producer's entry is one batch with base offset 0; a compacted
  // entry already holds its batches with their offsets). Returns how many.
  absl::StatusOr<size_t> AddEntry(const TopicPartition& tp, absl::Span<char> bytes,
                                  const BatchLocation& entry,
                                  engine::ObjectBuilder* builder) {
    ASSIGN_OR_RETURN(std::vector<absl::string_view> batches,
                     compaction::EntryBatches(bytes, entry));
    for (absl::string_view batch : batches) {
      ASSIGN_OR_RETURN(kafka::RecordBatchHeader header,
                       kafka::ParseRecordBatchHeader(batch, kafka::CrcCheck::kSkip));
      builder->Add(tp.topic, tp.partition, batch, header.record_count, header.max_timestamp);
    }
    return batches.size();
  }

  const CompactorOptions options_;
  Clock* const clock_;
  compaction::RateLimiter pacer_;
  compaction::OutputWriter writer_;
  compaction::MergeRules rules_;
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
