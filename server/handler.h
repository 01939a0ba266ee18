// Kafka API handlers: one function per API, found in a dispatch table by API
// key. A handler gets the decoded request and answers through `reply`
// exactly once, from any thread (nullopt: send no response, for acks=0).
#ifndef WARP_SERVER_HANDLER_H_
#define WARP_SERVER_HANDLER_H_

#include <functional>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "lib/protocol/messages/dispatch.h"
#include "lib/protocol/wire/frame.h"
#include "server/agent.h"
#include "server/routing.h"
#include "server/session.h"

namespace warp::server {

struct HandlerContext {
  kafka::RequestHeader header;
  Agent* agent;
  std::string client_host;  // "/<ip>" of the connection, as Kafka reports it
  // The connection's session; null in tests that call handlers directly.
  // Valid until the handler returns (not in its later callbacks).
  Session* session = nullptr;
  // The name of the listener the client connected to ("PLAINTEXT",
  // "SSL"...): addresses given to it are that listener's.
  std::string listener;
};

using Reply = std::function<void(std::optional<kafka::Response>)>;
using Handler = std::function<void(const HandlerContext&, kafka::Request&, Reply)>;

// The handlers of every API warpd serves, by API key.
const absl::flat_hash_map<int16_t, Handler>& Handlers();

// Registration, one per handler file (handlers/*.cc).
void RegisterCoreHandlers(absl::flat_hash_map<int16_t, Handler>& table);
void RegisterAdminHandlers(absl::flat_hash_map<int16_t, Handler>& table);
void RegisterTopicHandlers(absl::flat_hash_map<int16_t, Handler>& table);
void RegisterGroupHandlers(absl::flat_hash_map<int16_t, Handler>& table);
void RegisterSaslHandlers(absl::flat_hash_map<int16_t, Handler>& table);
void RegisterAclHandlers(absl::flat_hash_map<int16_t, Handler>& table);
void RegisterScramHandlers(absl::flat_hash_map<int16_t, Handler>& table);
void RegisterTransactionHandlers(absl::flat_hash_map<int16_t, Handler>& table);

// The ApiVersions answer: each API of served_apis.txt that has a handler in
// Handlers(), at its served versions. One source of truth: an API with a
// codec but no handler is never advertised.
kafka::ApiVersionsResponse AdvertisedApiVersions();

// The brokers given to this request's client (Metadata, DescribeCluster):
// the live agents that serve clients, those of the client's zone (warp_az in
// its client.id) when there are any, at the addresses of the client's
// listener; this agent alone when it sees none.
std::vector<Broker> BrokersFor(const HandlerContext& ctx);

// A client's address without Kafka's leading "/" ("/10.0.0.7" -> "10.0.0.7"):
// what ACL hosts and login throttling compare.
std::string ClientAddress(absl::string_view client_host);

// A topic id as Kafka's Uuid (big-endian halves).
kafka::Uuid ToUuid(const TopicId& id);

// Status to Kafka error code, in one place.
int16_t ErrorCodeFor(const absl::Status& status);
// As above, but a passing failure (Unavailable, DeadlineExceeded, Aborted:
// the bucket or the journal away) answers `transient`.
int16_t ErrorCodeFor(const absl::Status& status, kafka::ErrorCode transient);
int16_t ErrorCodeFor(KafkaError error);

}  // namespace warp::server

#endif  // WARP_SERVER_HANDLER_H_
