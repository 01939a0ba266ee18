// Agents without the produce or fetch role refuse those requests with a
// clear error; Metadata gives clients only agents like the one they asked.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "lib/protocol/messages/errors.h"
#include "server/handler.h"
#include "server/testing/handler_harness.h"

namespace warp::server {
namespace {

using namespace kafka;  // NOLINT: the protocol's names

std::unique_ptr<Agent> OpenAgent(std::vector<std::string> roles) {
  AgentConfig config = testing::MemAgentConfig();
  config.default_partitions = 1;
  config.roles = std::move(roles);
  absl::StatusOr<std::unique_ptr<Agent>> agent = testing::OpenMemAgent(config);
  EXPECT_TRUE(agent.ok()) << agent.status();
  return agent.ok() ? *std::move(agent) : nullptr;
}

template <typename R, typename T>
R Call(Agent* agent, T body, int16_t version) {
  return testing::CallHandler<R>(agent, std::move(body), version);
}

ProduceRequest OneRecordBatch() {
  ProduceRequest req;
  req.acks = -1;
  req.timeout_ms = 1000;
  auto& t = req.topic_data.emplace_back();
  t.name = "t";
  auto& p = t.partition_data.emplace_back();
  p.index = 0;
  p.records = std::string(70, '\0');  // refused before it is read
  return req;
}

TEST(RolesTest, AFetchAgentRefusesProduce) {
  auto agent = OpenAgent({"fetch"});
  ASSERT_NE(agent, nullptr);
  ASSERT_TRUE(agent->MaybeAutoCreate("t"));
  auto resp = Call<ProduceResponse>(agent.get(), OneRecordBatch(), 9);
  const auto& pr = resp.responses.at(0).partition_responses.at(0);
  EXPECT_EQ(pr.error_code, ToInt16(ErrorCode::kInvalidRequest));
  ASSERT_TRUE(pr.error_message.has_value());
  EXPECT_NE(pr.error_message->find("--roles"), std::string::npos);
}

TEST(RolesTest, AProduceAgentRefusesFetch) {
  auto agent = OpenAgent({"produce"});
  ASSERT_NE(agent, nullptr);
  ASSERT_TRUE(agent->MaybeAutoCreate("t"));
  FetchRequest req;
  req.max_wait_ms = 0;
  auto& t = req.topics.emplace_back();
  t.topic = "t";
  auto& p = t.partitions.emplace_back();
  p.partition = 0;
  p.fetch_offset = 0;
  p.partition_max_bytes = 1 << 20;
  auto resp = Call<FetchResponse>(agent.get(), std::move(req), 11);
  EXPECT_EQ(resp.responses.at(0).partitions.at(0).error_code, ToInt16(ErrorCode::kInvalidRequest));
}

}  // namespace
}  // namespace warp::server
