// For tests that call Kafka API handlers directly: an agent over a mem://
// bucket and journal, and calls of a handler with its answer checked (one
// reply, encodable at the request's version).
//
// Thread-safety: as the handlers; a Pending is filled by the handler's reply.
#ifndef WARP_SERVER_TESTING_HANDLER_HARNESS_H_
#define WARP_SERVER_TESTING_HANDLER_HARNESS_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "lib/protocol/messages/dispatch.h"
#include "server/agent.h"
#include "server/handler.h"

namespace warp::server::testing {

// A mem:// agent's configuration, quick for tests: 5 ms flushes, no initial
// rebalance delay.
AgentConfig MemAgentConfig();

absl::StatusOr<std::unique_ptr<Agent>> OpenMemAgent(const AgentConfig& config = MemAgentConfig());

// Who calls, and how.
struct Caller {
  std::string client_host = "/127.0.0.1";
  std::string client_id = "handler-test";
  int32_t correlation_id = 7;
  Session* session = nullptr;
};

// A handler's answer, which may come later (a group coordinator's callback).
struct Pending {
  int replies = 0;
  std::optional<kafka::Response> response;
  bool encodable = true;  // the response encodes at the request's version
};

// Calls `handler` with `request` at `version`; the answer lands in the
// returned Pending whenever it comes.
std::shared_ptr<Pending> StartHandler(const Handler& handler, Agent* agent,
                                      kafka::Request request, int16_t version,
                                      const Caller& caller = {});

// The handler of `api_key` in Handlers().
const Handler& HandlerFor(int16_t api_key);

// Calls the handler of T's api key (from `handler`, or Handlers()), which
// must answer exactly once before returning, with a response of type R.
template <typename R, typename T>
R CallHandler(Agent* agent, T body, int16_t version, const Caller& caller = {},
              const Handler* handler = nullptr) {
  std::shared_ptr<Pending> p =
      StartHandler(handler != nullptr ? *handler : HandlerFor(T::kApiKey), agent,
                   kafka::Request(std::move(body)), version, caller);
  EXPECT_EQ(p->replies, 1) << T::kName << " v" << version;
  EXPECT_TRUE(p->encodable) << T::kName << " v" << version;
  if (!p->response.has_value()) return R();
  return std::get<R>(*p->response);
}

}  // namespace warp::server::testing

#endif  // WARP_SERVER_TESTING_HANDLER_HARNESS_H_
