// ApiVersions, Metadata, Produce, Fetch, ListOffsets and InitProducerId
// (FindCoordinator and the group APIs are in group_handlers.cc).
#include <algorithm>
#include <atomic>
#include <cstring>
#include <limits>
#include <memory>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/synchronization/mutex.h"
#include "lib/metadata/topic_config.h"
#include "lib/protocol/messages/request_codec.h"
#include "lib/protocol/record/record_batch.h"
#include "server/authorization.h"
#include "server/handler.h"
#include "server/groups/placement.h"
#include "server/routing.h"

namespace warp::server {
namespace {

using namespace kafka;  // NOLINT: the handlers speak the protocol's names
using acl::AclOperation;

// How long a client whose connection is over its byte budget is asked to
// wait before its next fetch (the response's throttle time).
constexpr int32_t kOverBudgetThrottleMs = 100;

// Topics one Metadata request may auto-create (see HandleMetadata).
constexpr int kMaxAutoCreatesPerMetadata = 100;

// A fetch's reservations against its connection's byte budgets (see
// FetchMemory): what the answering attempt holds is given back once the
// server counts the response.
class SessionFetchMemory final : public FetchMemory {
 public:
  explicit SessionFetchMemory(std::shared_ptr<Session> session) : session_(std::move(session)) {}
  ~SessionFetchMemory() override { ReleaseAll(); }

  uint64_t Reserve(uint64_t wanted) override {
    int64_t granted = session_->ReserveResponse(
        static_cast<int64_t>(std::min<uint64_t>(wanted, INT64_MAX)));
    held_ += granted;
    starved_ = granted == 0;
    return static_cast<uint64_t>(granted);
  }
  void Release(uint64_t bytes) override {
    // Never more than is held, even when attempts give back at once.
    uint64_t held = held_.load();
    uint64_t give;
    do {
      give = std::min(bytes, held);
    } while (give > 0 && !held_.compare_exchange_weak(held, held - give));
    session_->ReleaseResponse(static_cast<int64_t>(give));
  }
  void ReleaseAll() { Release(held_.load()); }
  // Whether the latest attempt was granted nothing (offsets only).
  bool starved() const { return starved_.load(); }

 private:
  const std::shared_ptr<Session> session_;
  std::atomic<uint64_t> held_{0};
  std::atomic<bool> starved_{false};
};

// The first Fetch version whose records are record batches (magic 2).
constexpr int16_t kFirstRecordBatchFetchVersion = 4;

void HandleApiVersions(const HandlerContext&, Request&, Reply reply) {
  reply(Response(AdvertisedApiVersions()));
}

// Every partition is led by one of `brokers`, spread round-robin; the
// leader is its only replica (any agent serves any partition: leadership is
// where the client is sent, not where the data is).
MetadataResponse::MetadataResponseTopic DescribeTopic(const std::vector<Broker>& brokers,
                                                      const TopicInfo& topic) {
  MetadataResponse::MetadataResponseTopic out;
  out.name = topic.name;
  out.topic_id = ToUuid(topic.id);
  for (int32_t p = 0; p < topic.partitions; ++p) {
    MetadataResponse::MetadataResponsePartition part;
    part.partition_index = p;
    part.leader_id = LeaderFor(brokers, topic.name, p).node_id;
    part.leader_epoch = 0;
    part.replica_nodes = {part.leader_id};
    part.isr_nodes = {part.leader_id};
    out.partitions.push_back(part);
  }
  return out;
}

void HandleMetadata(const HandlerContext& ctx, Request& request, Reply reply) {
  auto& req = std::get<MetadataRequest>(request);
  Agent& agent = *ctx.agent;
  const RequestAuthorizer auth(ctx);
  MetadataResponse resp;
  std::vector<Broker> brokers = BrokersFor(ctx);
  for (const Broker& b : brokers) {
    MetadataResponse::MetadataResponseBroker& broker = resp.brokers.emplace_back();
    broker.node_id = b.node_id;
    broker.host = b.host;
    broker.port = b.port;
    if (!b.zone.empty()) broker.rack = b.zone;
    else broker.rack = std::nullopt;
  }
  resp.controller_id = brokers.front().node_id;
  resp.cluster_id = agent.cluster_id();
  if (req.include_cluster_authorized_operations) {
    resp.cluster_authorized_operations =
        auth.Cluster(AclOperation::kDescribe)
            ? auth.AuthorizedOperations(acl::ResourceType::kCluster, acl::kClusterResourceName)
            : 0;
  }
  auto describe = [&](const TopicInfo& topic) {
    resp.topics.push_back(DescribeTopic(brokers, topic));
    if (req.include_topic_authorized_operations) {
      resp.topics.back().topic_authorized_operations =
          auth.AuthorizedOperations(acl::ResourceType::kTopic, topic.name);
    }
  };
  bool all = !req.topics.has_value() ||
             (ctx.header.api_version == 0 && req.topics->empty());
  if (all) {
    // Only the topics the principal may describe, as Kafka lists them.
    for (const TopicInfo& topic : agent.metadata().ListTopics()) {
      if (auth.Topic(AclOperation::kDescribe, topic.name)) describe(topic);
    }
  } else {
    bool may_create = ctx.header.api_version < 4 || req.allow_auto_topic_creation;
    // A name this replica does not know may have been created on another
    // agent: the journal is synced once per request at most, however many
    // names are unknown, and never for a name that cannot be a topic.
    bool synced = false;
    // Each creation is a journal commit: one request creates a bounded
    // number, the names beyond answer LEADER_NOT_AVAILABLE (as a topic
    // being created does in Kafka) and the client's retry creates more.
    int creations = 0;
    for (const auto& t : *req.topics) {
      std::string name = t.name.value_or("");
      MetadataResponse::MetadataResponseTopic missing;
      missing.name = name;
      // Whether the topic exists is not disclosed to who may not describe it.
      if (!auth.Topic(AclOperation::kDescribe, name)) {
        missing.error_code = ToInt16(ErrorCode::kTopicAuthorizationFailed);
        resp.topics.push_back(missing);
        continue;
      }
      if (!metadata::ValidateTopicName(name).ok()) {
        missing.error_code = ErrorCodeFor(KafkaError::kInvalidTopic);
        resp.topics.push_back(missing);
        continue;
      }
      std::optional<TopicInfo> topic = agent.metadata().GetTopic(name);
      if (!topic.has_value() && !synced) {
        synced = true;
        if (agent.metadata().Sync().ok()) topic = agent.metadata().GetTopic(name);
      }
      if (!topic.has_value()) {
        if (may_create && agent.config().auto_create_topics &&
            !auth.Cluster(AclOperation::kCreate) && !auth.Topic(AclOperation::kCreate, name)) {
          // Auto-creation needs CREATE on the cluster or on the topic.
          missing.error_code = ToInt16(ErrorCode::kTopicAuthorizationFailed);
        } else if (may_create && agent.config().auto_create_topics &&
                   creations >= kMaxAutoCreatesPerMetadata) {
          missing.error_code = ToInt16(ErrorCode::kLeaderNotAvailable);
        } else if (may_create && (++creations, agent.MaybeAutoCreate(name))) {
          topic = agent.metadata().GetTopic(name);
        } else {
          missing.error_code = ErrorCodeFor(KafkaError::kUnknownTopicOrPartition);
        }
        if (!topic.has_value()) {
          resp.topics.push_back(missing);
          continue;
        }
      }
      describe(*topic);
    }
  }
  reply(Response(std::move(resp)));
}

int64_t MaxMessageBytes(const TopicInfo& topic) {
  int64_t v = 1048588;
  (void)absl::SimpleAtoi(metadata::EffectiveConfig(topic.configs, "max.message.bytes"), &v);
  return v;
}

// Whether `records` (record batches) hold a record without a key, which a
// compacted topic refuses as Kafka does. Unreadable batches are left to the
// producer's validation.
bool HasKeylessRecord(absl::string_view records) {
  absl::StatusOr<RecordBatchSequence> split = SplitRecordBatches(records);
  if (!split.ok()) return false;
  for (absl::string_view batch : split->batches) {
    absl::StatusOr<RecordBatchReader> reader =
        RecordBatchReader::Open(batch, DecodeOptions{CrcCheck::kSkip});
    if (!reader.ok()) return false;
    if (reader->header().is_control()) continue;
    RecordView record;
    for (;;) {
      absl::StatusOr<bool> more = reader->Next(&record);
      if (!more.ok() || !*more) break;
      if (!record.key.has_value()) return true;
    }
  }
  return false;
}

// A produce that failed for a passing reason (the bucket or the journal
// unreachable or slow) answers NOT_ENOUGH_REPLICAS, retriable in every
// client (kafka-python does not know KAFKA_STORAGE_ERROR and would give up).
// Not REQUEST_TIMED_OUT: librdkafka's idempotent producer counts such a
// batch as possibly written and turns the OUT_OF_ORDER_SEQUENCE_NUMBER its
// next batch then gets into a fatal error. If the failed commit did land
// after all, the retry is found a duplicate and answered with its offset.
int16_t ProduceErrorCodeFor(const absl::Status& status) {
  return ErrorCodeFor(status, ErrorCode::kNotEnoughReplicas);
}

void HandleProduce(const HandlerContext& ctx, Request& request, Reply reply) {
  auto& req = std::get<ProduceRequest>(request);
  Agent& agent = *ctx.agent;
  agent.metrics().counter("warp_produce_requests_total").Increment();
  absl::Time start = absl::Now();
  Histogram* latency = &agent.metrics().histogram("warp_produce_latency_seconds");
  Counter* produced_bytes = &agent.metrics().counter("warp_produce_bytes_total");
  auto resp = std::make_shared<ProduceResponse>();
  std::vector<ProduceBatch> batches;
  // Where each accepted batch's result goes.
  std::vector<ProduceResponse::PartitionProduceResponse*> slots;
  bool acks_ok = req.acks == 0 || req.acks == 1 || req.acks == -1;
  // An agent without the produce role writes nothing (its clients are given
  // only agents like it, so a producer here was bootstrapped on the wrong
  // agents): a clear, permanent error rather than endless retries.
  bool produces = agent.HasRole(kRoleProduce);
  const RequestAuthorizer auth(ctx);
  const bool transaction_denied =
      req.transactional_id.has_value() &&
      !auth.TransactionalId(AclOperation::kWrite, *req.transactional_id);
  for (auto& topic : req.topic_data) {
    ProduceResponse::TopicProduceResponse& tr = resp->responses.emplace_back();
    tr.name = topic.name;
    const bool topic_denied = !auth.Topic(AclOperation::kWrite, topic.name);
    std::optional<TopicInfo> info =
        topic_denied || transaction_denied ? std::nullopt : agent.FindTopic(topic.name);
    tr.partition_responses.reserve(topic.partition_data.size());
    for (auto& part : topic.partition_data) {
      ProduceResponse::PartitionProduceResponse& pr = tr.partition_responses.emplace_back();
      pr.index = part.index;
      pr.base_offset = -1;
      if (!acks_ok) {
        pr.error_code = ErrorCodeFor(KafkaError::kInvalidRequiredAcks);
      } else if (transaction_denied) {
        pr.error_code = ToInt16(ErrorCode::kTransactionalIdAuthorizationFailed);
      } else if (topic_denied) {
        pr.error_code = ToInt16(ErrorCode::kTopicAuthorizationFailed);
      } else if (!produces) {
        pr.error_code = ErrorCodeFor(KafkaError::kInvalidRequest);
        pr.error_message = absl::StrCat("agent ", agent.config().agent_id,
                                        " does not produce (--roles): bootstrap producers on "
                                        "agents with the produce role");
      } else if (!info.has_value() || part.index < 0 || part.index >= info->partitions) {
        pr.error_code = ErrorCodeFor(KafkaError::kUnknownTopicOrPartition);
      } else if (!part.records.has_value() || part.records->empty()) {
        pr.error_code = ErrorCodeFor(KafkaError::kCorruptMessage);
      } else if (static_cast<int64_t>(part.records->size()) > MaxMessageBytes(*info)) {
        pr.error_code = ErrorCodeFor(KafkaError::kMessageTooLarge);
      } else if (metadata::HasCleanupPolicy(info->configs, "compact") && HasKeylessRecord(*part.records)) {
        pr.error_code = static_cast<int16_t>(ErrorCode::kInvalidRecord);
        pr.error_message = absl::StrCat("Compacted topic cannot accept message without key in ",
                                        "topic partition ", topic.name, "-", part.index, ".");
      } else {
        produced_bytes->Increment(part.records->size());
        batches.push_back({topic.name, part.index, std::move(*part.records)});
        slots.push_back(&pr);
      }
    }
  }
  bool acks_zero = req.acks == 0;
  if (batches.empty()) {
    reply(acks_zero ? std::nullopt : std::optional<Response>(Response(std::move(*resp))));
    return;
  }
  if (acks_zero) reply(std::nullopt);  // no response, whatever happens
  agent.producer().Append(
      std::move(batches),
      [resp, slots = std::move(slots), reply, acks_zero, latency, start](
          absl::Status status, std::vector<ProduceResult> results) {
        latency->Observe(absl::Now() - start);
        for (size_t i = 0; i < slots.size(); ++i) {
          auto& pr = *slots[i];
          if (!status.ok()) {
            pr.error_code = ProduceErrorCodeFor(status);
            pr.error_message = std::string(status.message());
            continue;
          }
          pr.error_code = ErrorCodeFor(results[i].error);
          if (!results[i].message.empty()) pr.error_message = results[i].message;
          pr.base_offset = results[i].base_offset;
          pr.log_append_time_ms = results[i].log_append_time;
          pr.log_start_offset = results[i].log_start_offset;
        }
        if (!acks_zero) reply(Response(std::move(*resp)));
      });
}

// A fetch that failed for a passing reason (the bucket or the journal
// unreachable) answers NOT_LEADER_OR_FOLLOWER: every client refreshes its
// metadata and retries, possibly through another agent, where
// KAFKA_STORAGE_ERROR makes some (kafka-python) raise to the application.
int16_t FetchErrorCodeFor(const absl::Status& status) {
  return ErrorCodeFor(status, ErrorCode::kNotLeaderOrFollower);
}

// Fetch v0-3 are listed only for librdkafka's feature detection
// (served_apis.txt): those versions cannot carry the record batches warp
// stores (magic 2) and warp does not convert them down, so every partition
// is answered UNSUPPORTED_VERSION.
void AnswerLegacyFetch(const FetchRequest& req, Reply reply) {
  FetchResponse resp;
  for (const auto& topic : req.topics) {
    FetchResponse::FetchableTopicResponse& tr = resp.responses.emplace_back();
    tr.topic = topic.topic;
    for (const auto& p : topic.partitions) {
      FetchResponse::PartitionData& pd = tr.partitions.emplace_back();
      pd.partition_index = p.partition;
      pd.error_code = ToInt16(ErrorCode::kUnsupportedVersion);
      pd.high_watermark = -1;
    }
  }
  reply(Response(std::move(resp)));
}

void HandleFetch(const HandlerContext& ctx, Request& request, Reply reply) {
  auto& req = std::get<FetchRequest>(request);
  Agent& agent = *ctx.agent;
  agent.metrics().counter("warp_fetch_requests_total").Increment();
  if (ctx.header.api_version < kFirstRecordBatchFetchVersion) {
    AnswerLegacyFetch(req, std::move(reply));
    return;
  }
  absl::Time start = absl::Now();
  std::vector<FetchPartition> partitions;
  // Topics the principal may not read are answered
  // TOPIC_AUTHORIZATION_FAILED and not fetched.
  const RequestAuthorizer auth(ctx);
  auto denied = std::make_shared<std::vector<bool>>();
  for (const auto& topic : req.topics) {
    denied->push_back(!auth.Topic(AclOperation::kRead, topic.topic));
    if (denied->back()) continue;
    for (const auto& p : topic.partitions) {
      partitions.push_back({{topic.topic, p.partition}, p.fetch_offset,
                            static_cast<uint64_t>(std::max(0, p.partition_max_bytes))});
    }
  }
  // A client that moved here from another agent may ask for offsets this
  // replica has not applied yet (or a topic it does not know): catch up
  // first, so it gets its records, never OFFSET_OUT_OF_RANGE, and a high
  // watermark no lower than the one it saw elsewhere. When the catch-up
  // fails (the journal is unreachable), "out of range" would be a guess that
  // makes consumers reset their position: they are told to retry instead.
  // The first fetch of a partition on a connection catches up too: the
  // client may have been reading it from another agent, whose high
  // watermark this replica may not have reached yet.
  const bool fetches = agent.HasRole(kRoleFetch);  // else refused below
  bool catch_up = false;
  std::vector<TopicPartition> first;  // fetched here for the first time
  // Partitions are remembered in the session only if they exist.
  absl::flat_hash_map<std::string, int32_t> partition_counts;
  auto exists = [&](const TopicPartition& tp) {
    auto [it, inserted] = partition_counts.try_emplace(tp.topic, 0);
    if (inserted) {
      std::optional<TopicInfo> topic = agent.metadata().GetTopic(tp.topic);
      if (topic.has_value()) it->second = topic->partitions;
    }
    return tp.partition >= 0 && tp.partition < it->second;
  };
  for (const FetchPartition& p : partitions) {
    if (!fetches) break;
    if (ctx.session != nullptr && exists(p.tp) && ctx.session->FirstFetch(p.tp)) {
      first.push_back(p.tp);
      catch_up = true;
    }
    if (catch_up) continue;
    absl::StatusOr<PartitionOffsets> offsets = agent.metadata().GetOffsets(p.tp);
    if (!offsets.ok() || p.offset > offsets->high_watermark) catch_up = true;
  }
  bool unsynced = catch_up && !agent.metadata().Sync().ok();
  if (unsynced) {
    for (const TopicPartition& tp : first) ctx.session->Forget(tp);
  }
  FetchOptions options;
  options.max_wait = absl::Milliseconds(std::clamp(req.max_wait_ms, 0, 60000));
  options.min_bytes = static_cast<uint64_t>(std::max(0, req.min_bytes));
  // As Kafka's fetch.max.bytes (55 MiB): no response larger, whatever asked.
  constexpr uint64_t kMaxFetchBytes = 55 << 20;
  options.max_bytes = std::min<uint64_t>(std::max(0, req.max_bytes), kMaxFetchBytes);
  // isolation_level 1, READ_COMMITTED (librdkafka's and kafkajs's default):
  // nothing past the last stable offset, with the aborted transactions.
  options.read_committed = req.isolation_level == 1;
  const bool read_committed = options.read_committed;
  // Within what the connection may still take (its budget of requests and
  // unsent responses, and its share of the global one; the first batch
  // always comes): each attempt of the fetch reserves what it reads, a
  // long-poll holds nothing while it waits, and the answer's reservation is
  // given back once the server counts the response.
  std::shared_ptr<Session> session =
      ctx.session != nullptr ? ctx.session->weak_from_this().lock() : nullptr;
  std::shared_ptr<SessionFetchMemory> memory;
  if (session != nullptr) {
    memory = std::make_shared<SessionFetchMemory>(session);
    options.memory = memory;
  } else if (ctx.session != nullptr) {
    options.max_bytes = std::min<uint64_t>(
        options.max_bytes, static_cast<uint64_t>(ctx.session->response_allowance()));
  }
  // The long-poll holds no thread: the answer is built when the fetcher
  // calls back (at once, or on a commit or the deadline).
  auto topics = std::make_shared<std::vector<FetchRequest::FetchTopic>>(std::move(req.topics));
  Agent* agent_ptr = &agent;
  auto answer =
      [topics, denied, agent_ptr, start, unsynced, memory, read_committed,
       reply = std::move(reply)](absl::StatusOr<std::vector<PartitionRecords>> fetched) {
        Agent& agent = *agent_ptr;
        FetchResponse resp;
        resp.session_id = 0;
        // A connection with nothing left of its budget (it has not taken
        // its earlier responses: a client pipelining fetches) got no
        // records, only the offsets, and is asked to back off until it
        // drains: even the one batch a fetch always returns would let 512
        // pipelined fetches queue 512 batches.
        if (memory != nullptr && memory->starved()) resp.throttle_time_ms = kOverBudgetThrottleMs;
        size_t i = 0;
        for (size_t t = 0; t < topics->size(); ++t) {
          const auto& topic = (*topics)[t];
          FetchResponse::FetchableTopicResponse& tr = resp.responses.emplace_back();
          tr.topic = topic.topic;
          for (const auto& p : topic.partitions) {
            FetchResponse::PartitionData& pd = tr.partitions.emplace_back();
            pd.partition_index = p.partition;
            if ((*denied)[t]) {
              pd.error_code = ToInt16(ErrorCode::kTopicAuthorizationFailed);
              pd.high_watermark = -1;
              pd.records = std::string();
              continue;
            }
            if (!fetched.ok()) {
              pd.error_code = FetchErrorCodeFor(fetched.status());
              pd.high_watermark = -1;
              pd.records = std::string();
            } else {
              PartitionRecords& r = (*fetched)[i];
              pd.error_code = unsynced && r.error == KafkaError::kOffsetOutOfRange
                                  ? static_cast<int16_t>(ErrorCode::kNotLeaderOrFollower)
                                  : ErrorCodeFor(r.error);
              pd.high_watermark = r.high_watermark;
              pd.last_stable_offset =
                  r.last_stable_offset >= 0 ? r.last_stable_offset : r.high_watermark;
              pd.log_start_offset = r.log_start_offset;
              // Only READ_COMMITTED clients drop aborted data (an empty
              // list otherwise, which every client reads).
              if (read_committed) {
                for (const AbortedTransaction& a : r.aborted) {
                  pd.aborted_transactions->push_back({a.producer_id, a.first_offset});
                }
              }
              agent.metrics().counter("warp_fetch_bytes_total").Increment(r.records.size());
              pd.records = std::move(r.records);
            }
            ++i;
          }
        }
        agent.metrics().histogram("warp_fetch_latency_seconds").Observe(absl::Now() - start);
        reply(Response(std::move(resp)));
        if (memory != nullptr) memory->ReleaseAll();
      };
  if (!fetches) {
    // As for produce: consumers bootstrapped on agents that do not fetch
    // (INVALID_REQUEST).
    answer(absl::InvalidArgumentError("this agent does not fetch (--roles)"));
    return;
  }
  agent.fetcher().FetchAsync(std::move(partitions), options, std::move(answer));
}

// The exact offset and timestamp of the first record at or after
// `timestamp_ms`, refining the metadata's batch-level answer by reading the
// batch.
std::pair<int64_t, int64_t> OffsetAtTime(Agent& agent, const TopicPartition& tp,
                                         int64_t timestamp_ms) {
  int64_t offset = agent.metadata().OffsetForTimestamp(tp, timestamp_ms);
  if (offset < 0) return {-1, -1};
  absl::StatusOr<std::vector<PartitionRecords>> fetched =
      agent.fetcher().Fetch({{tp, offset, 1}}, {});
  if (!fetched.ok() || (*fetched)[0].records.empty()) return {offset, timestamp_ms};
  absl::StatusOr<RecordBatchSequence> split = SplitRecordBatches((*fetched)[0].records);
  if (!split.ok()) return {offset, timestamp_ms};
  for (absl::string_view batch : split->batches) {
    absl::StatusOr<RecordBatchReader> reader = RecordBatchReader::Open(batch);
    if (!reader.ok()) break;
    RecordView record;
    for (;;) {
      absl::StatusOr<bool> next = reader->Next(&record);
      if (!next.ok() || !*next) break;
      int64_t at = RecordOffset(reader->header(), record);
      int64_t ts = RecordTimestamp(reader->header(), record);
      if (at >= offset && ts >= timestamp_ms) return {at, ts};
    }
  }
  return {offset, timestamp_ms};
}

void HandleListOffsets(const HandlerContext& ctx, Request& request, Reply reply) {
  auto& req = std::get<ListOffsetsRequest>(request);
  Agent& agent = *ctx.agent;
  // LATEST must not be older than any acknowledgement: when the journal
  // cannot be read, clients are told to retry rather than given a guess.
  bool unsynced = !agent.metadata().Sync().ok();
  ListOffsetsResponse resp;
  const RequestAuthorizer auth(ctx);
  for (const auto& topic : req.topics) {
    auto& tr = resp.topics.emplace_back();
    tr.name = topic.name;
    const bool topic_denied = !auth.Topic(AclOperation::kDescribe, topic.name);
    for (const auto& p : topic.partitions) {
      auto& pr = tr.partitions.emplace_back();
      pr.partition_index = p.partition_index;
      if (topic_denied) {
        pr.error_code = ToInt16(ErrorCode::kTopicAuthorizationFailed);
        continue;
      }
      TopicPartition tp{topic.name, p.partition_index};
      absl::StatusOr<PartitionOffsets> offsets = agent.metadata().GetOffsets(tp);
      if (!offsets.ok()) {
        pr.error_code = ErrorCodeFor(KafkaError::kUnknownTopicOrPartition);
        continue;
      }
      pr.leader_epoch = 0;
      if (p.timestamp == -2) {
        pr.offset = offsets->log_start_offset;
      } else if (p.timestamp == -1) {
        if (unsynced) {
          pr.error_code = static_cast<int16_t>(ErrorCode::kNotLeaderOrFollower);
          continue;
        }
        // READ_COMMITTED (v2+): the last stable offset.
        pr.offset = ctx.header.api_version >= 2 && req.isolation_level == 1
                        ? offsets->last_stable_offset
                        : offsets->high_watermark;
      } else if (p.timestamp == -3) {
        // MAX_TIMESTAMP: the batch with the largest max timestamp.
        FetchPlan plan = agent.metadata().FindBatches(tp, offsets->log_start_offset, 1ull << 40);
        int64_t best_ts = -1;
        for (const BatchLocation& b : plan.batches) {
          if (b.max_timestamp > best_ts) {
            best_ts = b.max_timestamp;
            pr.offset = b.last_offset;
          }
        }
        pr.timestamp = best_ts;
      } else {
        auto [offset, ts] = OffsetAtTime(agent, tp, p.timestamp);
        pr.offset = offset;
        pr.timestamp = ts;
      }
      if (ctx.header.api_version == 0) pr.old_style_offsets = {pr.offset};
    }
  }
  reply(Response(std::move(resp)));
}

void HandleInitProducerId(const HandlerContext& ctx, Request& request, Reply reply) {
  auto& req = std::get<InitProducerIdRequest>(request);
  InitProducerIdResponse resp;
  const RequestAuthorizer auth(ctx);
  if (req.transactional_id.has_value()) {
    // A transactional producer (docs/transactions.md): WRITE on its id.
    if (!auth.TransactionalId(AclOperation::kWrite, *req.transactional_id)) {
      resp.error_code = ToInt16(ErrorCode::kTransactionalIdAuthorizationFailed);
    } else {
      const bool v3 = ctx.header.api_version >= 3;
      absl::StatusOr<transactions::TxnOutcome> r = ctx.agent->transactions().InitProducer(
          *req.transactional_id, req.transaction_timeout_ms, v3 ? req.producer_id : -1,
          v3 ? req.producer_epoch : int16_t{-1});
      if (!r.ok()) {
        resp.error_code = ErrorCodeFor(r.status(), ErrorCode::kCoordinatorNotAvailable);
      } else {
        // PRODUCER_FENCED is new in v4 (KIP-588); older clients know
        // INVALID_PRODUCER_EPOCH.
        resp.error_code = r->error == ErrorCode::kProducerFenced && ctx.header.api_version < 4
                              ? ToInt16(ErrorCode::kInvalidProducerEpoch)
                              : ToInt16(r->error);
        resp.producer_id = r->producer_id;
        resp.producer_epoch = r->ok() ? r->producer_epoch : int16_t{-1};
      }
    }
    reply(Response(std::move(resp)));
    return;
  }
  // An idempotent producer: IDEMPOTENT_WRITE on the cluster, or WRITE on
  // some topic (Kafka since KIP-679).
  if (!auth.Cluster(AclOperation::kIdempotentWrite) &&
      !auth.Any(AclOperation::kWrite, acl::ResourceType::kTopic)) {
    resp.error_code = ToInt16(ErrorCode::kClusterAuthorizationFailed);
    reply(Response(std::move(resp)));
    return;
  }
  // An idempotent producer bumping its epoch (KIP-360); at the last epoch it
  // gets a new producer id instead, as from Kafka, so the epoch never wraps.
  if (req.producer_id >= 0 && req.producer_epoch >= 0 &&
      req.producer_epoch < std::numeric_limits<int16_t>::max() - 1) {
    resp.producer_id = req.producer_id;
    resp.producer_epoch = static_cast<int16_t>(req.producer_epoch + 1);
    reply(Response(std::move(resp)));
    return;
  }
  absl::StatusOr<CommandResult> r = ctx.agent->metadata().Execute(AllocateProducerIds{1});
  if (!r.ok()) {
    resp.error_code = ErrorCodeFor(r.status());
  } else {
    resp.producer_id = r->producer_id;
    resp.producer_epoch = 0;
  }
  reply(Response(std::move(resp)));
}

}  // namespace

void RegisterCoreHandlers(absl::flat_hash_map<int16_t, Handler>& table) {
  table[ApiVersionsRequest::kApiKey] = HandleApiVersions;
  table[MetadataRequest::kApiKey] = HandleMetadata;
  table[ProduceRequest::kApiKey] = HandleProduce;
  table[FetchRequest::kApiKey] = HandleFetch;
  table[ListOffsetsRequest::kApiKey] = HandleListOffsets;
  table[InitProducerIdRequest::kApiKey] = HandleInitProducerId;
}

}  // namespace warp::server
