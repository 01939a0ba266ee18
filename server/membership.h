// Cluster membership: this agent's lease in the metadata store, and the set
// of live agents every agent of the virtual cluster agrees on.
//
// Each agent registers itself (id, advertised address, zone, roles) with a
// lease (RegisterAgent with lease_expires_ms = now + lease) and renews it
// every renew_interval. Any agent that sees an expired lease removes it
// (ExpireAgents): an agent killed with -9 drops out one lease after its last
// renewal. Leaving (SIGTERM) expires this agent at once.
//
// The live set is read from the local metadata replica (the etcd store
// applies every agent's registrations by watching the log) and filtered by
// this agent's clock, so an agent whose lease ran out is gone from every
// answer even before someone has committed its expiry. Clocks of agents are
// assumed to agree to well within a lease.
//
// Leases are judged only while the journal is healthy as this agent sees
// it: its own last renewal committed within half a lease, and renewals have
// been committing for a whole lease (everyone had the chance to renew). An
// etcd outage or a stall therefore freezes the live set instead of making
// every agent look dead and moving every client and group.
//
// Thread-safety: thread-safe.
#ifndef WARP_SERVER_MEMBERSHIP_H_
#define WARP_SERVER_MEMBERSHIP_H_

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "warp/clock.h"
#include "warp/metadata_store.h"

namespace warp::server {

// The roles of an agent (--roles).
inline constexpr absl::string_view kRoleProduce = "produce";
inline constexpr absl::string_view kRoleFetch = "fetch";
inline constexpr absl::string_view kRoleJobs = "jobs";

// Parses "produce,fetch,jobs" (any non-empty subset, any order). Unknown or
// repeated roles are an InvalidArgument error.
absl::StatusOr<std::vector<std::string>> ParseRoles(absl::string_view roles);

// Whether `agent` has `role`.
bool HasRole(const AgentInfo& agent, absl::string_view role);
// Whether `agent` serves Kafka clients (the produce or the fetch role).
bool ServesClients(const AgentInfo& agent);

struct MembershipOptions {
  // Not owned, required.
  MetadataStore* metadata = nullptr;
  // nullptr = the real clock. Lease times come from it.
  Clock* clock = nullptr;
  // This agent: id, "host:port" advertised to clients, zone, roles. Its
  // lease_expires_ms is set by Membership.
  AgentInfo self;
  // How long a registration stays live without renewal: how long a dead
  // agent keeps being given to clients. Shorter costs more renewals.
  absl::Duration lease = absl::Seconds(10);
  // Time between renewals (one RegisterAgent command each, plus an
  // ExpireAgents when some other lease ran out); zero = no thread (tests
  // call Renew()).
  absl::Duration renew_interval = absl::Seconds(2);
};

class Membership {
 public:
  // Registers this agent (failing when the metadata store cannot commit)
  // and, with a non-zero renew_interval, starts renewing.
  static absl::StatusOr<std::unique_ptr<Membership>> Start(MembershipOptions options);
  // Stops renewing; the lease then runs out by itself (call Leave() first
  // to drop out at once).
  ~Membership();
  Membership(const Membership&) = delete;
  Membership& operator=(const Membership&) = delete;

  // Renews this agent's lease and removes agents whose lease ran out.
  absl::Status Renew();

  // Drops this agent from the live set now (graceful shutdown) and stops
  // renewing. Other agents move its clients and groups elsewhere.
  absl::Status Leave();

  // The live agents, sorted by id. With `role`, only those having it. This
  // agent is included while it has not left, even before its own
  // registration is applied.
  std::vector<AgentInfo> Live(absl::string_view role = "");
  // The live agents this agent gives its clients (Metadata): those that
  // have every client role (produce, fetch) this agent has, so that
  // producers bootstrapped on produce agents stay on produce agents and
  // consumers on fetch agents (WarpStream's proxy-produce/proxy-consume). An
  // agent with neither role gives the agents that have both.
  std::vector<AgentInfo> LiveServingClients();

  const AgentInfo& self() const { return options_.self; }

 private:
  explicit Membership(MembershipOptions options);
  void Loop();
  int64_t NowMs() { return absl::ToUnixMillis(clock_->Now()); }
  // Whether leases can be judged at now_ms (see the file comment).
  bool JournalTrusted(int64_t now_ms);

  const MembershipOptions options_;
  Clock* const clock_;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool left_ ABSL_GUARDED_BY(mu_) = false;
  // The start of the last committed renewal, and of the first one of the
  // current run of committed renewals (none while renewals fail).
  int64_t last_renewed_ms_ ABSL_GUARDED_BY(mu_) = 0;
  std::optional<int64_t> healthy_since_ms_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace warp::server

#endif  // WARP_SERVER_MEMBERSHIP_H_
