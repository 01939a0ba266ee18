#include "server/groups/placement.h"

#include "absl/strings/numbers.h"

namespace warp::server::groups {
namespace {

uint64_t Fnv1a64(uint64_t hash, absl::string_view bytes) {
  for (unsigned char c : bytes) hash = (hash ^ c) * 1099511628211ull;
  return hash;
}

// SplitMix64's finalizer: spreads FNV's weak low bits.
uint64_t Mix(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace

int32_t NodeIdFor(absl::string_view agent_id) {
  uint32_t hash = 2166136261u;  // FNV-1a 32
  for (unsigned char c : agent_id) hash = (hash ^ c) * 16777619u;
  return static_cast<int32_t>(hash % 1000000);
}

uint64_t RendezvousWeight(absl::string_view agent_id, absl::string_view key) {
  uint64_t hash = Fnv1a64(14695981039346656037ull, agent_id);
  hash = Fnv1a64(hash, absl::string_view("\0", 1));
  return Mix(Fnv1a64(hash, key));
}

void SplitAddress(absl::string_view address, std::string* host, int32_t* port) {
  size_t colon = address.rfind(':');
  *host = std::string(address.substr(0, colon));
  if (colon == absl::string_view::npos || !absl::SimpleAtoi(address.substr(colon + 1), port)) {
    *port = -1;
  }
}

const AgentInfo* RendezvousWinner(const std::vector<AgentInfo>& agents, absl::string_view key) {
  const AgentInfo* best = nullptr;
  uint64_t best_weight = 0;
  for (const AgentInfo& agent : agents) {
    uint64_t weight = RendezvousWeight(agent.id, key);
    // Ties (practically impossible) go to the smaller id, for determinism.
    if (best == nullptr || weight > best_weight ||
        (weight == best_weight && agent.id < best->id)) {
      best = &agent;
      best_weight = weight;
    }
  }
  return best;
}

RendezvousPlacement::RendezvousPlacement(MetadataStore* metadata, CoordinatorNode self)
    : RendezvousPlacement([metadata] { return metadata->LiveAgents(); }, std::move(self)) {}

RendezvousPlacement::RendezvousPlacement(LiveAgentsFn live_agents, CoordinatorNode self)
    : live_agents_(std::move(live_agents)), self_(std::move(self)) {}

CoordinatorNode RendezvousPlacement::CoordinatorFor(absl::string_view key) {
  std::vector<AgentInfo> agents = live_agents_();
  const AgentInfo* best = RendezvousWinner(agents, key);
  if (best == nullptr || best->id == self_.agent_id) return self_;
  CoordinatorNode node;
  node.agent_id = best->id;
  node.node_id = NodeIdFor(best->id);
  SplitAddress(best->address, &node.host, &node.port);
  node.listeners = best->listeners;
  return node;
}

}  // namespace warp::server::groups
