// The transaction APIs (docs/transactions.md): AddPartitionsToTxn (v0-3),
// AddOffsetsToTxn, TxnOffsetCommit, EndTxn, DescribeTransactions,
// ListTransactions and DescribeProducers, over the agent's
// transactions::TransactionCoordinator (InitProducerId with a transactional
// id is in core_handlers.cc, FindCoordinator in group_handlers.cc). Every
// check is Kafka's KafkaApis', in its order: the transactional id's ACL
// first, then the topics' and groups', then the coordinator's state.
//
// Any agent answers any transactional id: the state is the journal's, so a
// client whose coordinator died is served by whichever agent it reaches.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "lib/protocol/messages/errors.h"
#include "server/authorization.h"
#include "server/handler.h"
#include "server/transactions/coordinator.h"

namespace warp::server {
namespace {

using namespace kafka;  // NOLINT: the handlers speak the protocol's names
using acl::AclOperation;
using transactions::TxnOutcome;

// A journal failure: the coordinator is away for now (clients retry it and
// every transaction request is safe to repeat).
int16_t JournalError(const absl::Status& status) {
  return ErrorCodeFor(status, ErrorCode::kCoordinatorNotAvailable);
}

// The coordinator's answer. PRODUCER_FENCED (KIP-588) is new in
// AddPartitionsToTxn, AddOffsetsToTxn and EndTxn v2: older requests get
// INVALID_PRODUCER_EPOCH, which their clients know (kafkajs 2.2 sends v1 and
// takes an unknown code for a retriable one), as from Kafka.
int16_t OutcomeCode(const absl::StatusOr<TxnOutcome>& outcome, bool knows_producer_fenced) {
  if (!outcome.ok()) return JournalError(outcome.status());
  if (outcome->error == ErrorCode::kProducerFenced && !knows_producer_fenced) {
    return ToInt16(ErrorCode::kInvalidProducerEpoch);
  }
  return ToInt16(outcome->error);
}

bool PartitionExists(Agent& agent, const std::string& topic, int32_t partition) {
  std::optional<TopicInfo> info = agent.FindTopic(topic);
  return info.has_value() && partition >= 0 && partition < info->partitions;
}

void HandleAddPartitionsToTxn(const HandlerContext& ctx, Request& request, Reply reply) {
  auto& req = std::get<AddPartitionsToTxnRequest>(request);
  const RequestAuthorizer auth(ctx);
  // Per partition: its error before the coordinator is asked (none = to add).
  std::vector<std::vector<ErrorCode>> errors;
  std::vector<TopicPartition> to_add;
  bool refused = false;
  const bool txn_denied =
      !auth.TransactionalId(AclOperation::kWrite, req.v3_and_below_transactional_id);
  for (const auto& topic : req.v3_and_below_topics) {
    std::vector<ErrorCode>& out = errors.emplace_back();
    const bool topic_denied = !txn_denied && !auth.Topic(AclOperation::kWrite, topic.name);
    for (int32_t p : topic.partitions) {
      ErrorCode e = ErrorCode::kNone;
      if (txn_denied) {
        e = ErrorCode::kTransactionalIdAuthorizationFailed;
      } else if (topic_denied) {
        e = ErrorCode::kTopicAuthorizationFailed;
      } else if (!PartitionExists(*ctx.agent, topic.name, p)) {
        e = ErrorCode::kUnknownTopicOrPartition;
      } else {
        to_add.push_back({topic.name, p});
      }
      refused |= e != ErrorCode::kNone;
      out.push_back(e);
    }
  }
  // All or nothing, as Kafka: with any partition refused the others are
  // OPERATION_NOT_ATTEMPTED; otherwise they share the coordinator's answer.
  ErrorCode others = ErrorCode::kOperationNotAttempted;
  if (!refused && !to_add.empty()) {
    absl::StatusOr<TxnOutcome> added = ctx.agent->transactions().Add(
        req.v3_and_below_transactional_id, req.v3_and_below_producer_id,
        req.v3_and_below_producer_epoch, std::move(to_add), {});
    others = static_cast<ErrorCode>(OutcomeCode(added, ctx.header.api_version >= 2));
  }
  AddPartitionsToTxnResponse resp;
  for (size_t t = 0; t < req.v3_and_below_topics.size(); ++t) {
    const auto& topic = req.v3_and_below_topics[t];
    auto& tr = resp.results_by_topic_v3_and_below.emplace_back();
    tr.name = topic.name;
    for (size_t i = 0; i < topic.partitions.size(); ++i) {
      auto& pr = tr.results_by_partition.emplace_back();
      pr.partition_index = topic.partitions[i];
      pr.partition_error_code =
          ToInt16(errors[t][i] != ErrorCode::kNone ? errors[t][i] : others);
    }
  }
  reply(Response(std::move(resp)));
}

void HandleAddOffsetsToTxn(const HandlerContext& ctx, Request& request, Reply reply) {
  auto& req = std::get<AddOffsetsToTxnRequest>(request);
  const RequestAuthorizer auth(ctx);
  AddOffsetsToTxnResponse resp;
  if (!auth.TransactionalId(AclOperation::kWrite, req.transactional_id)) {
    resp.error_code = ToInt16(ErrorCode::kTransactionalIdAuthorizationFailed);
  } else if (!auth.Group(AclOperation::kRead, req.group_id)) {
    resp.error_code = ToInt16(ErrorCode::kGroupAuthorizationFailed);
  } else if (req.group_id.empty()) {
    resp.error_code = ToInt16(ErrorCode::kInvalidGroupId);
  } else {
    resp.error_code = OutcomeCode(
        ctx.agent->transactions().Add(req.transactional_id, req.producer_id,
                                      req.producer_epoch, {}, {req.group_id}),
        ctx.header.api_version >= 2);
  }
  reply(Response(std::move(resp)));
}

// TxnOffsetCommit goes to the group's coordinator (FindCoordinator GROUP),
// which checks the member and generation (v3+), then holds the offsets in
// the transaction until it ends.
void HandleTxnOffsetCommit(const HandlerContext& ctx, Request& request, Reply reply) {
  auto& req = std::get<TxnOffsetCommitRequest>(request);
  Agent& agent = *ctx.agent;
  const RequestAuthorizer auth(ctx);
  ErrorCode request_error = ErrorCode::kNone;
  if (!auth.TransactionalId(AclOperation::kWrite, req.transactional_id)) {
    request_error = ErrorCode::kTransactionalIdAuthorizationFailed;
  } else if (!auth.Group(AclOperation::kRead, req.group_id)) {
    request_error = ErrorCode::kGroupAuthorizationFailed;
  } else {
    request_error = agent.groups().ValidateTransactionalCommit(
        req.group_id, {req.member_id, req.group_instance_id}, req.generation_id);
  }
  std::vector<std::vector<ErrorCode>> errors;
  std::vector<CommitGroupOffsets::Entry> offsets;
  for (const auto& topic : req.topics) {
    std::vector<ErrorCode>& out = errors.emplace_back();
    const bool topic_denied =
        request_error == ErrorCode::kNone && !auth.Topic(AclOperation::kRead, topic.name);
    for (const auto& p : topic.partitions) {
      ErrorCode e = request_error;
      if (e != ErrorCode::kNone) {
      } else if (topic_denied) {
        e = ErrorCode::kTopicAuthorizationFailed;
      } else if (!PartitionExists(agent, topic.name, p.partition_index)) {
        e = ErrorCode::kUnknownTopicOrPartition;
      } else if (p.committed_metadata.value_or("").size() >
                 agent.groups().max_offset_metadata_bytes()) {
        e = ErrorCode::kOffsetMetadataTooLarge;
      } else {
        GroupOffset offset;
        offset.offset = p.committed_offset;
        offset.leader_epoch = p.committed_leader_epoch;
        offset.metadata = p.committed_metadata.value_or("");
        offsets.push_back({{topic.name, p.partition_index}, std::move(offset)});
      }
      out.push_back(e);
    }
  }
  ErrorCode committed = ErrorCode::kNone;
  if (!offsets.empty()) {
    // TxnOffsetCommit answers a fenced producer INVALID_PRODUCER_EPOCH in
    // every version (Kafka's group coordinator learns it from its log).
    committed = static_cast<ErrorCode>(OutcomeCode(
        agent.transactions().CommitOffsets(req.transactional_id, req.group_id,
                                           req.producer_id, req.producer_epoch,
                                           std::move(offsets)),
        /*knows_producer_fenced=*/false));
  }
  TxnOffsetCommitResponse resp;
  for (size_t t = 0; t < req.topics.size(); ++t) {
    auto& tr = resp.topics.emplace_back();
    tr.name = req.topics[t].name;
    for (size_t i = 0; i < req.topics[t].partitions.size(); ++i) {
      auto& pr = tr.partitions.emplace_back();
      pr.partition_index = req.topics[t].partitions[i].partition_index;
      pr.error_code = ToInt16(errors[t][i] != ErrorCode::kNone ? errors[t][i] : committed);
    }
  }
  reply(Response(std::move(resp)));
}

void HandleEndTxn(const HandlerContext& ctx, Request& request, Reply reply) {
  auto& req = std::get<EndTxnRequest>(request);
  EndTxnResponse resp;
  if (!RequestAuthorizer(ctx).TransactionalId(AclOperation::kWrite, req.transactional_id)) {
    resp.error_code = ToInt16(ErrorCode::kTransactionalIdAuthorizationFailed);
    reply(Response(std::move(resp)));
    return;
  }
  const absl::Time start = absl::Now();
  absl::StatusOr<TxnOutcome> ended = ctx.agent->transactions().End(
      req.transactional_id, req.producer_id, req.producer_epoch, req.committed);
  resp.error_code = OutcomeCode(ended, ctx.header.api_version >= 2);
  if (ended.ok() && ended->ok() && req.committed) {
    ctx.agent->metrics().histogram("warp_transaction_commit_latency_seconds")
        .Observe(absl::Now() - start);
  }
  reply(Response(std::move(resp)));
}

// The partitions of `txn` as DescribeTransactions lists them: by topic,
// only topics the principal may describe.
std::vector<DescribeTransactionsResponse::TopicData> TopicsOf(const TransactionInfo& txn,
                                                              const RequestAuthorizer& auth) {
  std::vector<DescribeTransactionsResponse::TopicData> out;
  std::map<std::string, bool> allowed;
  for (const TopicPartition& tp : txn.partitions) {
    auto [it, first] = allowed.try_emplace(tp.topic, false);
    if (first) it->second = auth.Topic(AclOperation::kDescribe, tp.topic);
    if (!it->second) continue;
    if (out.empty() || out.back().topic != tp.topic) out.emplace_back().topic = tp.topic;
    out.back().partitions.push_back(tp.partition);
  }
  return out;
}

void HandleDescribeTransactions(const HandlerContext& ctx, Request& request, Reply reply) {
  auto& req = std::get<DescribeTransactionsRequest>(request);
  const RequestAuthorizer auth(ctx);
  DescribeTransactionsResponse resp;
  for (const std::string& id : req.transactional_ids) {
    auto& out = resp.transaction_states.emplace_back();
    out.transactional_id = id;
    out.transaction_state = "";
    out.producer_id = -1;
    out.producer_epoch = -1;
    out.transaction_start_time_ms = -1;
    if (!auth.TransactionalId(AclOperation::kDescribe, id)) {
      out.error_code = ToInt16(ErrorCode::kTransactionalIdAuthorizationFailed);
      continue;
    }
    absl::StatusOr<std::optional<TransactionInfo>> txn =
        ctx.agent->transactions().Describe(id);
    if (!txn.ok()) {
      out.error_code = JournalError(txn.status());
    } else if (!txn->has_value()) {
      out.error_code = ToInt16(ErrorCode::kTransactionalIdNotFound);
    } else {
      const TransactionInfo& t = **txn;
      out.transaction_state = transactions::TransactionStateName(t.state);
      out.transaction_timeout_ms = t.timeout_ms;
      out.transaction_start_time_ms = t.start_ms;
      out.producer_id = t.producer_id;
      out.producer_epoch = t.producer_epoch;
      out.topics = TopicsOf(t, auth);
    }
  }
  reply(Response(std::move(resp)));
}

// ListTransactions is sent to every broker and the answers concatenated
// (Kafka's admin client), so each agent lists the ids it coordinates.
void HandleListTransactions(const HandlerContext& ctx, Request& request, Reply reply) {
  auto& req = std::get<ListTransactionsRequest>(request);
  const RequestAuthorizer auth(ctx);
  ListTransactionsResponse resp;
  static constexpr TransactionState kStates[] = {
      TransactionState::kEmpty,          TransactionState::kOngoing,
      TransactionState::kPrepareCommit,  TransactionState::kPrepareAbort,
      TransactionState::kCompleteCommit, TransactionState::kCompleteAbort,
      TransactionState::kDead};
  std::set<TransactionState> states;
  for (const std::string& filter : req.state_filters) {
    bool known = false;
    for (TransactionState s : kStates) {
      if (filter == transactions::TransactionStateName(s)) {
        states.insert(s);
        known = true;
      }
    }
    if (!known) resp.unknown_state_filters.push_back(filter);
  }
  // Only unknown states asked for: nothing can match.
  const bool none = !req.state_filters.empty() && states.empty();
  std::set<int64_t> producers(req.producer_id_filters.begin(), req.producer_id_filters.end());
  absl::StatusOr<std::vector<TransactionInfo>> all = ctx.agent->transactions().List();
  if (!all.ok()) {
    resp.error_code = JournalError(all.status());
    reply(Response(std::move(resp)));
    return;
  }
  for (const TransactionInfo& t : none ? std::vector<TransactionInfo>{} : *all) {
    if (!states.empty() && !states.contains(t.state)) continue;
    if (!producers.empty() && !producers.contains(t.producer_id)) continue;
    if (!ctx.agent->transactions().CoordinatorFor(t.transactional_id).local) continue;
    if (!auth.TransactionalId(AclOperation::kDescribe, t.transactional_id)) continue;
    auto& out = resp.transaction_states.emplace_back();
    out.transactional_id = t.transactional_id;
    out.producer_id = t.producer_id;
    out.transaction_state = transactions::TransactionStateName(t.state);
  }
  reply(Response(std::move(resp)));
}

void HandleDescribeProducers(const HandlerContext& ctx, Request& request, Reply reply) {
  auto& req = std::get<DescribeProducersRequest>(request);
  const RequestAuthorizer auth(ctx);
  DescribeProducersResponse resp;
  for (const auto& topic : req.topics) {
    auto& tr = resp.topics.emplace_back();
    tr.name = topic.name;
    const bool denied = !auth.Topic(AclOperation::kRead, topic.name);
    for (int32_t p : topic.partition_indexes) {
      auto& pr = tr.partitions.emplace_back();
      pr.partition_index = p;
      if (denied) {
        pr.error_code = ToInt16(ErrorCode::kTopicAuthorizationFailed);
        continue;
      }
      absl::StatusOr<std::vector<ProducerInfo>> producers =
          ctx.agent->metadata().GetProducers({topic.name, p});
      if (!producers.ok()) {
        pr.error_code = ToInt16(ErrorCode::kUnknownTopicOrPartition);
        continue;
      }
      for (const ProducerInfo& info : *producers) {
        auto& out = pr.active_producers.emplace_back();
        out.producer_id = info.producer_id;
        out.producer_epoch = info.producer_epoch;
        out.last_sequence = info.last_sequence;
        out.last_timestamp = info.last_timestamp_ms;
        out.coordinator_epoch = -1;
        out.current_txn_start_offset = info.current_txn_start_offset;
      }
    }
  }
  reply(Response(std::move(resp)));
}

}  // namespace

void RegisterTransactionHandlers(absl::flat_hash_map<int16_t, Handler>& table) {
  table[AddPartitionsToTxnRequest::kApiKey] = HandleAddPartitionsToTxn;
  table[AddOffsetsToTxnRequest::kApiKey] = HandleAddOffsetsToTxn;
  table[TxnOffsetCommitRequest::kApiKey] = HandleTxnOffsetCommit;
  table[EndTxnRequest::kApiKey] = HandleEndTxn;
  table[DescribeTransactionsRequest::kApiKey] = HandleDescribeTransactions;
  table[ListTransactionsRequest::kApiKey] = HandleListTransactions;
  table[DescribeProducersRequest::kApiKey] = HandleDescribeProducers;
}

}  // namespace warp::server
