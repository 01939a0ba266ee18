// A warp cluster on loopback (issue 8): three warpd agents over one bucket
// (s3rver, or a local folder) and an etcd journal, driven by real clients
// (kcat, confluent-kafka, kafka-python). The tests start and stop
// everything; every wait polls a condition with a generous timeout.
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "server/groups/placement.h"
#include "tests/clients/warpd.h"
#include "tests/util/etcd.h"
#include "tests/util/s3rver.h"
#include "tests/util/subprocess.h"

namespace warp {
namespace {

using testing::Runfile;
using testing::Sh;
using testing::Warpd;

constexpr int kAgents = 3;
// Agent i is "a<i>" in zone kZones[i]: az1 has two agents.
const char* const kZones[kAgents] = {"az0", "az1", "az1"};

std::string Python(const std::string& bootstrap, const std::string& args) {
  return absl::StrCat("/usr/bin/python3 ", Runfile("tests/cluster/cluster_clients.py"), " ",
                      bootstrap, " ", args);
}

// What Metadata gives a client: node id -> address, partition -> leader.
struct ClusterView {
  std::map<int, std::string> brokers;
  std::map<int, int> leaders;
};

class ClusterTest : public ::testing::Test {
 protected:
  // With `s3`, the agents share a bucket on a real S3-compatible server
  // (s3rver); else a local folder.
  void StartCluster(int etcd_members, bool s3 = false) {
    auto etcd = testing::EtcdCluster::Start(etcd_members);
    ASSERT_TRUE(etcd.ok()) << etcd.status();
    etcd_ = *std::move(etcd);
    if (s3) {
      auto started = testing::S3rver::Start("cluster");
      ASSERT_TRUE(started.ok()) << started.status();
      s3_ = *std::move(started);
      setenv("AWS_ACCESS_KEY_ID", "S3RVER", 1);
      setenv("AWS_SECRET_ACCESS_KEY", "S3RVER", 1);
      bucket_url_ = absl::StrCat("s3://cluster?endpoint=", s3_->endpoint(), "&path_style=true");
    } else {
      bucket_url_ = absl::StrCat("file://", testing::NewTempDir("bucket"));
    }
    for (int i = 0; i < kAgents; ++i) StartAgent(i);
    WaitForBrokers(agents_[0]->bootstrap(), "plain", kAgents);
  }

  void StartAgent(int i) {
    agents_.push_back(std::make_unique<Warpd>(
        testing::NewTempDir(absl::StrCat("a", i)),
        std::vector<std::string>{"--bucket=" + bucket_url_,
                                 "--metadata=" + etcd_->Url("warp"),
                                 absl::StrCat("--agent_id=a", i),
                                 absl::StrCat("--zone=", kZones[i]), "--agent_lease_ms=3000",
                                 "--agent_renew_ms=500", "--default_partitions=6"}));
  }

  std::string AllBootstraps() const {
    std::vector<std::string> all;
    for (const auto& a : agents_) all.push_back(a->bootstrap());
    return absl::StrJoin(all, ",");
  }

  ClusterView Metadata(const std::string& bootstrap, const std::string& client_id,
                       const std::string& topic) {
    auto [status, out] = Sh(Python(bootstrap, absl::StrCat("metadata ", client_id, " ", topic)));
    EXPECT_EQ(status, 0) << out;
    ClusterView view;
    size_t at = out.find("OK ");
    if (at == std::string::npos) return view;
    nlohmann::json j = nlohmann::json::parse(out.substr(at + 3), nullptr, false);
    if (j.is_discarded()) return view;
    for (auto& [id, address] : j["brokers"].items()) {
      view.brokers[std::stoi(id)] = address.get<std::string>();
    }
    for (auto& [p, leader] : j["leaders"].items()) view.leaders[std::stoi(p)] = leader.get<int>();
    return view;
  }

  // Waits until Metadata through `bootstrap` lists `count` brokers.
  void WaitForBrokers(const std::string& bootstrap, const std::string& client_id, int count) {
    absl::Time deadline = absl::Now() + absl::Seconds(60);
    size_t seen = 0;
    while (absl::Now() < deadline) {
      seen = Metadata(bootstrap, client_id, "membership").brokers.size();
      if (seen == static_cast<size_t>(count)) return;
      absl::SleepFor(absl::Milliseconds(200));
    }
    FAIL() << "Metadata never listed " << count << " brokers (last: " << seen << ")";
  }

  // The value of counter `name` in agent i's /metrics.
  int64_t Counter(int i, const std::string& name) {
    auto [status, out] = Sh(absl::StrCat("curl -s http://127.0.0.1:", agents_[i]->http_port(),
                                         "/metrics | grep '^", name, " '"));
    std::string line(absl::StripAsciiWhitespace(out));
    int64_t v = -1;
    if (status != 0 || !absl::SimpleAtoi(line.substr(line.rfind(' ') + 1), &v)) return -1;
    return v;
  }

  std::unique_ptr<testing::EtcdCluster> etcd_;
  std::unique_ptr<testing::S3rver> s3_;
  std::string bucket_url_;
  std::vector<std::unique_ptr<Warpd>> agents_;
};

TEST_F(ClusterTest, MetadataSpreadsLeadersAndRoutesZones) {
  StartCluster(1);
  std::set<int> all_nodes;
  for (int i = 0; i < kAgents; ++i) {
    all_nodes.insert(server::groups::NodeIdFor(absl::StrCat("a", i)));
  }
  // Every agent gives a plain client the same three brokers and the same
  // leaders, two partitions each.
  ClusterView first = Metadata(agents_[0]->bootstrap(), "plain", "spread");
  std::set<int> brokers;
  for (const auto& [id, address] : first.brokers) brokers.insert(id);
  EXPECT_EQ(brokers, all_nodes);
  std::map<int, int> led;
  for (const auto& [p, leader] : first.leaders) led[leader]++;
  EXPECT_EQ(led.size(), 3u);
  for (const auto& [leader, n] : led) EXPECT_EQ(n, 2) << leader;
  for (int i = 1; i < kAgents; ++i) {
    ClusterView other = Metadata(agents_[i]->bootstrap(), "plain", "spread");
    EXPECT_EQ(other.brokers, first.brokers);
    EXPECT_EQ(other.leaders, first.leaders);
  }
  // A client of az1 is given a1 and a2 only, whichever agent it asks; one of
  // az0 only a0; one of a zone without agents all of them.
  std::set<int> az1 = {server::groups::NodeIdFor("a1"), server::groups::NodeIdFor("a2")};
  for (int i = 0; i < kAgents; ++i) {
    ClusterView view = Metadata(agents_[i]->bootstrap(), "app=x,warp_az=az1", "spread");
    std::set<int> ids;
    for (const auto& [id, address] : view.brokers) ids.insert(id);
    EXPECT_EQ(ids, az1);
    std::set<int> leaders;
    for (const auto& [p, leader] : view.leaders) leaders.insert(leader);
    EXPECT_EQ(leaders, az1);
  }
  ClusterView az0 = Metadata(agents_[1]->bootstrap(), "warp_az=az0", "spread");
  ASSERT_EQ(az0.brokers.size(), 1u);
  EXPECT_EQ(az0.brokers.begin()->second, agents_[0]->bootstrap());
  EXPECT_EQ(Metadata(agents_[1]->bootstrap(), "warp_az=az9", "spread").brokers.size(), 3u);

  // An agent stopped with SIGTERM leaves at once; a new one joins.
  EXPECT_EQ(agents_[2]->Stop(), 0);
  WaitForBrokers(agents_[0]->bootstrap(), "plain", 2);
  agents_[2]->Start();
  WaitForBrokers(agents_[0]->bootstrap(), "plain", 3);
}

TEST_F(ClusterTest, ProduceThroughOneAgentConsumeThroughTheOthers) {
  StartCluster(1, /*s3=*/true);
  // az0 has only a0: every produce goes through it. az1 clients read from
  // a1 and a2, which never saw the records but for the bucket and etcd.
  auto [produced, out] = Sh(absl::StrCat(
      "for p in 0 1 2 3 4 5; do for i in $(seq 0 49); do echo \"k$i|p$p-v$i\"; done | "
      "kcat -P -b ", agents_[0]->bootstrap(), " -X client.id=warp_az=az0 -t crossing -p $p "
      "-K '|' || exit 1; done"));
  ASSERT_EQ(produced, 0) << out;
  for (int p = 0; p < 6; ++p) {
    auto [consumed, records] = Sh(absl::StrCat(
        "kcat -C -b ", agents_[1]->bootstrap(), " -X client.id=warp_az=az1 -t crossing -p ", p,
        " -o beginning -e -q -f '%k %s %o\\n'"));
    ASSERT_EQ(consumed, 0) << records;
    std::vector<std::string> lines = absl::StrSplit(records, '\n', absl::SkipEmpty());
    ASSERT_EQ(lines.size(), 50u) << records;
    for (int i = 0; i < 50; ++i) {
      EXPECT_EQ(lines[i], absl::StrCat("k", i, " p", p, "-v", i, " ", i));
    }
  }
  EXPECT_GT(Counter(0, "warp_produce_requests_total"), 0);
  EXPECT_EQ(Counter(1, "warp_produce_requests_total"), 0);
  EXPECT_EQ(Counter(2, "warp_produce_requests_total"), 0);
  EXPECT_EQ(Counter(0, "warp_fetch_requests_total"), 0);
  EXPECT_GT(Counter(1, "warp_fetch_requests_total"), 0);
  EXPECT_GT(Counter(2, "warp_fetch_requests_total"), 0);
  // ListOffsets through any agent sees the high watermark of every
  // partition.
  for (int i = 0; i < kAgents; ++i) {
    auto [status, offsets] = Sh(absl::StrCat("kcat -Q -b ", agents_[i]->bootstrap(),
                                             " -t crossing:5:-1"));
    EXPECT_NE(offsets.find("offset 50"), std::string::npos) << offsets;
  }
}

// A scenario of cluster_clients.py ("SCENARIO DIR NAME ARGS...") while
// `fault` runs once DIR/progress reaches `fault_at`. On failure the
// scenario's log and the agents' logs are copied to the test's undeclared
// outputs (bazel-testlogs/.../test.outputs).
void RunScenario(const std::string& bootstrap, const std::string& scenario,
                 const std::string& name, const std::vector<std::string>& args,
                 int64_t fault_at, const std::function<void()>& fault,
                 std::string* workdir = nullptr) {
  std::string dir = testing::NewTempDir(name);
  if (workdir != nullptr) *workdir = dir;
  std::vector<std::string> argv = {"/usr/bin/python3", Runfile("tests/cluster/cluster_clients.py"),
                                   bootstrap, scenario, dir, name};
  argv.insert(argv.end(), args.begin(), args.end());
  auto p = testing::Subprocess::Start(argv, dir + "/log");
  ASSERT_TRUE(p.ok()) << p.status();
  absl::Time deadline = absl::Now() + absl::Minutes(3);
  for (;;) {
    std::ifstream in(dir + "/progress");
    int64_t acked = 0;
    std::string text((std::istreambuf_iterator<char>(in)), {});
    if (absl::SimpleAtoi(text, &acked) && acked >= fault_at) break;
    if (!p->running() || absl::Now() > deadline) {
      std::ifstream log(dir + "/log");
      FAIL() << "the workload never got going: "
             << std::string((std::istreambuf_iterator<char>(log)), {});
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  fault();
  int status = p->Wait(absl::Minutes(6));
  std::ifstream log(dir + "/log");
  std::string out((std::istreambuf_iterator<char>(log)), {});
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("OK "), std::string::npos) << out;
  std::cout << out;
  const char* outputs = std::getenv("TEST_UNDECLARED_OUTPUTS_DIR");
  if ((status != 0 || out.find("OK ") == std::string::npos) && outputs != nullptr) {
    // The agents log to $TEST_TMPDIR/a<i>-*.log.
    Sh(absl::StrCat("cp ", dir, "/log ", outputs, "/", name,
                    "-clients.log; cp \"$TEST_TMPDIR\"/a*.log ", outputs, "/"));
  }
}

// The Jepsen-style workload (see cluster_clients.py) while `fault` runs once
// a third of the records are acknowledged.
void RunWorkload(const std::string& bootstrap, const std::string& name,
                 const std::function<void()>& fault, std::string* workdir = nullptr) {
  RunScenario(bootstrap, "workload", name, {name + "-group", "6000"}, 2000, fault, workdir);
}

// The transactional workload (txn_workload in cluster_clients.py: two
// transactional producers of kTxnsPerProducer transactions each, a fifth of
// them aborted on purpose, and a consume-transform-produce loop) while
// `fault` runs once a third of the commits are done.
constexpr int kTxnsPerProducer = 300;
void RunTxnWorkload(const std::string& bootstrap, const std::string& name,
                    const std::function<void()>& fault) {
  RunScenario(bootstrap, "txn_workload", name, {absl::StrCat(kTxnsPerProducer)},
              2 * kTxnsPerProducer * 4 / 5 / 3, fault);
}

// The member of `etcd` that leads it; -1 if none does.
int EtcdLeader(const testing::EtcdCluster& etcd) {
  std::vector<std::string> endpoints = absl::StrSplit(etcd.endpoints(), ',');
  for (int m = 0; m < static_cast<int>(endpoints.size()); ++m) {
    auto [status, out] = Sh(absl::StrCat("curl -s -X POST http://", endpoints[m],
                                         "/v3/maintenance/status -d '{}'"));
    nlohmann::json j = nlohmann::json::parse(out, nullptr, false);
    if (status == 0 && j.is_object() && j.contains("leader") &&
        j["leader"] == j["header"]["member_id"]) {
      return m;
    }
  }
  return -1;
}

// The agent (index) that coordinates `key` among all kAgents agents, placed
// as the agents place group and transaction coordinators.
int CoordinatorOf(const std::string& key) {
  std::vector<AgentInfo> live;
  for (int i = 0; i < kAgents; ++i) live.push_back({absl::StrCat("a", i), "", "", {}, 0});
  return server::groups::RendezvousWinner(live, key)->id.back() - '0';
}

TEST_F(ClusterTest, Kill9OfAnAgentDuringLoad) {
  StartCluster(1, /*s3=*/true);
  // Kill the agent that coordinates the group (and leads a third of the
  // partitions): the producer and both group members must move.
  int victim = CoordinatorOf("kill9-group");
  RunWorkload(AllBootstraps(), "kill9", [&] { agents_[victim]->Kill9(); });
}

// A 3-member etcd loses its leader under load: a short stall, nothing lost.
// (This test once failed 1 run in 6 under CPU stress: the confluent group
// member resumed after records it never returned. The checker's commit
// history showed the client committing offsets past its polls, librdkafka
// 2.0.2's batch consume storing offsets across a rebalance; its member now
// stores offsets by hand.)
TEST_F(ClusterTest, EtcdMemberLossDuringLoad) {
  StartCluster(3);
  // The leader: the member whose loss costs an election and the appends
  // in flight to it.
  int leader = EtcdLeader(*etcd_);
  ASSERT_GE(leader, 0) << "no etcd leader found";
  RunWorkload(AllBootstraps(), "etcdloss", [&] { etcd_->Kill(leader); });
}

// Transactions through a kill -9 of the agent that coordinates one
// producer's transactional id (and leads a third of the partitions): no
// aborted reads, no torn or lost transactions, and the
// consume-transform-produce output holds every committed record once.
TEST_F(ClusterTest, TransactionalWorkloadWithKill9OfTheCoordinator) {
  StartCluster(1);
  // cluster_clients.py names the producers' transactional ids TOPIC-txn0
  // and TOPIC-txn1.
  int victim = CoordinatorOf("txnkill9-txn0");
  std::cout << "killing a" << victim << ", the coordinator of txnkill9-txn0 (txnkill9-txn1: a"
            << CoordinatorOf("txnkill9-txn1") << ", the copier's txnkill9-ctp: a"
            << CoordinatorOf("txnkill9-ctp") << ")" << std::endl;
  RunTxnWorkload(AllBootstraps(), "txnkill9", [&] { agents_[victim]->Kill9(); });
}

// Transactions through the loss of the etcd leader (the journal holds the
// coordinators' state and the markers).
TEST_F(ClusterTest, TransactionalWorkloadWithEtcdMemberLoss) {
  StartCluster(3);
  int leader = EtcdLeader(*etcd_);
  ASSERT_GE(leader, 0) << "no etcd leader found";
  RunTxnWorkload(AllBootstraps(), "txnetcdloss", [&] { etcd_->Kill(leader); });
}

// All etcd members down during the load: nothing is acknowledged while the
// journal is gone, a produce fails with a retriable error (kafka-python, no
// retries), the failed produce never takes effect later, and when etcd
// returns the workload completes and the checker finds every acknowledged
// record at its offset.
//
// (The confluent member once stayed assigned without reading after such an
// outage: an OffsetFetch answered with a group-level error while the journal
// was away, which librdkafka never retries. OffsetFetch now answers
// UNSTABLE_OFFSET_COMMIT per partition, which it does.)
TEST_F(ClusterTest, AllEtcdMembersDownDuringLoad) {
  StartCluster(3);
  // The probe's topic exists before the outage: creating one is a journal
  // write too.
  auto [made, made_out] = Sh(absl::StrCat("echo before | kcat -P -b ", agents_[0]->bootstrap(),
                                          " -t probe -p 0"));
  ASSERT_EQ(made, 0) << made_out;
  auto acked_so_far = [](const std::string& dir) {
    std::ifstream in(dir + "/progress");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    int64_t acked = -1;
    (void)absl::SimpleAtoi(text, &acked);
    return acked;
  };
  std::string dir;
  RunWorkload(
      AllBootstraps(), "etcddown",
      [&] {
        for (int m = 0; m < etcd_->size(); ++m) etcd_->Kill(m);
        // What was in flight at the kill has been answered after a second.
        absl::SleepFor(absl::Seconds(1));
        int64_t before = acked_so_far(dir);
        auto [status, probe] = Sh(Python(AllBootstraps(), "probe probe"));
        EXPECT_NE(probe.find("ERROR NotEnoughReplicasError retriable"), std::string::npos)
            << probe;
        EXPECT_EQ(acked_so_far(dir), before) << "acknowledged while etcd was down";
        for (int m = 0; m < etcd_->size(); ++m) ASSERT_TRUE(etcd_->Restart(m).ok());
      },
      &dir);
  // The failed probe did not take effect once etcd was back.
  auto [status, offsets] =
      Sh(absl::StrCat("kcat -Q -b ", agents_[1]->bootstrap(), " -t probe:0:-1"));
  EXPECT_NE(offsets.find("offset 1\n"), std::string::npos) << offsets;
}

}  // namespace
}  // namespace warp
