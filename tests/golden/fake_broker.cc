#include "tests/golden/fake_broker.h"

#include <algorithm>
#include <type_traits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/protocol/messages/errors.h"
#include "lib/protocol/messages/request_codec.h"
#include "lib/protocol/record/record_batch.h"

namespace warp::kafka::golden {
namespace {

constexpr int32_t kNodeId = 0;
constexpr int32_t kLeaderEpoch = 0;
constexpr int64_t kProducerId = 1000;
constexpr int16_t kProducerEpoch = 0;
// The ListOffsets timestamp that asks for the earliest offset.
constexpr int64_t kEarliestTimestamp = -2;

// A stable, non-zero topic id derived from the name (FNV-1a), so that
// repeated Metadata answers agree without storing anything else.
Uuid TopicIdFor(const std::string& name) {
  Uuid id;
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < id.bytes.size(); ++i) {
    for (char c : name) h = (h ^ static_cast<uint8_t>(c)) * 0x100000001b3ull;
    h = (h ^ i) * 0x100000001b3ull;
    id.bytes[i] = static_cast<uint8_t>(h >> 56);
  }
  id.bytes[0] |= 1;  // Never the zero UUID.
  return id;
}

int16_t Error(ErrorCode code) { return ToInt16(code); }

}  // namespace

// Answers each request type the fake broker serves; any other type is
// UnimplementedError. Runs with the broker's mutex held.
class FakeBroker::Visitor {
 public:
  using Result = absl::StatusOr<std::optional<Response>>;

  Visitor(FakeBroker& broker, const RequestHeader& header)
      : broker_(broker), header_(header), version_(header.api_version) {}

  template <typename T>
  Result operator()(const T& request)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(broker_.mu_) {
    if constexpr (requires { Answer(request); }) {
      return Answer(request);
    } else {
      return absl::UnimplementedError(
          absl::StrCat("the fake broker does not answer ", T::kName));
    }
  }

 private:
  Result Answer(const ApiVersionsRequest&) {
    ApiVersionsResponse response = MakeApiVersionsResponse();
    if (!broker_.options_.advertise_legacy_produce_fetch) {
      // Only the versions that carry record batches (magic 2).
      for (ApiVersionsResponse::ApiVersion& api : response.api_keys) {
        if (api.api_key == ProduceRequest::kApiKey) api.min_version = 3;
        if (api.api_key == FetchRequest::kApiKey) api.min_version = 4;
      }
    }
    return Reply(std::move(response));
  }

  Result Answer(const MetadataRequest& request)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(broker_.mu_) {
    MetadataResponse response;
    MetadataResponse::MetadataResponseBroker& self =
        response.brokers.emplace_back();
    self.node_id = kNodeId;
    self.host = broker_.options_.host;
    self.port = broker_.options_.port;
    response.cluster_id = broker_.options_.cluster_id;
    response.controller_id = kNodeId;

    // Null (v1+) or, in v0, empty asks for every topic.
    const bool all_topics = !request.topics.has_value() ||
                            (version_ == 0 && request.topics->empty());
    std::vector<std::optional<std::string>> names;
    if (all_topics) {
      for (const auto& [name, topic] : broker_.topics_) names.push_back(name);
    } else {
      for (const auto& t : *request.topics) names.push_back(t.name);
    }
    for (const std::optional<std::string>& name : names) {
      MetadataResponse::MetadataResponseTopic& topic =
          response.topics.emplace_back();
      if (!name.has_value()) {  // Asked by id: the fake knows topics by name.
        topic.name = std::nullopt;
        topic.error_code = Error(ErrorCode::kUnknownTopicId);
        continue;
      }
      topic.name = *name;
      topic.topic_id = broker_.GetTopic(*name).id;
      MetadataResponse::MetadataResponsePartition& partition =
          topic.partitions.emplace_back();
      partition.partition_index = 0;
      partition.leader_id = kNodeId;
      partition.leader_epoch = kLeaderEpoch;
      partition.replica_nodes = {kNodeId};
      partition.isr_nodes = {kNodeId};
    }
    return Reply(std::move(response));
  }

  Result Answer(const ProduceRequest& request)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(broker_.mu_) {
    ProduceResponse response;
    for (const ProduceRequest::TopicProduceData& t : request.topic_data) {
      ProduceResponse::TopicProduceResponse& topic_response =
          response.responses.emplace_back();
      topic_response.name = t.name;
      for (const ProduceRequest::PartitionProduceData& p : t.partition_data) {
        ProduceResponse::PartitionProduceResponse& partition_response =
            topic_response.partition_responses.emplace_back();
        partition_response.index = p.index;
        partition_response.log_start_offset = 0;
        if (p.index != 0) {
          partition_response.error_code =
              Error(ErrorCode::kUnknownTopicOrPartition);
          continue;
        }
        absl::StatusOr<int64_t> base = Append(t.name, p.records.value_or(""));
        if (!base.ok()) {
          partition_response.error_code = Error(ErrorCode::kCorruptMessage);
          partition_response.error_message = base.status().ToString();
          continue;
        }
        partition_response.base_offset = *base;
      }
    }
    broker_.appended_.SignalAll();
    if (request.acks == 0) return std::optional<Response>();
    return Reply(std::move(response));
  }

  Result Answer(const InitProducerIdRequest&) {
    InitProducerIdResponse response;
    response.producer_id = kProducerId;
    response.producer_epoch = kProducerEpoch;
    return Reply(response);
  }

  Result Answer(const FindCoordinatorRequest& request) {
    FindCoordinatorResponse response;
    if (version_ >= 4) {
      for (const std::string& key : request.coordinator_keys) {
        FindCoordinatorResponse::Coordinator& c =
            response.coordinators.emplace_back();
        c.key = key;
        c.node_id = kNodeId;
        c.host = broker_.options_.host;
        c.port = broker_.options_.port;
        c.error_message = std::nullopt;
      }
    } else {
      response.node_id = kNodeId;
      response.host = broker_.options_.host;
      response.port = broker_.options_.port;
      response.error_message = std::nullopt;
    }
    return Reply(std::move(response));
  }

  Result Answer(const FetchRequest& request)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(broker_.mu_) {
    // Long poll: wait for records (any partition asked for), at most
    // max_wait_ms and the configured cap.
    const absl::Time deadline =
        absl::Now() + std::min(absl::Milliseconds(request.max_wait_ms),
                               broker_.options_.max_fetch_wait);
    while (!broker_.HasRecords(request)) {
      if (broker_.appended_.WaitWithDeadline(&broker_.mu_, deadline)) break;
    }

    FetchResponse response;
    for (const FetchRequest::FetchTopic& t : request.topics) {
      FetchResponse::FetchableTopicResponse& topic_response =
          response.responses.emplace_back();
      topic_response.topic = t.topic;
      const Topic& topic = broker_.GetTopic(t.topic);
      for (const FetchRequest::FetchPartition& p : t.partitions) {
        FetchResponse::PartitionData& data =
            topic_response.partitions.emplace_back();
        data.partition_index = p.partition;
        if (p.partition != 0) {
          data.error_code = Error(ErrorCode::kUnknownTopicOrPartition);
          data.high_watermark = -1;
          continue;
        }
        data.high_watermark = topic.next_offset;
        data.last_stable_offset = topic.next_offset;
        data.log_start_offset = 0;
        if (p.fetch_offset < 0 || p.fetch_offset > topic.next_offset) {
          data.error_code = Error(ErrorCode::kOffsetOutOfRange);
          continue;
        }
        std::string& records = data.records.emplace();
        for (const StoredBatch& batch : topic.batches) {
          if (batch.last_offset < p.fetch_offset) continue;
          // Always at least one batch, as Kafka does (KIP-74).
          if (!records.empty() &&
              records.size() + batch.bytes.size() >
                  static_cast<size_t>(std::max(p.partition_max_bytes, 0))) {
            break;
          }
          records += batch.bytes;
        }
      }
    }
    return Reply(std::move(response));
  }

  Result Answer(const ListOffsetsRequest& request)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(broker_.mu_) {
    ListOffsetsResponse response;
    for (const ListOffsetsRequest::ListOffsetsTopic& t : request.topics) {
      ListOffsetsResponse::ListOffsetsTopicResponse& topic_response =
          response.topics.emplace_back();
      topic_response.name = t.name;
      const Topic& topic = broker_.GetTopic(t.name);
      for (const ListOffsetsRequest::ListOffsetsPartition& p : t.partitions) {
        ListOffsetsResponse::ListOffsetsPartitionResponse& partition =
            topic_response.partitions.emplace_back();
        partition.partition_index = p.partition_index;
        if (p.partition_index != 0) {
          partition.error_code = Error(ErrorCode::kUnknownTopicOrPartition);
          continue;
        }
        // Earliest is 0 (nothing is ever deleted). Latest, and anything
        // else (a real timestamp, MAX_TIMESTAMP -3): the fake keeps no time
        // index, so the next offset.
        const int64_t offset =
            p.timestamp == kEarliestTimestamp ? 0 : topic.next_offset;
        partition.offset = offset;
        partition.old_style_offsets = {offset};
        partition.leader_epoch = kLeaderEpoch;
      }
    }
    return Reply(std::move(response));
  }

  Result Answer(const JoinGroupRequest& request)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(broker_.mu_) {
    Group& group = broker_.groups_[request.group_id];
    std::string member_id = request.member_id;
    if (member_id.empty()) {
      member_id = absl::StrCat(header_.client_id.value_or("member"), "-",
                               broker_.next_member_++);
    }
    ++group.generation;
    group.member_id = member_id;
    group.protocol_name =
        request.protocols.empty() ? "" : request.protocols.front().name;
    group.assignment.clear();

    JoinGroupResponse response;
    response.generation_id = group.generation;
    response.protocol_type = request.protocol_type;
    response.protocol_name = group.protocol_name;
    response.leader = member_id;
    response.member_id = member_id;
    JoinGroupResponse::JoinGroupResponseMember& member =
        response.members.emplace_back();
    member.member_id = member_id;
    member.group_instance_id = request.group_instance_id;
    if (!request.protocols.empty()) {
      member.metadata = request.protocols.front().metadata;
    }
    return Reply(std::move(response));
  }

  Result Answer(const SyncGroupRequest& request)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(broker_.mu_) {
    Group& group = broker_.groups_[request.group_id];
    for (const auto& a : request.assignments) {
      if (a.member_id == request.member_id) group.assignment = a.assignment;
    }
    SyncGroupResponse response;
    response.protocol_type = request.protocol_type;
    response.protocol_name = group.protocol_name;
    response.assignment = group.assignment;
    return Reply(std::move(response));
  }

  Result Answer(const HeartbeatRequest&) { return Reply(HeartbeatResponse()); }

  Result Answer(const LeaveGroupRequest& request)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(broker_.mu_) {
    Group& group = broker_.groups_[request.group_id];
    group.member_id.clear();
    group.assignment.clear();
    LeaveGroupResponse response;
    for (const auto& m : request.members) {
      LeaveGroupResponse::MemberResponse& r = response.members.emplace_back();
      r.member_id = m.member_id;
      r.group_instance_id = m.group_instance_id;
    }
    return Reply(std::move(response));
  }

  Result Answer(const OffsetCommitRequest& request)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(broker_.mu_) {
    Group& group = broker_.groups_[request.group_id];
    OffsetCommitResponse response;
    for (const auto& t : request.topics) {
      OffsetCommitResponse::OffsetCommitResponseTopic& topic =
          response.topics.emplace_back();
      topic.name = t.name;
      for (const auto& p : t.partitions) {
        group.committed[{t.name, p.partition_index}] = p.committed_offset;
        topic.partitions.emplace_back().partition_index = p.partition_index;
      }
    }
    return Reply(std::move(response));
  }

  Result Answer(const OffsetFetchRequest& request)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(broker_.mu_) {
    OffsetFetchResponse response;
    if (version_ >= 8) {
      for (const auto& g : request.groups) {
        OffsetFetchResponse::OffsetFetchResponseGroup& group_response =
            response.groups.emplace_back();
        group_response.group_id = g.group_id;
        const Group& group = broker_.groups_[g.group_id];
        for (const auto& [name, partitions] : Wanted(group, g.topics)) {
          auto& topic = group_response.topics.emplace_back();
          topic.name = name;
          for (int32_t index : partitions) {
            auto& p = topic.partitions.emplace_back();
            p.partition_index = index;
            p.committed_offset = Committed(group, name, index);
          }
        }
      }
      return Reply(std::move(response));
    }
    const Group& group = broker_.groups_[request.group_id];
    for (const auto& [name, partitions] : Wanted(group, request.topics)) {
      auto& topic = response.topics.emplace_back();
      topic.name = name;
      for (int32_t index : partitions) {
        auto& p = topic.partitions.emplace_back();
        p.partition_index = index;
        p.committed_offset = Committed(group, name, index);
      }
    }
    return Reply(std::move(response));
  }

  // The topics and partitions an OffsetFetch asks about: those listed, or
  // (null list) every one the group committed.
  template <typename TopicList>
  static std::vector<std::pair<std::string, std::vector<int32_t>>> Wanted(
      const Group& group, const std::optional<TopicList>& topics) {
    std::vector<std::pair<std::string, std::vector<int32_t>>> wanted;
    if (topics.has_value()) {
      for (const auto& t : *topics) {
        wanted.emplace_back(t.name, t.partition_indexes);
      }
      return wanted;
    }
    for (const auto& [key, offset] : group.committed) {
      if (wanted.empty() || wanted.back().first != key.first) {
        wanted.emplace_back(key.first, std::vector<int32_t>());
      }
      wanted.back().second.push_back(key.second);
    }
    return wanted;
  }

  static int64_t Committed(const Group& group, const std::string& topic,
                           int32_t partition) {
    auto it = group.committed.find({topic, partition});
    return it == group.committed.end() ? -1 : it->second;
  }

  // Appends the batches of one Produce partition to `topic_name` after
  // checking them; returns the first one's offset.
  absl::StatusOr<int64_t> Append(const std::string& topic_name,
                                 absl::string_view records)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(broker_.mu_) {
    absl::StatusOr<RecordBatchSequence> split = SplitRecordBatches(records);
    if (!split.ok()) return split.status();
    if (!split->partial_tail.empty() || split->batches.empty()) {
      return absl::InvalidArgumentError("records hold no whole batches");
    }
    for (absl::string_view batch : split->batches) {
      absl::StatusOr<RecordBatchHeader> header = ParseRecordBatchHeader(batch);
      if (!header.ok()) return header.status();
    }
    Topic& topic = broker_.GetTopic(topic_name);
    const int64_t base = topic.next_offset;
    for (absl::string_view batch : split->batches) {
      StoredBatch& stored = topic.batches.emplace_back();
      stored.bytes = std::string(batch);
      const int32_t last_delta =
          ParseRecordBatchHeader(batch)->last_offset_delta;
      stored.base_offset = topic.next_offset;
      stored.last_offset = topic.next_offset + last_delta;
      absl::Status s = SetBaseOffsetAndLeaderEpoch(
          absl::MakeSpan(stored.bytes), stored.base_offset, kLeaderEpoch);
      if (!s.ok()) return s;
      topic.next_offset = stored.last_offset + 1;
    }
    return base;
  }

  static Result Reply(Response response) {
    return std::optional<Response>(std::move(response));
  }

  FakeBroker& broker_;
  const RequestHeader& header_;
  const int16_t version_;
};

FakeBroker::FakeBroker(FakeBrokerOptions options)
    : options_(std::move(options)) {}

absl::StatusOr<std::optional<Response>> FakeBroker::Handle(
    const RequestHeader& header, const Request& request) {
  if (ApiKeyOf(request) != header.api_key) {
    return absl::InvalidArgumentError("request body of another api key");
  }
  absl::MutexLock lock(&mu_);
  return std::visit(Visitor(*this, header), request);
}

int64_t FakeBroker::NextOffset(const std::string& topic) const {
  absl::MutexLock lock(&mu_);
  auto it = topics_.find(topic);
  return it == topics_.end() ? 0 : it->second.next_offset;
}

FakeBroker::Topic& FakeBroker::GetTopic(const std::string& name) {
  auto [it, inserted] = topics_.try_emplace(name);
  if (inserted) it->second.id = TopicIdFor(name);
  return it->second;
}

bool FakeBroker::HasRecords(const FetchRequest& request) const {
  for (const FetchRequest::FetchTopic& t : request.topics) {
    auto it = topics_.find(t.topic);
    if (it == topics_.end()) continue;
    for (const FetchRequest::FetchPartition& p : t.partitions) {
      if (p.partition == 0 && p.fetch_offset < it->second.next_offset) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace warp::kafka::golden
