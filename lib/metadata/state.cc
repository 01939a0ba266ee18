#include "lib/metadata/state.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "lib/metadata/topic_config.h"

namespace warp::metadata {
namespace {

// Whether bytes [offset, offset + length) lie in an object of `size` bytes
// (written so that no sum wraps).
bool InsideObject(uint64_t offset, uint32_t length, uint64_t size) {
  return offset <= size && length <= size - offset;
}

}  // namespace

CommandResult MetadataState::Apply(const Command& command) {
  return std::visit([this](const auto& c) { return Do(c); }, command);
}

PartitionLog* MetadataState::MutablePartition(const TopicPartition& tp) {
  auto it = topics_.find(tp.topic);
  if (it == topics_.end() || tp.partition < 0 ||
      tp.partition >= static_cast<int32_t>(it->second.partitions.size())) {
    return nullptr;
  }
  return &it->second.partitions[tp.partition];
}

const PartitionLog* MetadataState::FindPartition(const TopicPartition& tp) const {
  return const_cast<MetadataState*>(this)->MutablePartition(tp);
}

uint64_t MetadataState::AddObject(const std::string& key, uint64_t size,
                                  int64_t now_ms) {
  uint64_t id = next_object_id_++;
  objects_[id] = ObjectRecord{key, size, 0, now_ms, -1};
  object_ids_[key] = id;
  return id;
}

void MetadataState::Release(uint64_t object_id, int64_t now_ms) {
  auto it = objects_.find(object_id);
  if (it == objects_.end()) return;
  if (--it->second.live_entries <= 0 && it->second.dead_since_ms < 0) {
    it->second.live_entries = 0;
    it->second.dead_since_ms = now_ms;
  }
}

CommandResult MetadataState::Do(const CommitFile& c) {
  if (object_ids_.count(c.object_key)) {
    return CommandError(KafkaError::kInvalidRequest,
                 absl::StrCat("object ", c.object_key, " was already committed"));
  }
  uint64_t object_id = AddObject(c.object_key, c.object_size, c.commit_time_ms);
  ObjectRecord& object = objects_[object_id];
  CommandResult result;
  result.batches.resize(c.batches.size());
  for (size_t i = 0; i < c.batches.size(); ++i) {
    const BatchToCommit& batch = c.batches[i];
    BatchResult& out = result.batches[i];
    auto topic = topics_.find(batch.topic);
    PartitionLog* log = MutablePartition({batch.topic, batch.partition});
    if (log == nullptr) {
      out.error = KafkaError::kUnknownTopicOrPartition;
      continue;
    }
    if (batch.record_count <= 0 || batch.byte_length == 0 ||
        !InsideObject(batch.byte_offset, batch.byte_length, c.object_size)) {
      out.error = KafkaError::kCorruptMessage;
      continue;
    }
    if (batch.transactional) {
      // KIP-890: only into a partition added to the producer's open
      // transaction, at its current epoch.
      KafkaError txn_error = CheckTransactionalBatch(batch);
      if (txn_error != KafkaError::kNone) {
        out.error = txn_error;
        continue;
      }
    }
    SequenceCheck check = log->CheckSequence(batch);
    out.log_start_offset = log->log_start_offset();
    if (check.duplicate != nullptr) {
      out.base_offset = check.duplicate->base_offset;
      out.log_append_time = check.duplicate->append_time;
      out.duplicate = true;
      continue;
    }
    if (check.error != KafkaError::kNone) {
      out.error = check.error;
      continue;
    }
    bool log_append_time =
        EffectiveConfig(topic->second.info.configs, "message.timestamp.type") ==
        "LogAppendTime";
    int64_t append_time = log_append_time ? c.commit_time_ms : -1;
    out.base_offset = log->Append(
        batch, object_id, log_append_time ? c.commit_time_ms : batch.max_timestamp,
        append_time, c.commit_time_ms);
    out.log_append_time = append_time;
    ++object.live_entries;
  }
  if (object.live_entries == 0) object.dead_since_ms = c.commit_time_ms;
  return result;
}

CommandResult MetadataState::Do(const CreateTopic& c) {
  ConfigCheck name = ValidateTopicName(c.name);
  if (!name.ok()) return CommandError(name.error, name.message);
  if (topics_.count(c.name)) {
    return CommandError(KafkaError::kTopicAlreadyExists,
                 absl::StrCat("Topic '", c.name, "' already exists."));
  }
  if (c.partitions <= 0 || c.partitions > kMaxPartitions) {
    return CommandError(KafkaError::kInvalidPartitions,
                 absl::StrCat("Number of partitions must be between 1 and ",
                              kMaxPartitions, "; got ", c.partitions));
  }
  ConfigCheck configs = ValidateTopicConfigs(c.configs);
  if (!configs.ok()) return CommandError(configs.error, configs.message);
  Topic& topic = topics_[c.name];
  topic.info = TopicInfo{c.name, c.id, c.partitions, c.configs};
  topic.partitions.resize(c.partitions);
  return {};
}

CommandResult MetadataState::Do(const DeleteTopic& c) {
  auto it = topics_.find(c.name);
  if (it == topics_.end()) {
    return CommandError(KafkaError::kUnknownTopicOrPartition,
                 absl::StrCat("Topic '", c.name, "' does not exist."));
  }
  for (const PartitionLog& log : it->second.partitions) {
    for (const IndexEntry& entry : log.entries()) Release(entry.object_id, c.time_ms);
  }
  topics_.erase(it);
  return {};
}

CommandResult MetadataState::Do(const CreatePartitions& c) {
  auto it = topics_.find(c.topic);
  if (it == topics_.end()) {
    return CommandError(KafkaError::kUnknownTopicOrPartition,
                 absl::StrCat("Topic '", c.topic, "' does not exist."));
  }
  int32_t current = it->second.info.partitions;
  if (c.new_total <= current) {
    return CommandError(KafkaError::kInvalidPartitions,
                 absl::StrCat("Topic currently has ", current,
                              " partitions, which is higher than or equal to "
                              "the requested ", c.new_total, "."));
  }
  if (c.new_total > kMaxPartitions) {
    return CommandError(KafkaError::kInvalidPartitions,
                 absl::StrCat("at most ", kMaxPartitions, " partitions"));
  }
  it->second.info.partitions = c.new_total;
  it->second.partitions.resize(c.new_total);
  return {};
}

CommandResult MetadataState::Do(const AlterTopicConfigs& c) {
  auto it = topics_.find(c.topic);
  if (it == topics_.end()) {
    return CommandError(KafkaError::kUnknownTopicOrPartition,
                 absl::StrCat("Topic '", c.topic, "' does not exist."));
  }
  TopicConfigs updated = c.replace ? TopicConfigs{} : it->second.info.configs;
  for (const auto& [k, v] : c.set) updated[k] = v;
  for (const std::string& k : c.remove) updated.erase(k);
  ConfigCheck check = ValidateTopicConfigs(updated);
  if (!check.ok()) return CommandError(check.error, check.message);
  it->second.info.configs = std::move(updated);
  return {};
}

CommandResult MetadataState::Do(const AllocateProducerIds& c) {
  if (c.count <= 0) return CommandError(KafkaError::kInvalidRequest, "count must be positive");
  CommandResult result;
  result.producer_id = next_producer_id_;
  next_producer_id_ += c.count;
  return result;
}

CommandResult MetadataState::Do(const CommitGroupOffsets& c) {
  for (const CommitGroupOffsets::Entry& e : c.offsets) {
    if (FindPartition(e.tp) == nullptr) {
      return CommandError(KafkaError::kUnknownTopicOrPartition,
                   absl::StrCat(e.tp.topic, "-", e.tp.partition, " does not exist"));
    }
  }
  auto& group = groups_[c.group];
  for (const CommitGroupOffsets::Entry& e : c.offsets) {
    GroupOffset offset = e.offset;
    offset.commit_time_ms = c.commit_time_ms;
    group[e.tp] = std::move(offset);
  }
  return {};
}

CommandResult MetadataState::Do(const DeleteGroupOffsets& c) {
  auto it = groups_.find(c.group);
  if (it == groups_.end()) {
    return CommandError(KafkaError::kGroupIdNotFound,
                 absl::StrCat("group ", c.group, " has no committed offsets"));
  }
  if (c.partitions.empty()) {
    groups_.erase(it);
    return {};
  }
  for (const TopicPartition& tp : c.partitions) it->second.erase(tp);
  if (it->second.empty()) groups_.erase(it);
  return {};
}

CommandResult MetadataState::Do(const DeleteRecords& c) {
  PartitionLog* log = MutablePartition(c.tp);
  if (log == nullptr) {
    return CommandError(KafkaError::kUnknownTopicOrPartition,
                 absl::StrCat(c.tp.topic, "-", c.tp.partition, " does not exist"));
  }
  int64_t target = c.before_offset == -1 ? log->high_watermark() : c.before_offset;
  if (target < 0 || target > log->high_watermark()) {
    return CommandError(KafkaError::kOffsetOutOfRange,
                 absl::StrCat("offset ", c.before_offset, " is beyond the high watermark ",
                              log->high_watermark()));
  }
  log->AdvanceLogStart(target, [&](uint64_t id) { Release(id, c.time_ms); });
  CommandResult result;
  result.log_start_offset = log->log_start_offset();
  return result;
}

CommandResult MetadataState::Do(const ReplaceFiles& c) {
  std::set<uint64_t> inputs;
  for (const std::string& key : c.inputs) {
    auto id = object_ids_.find(key);
    if (id == object_ids_.end() || objects_[id->second].dead_since_ms >= 0) {
      return CommandError(KafkaError::kStaleInput,
                   absl::StrCat("input object ", key, " is no longer live"));
    }
    inputs.insert(id->second);
  }
  if (object_ids_.count(c.output_key)) {
    return CommandError(KafkaError::kInvalidRequest,
                 absl::StrCat("object ", c.output_key, " already exists"));
  }
  // Validate every range before changing anything: all or nothing.
  struct Span {
    PartitionLog* log;
    size_t first, last;
  };
  std::vector<Span> spans;
  for (const ReplaceFiles::Range& range : c.ranges) {
    PartitionLog* log = MutablePartition(range.tp);
    if (log == nullptr) {
      return CommandError(KafkaError::kStaleInput,
                   absl::StrCat(range.tp.topic, "-", range.tp.partition, " is gone"));
    }
    size_t first = log->FindEntry(range.base_offset);
    size_t last = log->FindEntry(range.last_offset);
    const auto& entries = log->entries();
    if (range.base_offset > range.last_offset || first >= entries.size() ||
        last >= entries.size() ||
        entries[first].base_offset != range.base_offset ||
        entries[last].last_offset != range.last_offset ||
        !InsideObject(range.byte_offset, range.byte_length, c.output_size)) {
      return CommandError(KafkaError::kStaleInput,
                   absl::StrCat("range ", range.base_offset, "-", range.last_offset,
                                " of ", range.tp.topic, "-", range.tp.partition,
                                " no longer matches the index"));
    }
    for (size_t i = first; i <= last; ++i) {
      // A transaction marker in the range (kept in no object) is replaced
      // too: keyed compaction writes it into the output as a control batch,
      // or drops it once its transaction has nothing left.
      if (entries[i].object_id == kMarkerObjectId) continue;
      if (!inputs.count(entries[i].object_id)) {
        return CommandError(KafkaError::kStaleInput,
                     absl::StrCat("offset ", entries[i].base_offset, " of ",
                                  range.tp.topic, "-", range.tp.partition,
                                  " is not in the compaction's inputs"));
      }
    }
    for (const Span& other : spans) {
      if (other.log == log && !(last < other.first || first > other.last)) {
        return CommandError(KafkaError::kInvalidRequest, "overlapping ranges");
      }
    }
    spans.push_back({log, first, last});
  }
  uint64_t output = AddObject(c.output_key, c.output_size, c.time_ms);
  // Apply from the highest index down so earlier spans' indexes stay valid.
  std::vector<size_t> order(c.ranges.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return spans[a].log != spans[b].log ? spans[a].log < spans[b].log
                                        : spans[a].first > spans[b].first;
  });
  for (size_t i : order) {
    const ReplaceFiles::Range& range = c.ranges[i];
    const Span& span = spans[i];
    for (size_t e = span.first; e <= span.last; ++e) {
      Release(span.log->entries()[e].object_id, c.time_ms);
    }
    IndexEntry merged;
    merged.object_id = output;
    merged.byte_offset = range.byte_offset;
    merged.byte_length = range.byte_length;
    merged.base_offset = range.base_offset;
    merged.last_offset = range.last_offset;
    merged.max_timestamp = range.max_timestamp;
    span.log->ReplaceEntries(span.first, span.last, merged);
    ++objects_[output].live_entries;
  }
  if (objects_[output].live_entries == 0) objects_[output].dead_since_ms = c.time_ms;
  return {};
}

CommandResult MetadataState::Do(const ForgetObjects& c) {
  for (const std::string& key : c.keys) {
    auto id = object_ids_.find(key);
    if (id == object_ids_.end()) continue;
    auto object = objects_.find(id->second);
    if (object->second.dead_since_ms < 0) continue;  // still live: keep
    objects_.erase(object);
    object_ids_.erase(id);
  }
  return {};
}

CommandResult MetadataState::Do(const RegisterAgent& c) {
  agents_[c.agent.id] = c.agent;
  return {};
}

CommandResult MetadataState::Do(const RegisterAgentWithListeners& c) {
  agents_[c.agent.id] = c.agent;
  return {};
}

CommandResult MetadataState::Do(const ExpireProducers& c) {
  int64_t forgotten = 0;
  for (auto& [name, topic] : topics_) {
    for (PartitionLog& log : topic.partitions) {
      forgotten += log.ExpireProducers(c.now_ms, c.expiration_ms);
    }
  }
  CommandResult result;
  if (forgotten > 0) result.message = absl::StrCat(forgotten, " producer entries forgotten");
  return result;
}

CommandResult MetadataState::Do(const ExpireAgents& c) {
  for (auto it = agents_.begin(); it != agents_.end();) {
    it = it->second.lease_expires_ms < c.now_ms ? agents_.erase(it) : std::next(it);
  }
  return {};
}

const TopicInfo* MetadataState::FindTopic(absl::string_view name) const {
  auto it = topics_.find(name);
  return it == topics_.end() ? nullptr : &it->second.info;
}

std::vector<TopicInfo> MetadataState::ListTopics() const {
  std::vector<TopicInfo> out;
  for (const auto& [name, topic] : topics_) out.push_back(topic.info);
  return out;
}

KafkaError MetadataState::FindBatches(const TopicPartition& tp, int64_t offset,
                                      uint64_t max_bytes,
                                      std::vector<BatchLocation>* out) const {
  const PartitionLog* log = FindPartition(tp);
  if (log == nullptr) return KafkaError::kUnknownTopicOrPartition;
  if (offset < log->log_start_offset() || offset > log->high_watermark()) {
    return KafkaError::kOffsetOutOfRange;
  }
  const auto& entries = log->entries();
  uint64_t bytes = 0;
  for (size_t i = log->FindEntry(offset); i < entries.size(); ++i) {
    const IndexEntry& e = entries[i];
    if (!out->empty() && bytes + e.byte_length > max_bytes) break;
    BatchLocation location{e.object_id == kMarkerObjectId ? std::string()
                                                          : objects_.at(e.object_id).key,
                           e.byte_offset, e.byte_length, e.base_offset, e.last_offset,
                           e.max_timestamp};
    if (e.object_id == kMarkerObjectId) {
      const TransactionMarker& marker = log->markers().at(e.base_offset);
      location.marker = true;
      location.producer_id = marker.producer_id;
      location.producer_epoch = marker.producer_epoch;
      location.commit = marker.commit;
    }
    out->push_back(std::move(location));
    bytes += e.byte_length;
    if (bytes >= max_bytes) break;
  }
  return KafkaError::kNone;
}

int64_t MetadataState::OffsetForTimestamp(const TopicPartition& tp,
                                          int64_t timestamp_ms) const {
  const PartitionLog* log = FindPartition(tp);
  if (log == nullptr) return -1;
  for (const IndexEntry& e : log->entries()) {
    if (e.max_timestamp >= timestamp_ms) {
      return std::max(e.base_offset, log->log_start_offset());
    }
  }
  return -1;
}

const std::map<TopicPartition, GroupOffset>* MetadataState::GroupOffsets(
    absl::string_view group) const {
  auto it = groups_.find(group);
  return it == groups_.end() ? nullptr : &it->second;
}

std::vector<std::string> MetadataState::ListGroups() const {
  std::vector<std::string> out;
  for (const auto& [name, offsets] : groups_) out.push_back(name);
  return out;
}

std::vector<AgentInfo> MetadataState::Agents() const {
  std::vector<AgentInfo> out;
  for (const auto& [id, agent] : agents_) out.push_back(agent);
  return out;
}

std::vector<ObjectRecord> MetadataState::DeadObjects(int64_t before_ms) const {
  std::vector<ObjectRecord> out;
  for (const auto& [id, object] : objects_) {
    if (object.dead_since_ms >= 0 && object.dead_since_ms < before_ms) {
      out.push_back(object);
    }
  }
  return out;
}

const ObjectRecord* MetadataState::FindObject(absl::string_view key) const {
  auto id = object_ids_.find(key);
  return id == object_ids_.end() ? nullptr : &objects_.at(id->second);
}

}  // namespace warp::metadata
