// The transaction coordinator over a real (in-memory) metadata store: the
// timeout limit, a transaction through to commit, fencing, and the timer
// that aborts and forgets only what this agent coordinates.
#include "server/transactions/coordinator.h"

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "lib/base/manual_clock.h"

namespace warp::server::transactions {
namespace {

using kafka::ErrorCode;

// Every id is coordinated elsewhere, or here.
class FixedPlacement final : public groups::CoordinatorPlacement {
 public:
  explicit FixedPlacement(bool local) : local_(local) {}
  groups::CoordinatorNode CoordinatorFor(absl::string_view) override {
    groups::CoordinatorNode node;
    node.local = local_;
    node.agent_id = local_ ? "self" : "other";
    return node;
  }
  bool local_;
};

class TransactionCoordinatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    metadata_ = *MetadataStore::Open("mem://");
    ASSERT_TRUE(metadata_->Execute(CreateTopic{"t", {}, 2, {}})->ok());
    coordinator_ = Make(&here_);
  }

  std::unique_ptr<TransactionCoordinator> Make(groups::CoordinatorPlacement* placement) {
    TransactionCoordinatorOptions options;
    options.metadata = metadata_.get();
    options.clock = &clock_;
    options.placement = placement;
    options.max_timeout = absl::Minutes(1);
    options.id_expiration = absl::Hours(1);
    options.tick_interval = absl::ZeroDuration();
    auto made = TransactionCoordinator::Create(options);
    EXPECT_TRUE(made.ok()) << made.status();
    return made.ok() ? *std::move(made) : nullptr;
  }

  ManualClock clock_;
  FixedPlacement here_{true};
  FixedPlacement elsewhere_{false};
  std::unique_ptr<MetadataStore> metadata_;
  std::unique_ptr<TransactionCoordinator> coordinator_;
};

TEST_F(TransactionCoordinatorTest, TimeoutsAboveTheMaximumAreRefused) {
  auto init = coordinator_->InitProducer("tx", 60001, -1, -1);
  ASSERT_TRUE(init.ok());
  EXPECT_EQ(init->error, ErrorCode::kInvalidTransactionTimeout);
  EXPECT_NE(init->message.find("--transaction_max_timeout_ms=60000"), std::string::npos);
  EXPECT_EQ(coordinator_->InitProducer("tx", 0, -1, -1)->error,
            ErrorCode::kInvalidTransactionTimeout);
  EXPECT_FALSE(metadata_->GetTransaction("tx").has_value());
  EXPECT_TRUE(coordinator_->InitProducer("tx", 60000, -1, -1)->ok());
}

TEST_F(TransactionCoordinatorTest, CommitAppliesOffsetsAndCountsIt) {
  TxnOutcome init = *coordinator_->InitProducer("tx", 10000, -1, -1);
  ASSERT_TRUE(init.ok());
  EXPECT_EQ(init.producer_epoch, 0);
  const int64_t pid = init.producer_id;
  EXPECT_TRUE(coordinator_->Add("tx", pid, 0, {{"t", 0}, {"t", 1}}, {})->ok());
  EXPECT_EQ(coordinator_->Add("tx", pid, 0, {{"nope", 0}}, {})->error,
            ErrorCode::kUnknownTopicOrPartition);
  EXPECT_TRUE(coordinator_->Add("tx", pid, 0, {}, {"g"})->ok());
  EXPECT_TRUE(coordinator_->CommitOffsets("tx", "g", pid, 0, {{{"t", 0}, {5, 0, "m", 0}}})->ok());
  EXPECT_EQ(coordinator_->CommitOffsets("tx", "other", pid, 0, {{{"t", 0}, {5, 0, "", 0}}})
                ->error,
            ErrorCode::kInvalidTxnState);
  std::optional<TransactionInfo> described = *coordinator_->Describe("tx");
  ASSERT_TRUE(described.has_value());
  EXPECT_EQ(TransactionStateName(described->state), std::string("Ongoing"));
  EXPECT_EQ(described->partitions.size(), 2u);
  EXPECT_TRUE(coordinator_->End("tx", pid, 0, true)->ok());
  EXPECT_TRUE(coordinator_->End("tx", pid, 0, true)->ok());  // a retry
  EXPECT_EQ(coordinator_->End("tx", pid, 0, false)->error, ErrorCode::kInvalidTxnState);
  EXPECT_EQ(metadata_->GetGroupOffsets("g").at({"t", 0}).offset, 5);
  EXPECT_EQ(metadata_->GetOffsets({"t", 1})->high_watermark, 1);  // the marker
  EXPECT_EQ(coordinator_->counters().commits, 2u);
  EXPECT_FALSE(coordinator_->Describe("unknown")->has_value());
}

TEST_F(TransactionCoordinatorTest, ANewProducerFencesTheOldOneAndAbortsItsTransaction) {
  TxnOutcome first = *coordinator_->InitProducer("tx", 10000, -1, -1);
  ASSERT_TRUE(coordinator_->Add("tx", first.producer_id, 0, {{"t", 0}}, {})->ok());
  TxnOutcome second = *coordinator_->InitProducer("tx", 10000, -1, -1);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second.producer_id, first.producer_id);
  EXPECT_EQ(second.producer_epoch, 1);
  EXPECT_EQ(coordinator_->End("tx", first.producer_id, 0, true)->error,
            ErrorCode::kProducerFenced);
  // Aborted (its marker written), then ready for the new producer.
  EXPECT_EQ(metadata_->GetTransaction("tx")->state, TransactionState::kEmpty);
  EXPECT_EQ(metadata_->GetOffsets({"t", 0})->high_watermark, 1);
  // KIP-360: a bump asked for by a producer that is no longer the current one.
  EXPECT_EQ(coordinator_->InitProducer("tx", 10000, first.producer_id, 0)->error,
            ErrorCode::kProducerFenced);
  EXPECT_EQ(coordinator_->InitProducer("tx", 10000, first.producer_id, 1)->producer_epoch, 2);
}

TEST_F(TransactionCoordinatorTest, TheCoordinatorAbortsTimedOutTransactionsAndForgetsOldIds) {
  TxnOutcome init = *coordinator_->InitProducer("tx", 10000, -1, -1);
  ASSERT_TRUE(coordinator_->Add("tx", init.producer_id, 0, {{"t", 0}}, {})->ok());
  std::unique_ptr<TransactionCoordinator> other = Make(&elsewhere_);
  clock_.Advance(absl::Seconds(9));
  ASSERT_TRUE(coordinator_->Tick().ok());
  EXPECT_EQ(metadata_->GetTransaction("tx")->state, TransactionState::kOngoing);
  clock_.Advance(absl::Seconds(2));
  const uint64_t applied = metadata_->applied_index();
  ASSERT_TRUE(other->Tick().ok());  // not its id: writes nothing
  EXPECT_EQ(metadata_->applied_index(), applied);
  ASSERT_TRUE(coordinator_->Tick().ok());
  std::optional<TransactionInfo> txn = metadata_->GetTransaction("tx");
  EXPECT_EQ(txn->state, TransactionState::kCompleteAbort);
  EXPECT_EQ(txn->producer_epoch, 1);  // the producer is fenced
  EXPECT_EQ(coordinator_->counters().timeouts, 1u);
  EXPECT_EQ(coordinator_->Add("tx", init.producer_id, 0, {{"t", 0}}, {})->error,
            ErrorCode::kProducerFenced);
  clock_.Advance(absl::Hours(1) + absl::Seconds(1));
  ASSERT_TRUE(coordinator_->Tick().ok());
  EXPECT_FALSE(metadata_->GetTransaction("tx").has_value());
  EXPECT_EQ(coordinator_->counters().expired_ids, 1u);
}

}  // namespace
}  // namespace warp::server::transactions
