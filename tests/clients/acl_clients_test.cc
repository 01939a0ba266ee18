// ACLs with real clients against warpd --authorizer=acl: kafkajs's and
// kafka-python's admin APIs create, list and delete them; kcat (librdkafka)
// shows what they allow: a principal allowed only WRITE produces and cannot
// consume, one allowed READ consumes and cannot produce, PREFIXED patterns,
// DENY over ALLOW, super users, Metadata hiding what a principal may not
// describe, and ACLs created through one agent of an etcd cluster enforced
// by the other.
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/clients/warpd.h"
#include "tests/util/etcd.h"
#include "tests/util/loopback.h"
#include "tests/util/subprocess.h"

namespace warp::testing {
namespace {

// Users NAME with password NAME-secret; "admin" is the super user.
std::string WriteUsers() {
  std::string users = NewTempDir("users") + "/users";
  std::ofstream(users) << "admin:admin-secret\nalice:alice-secret\nbob:bob-secret\n"
                          "carol:carol-secret\n";
  return users;
}

std::vector<std::string> SecureArgs(const std::string& users, int sasl_port) {
  return {absl::StrCat("--listeners=PLAINTEXT://127.0.0.1:{port},SASL_PLAINTEXT://127.0.0.1:",
                       sasl_port),
          "--sasl_users_file=" + users, "--authorizer=acl", "--super_users=User:admin"};
}

class AclClientsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sasl_port_ = *PickFreePort();
    warpd_.emplace(NewTempDir("acl"), SecureArgs(WriteUsers(), sasl_port_));
  }
  std::string Sasl() const { return absl::StrCat("127.0.0.1:", sasl_port_); }
  // kcat's options for `user` over SASL/SCRAM-SHA-256.
  std::string As(const std::string& user) const {
    return absl::StrCat(" -b ", Sasl(), " -X security.protocol=sasl_plaintext",
                        " -X sasl.mechanisms=SCRAM-SHA-256 -X sasl.username=", user,
                        " -X sasl.password=", user, "-secret");
  }
  std::pair<int, std::string> Acls(const std::string& user, const std::string& args,
                                   const std::string& bootstrap = "") {
    return Sh(absl::StrCat("/usr/bin/python3 ", Runfile("tests/clients/acls.py"), " ",
                           bootstrap.empty() ? Sasl() : bootstrap, " ", user, " ", user,
                           "-secret ", args));
  }
  void Allow(const std::string& args) {
    auto [status, out] = Acls("admin", "create " + args);
    ASSERT_EQ(status, 0) << args << ": " << out;
  }
  std::pair<int, std::string> Produce(const std::string& user, const std::string& topic) {
    return Sh(absl::StrCat("printf 'a\\nb\\n' | timeout 60 kcat -P -p 0", As(user), " -t ",
                           topic));
  }
  std::pair<int, std::string> Consume(const std::string& user, const std::string& topic) {
    return Sh(absl::StrCat("timeout 60 kcat -C -p 0", As(user), " -t ", topic,
                           " -o beginning -e -q"));
  }
  // The topics `kcat -L` lists to `options`, as "name," each.
  std::string Listed(const std::string& options) {
    auto [status, out] = Sh(absl::StrCat("timeout 60 kcat -L", options,
                                         " | sed -n 's/^  topic \"\\([^\"]*\\)\".*/\\1/p' | sort"
                                         " | tr '\\n' ,"));
    return out;
  }

  int sasl_port_ = 0;
  std::optional<Warpd> warpd_;
};

TEST_F(AclClientsTest, KafkajsAdminAclsProduceAndConsume) {
  std::string command = NodeCommand("tests/clients/kafkajs_acls.js", Sasl());
  ASSERT_FALSE(command.empty()) << "run through scripts/test.sh";
  auto [status, out] = Sh(command);
  ASSERT_EQ(status, 0) << out;
  EXPECT_NE(out.find("OK"), std::string::npos) << out;
}

TEST_F(AclClientsTest, WhatTheAclsAllowKcatToDo) {
  // The super user creates the topics (auto-creation) and the ACLs.
  for (const char* topic : {"py-orders", "py-secret", "elsewhere"}) {
    auto [status, out] = Produce("admin", topic);
    ASSERT_EQ(status, 0) << topic << ": " << out;
  }
  Allow("TOPIC py-orders LITERAL User:alice WRITE ALLOW");
  Allow("TOPIC py- PREFIXED User:bob READ ALLOW");
  Allow("TOPIC py-secret LITERAL User:bob READ DENY");

  // WRITE only: produces, cannot consume.
  auto [produced, pout] = Produce("alice", "py-orders");
  EXPECT_EQ(produced, 0) << pout;
  auto [consumed, cout] = Consume("alice", "py-orders");
  EXPECT_NE(consumed, 0) << cout;
  EXPECT_TRUE(absl::StrContains(cout, "authorization failed")) << cout;
  // READ through a PREFIXED pattern: consumes, cannot produce.
  auto [read, rout] = Consume("bob", "py-orders");
  EXPECT_EQ(read, 0) << rout;
  EXPECT_EQ(rout, "a\nb\na\nb\n");
  auto [wrote, wout] = Produce("bob", "py-orders");
  EXPECT_NE(wrote, 0) << wout;
  EXPECT_TRUE(absl::StrContains(wout, "authorization failed")) << wout;
  // DENY wins over the PREFIXED ALLOW.
  auto [secret, sout] = Consume("bob", "py-secret");
  EXPECT_NE(secret, 0) << sout;
  // Metadata lists only what the principal may describe (READ and WRITE
  // imply DESCRIBE; a DENY of READ does not deny it).
  EXPECT_EQ(Listed(As("alice")), "py-orders,");
  EXPECT_EQ(Listed(As("bob")), "py-orders,py-secret,");
  EXPECT_EQ(Listed(As("carol")), "");
  EXPECT_EQ(Listed(As("admin")), "elsewhere,py-orders,py-secret,");
  EXPECT_EQ(Listed(" -b " + warpd_->bootstrap()), "");  // User:ANONYMOUS
  // Only who may describe the cluster lists ACLs.
  auto [listed, lout] = Acls("alice", "list");
  EXPECT_NE(listed, 0) << lout;
  auto [all, aout] = Acls("admin", "list");
  ASSERT_EQ(all, 0) << aout;
  EXPECT_TRUE(absl::StrContains(aout, "TOPIC py- PREFIXED User:bob READ ALLOW")) << aout;
  EXPECT_TRUE(absl::StrContains(aout, "TOPIC py-secret LITERAL User:bob READ DENY")) << aout;
  // Deleting bob's ACLs closes the topic to him on his next request.
  auto [deleted, dout] = Acls("admin", "delete User:bob");
  ASSERT_EQ(deleted, 0) << dout;
  EXPECT_TRUE(absl::StrContains(dout, "deleted 2")) << dout;
  auto [again, gout] = Consume("bob", "py-orders");
  EXPECT_NE(again, 0) << gout;
}

// warpd refuses to start open (--authorizer=none) on a listener other
// machines reach, and says why; --allow_insecure overrides.
TEST(AclStartupTest, NoneOnlyOnLoopbackUnlessAllowed) {
  int port = *PickFreePort();
  auto [status, out] = Sh(absl::StrCat(Runfile("server/warpd"), " --kafka_listen=0.0.0.0:", port,
                                       " --http_listen=127.0.0.1:", *PickFreePort(),
                                       " --data_dir=", NewTempDir("open"), " 2>&1"),
                          absl::Seconds(30));
  EXPECT_EQ(status, 2) << out;
  EXPECT_TRUE(absl::StrContains(out, "--allow_insecure")) << out;
  EXPECT_TRUE(absl::StrContains(out, "--authorizer=acl")) << out;
  auto [bad, bout] = Sh(absl::StrCat(Runfile("server/warpd"), " --authorizer=maybe 2>&1"),
                        absl::Seconds(30));
  EXPECT_EQ(bad, 2) << bout;
}

// Two agents over one etcd journal: an ACL created through one is enforced
// by the other, and so is its deletion.
TEST(AclClusterTest, AclsCreatedThroughOneAgentAreEnforcedByTheOther) {
  auto etcd = EtcdCluster::Start(1);
  ASSERT_TRUE(etcd.ok()) << etcd.status();
  std::string bucket = absl::StrCat("--bucket=file://", NewTempDir("bucket"));
  std::string users = WriteUsers();
  std::vector<int> sasl_ports;
  std::vector<std::unique_ptr<Warpd>> agents;
  for (int i = 0; i < 2; ++i) {
    sasl_ports.push_back(*PickFreePort());
    std::vector<std::string> args = SecureArgs(users, sasl_ports.back());
    args.push_back(bucket);
    args.push_back("--metadata=" + (*etcd)->Url("warp"));
    args.push_back(absl::StrCat("--agent_id=a", i));
    agents.push_back(std::make_unique<Warpd>(NewTempDir(absl::StrCat("a", i)), args));
  }
  auto kcat_as_alice = [&](int agent) {
    return absl::StrCat(" -b 127.0.0.1:", sasl_ports[agent],
                        " -X security.protocol=sasl_plaintext -X sasl.mechanisms=PLAIN"
                        " -X sasl.username=alice -X sasl.password=alice-secret");
  };
  auto listed_by = [&](int agent) {
    auto [status, out] = Sh(absl::StrCat("timeout 60 kcat -L -t shared", kcat_as_alice(agent)));
    // kcat prints the topic's error after its line when there is one.
    return status == 0 && absl::StrContains(out, "topic \"shared\" with ") &&
           !absl::StrContains(out, "authorization failed");
  };
  // The super user creates the topic through agent 0.
  auto [made, mout] = Sh(absl::StrCat(
      "printf 'x\\n' | timeout 60 kcat -P -p 0 -t shared -b 127.0.0.1:", sasl_ports[0],
      " -X security.protocol=sasl_plaintext -X sasl.mechanisms=PLAIN -X sasl.username=admin"
      " -X sasl.password=admin-secret"));
  ASSERT_EQ(made, 0) << mout;
  EXPECT_FALSE(listed_by(1));
  std::string acls = absl::StrCat("/usr/bin/python3 ", Runfile("tests/clients/acls.py"),
                                  " 127.0.0.1:", sasl_ports[0], " admin admin-secret ");
  auto [created, cout] = Sh(acls + "create TOPIC shared LITERAL User:alice READ ALLOW");
  ASSERT_EQ(created, 0) << cout;
  absl::Time start = absl::Now();
  while (!listed_by(1) && absl::Now() - start < absl::Seconds(30)) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_TRUE(listed_by(1)) << "agent 1 never allowed what agent 0 created";
  std::printf("ACL seen by the other agent after %s (one kcat -L per poll included)\n",
              absl::FormatDuration(absl::Now() - start).c_str());
  auto [deleted, dout] = Sh(acls + "delete User:alice");
  ASSERT_EQ(deleted, 0) << dout;
  start = absl::Now();
  while (listed_by(1) && absl::Now() - start < absl::Seconds(30)) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_FALSE(listed_by(1)) << "agent 1 kept allowing what agent 0 deleted";
}

}  // namespace
}  // namespace warp::testing
