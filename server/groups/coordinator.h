// The group coordinator of an agent: the consumer groups this agent
// coordinates (membership in memory, one Group state machine each) and their
// committed offsets (durable in the MetadataStore).
//
// Deferred answers (JoinGroup, SyncGroup) arrive through callbacks, which
// run on the thread whose call completed the wait (another member's request,
// or the timer) and never under the coordinator's lock. Timers: Tick()
// expires sessions, join phases and unsynced members of every group, and
// sweeps expired offsets when due; a timer thread calls it every
// `tick_interval` unless that is zero (tests call Tick() with a fake clock).
//
// Thread-safety: thread-safe.
#ifndef WARP_SERVER_GROUPS_COORDINATOR_H_
#define WARP_SERVER_GROUPS_COORDINATOR_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "server/groups/group.h"
#include "server/groups/placement.h"
#include "warp/clock.h"
#include "warp/metadata_store.h"

namespace warp::server::groups {

struct CoordinatorOptions {
  // Where offsets live. Required; must outlive the coordinator.
  MetadataStore* metadata = nullptr;
  // Time source; nullptr = the real clock.
  Clock* clock = nullptr;
  // Which agent coordinates a group; nullptr = this agent, for every group.
  CoordinatorPlacement* placement = nullptr;
  // Limits and timing of every group.
  GroupConfig group;
  // offsets.retention.minutes: the committed offsets of a group without
  // members are deleted once its newest commit is this old.
  absl::Duration offsets_retention = absl::Minutes(10080);
  // How often Tick() sweeps expired offsets (one pass over all groups).
  absl::Duration offsets_sweep_interval = absl::Minutes(10);
  // Period of the timer thread; zero = no thread.
  absl::Duration tick_interval = absl::Milliseconds(100);
  // offset.metadata.max.bytes: longer commit metadata answers
  // OFFSET_METADATA_TOO_LARGE.
  size_t max_offset_metadata_bytes = 4096;
  // Groups held in memory at once (each costs its members' metadata).
  size_t max_groups = 100000;
  // Makes member ids; nullptr = RandomMemberId.
  MemberIdGenerator member_ids;
};

struct CommitEntry {
  TopicPartition tp;
  int64_t offset = 0;
  int32_t leader_epoch = -1;
  std::string metadata;
};

struct FetchedOffset {
  TopicPartition tp;
  GroupOffset offset;  // offset -1 when nothing is committed
  ErrorCode error = ErrorCode::kNone;
};

struct GroupListing {
  std::string group_id;
  std::string protocol_type;
  GroupState state = GroupState::kEmpty;
};

struct GroupDescription {
  ErrorCode error = ErrorCode::kNone;
  GroupState state = GroupState::kDead;
  std::string protocol_type;
  std::string protocol_name;
  std::vector<MemberDescription> members;
};

class Coordinator {
 public:
  static absl::StatusOr<std::unique_ptr<Coordinator>> Create(CoordinatorOptions options);
  Coordinator(const Coordinator&) = delete;
  Coordinator& operator=(const Coordinator&) = delete;
  // Stops the timer thread; waiting JoinGroup/SyncGroup calls are answered
  // COORDINATOR_NOT_AVAILABLE.
  ~Coordinator();

  // The agent coordinating `key`.
  CoordinatorNode CoordinatorFor(absl::string_view key);
  // offset.metadata.max.bytes (TxnOffsetCommit applies it too).
  size_t max_offset_metadata_bytes() const { return options_.max_offset_metadata_bytes; }
  // INVALID_GROUP_ID for an empty id, NOT_COORDINATOR when another agent
  // coordinates it, NONE otherwise.
  ErrorCode CheckGroup(absl::string_view group);

  void JoinGroup(absl::string_view group, JoinRequest request, JoinCallback done);
  void SyncGroup(absl::string_view group, SyncRequest request, SyncCallback done);
  ErrorCode Heartbeat(absl::string_view group, const MemberIdentity& member,
                      int32_t generation_id);
  // Removes `members`; returns one error per member, or sets `group_error`
  // (and returns nothing) when the whole request fails.
  std::vector<ErrorCode> LeaveGroup(absl::string_view group,
                                    const std::vector<MemberIdentity>& members,
                                    ErrorCode* group_error);

  // Commits offsets durably; one error per entry. A non-OK Status means the
  // journal failed (the commit's fate is unknown).
  absl::StatusOr<std::vector<ErrorCode>> CommitOffsets(absl::string_view group,
                                                       const MemberIdentity& member,
                                                       int32_t generation_id,
                                                       std::vector<CommitEntry> entries);
  // Whether a TxnOffsetCommit of this member may commit into `group` now
  // (NOT_COORDINATOR, UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION...). The offsets
  // themselves go through the transaction coordinator.
  ErrorCode ValidateTransactionalCommit(absl::string_view group, const MemberIdentity& member,
                                        int32_t generation_id);
  // The committed offsets of `partitions` (nullopt: every committed one).
  // Returns the group's error.
  ErrorCode FetchOffsets(absl::string_view group,
                         const std::optional<std::vector<TopicPartition>>& partitions,
                         std::vector<FetchedOffset>* out);

  // Groups this agent coordinates (also those known only from committed
  // offsets, as Empty); `states` filters by state name, case-insensitively.
  std::vector<GroupListing> ListGroups(const std::vector<std::string>& states);
  GroupDescription DescribeGroup(absl::string_view group);
  // DeleteGroups of one group: NON_EMPTY_GROUP with members,
  // GROUP_ID_NOT_FOUND when unknown; deletes the group's offsets.
  absl::StatusOr<ErrorCode> DeleteGroup(absl::string_view group);
  // OffsetDelete: the group's error, and one error per partition in
  // `errors` (GROUP_SUBSCRIBED_TO_TOPIC for topics its members consume).
  absl::StatusOr<ErrorCode> DeleteOffsets(absl::string_view group,
                                          const std::vector<TopicPartition>& partitions,
                                          std::vector<ErrorCode>* errors);

  // Runs the timers of every group, and the offset sweep when due.
  void Tick();
  // Deletes the offsets of member-less groups whose newest commit, and the
  // last time they had members, are older than the retention (Kafka's
  // KIP-211), and forgets empty groups without offsets.
  absl::Status ExpireOffsets();

 private:
  explicit Coordinator(CoordinatorOptions options);
  void TimerLoop();
  // The group, created (Empty) when absent and `create`; nullptr if absent
  // or when the group limit is reached.
  Group* FindGroup(absl::string_view group, bool create) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  static void Deliver(Outbox& out);

  const CoordinatorOptions options_;
  Clock* const clock_;
  absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<Group>, std::less<>> groups_ ABSL_GUARDED_BY(mu_);
  // When each group last had members (seen by Tick): offsets expire only a
  // retention period after that.
  std::map<std::string, absl::Time, std::less<>> last_active_ ABSL_GUARDED_BY(mu_);
  absl::Time next_sweep_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread timer_;
};

}  // namespace warp::server::groups

#endif  // WARP_SERVER_GROUPS_COORDINATOR_H_
