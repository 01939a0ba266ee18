// Transactions through the engine: markers come back as control batches,
// READ_COMMITTED fetches stop at the last stable offset and list aborted
// transactions (docs/transactions.md).
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "lib/engine/testing/engine_fixture.h"
#include "lib/protocol/record/record_batch.h"
#include "lib/protocol/record/record_batch_builder.h"

namespace warp {
namespace {

// A transaction's data comes back with its commit marker after it: a control
// batch the fetcher builds from the metadata at the marker's offset.
TEST_F(EngineTest, TransactionMarkersComeBackAsControlBatches) {
  absl::StatusOr<CommandResult> init =
      metadata_->Execute(InitTransactionalProducer{"tx", 60000, 1000, -1, -1});
  ASSERT_TRUE(init.ok() && init->ok());
  const int64_t pid = init->producer_id;
  ASSERT_TRUE(metadata_->Execute(AddToTransaction{"tx", pid, 0, {{"t", 3}}, {}, 1001})->ok());
  std::vector<kafka::RecordInput> records = {{std::nullopt, absl::string_view("in-tx"), {}, 1000}};
  kafka::RecordBatchOptions options;
  options.producer_id = pid;
  options.producer_epoch = 0;
  options.base_sequence = 0;
  options.is_transactional = true;
  auto produced = producer_->AppendAndWait({{"t", 3, *kafka::BuildRecordBatch(records, options)}});
  ASSERT_TRUE(produced.ok()) << produced.status();
  ASSERT_EQ((*produced)[0].error, KafkaError::kNone);
  ASSERT_TRUE(metadata_->Execute(EndTransaction{"tx", pid, 0, true, 1002})->ok());
  auto fetched = fetcher_->Fetch({{{"t", 3}, 0}}, {});
  ASSERT_TRUE(fetched.ok()) << fetched.status();
  auto split = kafka::SplitRecordBatches((*fetched)[0].records);
  ASSERT_TRUE(split.ok());
  ASSERT_EQ(split->batches.size(), 2u);
  auto data = kafka::RecordBatchReader::Open(split->batches[0]);
  ASSERT_TRUE(data.ok());
  EXPECT_TRUE(data->header().is_transactional());
  EXPECT_FALSE(data->header().is_control());
  auto marker = kafka::RecordBatchReader::Open(split->batches[1]);
  ASSERT_TRUE(marker.ok()) << marker.status();
  EXPECT_TRUE(marker->header().is_control());
  EXPECT_TRUE(marker->header().is_transactional());
  EXPECT_EQ(marker->header().base_offset, 1);
  EXPECT_EQ(marker->header().producer_id, pid);
  kafka::RecordView r;
  ASSERT_TRUE(*marker->Next(&r));
  ASSERT_TRUE(r.key.has_value());
  EXPECT_EQ(*r.key, std::string("\x00\x00\x00\x01", 4));  // version 0, COMMIT
  EXPECT_EQ((*fetched)[0].high_watermark, 2);
}

// read_committed stops at the last stable offset while a transaction is
// open, and reports an aborted one with its data.
TEST_F(EngineTest, ReadCommittedStopsAtTheLastStableOffset) {
  ASSERT_TRUE(producer_->AppendAndWait({{"t", 1, Batch("plain", 2)}}).ok());
  const int64_t pid = metadata_->Execute(InitTransactionalProducer{"tx", 60000, 1, -1, -1})
                          ->producer_id;
  ASSERT_TRUE(metadata_->Execute(AddToTransaction{"tx", pid, 0, {{"t", 1}}, {}, 2})->ok());
  kafka::RecordBatchOptions options;
  options.producer_id = pid;
  options.producer_epoch = 0;
  options.base_sequence = 0;
  options.is_transactional = true;
  std::vector<kafka::RecordInput> records = {{std::nullopt, absl::string_view("open"), {}, 1000}};
  ASSERT_EQ((*producer_->AppendAndWait({{"t", 1, *kafka::BuildRecordBatch(records, options)}}))[0]
                .error,
            KafkaError::kNone);
  FetchOptions committed;
  committed.read_committed = true;
  auto open = fetcher_->Fetch({{{"t", 1}, 0}}, committed);
  ASSERT_TRUE(open.ok());
  EXPECT_EQ((*open)[0].last_stable_offset, 2);
  EXPECT_EQ((*open)[0].high_watermark, 3);
  EXPECT_EQ(Records((*open)[0].records).size(), 2u);  // the open one is not returned
  auto uncommitted = fetcher_->Fetch({{{"t", 1}, 0}}, {});
  EXPECT_EQ(Records((*uncommitted)[0].records).size(), 3u);
  ASSERT_TRUE(metadata_->Execute(EndTransaction{"tx", pid, 0, false, 3})->ok());
  auto after = fetcher_->Fetch({{{"t", 1}, 0}}, committed);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ((*after)[0].last_stable_offset, 4);
  ASSERT_EQ((*after)[0].aborted.size(), 1u);
  EXPECT_EQ((*after)[0].aborted[0].producer_id, pid);
  EXPECT_EQ((*after)[0].aborted[0].first_offset, 2);
  // A fetch from after the abort marker reports nothing aborted.
  auto later = fetcher_->Fetch({{{"t", 1}, 4}}, committed);
  EXPECT_TRUE((*later)[0].aborted.empty());
}

}  // namespace
}  // namespace warp
