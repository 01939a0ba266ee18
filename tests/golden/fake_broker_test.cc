#include "tests/golden/fake_broker.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "lib/protocol/messages/errors.h"
#include "lib/protocol/record/record_batch.h"
#include "lib/protocol/record/record_batch_builder.h"

namespace warp::kafka::golden {
namespace {

RequestHeader HeaderFor(int16_t api_key, int16_t version) {
  RequestHeader header;
  header.api_key = api_key;
  header.api_version = version;
  header.correlation_id = 7;
  header.client_id = "test-client";
  return header;
}

// Answers `request` in `version` and returns the response, which must be a
// `Resp`.
template <typename Resp, typename Req>
Resp Call(FakeBroker& broker, const Req& request, int16_t version) {
  absl::StatusOr<std::optional<Response>> response =
      broker.Handle(HeaderFor(Req::kApiKey, version), request);
  EXPECT_TRUE(response.ok()) << response.status();
  if (!response.ok() || !response->has_value()) return Resp();
  const Resp* typed = std::get_if<Resp>(&**response);
  EXPECT_NE(typed, nullptr);
  return typed != nullptr ? *typed : Resp();
}

// One batch of `count` records "v0".."v<count-1>".
std::string Batch(int count) {
  std::vector<std::string> values;
  for (int i = 0; i < count; ++i) values.push_back("v" + std::to_string(i));
  std::vector<RecordInput> records;
  for (const std::string& v : values) {
    RecordInput& r = records.emplace_back();
    r.value = v;
    r.timestamp = 1700000000000;
  }
  absl::StatusOr<std::string> batch = BuildRecordBatch(records);
  EXPECT_TRUE(batch.ok()) << batch.status();
  return batch.ok() ? *batch : std::string();
}

ProduceRequest Produce(const std::string& topic, std::string records,
                       int16_t acks = -1) {
  ProduceRequest request;
  request.acks = acks;
  request.timeout_ms = 1000;
  auto& t = request.topic_data.emplace_back();
  t.name = topic;
  auto& p = t.partition_data.emplace_back();
  p.index = 0;
  p.records = std::move(records);
  return request;
}

FetchRequest Fetch(const std::string& topic, int64_t offset) {
  FetchRequest request;
  request.max_wait_ms = 0;
  auto& t = request.topics.emplace_back();
  t.topic = topic;
  auto& p = t.partitions.emplace_back();
  p.partition = 0;
  p.fetch_offset = offset;
  p.partition_max_bytes = 1 << 20;
  return request;
}

TEST(FakeBrokerTest, ProducedBatchesGetOffsetsAndAreFetchedBack) {
  FakeBroker broker({});
  auto first = Call<ProduceResponse>(broker, Produce("t", Batch(2)), 7);
  auto second = Call<ProduceResponse>(broker, Produce("t", Batch(3)), 7);
  ASSERT_EQ(first.responses.size(), 1u);
  EXPECT_EQ(first.responses[0].partition_responses[0].error_code, 0);
  EXPECT_EQ(first.responses[0].partition_responses[0].base_offset, 0);
  EXPECT_EQ(second.responses[0].partition_responses[0].base_offset, 2);
  EXPECT_EQ(broker.NextOffset("t"), 5);

  auto fetched = Call<FetchResponse>(broker, Fetch("t", 3), 11);
  ASSERT_EQ(fetched.responses.size(), 1u);
  const auto& data = fetched.responses[0].partitions[0];
  EXPECT_EQ(data.error_code, 0);
  EXPECT_EQ(data.high_watermark, 5);
  ASSERT_TRUE(data.records.has_value());
  // Offset 3 lies in the second batch, which is returned whole.
  absl::StatusOr<RecordBatchSequence> split = SplitRecordBatches(*data.records);
  ASSERT_TRUE(split.ok());
  ASSERT_EQ(split->batches.size(), 1u);
  absl::StatusOr<RecordBatchHeader> header =
      ParseRecordBatchHeader(split->batches[0]);
  ASSERT_TRUE(header.ok()) << header.status();
  EXPECT_EQ(header->base_offset, 2);
  EXPECT_EQ(header->record_count, 3);

  auto all = Call<FetchResponse>(broker, Fetch("t", 0), 11);
  split = SplitRecordBatches(*all.responses[0].partitions[0].records);
  ASSERT_TRUE(split.ok());
  EXPECT_EQ(split->batches.size(), 2u);
}

TEST(FakeBrokerTest, ProduceWithoutAcksHasNoResponse) {
  FakeBroker broker({});
  absl::StatusOr<std::optional<Response>> response =
      broker.Handle(HeaderFor(ProduceRequest::kApiKey, 7),
                    Produce("t", Batch(1), /*acks=*/0));
  ASSERT_TRUE(response.ok());
  EXPECT_FALSE(response->has_value());
  EXPECT_EQ(broker.NextOffset("t"), 1);
}

TEST(FakeBrokerTest, CorruptBatchIsRejected) {
  FakeBroker broker({});
  std::string batch = Batch(1);
  batch.back() ^= 1;  // Breaks the CRC.
  auto response = Call<ProduceResponse>(broker, Produce("t", batch), 7);
  EXPECT_EQ(response.responses[0].partition_responses[0].error_code,
            ToInt16(ErrorCode::kCorruptMessage));
  EXPECT_EQ(broker.NextOffset("t"), 0);
}

TEST(FakeBrokerTest, EmptyFetchWaitsAtMostTheCap) {
  FakeBrokerOptions options;
  options.max_fetch_wait = absl::Milliseconds(1);
  FakeBroker broker(options);
  FetchRequest request = Fetch("t", 0);
  request.max_wait_ms = 60000;
  auto response = Call<FetchResponse>(broker, request, 11);
  const auto& data = response.responses[0].partitions[0];
  EXPECT_EQ(data.high_watermark, 0);
  EXPECT_EQ(data.records, std::string());
}

TEST(FakeBrokerTest, FetchPastTheEndIsOutOfRange) {
  FakeBroker broker({});
  auto response = Call<FetchResponse>(broker, Fetch("t", 5), 11);
  EXPECT_EQ(response.responses[0].partitions[0].error_code,
            ToInt16(ErrorCode::kOffsetOutOfRange));
}

TEST(FakeBrokerTest, MetadataCreatesTopicsOnOneSelfLedPartition) {
  FakeBrokerOptions options;
  options.port = 12345;
  FakeBroker broker(options);
  MetadataRequest request;
  request.topics.emplace().emplace_back().name = "golden-none";
  auto response = Call<MetadataResponse>(broker, request, 9);
  ASSERT_EQ(response.brokers.size(), 1u);
  EXPECT_EQ(response.brokers[0].host, "127.0.0.1");
  EXPECT_EQ(response.brokers[0].port, 12345);
  EXPECT_EQ(response.controller_id, 0);
  EXPECT_TRUE(response.cluster_id.has_value());
  ASSERT_EQ(response.topics.size(), 1u);
  EXPECT_EQ(response.topics[0].name, "golden-none");
  EXPECT_FALSE(response.topics[0].topic_id.IsZero());
  ASSERT_EQ(response.topics[0].partitions.size(), 1u);
  EXPECT_EQ(response.topics[0].partitions[0].leader_id, 0);

  // A null topic list asks for every topic known.
  request.topics.reset();
  response = Call<MetadataResponse>(broker, request, 9);
  ASSERT_EQ(response.topics.size(), 1u);
  EXPECT_EQ(response.topics[0].name, "golden-none");
}

TEST(FakeBrokerTest, ApiVersionsAdvertisesProduceAndFetchFromZeroByDefault) {
  for (bool legacy : {true, false}) {
    FakeBrokerOptions options;
    options.advertise_legacy_produce_fetch = legacy;
    FakeBroker broker(options);
    auto response = Call<ApiVersionsResponse>(broker, ApiVersionsRequest(), 3);
    int checked = 0;
    for (const auto& api : response.api_keys) {
      if (api.api_key == ProduceRequest::kApiKey) {
        EXPECT_EQ(api.min_version, legacy ? 0 : 3);
        ++checked;
      }
      if (api.api_key == FetchRequest::kApiKey) {
        EXPECT_EQ(api.min_version, legacy ? 0 : 4);
        ++checked;
      }
    }
    EXPECT_EQ(checked, 2);
  }
}

TEST(FakeBrokerTest, ListOffsetsEarliestAndLatest) {
  FakeBroker broker({});
  Call<ProduceResponse>(broker, Produce("t", Batch(4)), 7);
  ListOffsetsRequest request;
  auto& t = request.topics.emplace_back();
  t.name = "t";
  t.partitions.emplace_back().timestamp = -2;
  t.partitions.emplace_back().timestamp = -1;
  auto response = Call<ListOffsetsResponse>(broker, request, 2);
  ASSERT_EQ(response.topics[0].partitions.size(), 2u);
  EXPECT_EQ(response.topics[0].partitions[0].offset, 0);
  EXPECT_EQ(response.topics[0].partitions[1].offset, 4);
}

TEST(FakeBrokerTest, OneMemberGroupJoinsSyncsAndCommits) {
  FakeBroker broker({});
  JoinGroupRequest join;
  join.group_id = "g";
  join.protocol_type = "consumer";
  join.protocols.push_back({"range", "meta"});
  auto joined = Call<JoinGroupResponse>(broker, join, 5);
  EXPECT_EQ(joined.generation_id, 1);
  EXPECT_FALSE(joined.member_id.empty());
  EXPECT_EQ(joined.leader, joined.member_id);
  ASSERT_EQ(joined.members.size(), 1u);
  EXPECT_EQ(joined.members[0].metadata, "meta");

  SyncGroupRequest sync;
  sync.group_id = "g";
  sync.generation_id = joined.generation_id;
  sync.member_id = joined.member_id;
  sync.assignments.push_back({joined.member_id, "assignment"});
  EXPECT_EQ(Call<SyncGroupResponse>(broker, sync, 3).assignment, "assignment");

  OffsetCommitRequest commit;
  commit.group_id = "g";
  auto& ct = commit.topics.emplace_back();
  ct.name = "t";
  ct.partitions.emplace_back().committed_offset = 3;
  Call<OffsetCommitResponse>(broker, commit, 7);

  OffsetFetchRequest fetch;
  fetch.group_id = "g";
  auto& ft = fetch.topics.emplace().emplace_back();
  ft.name = "t";
  ft.partition_indexes = {0, 1};
  auto fetched = Call<OffsetFetchResponse>(broker, fetch, 7);
  ASSERT_EQ(fetched.topics.size(), 1u);
  ASSERT_EQ(fetched.topics[0].partitions.size(), 2u);
  EXPECT_EQ(fetched.topics[0].partitions[0].committed_offset, 3);
  EXPECT_EQ(fetched.topics[0].partitions[1].committed_offset, -1);
}

TEST(FakeBrokerTest, UnansweredApiIsUnimplemented) {
  FakeBroker broker({});
  absl::StatusOr<std::optional<Response>> response = broker.Handle(
      HeaderFor(DeleteTopicsRequest::kApiKey, 4), DeleteTopicsRequest());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace warp::kafka::golden
