// ApiVersions tells the truth: every API and version it advertises is
// answered through the real dispatcher with a response that decodes in that
// version, and no API without a handler is advertised.
#include <optional>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "lib/protocol/messages/dispatch.h"
#include "lib/protocol/messages/request_codec.h"
#include "lib/protocol/wire/reader.h"
#include "server/agent.h"
#include "server/dispatcher.h"
#include "server/handler.h"
#include "server/testing/handler_harness.h"

namespace warp::server {
namespace {

using namespace kafka;  // NOLINT: the protocol's names

// A default-constructed request of `api_key`.
template <size_t I = 0>
std::optional<Request> DefaultRequest(int16_t api_key) {
  if constexpr (I < std::variant_size_v<Request>) {
    using T = std::variant_alternative_t<I, Request>;
    if (T::kApiKey == api_key) return Request(T{});
    return DefaultRequest<I + 1>(api_key);
  } else {
    return std::nullopt;
  }
}

class ApiVersionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<Agent>> agent = testing::OpenMemAgent();
    ASSERT_TRUE(agent.ok()) << agent.status();
    agent_ = *std::move(agent);
    dispatcher_ = std::make_unique<Dispatcher>(agent_.get());
  }
  void TearDown() override {
    dispatcher_.reset();
    agent_.reset();
  }

  // Sends `request` at `version` through the dispatcher; returns the
  // response frame after its size prefix, or an error if the connection
  // would close.
  absl::StatusOr<std::string> RoundTrip(const Request& request, int16_t version) {
    RequestHeader header;
    header.api_key = ApiKeyOf(request);
    header.api_version = version;
    header.correlation_id = 42;
    header.client_id = "api-versions-test";
    absl::StatusOr<std::string> frame = EncodeRequestFrame(header, request);
    if (!frame.ok()) return frame.status();
    absl::Notification done;
    absl::StatusOr<std::optional<std::string>> answer;
    ConnectionInfo connection{1, "/127.0.0.1", Dispatcher::NewSession()};
    dispatcher_->handler()(connection, frame->substr(4),
                           [&](absl::StatusOr<std::optional<std::string>> a) {
                             answer = std::move(a);
                             done.Notify();
                           });
    if (!done.WaitForNotificationWithTimeout(absl::Seconds(30))) {
      return absl::DeadlineExceededError("no answer within 30 s");
    }
    if (!answer.ok()) return answer.status();
    if (!answer->has_value()) return absl::InternalError("no response sent");
    if ((*answer)->size() < 4) return absl::InternalError("frame without a size");
    return (*answer)->substr(4);
  }

  std::unique_ptr<Agent> agent_;
  std::unique_ptr<Dispatcher> dispatcher_;
};

TEST_F(ApiVersionsTest, NoApiWithoutAHandlerIsAdvertised) {
  ApiVersionsResponse advertised = AdvertisedApiVersions();
  EXPECT_FALSE(advertised.api_keys.empty());
  for (const auto& api : advertised.api_keys) {
    EXPECT_TRUE(Handlers().contains(api.api_key)) << api.api_key;
  }
  // Every handler is advertised.
  for (const auto& [key, handler] : Handlers()) {
    bool listed = false;
    for (const auto& api : advertised.api_keys) listed |= api.api_key == key;
    EXPECT_TRUE(listed) << key;
  }
  // The transaction APIs, which clients look for before they start one.
  for (int16_t present : {22, 24, 25, 26, 28, 61, 65, 66}) {
    bool listed = false;
    for (const auto& api : advertised.api_keys) listed |= api.api_key == present;
    EXPECT_TRUE(listed) << present;
  }
  // librdkafka 2.0.2 needs Produce and Fetch listed from v0 to compress
  // (served_apis.txt).
  for (const auto& api : advertised.api_keys) {
    if (api.api_key == ProduceRequest::kApiKey || api.api_key == FetchRequest::kApiKey) {
      EXPECT_EQ(api.min_version, 0);
    }
  }
}

TEST_F(ApiVersionsTest, EveryAdvertisedVersionIsAnswered) {
  // What the dispatcher itself advertises, as a client sees it.
  absl::StatusOr<std::string> payload = RoundTrip(Request(ApiVersionsRequest()), 3);
  ASSERT_TRUE(payload.ok()) << payload.status();
  Reader header_reader(*payload);
  ResponseHeader api_versions_header;
  ASSERT_TRUE(ReadResponseHeader(header_reader, 0, &api_versions_header).ok());
  absl::StatusOr<Response> listed = DecodeResponse(ApiVersionsRequest::kApiKey, 3,
                                                   header_reader);
  ASSERT_TRUE(listed.ok()) << listed.status();
  int answered = 0;
  for (const auto& api : std::get<ApiVersionsResponse>(*listed).api_keys) {
    for (int16_t v = api.min_version; v <= api.max_version; ++v) {
      std::optional<Request> request = DefaultRequest(api.api_key);
      ASSERT_TRUE(request.has_value()) << api.api_key;
      if (auto* produce = std::get_if<ProduceRequest>(&*request)) produce->acks = -1;
      if (auto* fetch = std::get_if<FetchRequest>(&*request)) fetch->max_wait_ms = 0;
      SCOPED_TRACE(absl::StrCat("api ", api.api_key, " v", v));
      absl::StatusOr<std::string> answer = RoundTrip(*request, v);
      ASSERT_TRUE(answer.ok()) << answer.status();
      Reader reader(*answer);
      ResponseHeader header;
      ASSERT_TRUE(
          ReadResponseHeader(reader, ResponseHeaderVersionFor(api.api_key, v), &header).ok());
      EXPECT_EQ(header.correlation_id, 42);
      absl::StatusOr<Response> response = DecodeResponse(api.api_key, v, reader);
      ASSERT_TRUE(response.ok()) << response.status();
      EXPECT_EQ(reader.remaining(), 0u);
      ++answered;
    }
  }
  EXPECT_GT(answered, 150);
}

}  // namespace
}  // namespace warp::server
