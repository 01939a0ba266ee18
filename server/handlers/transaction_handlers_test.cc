// The transaction handlers called directly on a mem:// agent: a transaction
// from InitProducerId to EndTxn as a client drives it, with Kafka's errors
// where a client gets a step wrong, OffsetFetch's require_stable, and the
// descriptions (DescribeTransactions, ListTransactions, DescribeProducers).
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "lib/protocol/messages/errors.h"
#include "lib/protocol/messages/request_codec.h"
#include "lib/protocol/record/record_batch_builder.h"
#include "server/handler.h"
#include "server/testing/handler_harness.h"

namespace warp::server {
namespace {

using namespace kafka;  // NOLINT: the protocol's names
using testing::CallHandler;

int16_t Code(ErrorCode code) { return ToInt16(code); }

class TransactionHandlersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    AgentConfig config = testing::MemAgentConfig();
    config.default_partitions = 2;
    config.group_tick_interval = absl::ZeroDuration();
    config.transaction_tick_interval = absl::ZeroDuration();
    config.transaction_max_timeout = absl::Minutes(1);
    absl::StatusOr<std::unique_ptr<Agent>> agent = testing::OpenMemAgent(config);
    ASSERT_TRUE(agent.ok()) << agent.status();
    agent_ = *std::move(agent);
    ASSERT_TRUE(agent_->MaybeAutoCreate("t"));
  }

  InitProducerIdResponse Init(int32_t timeout_ms) {
    InitProducerIdRequest req;
    req.transactional_id = "tx";
    req.transaction_timeout_ms = timeout_ms;
    return CallHandler<InitProducerIdResponse>(agent_.get(), req, 4);
  }

  AddPartitionsToTxnResponse AddPartitions(int64_t pid, int16_t epoch,
                                           std::vector<AddPartitionsToTxnRequest::AddPartitionsToTxnTopic> topics) {
    AddPartitionsToTxnRequest req;
    req.v3_and_below_transactional_id = "tx";
    req.v3_and_below_producer_id = pid;
    req.v3_and_below_producer_epoch = epoch;
    req.v3_and_below_topics = std::move(topics);
    return CallHandler<AddPartitionsToTxnResponse>(agent_.get(), req, 3);
  }

  KafkaError ProduceTransactional(int64_t pid, int16_t epoch, int32_t partition, int32_t seq) {
    RecordBatchOptions options;
    options.producer_id = pid;
    options.producer_epoch = epoch;
    options.base_sequence = seq;
    options.is_transactional = true;
    std::vector<RecordInput> records = {{std::nullopt, absl::string_view("v"), {}, 1000}};
    auto produced =
        agent_->producer().AppendAndWait({{"t", partition, *BuildRecordBatch(records, options)}});
    EXPECT_TRUE(produced.ok()) << produced.status();
    return produced.ok() ? (*produced)[0].error : KafkaError::kCorruptMessage;
  }

  OffsetFetchResponse FetchOffsets(bool require_stable) {
    OffsetFetchRequest req;
    req.group_id = "g";
    req.topics = std::vector<OffsetFetchRequest::OffsetFetchRequestTopic>{{"t", {0}}};
    req.require_stable = require_stable;
    return CallHandler<OffsetFetchResponse>(agent_.get(), req, 7);
  }

  std::unique_ptr<Agent> agent_;
};

TEST_F(TransactionHandlersTest, ATransactionFromInitToCommit) {
  EXPECT_EQ(Init(60001).error_code, Code(ErrorCode::kInvalidTransactionTimeout));
  InitProducerIdResponse init = Init(30000);
  ASSERT_EQ(init.error_code, 0);
  const int64_t pid = init.producer_id;
  EXPECT_EQ(init.producer_epoch, 0);

  // KIP-890: a partition not yet added refuses the transactional batch.
  EXPECT_EQ(ProduceTransactional(pid, 0, 0, 0), KafkaError::kInvalidTxnState);
  // An unknown topic: nothing is added, the rest not attempted.
  AddPartitionsToTxnResponse refused = AddPartitions(pid, 0, {{"t", {0}}, {"nope", {0}}});
  ASSERT_EQ(refused.results_by_topic_v3_and_below.size(), 2u);
  EXPECT_EQ(refused.results_by_topic_v3_and_below[0].results_by_partition[0].partition_error_code,
            Code(ErrorCode::kOperationNotAttempted));
  EXPECT_EQ(refused.results_by_topic_v3_and_below[1].results_by_partition[0].partition_error_code,
            Code(ErrorCode::kUnknownTopicOrPartition));
  AddPartitionsToTxnResponse added = AddPartitions(pid, 0, {{"t", {0, 1}}});
  EXPECT_EQ(added.results_by_topic_v3_and_below[0].results_by_partition[1].partition_error_code, 0);
  EXPECT_EQ(ProduceTransactional(pid, 0, 0, 0), KafkaError::kNone);

  AddOffsetsToTxnRequest add_offsets;
  add_offsets.transactional_id = "tx";
  add_offsets.producer_id = pid;
  add_offsets.producer_epoch = 0;
  add_offsets.group_id = "g";
  EXPECT_EQ(CallHandler<AddOffsetsToTxnResponse>(agent_.get(), add_offsets, 3).error_code, 0);
  TxnOffsetCommitRequest commit;
  commit.transactional_id = "tx";
  commit.group_id = "g";
  commit.producer_id = pid;
  commit.producer_epoch = 0;
  commit.topics.push_back({"t", {{0, 42, -1, std::string("m")}}});
  auto committed = CallHandler<TxnOffsetCommitResponse>(agent_.get(), commit, 3);
  EXPECT_EQ(committed.topics[0].partitions[0].error_code, 0);
  commit.member_id = "stranger";  // v3: a member the group does not have
  EXPECT_EQ(CallHandler<TxnOffsetCommitResponse>(agent_.get(), commit, 3)
                .topics[0].partitions[0].error_code,
            Code(ErrorCode::kUnknownMemberId));

  // Pending until the commit: unstable to require_stable, absent otherwise.
  EXPECT_EQ(FetchOffsets(true).topics[0].partitions[0].error_code,
            Code(ErrorCode::kUnstableOffsetCommit));
  EXPECT_EQ(FetchOffsets(false).topics[0].partitions[0].committed_offset, -1);

  DescribeTransactionsRequest describe;
  describe.transactional_ids = {"tx", "unknown"};
  auto described = CallHandler<DescribeTransactionsResponse>(agent_.get(), describe, 0);
  ASSERT_EQ(described.transaction_states.size(), 2u);
  EXPECT_EQ(described.transaction_states[0].transaction_state, "Ongoing");
  EXPECT_EQ(described.transaction_states[0].transaction_timeout_ms, 30000);
  ASSERT_EQ(described.transaction_states[0].topics.size(), 1u);
  EXPECT_EQ(described.transaction_states[0].topics[0].partitions, (std::vector<int32_t>{0, 1}));
  EXPECT_EQ(described.transaction_states[1].error_code,
            Code(ErrorCode::kTransactionalIdNotFound));
  DescribeProducersRequest producers;
  producers.topics.push_back({"t", {0, 7}});
  auto described_producers = CallHandler<DescribeProducersResponse>(agent_.get(), producers, 0);
  ASSERT_EQ(described_producers.topics[0].partitions[0].active_producers.size(), 1u);
  EXPECT_EQ(described_producers.topics[0].partitions[0].active_producers[0].producer_id, pid);
  EXPECT_EQ(
      described_producers.topics[0].partitions[0].active_producers[0].current_txn_start_offset, 0);
  EXPECT_EQ(described_producers.topics[0].partitions[1].error_code,
            Code(ErrorCode::kUnknownTopicOrPartition));

  EndTxnRequest end;
  end.transactional_id = "tx";
  end.producer_id = pid;
  end.producer_epoch = 0;
  end.committed = true;
  EXPECT_EQ(CallHandler<EndTxnResponse>(agent_.get(), end, 3).error_code, 0);
  EXPECT_EQ(FetchOffsets(true).topics[0].partitions[0].committed_offset, 42);
  // Partition 0: the data and its marker; partition 1: only a marker.
  EXPECT_EQ(agent_->metadata().GetOffsets({"t", 0})->last_stable_offset, 2);
  EXPECT_EQ(agent_->metadata().GetOffsets({"t", 1})->last_stable_offset, 1);
  end.committed = false;
  EXPECT_EQ(CallHandler<EndTxnResponse>(agent_.get(), end, 3).error_code,
            Code(ErrorCode::kInvalidTxnState));

  ListTransactionsRequest list;
  list.state_filters = {"CompleteCommit", "Bogus"};
  auto listed = CallHandler<ListTransactionsResponse>(agent_.get(), list, 0);
  ASSERT_EQ(listed.transaction_states.size(), 1u);
  EXPECT_EQ(listed.transaction_states[0].transactional_id, "tx");
  EXPECT_EQ(listed.unknown_state_filters, std::vector<std::string>{"Bogus"});
  list.state_filters = {"Ongoing"};
  EXPECT_TRUE(CallHandler<ListTransactionsResponse>(agent_.get(), list, 0)
                  .transaction_states.empty());
}

// A second InitProducerId fences the first producer: its requests and its
// late batches are refused, its open transaction aborted.
TEST_F(TransactionHandlersTest, ANewProducerFencesTheOld) {
  InitProducerIdResponse first = Init(30000);
  ASSERT_EQ(AddPartitions(first.producer_id, 0, {{"t", {0}}})
                .results_by_topic_v3_and_below[0].results_by_partition[0].partition_error_code,
            0);
  ASSERT_EQ(ProduceTransactional(first.producer_id, 0, 0, 0), KafkaError::kNone);
  InitProducerIdResponse second = Init(30000);
  EXPECT_EQ(second.producer_epoch, 1);
  EXPECT_EQ(AddPartitions(first.producer_id, 0, {{"t", {0}}})
                .results_by_topic_v3_and_below[0].results_by_partition[0].partition_error_code,
            Code(ErrorCode::kProducerFenced));
  EXPECT_EQ(ProduceTransactional(first.producer_id, 0, 0, 1), KafkaError::kInvalidProducerEpoch);
  // Before v2 (kafkajs 2.2 sends v1) a fenced producer is told
  // INVALID_PRODUCER_EPOCH: PRODUCER_FENCED came later (KIP-588).
  EndTxnRequest end;
  end.transactional_id = "tx";
  end.producer_id = first.producer_id;
  end.producer_epoch = 0;
  end.committed = true;
  EXPECT_EQ(CallHandler<EndTxnResponse>(agent_.get(), end, 1).error_code,
            Code(ErrorCode::kInvalidProducerEpoch));
  EXPECT_EQ(CallHandler<EndTxnResponse>(agent_.get(), end, 3).error_code,
            Code(ErrorCode::kProducerFenced));
  // Aborted: data at 0, abort marker at 1, nothing open.
  auto offsets = agent_->metadata().GetOffsets({"t", 0});
  EXPECT_EQ(offsets->high_watermark, 2);
  EXPECT_EQ(offsets->last_stable_offset, 2);
}

}  // namespace
}  // namespace warp::server
