// One consumer group of Kafka's classic group protocol: the membership state
// machine (Empty, PreparingRebalance, CompletingRebalance, Stable, Dead),
// generations, member ids, static membership (KIP-345), protocol selection,
// session and rebalance timeouts.
//
// The Group is pure: no threads, no I/O, no clock of its own. Time comes in
// as `now` on every call; deadlines are checked by Tick(). JoinGroup and
// SyncGroup answers that must wait are kept as callbacks; every answer is
// appended to an Outbox that the caller runs after releasing its lock, so a
// callback never runs under the coordinator's mutex.
//
// Thread-safety: thread-compatible (the Coordinator serializes calls).
#ifndef WARP_SERVER_GROUPS_GROUP_H_
#define WARP_SERVER_GROUPS_GROUP_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "lib/protocol/messages/errors.h"

namespace warp::server::groups {

using kafka::ErrorCode;

enum class GroupState { kEmpty, kPreparingRebalance, kCompletingRebalance, kStable, kDead };

// Kafka's name of a state ("Empty", "PreparingRebalance", ...).
absl::string_view StateName(GroupState state);

// Limits and timing of every group.
struct GroupConfig {
  // group.initial.rebalance.delay.ms: the first rebalance of an empty group
  // waits this long (extended while new members keep joining, up to the
  // rebalance timeout) so that a starting fleet lands in one generation.
  absl::Duration initial_rebalance_delay = absl::Seconds(3);
  // group.min/max.session.timeout.ms: JoinGroup outside answers
  // INVALID_SESSION_TIMEOUT.
  absl::Duration min_session_timeout = absl::Seconds(6);
  absl::Duration max_session_timeout = absl::Minutes(30);
  // group.max.size: members (and pending members) per group.
  int max_members = 1000;
  // Bytes of all protocols' metadata of one member.
  size_t max_member_metadata_bytes = 1 << 20;
  // Protocols one member may offer.
  size_t max_protocols = 64;
};

struct Protocol {
  std::string name;
  std::string metadata;
  bool operator==(const Protocol&) const = default;
};

struct JoinRequest {
  std::string member_id;  // empty: a new member
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  absl::Duration session_timeout;
  absl::Duration rebalance_timeout;  // JoinGroup v0: the session timeout
  std::string protocol_type;
  std::vector<Protocol> protocols;
  // JoinGroup v4+: a new dynamic member first gets MEMBER_ID_REQUIRED.
  bool require_known_member_id = false;
  // JoinGroup v9+: a rejoining static leader gets skip_assignment.
  bool supports_skip_assignment = false;
};

struct MemberMetadata {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string metadata;
};

struct JoinResult {
  ErrorCode error = ErrorCode::kNone;
  int32_t generation_id = -1;
  std::string protocol_type;
  std::string protocol_name;
  std::string leader_id;
  std::string member_id;
  bool skip_assignment = false;
  std::vector<MemberMetadata> members;  // the leader's answer only
};

struct SyncRequest {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  int32_t generation_id = -1;
  std::optional<std::string> protocol_type;  // SyncGroup v5+
  std::optional<std::string> protocol_name;
  std::vector<std::pair<std::string, std::string>> assignments;  // member id, bytes
};

struct SyncResult {
  ErrorCode error = ErrorCode::kNone;
  std::string protocol_type;
  std::string protocol_name;
  std::string assignment;
};

struct MemberIdentity {
  std::string member_id;
  std::optional<std::string> group_instance_id;
};

// A member as DescribeGroups shows it.
struct MemberDescription {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  std::string metadata;  // of the selected protocol
  std::string assignment;
};

using JoinCallback = std::function<void(JoinResult)>;
using SyncCallback = std::function<void(SyncResult)>;
// Answers to deliver once the caller's lock is released.
using Outbox = std::vector<std::function<void()>>;

// Makes a unique member id from a prefix (`<client_id>-<uuid>`).
using MemberIdGenerator = std::function<std::string(absl::string_view prefix)>;
// A random UUID v4 after `prefix` and a dash.
std::string RandomMemberId(absl::string_view prefix);

class Group {
 public:
  Group(std::string id, const GroupConfig& config, MemberIdGenerator ids);
  Group(const Group&) = delete;
  Group& operator=(const Group&) = delete;

  const std::string& id() const { return id_; }
  GroupState state() const { return state_; }
  int32_t generation_id() const { return generation_; }
  const std::string& protocol_type() const { return protocol_type_; }
  const std::string& protocol_name() const { return protocol_name_; }
  const std::string& leader_id() const { return leader_id_; }
  size_t member_count() const { return members_.size(); }
  bool has_member(absl::string_view member_id) const;

  // JoinGroup: answers through `done` (now or when the join phase ends).
  void Join(JoinRequest request, absl::Time now, JoinCallback done, Outbox& out);
  // SyncGroup: answers through `done` (now or when the leader's assignment
  // arrives or the rebalance restarts).
  void Sync(SyncRequest request, absl::Time now, SyncCallback done, Outbox& out);
  ErrorCode Heartbeat(const MemberIdentity& member, int32_t generation_id, absl::Time now);
  // LeaveGroup of one member (v0-2: by member id; v3+: by member or instance
  // id). Returns the member's error.
  ErrorCode Leave(const MemberIdentity& member, absl::Time now, Outbox& out);
  // Whether a member commit at `generation_id` is allowed now (Kafka's
  // validation order); resets the member's session on success.
  ErrorCode ValidateCommit(const MemberIdentity& member, int32_t generation_id,
                           absl::Time now);
  // Whether a TxnOffsetCommit is allowed (Kafka's doTxnCommitOffsets): v0-2
  // send no member (empty id, generation -1), which any group accepts.
  ErrorCode ValidateTransactionalCommit(const MemberIdentity& member,
                                        int32_t generation_id) const;

  // Expires sessions, pending members, the join phase (initial delay or
  // rebalance timeout) and members that never synced.
  void Tick(absl::Time now, Outbox& out);

  // Members as DescribeGroups shows them (metadata of the chosen protocol).
  std::vector<MemberDescription> Describe() const;
  // The metadata of every member for the selected protocol.
  std::vector<std::string> SelectedMetadata() const;
  // Marks the group Dead (deleted); answers waiting callbacks.
  void MarkDead(Outbox& out);

 private:
  struct Member {
    std::string id;
    std::optional<std::string> instance_id;
    std::string client_id;
    std::string client_host;
    absl::Duration session_timeout;
    absl::Duration rebalance_timeout;
    std::string protocol_type;
    std::vector<Protocol> protocols;
    std::string assignment;
    JoinCallback awaiting_join;
    SyncCallback awaiting_sync;
    absl::Time session_deadline;
  };

  ErrorCode ValidateJoin(const JoinRequest& request) const;
  void JoinNewMember(JoinRequest request, absl::Time now, JoinCallback done, Outbox& out);
  void JoinKnownMember(JoinRequest request, absl::Time now, JoinCallback done, Outbox& out);
  void RejoinStaticMember(JoinRequest request, const std::string& old_id, absl::Time now,
                          JoinCallback done, Outbox& out);
  // Takes the member's client, timeouts and protocols from `request` and
  // restarts its session.
  static void Refresh(Member& member, JoinRequest request, absl::Time now);
  void AddMemberAndRebalance(JoinRequest request, std::string member_id, absl::Time now,
                             JoinCallback done, Outbox& out);
  void UpdateMemberAndRebalance(Member& member, JoinRequest request, absl::Time now,
                                JoinCallback done, Outbox& out);
  // The answer to a member of the current generation.
  JoinResult CurrentGeneration(const Member& member, bool with_members) const;
  void PrepareRebalance(absl::Time now, Outbox& out);
  void MaybeCompleteJoin(absl::Time now, Outbox& out);
  void CompleteJoin(absl::Time now, Outbox& out);
  // The protocol every member supports with the most first-choice votes, or
  // empty when there is none.
  std::string SelectProtocol() const;
  // Whether `type` is the group's and `protocols` share a name with every
  // other member's (the requesting member's own old protocols do not count).
  bool SupportsProtocols(const std::string& type, const std::vector<Protocol>& protocols,
                         const JoinRequest& request) const;
  void RemoveMember(const std::string& member_id, absl::Time now, Outbox& out);
  ErrorCode CheckMember(const MemberIdentity& member) const;
  Member* Find(absl::string_view member_id);
  const Member* Find(absl::string_view member_id) const;
  absl::Duration MaxRebalanceTimeout() const;
  void AnswerSyncWaiters(ErrorCode error, Outbox& out);

  const std::string id_;
  const GroupConfig config_;
  MemberIdGenerator ids_;
  GroupState state_ = GroupState::kEmpty;
  int32_t generation_ = 0;
  std::string protocol_type_;
  std::string protocol_name_;
  std::string leader_id_;
  // By member id; `join_order_` keeps the order members joined (leader choice).
  std::map<std::string, Member> members_;
  std::vector<std::string> join_order_;
  // MEMBER_ID_REQUIRED was answered; their rejoin is expected until then.
  std::map<std::string, absl::Time> pending_members_;
  // group.instance.id -> member id.
  std::map<std::string, std::string> static_members_;
  // PreparingRebalance: the join phase ends at `join_deadline_`; while the
  // initial delay runs, at `delay_deadline_` (extended by new joins).
  absl::Time join_deadline_ = absl::InfinitePast();
  absl::Time delay_deadline_ = absl::InfinitePast();
  absl::Time delay_limit_ = absl::InfinitePast();
  bool initial_delay_ = false;
  // Members of the new generation that have not sent SyncGroup yet; removed
  // at `sync_deadline_`.
  std::set<std::string> pending_sync_;
  absl::Time sync_deadline_ = absl::InfiniteFuture();
};

}  // namespace warp::server::groups

#endif  // WARP_SERVER_GROUPS_GROUP_H_
