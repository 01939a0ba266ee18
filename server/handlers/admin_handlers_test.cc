// The admin handlers called directly on an agent over mem:// bucket and
// metadata; every response is also encoded at its version to check that it
// is well-formed there.
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "lib/metadata/topic_config.h"
#include "lib/protocol/messages/errors.h"
#include "lib/protocol/messages/request_codec.h"
#include "lib/protocol/record/record_batch_builder.h"
#include "server/handler.h"
#include "server/testing/handler_harness.h"

namespace warp::server {
namespace {

using namespace kafka;  // NOLINT: the protocol's names

int16_t Code(ErrorCode code) { return ToInt16(code); }

class AdminHandlersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    AgentConfig config = testing::MemAgentConfig();
    config.default_partitions = 2;
    absl::StatusOr<std::unique_ptr<Agent>> agent = testing::OpenMemAgent(config);
    ASSERT_TRUE(agent.ok()) << agent.status();
    agent_ = *std::move(agent);
    RegisterAdminHandlers(table_);
  }

  // Calls the admin handler for `T`'s api key at `version`; it must reply
  // exactly once, synchronously, with a response of type `R`.
  template <typename R, typename T>
  R Call(T body, int16_t version) {
    auto it = table_.find(T::kApiKey);
    EXPECT_NE(it, table_.end());
    if (it == table_.end()) return R();
    return testing::CallHandler<R>(agent_.get(), std::move(body), version, {}, &it->second);
  }

  CreateTopicsResponse CreateTopic(const std::string& name, int32_t partitions,
                                   std::vector<std::pair<std::string, std::string>> configs = {},
                                   bool validate_only = false, int16_t version = 7) {
    CreateTopicsRequest req;
    CreateTopicsRequest::CreatableTopic& t = req.topics.emplace_back();
    t.name = name;
    t.num_partitions = partitions;
    t.replication_factor = -1;
    for (auto& [k, v] : configs) {
      CreateTopicsRequest::CreatableTopicConfig c;
      c.name = k;
      c.value = v;
      t.configs.push_back(c);
    }
    req.validate_only = validate_only;
    return Call<CreateTopicsResponse>(req, version);
  }

  DescribeConfigsResponse::DescribeConfigsResult DescribeTopic(
      const std::string& name, std::optional<std::vector<std::string>> keys = std::nullopt,
      int16_t version = 4) {
    DescribeConfigsRequest req;
    DescribeConfigsRequest::DescribeConfigsResource& r = req.resources.emplace_back();
    r.resource_type = 2;
    r.resource_name = name;
    r.configuration_keys = keys;
    req.include_synonyms = true;
    req.include_documentation = true;
    auto resp = Call<DescribeConfigsResponse>(req, version);
    EXPECT_EQ(resp.results.size(), 1u);
    return resp.results[0];
  }

  // The described value of `config` of `topic`.
  std::string ConfigValue(const std::string& topic, const std::string& config) {
    auto result = DescribeTopic(topic, std::vector<std::string>{config});
    EXPECT_EQ(result.error_code, 0);
    if (result.configs.size() != 1) return "<missing>";
    return result.configs[0].value.value_or("<null>");
  }

  std::unique_ptr<Agent> agent_;
  absl::flat_hash_map<int16_t, Handler> table_;
};

TEST_F(AdminHandlersTest, RegistersEveryAdminApi) {
  for (int16_t key : {CreateTopicsRequest::kApiKey, DeleteTopicsRequest::kApiKey,
                      CreatePartitionsRequest::kApiKey, DescribeConfigsRequest::kApiKey,
                      AlterConfigsRequest::kApiKey, IncrementalAlterConfigsRequest::kApiKey,
                      DescribeClusterRequest::kApiKey, DeleteRecordsRequest::kApiKey,
                      OffsetForLeaderEpochRequest::kApiKey}) {
    EXPECT_TRUE(table_.contains(key)) << key;
  }
}

TEST_F(AdminHandlersTest, CreateTopicWithConfigs) {
  auto resp = CreateTopic("orders", 3, {{"retention.ms", "1000"}, {"cleanup.policy", "compact"}});
  ASSERT_EQ(resp.topics.size(), 1u);
  const auto& r = resp.topics[0];
  EXPECT_EQ(r.name, "orders");
  EXPECT_EQ(r.error_code, 0);
  EXPECT_EQ(r.error_message, std::nullopt);
  EXPECT_EQ(r.num_partitions, 3);
  EXPECT_EQ(r.replication_factor, 1);
  EXPECT_FALSE(r.topic_id.IsZero());
  ASSERT_TRUE(r.configs.has_value());
  EXPECT_EQ(r.configs->size(), metadata::TopicConfigDefinitions().size());
  bool saw_retention = false, saw_default = false;
  for (const auto& c : *r.configs) {
    if (c.name == "retention.ms") {
      saw_retention = true;
      EXPECT_EQ(c.value, "1000");
      EXPECT_EQ(c.config_source, 1);
    }
    if (c.name == "max.message.bytes") {
      saw_default = true;
      EXPECT_EQ(c.value, "1048588");
      EXPECT_EQ(c.config_source, 5);
    }
  }
  EXPECT_TRUE(saw_retention);
  EXPECT_TRUE(saw_default);

  std::optional<TopicInfo> topic = agent_->metadata().GetTopic("orders");
  ASSERT_TRUE(topic.has_value());
  EXPECT_EQ(topic->partitions, 3);
  EXPECT_EQ(topic->configs.at("retention.ms"), "1000");
  EXPECT_EQ(topic->configs.at("cleanup.policy"), "compact");
}

TEST_F(AdminHandlersTest, CreateTopicDefaultsAndEveryVersionEncodes) {
  for (int16_t v = 0; v <= 7; ++v) {
    auto resp = CreateTopic("t" + std::to_string(v), -1, {}, false, v);
    ASSERT_EQ(resp.topics.size(), 1u);
    EXPECT_EQ(resp.topics[0].error_code, 0) << v;
  }
  EXPECT_EQ(agent_->metadata().GetTopic("t0")->partitions, 2);  // default_partitions
}

TEST_F(AdminHandlersTest, CreateTopicValidateOnlyCreatesNothing) {
  auto resp = CreateTopic("dry", 4, {{"retention.ms", "5"}}, /*validate_only=*/true);
  ASSERT_EQ(resp.topics.size(), 1u);
  EXPECT_EQ(resp.topics[0].error_code, 0);
  EXPECT_EQ(resp.topics[0].num_partitions, 4);
  EXPECT_FALSE(agent_->metadata().GetTopic("dry").has_value());

  // validate_only still validates.
  resp = CreateTopic("dry", 4, {{"retention.ms", "forever"}}, /*validate_only=*/true);
  EXPECT_EQ(resp.topics[0].error_code, Code(ErrorCode::kInvalidConfig));
  EXPECT_FALSE(agent_->metadata().GetTopic("dry").has_value());
}

TEST_F(AdminHandlersTest, CreateTopicErrors) {
  ASSERT_EQ(CreateTopic("dup", 1).topics[0].error_code, 0);
  auto resp = CreateTopic("dup", 1);
  EXPECT_EQ(resp.topics[0].error_code, Code(ErrorCode::kTopicAlreadyExists));
  EXPECT_TRUE(resp.topics[0].error_message.has_value());
  EXPECT_EQ(resp.topics[0].num_partitions, -1);

  EXPECT_EQ(CreateTopic("bad/name", 1).topics[0].error_code,
            Code(ErrorCode::kInvalidTopicException));
  EXPECT_EQ(CreateTopic("zero", 0).topics[0].error_code, Code(ErrorCode::kInvalidPartitions));
  EXPECT_EQ(CreateTopic("neg", -5).topics[0].error_code, Code(ErrorCode::kInvalidPartitions));
  EXPECT_EQ(CreateTopic("cfg", 1, {{"no.such.config", "1"}}).topics[0].error_code,
            Code(ErrorCode::kInvalidConfig));
  EXPECT_EQ(CreateTopic("cfg", 1, {{"cleanup.policy", "shred"}}).topics[0].error_code,
            Code(ErrorCode::kInvalidConfig));

  ASSERT_EQ(CreateTopic("a.b", 1).topics[0].error_code, 0);
  EXPECT_EQ(CreateTopic("a_b", 1).topics[0].error_code, Code(ErrorCode::kInvalidTopicException));

  // The same name twice in one request.
  CreateTopicsRequest req;
  req.topics.resize(2);
  req.topics[0].name = req.topics[1].name = "twice";
  req.topics[0].num_partitions = req.topics[1].num_partitions = 1;
  req.topics[0].replication_factor = req.topics[1].replication_factor = 1;
  auto twice = Call<CreateTopicsResponse>(req, 4);
  ASSERT_EQ(twice.topics.size(), 1u);
  EXPECT_EQ(twice.topics[0].error_code, Code(ErrorCode::kInvalidRequest));
  EXPECT_FALSE(agent_->metadata().GetTopic("twice").has_value());
}

TEST_F(AdminHandlersTest, CreateTopicReplicationFactorAndAssignments) {
  CreateTopicsRequest req;
  auto& t = req.topics.emplace_back();
  t.name = "rf3";
  t.num_partitions = 1;
  t.replication_factor = 3;  // accepted: the bucket replicates
  auto& m = req.topics.emplace_back();
  m.name = "manual";
  m.num_partitions = -1;
  m.replication_factor = -1;
  for (int p = 0; p < 3; ++p) m.assignments.push_back({p, {1, 2}});
  auto resp = Call<CreateTopicsResponse>(req, 7);
  ASSERT_EQ(resp.topics.size(), 2u);
  EXPECT_EQ(resp.topics[0].error_code, 0);
  EXPECT_EQ(resp.topics[0].replication_factor, 1);
  EXPECT_EQ(resp.topics[1].error_code, 0);
  EXPECT_EQ(resp.topics[1].num_partitions, 3);
  EXPECT_EQ(agent_->metadata().GetTopic("manual")->partitions, 3);

  CreateTopicsRequest bad;
  auto& b = bad.topics.emplace_back();
  b.name = "rf0";
  b.num_partitions = 1;
  b.replication_factor = 0;
  EXPECT_EQ(Call<CreateTopicsResponse>(bad, 7).topics[0].error_code,
            Code(ErrorCode::kInvalidReplicationFactor));
}

TEST_F(AdminHandlersTest, DeleteTopicsByNameAndId) {
  ASSERT_EQ(CreateTopic("gone", 1).topics[0].error_code, 0);
  kafka::Uuid id = CreateTopic("by-id", 1).topics[0].topic_id;

  DeleteTopicsRequest old;
  old.topic_names = {"gone", "never"};
  auto resp = Call<DeleteTopicsResponse>(old, 5);
  ASSERT_EQ(resp.responses.size(), 2u);
  EXPECT_EQ(resp.responses[0].name, "gone");
  EXPECT_EQ(resp.responses[0].error_code, 0);
  EXPECT_EQ(resp.responses[1].error_code, Code(ErrorCode::kUnknownTopicOrPartition));
  EXPECT_FALSE(agent_->metadata().GetTopic("gone").has_value());

  DeleteTopicsRequest v6;
  v6.topics.emplace_back().topic_id = id;
  kafka::Uuid unknown;
  unknown.bytes[15] = 1;
  v6.topics.emplace_back().topic_id = unknown;
  resp = Call<DeleteTopicsResponse>(v6, 6);
  ASSERT_EQ(resp.responses.size(), 2u);
  EXPECT_EQ(resp.responses[0].error_code, 0);
  EXPECT_EQ(resp.responses[0].name, "by-id");
  EXPECT_EQ(resp.responses[1].error_code, Code(ErrorCode::kUnknownTopicId));
  EXPECT_FALSE(agent_->metadata().GetTopic("by-id").has_value());

  for (int16_t v = 0; v <= 4; ++v) {
    DeleteTopicsRequest again;
    again.topic_names = {"never"};
    EXPECT_EQ(Call<DeleteTopicsResponse>(again, v).responses[0].error_code,
              Code(ErrorCode::kUnknownTopicOrPartition));
  }
}

TEST_F(AdminHandlersTest, CreatePartitions) {
  ASSERT_EQ(CreateTopic("grow", 2).topics[0].error_code, 0);
  auto request = [](std::string name, int32_t count, bool validate_only) {
    CreatePartitionsRequest req;
    auto& t = req.topics.emplace_back();
    t.name = std::move(name);
    t.count = count;
    t.assignments = std::nullopt;
    req.validate_only = validate_only;
    return req;
  };
  auto resp = Call<CreatePartitionsResponse>(request("grow", 5, true), 3);
  EXPECT_EQ(resp.results[0].error_code, 0);
  EXPECT_EQ(agent_->metadata().GetTopic("grow")->partitions, 2);

  resp = Call<CreatePartitionsResponse>(request("grow", 5, false), 0);
  EXPECT_EQ(resp.results[0].error_code, 0);
  EXPECT_EQ(resp.results[0].error_message, std::nullopt);
  EXPECT_EQ(agent_->metadata().GetTopic("grow")->partitions, 5);

  resp = Call<CreatePartitionsResponse>(request("grow", 3, false), 2);
  EXPECT_EQ(resp.results[0].error_code, Code(ErrorCode::kInvalidPartitions));
  EXPECT_TRUE(resp.results[0].error_message.has_value());
  resp = Call<CreatePartitionsResponse>(request("grow", 5, false), 1);
  EXPECT_EQ(resp.results[0].error_code, Code(ErrorCode::kInvalidPartitions));
  resp = Call<CreatePartitionsResponse>(request("nope", 5, false), 3);
  EXPECT_EQ(resp.results[0].error_code, Code(ErrorCode::kUnknownTopicOrPartition));

  CreatePartitionsRequest wrong = request("grow", 7, false);
  wrong.topics[0].assignments = std::vector<CreatePartitionsRequest::CreatePartitionsAssignment>{
      {{1}}};  // 2 partitions added, 1 assignment
  resp = Call<CreatePartitionsResponse>(wrong, 3);
  EXPECT_EQ(resp.results[0].error_code, Code(ErrorCode::kInvalidReplicaAssignment));
  EXPECT_EQ(agent_->metadata().GetTopic("grow")->partitions, 5);
}

TEST_F(AdminHandlersTest, DescribeTopicConfigs) {
  ASSERT_EQ(CreateTopic("described", 1, {{"retention.ms", "1234"}}).topics[0].error_code, 0);
  auto result = DescribeTopic("described");
  EXPECT_EQ(result.error_code, 0);
  EXPECT_EQ(result.resource_name, "described");
  EXPECT_EQ(result.configs.size(), metadata::TopicConfigDefinitions().size());
  for (const auto& c : result.configs) {
    EXPECT_FALSE(c.read_only);
    EXPECT_NE(c.config_type, 0) << c.name;
    EXPECT_TRUE(c.documentation.has_value());
    if (c.name == "retention.ms") {
      EXPECT_EQ(c.value, "1234");
      EXPECT_EQ(c.config_source, 1);
      EXPECT_FALSE(c.is_default);
      EXPECT_EQ(c.config_type, 5);  // LONG
      ASSERT_EQ(c.synonyms.size(), 2u);
      EXPECT_EQ(c.synonyms[0].source, 1);
      EXPECT_EQ(c.synonyms[1].name, "log.retention.ms");
      EXPECT_EQ(c.synonyms[1].source, 5);
    } else if (c.name == "cleanup.policy") {
      EXPECT_EQ(c.value, "delete");
      EXPECT_EQ(c.config_source, 5);
      EXPECT_TRUE(c.is_default);
      EXPECT_EQ(c.config_type, 7);  // LIST
    }
  }

  // A key filter, and every version encodes.
  for (int16_t v = 0; v <= 4; ++v) {
    auto filtered = DescribeTopic("described", std::vector<std::string>{"retention.ms"}, v);
    ASSERT_EQ(filtered.configs.size(), 1u) << v;
    EXPECT_EQ(filtered.configs[0].value, "1234");
  }

  EXPECT_EQ(DescribeTopic("missing").error_code, Code(ErrorCode::kUnknownTopicOrPartition));
  EXPECT_EQ(DescribeTopic("bad/name").error_code, Code(ErrorCode::kInvalidTopicException));
}

TEST_F(AdminHandlersTest, DescribeBrokerConfigs) {
  DescribeConfigsRequest req;
  auto& r = req.resources.emplace_back();
  r.resource_type = 4;
  r.resource_name = std::to_string(agent_->node_id());
  r.configuration_keys = std::nullopt;
  auto& other = req.resources.emplace_back();
  other.resource_type = 4;
  other.resource_name = "not-me";
  auto& weird = req.resources.emplace_back();
  weird.resource_type = 9;
  weird.resource_name = "x";
  auto resp = Call<DescribeConfigsResponse>(req, 1);
  ASSERT_EQ(resp.results.size(), 3u);
  EXPECT_EQ(resp.results[0].error_code, 0);
  bool saw_partitions = false;
  for (const auto& c : resp.results[0].configs) {
    EXPECT_TRUE(c.read_only);
    if (c.name == "num.partitions") {
      saw_partitions = true;
      EXPECT_EQ(c.value, "2");
    }
  }
  EXPECT_TRUE(saw_partitions);
  EXPECT_EQ(resp.results[1].error_code, Code(ErrorCode::kInvalidRequest));
  EXPECT_EQ(resp.results[2].error_code, Code(ErrorCode::kInvalidRequest));
}

TEST_F(AdminHandlersTest, AlterConfigsReplaces) {
  ASSERT_EQ(CreateTopic("alt", 1, {{"retention.ms", "1000"}, {"segment.ms", "2000"}})
                .topics[0].error_code, 0);
  AlterConfigsRequest req;
  auto& r = req.resources.emplace_back();
  r.resource_type = 2;
  r.resource_name = "alt";
  r.configs.push_back({"retention.ms", "3000"});
  req.validate_only = true;
  auto resp = Call<AlterConfigsResponse>(req, 2);
  ASSERT_EQ(resp.responses.size(), 1u);
  EXPECT_EQ(resp.responses[0].error_code, 0);
  EXPECT_EQ(ConfigValue("alt", "retention.ms"), "1000");  // validate_only

  req.validate_only = false;
  resp = Call<AlterConfigsResponse>(req, 0);
  EXPECT_EQ(resp.responses[0].error_code, 0);
  EXPECT_EQ(ConfigValue("alt", "retention.ms"), "3000");
  EXPECT_EQ(ConfigValue("alt", "segment.ms"), "604800000");  // replaced: default again

  req.resources[0].configs = {{"retention.ms", "soon"}};
  resp = Call<AlterConfigsResponse>(req, 1);
  EXPECT_EQ(resp.responses[0].error_code, Code(ErrorCode::kInvalidConfig));
  EXPECT_EQ(ConfigValue("alt", "retention.ms"), "3000");

  req.resources[0].resource_name = "missing";
  req.resources[0].configs = {{"retention.ms", "1"}};
  resp = Call<AlterConfigsResponse>(req, 1);
  EXPECT_EQ(resp.responses[0].error_code, Code(ErrorCode::kUnknownTopicOrPartition));

  req.resources[0].resource_type = 4;
  req.resources[0].resource_name = "";
  req.resources[0].configs = {{"num.partitions", "9"}};
  resp = Call<AlterConfigsResponse>(req, 1);
  EXPECT_EQ(resp.responses[0].error_code, Code(ErrorCode::kInvalidRequest));
  EXPECT_TRUE(resp.responses[0].error_message.has_value());
}

TEST_F(AdminHandlersTest, IncrementalAlterConfigs) {
  ASSERT_EQ(CreateTopic("inc", 1, {{"retention.ms", "1000"}, {"segment.ms", "2000"}})
                .topics[0].error_code, 0);
  auto alter = [&](std::vector<IncrementalAlterConfigsRequest::AlterableConfig> configs,
                   bool validate_only = false) {
    IncrementalAlterConfigsRequest req;
    auto& r = req.resources.emplace_back();
    r.resource_type = 2;
    r.resource_name = "inc";
    r.configs = std::move(configs);
    req.validate_only = validate_only;
    auto resp = Call<IncrementalAlterConfigsResponse>(req, 1);
    EXPECT_EQ(resp.responses.size(), 1u);
    return resp.responses[0].error_code;
  };
  EXPECT_EQ(alter({{"retention.ms", 0, "5000"}}, /*validate_only=*/true), 0);
  EXPECT_EQ(ConfigValue("inc", "retention.ms"), "1000");

  EXPECT_EQ(alter({{"retention.ms", 0, "5000"}, {"segment.ms", 1, std::nullopt}}), 0);
  EXPECT_EQ(ConfigValue("inc", "retention.ms"), "5000");
  EXPECT_EQ(ConfigValue("inc", "segment.ms"), "604800000");

  // APPEND starts from the default "delete"; SUBTRACT removes.
  EXPECT_EQ(alter({{"cleanup.policy", 2, "compact"}}), 0);
  EXPECT_EQ(ConfigValue("inc", "cleanup.policy"), "delete,compact");
  EXPECT_EQ(alter({{"cleanup.policy", 2, "compact"}}), 0);  // already there
  EXPECT_EQ(ConfigValue("inc", "cleanup.policy"), "delete,compact");
  EXPECT_EQ(alter({{"cleanup.policy", 3, "delete"}}), 0);
  EXPECT_EQ(ConfigValue("inc", "cleanup.policy"), "compact");

  EXPECT_EQ(alter({{"retention.ms", 2, "1"}}), Code(ErrorCode::kInvalidConfig));  // not a list
  EXPECT_EQ(alter({{"retention.ms", 9, "1"}}), Code(ErrorCode::kInvalidRequest));
  EXPECT_EQ(alter({{"retention.ms", 0, "x"}}), Code(ErrorCode::kInvalidConfig));
  EXPECT_EQ(alter({{"no.such", 0, "1"}}), Code(ErrorCode::kInvalidConfig));
  EXPECT_EQ(alter({{"retention.ms", 0, "1"}, {"retention.ms", 1, std::nullopt}}),
            Code(ErrorCode::kInvalidRequest));
  EXPECT_EQ(ConfigValue("inc", "retention.ms"), "5000");
}

TEST_F(AdminHandlersTest, DescribeCluster) {
  for (int16_t v = 0; v <= 1; ++v) {
    DescribeClusterRequest req;
    auto resp = Call<DescribeClusterResponse>(req, v);
    EXPECT_EQ(resp.error_code, 0);
    EXPECT_EQ(resp.cluster_id, agent_->cluster_id());
    EXPECT_EQ(resp.controller_id, agent_->node_id());
    ASSERT_EQ(resp.brokers.size(), 1u);
    EXPECT_EQ(resp.brokers[0].broker_id, agent_->node_id());
    EXPECT_EQ(resp.brokers[0].host, "127.0.0.1");
    EXPECT_EQ(resp.brokers[0].port, 9092);
    EXPECT_EQ(resp.cluster_authorized_operations, std::numeric_limits<int32_t>::min());
  }
  DescribeClusterRequest with_ops;
  with_ops.include_cluster_authorized_operations = true;
  int32_t ops = Call<DescribeClusterResponse>(with_ops, 1).cluster_authorized_operations;
  EXPECT_NE(ops, std::numeric_limits<int32_t>::min());
  EXPECT_TRUE(ops & (1 << 10));  // DESCRIBE_CONFIGS

  DescribeClusterRequest controllers;
  controllers.endpoint_type = 2;
  EXPECT_EQ(Call<DescribeClusterResponse>(controllers, 1).error_code,
            Code(ErrorCode::kUnsupportedEndpointType));
}

TEST_F(AdminHandlersTest, DeleteRecordsOnEmptyPartition) {
  ASSERT_EQ(CreateTopic("dr", 1).topics[0].error_code, 0);
  auto request = [](std::string topic, int32_t partition, int64_t offset) {
    DeleteRecordsRequest req;
    auto& t = req.topics.emplace_back();
    t.name = std::move(topic);
    t.partitions.push_back({partition, offset});
    return req;
  };
  auto resp = Call<DeleteRecordsResponse>(request("dr", 0, 0), 2);
  ASSERT_EQ(resp.topics.size(), 1u);
  EXPECT_EQ(resp.topics[0].partitions[0].error_code, 0);
  EXPECT_EQ(resp.topics[0].partitions[0].low_watermark, 0);
  resp = Call<DeleteRecordsResponse>(request("dr", 0, -1), 0);
  EXPECT_EQ(resp.topics[0].partitions[0].error_code, 0);
  EXPECT_EQ(resp.topics[0].partitions[0].low_watermark, 0);
  resp = Call<DeleteRecordsResponse>(request("dr", 0, 5), 1);
  EXPECT_EQ(resp.topics[0].partitions[0].error_code, Code(ErrorCode::kOffsetOutOfRange));
  EXPECT_EQ(resp.topics[0].partitions[0].low_watermark, -1);
  resp = Call<DeleteRecordsResponse>(request("dr", 1, 0), 1);
  EXPECT_EQ(resp.topics[0].partitions[0].error_code, Code(ErrorCode::kUnknownTopicOrPartition));
  resp = Call<DeleteRecordsResponse>(request("nope", 0, 0), 1);
  EXPECT_EQ(resp.topics[0].partitions[0].error_code, Code(ErrorCode::kUnknownTopicOrPartition));
}

TEST_F(AdminHandlersTest, DeleteRecordsAndOffsetForLeaderEpochAfterProducing) {
  ASSERT_EQ(CreateTopic("data", 1).topics[0].error_code, 0);
  std::vector<RecordInput> records(3);
  for (auto& r : records) {
    r.value = absl::string_view("v");
    r.timestamp = 1000;
  }
  absl::StatusOr<std::string> batch = BuildRecordBatch(records);
  ASSERT_TRUE(batch.ok()) << batch.status();
  auto produced = agent_->producer().AppendAndWait({{"data", 0, *batch}});
  ASSERT_TRUE(produced.ok()) << produced.status();
  ASSERT_EQ((*produced)[0].error, KafkaError::kNone);

  OffsetForLeaderEpochRequest epochs;
  auto& t = epochs.topics.emplace_back();
  t.topic = "data";
  t.partitions.push_back({0, -1, 0});
  t.partitions.push_back({1, -1, 0});   // no such partition
  t.partitions.push_back({0, 1, 0});    // a newer current epoch than warp's
  t.partitions.push_back({0, -1, -1});  // UNDEFINED_EPOCH
  auto& missing = epochs.topics.emplace_back();
  missing.topic = "nope";
  missing.partitions.push_back({0, -1, 0});
  for (int16_t v = 0; v <= 4; ++v) {
    auto resp = Call<OffsetForLeaderEpochResponse>(epochs, v);
    ASSERT_EQ(resp.topics.size(), 2u);
    const auto& p = resp.topics[0].partitions;
    ASSERT_EQ(p.size(), 4u);
    EXPECT_EQ(p[0].error_code, 0);
    EXPECT_EQ(p[0].leader_epoch, 0);
    EXPECT_EQ(p[0].end_offset, 3);
    EXPECT_EQ(p[1].error_code, Code(ErrorCode::kUnknownTopicOrPartition));
    if (v >= 2) {
      EXPECT_EQ(p[2].error_code, Code(ErrorCode::kUnknownLeaderEpoch));
    } else {
      EXPECT_EQ(p[2].error_code, 0);
    }
    EXPECT_EQ(p[3].error_code, 0);
    EXPECT_EQ(p[3].end_offset, -1);
    EXPECT_EQ(resp.topics[1].partitions[0].error_code,
              Code(ErrorCode::kUnknownTopicOrPartition));
  }

  DeleteRecordsRequest del;
  auto& dt = del.topics.emplace_back();
  dt.name = "data";
  dt.partitions.push_back({0, 2});
  auto resp = Call<DeleteRecordsResponse>(del, 2);
  EXPECT_EQ(resp.topics[0].partitions[0].error_code, 0);
  EXPECT_EQ(resp.topics[0].partitions[0].low_watermark, 2);
  EXPECT_EQ(agent_->metadata().GetOffsets({"data", 0})->log_start_offset, 2);

  dt.partitions[0].offset = -1;  // up to the high watermark
  resp = Call<DeleteRecordsResponse>(del, 2);
  EXPECT_EQ(resp.topics[0].partitions[0].error_code, 0);
  EXPECT_EQ(resp.topics[0].partitions[0].low_watermark, 3);
}

}  // namespace
}  // namespace warp::server
