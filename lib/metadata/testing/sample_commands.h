// A small, realistic history of metadata commands (topics, commits from
// idempotent and plain producers, group offsets, agents, retention, a
// compaction, garbage collection), for fuzz targets and their seed corpora.
// Header-only so that scripts/fuzz.sh can build the targets with clang
// without a library.
#ifndef WARP_LIB_METADATA_TESTING_SAMPLE_COMMANDS_H_
#define WARP_LIB_METADATA_TESTING_SAMPLE_COMMANDS_H_

#include <string>
#include <vector>

#include "warp/metadata_commands.h"

namespace warp::metadata::testing {

inline BatchToCommit SampleBatch(const std::string& topic, int32_t partition,
                                 int32_t records, uint64_t at, int64_t producer_id = -1,
                                 int32_t sequence = -1) {
  BatchToCommit batch;
  batch.topic = topic;
  batch.partition = partition;
  batch.byte_offset = at;
  batch.byte_length = 100;
  batch.record_count = records;
  batch.max_timestamp = 1700000000000 + at;
  batch.producer_id = producer_id;
  batch.producer_epoch = producer_id >= 0 ? 0 : -1;
  batch.base_sequence = sequence;
  return batch;
}

// Commands in the order a cluster could have journaled them; each applies
// without error to the state left by the ones before it.
inline std::vector<Command> SampleCommands() {
  std::vector<Command> commands;
  commands.push_back(CreateTopic{"orders", {1, 2}, 3, {}});
  commands.push_back(CreateTopic{
      "events", {3, 4}, 2,
      {{"cleanup.policy", "compact"}, {"message.timestamp.type", "LogAppendTime"}}});
  commands.push_back(AllocateProducerIds{2});
  commands.push_back(CommitFile{"c/data/0000000000000001-a-1", 1000, 5000,
                                {SampleBatch("orders", 0, 10, 0, 1, 0),
                                 SampleBatch("orders", 1, 3, 100),
                                 SampleBatch("events", 0, 2, 200)}});
  commands.push_back(CommitFile{"c/data/0000000000000002-a-2", 1000, 6000,
                                {SampleBatch("orders", 0, 5, 0, 1, 10),
                                 SampleBatch("orders", 0, 4, 100)}});
  commands.push_back(CommitFile{"c/data/0000000000000003-b-1", 1000, 7000,
                                {SampleBatch("orders", 0, 1, 0),
                                 SampleBatch("orders", 2, 7, 300, 2, 0)}});
  commands.push_back(CommitGroupOffsets{
      "billing", 7100, {{{"orders", 0}, {12, 3, "m", 0}}, {{"orders", 1}, {2, -1, "", 0}}}});
  commands.push_back(RegisterAgent{{"agent-a", "10.0.0.1:9092", "z1", {"produce", "fetch"},
                                    20000}});
  commands.push_back(RegisterAgent{{"agent-b", "10.0.0.2:9092", "z2", {"jobs"}, 30000}});
  commands.push_back(RegisterAgentWithListeners{
      {"agent-c", "10.0.0.3:9092", "z1", {"produce", "fetch"}, 40000,
       {{"PLAINTEXT", "10.0.0.3:9092"}, {"SSL", "agent-c.example:9093"}}}});
  commands.push_back(AlterTopicConfigs{"orders", {{"retention.ms", "600000"}}, {}, false});
  commands.push_back(CreatePartitions{"events", 4});
  commands.push_back(ReplaceFiles{{"c/data/0000000000000001-a-1",
                                   "c/data/0000000000000002-a-2"},
                                  "c/data/L1/0000000000000004-b-2",
                                  300, 8000,
                                  {{{"orders", 0}, 0, 14, 0, 200, 1700000000100}}});
  commands.push_back(DeleteRecords{{"orders", 0}, 15, 8100});
  commands.push_back(ExpireAgents{25000});
  commands.push_back(DeleteGroupOffsets{"billing", {{"orders", 1}}});
  commands.push_back(DeleteTopic{"events", 9000});
  commands.push_back(ForgetObjects{{"c/data/0000000000000001-a-1"}});
  using acl::AclOperation;
  using acl::AclPermissionType;
  using acl::PatternType;
  using acl::ResourceType;
  commands.push_back(AddAcls{
      {{{ResourceType::kTopic, "orders", PatternType::kLiteral},
        {"User:alice", "*", AclOperation::kWrite, AclPermissionType::kAllow}},
       {{ResourceType::kGroup, "bill", PatternType::kPrefixed},
        {"User:bob", "10.0.0.7", AclOperation::kRead, AclPermissionType::kAllow}},
       {{ResourceType::kCluster, "kafka-cluster", PatternType::kLiteral},
        {"User:*", "*", AclOperation::kAlter, AclPermissionType::kDeny}}}});
  commands.push_back(RemoveAcls{
      {{{ResourceType::kTopic, "orders", PatternType::kLiteral},
        {"User:alice", "*", AclOperation::kWrite, AclPermissionType::kAllow}}}});
  commands.push_back(AlterScramCredentials{
      "alice",
      {{"SCRAM-SHA-256",
        "1:SCRAM-SHA-256:4096:W22ZaJ0SNY7soEsUEjb6gQ==:WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:"
        "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU="}},
      {}});
  // A transaction that commits a produce and a group's offsets, and one that
  // times out (producer ids 3 and 4: after AllocateProducerIds{2}).
  commands.push_back(InitTransactionalProducer{"tx-a", 60000, 10000, -1, -1});
  commands.push_back(AddToTransaction{"tx-a", 3, 0, {{"orders", 1}}, {"billing"}, 10001});
  BatchToCommit transactional = SampleBatch("orders", 1, 2, 0, 3, 0);
  transactional.transactional = true;
  commands.push_back(CommitFile{"c/data/0000000000000005-a-3", 1000, 10002, {transactional}});
  commands.push_back(CommitTransactionalOffsets{"tx-a", "billing", 3, 0, {{{"orders", 1}, {5, 0, "", 0}}}});
  commands.push_back(EndTransaction{"tx-a", 3, 0, true, 10003});
  commands.push_back(InitTransactionalProducer{"tx-b", 1000, 11000, -1, -1});
  commands.push_back(AddToTransaction{"tx-b", 4, 0, {{"orders", 2}}, {}, 11001});
  commands.push_back(ExpireTransactions{20000, 7 * 24 * 3600 * 1000LL});
  commands.push_back(ExpireProducers{30000, 24 * 3600 * 1000LL});
  return commands;
}

}  // namespace warp::metadata::testing

#endif  // WARP_LIB_METADATA_TESTING_SAMPLE_COMMANDS_H_
