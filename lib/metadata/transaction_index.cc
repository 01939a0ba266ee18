#include "lib/metadata/transaction_index.h"

#include <algorithm>
#include <utility>

namespace warp::metadata {

void TransactionIndex::OnTransactionalBatch(int64_t producer_id, int64_t base_offset) {
  if (open_.try_emplace(producer_id, base_offset).second) ++first_offsets_[base_offset];
}

void TransactionIndex::OnMarker(int64_t producer_id, int64_t offset, bool commit) {
  auto it = open_.find(producer_id);
  if (it == open_.end()) return;
  const int64_t first = it->second;
  open_.erase(it);
  auto count = first_offsets_.find(first);
  if (--count->second == 0) first_offsets_.erase(count);
  if (!commit) aborted_.push_back({producer_id, first, offset});
}

int64_t TransactionIndex::LastStableOffset(int64_t high_watermark) const {
  if (first_offsets_.empty()) return high_watermark;
  return std::min(high_watermark, first_offsets_.begin()->first);
}

std::vector<AbortedTransaction> TransactionIndex::Aborted(int64_t fetch_offset,
                                                          int64_t upper_bound) const {
  std::vector<AbortedTransaction> out;
  // Markers are in offset order: skip those before the fetch by binary
  // search, then take while the data can still start before the bound.
  auto from = std::lower_bound(
      aborted_.begin(), aborted_.end(), fetch_offset,
      [](const AbortedTransaction& a, int64_t offset) { return a.last_offset < offset; });
  for (auto it = from; it != aborted_.end(); ++it) {
    if (it->first_offset < upper_bound) out.push_back(*it);
  }
  return out;
}

void TransactionIndex::AdvanceLogStart(int64_t offset) {
  while (!aborted_.empty() && aborted_.front().last_offset < offset) aborted_.pop_front();
}

void TransactionIndex::Restore(std::map<int64_t, int64_t> open,
                               std::deque<AbortedTransaction> aborted) {
  open_ = std::move(open);
  first_offsets_.clear();
  for (const auto& [producer, first] : open_) ++first_offsets_[first];
  aborted_ = std::move(aborted);
}

}  // namespace warp::metadata
