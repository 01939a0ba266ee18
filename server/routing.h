// Which agents a client is given, and which of them leads each partition:
// pure functions of the live set, so that every agent answers a client the
// same way.
//
// Leadership in warp is only advice: any agent accepts produce and fetch for
// any partition (the bucket holds the data, the metadata store orders it).
// Leaders are spread so that each agent gets its share of clients' traffic.
//
// Thread-safety: pure functions, thread-safe.
#ifndef WARP_SERVER_ROUTING_H_
#define WARP_SERVER_ROUTING_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "warp/metadata.h"

namespace warp::server {

// An agent as Metadata reports it.
struct Broker {
  std::string agent_id;
  int32_t node_id = 0;
  std::string host;
  int32_t port = -1;
  std::string zone;  // the broker's rack; empty = none
};

// The zone a client asks to stay in: the value of `warp_az` in its
// client.id, read as comma-separated key=value pairs
// ("warp_az=us-east-1a,app=billing"), as WarpStream's `ws_az`. Empty when
// absent.
std::string ClientZone(absl::string_view client_id);

// The "host:port" `agent` is advertised at to clients connected to a
// listener named `listener`: that listener's address, or the agent's
// address when it registered no listener of that name (an agent of an
// older version, or `listener` empty).
std::string AdvertisedAddress(const AgentInfo& agent, absl::string_view listener);

// The brokers given to a client of `client_zone` connected to `listener`:
// every agent of `live` (sorted by id), or only those in `client_zone` when
// it is set and has any. The order is `live`'s.
std::vector<Broker> BrokersForClient(const std::vector<AgentInfo>& live,
                                     absl::string_view client_zone,
                                     absl::string_view listener = "");

// The leader of `topic`/`partition` among `brokers` (non-empty): round-robin
// over the brokers from an offset given by a hash of the topic, so that the
// partitions of one topic are spread evenly and the first partitions of
// different topics land on different brokers.
const Broker& LeaderFor(const std::vector<Broker>& brokers, absl::string_view topic,
                        int32_t partition);

}  // namespace warp::server

#endif  // WARP_SERVER_ROUTING_H_
