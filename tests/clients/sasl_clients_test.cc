// warpd's SASL listeners with real clients: kcat (librdkafka), kafka-python
// and confluent-kafka log in with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 over
// SASL_PLAINTEXT and SASL_SSL, then produce and consume; wrong passwords,
// unknown users and requests before authentication are refused, counted,
// and others are served.
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/clients/warpd.h"
#include "tests/util/loopback.h"
#include "tests/util/subprocess.h"

namespace warp::testing {
namespace {

class SaslClientsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    certs_ = NewTempDir("certs");
    auto [made, out] = Sh(absl::StrCat("sh ", Runfile("tests/clients/make_certs.sh"), " ", certs_));
    ASSERT_EQ(made, 0) << out;
    std::string users = certs_ + "/users";
    std::ofstream(users) << "# the test's users\nalice:alice-secret\nbob:b0b:with:colons\n";
    sasl_port_ = *PickFreePort();
    sasl_ssl_port_ = *PickFreePort();
    warpd_.emplace(NewTempDir("sasl"),
                   std::vector<std::string>{
                       absl::StrCat("--listeners=PLAINTEXT://127.0.0.1:{port},SASL_PLAINTEXT://"
                                    "127.0.0.1:", sasl_port_, ",SASL_SSL://127.0.0.1:",
                                    sasl_ssl_port_),
                       "--sasl_users_file=" + users,
                       "--tls_cert_file=" + certs_ + "/server.pem",
                       "--tls_key_file=" + certs_ + "/server.key"});
  }
  // kcat's options for user/password over `mechanism`, on SASL_SSL when `ssl`.
  std::string Kcat(const std::string& mechanism, const std::string& user,
                   const std::string& password, bool ssl = false) const {
    std::string opts = absl::StrCat(
        " -b 127.0.0.1:", ssl ? sasl_ssl_port_ : sasl_port_, " -X security.protocol=",
        ssl ? "sasl_ssl" : "sasl_plaintext", " -X sasl.mechanisms=", mechanism,
        " -X sasl.username=", user, " -X 'sasl.password=", password, "'");
    if (ssl) absl::StrAppend(&opts, " -X ssl.ca.location=", certs_, "/ca.pem");
    return opts;
  }
  std::string Metric(const std::string& name) {
    auto [status, out] = Sh(absl::StrCat("curl -s http://127.0.0.1:", warpd_->http_port(),
                                         "/metrics | sed -n 's/^", name, " //p'"));
    return std::string(absl::StripAsciiWhitespace(out));
  }

  std::string certs_;
  int sasl_port_ = 0, sasl_ssl_port_ = 0;
  std::optional<Warpd> warpd_;
};

TEST_F(SaslClientsTest, KcatLogsInWithEveryMechanismOnBothListeners) {
  int n = 0;
  for (bool ssl : {false, true}) {
    for (const std::string mechanism : {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}) {
      std::string topic = absl::StrCat("sasl-", ++n);
      std::string opts = Kcat(mechanism, "alice", "alice-secret", ssl);
      auto [produced, pout] = Sh(absl::StrCat("printf 'a\\nb\\nc\\n' | kcat -P -p 0", opts, " -t ", topic));
      ASSERT_EQ(produced, 0) << mechanism << (ssl ? " ssl: " : ": ") << pout;
      auto [consumed, cout] =
          Sh(absl::StrCat("kcat -C", opts, " -t ", topic, " -o beginning -e -q"));
      ASSERT_EQ(consumed, 0) << mechanism << ": " << cout;
      EXPECT_EQ(cout, "a\nb\nc\n") << mechanism;
    }
  }
  // A password with colons (the users file splits at the first).
  auto [bob, bout] = Sh(absl::StrCat("kcat -L", Kcat("SCRAM-SHA-256", "bob", "b0b:with:colons")));
  EXPECT_EQ(bob, 0) << bout;
  EXPECT_NE(Metric("warp_sasl_authentications_total"), "0");
}

TEST_F(SaslClientsTest, WrongCredentialsAreRefusedAndCounted) {
  // The first failures from an address are answered at once; later ones are
  // held back (kcat may then give up waiting before the answer comes).
  bool first = true;
  for (const std::string mechanism : {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}) {
    for (const auto& [user, password] :
         std::vector<std::pair<std::string, std::string>>{{"alice", "wrong"}, {"mallory", "x"}}) {
      absl::Time start = absl::Now();
      auto [status, out] = Sh(absl::StrCat("kcat -L", Kcat(mechanism, user, password), " -m 5"));
      EXPECT_NE(status, 0) << mechanism << " " << user;
      if (first) EXPECT_TRUE(absl::StrContains(out, "uthentication")) << out;
      first = false;
      EXPECT_FALSE(absl::StrContains(out, "alice-secret"));
      std::printf("%s %s refused after %s\n", mechanism.c_str(), user.c_str(),
                  absl::FormatDuration(absl::Now() - start).c_str());
    }
  }
  // Each attempt counted (librdkafka tries again within its timeout).
  int failures = 0;
  ASSERT_TRUE(absl::SimpleAtoi(Metric("warp_sasl_authentication_failures_total"), &failures));
  EXPECT_GE(failures, 6);
  // An unknown mechanism; a Kafka request before authenticating: closed.
  auto [gssapi, gout] = Sh(absl::StrCat("kcat -L", Kcat("GSSAPI", "alice", "x"), " -m 5"));
  EXPECT_NE(gssapi, 0) << gout;
  int fd = ConnectLoopback(sasl_port_, absl::Seconds(5));
  ASSERT_GE(fd, 0);
  // Metadata v1, correlation 1, client id "x", all topics (null array).
  std::string metadata("\x00\x03\x00\x01\x00\x00\x00\x01\x00\x01x\xff\xff\xff\xff", 15);
  ASSERT_TRUE(SendAll(fd, Frame(metadata)));
  EXPECT_FALSE(ReadFrame(fd).has_value());
  close(fd);
  // Others are still served, on every listener.
  auto [ok, out] = Sh(absl::StrCat("kcat -L", Kcat("SCRAM-SHA-512", "alice", "alice-secret")));
  EXPECT_EQ(ok, 0) << out;
  auto [plain, plout] = Sh(absl::StrCat("kcat -L -b ", warpd_->bootstrap()));
  EXPECT_EQ(plain, 0) << plout;
}

TEST_F(SaslClientsTest, TheUsersFileIsReadAgainOnSighup) {
  std::ofstream(certs_ + "/users") << "carol:carol-secret\n";
  ASSERT_EQ(kill(warpd_->pid(), SIGHUP), 0);
  int status = -1;
  std::string out;
  for (int i = 0; i < 50 && status != 0; ++i) {
    absl::SleepFor(absl::Milliseconds(100));
    std::tie(status, out) =
        Sh(absl::StrCat("kcat -L", Kcat("SCRAM-SHA-512", "carol", "carol-secret"), " -m 5"));
  }
  EXPECT_EQ(status, 0) << out;
  auto [alice, aout] = Sh(absl::StrCat("kcat -L", Kcat("PLAIN", "alice", "alice-secret"), " -m 5"));
  EXPECT_NE(alice, 0) << "alice was removed: " << aout;
  // A broken file keeps carol.
  std::ofstream(certs_ + "/users") << "broken\n";
  ASSERT_EQ(kill(warpd_->pid(), SIGHUP), 0);
  absl::SleepFor(absl::Milliseconds(500));
  auto [still, sout] = Sh(absl::StrCat("kcat -L", Kcat("PLAIN", "carol", "carol-secret")));
  EXPECT_EQ(still, 0) << sout;
}

// kafkajs over SASL_SSL with each mechanism: produce, then a group consumes.
TEST_F(SaslClientsTest, KafkajsLogsInWithEveryMechanism) {
  for (const std::string mechanism : {"plain", "scram-sha-256", "scram-sha-512"}) {
    std::string command = NodeCommand(
        "tests/clients/kafkajs_secure.js",
        absl::StrCat("127.0.0.1:", sasl_ssl_port_, " ", certs_, "/ca.pem ", mechanism,
                     " alice alice-secret"));
    ASSERT_FALSE(command.empty()) << "run through scripts/test.sh";
    auto [status, out] = Sh(command);
    EXPECT_EQ(status, 0) << mechanism << ": " << out;
    EXPECT_TRUE(absl::StrContains(out, "OK " + mechanism + " 20")) << out;
  }
}

// KIP-368 with --sasl_reauth_ms=3000: kafkajs re-authenticates on its
// connections and never errs (retries off); librdkafka 2.0.2, which does not
// re-authenticate, is disconnected at expiry and carries on through a new
// connection, losing nothing.
TEST(SaslReauthTest, ClientsRenewTheirLoginsOrReconnect) {
  std::string dir = NewTempDir("reauth");
  std::ofstream(dir + "/users") << "alice:alice-secret\n";
  int sasl_port = *PickFreePort();
  Warpd warpd(NewTempDir("reauth-warpd"),
              {absl::StrCat("--listeners=PLAINTEXT://127.0.0.1:{port},SASL_PLAINTEXT://127.0.0.1:",
                            sasl_port),
               "--sasl_users_file=" + dir + "/users", "--sasl_reauth_ms=3000"});
  std::string bootstrap = absl::StrCat("127.0.0.1:", sasl_port);
  std::string command = NodeCommand("tests/clients/kafkajs_reauth.js", bootstrap + " 8");
  ASSERT_FALSE(command.empty()) << "run through scripts/test.sh";
  auto [status, out] = Sh(command);
  ASSERT_EQ(status, 0) << out;
  EXPECT_TRUE(absl::StartsWith(out, "OK ")) << out;
  // More logins than connections: the re-authentications.
  auto [metric, mout] = Sh(absl::StrCat("curl -s http://127.0.0.1:", warpd.http_port(),
                                        "/metrics | sed -n 's/^warp_sasl_authentications_total //p'"));
  int logins = 0;
  ASSERT_TRUE(absl::SimpleAtoi(absl::StripAsciiWhitespace(mout), &logins)) << mout;
  EXPECT_GE(logins, 4) << "kafkajs should have re-authenticated every 2 s";
  // kcat (librdkafka 2.0.2: no KIP-368) producing for 5 s, a line every
  // 50 ms: disconnected at each expiry, it reconnects and delivers all (-E:
  // kcat would otherwise quit when its one broker is briefly down).
  auto [produced, pout] = Sh(absl::StrCat(
      "for i in $(seq 1 100); do echo \"k-$i\"; sleep 0.05; done | timeout 60 kcat -P -E -p 0 "
      "-t kcat-reauth -b ", bootstrap,
      " -X security.protocol=sasl_plaintext -X sasl.mechanisms=PLAIN -X sasl.username=alice"
      " -X sasl.password=alice-secret"));
  ASSERT_EQ(produced, 0) << pout;
  auto [consumed, cout] = Sh(absl::StrCat("timeout 60 kcat -C -p 0 -e -q -o beginning -t kcat-reauth -b ",
                                          warpd.bootstrap(), " | wc -l"));
  EXPECT_EQ(absl::StripAsciiWhitespace(cout), "100") << cout;
}

TEST_F(SaslClientsTest, PythonClientsLogInAndConsumeAGroup) {
  auto [kp, kout] = Sh(absl::StrCat(
      "/usr/bin/python3 -c \"\n"
      "from kafka import KafkaProducer, KafkaConsumer\n"
      "for mech in ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']:\n"
      "    conf = dict(bootstrap_servers='127.0.0.1:", sasl_port_, "', "
      "security_protocol='SASL_PLAINTEXT', sasl_mechanism=mech, sasl_plain_username='alice', "
      "sasl_plain_password='alice-secret')\n"
      "    topic = 'kp-' + mech\n"
      "    p = KafkaProducer(**conf)\n"
      "    for i in range(10): p.send(topic, b'k%d' % i)\n"
      "    p.flush(30)\n"
      "    p.close()\n"
      "    c = KafkaConsumer(topic, group_id='kg-' + mech, auto_offset_reset='earliest', "
      "consumer_timeout_ms=20000, **conf)\n"
      "    seen = set()\n"
      "    for m in c:\n"
      "        seen.add(m.value)\n"
      "        if len(seen) == 10: break\n"
      "    c.close()\n"
      "    print(mech, 'read', len(seen))\n"
      "\""));
  EXPECT_EQ(kp, 0) << kout;
  EXPECT_TRUE(absl::StrContains(kout, "PLAIN read 10")) << kout;
  EXPECT_TRUE(absl::StrContains(kout, "SCRAM-SHA-256 read 10")) << kout;
  EXPECT_TRUE(absl::StrContains(kout, "SCRAM-SHA-512 read 10")) << kout;
  auto [ck, cout] = Sh(absl::StrCat(
      "/usr/bin/python3 -c \"\n"
      "from confluent_kafka import Producer, Consumer\n"
      "import time\n"
      "conf = {'bootstrap.servers': '127.0.0.1:", sasl_ssl_port_, "', 'security.protocol': "
      "'sasl_ssl', 'ssl.ca.location': '", certs_, "/ca.pem', 'sasl.mechanisms': "
      "'SCRAM-SHA-256', 'sasl.username': 'alice', 'sasl.password': 'alice-secret'}\n"
      "p = Producer(dict(conf, **{'enable.idempotence': True}))\n"
      "for i in range(30): p.produce('ck-sasl', value=b'c%d' % i)\n"
      "assert p.flush(30) == 0\n"
      "c = Consumer(dict(conf, **{'group.id': 'cg-sasl', 'auto.offset.reset': 'earliest'}))\n"
      "c.subscribe(['ck-sasl'])\n"
      "seen = set()\n"
      "end = time.time() + 60\n"
      "while len(seen) < 30 and time.time() < end:\n"
      "    m = c.poll(1)\n"
      "    if m is not None and not m.error(): seen.add(m.value())\n"
      "c.close()\n"
      "print('confluent read', len(seen))\n"
      "\""));
  EXPECT_EQ(ck, 0) << cout;
  EXPECT_TRUE(absl::StrContains(cout, "confluent read 30")) << cout;
}

}  // namespace
}  // namespace warp::testing
