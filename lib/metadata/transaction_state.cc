// The transaction coordinator's part of the metadata state machine (Kafka's
// TransactionCoordinator and TransactionStateManager): transactional ids,
// their producers and epochs, the partitions and groups of their open
// transactions, and the markers that end them (docs/transactions.md).
#include <algorithm>
#include <limits>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "lib/metadata/state.h"

namespace warp::metadata {
namespace {

bool Open(const TransactionInfo& t) { return t.state == TransactionState::kOngoing; }

// The producer of a request must be the id's current one, at its epoch.
KafkaError CheckProducer(const TransactionInfo* t, int64_t producer_id, int16_t epoch) {
  if (t == nullptr || t->producer_id != producer_id) return KafkaError::kInvalidProducerIdMapping;
  if (epoch != t->producer_epoch) return KafkaError::kProducerFenced;
  if (t->state == TransactionState::kPrepareCommit ||
      t->state == TransactionState::kPrepareAbort) {
    return KafkaError::kConcurrentTransactions;
  }
  return KafkaError::kNone;
}

}  // namespace

const TransactionInfo* MetadataState::FindTransaction(absl::string_view transactional_id) const {
  auto it = transactions_.find(transactional_id);
  return it == transactions_.end() ? nullptr : &it->second;
}

std::vector<TransactionInfo> MetadataState::ListTransactions() const {
  std::vector<TransactionInfo> out;
  for (const auto& [id, txn] : transactions_) out.push_back(txn);
  return out;
}

const std::map<int64_t, std::map<TopicPartition, GroupOffset>>*
MetadataState::PendingTransactionalOffsets(absl::string_view group) const {
  auto it = pending_offsets_.find(group);
  return it == pending_offsets_.end() ? nullptr : &it->second;
}

void MetadataState::CompleteTransaction(TransactionInfo& txn, bool commit, int64_t now_ms) {
  for (const TopicPartition& tp : txn.partitions) {
    // A partition deleted meanwhile gets no marker.
    if (PartitionLog* log = MutablePartition(tp)) {
      log->AppendMarker(txn.producer_id, txn.producer_epoch, commit, now_ms);
    }
  }
  for (const std::string& group : txn.groups) {
    auto pending = pending_offsets_.find(group);
    if (pending == pending_offsets_.end()) continue;
    auto mine = pending->second.find(txn.producer_id);
    if (mine != pending->second.end()) {
      if (commit) {
        for (auto& [tp, offset] : mine->second) {
          offset.commit_time_ms = now_ms;
          groups_[group][tp] = offset;
        }
      }
      pending->second.erase(mine);
    }
    if (pending->second.empty()) pending_offsets_.erase(pending);
  }
  txn.state = commit ? TransactionState::kCompleteCommit : TransactionState::kCompleteAbort;
  txn.partitions.clear();
  txn.groups.clear();
  txn.start_ms = -1;
  txn.last_update_ms = now_ms;
}

CommandResult MetadataState::Do(const InitTransactionalProducer& c) {
  if (c.transactional_id.empty()) {
    return CommandError(KafkaError::kInvalidRequest, "an empty transactional id");
  }
  if (c.timeout_ms <= 0) {
    return CommandError(KafkaError::kInvalidTransactionTimeout,
                        "The transaction timeout must be positive");
  }
  auto [it, created] = transactions_.try_emplace(c.transactional_id);
  TransactionInfo& txn = it->second;
  if (created) {
    txn.transactional_id = c.transactional_id;
    txn.producer_id = next_producer_id_++;
    txn.producer_epoch = 0;
    transactional_producers_[txn.producer_id] = txn.transactional_id;
  } else {
    if (c.expected_producer_id >= 0 &&
        (c.expected_producer_id != txn.producer_id || c.expected_epoch != txn.producer_epoch)) {
      return CommandError(KafkaError::kProducerFenced,
                          "There is a newer producer with the same transactional id");
    }
    if (txn.state == TransactionState::kPrepareCommit ||
        txn.state == TransactionState::kPrepareAbort) {
      return CommandError(KafkaError::kConcurrentTransactions, "the transaction is ending");
    }
    // A new epoch fences the producers of older ones; an open transaction
    // is aborted with it (its markers carry the new epoch).
    if (txn.producer_epoch >= std::numeric_limits<int16_t>::max() - 1) {
      transactional_producers_.erase(txn.producer_id);
      txn.producer_id = next_producer_id_++;
      txn.producer_epoch = 0;
      transactional_producers_[txn.producer_id] = txn.transactional_id;
    } else {
      ++txn.producer_epoch;
    }
    if (Open(txn)) CompleteTransaction(txn, /*commit=*/false, c.now_ms);
  }
  if (!Open(txn)) txn.state = TransactionState::kEmpty;
  txn.timeout_ms = c.timeout_ms;
  txn.last_update_ms = c.now_ms;
  CommandResult result;
  result.producer_id = txn.producer_id;
  result.producer_epoch = txn.producer_epoch;
  return result;
}

CommandResult MetadataState::Do(const AddToTransaction& c) {
  auto it = transactions_.find(c.transactional_id);
  TransactionInfo* txn = it == transactions_.end() ? nullptr : &it->second;
  KafkaError error = CheckProducer(txn, c.producer_id, c.producer_epoch);
  if (error != KafkaError::kNone) return CommandError(error, "");
  for (const TopicPartition& tp : c.partitions) {
    if (FindPartition(tp) == nullptr) {
      return CommandError(KafkaError::kUnknownTopicOrPartition,
                          absl::StrCat(tp.topic, "-", tp.partition, " does not exist"));
    }
  }
  if (!Open(*txn)) {
    txn->state = TransactionState::kOngoing;
    txn->start_ms = c.now_ms;
  }
  std::set<TopicPartition> partitions(txn->partitions.begin(), txn->partitions.end());
  partitions.insert(c.partitions.begin(), c.partitions.end());
  txn->partitions.assign(partitions.begin(), partitions.end());
  std::set<std::string> groups(txn->groups.begin(), txn->groups.end());
  groups.insert(c.groups.begin(), c.groups.end());
  txn->groups.assign(groups.begin(), groups.end());
  txn->last_update_ms = c.now_ms;
  return {};
}

CommandResult MetadataState::Do(const CommitTransactionalOffsets& c) {
  auto it = transactions_.find(c.transactional_id);
  TransactionInfo* txn = it == transactions_.end() ? nullptr : &it->second;
  KafkaError error = CheckProducer(txn, c.producer_id, c.producer_epoch);
  if (error != KafkaError::kNone) return CommandError(error, "");
  if (!Open(*txn) || !std::binary_search(txn->groups.begin(), txn->groups.end(), c.group)) {
    return CommandError(KafkaError::kInvalidTxnState,
                        absl::StrCat("group ", c.group, " is not in the open transaction"));
  }
  std::map<TopicPartition, GroupOffset>& pending = pending_offsets_[c.group][c.producer_id];
  for (const CommitGroupOffsets::Entry& e : c.offsets) pending[e.tp] = e.offset;
  return {};
}

CommandResult MetadataState::Do(const EndTransaction& c) {
  auto it = transactions_.find(c.transactional_id);
  TransactionInfo* txn = it == transactions_.end() ? nullptr : &it->second;
  KafkaError error = CheckProducer(txn, c.producer_id, c.producer_epoch);
  if (error != KafkaError::kNone) return CommandError(error, "");
  if (Open(*txn)) {
    CompleteTransaction(*txn, c.commit, c.now_ms);
    return {};
  }
  // A retry of what happened already succeeds; anything else is a mistake.
  if ((c.commit && txn->state == TransactionState::kCompleteCommit) ||
      (!c.commit && txn->state == TransactionState::kCompleteAbort)) {
    return {};
  }
  return CommandError(KafkaError::kInvalidTxnState,
                      absl::StrCat("no open transaction to ", c.commit ? "commit" : "abort"));
}

CommandResult MetadataState::Do(const ExpireTransactions& c) {
  for (auto it = transactions_.begin(); it != transactions_.end();) {
    TransactionInfo& txn = it->second;
    if (Open(txn) && c.now_ms - txn.start_ms > txn.timeout_ms) {
      // Timed out: aborted under a new epoch, so its producer is fenced.
      if (txn.producer_epoch < std::numeric_limits<int16_t>::max() - 1) ++txn.producer_epoch;
      CompleteTransaction(txn, /*commit=*/false, c.now_ms);
    }
    if (!Open(txn) && c.now_ms - txn.last_update_ms > c.expiration_ms) {
      transactional_producers_.erase(txn.producer_id);
      for (auto& [group, producers] : pending_offsets_) producers.erase(txn.producer_id);
      it = transactions_.erase(it);
      continue;
    }
    ++it;
  }
  return {};
}

KafkaError MetadataState::CheckTransactionalBatch(const BatchToCommit& batch) const {
  auto producer = transactional_producers_.find(batch.producer_id);
  if (batch.producer_id < 0 || producer == transactional_producers_.end()) {
    return KafkaError::kInvalidProducerIdMapping;
  }
  const TransactionInfo& txn = transactions_.find(producer->second)->second;
  if (batch.producer_epoch < txn.producer_epoch) return KafkaError::kInvalidProducerEpoch;
  if (batch.producer_epoch != txn.producer_epoch || !Open(txn) ||
      !std::binary_search(txn.partitions.begin(), txn.partitions.end(),
                          TopicPartition{batch.topic, batch.partition})) {
    return KafkaError::kInvalidTxnState;
  }
  return KafkaError::kNone;
}

}  // namespace warp::metadata
