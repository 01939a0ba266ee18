#include "server/groups/coordinator.h"

#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "server/groups/consumer_protocol.h"

namespace warp::server::groups {
namespace {

bool PartitionExists(MetadataStore& metadata, const TopicPartition& tp) {
  std::optional<TopicInfo> topic = metadata.GetTopic(tp.topic);
  return topic.has_value() && tp.partition >= 0 && tp.partition < topic->partitions;
}

ErrorCode FromKafkaError(KafkaError error) { return static_cast<ErrorCode>(error); }

}  // namespace

absl::StatusOr<std::unique_ptr<Coordinator>> Coordinator::Create(CoordinatorOptions options) {
  if (options.metadata == nullptr) {
    return absl::InvalidArgumentError("group coordinator: a metadata store is required");
  }
  if (options.offsets_retention <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("group coordinator: offsets retention must be positive");
  }
  std::unique_ptr<Coordinator> coordinator(new Coordinator(std::move(options)));
  if (coordinator->options_.tick_interval > absl::ZeroDuration()) {
    coordinator->timer_ = std::thread([raw = coordinator.get()] { raw->TimerLoop(); });
  }
  return coordinator;
}

Coordinator::Coordinator(CoordinatorOptions options)
    : options_(std::move(options)),
      clock_(options_.clock != nullptr ? options_.clock : Clock::Real()) {
  absl::MutexLock lock(&mu_);
  next_sweep_ = clock_->Now() + options_.offsets_sweep_interval;
}

Coordinator::~Coordinator() {
  Outbox out;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (timer_.joinable()) timer_.join();
  {
    absl::MutexLock lock(&mu_);
    for (auto& [name, group] : groups_) group->MarkDead(out);
  }
  Deliver(out);
}

void Coordinator::TimerLoop() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), options_.tick_interval);
      if (stopping_) return;
    }
    Tick();
  }
}

void Coordinator::Deliver(Outbox& out) {
  for (auto& answer : out) answer();
  out.clear();
}

CoordinatorNode Coordinator::CoordinatorFor(absl::string_view key) {
  if (options_.placement == nullptr) {
    CoordinatorNode self;
    self.local = true;
    return self;
  }
  return options_.placement->CoordinatorFor(key);
}

ErrorCode Coordinator::CheckGroup(absl::string_view group) {
  if (group.empty()) return ErrorCode::kInvalidGroupId;
  if (!CoordinatorFor(group).local) return ErrorCode::kNotCoordinator;
  return ErrorCode::kNone;
}

Group* Coordinator::FindGroup(absl::string_view group, bool create) {
  auto it = groups_.find(group);
  if (it != groups_.end()) return it->second.get();
  if (!create || groups_.size() >= options_.max_groups) return nullptr;
  MemberIdGenerator ids = options_.member_ids ? options_.member_ids : RandomMemberId;
  auto inserted = groups_.emplace(
      std::string(group), std::make_unique<Group>(std::string(group), options_.group, ids));
  return inserted.first->second.get();
}

// ---------------------------------------------------------------------------
// Membership.

void Coordinator::JoinGroup(absl::string_view group, JoinRequest request, JoinCallback done) {
  ErrorCode error = CheckGroup(group);
  Outbox out;
  {
    absl::MutexLock lock(&mu_);
    Group* g = error == ErrorCode::kNone ? FindGroup(group, /*create=*/true) : nullptr;
    if (g == nullptr && error == ErrorCode::kNone) error = ErrorCode::kCoordinatorNotAvailable;
    if (g != nullptr) g->Join(std::move(request), clock_->Now(), std::move(done), out);
  }
  if (error != ErrorCode::kNone) {
    JoinResult result;
    result.error = error;
    result.member_id = request.member_id;
    done(std::move(result));
  }
  Deliver(out);
}

void Coordinator::SyncGroup(absl::string_view group, SyncRequest request, SyncCallback done) {
  ErrorCode error = CheckGroup(group);
  Outbox out;
  {
    absl::MutexLock lock(&mu_);
    Group* g = error == ErrorCode::kNone ? FindGroup(group, /*create=*/false) : nullptr;
    if (g == nullptr && error == ErrorCode::kNone) error = ErrorCode::kUnknownMemberId;
    if (g != nullptr) g->Sync(std::move(request), clock_->Now(), std::move(done), out);
  }
  if (error != ErrorCode::kNone) {
    SyncResult result;
    result.error = error;
    done(std::move(result));
  }
  Deliver(out);
}

ErrorCode Coordinator::Heartbeat(absl::string_view group, const MemberIdentity& member,
                                 int32_t generation_id) {
  ErrorCode error = CheckGroup(group);
  if (error != ErrorCode::kNone) return error;
  absl::MutexLock lock(&mu_);
  Group* g = FindGroup(group, /*create=*/false);
  if (g == nullptr) return ErrorCode::kUnknownMemberId;
  return g->Heartbeat(member, generation_id, clock_->Now());
}

std::vector<ErrorCode> Coordinator::LeaveGroup(absl::string_view group,
                                               const std::vector<MemberIdentity>& members,
                                               ErrorCode* group_error) {
  *group_error = CheckGroup(group);
  std::vector<ErrorCode> errors;
  if (*group_error != ErrorCode::kNone) return errors;
  Outbox out;
  {
    absl::MutexLock lock(&mu_);
    Group* g = FindGroup(group, /*create=*/false);
    for (const MemberIdentity& member : members) {
      errors.push_back(g == nullptr ? ErrorCode::kUnknownMemberId
                                    : g->Leave(member, clock_->Now(), out));
    }
  }
  Deliver(out);
  return errors;
}

// ---------------------------------------------------------------------------
// Offsets.

absl::StatusOr<std::vector<ErrorCode>> Coordinator::CommitOffsets(
    absl::string_view group, const MemberIdentity& member, int32_t generation_id,
    std::vector<CommitEntry> entries) {
  ErrorCode error = CheckGroup(group);
  if (error == ErrorCode::kNone) {
    absl::MutexLock lock(&mu_);
    if (Group* g = FindGroup(group, /*create=*/false)) {
      error = g->ValidateCommit(member, generation_id, clock_->Now());
    } else if (generation_id >= 0 || !member.member_id.empty()) {
      error = ErrorCode::kUnknownMemberId;  // no such member in a group without members
    }
  }
  std::vector<ErrorCode> errors(entries.size(), error);
  if (error != ErrorCode::kNone) return errors;
  MetadataStore& metadata = *options_.metadata;
  CommitGroupOffsets command;
  command.group = std::string(group);
  command.commit_time_ms = absl::ToUnixMillis(clock_->Now());
  std::vector<size_t> committed;  // entries in the command
  for (size_t i = 0; i < entries.size(); ++i) {
    CommitEntry& e = entries[i];
    if (e.metadata.size() > options_.max_offset_metadata_bytes) {
      errors[i] = ErrorCode::kOffsetMetadataTooLarge;
    } else if (!PartitionExists(metadata, e.tp)) {
      errors[i] = ErrorCode::kUnknownTopicOrPartition;
    } else {
      GroupOffset offset;
      offset.offset = e.offset;
      offset.leader_epoch = e.leader_epoch;
      offset.metadata = std::move(e.metadata);
      command.offsets.push_back({e.tp, std::move(offset)});
      committed.push_back(i);
    }
  }
  if (committed.empty()) return errors;
  absl::StatusOr<CommandResult> result = metadata.Execute(std::move(command));
  if (!result.ok()) return result.status();
  for (size_t i : committed) errors[i] = FromKafkaError(result->error);
  return errors;
}

ErrorCode Coordinator::ValidateTransactionalCommit(absl::string_view group,
                                                   const MemberIdentity& member,
                                                   int32_t generation_id) {
  ErrorCode error = CheckGroup(group);
  if (error != ErrorCode::kNone) return error;
  absl::MutexLock lock(&mu_);
  if (const Group* g = FindGroup(group, /*create=*/false)) {
    return g->ValidateTransactionalCommit(member, generation_id);
  }
  // No group in memory: only a commit without a member (or one naming
  // generation -1 and no member) fits it.
  if (!member.member_id.empty()) return ErrorCode::kUnknownMemberId;
  if (generation_id >= 0) return ErrorCode::kIllegalGeneration;
  return ErrorCode::kNone;
}

ErrorCode Coordinator::FetchOffsets(absl::string_view group,
                                    const std::optional<std::vector<TopicPartition>>& partitions,
                                    std::vector<FetchedOffset>* out) {
  ErrorCode error = CheckGroup(group);
  if (error != ErrorCode::kNone) return error;
  MetadataStore& metadata = *options_.metadata;
  // The group may have moved here a moment ago: its latest commits may be
  // in the journal only. Without them, "no offset" or an older one would
  // make the consumer reset or re-read: it is told to retry instead.
  if (!metadata.Sync().ok()) return ErrorCode::kCoordinatorLoadInProgress;
  std::map<TopicPartition, GroupOffset> committed = metadata.GetGroupOffsets(group);
  if (!partitions.has_value()) {
    for (auto& [tp, offset] : committed) out->push_back({tp, std::move(offset)});
    return ErrorCode::kNone;
  }
  for (const TopicPartition& tp : *partitions) {
    FetchedOffset& f = out->emplace_back();
    f.tp = tp;
    auto it = committed.find(tp);
    if (it != committed.end()) f.offset = it->second;
  }
  return ErrorCode::kNone;
}

// ---------------------------------------------------------------------------
// Administration.

std::vector<GroupListing> Coordinator::ListGroups(const std::vector<std::string>& states) {
  std::vector<GroupListing> all;
  std::set<std::string, std::less<>> seen;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [name, g] : groups_) {
      if (g->state() == GroupState::kDead) continue;
      all.push_back({name, g->protocol_type(), g->state()});
      seen.insert(name);
    }
  }
  for (const std::string& name : options_.metadata->ListGroups()) {
    if (seen.count(name) == 0 && CoordinatorFor(name).local) {
      all.push_back({name, "", GroupState::kEmpty});
    }
  }
  if (states.empty()) return all;
  std::vector<GroupListing> filtered;
  for (GroupListing& listing : all) {
    for (const std::string& state : states) {
      if (absl::EqualsIgnoreCase(state, StateName(listing.state))) {
        filtered.push_back(std::move(listing));
        break;
      }
    }
  }
  return filtered;
}

GroupDescription Coordinator::DescribeGroup(absl::string_view group) {
  GroupDescription d;
  d.error = CheckGroup(group);
  if (d.error != ErrorCode::kNone) return d;
  {
    absl::MutexLock lock(&mu_);
    if (Group* g = FindGroup(group, /*create=*/false)) {
      d.state = g->state();
      d.protocol_type = g->protocol_type();
      if (d.state == GroupState::kStable) d.protocol_name = g->protocol_name();
      d.members = g->Describe();
      return d;
    }
  }
  // Known only from committed offsets: Empty; unknown: Dead (Kafka's answer).
  if (!options_.metadata->GetGroupOffsets(group).empty()) d.state = GroupState::kEmpty;
  return d;
}

absl::StatusOr<ErrorCode> Coordinator::DeleteGroup(absl::string_view group) {
  ErrorCode error = CheckGroup(group);
  if (error != ErrorCode::kNone) return error;
  bool has_offsets = !options_.metadata->GetGroupOffsets(group).empty();
  Outbox out;
  {
    absl::MutexLock lock(&mu_);
    auto it = groups_.find(group);
    if (it != groups_.end()) {
      if (it->second->state() != GroupState::kEmpty) return ErrorCode::kNonEmptyGroup;
      it->second->MarkDead(out);
      groups_.erase(it);
    } else if (!has_offsets) {
      return ErrorCode::kGroupIdNotFound;
    }
  }
  Deliver(out);
  if (!has_offsets) return ErrorCode::kNone;
  absl::StatusOr<CommandResult> result =
      options_.metadata->Execute(DeleteGroupOffsets{std::string(group), {}});
  if (!result.ok()) return result.status();
  // Deleted meanwhile by someone else: the group is gone either way.
  if (result->error == KafkaError::kGroupIdNotFound) return ErrorCode::kNone;
  return FromKafkaError(result->error);
}

absl::StatusOr<ErrorCode> Coordinator::DeleteOffsets(
    absl::string_view group, const std::vector<TopicPartition>& partitions,
    std::vector<ErrorCode>* errors) {
  ErrorCode error = CheckGroup(group);
  if (error != ErrorCode::kNone) return error;
  MetadataStore& metadata = *options_.metadata;
  std::map<TopicPartition, GroupOffset> committed = metadata.GetGroupOffsets(group);
  std::set<std::string, std::less<>> subscribed;
  {
    absl::MutexLock lock(&mu_);
    Group* g = FindGroup(group, /*create=*/false);
    if (g == nullptr && committed.empty()) return ErrorCode::kGroupIdNotFound;
    if (g != nullptr && g->state() != GroupState::kEmpty) {
      if (g->protocol_type() != "consumer") return ErrorCode::kNonEmptyGroup;
      for (const std::string& metadata_bytes : g->SelectedMetadata()) {
        std::optional<std::vector<std::string>> topics = SubscribedTopics(metadata_bytes);
        if (topics.has_value()) subscribed.insert(topics->begin(), topics->end());
      }
    }
  }
  DeleteGroupOffsets command{std::string(group), {}};
  errors->assign(partitions.size(), ErrorCode::kNone);
  for (size_t i = 0; i < partitions.size(); ++i) {
    const TopicPartition& tp = partitions[i];
    if (subscribed.count(tp.topic) > 0) {
      (*errors)[i] = ErrorCode::kGroupSubscribedToTopic;
    } else if (!PartitionExists(metadata, tp)) {
      (*errors)[i] = ErrorCode::kUnknownTopicOrPartition;
    } else if (committed.count(tp) > 0) {
      command.partitions.push_back(tp);
    }
  }
  // An empty partition list would delete every offset of the group.
  if (command.partitions.empty()) return ErrorCode::kNone;
  absl::StatusOr<CommandResult> result = metadata.Execute(std::move(command));
  if (!result.ok()) return result.status();
  if (!result->ok() && result->error != KafkaError::kGroupIdNotFound) {
    return FromKafkaError(result->error);
  }
  return ErrorCode::kNone;
}

// ---------------------------------------------------------------------------
// Timers.

void Coordinator::Tick() {
  Outbox out;
  bool sweep = false;
  {
    absl::MutexLock lock(&mu_);
    absl::Time now = clock_->Now();
    for (auto& [name, g] : groups_) {
      g->Tick(now, out);
      if (g->member_count() > 0) last_active_[name] = now;
    }
    if (now >= next_sweep_) {
      next_sweep_ = now + options_.offsets_sweep_interval;
      sweep = true;
    }
  }
  Deliver(out);
  if (sweep) (void)ExpireOffsets();  // retried at the next sweep
}

absl::Status Coordinator::ExpireOffsets() {
  MetadataStore& metadata = *options_.metadata;
  absl::Time now = clock_->Now();
  int64_t cutoff_ms = absl::ToUnixMillis(now - options_.offsets_retention);
  std::vector<std::string> expired;
  std::set<std::string, std::less<>> with_offsets;
  for (const std::string& group : metadata.ListGroups()) {
    with_offsets.insert(group);
    if (!CoordinatorFor(group).local) continue;
    // As Kafka (KIP-211): the clock starts at the newest commit or when the
    // group last had members, whichever is later.
    int64_t newest = std::numeric_limits<int64_t>::min();
    for (const auto& [tp, offset] : metadata.GetGroupOffsets(group)) {
      newest = std::max(newest, offset.commit_time_ms);
    }
    {
      absl::MutexLock lock(&mu_);
      auto active = last_active_.find(group);
      if (active != last_active_.end()) {
        newest = std::max(newest, absl::ToUnixMillis(active->second));
      }
    }
    if (newest < cutoff_ms) expired.push_back(group);
  }
  std::vector<std::string> to_delete;
  {
    absl::MutexLock lock(&mu_);
    for (const std::string& group : expired) {
      auto it = groups_.find(group);
      if (it != groups_.end() && it->second->member_count() > 0) continue;
      to_delete.push_back(group);
    }
    // Empty groups with nothing committed are forgotten (Kafka's Dead).
    for (auto it = groups_.begin(); it != groups_.end();) {
      bool forget = it->second->state() == GroupState::kEmpty &&
                    (with_offsets.count(it->first) == 0 ||
                     std::find(to_delete.begin(), to_delete.end(), it->first) != to_delete.end());
      if (forget) last_active_.erase(it->first);
      it = forget ? groups_.erase(it) : std::next(it);
    }
  }
  for (const std::string& group : to_delete) {
    absl::StatusOr<CommandResult> result = metadata.Execute(DeleteGroupOffsets{group, {}});
    if (!result.ok()) return result.status();
  }
  return absl::OkStatus();
}

}  // namespace warp::server::groups
