// Every API authorized as Kafka authorizes it, called directly on an agent
// with --authorizer=acl: who may produce, fetch, commit, describe and
// administer, with which error otherwise; the ACL and SCRAM APIs themselves.
// The principals are TLS subjects ("User:CN=alice"), as mTLS gives them.
#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "lib/protocol/messages/errors.h"
#include "lib/protocol/record/record_batch_builder.h"
#include "lib/security/sasl/credentials.h"
#include "lib/security/sasl/crypto.h"
#include "server/handler.h"
#include "server/testing/handler_harness.h"

namespace warp::server {
namespace {

using namespace kafka;  // NOLINT: the protocol's names
using acl::AclOperation;
using acl::AclPermissionType;
using acl::PatternType;
using acl::ResourceType;

constexpr int16_t kTopicDenied = 29;
constexpr int16_t kGroupDenied = 30;
constexpr int16_t kClusterDenied = 31;
constexpr int16_t kTransactionalIdDenied = 53;
constexpr int16_t kSecurityDisabled = 54;

class AuthorizationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    AgentConfig config = testing::MemAgentConfig();
    config.security.enforce_acls = true;
    config.security.acl.super_users = {"User:CN=admin"};
    config.security.refresh_interval = absl::ZeroDuration();
    absl::StatusOr<std::unique_ptr<Agent>> agent = testing::OpenMemAgent(config);
    ASSERT_TRUE(agent.ok()) << agent.status();
    agent_ = *std::move(agent);
    for (const char* topic : {"orders", "orders-secret", "other"}) {
      CreateTopicsRequest req;
      auto& t = req.topics.emplace_back();
      t.name = topic;
      t.num_partitions = 1;
      t.replication_factor = 1;
      ASSERT_EQ(As<CreateTopicsResponse>("admin", req, 7).topics[0].error_code, 0) << topic;
    }
    // alice writes orders; bob reads what starts with "ord" and the group
    // billing, but not orders-secret.
    CreateAclsResponse created = As<CreateAclsResponse>(
        "admin",
        CreateAcls({Acl(ResourceType::kTopic, "orders", PatternType::kLiteral, "User:CN=alice",
                        AclOperation::kWrite),
                    Acl(ResourceType::kTopic, "ord", PatternType::kPrefixed, "User:CN=bob",
                        AclOperation::kRead),
                    Acl(ResourceType::kGroup, "billing", PatternType::kLiteral, "User:CN=bob",
                        AclOperation::kRead),
                    Acl(ResourceType::kTopic, "orders-secret", PatternType::kLiteral,
                        "User:CN=bob", AclOperation::kRead, AclPermissionType::kDeny)}),
        3);
    ASSERT_EQ(created.results.size(), 4u);
    for (const auto& r : created.results) ASSERT_EQ(r.error_code, 0) << *r.error_message;
  }

  static CreateAclsRequest::AclCreation Acl(
      ResourceType type, std::string name, PatternType pattern, std::string principal,
      AclOperation operation, AclPermissionType permission = AclPermissionType::kAllow) {
    CreateAclsRequest::AclCreation c;
    c.resource_type = static_cast<int8_t>(type);
    c.resource_name = std::move(name);
    c.resource_pattern_type = static_cast<int8_t>(pattern);
    c.principal = std::move(principal);
    c.host = "*";
    c.operation = static_cast<int8_t>(operation);
    c.permission_type = static_cast<int8_t>(permission);
    return c;
  }
  static CreateAclsRequest CreateAcls(std::vector<CreateAclsRequest::AclCreation> creations) {
    CreateAclsRequest req;
    req.creations = std::move(creations);
    return req;
  }

  // The session of a client whose TLS certificate names `cn`.
  Session* SessionOf(const std::string& cn) {
    auto& session = sessions_[cn];
    if (session == nullptr) {
      session = std::make_shared<Session>();
      session->SetPeerCertificate("CN=" + cn);
    }
    return session.get();
  }

  template <typename R, typename T>
  R As(const std::string& cn, T body, int16_t version) {
    testing::Caller caller;
    caller.session = SessionOf(cn);
    return testing::CallHandler<R>(agent_.get(), std::move(body), version, caller);
  }

  // A handler that may answer later (produce, fetch).
  template <typename R, typename T>
  R AsAndWait(const std::string& cn, T body, int16_t version) {
    testing::Caller caller;
    caller.session = SessionOf(cn);
    std::shared_ptr<testing::Pending> p = testing::StartHandler(
        testing::HandlerFor(T::kApiKey), agent_.get(), Request(std::move(body)), version, caller);
    for (int i = 0; i < 3000 && p->replies == 0; ++i) absl::SleepFor(absl::Milliseconds(2));
    EXPECT_EQ(p->replies, 1);
    return p->response.has_value() ? std::get<R>(*p->response) : R();
  }

  int16_t Produce(const std::string& cn, const std::string& topic) {
    std::vector<RecordInput> records(1);
    records[0].value = absl::string_view("v");
    records[0].timestamp = 1000;
    absl::StatusOr<std::string> batch = BuildRecordBatch(records);
    EXPECT_TRUE(batch.ok());
    ProduceRequest req;
    req.acks = -1;
    req.timeout_ms = 10000;
    req.transactional_id = std::nullopt;
    auto& t = req.topic_data.emplace_back();
    t.name = topic;
    auto& p = t.partition_data.emplace_back();
    p.index = 0;
    p.records = *batch;
    return AsAndWait<ProduceResponse>(cn, req, 9).responses[0].partition_responses[0].error_code;
  }

  int16_t Fetch(const std::string& cn, const std::string& topic) {
    FetchRequest req;
    req.max_wait_ms = 0;
    req.max_bytes = 1 << 20;
    auto& t = req.topics.emplace_back();
    t.topic = topic;
    auto& p = t.partitions.emplace_back();
    p.partition = 0;
    p.partition_max_bytes = 1 << 20;
    return AsAndWait<FetchResponse>(cn, req, 12).responses[0].partitions[0].error_code;
  }

  std::vector<std::string> ListedTopics(const std::string& cn) {
    MetadataRequest req;
    req.topics = std::nullopt;
    std::vector<std::string> names;
    for (const auto& t : As<MetadataResponse>(cn, req, 12).topics) names.push_back(*t.name);
    return names;
  }

  MetadataResponse::MetadataResponseTopic MetadataOf(const std::string& cn,
                                                     const std::string& topic) {
    MetadataRequest req;
    req.topics.emplace();
    req.topics->emplace_back().name = topic;
    req.allow_auto_topic_creation = true;
    req.include_topic_authorized_operations = true;
    return As<MetadataResponse>(cn, req, 12).topics.at(0);
  }

  int16_t CommitOffset(const std::string& cn, const std::string& group, const std::string& topic) {
    OffsetCommitRequest req;
    req.group_id = group;
    req.generation_id_or_member_epoch = -1;
    req.member_id = "";
    auto& t = req.topics.emplace_back();
    t.name = topic;
    auto& p = t.partitions.emplace_back();
    p.partition_index = 0;
    p.committed_offset = 0;
    return As<OffsetCommitResponse>(cn, req, 8).topics[0].partitions[0].error_code;
  }

  std::unique_ptr<Agent> agent_;
  std::map<std::string, std::shared_ptr<Session>> sessions_;
};

TEST_F(AuthorizationTest, WriteOnlyProducesAndCannotConsume) {
  EXPECT_EQ(Produce("alice", "orders"), 0);
  EXPECT_EQ(Produce("alice", "other"), kTopicDenied);
  EXPECT_EQ(Fetch("alice", "orders"), kTopicDenied);
  // WRITE implies DESCRIBE: alice sees orders, nothing else.
  EXPECT_EQ(ListedTopics("alice"), std::vector<std::string>{"orders"});
}

TEST_F(AuthorizationTest, ReadConsumesAndCannotProduceAndDenyWins) {
  EXPECT_EQ(Fetch("bob", "orders"), 0);
  EXPECT_EQ(Produce("bob", "orders"), kTopicDenied);
  EXPECT_EQ(Fetch("bob", "orders-secret"), kTopicDenied);  // DENY over the PREFIXED ALLOW
  EXPECT_EQ(Fetch("bob", "other"), kTopicDenied);
  EXPECT_EQ(CommitOffset("bob", "billing", "orders"), 0);
  EXPECT_EQ(CommitOffset("bob", "billing", "other"), kTopicDenied);
  EXPECT_EQ(CommitOffset("bob", "payroll", "orders"), kGroupDenied);
  // A DENY of READ does not deny DESCRIBE (implication only allows).
  EXPECT_EQ(ListedTopics("bob"), (std::vector<std::string>{"orders", "orders-secret"}));
}

TEST_F(AuthorizationTest, MetadataHidesAndAutoCreationNeedsCreate) {
  EXPECT_EQ(ListedTopics("carol"), std::vector<std::string>{});
  EXPECT_EQ(ListedTopics("admin").size(), 3u);
  // Named topics the principal may not describe: TOPIC_AUTHORIZATION_FAILED,
  // whether they exist or not.
  EXPECT_EQ(MetadataOf("carol", "other").error_code, kTopicDenied);
  EXPECT_EQ(MetadataOf("carol", "no-such").error_code, kTopicDenied);
  // bob may describe "ord..." but not create it.
  EXPECT_EQ(MetadataOf("bob", "ord-new").error_code, kTopicDenied);
  EXPECT_FALSE(agent_->metadata().GetTopic("ord-new").has_value());
  ASSERT_EQ(As<CreateAclsResponse>("admin",
                                   CreateAcls({Acl(ResourceType::kTopic, "ord",
                                                   PatternType::kPrefixed, "User:CN=bob",
                                                   AclOperation::kCreate)}),
                                   3)
                .results[0]
                .error_code,
            0);
  MetadataResponse::MetadataResponseTopic created = MetadataOf("bob", "ord-new");
  EXPECT_EQ(created.error_code, 0);
  EXPECT_TRUE(agent_->metadata().GetTopic("ord-new").has_value());
  // READ, CREATE and the DESCRIBE they imply.
  EXPECT_EQ(created.topic_authorized_operations,
            (1 << 3) | (1 << 5) | (1 << 8));
}

TEST_F(AuthorizationTest, IdempotenceNeedsWriteSomewhere) {
  InitProducerIdRequest req;
  req.transactional_id = std::nullopt;
  req.transaction_timeout_ms = 60000;
  EXPECT_EQ(As<InitProducerIdResponse>("alice", req, 4).error_code, 0);
  EXPECT_EQ(As<InitProducerIdResponse>("bob", req, 4).error_code, kClusterDenied);
  req.transactional_id = "tx";
  EXPECT_EQ(As<InitProducerIdResponse>("alice", req, 4).error_code, kTransactionalIdDenied);
}

// The transaction APIs check the TRANSACTIONAL_ID first, then the topics
// and the group, as KafkaApis does.
TEST_F(AuthorizationTest, TransactionsNeedTheirTransactionalIdTopicsAndGroup) {
  ASSERT_EQ(As<CreateAclsResponse>(
                "admin",
                CreateAcls({Acl(ResourceType::kTransactionalId, "alice-tx", PatternType::kLiteral,
                                "User:CN=alice", AclOperation::kWrite),
                            Acl(ResourceType::kGroup, "billing", PatternType::kLiteral,
                                "User:CN=alice", AclOperation::kRead)}),
                3)
                .results[0]
                .error_code,
            0);
  InitProducerIdRequest init;
  init.transactional_id = "alice-tx";
  init.transaction_timeout_ms = 60000;
  InitProducerIdResponse producer = As<InitProducerIdResponse>("alice", init, 4);
  ASSERT_EQ(producer.error_code, 0);
  EXPECT_EQ(As<InitProducerIdResponse>("bob", init, 4).error_code, kTransactionalIdDenied);

  AddPartitionsToTxnRequest add;
  add.v3_and_below_transactional_id = "alice-tx";
  add.v3_and_below_producer_id = producer.producer_id;
  add.v3_and_below_producer_epoch = producer.producer_epoch;
  add.v3_and_below_topics = {{"orders", {0}}, {"other", {0}}};
  auto added = As<AddPartitionsToTxnResponse>("alice", add, 3);
  EXPECT_EQ(added.results_by_topic_v3_and_below[0].results_by_partition[0].partition_error_code,
            static_cast<int16_t>(ErrorCode::kOperationNotAttempted));
  EXPECT_EQ(added.results_by_topic_v3_and_below[1].results_by_partition[0].partition_error_code,
            kTopicDenied);
  EXPECT_EQ(As<AddPartitionsToTxnResponse>("bob", add, 3)
                .results_by_topic_v3_and_below[0].results_by_partition[0].partition_error_code,
            kTransactionalIdDenied);
  add.v3_and_below_topics = {{"orders", {0}}};
  EXPECT_EQ(As<AddPartitionsToTxnResponse>("alice", add, 3)
                .results_by_topic_v3_and_below[0].results_by_partition[0].partition_error_code,
            0);

  AddOffsetsToTxnRequest offsets;
  offsets.transactional_id = "alice-tx";
  offsets.producer_id = producer.producer_id;
  offsets.producer_epoch = producer.producer_epoch;
  offsets.group_id = "payroll";
  EXPECT_EQ(As<AddOffsetsToTxnResponse>("alice", offsets, 3).error_code, kGroupDenied);
  offsets.group_id = "billing";
  EXPECT_EQ(As<AddOffsetsToTxnResponse>("alice", offsets, 3).error_code, 0);
  TxnOffsetCommitRequest commit;
  commit.transactional_id = "alice-tx";
  commit.group_id = "billing";
  commit.producer_id = producer.producer_id;
  commit.producer_epoch = producer.producer_epoch;
  commit.topics.push_back({"orders", {{0, 1, -1, std::string("")}}});
  // alice may write orders but not read it: the offset is not hers to commit.
  EXPECT_EQ(As<TxnOffsetCommitResponse>("alice", commit, 3).topics[0].partitions[0].error_code,
            kTopicDenied);
  EXPECT_EQ(As<TxnOffsetCommitResponse>("bob", commit, 3).topics[0].partitions[0].error_code,
            kTransactionalIdDenied);

  DescribeTransactionsRequest describe;
  describe.transactional_ids = {"alice-tx"};
  EXPECT_EQ(As<DescribeTransactionsResponse>("bob", describe, 0).transaction_states[0].error_code,
            kTransactionalIdDenied);
  // WRITE implies DESCRIBE.
  EXPECT_EQ(As<DescribeTransactionsResponse>("alice", describe, 0)
                .transaction_states[0].transaction_state,
            "Ongoing");
  ListTransactionsRequest list;
  EXPECT_TRUE(As<ListTransactionsResponse>("bob", list, 0).transaction_states.empty());
  EXPECT_EQ(As<ListTransactionsResponse>("alice", list, 0).transaction_states.size(), 1u);
  DescribeProducersRequest producers;
  producers.topics.push_back({"orders", {0}});
  EXPECT_EQ(As<DescribeProducersResponse>("alice", producers, 0).topics[0].partitions[0].error_code,
            kTopicDenied);
  EXPECT_EQ(As<DescribeProducersResponse>("bob", producers, 0).topics[0].partitions[0].error_code,
            0);

  EndTxnRequest end;
  end.transactional_id = "alice-tx";
  end.producer_id = producer.producer_id;
  end.producer_epoch = producer.producer_epoch;
  end.committed = false;
  EXPECT_EQ(As<EndTxnResponse>("bob", end, 3).error_code, kTransactionalIdDenied);
  EXPECT_EQ(As<EndTxnResponse>("alice", end, 3).error_code, 0);
}

TEST_F(AuthorizationTest, GroupsAndCoordinators) {
  FindCoordinatorRequest find;
  find.key_type = 0;
  find.coordinator_keys = {"billing", "payroll"};
  auto found = As<FindCoordinatorResponse>("bob", find, 4);
  ASSERT_EQ(found.coordinators.size(), 2u);
  EXPECT_EQ(found.coordinators[0].error_code, 0);
  EXPECT_EQ(found.coordinators[1].error_code, kGroupDenied);
  EXPECT_EQ(CommitOffset("bob", "billing", "orders"), 0);
  EXPECT_EQ(CommitOffset("admin", "payroll", "orders"), 0);
  ListGroupsRequest list;
  std::vector<std::string> listed;
  for (const auto& g : As<ListGroupsResponse>("bob", list, 4).groups) listed.push_back(g.group_id);
  EXPECT_EQ(listed, std::vector<std::string>{"billing"});
  EXPECT_EQ(As<ListGroupsResponse>("admin", list, 4).groups.size(), 2u);
  DeleteGroupsRequest del;
  del.groups_names = {"billing"};
  EXPECT_EQ(As<DeleteGroupsResponse>("bob", del, 2).results[0].error_code, kGroupDenied);
}

TEST_F(AuthorizationTest, AdminApisNeedTheirOperations) {
  DeleteTopicsRequest del;
  del.topic_names = {"orders"};
  EXPECT_EQ(As<DeleteTopicsResponse>("alice", del, 5).responses[0].error_code, kTopicDenied);
  DescribeConfigsRequest describe;
  auto& resource = describe.resources.emplace_back();
  resource.resource_type = 2;
  resource.resource_name = "orders";
  EXPECT_EQ(As<DescribeConfigsResponse>("carol", describe, 4).results[0].error_code,
            kTopicDenied);
  EXPECT_EQ(As<DescribeConfigsResponse>("admin", describe, 4).results[0].error_code, 0);
  CreateTopicsRequest create;
  auto& t = create.topics.emplace_back();
  t.name = "fresh";
  t.num_partitions = 1;
  t.replication_factor = 1;
  EXPECT_EQ(As<CreateTopicsResponse>("alice", create, 7).topics[0].error_code, kTopicDenied);
  // The ACL APIs need the cluster.
  EXPECT_EQ(As<CreateAclsResponse>("bob",
                                   CreateAcls({Acl(ResourceType::kTopic, "x",
                                                   PatternType::kLiteral, "User:CN=bob",
                                                   AclOperation::kAll)}),
                                   3)
                .results[0]
                .error_code,
            kClusterDenied);
  EXPECT_EQ(As<DescribeAclsResponse>("bob", DescribeAclsRequest(), 3).error_code, kClusterDenied);
}

TEST_F(AuthorizationTest, DescribeAndDeleteAcls) {
  DescribeAclsRequest all;
  all.resource_type_filter = static_cast<int8_t>(ResourceType::kAny);
  all.resource_name_filter = std::nullopt;
  all.pattern_type_filter = static_cast<int8_t>(PatternType::kAny);
  all.principal_filter = std::nullopt;
  all.host_filter = std::nullopt;
  all.operation = static_cast<int8_t>(AclOperation::kAny);
  all.permission_type = static_cast<int8_t>(AclPermissionType::kAny);
  DescribeAclsResponse described = As<DescribeAclsResponse>("admin", all, 3);
  ASSERT_EQ(described.error_code, 0);
  // One resource per pattern: orders and orders-secret (TOPIC LITERAL), ord
  // (TOPIC PREFIXED), billing (GROUP).
  EXPECT_EQ(described.resources.size(), 4u);
  // Bad filters are refused.
  DescribeAclsRequest bad = all;
  bad.operation = 0;  // UNKNOWN
  EXPECT_EQ(As<DescribeAclsResponse>("admin", bad, 3).error_code, 42);

  DeleteAclsRequest del;
  auto& f = del.filters.emplace_back();
  f.resource_type_filter = static_cast<int8_t>(ResourceType::kTopic);
  f.resource_name_filter = "orders";
  f.pattern_type_filter = static_cast<int8_t>(PatternType::kMatch);
  f.principal_filter = "User:CN=bob";
  f.host_filter = std::nullopt;
  f.operation = static_cast<int8_t>(AclOperation::kAny);
  f.permission_type = static_cast<int8_t>(AclPermissionType::kAllow);
  DeleteAclsResponse deleted = As<DeleteAclsResponse>("admin", del, 3);
  ASSERT_EQ(deleted.filter_results.size(), 1u);
  ASSERT_EQ(deleted.filter_results[0].error_code, 0);
  ASSERT_EQ(deleted.filter_results[0].matching_acls.size(), 1u);  // the PREFIXED "ord"
  EXPECT_EQ(deleted.filter_results[0].matching_acls[0].resource_name, "ord");
  EXPECT_EQ(Fetch("bob", "orders"), kTopicDenied);  // at once, on the next request
}

TEST(AuthorizerNoneTest, AclApisAnswerSecurityDisabled) {
  absl::StatusOr<std::unique_ptr<Agent>> agent = testing::OpenMemAgent();
  ASSERT_TRUE(agent.ok());
  CreateAclsRequest create;
  create.creations.emplace_back();
  EXPECT_EQ(testing::CallHandler<CreateAclsResponse>(agent->get(), create, 3).results[0].error_code,
            kSecurityDisabled);
  EXPECT_EQ(testing::CallHandler<DescribeAclsResponse>(agent->get(), DescribeAclsRequest(), 3)
                .error_code,
            kSecurityDisabled);
  DeleteAclsRequest del;
  del.filters.emplace_back();
  EXPECT_EQ(testing::CallHandler<DeleteAclsResponse>(agent->get(), del, 3)
                .filter_results[0]
                .error_code,
            kSecurityDisabled);
}

// SCRAM users through AlterUserScramCredentials: kept in the journal, listed
// with their iterations, and logged in.
TEST_F(AuthorizationTest, ScramUsersThroughTheJournal) {
  const std::string salt = "0123456789abcdef";
  AlterUserScramCredentialsRequest alter;
  auto& up = alter.upsertions.emplace_back();
  up.name = "dora";
  up.mechanism = 2;  // SCRAM-SHA-512
  up.iterations = 8192;
  up.salt = salt;
  up.salted_password = sasl::Pbkdf2(sasl::HashFunction::kSha512, "secret", salt, 8192);
  auto& weak = alter.upsertions.emplace_back();
  weak.name = "eve";
  weak.mechanism = 1;
  weak.iterations = 100;
  weak.salt = salt;
  weak.salted_password = std::string(32, 'x');
  auto& unknown = alter.deletions.emplace_back();
  unknown.name = "fred";
  unknown.mechanism = 1;
  auto& bogus = alter.deletions.emplace_back();
  bogus.name = "gus";
  bogus.mechanism = 9;
  EXPECT_EQ(As<AlterUserScramCredentialsResponse>("bob", alter, 0).results[0].error_code,
            kClusterDenied);
  AlterUserScramCredentialsResponse altered =
      As<AlterUserScramCredentialsResponse>("admin", alter, 0);
  ASSERT_EQ(altered.results.size(), 4u);
  std::map<std::string, int16_t> errors;
  for (const auto& r : altered.results) errors[r.user] = r.error_code;
  EXPECT_EQ(errors["dora"], 0);
  EXPECT_EQ(errors["eve"], 93);   // UNACCEPTABLE_CREDENTIAL
  EXPECT_EQ(errors["fred"], 91);  // RESOURCE_NOT_FOUND
  EXPECT_EQ(errors["gus"], 33);   // UNSUPPORTED_SASL_MECHANISM

  DescribeUserScramCredentialsRequest describe;
  describe.users = std::nullopt;
  auto described = As<DescribeUserScramCredentialsResponse>("admin", describe, 0);
  ASSERT_EQ(described.results.size(), 1u);
  EXPECT_EQ(described.results[0].user, "dora");
  ASSERT_EQ(described.results[0].credential_infos.size(), 1u);
  EXPECT_EQ(described.results[0].credential_infos[0].mechanism, 2);
  EXPECT_EQ(described.results[0].credential_infos[0].iterations, 8192);

  std::optional<sasl::ScramCredential> found =
      agent_->security().FindScram(sasl::ScramMechanism::kSha512, "dora");
  ASSERT_TRUE(found.has_value());
  EXPECT_TRUE(sasl::VerifyScramPassword(*found, "secret"));
  EXPECT_TRUE(agent_->security().CheckPlain("dora", "secret"));
  EXPECT_FALSE(agent_->security().CheckPlain("dora", "wrong"));
  EXPECT_FALSE(agent_->security().CheckPlain("nobody", "secret"));
}

}  // namespace
}  // namespace warp::server
