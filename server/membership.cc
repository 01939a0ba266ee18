#include "server/membership.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/base/status_macros.h"

namespace warp::server {
namespace {

// The record of `self`: with its listeners when it has any (older agents
// read only RegisterAgent, kept for agents with one plain listener).
Command Registration(const AgentInfo& self) {
  if (self.listeners.empty()) return RegisterAgent{self};
  return RegisterAgentWithListeners{self};
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ParseRoles(absl::string_view roles) {
  std::vector<std::string> out;
  for (absl::string_view role : absl::StrSplit(roles, ',', absl::SkipWhitespace())) {
    if (role != kRoleProduce && role != kRoleFetch && role != kRoleJobs) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown role \"", role, "\" (roles: produce, fetch, jobs)"));
    }
    if (std::find(out.begin(), out.end(), role) != out.end()) {
      return absl::InvalidArgumentError(absl::StrCat("role \"", role, "\" given twice"));
    }
    out.emplace_back(role);
  }
  if (out.empty()) return absl::InvalidArgumentError("no role given");
  return out;
}

bool HasRole(const AgentInfo& agent, absl::string_view role) {
  return std::find(agent.roles.begin(), agent.roles.end(), role) != agent.roles.end();
}

bool ServesClients(const AgentInfo& agent) {
  return HasRole(agent, kRoleProduce) || HasRole(agent, kRoleFetch);
}

Membership::Membership(MembershipOptions options)
    : options_(std::move(options)),
      clock_(options_.clock != nullptr ? options_.clock : Clock::Real()) {}

absl::StatusOr<std::unique_ptr<Membership>> Membership::Start(MembershipOptions options) {
  if (options.metadata == nullptr) return absl::InvalidArgumentError("membership needs metadata");
  std::unique_ptr<Membership> membership(new Membership(std::move(options)));
  RETURN_IF_ERROR(membership->Renew());
  if (membership->options_.renew_interval > absl::ZeroDuration()) {
    Membership* raw = membership.get();
    membership->thread_ = std::thread([raw] { raw->Loop(); });
  }
  return membership;
}

Membership::~Membership() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void Membership::Loop() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), options_.renew_interval);
      if (stopping_ || left_) return;
    }
    // A failure (metadata store unreachable) is retried at the next tick;
    // the lease covers several of them.
    (void)Renew();
  }
}

absl::Status Membership::Renew() {
  {
    absl::MutexLock lock(&mu_);
    if (left_) return absl::OkStatus();
  }
  int64_t now_ms = NowMs();
  AgentInfo self = options_.self;
  self.lease_expires_ms = now_ms + absl::ToInt64Milliseconds(options_.lease);
  absl::StatusOr<CommandResult> registered = options_.metadata->Execute(Registration(self));
  const int64_t done_ms = NowMs();
  {
    absl::MutexLock lock(&mu_);
    if (!registered.ok()) {
      healthy_since_ms_.reset();
      return registered.status();
    }
    last_renewed_ms_ = now_ms;
    // A renewal that took half a lease means a stall: every agent's
    // renewals were as slow and their leases may have run out meanwhile, so
    // judging starts over, as after an outage.
    if (done_ms - now_ms > absl::ToInt64Milliseconds(options_.lease) / 2) {
      healthy_since_ms_ = done_ms;
    } else if (!healthy_since_ms_.has_value()) {
      healthy_since_ms_ = now_ms;
    }
  }
  if (!JournalTrusted(done_ms)) return absl::OkStatus();
  bool any_expired = false;
  for (const AgentInfo& agent : options_.metadata->LiveAgents()) {
    any_expired |= agent.lease_expires_ms < now_ms;
  }
  if (any_expired) {
    RETURN_IF_ERROR(options_.metadata->Execute(ExpireAgents{now_ms}).status());
  }
  return absl::OkStatus();
}

absl::Status Membership::Leave() {
  {
    absl::MutexLock lock(&mu_);
    left_ = true;
  }
  // A lease that ended in the past, then an expiry that removes it (and any
  // other agent whose lease ran out).
  AgentInfo self = options_.self;
  int64_t now_ms = NowMs();
  self.lease_expires_ms = now_ms - 1;
  RETURN_IF_ERROR(options_.metadata->Execute(Registration(self)).status());
  return options_.metadata->Execute(ExpireAgents{now_ms}).status();
}

std::vector<AgentInfo> Membership::Live(absl::string_view role) {
  bool left;
  {
    absl::MutexLock lock(&mu_);
    left = left_;
  }
  int64_t now_ms = NowMs();
  // A lease that ran out while renewals could not be committed says nothing
  // about its agent: everyone registered stays until the journal is back.
  bool judge_leases = JournalTrusted(now_ms);
  std::vector<AgentInfo> live;
  bool self_seen = false;
  for (AgentInfo& agent : options_.metadata->LiveAgents()) {
    if (agent.id == options_.self.id) {
      if (left) continue;
      self_seen = true;
    } else if (judge_leases && agent.lease_expires_ms < now_ms) {
      continue;
    }
    if (role.empty() || HasRole(agent, role)) live.push_back(std::move(agent));
  }
  if (!self_seen && !left && (role.empty() || HasRole(options_.self, role))) {
    live.push_back(options_.self);
  }
  std::sort(live.begin(), live.end(),
            [](const AgentInfo& a, const AgentInfo& b) { return a.id < b.id; });
  return live;
}

bool Membership::JournalTrusted(int64_t now_ms) {
  const int64_t lease_ms = absl::ToInt64Milliseconds(options_.lease);
  absl::MutexLock lock(&mu_);
  return healthy_since_ms_.has_value() && now_ms - *healthy_since_ms_ >= lease_ms &&
         now_ms - last_renewed_ms_ <= lease_ms / 2;
}

std::vector<AgentInfo> Membership::LiveServingClients() {
  // The client roles a listed agent must have: this agent's, or both for an
  // agent with neither (jobs only), so that any client it serves is sent
  // where its requests are taken.
  std::vector<absl::string_view> required;
  for (absl::string_view role : {kRoleProduce, kRoleFetch}) {
    if (HasRole(options_.self, role)) required.push_back(role);
  }
  if (required.empty()) required = {kRoleProduce, kRoleFetch};
  std::vector<AgentInfo> live = Live();
  live.erase(std::remove_if(live.begin(), live.end(),
                            [&](const AgentInfo& a) {
                              return !std::all_of(
                                  required.begin(), required.end(),
                                  [&](absl::string_view role) { return HasRole(a, role); });
                            }),
             live.end());
  return live;
}

}  // namespace warp::server
