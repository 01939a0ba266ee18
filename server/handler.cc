#include "server/handler.h"

#include "lib/protocol/messages/request_codec.h"
#include "server/groups/placement.h"
#include "server/routing.h"

namespace warp::server {

const absl::flat_hash_map<int16_t, Handler>& Handlers() {
  static const auto* table = [] {
    auto* t = new absl::flat_hash_map<int16_t, Handler>();
    RegisterCoreHandlers(*t);
    RegisterAdminHandlers(*t);
    RegisterGroupHandlers(*t);
    RegisterSaslHandlers(*t);
    RegisterAclHandlers(*t);
    RegisterScramHandlers(*t);
    RegisterTransactionHandlers(*t);
    return t;
  }();
  return *table;
}

kafka::ApiVersionsResponse AdvertisedApiVersions() {
  kafka::ApiVersionsResponse response = kafka::MakeApiVersionsResponse();
  std::erase_if(response.api_keys, [](const kafka::ApiVersionsResponse::ApiVersion& api) {
    return !Handlers().contains(api.api_key);
  });
  return response;
}

std::vector<Broker> BrokersFor(const HandlerContext& ctx) {
  std::vector<Broker> brokers =
      BrokersForClient(ctx.agent->membership().LiveServingClients(),
                       ClientZone(ctx.header.client_id.value_or("")), ctx.listener);
  if (brokers.empty()) {
    // A jobs-only agent asked directly, alone in its view: it still serves.
    Broker& self = brokers.emplace_back();
    self.agent_id = ctx.agent->config().agent_id;
    self.node_id = ctx.agent->node_id();
    groups::SplitAddress(AdvertisedAddress(ctx.agent->membership().self(), ctx.listener),
                         &self.host, &self.port);
    self.zone = ctx.agent->config().zone;
  }
  return brokers;
}

std::string ClientAddress(absl::string_view client_host) {
  if (!client_host.empty() && client_host[0] == '/') client_host.remove_prefix(1);
  return std::string(client_host);
}

kafka::Uuid ToUuid(const TopicId& id) {
  kafka::Uuid out;
  for (int i = 0; i < 8; ++i) {
    out.bytes[i] = static_cast<uint8_t>(id.hi >> (56 - 8 * i));
    out.bytes[8 + i] = static_cast<uint8_t>(id.lo >> (56 - 8 * i));
  }
  return out;
}

int16_t ErrorCodeFor(KafkaError error) { return static_cast<int16_t>(error); }

int16_t ErrorCodeFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return 0;
    case absl::StatusCode::kNotFound:
      return 3;  // UNKNOWN_TOPIC_OR_PARTITION
    case absl::StatusCode::kInvalidArgument:
      return 42;  // INVALID_REQUEST
    case absl::StatusCode::kDeadlineExceeded:
      return 7;  // REQUEST_TIMED_OUT (retriable)
    case absl::StatusCode::kResourceExhausted:
      return 19;  // NOT_ENOUGH_REPLICAS: retriable "try again later"
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kAborted:
      return 56;  // KAFKA_STORAGE_ERROR (retriable): bucket or journal failed
    case absl::StatusCode::kDataLoss:
      return 2;  // CORRUPT_MESSAGE
    default:
      return -1;  // UNKNOWN_SERVER_ERROR
  }
}

int16_t ErrorCodeFor(const absl::Status& status, kafka::ErrorCode transient) {
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kAborted:
      return static_cast<int16_t>(transient);
    default:
      return ErrorCodeFor(status);
  }
}

}  // namespace warp::server
