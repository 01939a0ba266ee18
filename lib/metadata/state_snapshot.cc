// Snapshots of MetadataState: every field, in a fixed order.
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/metadata/fields.h"
#include "lib/metadata/state.h"

namespace warp::metadata {

constexpr uint32_t kSnapshotMagic = 0x57415053;  // "WAPS"
// 2: the agents' listeners follow the state, by agent id (version 1 has
// none; still read).
// 3: then the security metadata: ACLs, SCRAM users, their revision
// (versions 1 and 2 have none; still read).
// 4: then the transactions: by transactional id, the pending offsets, and
// each partition's markers and open and aborted transactions (older
// versions have none; still read).
// 5: then each partition's producers' last write times (older versions
// have none: unknown, so the next ExpireProducers starts their clocks).
constexpr uint32_t kSnapshotVersion = 5;

template <typename Io> void Fields(Io& io, IndexEntry& v) {
  io(v.object_id); io(v.byte_offset); io(v.base_offset); io(v.last_offset);
  io(v.max_timestamp); io(v.byte_length);
}
template <typename Io> void Fields(Io& io, ProducerBatch& v) {
  io(v.first_seq); io(v.last_seq); io(v.base_offset); io(v.append_time);
}
template <typename Io> void Fields(Io& io, ProducerEntry& v) {
  io(v.epoch); io(v.batches);
}
template <typename Io> void Fields(Io& io, TransactionMarker& v) {
  io(v.producer_id); io(v.producer_epoch); io(v.commit);
}
template <typename Io> void Fields(Io& io, AbortedTransaction& v) {
  io(v.producer_id); io(v.first_offset); io(v.last_offset);
}
// A partition's transactions, in the snapshot's section of version 4.
struct PartitionTransactions {
  std::map<int64_t, TransactionMarker> markers;
  std::map<int64_t, int64_t> open;
  std::deque<AbortedTransaction> aborted;
};
template <typename Io> void Fields(Io& io, PartitionTransactions& v) {
  io(v.markers); io(v.open); io(v.aborted);
}
template <typename Io> void Fields(Io& io, ObjectRecord& v) {
  io(v.key); io(v.size); io(v.live_entries); io(v.created_ms); io(v.dead_since_ms);
}
template <typename Io> void Fields(Io& io, PartitionLog& log) {
  int64_t start = log.log_start_offset();
  int64_t hwm = log.high_watermark();
  std::deque<IndexEntry> entries;
  std::map<int64_t, ProducerEntry> producers;
  if constexpr (std::is_same_v<Io, FieldWriter>) {
    entries = log.entries();
    producers = log.producers();
  }
  io(start); io(hwm); io(entries); io(producers);
  if constexpr (std::is_same_v<Io, FieldReader>) {
    log.Restore(start, hwm, std::move(entries), std::move(producers));
  }
}

template <typename Io>
void Fields(Io& io, MetadataState& s) {
  uint32_t topic_count = static_cast<uint32_t>(s.topics_.size());
  io(topic_count);
  if constexpr (std::is_same_v<Io, FieldWriter>) {
    for (auto& [name, topic] : s.topics_) {
      io(topic.info);
      io(topic.partitions);
    }
  } else {
    for (uint32_t i = 0; i < topic_count && io.r.ok(); ++i) {
      MetadataState::Topic topic;
      io(topic.info);
      io(topic.partitions);
      std::string name = topic.info.name;
      s.topics_[name] = std::move(topic);
    }
  }
  io(s.objects_);
  io(s.object_ids_);
  io(s.next_object_id_);
  io(s.next_producer_id_);
  io(s.groups_);
  io(s.agents_);
}

std::string MetadataState::Snapshot() const {
  std::string out;
  FieldWriter io{BinaryWriter(&out)};
  io.w.Fixed<uint32_t>(kSnapshotMagic);
  io.w.Fixed<uint32_t>(kSnapshotVersion);
  io(*const_cast<MetadataState*>(this));
  std::map<std::string, std::vector<AgentListener>> listeners;
  for (const auto& [id, agent] : agents_) listeners[id] = agent.listeners;
  io(listeners);
  std::vector<acl::AclBinding> acls(acls_.begin(), acls_.end());
  io(acls);
  io(scram_users_);
  io(security_revision_);
  io(transactions_);
  io(pending_offsets_);
  std::map<TopicPartition, PartitionTransactions> partition_transactions;
  for (const auto& [name, topic] : topics_) {
    for (size_t p = 0; p < topic.partitions.size(); ++p) {
      const PartitionLog& log = topic.partitions[p];
      if (log.markers().empty() && log.transactions().open().empty() &&
          log.transactions().aborted().empty()) {
        continue;
      }
      partition_transactions[{name, static_cast<int32_t>(p)}] = {
          log.markers(), log.transactions().open(), log.transactions().aborted()};
    }
  }
  io(partition_transactions);
  std::map<TopicPartition, std::map<int64_t, int64_t>> producer_writes;
  for (const auto& [name, topic] : topics_) {
    for (size_t p = 0; p < topic.partitions.size(); ++p) {
      const PartitionLog& log = topic.partitions[p];
      if (log.producers().empty()) continue;
      std::map<int64_t, int64_t>& writes = producer_writes[{name, static_cast<int32_t>(p)}];
      for (const auto& [id, producer] : log.producers()) writes[id] = producer.last_write_ms;
    }
  }
  io(producer_writes);
  return out;
}

absl::StatusOr<MetadataState> MetadataState::FromSnapshot(absl::string_view bytes) {
  FieldReader io{BinaryReader(bytes)};
  uint32_t magic = io.r.Fixed<uint32_t>();
  uint32_t version = io.r.Fixed<uint32_t>();
  if (!io.r.ok() || magic != kSnapshotMagic) {
    return absl::DataLossError("not a warp metadata snapshot");
  }
  if (version < 1 || version > kSnapshotVersion) {
    return absl::DataLossError(absl::StrCat("unknown snapshot version ", version));
  }
  MetadataState state;
  io(state);
  if (version >= 2) {
    std::map<std::string, std::vector<AgentListener>> listeners;
    io(listeners);
    for (auto& [id, list] : listeners) {
      auto agent = state.agents_.find(id);
      if (agent == state.agents_.end()) {
        return absl::DataLossError(absl::StrCat("snapshot: listeners of unknown agent ", id));
      }
      agent->second.listeners = std::move(list);
    }
  }
  if (version >= 3) {
    std::vector<acl::AclBinding> acls;
    io(acls);
    state.acls_.insert(acls.begin(), acls.end());
    if (io.r.ok() && state.acls_.size() != acls.size()) {
      return absl::DataLossError("snapshot: an ACL binding is stored twice");
    }
    io(state.scram_users_);
    io(state.security_revision_);
  }
  if (version >= 4) {
    io(state.transactions_);
    io(state.pending_offsets_);
    std::map<TopicPartition, PartitionTransactions> partition_transactions;
    io(partition_transactions);
    for (auto& [tp, txns] : partition_transactions) {
      PartitionLog* log = state.MutablePartition(tp);
      if (log == nullptr) {
        return absl::DataLossError(absl::StrCat("snapshot: transactions of unknown partition ",
                                                tp.topic, "-", tp.partition));
      }
      log->RestoreTransactions(std::move(txns.markers), std::move(txns.open),
                               std::move(txns.aborted));
    }
    for (const auto& [id, txn] : state.transactions_) {
      state.transactional_producers_[txn.producer_id] = id;
    }
  }
  if (version >= 5) {
    std::map<TopicPartition, std::map<int64_t, int64_t>> producer_writes;
    io(producer_writes);
    for (const auto& [tp, writes] : producer_writes) {
      PartitionLog* log = state.MutablePartition(tp);
      if (log == nullptr || !log->RestoreProducerWrites(writes)) {
        return absl::DataLossError(absl::StrCat("snapshot: last writes of unknown producers of ",
                                                tp.topic, "-", tp.partition));
      }
    }
  }
  if (!io.r.ok()) return io.r.status();
  if (!io.r.done()) return absl::DataLossError("trailing bytes after snapshot");
  absl::Status references = state.CheckReferences();
  if (!references.ok()) return references;
  return state;
}

absl::Status MetadataState::CheckReferences() const {
  for (const auto& [name, topic] : topics_) {
    if (topic.info.partitions < 0 ||
        static_cast<size_t>(topic.info.partitions) != topic.partitions.size()) {
      return absl::DataLossError(absl::StrCat(
          "snapshot: topic ", name, " has ", topic.partitions.size(),
          " partitions, not ", topic.info.partitions));
    }
    for (const PartitionLog& log : topic.partitions) {
      for (const IndexEntry& entry : log.entries()) {
        if (entry.object_id == kMarkerObjectId && log.markers().contains(entry.base_offset)) {
          continue;  // a transaction marker: no object
        }
        if (!objects_.count(entry.object_id)) {
          return absl::DataLossError(absl::StrCat("snapshot: topic ", name,
                                                  " points into unknown object ",
                                                  entry.object_id));
        }
      }
    }
  }
  for (const auto& [key, id] : object_ids_) {
    if (!objects_.count(id)) {
      return absl::DataLossError(
          absl::StrCat("snapshot: object ", key, " has unknown id ", id));
    }
  }
  return absl::OkStatus();
}

}  // namespace warp::metadata
