#include "server/groups/group.h"

#include <algorithm>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace warp::server::groups {
namespace {

template <typename Callback, typename Result>
void Answer(Outbox& out, Callback callback, Result result) {
  if (!callback) return;
  out.push_back([callback = std::move(callback), result = std::move(result)]() mutable {
    callback(std::move(result));
  });
}

JoinResult JoinError(ErrorCode error, std::string member_id) {
  JoinResult result;
  result.error = error;
  result.member_id = std::move(member_id);
  return result;
}

SyncResult SyncError(ErrorCode error) {
  SyncResult result;
  result.error = error;
  return result;
}

}  // namespace

absl::string_view StateName(GroupState state) {
  switch (state) {
    case GroupState::kEmpty:
      return "Empty";
    case GroupState::kPreparingRebalance:
      return "PreparingRebalance";
    case GroupState::kCompletingRebalance:
      return "CompletingRebalance";
    case GroupState::kStable:
      return "Stable";
    case GroupState::kDead:
      return "Dead";
  }
  return "Dead";
}

std::string RandomMemberId(absl::string_view prefix) {
  thread_local absl::BitGen gen;
  uint64_t hi = absl::Uniform<uint64_t>(gen);
  uint64_t lo = absl::Uniform<uint64_t>(gen);
  hi = (hi & ~uint64_t{0xf000}) | 0x4000;                     // version 4
  lo = (lo & ~(uint64_t{0xc} << 60)) | (uint64_t{0x8} << 60);  // variant 1
  return absl::StrFormat("%s-%08x-%04x-%04x-%04x-%012x", prefix, hi >> 32, (hi >> 16) & 0xffff,
                         hi & 0xffff, lo >> 48, lo & 0xffffffffffffULL);
}

Group::Group(std::string id, const GroupConfig& config, MemberIdGenerator ids)
    : id_(std::move(id)), config_(config), ids_(std::move(ids)) {}

bool Group::has_member(absl::string_view member_id) const {
  return Find(member_id) != nullptr;
}

Group::Member* Group::Find(absl::string_view member_id) {
  auto it = members_.find(std::string(member_id));
  return it == members_.end() ? nullptr : &it->second;
}

const Group::Member* Group::Find(absl::string_view member_id) const {
  auto it = members_.find(std::string(member_id));
  return it == members_.end() ? nullptr : &it->second;
}

absl::Duration Group::MaxRebalanceTimeout() const {
  absl::Duration max = absl::ZeroDuration();
  for (const auto& [id, m] : members_) max = std::max(max, m.rebalance_timeout);
  return max;
}

ErrorCode Group::CheckMember(const MemberIdentity& member) const {
  if (member.group_instance_id.has_value()) {
    auto it = static_members_.find(*member.group_instance_id);
    if (it != static_members_.end() && it->second != member.member_id) {
      return ErrorCode::kFencedInstanceId;
    }
  }
  if (Find(member.member_id) == nullptr) return ErrorCode::kUnknownMemberId;
  return ErrorCode::kNone;
}

// ---------------------------------------------------------------------------
// JoinGroup.

void Group::Join(JoinRequest request, absl::Time now, JoinCallback done, Outbox& out) {
  if (state_ == GroupState::kDead) {
    Answer(out, std::move(done), JoinError(ErrorCode::kCoordinatorNotAvailable, request.member_id));
    return;
  }
  ErrorCode error = ValidateJoin(request);
  if (error != ErrorCode::kNone) {
    Answer(out, std::move(done), JoinError(error, request.member_id));
    return;
  }
  if (request.member_id.empty()) {
    JoinNewMember(std::move(request), now, std::move(done), out);
  } else {
    JoinKnownMember(std::move(request), now, std::move(done), out);
  }
}

ErrorCode Group::ValidateJoin(const JoinRequest& request) const {
  if (request.session_timeout < config_.min_session_timeout ||
      request.session_timeout > config_.max_session_timeout) {
    return ErrorCode::kInvalidSessionTimeout;
  }
  if (request.protocol_type.empty() || request.protocols.empty()) {
    return ErrorCode::kInconsistentGroupProtocol;
  }
  size_t bytes = 0;
  for (const Protocol& p : request.protocols) bytes += p.name.size() + p.metadata.size();
  if (request.protocols.size() > config_.max_protocols ||
      bytes > config_.max_member_metadata_bytes) {
    return ErrorCode::kInvalidRequest;
  }
  if (!SupportsProtocols(request.protocol_type, request.protocols, request)) {
    return ErrorCode::kInconsistentGroupProtocol;
  }
  return ErrorCode::kNone;
}

bool Group::SupportsProtocols(const std::string& type, const std::vector<Protocol>& protocols,
                              const JoinRequest& request) const {
  // The member itself (by id, or by instance id for a static rejoin) does
  // not count: its protocols are being replaced.
  std::string self = request.member_id;
  if (self.empty() && request.group_instance_id.has_value()) {
    auto it = static_members_.find(*request.group_instance_id);
    if (it != static_members_.end()) self = it->second;
  }
  size_t others = 0;
  std::map<std::string, size_t> support;
  for (const auto& [id, m] : members_) {
    if (id == self) continue;
    if (m.protocol_type != type) return false;
    ++others;
    for (const Protocol& p : m.protocols) ++support[p.name];
  }
  if (others == 0) return true;
  for (const Protocol& p : protocols) {
    auto it = support.find(p.name);
    if (it != support.end() && it->second == others) return true;
  }
  return false;
}

void Group::JoinNewMember(JoinRequest request, absl::Time now, JoinCallback done, Outbox& out) {
  if (request.group_instance_id.has_value()) {
    auto it = static_members_.find(*request.group_instance_id);
    if (it != static_members_.end()) {
      std::string old_id = it->second;
      RejoinStaticMember(std::move(request), old_id, now, std::move(done), out);
      return;
    }
  }
  if (members_.size() + pending_members_.size() >= static_cast<size_t>(config_.max_members)) {
    Answer(out, std::move(done), JoinError(ErrorCode::kGroupMaxSizeReached, ""));
    return;
  }
  if (request.group_instance_id.has_value()) {
    std::string id = ids_(*request.group_instance_id);
    AddMemberAndRebalance(std::move(request), std::move(id), now, std::move(done), out);
    return;
  }
  std::string id = ids_(request.client_id);
  if (request.require_known_member_id) {
    // KIP-394: the client rejoins at once with this id.
    pending_members_[id] = now + request.session_timeout;
    Answer(out, std::move(done), JoinError(ErrorCode::kMemberIdRequired, id));
    return;
  }
  AddMemberAndRebalance(std::move(request), std::move(id), now, std::move(done), out);
}

void Group::JoinKnownMember(JoinRequest request, absl::Time now, JoinCallback done,
                            Outbox& out) {
  if (pending_members_.erase(request.member_id) > 0) {
    std::string id = request.member_id;
    AddMemberAndRebalance(std::move(request), std::move(id), now, std::move(done), out);
    return;
  }
  ErrorCode error = CheckMember({request.member_id, request.group_instance_id});
  if (error != ErrorCode::kNone) {
    Answer(out, std::move(done), JoinError(error, request.member_id));
    return;
  }
  Member& member = *Find(request.member_id);
  bool unchanged = member.protocols == request.protocols;
  switch (state_) {
    case GroupState::kPreparingRebalance:
      UpdateMemberAndRebalance(member, std::move(request), now, std::move(done), out);
      return;
    case GroupState::kCompletingRebalance:
      if (unchanged) {
        // The member likely lost the JoinGroup answer: repeat it.
        member.session_deadline = now + member.session_timeout;
        Answer(out, std::move(done), CurrentGeneration(member, member.id == leader_id_));
        return;
      }
      UpdateMemberAndRebalance(member, std::move(request), now, std::move(done), out);
      return;
    case GroupState::kStable:
      if (member.id == leader_id_ || !unchanged) {
        UpdateMemberAndRebalance(member, std::move(request), now, std::move(done), out);
        return;
      }
      member.session_deadline = now + member.session_timeout;
      Answer(out, std::move(done), CurrentGeneration(member, false));
      return;
    case GroupState::kEmpty:
    case GroupState::kDead:
      Answer(out, std::move(done), JoinError(ErrorCode::kUnknownMemberId, request.member_id));
      return;
  }
}

void Group::RejoinStaticMember(JoinRequest request, const std::string& old_id, absl::Time now,
                               JoinCallback done, Outbox& out) {
  auto node = members_.extract(old_id);
  Member& member = node.mapped();
  // The old member id is fenced from now on; its waiting requests learn it.
  Answer(out, std::move(member.awaiting_join),
         JoinError(ErrorCode::kFencedInstanceId, old_id));
  Answer(out, std::move(member.awaiting_sync), SyncError(ErrorCode::kFencedInstanceId));
  member.awaiting_join = nullptr;
  member.awaiting_sync = nullptr;
  std::string new_id = ids_(*request.group_instance_id);
  member.id = new_id;
  std::replace(join_order_.begin(), join_order_.end(), old_id, new_id);
  static_members_[*request.group_instance_id] = new_id;
  bool was_leader = leader_id_ == old_id;
  if (was_leader) leader_id_ = new_id;
  if (pending_sync_.erase(old_id) > 0) pending_sync_.insert(new_id);
  bool unchanged =
      member.protocols == request.protocols && member.protocol_type == request.protocol_type;
  node.key() = new_id;
  Member& replaced = members_.insert(std::move(node)).position->second;
  if (state_ == GroupState::kStable && unchanged) {
    // KIP-345: same instance, same subscription: no rebalance; the member
    // keeps its assignment and gets it back from SyncGroup.
    bool support_skip = request.supports_skip_assignment;
    Refresh(replaced, std::move(request), now);
    bool skip = was_leader && support_skip;
    JoinResult result = CurrentGeneration(replaced, skip);
    result.skip_assignment = skip;
    // Before JoinGroup v9 a rejoining leader is told the old leader id so
    // that it does not compute a new assignment.
    if (was_leader && !skip) result.leader_id = old_id;
    Answer(out, std::move(done), std::move(result));
    return;
  }
  UpdateMemberAndRebalance(replaced, std::move(request), now, std::move(done), out);
}

void Group::Refresh(Member& member, JoinRequest request, absl::Time now) {
  member.client_id = std::move(request.client_id);
  member.client_host = std::move(request.client_host);
  member.session_timeout = request.session_timeout;
  member.rebalance_timeout = request.rebalance_timeout;
  member.protocol_type = std::move(request.protocol_type);
  member.protocols = std::move(request.protocols);
  member.session_deadline = now + member.session_timeout;
}

void Group::AddMemberAndRebalance(JoinRequest request, std::string member_id, absl::Time now,
                                  JoinCallback done, Outbox& out) {
  Member member;
  member.id = member_id;
  member.instance_id = request.group_instance_id;
  Refresh(member, std::move(request), now);
  member.awaiting_join = std::move(done);
  if (member.instance_id.has_value()) static_members_[*member.instance_id] = member_id;
  if (leader_id_.empty()) leader_id_ = member_id;
  join_order_.push_back(member_id);
  members_.emplace(member_id, std::move(member));
  if (state_ == GroupState::kPreparingRebalance) {
    if (initial_delay_) {
      // KIP-134: every newcomer extends the initial delay, within limits.
      delay_deadline_ = std::min(now + config_.initial_rebalance_delay, delay_limit_);
    }
  } else {
    PrepareRebalance(now, out);
  }
  MaybeCompleteJoin(now, out);
}

void Group::UpdateMemberAndRebalance(Member& member, JoinRequest request, absl::Time now,
                                     JoinCallback done, Outbox& out) {
  // A second JoinGroup while one waits: the first gets an answer so that the
  // client's connection (answers are in request order) does not stall.
  Answer(out, std::move(member.awaiting_join),
         JoinError(ErrorCode::kRebalanceInProgress, member.id));
  Refresh(member, std::move(request), now);
  member.awaiting_join = std::move(done);
  if (state_ != GroupState::kPreparingRebalance) PrepareRebalance(now, out);
  MaybeCompleteJoin(now, out);
}

JoinResult Group::CurrentGeneration(const Member& member, bool with_members) const {
  JoinResult result;
  result.generation_id = generation_;
  result.protocol_type = protocol_type_;
  result.protocol_name = protocol_name_;
  result.leader_id = leader_id_;
  result.member_id = member.id;
  if (with_members) {
    for (const std::string& id : join_order_) {
      const Member& m = members_.at(id);
      MemberMetadata& mm = result.members.emplace_back();
      mm.member_id = m.id;
      mm.group_instance_id = m.instance_id;
      for (const Protocol& p : m.protocols) {
        if (p.name == protocol_name_) mm.metadata = p.metadata;
      }
    }
  }
  return result;
}

// ---------------------------------------------------------------------------
// Rebalance.

void Group::PrepareRebalance(absl::Time now, Outbox& out) {
  if (state_ == GroupState::kCompletingRebalance) {
    AnswerSyncWaiters(ErrorCode::kRebalanceInProgress, out);
  }
  for (auto& [id, m] : members_) m.assignment.clear();
  pending_sync_.clear();
  sync_deadline_ = absl::InfiniteFuture();
  join_deadline_ = now + MaxRebalanceTimeout();
  initial_delay_ = state_ == GroupState::kEmpty &&
                   config_.initial_rebalance_delay > absl::ZeroDuration();
  if (initial_delay_) {
    delay_limit_ = join_deadline_;
    delay_deadline_ = std::min(now + config_.initial_rebalance_delay, delay_limit_);
  }
  state_ = GroupState::kPreparingRebalance;
}

void Group::MaybeCompleteJoin(absl::Time now, Outbox& out) {
  if (state_ != GroupState::kPreparingRebalance) return;
  if (initial_delay_) {
    if (now >= delay_deadline_) CompleteJoin(now, out);
    return;
  }
  bool all_joined = pending_members_.empty();
  for (const auto& [id, m] : members_) all_joined = all_joined && m.awaiting_join != nullptr;
  if (all_joined || now >= join_deadline_) CompleteJoin(now, out);
}

void Group::CompleteJoin(absl::Time now, Outbox& out) {
  initial_delay_ = false;
  // Members that did not rejoin in time leave the group.
  std::vector<std::string> gone;
  for (const auto& [id, m] : members_) {
    if (m.awaiting_join == nullptr) gone.push_back(id);
  }
  for (const std::string& id : gone) {
    Member& m = members_.at(id);
    if (m.instance_id.has_value()) static_members_.erase(*m.instance_id);
    members_.erase(id);
    join_order_.erase(std::remove(join_order_.begin(), join_order_.end(), id), join_order_.end());
  }
  ++generation_;
  if (members_.empty()) {
    protocol_type_.clear();
    protocol_name_.clear();
    leader_id_.clear();
    state_ = GroupState::kEmpty;
    return;
  }
  if (Find(leader_id_) == nullptr) leader_id_ = join_order_.front();
  protocol_type_ = members_.at(leader_id_).protocol_type;
  protocol_name_ = SelectProtocol();
  if (protocol_name_.empty()) {
    // Cannot happen after ValidateJoin; answer everyone rather than hang.
    for (auto& [id, m] : members_) {
      Answer(out, std::move(m.awaiting_join),
             JoinError(ErrorCode::kInconsistentGroupProtocol, id));
    }
    members_.clear();
    join_order_.clear();
    static_members_.clear();
    leader_id_.clear();
    protocol_type_.clear();
    state_ = GroupState::kEmpty;
    return;
  }
  state_ = GroupState::kCompletingRebalance;
  sync_deadline_ = now + MaxRebalanceTimeout();
  for (auto& [id, m] : members_) {
    pending_sync_.insert(id);
    m.session_deadline = now + m.session_timeout;
    JoinResult result = CurrentGeneration(m, id == leader_id_);
    JoinCallback done = std::move(m.awaiting_join);
    m.awaiting_join = nullptr;
    Answer(out, std::move(done), std::move(result));
  }
}

std::string Group::SelectProtocol() const {
  std::map<std::string, size_t> support;
  for (const auto& [id, m] : members_) {
    for (const Protocol& p : m.protocols) ++support[p.name];
  }
  // Each member votes for its most preferred protocol that all support.
  std::map<std::string, size_t> votes;
  for (const auto& [id, m] : members_) {
    for (const Protocol& p : m.protocols) {
      if (support[p.name] == members_.size()) {
        ++votes[p.name];
        break;
      }
    }
  }
  std::string best;
  size_t most = 0;
  for (const auto& [name, count] : votes) {
    if (count > most) {
      best = name;
      most = count;
    }
  }
  return best;
}

void Group::AnswerSyncWaiters(ErrorCode error, Outbox& out) {
  for (auto& [id, m] : members_) {
    if (m.awaiting_sync == nullptr) continue;
    SyncCallback done = std::move(m.awaiting_sync);
    m.awaiting_sync = nullptr;
    Answer(out, std::move(done), SyncError(error));
  }
}

void Group::RemoveMember(const std::string& member_id, absl::Time now, Outbox& out) {
  auto it = members_.find(member_id);
  if (it == members_.end()) return;
  Member& m = it->second;
  Answer(out, std::move(m.awaiting_join), JoinError(ErrorCode::kUnknownMemberId, member_id));
  Answer(out, std::move(m.awaiting_sync), SyncError(ErrorCode::kUnknownMemberId));
  if (m.instance_id.has_value()) static_members_.erase(*m.instance_id);
  members_.erase(it);
  join_order_.erase(std::remove(join_order_.begin(), join_order_.end(), member_id),
                    join_order_.end());
  pending_sync_.erase(member_id);
  if (leader_id_ == member_id) leader_id_ = join_order_.empty() ? "" : join_order_.front();
  switch (state_) {
    case GroupState::kStable:
    case GroupState::kCompletingRebalance:
      PrepareRebalance(now, out);
      MaybeCompleteJoin(now, out);
      break;
    case GroupState::kPreparingRebalance:
      MaybeCompleteJoin(now, out);
      break;
    case GroupState::kEmpty:
    case GroupState::kDead:
      break;
  }
}

// ---------------------------------------------------------------------------
// SyncGroup, Heartbeat, LeaveGroup, commits.

void Group::Sync(SyncRequest request, absl::Time now, SyncCallback done, Outbox& out) {
  if (state_ == GroupState::kDead) {
    Answer(out, std::move(done), SyncError(ErrorCode::kCoordinatorNotAvailable));
    return;
  }
  ErrorCode error = CheckMember({request.member_id, request.group_instance_id});
  if (error == ErrorCode::kNone && request.generation_id != generation_) {
    error = ErrorCode::kIllegalGeneration;
  }
  if (error == ErrorCode::kNone &&
      ((request.protocol_type.has_value() && *request.protocol_type != protocol_type_) ||
       (request.protocol_name.has_value() && *request.protocol_name != protocol_name_))) {
    error = ErrorCode::kInconsistentGroupProtocol;
  }
  if (error == ErrorCode::kNone && state_ == GroupState::kPreparingRebalance) {
    error = ErrorCode::kRebalanceInProgress;
  }
  if (error == ErrorCode::kNone && state_ == GroupState::kEmpty) {
    error = ErrorCode::kUnknownMemberId;
  }
  if (error != ErrorCode::kNone) {
    Answer(out, std::move(done), SyncError(error));
    return;
  }
  Member& member = *Find(request.member_id);
  member.session_deadline = now + member.session_timeout;
  pending_sync_.erase(member.id);
  if (state_ == GroupState::kStable) {
    Answer(out, std::move(done), SyncResult{ErrorCode::kNone, protocol_type_, protocol_name_,
                                            member.assignment});
    return;
  }
  // CompletingRebalance: wait for the leader's assignment.
  Answer(out, std::move(member.awaiting_sync), SyncError(ErrorCode::kRebalanceInProgress));
  member.awaiting_sync = std::move(done);
  if (member.id != leader_id_) return;
  for (auto& [id, m] : members_) m.assignment.clear();
  for (auto& [id, assignment] : request.assignments) {
    if (Member* m = Find(id)) m->assignment = std::move(assignment);
  }
  state_ = GroupState::kStable;
  for (auto& [id, m] : members_) {
    if (m.awaiting_sync == nullptr) continue;
    SyncCallback waiting = std::move(m.awaiting_sync);
    m.awaiting_sync = nullptr;
    Answer(out, std::move(waiting),
           SyncResult{ErrorCode::kNone, protocol_type_, protocol_name_, m.assignment});
  }
}

ErrorCode Group::Heartbeat(const MemberIdentity& identity, int32_t generation_id,
                           absl::Time now) {
  if (state_ == GroupState::kDead) return ErrorCode::kCoordinatorNotAvailable;
  ErrorCode error = CheckMember(identity);
  if (error != ErrorCode::kNone) return error;
  Member& member = *Find(identity.member_id);
  switch (state_) {
    case GroupState::kPreparingRebalance:
      member.session_deadline = now + member.session_timeout;
      return ErrorCode::kRebalanceInProgress;
    case GroupState::kCompletingRebalance:
    case GroupState::kStable:
      if (generation_id != generation_) return ErrorCode::kIllegalGeneration;
      member.session_deadline = now + member.session_timeout;
      return ErrorCode::kNone;
    case GroupState::kEmpty:
    case GroupState::kDead:
      break;
  }
  return ErrorCode::kUnknownMemberId;
}

ErrorCode Group::Leave(const MemberIdentity& identity, absl::Time now, Outbox& out) {
  if (state_ == GroupState::kDead) return ErrorCode::kCoordinatorNotAvailable;
  std::string member_id = identity.member_id;
  if (identity.group_instance_id.has_value()) {
    auto it = static_members_.find(*identity.group_instance_id);
    if (it == static_members_.end()) return ErrorCode::kUnknownMemberId;
    // An admin removes a static member by instance id alone.
    if (!member_id.empty() && it->second != member_id) return ErrorCode::kFencedInstanceId;
    member_id = it->second;
  } else if (pending_members_.erase(member_id) > 0) {
    MaybeCompleteJoin(now, out);
    return ErrorCode::kNone;
  } else if (Find(member_id) == nullptr) {
    return ErrorCode::kUnknownMemberId;
  }
  RemoveMember(member_id, now, out);
  return ErrorCode::kNone;
}

ErrorCode Group::ValidateCommit(const MemberIdentity& identity, int32_t generation_id,
                                absl::Time now) {
  if (state_ == GroupState::kDead) return ErrorCode::kCoordinatorNotAvailable;
  // A simple (admin, assign()) commit into a group without members.
  if (generation_id < 0 && state_ == GroupState::kEmpty) return ErrorCode::kNone;
  ErrorCode error = CheckMember(identity);
  if (error != ErrorCode::kNone) return error;
  if (generation_id != generation_) return ErrorCode::kIllegalGeneration;
  if (state_ == GroupState::kCompletingRebalance) return ErrorCode::kRebalanceInProgress;
  Member& member = *Find(identity.member_id);
  member.session_deadline = now + member.session_timeout;
  return ErrorCode::kNone;
}

ErrorCode Group::ValidateTransactionalCommit(const MemberIdentity& identity,
                                             int32_t generation_id) const {
  if (state_ == GroupState::kDead) return ErrorCode::kCoordinatorNotAvailable;
  if (identity.group_instance_id.has_value()) {
    auto it = static_members_.find(*identity.group_instance_id);
    if (it != static_members_.end() && it->second != identity.member_id) {
      return ErrorCode::kFencedInstanceId;
    }
  }
  if (!identity.member_id.empty() && Find(identity.member_id) == nullptr) {
    return ErrorCode::kUnknownMemberId;
  }
  if (generation_id >= 0 && generation_id != generation_) return ErrorCode::kIllegalGeneration;
  return ErrorCode::kNone;
}

// ---------------------------------------------------------------------------
// Timers and descriptions.

void Group::Tick(absl::Time now, Outbox& out) {
  if (state_ == GroupState::kDead) return;
  for (auto it = pending_members_.begin(); it != pending_members_.end();) {
    it = now >= it->second ? pending_members_.erase(it) : std::next(it);
  }
  // Members waiting for a JoinGroup or SyncGroup answer stay alive.
  std::vector<std::string> expired;
  for (const auto& [id, m] : members_) {
    if (m.awaiting_join == nullptr && m.awaiting_sync == nullptr && now >= m.session_deadline) {
      expired.push_back(id);
    }
  }
  if ((state_ == GroupState::kCompletingRebalance || state_ == GroupState::kStable) &&
      now >= sync_deadline_) {
    // Members of this generation that never sent SyncGroup.
    expired.insert(expired.end(), pending_sync_.begin(), pending_sync_.end());
    pending_sync_.clear();
    sync_deadline_ = absl::InfiniteFuture();
  }
  for (const std::string& id : expired) RemoveMember(id, now, out);
  MaybeCompleteJoin(now, out);
}

std::vector<MemberDescription> Group::Describe() const {
  std::vector<MemberDescription> out;
  for (const std::string& id : join_order_) {
    const Member& m = members_.at(id);
    MemberDescription& d = out.emplace_back();
    d.member_id = m.id;
    d.group_instance_id = m.instance_id;
    d.client_id = m.client_id;
    d.client_host = m.client_host;
    if (state_ != GroupState::kStable) continue;  // Kafka shows them in Stable only
    for (const Protocol& p : m.protocols) {
      if (p.name == protocol_name_) d.metadata = p.metadata;
    }
    d.assignment = m.assignment;
  }
  return out;
}

std::vector<std::string> Group::SelectedMetadata() const {
  std::vector<std::string> out;
  for (const auto& [id, m] : members_) {
    for (const Protocol& p : m.protocols) {
      if (p.name == protocol_name_) out.push_back(p.metadata);
    }
  }
  return out;
}

void Group::MarkDead(Outbox& out) {
  for (auto& [id, m] : members_) {
    Answer(out, std::move(m.awaiting_join),
           JoinError(ErrorCode::kCoordinatorNotAvailable, id));
    Answer(out, std::move(m.awaiting_sync), SyncError(ErrorCode::kCoordinatorNotAvailable));
  }
  members_.clear();
  join_order_.clear();
  static_members_.clear();
  pending_members_.clear();
  state_ = GroupState::kDead;
}

}  // namespace warp::server::groups
