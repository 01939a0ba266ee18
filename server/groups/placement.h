// Where a group's coordinator runs: one agent per group key, chosen
// deterministically so that every agent gives clients the same answer.
//
// Thread-safety: implementations are thread-safe.
#ifndef WARP_SERVER_GROUPS_PLACEMENT_H_
#define WARP_SERVER_GROUPS_PLACEMENT_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "warp/metadata_store.h"

namespace warp::server::groups {

// An agent as FindCoordinator reports it.
struct CoordinatorNode {
  std::string agent_id;
  std::string host;
  int32_t port = 0;
  int32_t node_id = 0;
  bool local = false;  // this agent
  std::vector<AgentListener> listeners;  // its advertised listeners
};

// The broker id of an agent: a stable small number derived from its id, the
// same on every restart and on every agent (broker ids are int32).
int32_t NodeIdFor(absl::string_view agent_id);

// Splits an advertised "host:port" into its parts; port -1 when it has none.
void SplitAddress(absl::string_view address, std::string* host, int32_t* port);

// Chooses the coordinator of a group (or, later, transaction) key. The
// cluster work plugs its own implementation in here.
class CoordinatorPlacement {
 public:
  virtual ~CoordinatorPlacement() = default;
  virtual CoordinatorNode CoordinatorFor(absl::string_view key) = 0;
};

// Rendezvous (highest random weight) hashing over the live agents: the agent
// with the highest hash of (agent id, key) coordinates the key; with no live
// agent registered, this agent does. Adding or removing an agent moves only
// the keys it wins or held.
class RendezvousPlacement final : public CoordinatorPlacement {
 public:
  using LiveAgentsFn = std::function<std::vector<AgentInfo>()>;
  // The candidates are every agent registered in `metadata`, which must
  // outlive this object.
  RendezvousPlacement(MetadataStore* metadata, CoordinatorNode self);
  // The candidates are what `live_agents` returns (the cluster's live
  // agents that serve clients).
  RendezvousPlacement(LiveAgentsFn live_agents, CoordinatorNode self);
  CoordinatorNode CoordinatorFor(absl::string_view key) override;

 private:
  const LiveAgentsFn live_agents_;
  const CoordinatorNode self_;
};

// The agent of `agents` with the highest rendezvous weight for `key`
// (ties to the smaller id); nullptr when `agents` is empty.
const AgentInfo* RendezvousWinner(const std::vector<AgentInfo>& agents, absl::string_view key);

// The rendezvous weight of (agent, key): a fixed 64-bit hash, identical on
// every platform and process.
uint64_t RendezvousWeight(absl::string_view agent_id, absl::string_view key);

}  // namespace warp::server::groups

#endif  // WARP_SERVER_GROUPS_PLACEMENT_H_
