#include "lib/metadata/state.h"

#include <random>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/metadata/command.h"
#include "lib/security/acl/acl_codec.h"

namespace warp::metadata {
namespace {

BatchToCommit Batch(const std::string& topic, int32_t partition, int32_t records,
                    uint64_t at = 0, uint32_t length = 100) {
  BatchToCommit b;
  b.topic = topic;
  b.partition = partition;
  b.record_count = records;
  b.byte_offset = at;
  b.byte_length = length;
  b.max_timestamp = 1000;
  return b;
}

BatchToCommit Idempotent(BatchToCommit b, int64_t pid, int16_t epoch, int32_t seq) {
  b.producer_id = pid;
  b.producer_epoch = epoch;
  b.base_sequence = seq;
  return b;
}

CommitFile File(const std::string& key, std::vector<BatchToCommit> batches,
                int64_t time_ms = 5000) {
  return CommitFile{key, 1 << 20, time_ms, std::move(batches)};
}

class StateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(state_.Apply(CreateTopic{"orders", {1, 2}, 3, {}}).error,
              KafkaError::kNone);
  }
  CommandResult Commit(std::vector<BatchToCommit> batches) {
    return state_.Apply(File(absl::StrCat("obj-", ++files_), std::move(batches)));
  }
  MetadataState state_;
  int files_ = 0;
};

TEST_F(StateTest, TopicValidationFollowsKafka) {
  EXPECT_EQ(state_.Apply(CreateTopic{"orders", {}, 1, {}}).error,
            KafkaError::kTopicAlreadyExists);
  EXPECT_EQ(state_.Apply(CreateTopic{"bad name", {}, 1, {}}).error,
            KafkaError::kInvalidTopic);
  EXPECT_EQ(state_.Apply(CreateTopic{"..", {}, 1, {}}).error, KafkaError::kInvalidTopic);
  EXPECT_EQ(state_.Apply(CreateTopic{std::string(250, 'a'), {}, 1, {}}).error,
            KafkaError::kInvalidTopic);
  EXPECT_EQ(state_.Apply(CreateTopic{"zero", {}, 0, {}}).error,
            KafkaError::kInvalidPartitions);
  CommandResult bad = state_.Apply(CreateTopic{"cfg", {}, 1, {{"retention.ms", "soon"}}});
  EXPECT_EQ(bad.error, KafkaError::kInvalidConfig);
  EXPECT_NE(bad.message.find("retention.ms"), std::string::npos);
  EXPECT_EQ(state_.Apply(CreateTopic{"cfg", {}, 1, {{"no.such.config", "1"}}}).error,
            KafkaError::kInvalidConfig);
  EXPECT_EQ(state_.Apply(CreateTopic{"cfg", {}, 1,
                                     {{"cleanup.policy", "compact,delete"},
                                      {"retention.ms", "-1"},
                                      {"message.timestamp.type", "LogAppendTime"}}})
                .error,
            KafkaError::kNone);
}

TEST_F(StateTest, AlterConfigsAndPartitions) {
  EXPECT_EQ(state_.Apply(AlterTopicConfigs{"orders", {{"retention.ms", "1000"}}, {}, false}).error,
            KafkaError::kNone);
  EXPECT_EQ(state_.FindTopic("orders")->configs.at("retention.ms"), "1000");
  EXPECT_EQ(state_.Apply(AlterTopicConfigs{"orders", {{"retention.ms", "x"}}, {}, false}).error,
            KafkaError::kInvalidConfig);
  EXPECT_EQ(state_.FindTopic("orders")->configs.at("retention.ms"), "1000");
  EXPECT_EQ(state_.Apply(AlterTopicConfigs{"orders", {}, {"retention.ms"}, false}).error,
            KafkaError::kNone);
  EXPECT_TRUE(state_.FindTopic("orders")->configs.empty());
  EXPECT_EQ(state_.Apply(CreatePartitions{"orders", 3}).error, KafkaError::kInvalidPartitions);
  EXPECT_EQ(state_.Apply(CreatePartitions{"orders", 5}).error, KafkaError::kNone);
  EXPECT_NE(state_.FindPartition({"orders", 4}), nullptr);
  EXPECT_EQ(state_.Apply(CreatePartitions{"nope", 5}).error,
            KafkaError::kUnknownTopicOrPartition);
}

TEST_F(StateTest, CommitAssignsContiguousOffsetsPerPartition) {
  CommandResult r = Commit({Batch("orders", 0, 10), Batch("orders", 1, 3),
                            Batch("orders", 0, 5, 100), Batch("missing", 0, 1)});
  ASSERT_EQ(r.batches.size(), 4u);
  EXPECT_EQ(r.batches[0].base_offset, 0);
  EXPECT_EQ(r.batches[1].base_offset, 0);
  EXPECT_EQ(r.batches[2].base_offset, 10);
  EXPECT_EQ(r.batches[3].error, KafkaError::kUnknownTopicOrPartition);
  r = Commit({Batch("orders", 0, 1)});
  EXPECT_EQ(r.batches[0].base_offset, 15);
  EXPECT_EQ(state_.FindPartition({"orders", 0})->high_watermark(), 16);
}

TEST_F(StateTest, FindBatchesFromTheBatchHoldingTheOffset) {
  Commit({Batch("orders", 0, 10, 0, 100)});
  Commit({Batch("orders", 0, 10, 0, 100)});
  Commit({Batch("orders", 0, 10, 0, 100)});
  for (int64_t offset = 0; offset < 30; ++offset) {
    std::vector<BatchLocation> found;
    ASSERT_EQ(state_.FindBatches({"orders", 0}, offset, 1, &found), KafkaError::kNone);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].base_offset, offset / 10 * 10);
    EXPECT_EQ(found[0].object_key, absl::StrCat("obj-", offset / 10 + 1));
  }
  std::vector<BatchLocation> found;
  EXPECT_EQ(state_.FindBatches({"orders", 0}, 5, 250, &found), KafkaError::kNone);
  EXPECT_EQ(found.size(), 2u);  // 100 + 100 <= 250 < 300
  found.clear();
  EXPECT_EQ(state_.FindBatches({"orders", 0}, 30, 1000, &found), KafkaError::kNone);
  EXPECT_TRUE(found.empty());
  EXPECT_EQ(state_.FindBatches({"orders", 0}, 31, 1000, &found),
            KafkaError::kOffsetOutOfRange);
}

TEST_F(StateTest, IdempotentDuplicatesGetTheirOriginalOffsets) {
  auto b = [&](int32_t seq, int16_t epoch = 0) {
    return Idempotent(Batch("orders", 0, 2), 7, epoch, seq);
  };
  EXPECT_EQ(Commit({b(0)}).batches[0].base_offset, 0);
  EXPECT_EQ(Commit({b(2)}).batches[0].base_offset, 2);
  CommandResult dup = Commit({b(0)});
  EXPECT_TRUE(dup.batches[0].duplicate);
  EXPECT_EQ(dup.batches[0].base_offset, 0);
  EXPECT_EQ(state_.FindPartition({"orders", 0})->high_watermark(), 4);
  // A gap.
  EXPECT_EQ(Commit({b(10)}).batches[0].error, KafkaError::kOutOfOrderSequenceNumber);
  // Next in order.
  EXPECT_EQ(Commit({b(4)}).batches[0].base_offset, 4);
  // Fencing: a new epoch must start at 0; then the old epoch is fenced.
  EXPECT_EQ(Commit({b(6, 1)}).batches[0].error, KafkaError::kOutOfOrderSequenceNumber);
  EXPECT_EQ(Commit({b(0, 1)}).batches[0].base_offset, 6);
  EXPECT_EQ(Commit({b(6, 0)}).batches[0].error, KafkaError::kInvalidProducerEpoch);
  // An unknown producer may start anywhere (KIP-360).
  EXPECT_EQ(Commit({Idempotent(Batch("orders", 0, 1), 99, 0, 500)}).batches[0].error,
            KafkaError::kNone);
}

TEST_F(StateTest, OnlyTheLastFiveBatchesAreRemembered) {
  for (int i = 0; i < 6; ++i) {
    Commit({Idempotent(Batch("orders", 1, 1), 3, 0, i)});
  }
  EXPECT_TRUE(Commit({Idempotent(Batch("orders", 1, 1), 3, 0, 1)}).batches[0].duplicate);
  EXPECT_EQ(Commit({Idempotent(Batch("orders", 1, 1), 3, 0, 0)}).batches[0].error,
            KafkaError::kOutOfOrderSequenceNumber);
}

TEST_F(StateTest, SequencesWrapAtIntMax) {
  int32_t max = std::numeric_limits<int32_t>::max();
  EXPECT_EQ(Commit({Idempotent(Batch("orders", 2, 2), 5, 0, max - 1)}).batches[0].error,
            KafkaError::kNone);
  EXPECT_EQ(Commit({Idempotent(Batch("orders", 2, 1), 5, 0, 0)}).batches[0].error,
            KafkaError::kNone);
}

TEST_F(StateTest, DeleteRecordsAdvancesLogStartAndKillsObjects) {
  Commit({Batch("orders", 0, 10)});
  Commit({Batch("orders", 0, 10)});
  CommandResult r = state_.Apply(DeleteRecords{{"orders", 0}, 15, 7000});
  EXPECT_EQ(r.log_start_offset, 15);
  EXPECT_EQ(state_.FindObject("obj-1")->dead_since_ms, 7000);
  EXPECT_EQ(state_.FindObject("obj-2")->dead_since_ms, -1);
  std::vector<BatchLocation> found;
  EXPECT_EQ(state_.FindBatches({"orders", 0}, 14, 100, &found),
            KafkaError::kOffsetOutOfRange);
  EXPECT_EQ(state_.FindBatches({"orders", 0}, 15, 100, &found), KafkaError::kNone);
  EXPECT_EQ(state_.Apply(DeleteRecords{{"orders", 0}, 99, 0}).error,
            KafkaError::kOffsetOutOfRange);
  EXPECT_EQ(state_.Apply(DeleteRecords{{"orders", 0}, -1, 8000}).log_start_offset, 20);
  EXPECT_EQ(state_.DeadObjects(8001).size(), 2u);
  state_.Apply(ForgetObjects{{"obj-1", "obj-2"}});
  EXPECT_EQ(state_.object_count(), 0u);
}

TEST_F(StateTest, ReplaceFilesSwapsRangesOrRejectsStaleInputs) {
  Commit({Batch("orders", 0, 10, 0), Batch("orders", 1, 4, 100)});
  Commit({Batch("orders", 0, 10, 0)});
  ReplaceFiles merge{{"obj-1", "obj-2"}, "merged", 500, 9000,
                     {{{"orders", 0}, 0, 19, 0, 200, 1000},
                      {{"orders", 1}, 0, 3, 200, 100, 1000}}};
  ASSERT_EQ(state_.Apply(merge).error, KafkaError::kNone);
  std::vector<BatchLocation> found;
  state_.FindBatches({"orders", 0}, 12, 1000, &found);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].object_key, "merged");
  EXPECT_EQ(found[0].base_offset, 0);
  EXPECT_EQ(state_.FindObject("obj-1")->dead_since_ms, 9000);
  // Doing it again: the inputs are dead now.
  merge.output_key = "merged-again";
  EXPECT_EQ(state_.Apply(merge).error, KafkaError::kStaleInput);
  // A range that no longer matches (retention moved in).
  Commit({Batch("orders", 0, 5)});
  state_.Apply(DeleteRecords{{"orders", 0}, 22, 9500});
  ReplaceFiles stale{{"obj-3"}, "m3", 500, 9600, {{{"orders", 0}, 20, 24, 0, 100, 1}}};
  EXPECT_EQ(state_.Apply(stale).error, KafkaError::kNone);  // entry 20-24 intact
  ReplaceFiles partial{{"m3"}, "m4", 500, 9700, {{{"orders", 0}, 21, 24, 0, 100, 1}}};
  EXPECT_EQ(state_.Apply(partial).error, KafkaError::kStaleInput);
}

TEST_F(StateTest, GroupOffsetsAndAgents) {
  CommitGroupOffsets commit{"g", 1234, {{{"orders", 0}, {42, 3, "meta", 0}}}};
  ASSERT_EQ(state_.Apply(commit).error, KafkaError::kNone);
  const auto* offsets = state_.GroupOffsets("g");
  ASSERT_NE(offsets, nullptr);
  EXPECT_EQ(offsets->at({"orders", 0}).offset, 42);
  EXPECT_EQ(offsets->at({"orders", 0}).metadata, "meta");
  EXPECT_EQ(offsets->at({"orders", 0}).commit_time_ms, 1234);
  CommitGroupOffsets unknown{"g", 1, {{{"nope", 0}, {1, -1, "", 0}}}};
  EXPECT_EQ(state_.Apply(unknown).error, KafkaError::kUnknownTopicOrPartition);
  EXPECT_EQ(state_.Apply(DeleteGroupOffsets{"g", {}}).error, KafkaError::kNone);
  EXPECT_EQ(state_.GroupOffsets("g"), nullptr);
  state_.Apply(RegisterAgent{{"a1", "h:1", "z1", {"produce"}, 100}});
  state_.Apply(RegisterAgent{{"a2", "h:2", "z2", {"fetch"}, 300}});
  state_.Apply(ExpireAgents{200});
  ASSERT_EQ(state_.Agents().size(), 1u);
  EXPECT_EQ(state_.Agents()[0].id, "a2");
  EXPECT_EQ(state_.Apply(AllocateProducerIds{3}).producer_id, 1);
  EXPECT_EQ(state_.Apply(AllocateProducerIds{1}).producer_id, 4);
}

// An agent's listeners survive the command codec and snapshots; records
// of the older formats (RegisterAgent, version-1 snapshots) have none.
TEST_F(StateTest, AgentListenersRoundTrip) {
  AgentInfo agent{"a1", "h:9092", "z1", {"produce"}, 100,
                  {{"PLAINTEXT", "h:9092"}, {"SSL", "h.example:9093"}}};
  absl::StatusOr<Command> decoded = DecodeCommand(EncodeCommand(RegisterAgentWithListeners{agent}));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  state_.Apply(*decoded);
  state_.Apply(RegisterAgent{{"old", "o:9092", "z1", {"fetch"}, 100}});
  ASSERT_EQ(state_.Agents().size(), 2u);
  EXPECT_EQ(state_.Agents()[0].listeners, agent.listeners);
  EXPECT_TRUE(state_.Agents()[1].listeners.empty());
  absl::StatusOr<MetadataState> loaded = MetadataState::FromSnapshot(state_.Snapshot());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->Agents()[0].listeners, agent.listeners);
  EXPECT_EQ(loaded->Snapshot(), state_.Snapshot());
}

acl::AclBinding Acl(acl::ResourceType type, std::string name, acl::PatternType pattern,
                    std::string principal, acl::AclOperation operation,
                    acl::AclPermissionType permission = acl::AclPermissionType::kAllow) {
  return {{type, std::move(name), pattern}, {std::move(principal), "*", operation, permission}};
}

// ACLs are stored once each, removed exactly, checked before anything is
// stored, and every change moves the revision.
TEST_F(StateTest, AclsAddRemoveAndRevision) {
  using acl::AclOperation;
  using acl::PatternType;
  using acl::ResourceType;
  const acl::AclBinding write =
      Acl(ResourceType::kTopic, "orders", PatternType::kLiteral, "User:alice", AclOperation::kWrite);
  const acl::AclBinding read =
      Acl(ResourceType::kGroup, "bill", PatternType::kPrefixed, "User:bob", AclOperation::kRead);
  EXPECT_EQ(state_.security_revision(), 0u);
  EXPECT_TRUE(state_.Apply(AddAcls{{write, read, write}}).ok());
  EXPECT_EQ(state_.security_revision(), 1u);
  EXPECT_EQ(state_.Security().acls, (std::vector<acl::AclBinding>{write, read}));
  // Stored already: no change, no new revision.
  EXPECT_TRUE(state_.Apply(AddAcls{{read}}).ok());
  EXPECT_EQ(state_.security_revision(), 1u);
  // One invalid binding refuses the whole command.
  acl::AclBinding bad = Acl(ResourceType::kCluster, "other", PatternType::kLiteral, "User:x",
                            AclOperation::kAlter);
  acl::AclBinding fresh =
      Acl(ResourceType::kTopic, "t", PatternType::kLiteral, "User:x", AclOperation::kRead);
  CommandResult refused = state_.Apply(AddAcls{{fresh, bad}});
  EXPECT_EQ(refused.error, KafkaError::kInvalidRequest);
  EXPECT_NE(refused.message.find("kafka-cluster"), std::string::npos) << refused.message;
  EXPECT_EQ(state_.Security().acls.size(), 2u);
  // Removing one not stored changes nothing.
  EXPECT_TRUE(state_.Apply(RemoveAcls{{fresh}}).ok());
  EXPECT_EQ(state_.security_revision(), 1u);
  EXPECT_TRUE(state_.Apply(RemoveAcls{{write}}).ok());
  EXPECT_EQ(state_.security_revision(), 2u);
  EXPECT_EQ(state_.Security().acls, (std::vector<acl::AclBinding>{read}));
}

// AlterUserScramCredentials' rules, per user and all or nothing.
TEST_F(StateTest, ScramCredentialsFollowKafka) {
  auto alter = [&](std::string user, std::vector<ScramCredentialRecord> upserts,
                   std::vector<std::string> deletions) {
    return state_.Apply(AlterScramCredentials{std::move(user), std::move(upserts),
                                              std::move(deletions)});
  };
  EXPECT_EQ(alter("", {{"SCRAM-SHA-256", "c"}}, {}).error, KafkaError::kUnacceptableCredential);
  EXPECT_EQ(alter("a", {{"SCRAM-SHA-256", "c"}}, {"SCRAM-SHA-256"}).error,
            KafkaError::kDuplicateResource);
  EXPECT_EQ(alter("a", {}, {"SCRAM-SHA-512"}).error, KafkaError::kResourceNotFound);
  EXPECT_EQ(state_.security_revision(), 0u);
  EXPECT_TRUE(alter("a", {{"SCRAM-SHA-256", "c1"}, {"SCRAM-SHA-512", "c2"}}, {}).ok());
  EXPECT_TRUE(alter("b", {{"SCRAM-SHA-256", "c3"}}, {}).ok());
  EXPECT_EQ(state_.security_revision(), 2u);
  // A deletion that fails leaves the upsert beside it undone.
  EXPECT_EQ(alter("b", {{"SCRAM-SHA-512", "x"}}, {"SCRAM-SHA-1"}).error,
            KafkaError::kResourceNotFound);
  EXPECT_EQ(state_.Security().scram_users.at("b").size(), 1u);
  EXPECT_TRUE(alter("a", {{"SCRAM-SHA-256", "c4"}}, {"SCRAM-SHA-512"}).ok());
  EXPECT_EQ(state_.Security().scram_users.at("a"),
            (std::map<std::string, std::string>{{"SCRAM-SHA-256", "c4"}}));
  // A user without credentials is gone.
  EXPECT_TRUE(alter("b", {}, {"SCRAM-SHA-256"}).ok());
  EXPECT_FALSE(state_.Security().scram_users.contains("b"));
  EXPECT_EQ(state_.security_revision(), 4u);
}

// The security metadata survives the command codec and snapshots.
TEST_F(StateTest, SecurityRoundTrips) {
  const acl::AclBinding binding = Acl(acl::ResourceType::kTransactionalId, "tx-",
                                      acl::PatternType::kPrefixed, "User:carol",
                                      acl::AclOperation::kWrite, acl::AclPermissionType::kDeny);
  for (Command command : std::vector<Command>{
           AddAcls{{binding}}, AlterScramCredentials{"carol", {{"SCRAM-SHA-512", "cred"}}, {}}}) {
    absl::StatusOr<Command> decoded = DecodeCommand(EncodeCommand(command));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_TRUE(state_.Apply(*decoded).ok());
  }
  absl::StatusOr<MetadataState> loaded = MetadataState::FromSnapshot(state_.Snapshot());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->Security().acls, std::vector<acl::AclBinding>{binding});
  EXPECT_EQ(loaded->Security().scram_users.at("carol").at("SCRAM-SHA-512"), "cred");
  EXPECT_EQ(loaded->security_revision(), 2u);
  EXPECT_EQ(loaded->Snapshot(), state_.Snapshot());
  // A binding the codec refuses (an unknown operation code) fails decoding.
  std::string encoded = EncodeCommand(AddAcls{{binding}});
  std::string hostile = encoded;
  size_t at = hostile.find(acl::EncodeAclBinding(binding));
  ASSERT_NE(at, std::string::npos);
  hostile[at + 3] = 0;  // the operation byte: UNKNOWN
  EXPECT_FALSE(DecodeCommand(hostile).ok());
}

// Kafka's transaction rules, through the state machine: producer ids and
// epochs, fencing, KIP-890's check of transactional batches, markers that
// end a transaction on every partition, offsets that become the group's only
// on commit, timeouts and expiry; and all of it through a snapshot.
TEST_F(StateTest, TransactionsFollowKafka) {
  ASSERT_TRUE(state_.Apply(CreateTopic{"t", {1, 1}, 2, {}}).ok());
  CommandResult init = state_.Apply(InitTransactionalProducer{"app", 60000, 1000, -1, -1});
  ASSERT_TRUE(init.ok()) << init.message;
  const int64_t pid = init.producer_id;
  EXPECT_EQ(init.producer_epoch, 0);
  auto batch = [&](int32_t partition, int16_t epoch, int32_t seq) {
    BatchToCommit b = Idempotent(Batch("t", partition, 2, 0, 100), pid, epoch, seq);
    b.transactional = true;
    return b;
  };
  // Not added yet: refused (KIP-890).
  CommitFile early{"o1", 4096, 1001, {batch(0, 0, 0)}};
  EXPECT_EQ(state_.Apply(early).batches[0].error, KafkaError::kInvalidTxnState);
  EXPECT_EQ(state_.Apply(AddToTransaction{"app", pid, 1, {{"t", 0}}, {}, 1002}).error,
            KafkaError::kProducerFenced);
  EXPECT_EQ(state_.Apply(AddToTransaction{"app", pid + 7, 0, {{"t", 0}}, {}, 1002}).error,
            KafkaError::kInvalidProducerIdMapping);
  EXPECT_EQ(state_.Apply(AddToTransaction{"app", pid, 0, {{"t", 9}}, {}, 1002}).error,
            KafkaError::kUnknownTopicOrPartition);
  ASSERT_TRUE(state_.Apply(AddToTransaction{"app", pid, 0, {{"t", 0}, {"t", 1}}, {"g"}, 1002}).ok());
  EXPECT_EQ(state_.FindTransaction("app")->state, TransactionState::kOngoing);
  // Data in, the LSO held at its first offset.
  CommitFile data{"o2", 4096, 1003, {batch(0, 0, 0), batch(1, 0, 0)}};
  CommandResult written = state_.Apply(data);
  ASSERT_TRUE(written.batches[0].error == KafkaError::kNone) << static_cast<int>(written.batches[0].error);
  const PartitionLog* p0 = state_.FindPartition({"t", 0});
  EXPECT_EQ(p0->transactions().LastStableOffset(p0->high_watermark()), 0);
  ASSERT_TRUE(state_.Apply(CommitTransactionalOffsets{"app", "g", pid, 0, {{{"t", 0}, {2, 0, "m", 0}}}})
                  .ok());
  EXPECT_EQ(state_.GroupOffsets("g"), nullptr);  // not before the commit
  EXPECT_EQ(state_.Apply(CommitTransactionalOffsets{"app", "other", pid, 0, {}}).error,
            KafkaError::kInvalidTxnState);
  // Commit: a marker on each partition, the offsets the group's.
  ASSERT_TRUE(state_.Apply(EndTransaction{"app", pid, 0, true, 1004}).ok());
  EXPECT_EQ(p0->high_watermark(), 3);  // 2 records and the marker
  EXPECT_EQ(p0->transactions().LastStableOffset(3), 3);
  EXPECT_TRUE(p0->transactions().aborted().empty());
  ASSERT_NE(state_.GroupOffsets("g"), nullptr);
  EXPECT_EQ(state_.GroupOffsets("g")->at({"t", 0}).offset, 2);
  std::vector<BatchLocation> found;
  ASSERT_EQ(state_.FindBatches({"t", 0}, 0, 1 << 20, &found), KafkaError::kNone);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_TRUE(found[1].marker);
  EXPECT_TRUE(found[1].commit);
  EXPECT_EQ(found[1].producer_id, pid);
  EXPECT_TRUE(found[1].object_key.empty());
  // Retries of the end: the same succeeds, the other way does not.
  EXPECT_TRUE(state_.Apply(EndTransaction{"app", pid, 0, true, 1005}).ok());
  EXPECT_EQ(state_.Apply(EndTransaction{"app", pid, 0, false, 1005}).error,
            KafkaError::kInvalidTxnState);
  // A second transaction, aborted: remembered for read_committed fetches.
  ASSERT_TRUE(state_.Apply(AddToTransaction{"app", pid, 0, {{"t", 0}}, {}, 1006}).ok());
  ASSERT_EQ(state_.Apply(CommitFile{"o3", 4096, 1007, {batch(0, 0, 2)}}).batches[0].error,
            KafkaError::kNone);
  ASSERT_TRUE(state_.Apply(EndTransaction{"app", pid, 0, false, 1008}).ok());
  EXPECT_EQ(p0->transactions().aborted(),
            (std::deque<AbortedTransaction>{{pid, 3, 5}}));
  // A new producer with the same id fences the old one, everywhere.
  CommandResult again = state_.Apply(InitTransactionalProducer{"app", 60000, 1009, -1, -1});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.producer_id, pid);
  EXPECT_EQ(again.producer_epoch, 1);
  EXPECT_EQ(state_.Apply(AddToTransaction{"app", pid, 0, {{"t", 0}}, {}, 1010}).error,
            KafkaError::kProducerFenced);
  EXPECT_EQ(state_.Apply(InitTransactionalProducer{"app", 60000, 1011, pid, 0}).error,
            KafkaError::kProducerFenced);  // KIP-360 with a stale epoch
  // An open transaction is aborted by a new producer's InitProducerId...
  ASSERT_TRUE(state_.Apply(AddToTransaction{"app", pid, 1, {{"t", 1}}, {}, 1012}).ok());
  ASSERT_EQ(state_.Apply(CommitFile{"o4", 4096, 1013, {batch(1, 1, 0)}}).batches[0].error,
            KafkaError::kNone);
  CommandResult fenced = state_.Apply(InitTransactionalProducer{"app", 1000, 1014, -1, -1});
  ASSERT_TRUE(fenced.ok());
  EXPECT_EQ(fenced.producer_epoch, 2);
  const PartitionLog* p1 = state_.FindPartition({"t", 1});
  EXPECT_EQ(p1->transactions().aborted().size(), 1u);
  EXPECT_TRUE(p1->transactions().open().empty());
  // ... and an old-epoch batch is fenced at the partition.
  EXPECT_EQ(state_.Apply(CommitFile{"o5", 4096, 1015, {batch(1, 1, 1)}}).batches[0].error,
            KafkaError::kInvalidProducerEpoch);
  // ... or by its timeout (1 s here), which bumps the epoch too.
  ASSERT_TRUE(state_.Apply(AddToTransaction{"app", pid, 2, {{"t", 0}}, {}, 2000}).ok());
  ASSERT_TRUE(state_.Apply(ExpireTransactions{2500, 1000000}).ok());
  EXPECT_EQ(state_.FindTransaction("app")->state, TransactionState::kOngoing);
  ASSERT_TRUE(state_.Apply(ExpireTransactions{3001, 1000000}).ok());
  EXPECT_EQ(state_.FindTransaction("app")->state, TransactionState::kCompleteAbort);
  EXPECT_EQ(state_.FindTransaction("app")->producer_epoch, 3);
  // Everything survives a snapshot, bit for bit.
  absl::StatusOr<MetadataState> loaded = MetadataState::FromSnapshot(state_.Snapshot());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->Snapshot(), state_.Snapshot());
  EXPECT_EQ(loaded->FindPartition({"t", 0})->transactions().aborted(),
            p0->transactions().aborted());
  EXPECT_EQ(loaded->Apply(AddToTransaction{"app", pid, 3, {{"t", 0}}, {}, 3100}).error,
            KafkaError::kNone);
  // Unused for longer than the expiration: forgotten.
  ASSERT_TRUE(state_.Apply(ExpireTransactions{3001 + 1000001, 1000000}).ok());
  EXPECT_EQ(state_.FindTransaction("app"), nullptr);
}

// Idle producer ids are forgotten per partition as Kafka forgets them
// (producer.id.expiration.ms), except while a transaction is open there;
// their last writes survive a snapshot.
TEST_F(StateTest, IdleProducersAreForgotten) {
  ASSERT_TRUE(state_.Apply(CreateTopic{"t", {1, 1}, 2, {}}).ok());
  const int64_t a = state_.Apply(AllocateProducerIds{2}).producer_id;
  const int64_t b = a + 1;
  ASSERT_EQ(state_.Apply(CommitFile{"o1", 4096, 1000,
                                    {Idempotent(Batch("t", 0, 2, 0, 100), a, 0, 0),
                                     Idempotent(Batch("t", 1, 2, 100, 100), a, 0, 0)}})
                .batches[1].error,
            KafkaError::kNone);
  ASSERT_EQ(state_.Apply(CommitFile{"o2", 4096, 5000,
                                    {Idempotent(Batch("t", 0, 2, 0, 100), b, 0, 0),
                                     Idempotent(Batch("t", 1, 2, 100, 100), a, 0, 2)}})
                .batches[1].error,
            KafkaError::kNone);
  // A transactional producer with a transaction open on t-0 since long ago.
  CommandResult init = state_.Apply(InitTransactionalProducer{"app", 60000, 1000, -1, -1});
  const int64_t txn = init.producer_id;
  ASSERT_TRUE(state_.Apply(AddToTransaction{"app", txn, 0, {{"t", 0}}, {}, 1001}).ok());
  BatchToCommit open_batch = Idempotent(Batch("t", 0, 2, 0, 100), txn, 0, 0);
  open_batch.transactional = true;
  ASSERT_EQ(state_.Apply(CommitFile{"o3", 4096, 1002, {open_batch}}).batches[0].error,
            KafkaError::kNone);
  const PartitionLog* p0 = state_.FindPartition({"t", 0});
  const PartitionLog* p1 = state_.FindPartition({"t", 1});
  ASSERT_EQ(p0->producers().size(), 3u);
  // Written less than 10 s ago: kept (a at 1000 is exactly 10 s old at 11000).
  ASSERT_TRUE(state_.Apply(ExpireProducers{10999, 10000}).ok());
  EXPECT_EQ(p0->producers().size(), 3u);
  ASSERT_TRUE(state_.Apply(ExpireProducers{11000, 10000}).ok());
  EXPECT_FALSE(p0->producers().contains(a));  // idle on t-0 since 1000
  EXPECT_TRUE(p0->producers().contains(b));   // wrote at 5000
  EXPECT_TRUE(p0->producers().contains(txn)); // its transaction is open here
  EXPECT_TRUE(p1->producers().contains(a));   // wrote t-1 at 5000
  // Forgotten: its next batch is that of an unknown producer (any sequence).
  EXPECT_EQ(state_.Apply(CommitFile{"o4", 4096, 11001,
                                    {Idempotent(Batch("t", 0, 2, 0, 100), a, 0, 7)}})
                .batches[0].error,
            KafkaError::kNone);
  // The snapshot keeps the last writes: the same expiry after a reload.
  absl::StatusOr<MetadataState> loaded = MetadataState::FromSnapshot(state_.Snapshot());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->Snapshot(), state_.Snapshot());
  ASSERT_TRUE(state_.Apply(ExpireProducers{15000, 10000}).ok());
  ASSERT_TRUE(loaded->Apply(ExpireProducers{15000, 10000}).ok());
  EXPECT_EQ(loaded->Snapshot(), state_.Snapshot());
  EXPECT_FALSE(p0->producers().contains(b));
  EXPECT_FALSE(p1->producers().contains(a));
  EXPECT_TRUE(p0->producers().contains(txn));
  EXPECT_TRUE(p0->producers().contains(a));  // it wrote again at 11001
}

// A random but valid-ish stream of every kind of command.
std::vector<Command> RandomCommands(uint64_t seed, int n) {
  std::mt19937_64 rng(seed);
  std::vector<Command> out;
  out.push_back(CreateTopic{"t0", {1, 1}, 4, {}});
  out.push_back(CreateTopic{"t1", {2, 2}, 2, {{"message.timestamp.type", "LogAppendTime"}}});
  for (int i = 0; i < n; ++i) {
    std::string topic = absl::StrCat("t", rng() % 3);
    int32_t partition = rng() % 5;
    switch (rng() % 10) {
      case 0:
        out.push_back(DeleteRecords{{topic, partition}, static_cast<int64_t>(rng() % 50),
                                    static_cast<int64_t>(i)});
        break;
      case 1:
        out.push_back(CommitGroupOffsets{"g", i, {{{topic, partition}, {i, 0, "m", 0}}}});
        break;
      case 2:
        out.push_back(AllocateProducerIds{1});
        break;
      case 3:
        out.push_back(CreatePartitions{topic, static_cast<int32_t>(rng() % 8)});
        break;
      case 4:
        out.push_back(RegisterAgent{{absl::StrCat("a", rng() % 3), "h:1", "z", {}, i + 5}});
        out.push_back(ExpireAgents{i});
        break;
      case 6: {
        std::string id = absl::StrCat("tx", rng() % 2);
        out.push_back(InitTransactionalProducer{id, 50, i, -1, -1});
        out.push_back(AddToTransaction{id, 1 + static_cast<int64_t>(rng() % 6), 0,
                                       {{"t0", static_cast<int32_t>(rng() % 4)}}, {}, i});
        if (rng() % 2) out.push_back(EndTransaction{id, 1 + static_cast<int64_t>(rng() % 6), 0,
                                                    rng() % 2 == 0, i});
        if (rng() % 3 == 0) out.push_back(ExpireTransactions{i, 100});
        if (rng() % 4 == 0) out.push_back(ExpireProducers{i, 30});
        break;
      }
      case 5: {
        acl::AclBinding binding = Acl(acl::ResourceType::kTopic, topic,
                                      rng() % 2 ? acl::PatternType::kLiteral
                                                : acl::PatternType::kPrefixed,
                                      absl::StrCat("User:u", rng() % 3), acl::AclOperation::kRead);
        if (rng() % 3 == 0) {
          out.push_back(RemoveAcls{{binding}});
        } else {
          out.push_back(AddAcls{{binding}});
        }
        if (rng() % 4 == 0) {
          out.push_back(AlterScramCredentials{absl::StrCat("u", rng() % 3),
                                              {{"SCRAM-SHA-256", absl::StrCat("c", i)}}, {}});
        }
        break;
      }
      default: {
        CommitFile file{absl::StrCat("o", i), 4096, i, {}};
        for (int b = 0, nb = 1 + rng() % 4; b < nb; ++b) {
          BatchToCommit batch = Batch(absl::StrCat("t", rng() % 3), rng() % 5,
                                      1 + rng() % 5, b * 100, 100);
          if (rng() % 2) batch = Idempotent(batch, 1 + rng() % 3, 0, rng() % 8);
          file.batches.push_back(batch);
        }
        out.push_back(file);
      }
    }
  }
  return out;
}

TEST(StateDeterminismTest, ReplicasAgreeBitForBit) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    std::vector<Command> commands = RandomCommands(seed, 400);
    MetadataState a, b;
    for (const Command& command : commands) a.Apply(command);
    // Replica b reads the commands through their journal encoding and
    // restarts from a snapshot half way.
    for (size_t i = 0; i < commands.size(); ++i) {
      auto decoded = DecodeCommand(EncodeCommand(commands[i]));
      ASSERT_TRUE(decoded.ok()) << decoded.status();
      b.Apply(*decoded);
      if (i == commands.size() / 2) {
        auto restored = MetadataState::FromSnapshot(b.Snapshot());
        ASSERT_TRUE(restored.ok()) << restored.status();
        b = *std::move(restored);
      }
    }
    ASSERT_EQ(a.Snapshot(), b.Snapshot()) << "seed " << seed;
  }
}

TEST(CommandCodecTest, HostileBytesNeverCrash) {
  std::vector<Command> commands = RandomCommands(99, 200);
  std::mt19937_64 rng(7);
  for (const Command& command : commands) {
    std::string bytes = EncodeCommand(command);
    for (size_t cut = 0; cut < bytes.size(); ++cut) {
      EXPECT_FALSE(DecodeCommand(bytes.substr(0, cut)).ok());
    }
    for (int i = 0; i < 20; ++i) {
      std::string mutated = bytes;
      mutated[rng() % mutated.size()] = static_cast<char>(rng());
      (void)DecodeCommand(mutated);  // must not crash or over-allocate
    }
  }
  std::string huge("\x01\x00\xff\xff\xff\x7f", 6);  // 2 GiB string length
  EXPECT_FALSE(DecodeCommand(huge).ok());
  EXPECT_FALSE(MetadataState::FromSnapshot("garbage").ok());
}

// Found with the command fuzz target's consistency checks: a range ending
// before it starts passed validation (with no input to check) and was
// "replaced" with a reversed erase, and byte ranges could wrap past 2^64.
TEST_F(StateTest, ReversedOrWrappingRangesAreRefused) {
  Commit({Batch("orders", 0, 5)});
  Commit({Batch("orders", 0, 5)});
  const std::string before = state_.Snapshot();
  ReplaceFiles reversed{{}, "m", 500, 9000, {{{"orders", 0}, 5, 4, 0, 100, 1}}};
  EXPECT_EQ(state_.Apply(reversed).error, KafkaError::kStaleInput);
  ReplaceFiles wrapping{{"obj-1"}, "m", 500, 9000,
                        {{{"orders", 0}, 0, 4, ~uint64_t{0} - 10, 100, 1}}};
  EXPECT_EQ(state_.Apply(wrapping).error, KafkaError::kStaleInput);
  EXPECT_EQ(state_.Snapshot(), before);
  CommandResult commit = Commit({Batch("orders", 0, 5, ~uint64_t{0} - 10, 100)});
  EXPECT_EQ(commit.batches[0].error, KafkaError::kCorruptMessage);
}

// Found by the state_snapshot fuzz target: a snapshot whose index pointed at
// an object it did not hold loaded, and the first Fetch threw from map::at.
TEST_F(StateTest, SnapshotWhosePartsDisagreeIsRefused) {
  Commit({Batch("orders", 0, 10)});
  const std::string snapshot = state_.Snapshot();
  ASSERT_TRUE(MetadataState::FromSnapshot(snapshot).ok());
  // The objects map holds id (8 bytes) | key length (4) | "obj-1" | ...;
  // renumber the object so that the index entry names an unknown id.
  const size_t key = snapshot.find(std::string("\x05\0\0\0obj-1", 9));
  ASSERT_NE(key, std::string::npos);
  std::string renumbered = snapshot;
  renumbered[key - 8] = 99;
  absl::StatusOr<MetadataState> loaded = MetadataState::FromSnapshot(renumbered);
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(loaded.status().message().find("unknown object"), std::string::npos);
}

}  // namespace
}  // namespace warp::metadata
