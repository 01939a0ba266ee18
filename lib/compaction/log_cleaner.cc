#include "warp/log_cleaner.h"

#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "lib/compaction/clean_plan.h"
#include "lib/compaction/entry_batches.h"
#include "lib/compaction/output_writer.h"
#include "lib/compaction/rate_limiter.h"
#include "lib/engine/object_format.h"
#include "lib/protocol/record/record_batch.h"
#include "lib/protocol/record/record_batch_builder.h"
#include "lib/protocol/record/record_batch_filter.h"

namespace warp {
namespace {

using compaction::CleanPolicy;
using compaction::CleanState;

constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

// One window entry after filtering: its batches that still hold records,
// and its last batch when that one lost them all (kept only when the entry
// ends a range).
struct FilteredEntry {
  std::vector<std::string> batches;
  std::string empty_tail;
  uint64_t bytes = 0;  // of `batches`
};

class LogCleanerImpl final : public LogCleaner {
 public:
  explicit LogCleanerImpl(const LogCleanerOptions& options)
      : options_(options),
        clock_(options.clock != nullptr ? options.clock : Clock::Real()),
        pacer_(options.max_bytes_per_second, clock_),
        writer_({options.store, options.metadata, clock_, options.cluster, options.agent_id,
                 options.max_commit_delay}) {}

  absl::StatusOr<CompactionResult> CleanOnce() override {
    const int64_t now_ms = absl::ToUnixMillis(clock_->Now());
    std::vector<std::pair<TopicPartition, CleanPolicy>> partitions;
    for (const TopicInfo& topic : options_.metadata->ListTopics()) {
      std::optional<CleanPolicy> policy = compaction::CompactPolicy(topic.configs);
      if (!policy) continue;
      for (int32_t p = 0; p < topic.partitions; ++p) {
        TopicPartition tp{topic.name, p};
        if (options_.owns_partition && !options_.owns_partition(tp)) continue;
        partitions.emplace_back(std::move(tp), *policy);
      }
    }
    // In turn: start after the partition cleaned last.
    size_t start = 0;
    while (start < partitions.size() && !(last_cleaned_ < partitions[start].first)) ++start;
    for (size_t i = 0; i < partitions.size(); ++i) {
      const auto& [tp, policy] = partitions[(start + i) % partitions.size()];
      ASSIGN_OR_RETURN(std::optional<CompactionResult> result, MaybeClean(tp, policy, now_ms));
      if (result) {
        last_cleaned_ = tp;
        return *std::move(result);
      }
    }
    return CompactionResult{};
  }

 private:
  // Cleans `tp` if it is due and something in its window can go.
  absl::StatusOr<std::optional<CompactionResult>> MaybeClean(const TopicPartition& tp,
                                                             const CleanPolicy& policy,
                                                             int64_t now_ms) {
    absl::StatusOr<PartitionOffsets> offsets = options_.metadata->GetOffsets(tp);
    if (!offsets.ok()) return std::nullopt;
    FetchPlan plan = options_.metadata->FindBatches(tp, offsets->log_start_offset,
                                                    std::numeric_limits<uint64_t>::max());
    if (plan.error != KafkaError::kNone) return std::nullopt;  // moved: next pass
    std::vector<BatchLocation>& entries = plan.batches;
    // Transactions (Kafka's firstUncleanableDirtyOffset): nothing at or past
    // the last stable offset is cleaned, so an open transaction is never
    // judged before it ends.
    auto unstable = std::find_if(entries.begin(), entries.end(), [&](const BatchLocation& b) {
      return b.last_offset >= plan.offsets.last_stable_offset;
    });
    entries.erase(unstable, entries.end());
    entries.resize(compaction::CleanableEntries(entries, policy, now_ms,
                                                options_.max_clean_bytes));
    CleanState& state = states_[tp];
    if (entries.empty() || !compaction::CleaningDue(entries, policy, state, now_ms)) {
      return std::nullopt;
    }
    return Clean(tp, policy, entries, plan.aborted, now_ms, &state);
  }

  absl::StatusOr<std::optional<CompactionResult>> Clean(
      const TopicPartition& tp, const CleanPolicy& policy,
      const std::vector<BatchLocation>& window,
      const std::vector<AbortedTransaction>& aborted, int64_t now_ms, CleanState* state) {
    CompactionResult result;
    // One ranged GET per input object, covering the window's entries in it
    // (a marker kept in the metadata is in none).
    std::map<std::string, std::pair<uint64_t, uint64_t>> spans;
    for (const BatchLocation& e : window) {
      if (e.marker) continue;
      auto [it, inserted] = spans.try_emplace(
          e.object_key, std::make_pair(e.byte_offset, e.byte_offset + e.byte_length));
      if (inserted) result.inputs.push_back(e.object_key);
      it->second.first = std::min(it->second.first, e.byte_offset);
      it->second.second = std::max(it->second.second, e.byte_offset + e.byte_length);
    }
    std::map<std::string, std::string> data;
    for (const auto& [key, span] : spans) {
      pacer_.Acquire(static_cast<double>(span.second - span.first));
      ASSIGN_OR_RETURN(std::string bytes,
                       writer_.Get(key, ByteRange::Of(span.first, span.second - span.first)));
      if (bytes.size() != span.second - span.first) {
        return absl::DataLossError(absl::StrCat("index entries past the end of ", key));
      }
      result.bytes_read += bytes.size();
      data[key] = std::move(bytes);
    }
    std::vector<std::vector<absl::string_view>> batches(window.size());
    std::vector<std::string> markers;  // control batches of metadata markers
    markers.reserve(window.size());
    for (size_t i = 0; i < window.size(); ++i) {
      const BatchLocation& e = window[i];
      if (e.marker) {
        kafka::RecordBatchOptions marker;
        marker.base_offset = e.base_offset;
        marker.producer_id = e.producer_id;
        marker.producer_epoch = e.producer_epoch;
        ASSIGN_OR_RETURN(std::string batch,
                         kafka::BuildEndTransactionMarker(e.commit, /*coordinator_epoch=*/0,
                                                          e.max_timestamp, marker));
        markers.push_back(std::move(batch));
        batches[i] = {markers.back()};
        continue;
      }
      std::string& bytes = data[e.object_key];
      ASSIGN_OR_RETURN(batches[i],
                       compaction::EntryBatches(
                           absl::Span<char>(bytes.data() + (e.byte_offset - spans[e.object_key].first),
                                            e.byte_length),
                           e));
    }

    // A transactional batch is aborted when an aborted transaction of its
    // producer spans it (data from first_offset, abort marker at
    // last_offset): Kafka's cleaner drops it whole.
    // By producer, in marker order (a producer's transactions never overlap).
    absl::flat_hash_map<int64_t, std::vector<AbortedTransaction>> aborted_by_producer;
    for (const AbortedTransaction& a : aborted) aborted_by_producer[a.producer_id].push_back(a);
    auto is_aborted = [&](const kafka::RecordBatchHeader& h) {
      if (!h.is_transactional() || h.is_control()) return false;
      auto mine = aborted_by_producer.find(h.producer_id);
      if (mine == aborted_by_producer.end()) return false;
      // The first of its aborted transactions whose marker is past the batch.
      auto it = std::upper_bound(
          mine->second.begin(), mine->second.end(), h.base_offset,
          [](int64_t offset, const AbortedTransaction& a) { return offset < a.last_offset; });
      return it != mine->second.end() && it->first_offset <= h.base_offset;
    };

    // Pass 1: each key's last offset in the window, aborted records and
    // markers aside.
    kafka::DecodeOptions decode;
    decode.max_decompressed_bytes = options_.max_decompressed_bytes;
    absl::flat_hash_map<std::string, int64_t> latest;
    for (const auto& entry : batches) {
      for (absl::string_view batch : entry) {
        ASSIGN_OR_RETURN(kafka::RecordBatchReader reader,
                         kafka::RecordBatchReader::Open(batch, decode));
        if (reader.header().is_control() || is_aborted(reader.header())) continue;
        kafka::RecordView record;
        for (;;) {
          ASSIGN_OR_RETURN(bool more, reader.Next(&record));
          if (!more) break;
          if (record.key) latest[*record.key] = kafka::RecordOffset(reader.header(), record);
        }
      }
    }

    // Pass 2: keep each key's last record, unless an expired tombstone.
    const int64_t horizon = now_ms - policy.delete_retention_ms;
    int64_t tombstone_due = kNever;
    auto keep = [&](const kafka::RecordBatchHeader& h, const kafka::RecordView& r) {
      if (!r.key) return false;
      auto it = latest.find(*r.key);
      if (it == latest.end() || it->second != kafka::RecordOffset(h, r)) return false;
      if (r.value) return true;
      int64_t written = kafka::RecordTimestamp(h, r);
      if (written < horizon) return false;
      tombstone_due = std::min(tombstone_due, SaturatingAdd(written, policy.delete_retention_ms));
      return true;
    };
    // A commit marker goes once nothing of its transaction is left (Kafka's
    // CleanedTransactionMetadata) and delete.retention.ms has passed since
    // it was written, so that a consumer that read the transaction's data
    // still finds it. Abort markers stay (unlike Kafka): the aborted
    // transaction stays in the partition's index in the metadata, and a
    // read_committed consumer told of it skips its producer's batches until
    // it meets the marker. Which producers' current transactions keep
    // records:
    std::map<int64_t, bool> retained;
    std::vector<FilteredEntry> filtered(window.size());
    for (size_t i = 0; i < window.size(); ++i) {
      for (size_t b = 0; b < batches[i].size(); ++b) {
        absl::string_view batch = batches[i][b];
        ASSIGN_OR_RETURN(kafka::RecordBatchHeader header,
                         kafka::ParseRecordBatchHeader(batch, kafka::CrcCheck::kSkip));
        kafka::FilteredBatch out;
        if (header.is_control()) {
          bool& kept_data = retained[header.producer_id];
          ASSIGN_OR_RETURN(bool commit, IsCommitMarker(batch));
          const bool removable = commit && !kept_data && header.max_timestamp < horizon;
          kept_data = false;  // the next transaction of this producer
          if (!removable) {
            out.batch = std::string(batch);
            out.records_kept = header.record_count;
          } else {
            // Dropped; kept only as the tail of a range (see below).
            out.batch = std::string(batch);
            out.records_kept = 0;
          }
        } else if (is_aborted(header)) {
          ASSIGN_OR_RETURN(out, kafka::FilterRecordBatch(
                                    batch, [](const auto&, const auto&) { return false; },
                                    decode));
        } else {
          ASSIGN_OR_RETURN(out, kafka::FilterRecordBatch(batch, keep, decode));
          if (header.is_transactional() && out.records_kept > 0) {
            retained[header.producer_id] = true;
          }
        }
        result.records_removed += header.record_count - out.records_kept;
        if (out.records_kept > 0) {
          filtered[i].bytes += out.batch.size();
          filtered[i].batches.push_back(std::move(out.batch));
        } else if (b + 1 == batches[i].size()) {
          filtered[i].empty_tail = std::move(out.batch);
        }
      }
    }
    if (result.records_removed == 0) {  // already clean
      state->cleaned_end = window.back().last_offset + 1;
      state->tombstone_due_ms = tombstone_due;
      return std::nullopt;
    }

    // Ranges of consecutive entries, cut before an entry whose batches would
    // take a range past max_range_bytes. Each range ends with its last
    // entry's last batch (empty if need be), so it spans exactly the
    // entries' offsets and readers move past what was removed.
    std::vector<std::pair<size_t, size_t>> groups;  // first, last entry
    uint64_t group_bytes = 0;
    for (size_t i = 0; i < window.size(); ++i) {
      if (groups.empty() || group_bytes + filtered[i].bytes > options_.max_range_bytes) {
        groups.emplace_back(i, i);
        group_bytes = 0;
      }
      groups.back().second = i;
      group_bytes += filtered[i].bytes;
    }
    engine::ObjectBuilder builder;
    ReplaceFiles commit;
    commit.inputs = result.inputs;
    std::vector<size_t> first_batch;
    size_t added = 0;
    auto add = [&](absl::string_view batch, ReplaceFiles::Range* range) {
      absl::StatusOr<kafka::RecordBatchHeader> h =
          kafka::ParseRecordBatchHeader(batch, kafka::CrcCheck::kSkip);
      builder.Add(tp.topic, tp.partition, batch, h.ok() ? h->record_count : 0,
                  h.ok() ? h->max_timestamp : -1);
      range->byte_length += static_cast<uint32_t>(batch.size());
      ++added;
    };
    for (const auto& [first, last] : groups) {
      ReplaceFiles::Range range;
      range.tp = tp;
      range.base_offset = window[first].base_offset;
      range.last_offset = window[last].last_offset;
      first_batch.push_back(added);
      for (size_t i = first; i <= last; ++i) {
        range.max_timestamp = std::max(range.max_timestamp, window[i].max_timestamp);
        for (const std::string& batch : filtered[i].batches) add(batch, &range);
      }
      if (!filtered[last].empty_tail.empty()) add(filtered[last].empty_tail, &range);
      commit.ranges.push_back(range);
    }
    AlignedBuffer output = builder.Finish();
    for (size_t r = 0; r < commit.ranges.size(); ++r) {
      commit.ranges[r].byte_offset = builder.placements()[first_batch[r]];
    }
    pacer_.Acquire(static_cast<double>(output.size()));
    RETURN_IF_ERROR(
        writer_.PutAndCommit(output.view(), options_.output_level, std::move(commit), &result));
    result.cleaned = tp;
    if (result.committed) {
      state->cleaned_end = window.back().last_offset + 1;
      state->tombstone_due_ms = tombstone_due;
    }
    return result;
  }

  // Whether the control batch `batch` is a COMMIT marker (its record's key:
  // version 0, type 1).
  static absl::StatusOr<bool> IsCommitMarker(absl::string_view batch) {
    ASSIGN_OR_RETURN(kafka::RecordBatchReader reader, kafka::RecordBatchReader::Open(batch));
    kafka::RecordView record;
    ASSIGN_OR_RETURN(bool any, reader.Next(&record));
    return any && record.key.has_value() && record.key->size() >= 4 && (*record.key)[3] == 1;
  }

  static int64_t SaturatingAdd(int64_t a, int64_t b) {
    return a > kNever - b ? kNever : a + b;
  }

  const LogCleanerOptions options_;
  Clock* const clock_;
  compaction::RateLimiter pacer_;
  compaction::OutputWriter writer_;
  std::map<TopicPartition, CleanState> states_;
  TopicPartition last_cleaned_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<LogCleaner>> LogCleaner::Create(const LogCleanerOptions& options) {
  if (options.store == nullptr || options.metadata == nullptr) {
    return absl::InvalidArgumentError("LogCleanerOptions needs a store and a metadata store");
  }
  if (options.output_level < 1 || options.max_clean_bytes == 0 || options.max_range_bytes == 0) {
    return absl::InvalidArgumentError(
        "LogCleanerOptions needs output_level >= 1, max_clean_bytes > 0 and "
        "max_range_bytes > 0");
  }
  RETURN_IF_ERROR(ValidateObjectKey(engine::MakeCompactedObjectKey(
      options.cluster, options.output_level, absl::UnixEpoch(), options.agent_id, 0)));
  return std::unique_ptr<LogCleaner>(std::make_unique<LogCleanerImpl>(options));
}

}  // namespace warp
