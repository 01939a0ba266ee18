#include "server/routing.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "server/groups/placement.h"

namespace warp::server {

std::string ClientZone(absl::string_view client_id) {
  for (absl::string_view pair : absl::StrSplit(client_id, ',')) {
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(pair, absl::MaxSplits('=', 1));
    if (absl::StripAsciiWhitespace(kv.first) == "warp_az") {
      return std::string(absl::StripAsciiWhitespace(kv.second));
    }
  }
  return "";
}

std::string AdvertisedAddress(const AgentInfo& agent, absl::string_view listener) {
  for (const AgentListener& l : agent.listeners) {
    if (l.name == listener) return l.address;
  }
  return agent.address;
}

std::vector<Broker> BrokersForClient(const std::vector<AgentInfo>& live,
                                     absl::string_view client_zone,
                                     absl::string_view listener) {
  bool zone_has_agents = false;
  for (const AgentInfo& agent : live) {
    zone_has_agents |= !client_zone.empty() && agent.zone == client_zone;
  }
  std::vector<Broker> brokers;
  for (const AgentInfo& agent : live) {
    if (zone_has_agents && agent.zone != client_zone) continue;
    Broker& b = brokers.emplace_back();
    b.agent_id = agent.id;
    b.node_id = groups::NodeIdFor(agent.id);
    groups::SplitAddress(AdvertisedAddress(agent, listener), &b.host, &b.port);
    b.zone = agent.zone;
  }
  return brokers;
}

const Broker& LeaderFor(const std::vector<Broker>& brokers, absl::string_view topic,
                        int32_t partition) {
  uint64_t start = groups::RendezvousWeight("leader", topic);
  uint64_t n = brokers.size();
  return brokers[(start % n + static_cast<uint64_t>(partition) % n) % n];
}

}  // namespace warp::server
