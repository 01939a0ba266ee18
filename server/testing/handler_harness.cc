#include "server/testing/handler_harness.h"

#include "gtest/gtest.h"
#include "lib/protocol/messages/request_codec.h"

namespace warp::server::testing {

AgentConfig MemAgentConfig() {
  AgentConfig config;
  config.bucket_url = "mem://";
  config.metadata_url = "mem://";
  config.flush_interval = absl::Milliseconds(5);
  config.group_initial_rebalance_delay = absl::ZeroDuration();
  return config;
}

absl::StatusOr<std::unique_ptr<Agent>> OpenMemAgent(const AgentConfig& config) {
  return Agent::Open(config);
}

const Handler& HandlerFor(int16_t api_key) {
  static const Handler kMissing = [](const HandlerContext&, kafka::Request&, Reply) {
    ADD_FAILURE() << "no handler";
  };
  auto it = Handlers().find(api_key);
  if (it == Handlers().end()) {
    ADD_FAILURE() << "no handler for api key " << api_key;
    return kMissing;
  }
  return it->second;
}

std::shared_ptr<Pending> StartHandler(const Handler& handler, Agent* agent,
                                      kafka::Request request, int16_t version,
                                      const Caller& caller) {
  kafka::RequestHeader header;
  header.api_key = kafka::ApiKeyOf(request);
  header.api_version = version;
  header.correlation_id = caller.correlation_id;
  header.client_id = caller.client_id;
  HandlerContext ctx{header, agent, caller.client_host, caller.session};
  auto pending = std::make_shared<Pending>();
  handler(ctx, request, [pending, header](std::optional<kafka::Response> r) {
    ++pending->replies;
    if (r.has_value()) {
      absl::StatusOr<std::string> frame = kafka::EncodeResponseFrame(header, *r);
      EXPECT_TRUE(frame.ok()) << frame.status();
      pending->encodable = frame.ok();
    }
    pending->response = std::move(r);
  });
  return pending;
}

}  // namespace warp::server::testing
