// Core handlers called directly: InitProducerId's epochs, Metadata's cost.
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "lib/protocol/messages/dispatch.h"
#include "server/agent.h"
#include "server/handler.h"
#include "server/testing/handler_harness.h"

namespace warp::server {
namespace {

using namespace kafka;  // NOLINT: the protocol's names

class CoreHandlersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<Agent>> agent = testing::OpenMemAgent();
    ASSERT_TRUE(agent.ok()) << agent.status();
    agent_ = *std::move(agent);
  }

  InitProducerIdResponse InitProducerId(int64_t producer_id, int16_t epoch) {
    InitProducerIdRequest req;
    req.producer_id = producer_id;
    req.producer_epoch = epoch;
    req.transactional_id = std::nullopt;
    req.transaction_timeout_ms = 60000;
    return testing::CallHandler<InitProducerIdResponse>(agent_.get(), req, 4);
  }

  MetadataResponse Metadata(MetadataRequest req) {
    return testing::CallHandler<MetadataResponse>(agent_.get(), req, 12);
  }

  std::unique_ptr<Agent> agent_;
};

// A session remembers only partitions that exist, however many a client
// names, and never more than its bound.
TEST_F(CoreHandlersTest, SessionsRememberOnlyPartitionsThatExist) {
  ASSERT_TRUE(agent_->MaybeAutoCreate("real"));
  Session session;
  FetchRequest req;
  req.max_wait_ms = 0;
  req.max_bytes = 1 << 20;
  for (int t = 0; t < 200; ++t) {
    FetchRequest::FetchTopic& topic = req.topics.emplace_back();
    topic.topic = t == 0 ? "real" : absl::StrCat("made-up-", t);
    for (int p = 0; p < 100; ++p) topic.partitions.emplace_back().partition = p;
  }
  RequestHeader header;
  header.api_key = FetchRequest::kApiKey;
  header.api_version = 12;
  HandlerContext ctx{header, agent_.get(), "/127.0.0.1", &session};
  Request request(std::move(req));
  absl::Notification answered;
  Handlers().at(FetchRequest::kApiKey)(ctx, request,
                                       [&](std::optional<Response>) { answered.Notify(); });
  ASSERT_TRUE(answered.WaitForNotificationWithTimeout(absl::Seconds(30)));
  EXPECT_EQ(session.remembered(), 1u);  // "real" has one partition
  for (int i = 0; i < 3 * static_cast<int>(Session::kMaxRemembered); ++i) {
    session.FirstFetch({"t", i});
    ASSERT_LE(session.remembered(), Session::kMaxRemembered);
  }
}

// However many unknown names a Metadata request holds, it costs one journal
// Sync at most, and names that cannot be topics cost none.
TEST_F(CoreHandlersTest, MetadataSyncsOncePerRequestAtMost) {
  Counter& syncs = agent_->metrics().counter("warp_metadata_syncs_total");
  MetadataRequest req;
  req.allow_auto_topic_creation = false;
  req.topics.emplace();
  for (int i = 0; i < 2000; ++i) {
    MetadataRequest::MetadataRequestTopic& t = req.topics->emplace_back();
    t.name = i % 2 ? absl::StrCat("bogus-", i) : absl::StrCat("bad name ", i);
  }
  double before = syncs.value();
  MetadataResponse resp = Metadata(req);
  EXPECT_LE(syncs.value() - before, 1);
  ASSERT_EQ(resp.topics.size(), 2000u);
  EXPECT_EQ(resp.topics[0].error_code, ToInt16(ErrorCode::kInvalidTopicException));
  EXPECT_EQ(resp.topics[1].error_code, ToInt16(ErrorCode::kUnknownTopicOrPartition));
  // Only invalid names: no Sync at all.
  MetadataRequest invalid;
  invalid.topics.emplace();
  invalid.topics->emplace_back().name = "no/slashes";
  before = syncs.value();
  Metadata(invalid);
  EXPECT_EQ(syncs.value(), before);
}

// Auto-creation costs a journal commit per topic: one Metadata request
// creates a bounded number, the rest answer a retriable error and are
// created by the client's next requests.
TEST_F(CoreHandlersTest, MetadataAutoCreatesABoundedNumberPerRequest) {
  MetadataRequest req;
  req.allow_auto_topic_creation = true;
  req.topics.emplace();
  for (int i = 0; i < 250; ++i) req.topics->emplace_back().name = absl::StrCat("auto-", i);
  auto count = [](const MetadataResponse& resp, ErrorCode code) {
    int n = 0;
    for (const auto& t : resp.topics) n += t.error_code == ToInt16(code);
    return n;
  };
  MetadataResponse first = Metadata(req);
  ASSERT_EQ(first.topics.size(), 250u);
  EXPECT_EQ(count(first, ErrorCode::kNone), 100);
  EXPECT_EQ(count(first, ErrorCode::kLeaderNotAvailable), 150);
  EXPECT_EQ(count(Metadata(req), ErrorCode::kNone), 200);
  MetadataResponse third = Metadata(req);
  EXPECT_EQ(count(third, ErrorCode::kNone), 250);
  EXPECT_EQ(agent_->metadata().ListTopics().size(), 250u);
}

TEST_F(CoreHandlersTest, EpochBumpsThenANewProducerIdInsteadOfWrapping) {
  InitProducerIdResponse first = InitProducerId(-1, -1);
  ASSERT_EQ(first.error_code, 0);
  EXPECT_EQ(first.producer_epoch, 0);
  InitProducerIdResponse bumped = InitProducerId(first.producer_id, 7);
  EXPECT_EQ(bumped.producer_id, first.producer_id);
  EXPECT_EQ(bumped.producer_epoch, 8);
  // At the last epochs a new producer id starts again at 0: never a
  // negative epoch, which clients would take for "no epoch".
  for (int16_t last : {int16_t{32766}, int16_t{32767}}) {
    InitProducerIdResponse renewed = InitProducerId(first.producer_id, last);
    EXPECT_EQ(renewed.error_code, 0);
    EXPECT_NE(renewed.producer_id, first.producer_id);
    EXPECT_GE(renewed.producer_id, 0);
    EXPECT_EQ(renewed.producer_epoch, 0);
  }
}

}  // namespace
}  // namespace warp::server
