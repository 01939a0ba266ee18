// warpd's SSL listeners with real clients: kcat (librdkafka), confluent-kafka
// and kafka-python produce and consume over TLS with the server verified
// against a CA made by openssl at test time; mTLS with a client
// certificate; each listener advertises its own address; clients that get
// the protocol wrong are refused while others are served.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/clients/warpd.h"
#include "tests/util/subprocess.h"

namespace warp::testing {
namespace {

class TlsClientsTest : public ::testing::Test {
 protected:
  // warpd with a PLAINTEXT and an SSL listener, client certificates as
  // `client_auth` says.
  // The certificates' folder, made on first use.
  const std::string& Certs() {
    if (certs_.empty()) {
      certs_ = NewTempDir("certs");
      auto [made, out] =
          Sh(absl::StrCat("sh ", Runfile("tests/clients/make_certs.sh"), " ", certs_));
      EXPECT_EQ(made, 0) << out;
    }
    return certs_;
  }
  void StartWarpd(const std::string& client_auth, std::vector<std::string> extra = {}) {
    Certs();
    ssl_port_ = *PickFreePort();
    std::vector<std::string> args = {
        absl::StrCat("--listeners=PLAINTEXT://127.0.0.1:{port},SSL://127.0.0.1:", ssl_port_),
        "--tls_cert_file=" + certs_ + "/server.pem", "--tls_key_file=" + certs_ + "/server.key",
        "--tls_ca_file=" + certs_ + "/ca.pem", "--tls_client_auth=" + client_auth};
    args.insert(args.end(), extra.begin(), extra.end());
    warpd_.emplace(NewTempDir("tls"), std::move(args));
  }
  std::string ssl_bootstrap() const { return absl::StrCat("127.0.0.1:", ssl_port_); }
  // kcat's options for the SSL listener (with `cert`'s client certificate).
  std::string KcatSsl(const std::string& cert = "") const {
    std::string opts = absl::StrCat(" -b ", ssl_bootstrap(), " -X security.protocol=ssl",
                                    " -X ssl.ca.location=", certs_, "/ca.pem");
    if (!cert.empty()) {
      absl::StrAppend(&opts, " -X ssl.certificate.location=", certs_, "/", cert, ".pem",
                      " -X ssl.key.location=", certs_, "/", cert, ".key");
    }
    return opts;
  }

  std::string certs_;
  int ssl_port_ = 0;
  std::optional<Warpd> warpd_;
};

// A client certificate's principal as --tls_principal_mapping_rules names
// it ("CN=carol,O=warp-test" -> "User:carol"), checked by the ACLs. The
// PLAINTEXT loopback listener's User:ANONYMOUS is the super user here.
TEST_F(TlsClientsTest, MappedCertificatePrincipalsAreAuthorized) {
  StartWarpd("required", {"--tls_principal_mapping_rules=RULE:^CN=([^,]+),O=warp-test$/$1/L,DEFAULT",
                          "--authorizer=acl", "--super_users=User:ANONYMOUS"});
  auto [added, aout] = Sh(absl::StrCat(Runfile("tools/warpctl"), " --bootstrap=",
                                       warpd_->bootstrap(), " acls add --principal=User:carol",
                                       " --operation=ALL --topic=mapped 2>&1"));
  ASSERT_EQ(added, 0) << aout;
  auto [made, mout] = Sh(absl::StrCat(Runfile("tools/warpctl"), " --bootstrap=",
                                      warpd_->bootstrap(), " topics create mapped 2>&1"));
  ASSERT_EQ(made, 0) << mout;
  auto [produced, pout] = Sh(absl::StrCat("printf 'm\\n' | timeout 60 kcat -P -p 0",
                                          KcatSsl("carol"), " -t mapped"));
  EXPECT_EQ(produced, 0) << pout;
  auto [consumed, cout] = Sh(absl::StrCat("timeout 60 kcat -C -p 0 -e -q -o beginning",
                                          KcatSsl("carol"), " -t mapped"));
  EXPECT_EQ(consumed, 0) << cout;
  EXPECT_EQ(cout, "m\n");
  auto [other, oout] = Sh(absl::StrCat("printf 'm\\n' | timeout 60 kcat -P -p 0",
                                       KcatSsl("carol"), " -t unmapped"));
  EXPECT_NE(other, 0) << oout;
  EXPECT_TRUE(absl::StrContains(oout, "authorization failed")) << oout;
}

// The HTTP listener over HTTPS: /metrics, /healthz and /readyz stay open
// (no client certificate asked), verified against the test CA.
TEST_F(TlsClientsTest, HttpListenerServesHttps) {
  StartWarpd("none", {"--http_tls_cert_file=" + Certs() + "/server.pem",
                      "--http_tls_key_file=" + Certs() + "/server.key"});
  std::string url = absl::StrCat("https://127.0.0.1:", warpd_->http_port());
  auto [metrics, mout] =
      Sh(absl::StrCat("curl -sS --max-time 10 --cacert ", certs_, "/ca.pem ", url, "/metrics"));
  EXPECT_EQ(metrics, 0) << mout;
  EXPECT_TRUE(absl::StrContains(mout, "warp_produce_requests_total")) << mout;
  auto [ready, rout] = Sh(absl::StrCat("curl -sS --max-time 10 --cacert ", certs_, "/ca.pem ",
                                       url, "/readyz"));
  EXPECT_EQ(ready, 0) << rout;
  // Plain HTTP on it gets nothing; an untrusting client refuses it.
  auto [plain, pout] = Sh(absl::StrCat("curl -sS --max-time 10 http://127.0.0.1:",
                                       warpd_->http_port(), "/metrics"));
  EXPECT_NE(plain, 0) << pout;
  auto [untrusted, uout] = Sh(absl::StrCat("curl -sS --max-time 10 ", url, "/metrics"));
  EXPECT_NE(untrusted, 0) << uout;
}

// A certificate no mapping rule applies to is refused, as Kafka refuses it.
TEST_F(TlsClientsTest, ACertificateNoRuleNamesIsRefused) {
  StartWarpd("required", {"--tls_principal_mapping_rules=RULE:^CN=admin$/admin/"});
  auto [refused, rout] = Sh(absl::StrCat("timeout 30 kcat -L -m 5", KcatSsl("carol")));
  EXPECT_NE(refused, 0) << rout;
  auto [plain, pout] = Sh(absl::StrCat("timeout 30 kcat -L -b ", warpd_->bootstrap()));
  EXPECT_EQ(plain, 0) << pout;
}

TEST_F(TlsClientsTest, KcatProducesAndConsumesOverSsl) {
  StartWarpd("none");
  auto [produced, pout] = Sh(absl::StrCat(
      "for i in $(seq 0 99); do echo \"value-$i\"; done | kcat -P", KcatSsl(), " -t over-ssl"));
  ASSERT_EQ(produced, 0) << pout;
  auto [consumed, cout] =
      Sh(absl::StrCat("kcat -C", KcatSsl(), " -t over-ssl -o beginning -e -q -f '%s\\n'"));
  ASSERT_EQ(consumed, 0) << cout;
  EXPECT_TRUE(absl::StrContains(cout, "value-0\n")) << cout;
  EXPECT_TRUE(absl::StrContains(cout, "value-99\n")) << cout;
  // Each listener gives its clients its own address.
  auto [listed, lout] = Sh(absl::StrCat("kcat -L", KcatSsl(), " -t over-ssl"));
  ASSERT_EQ(listed, 0) << lout;
  EXPECT_TRUE(absl::StrContains(lout, absl::StrCat("127.0.0.1:", ssl_port_))) << lout;
  auto [plain, plout] = Sh(absl::StrCat("kcat -L -b ", warpd_->bootstrap(), " -t over-ssl"));
  ASSERT_EQ(plain, 0) << plout;
  EXPECT_TRUE(absl::StrContains(plout, warpd_->bootstrap())) << plout;
  EXPECT_FALSE(absl::StrContains(plout, absl::StrCat(":", ssl_port_))) << plout;
}

// kafkajs over SSL, then with a client certificate (mTLS required).
TEST_F(TlsClientsTest, KafkajsOverSslAndMtls) {
  StartWarpd("requested");
  for (const std::string mode : {"ssl", "mtls"}) {
    std::string args = absl::StrCat(ssl_bootstrap(), " ", certs_, "/ca.pem ", mode);
    if (mode == "mtls") absl::StrAppend(&args, " ", certs_, "/carol.pem ", certs_, "/carol.key");
    std::string command = NodeCommand("tests/clients/kafkajs_secure.js", args);
    ASSERT_FALSE(command.empty()) << "run through scripts/test.sh";
    auto [status, out] = Sh(command);
    EXPECT_EQ(status, 0) << mode << ": " << out;
    EXPECT_TRUE(absl::StrContains(out, "OK " + mode + " 20")) << out;
  }
}

TEST_F(TlsClientsTest, PythonClientsProduceAndConsumeAGroupOverSsl) {
  StartWarpd("none");
  std::string ca = certs_ + "/ca.pem";
  auto [confluent, cout] = Sh(absl::StrCat(
      "/usr/bin/python3 -c \"\n"
      "from confluent_kafka import Producer, Consumer\n"
      "conf = {'bootstrap.servers': '", ssl_bootstrap(), "', 'security.protocol': 'ssl', "
      "'ssl.ca.location': '", ca, "'}\n"
      "p = Producer(dict(conf, **{'enable.idempotence': True}))\n"
      "for i in range(50): p.produce('py-ssl', value=b'c%d' % i)\n"
      "assert p.flush(30) == 0\n"
      "c = Consumer(dict(conf, **{'group.id': 'g-ssl', 'auto.offset.reset': 'earliest'}))\n"
      "c.subscribe(['py-ssl'])\n"
      "seen = set()\n"
      "import time\n"
      "end = time.time() + 60\n"
      "while len(seen) < 50 and time.time() < end:\n"
      "    m = c.poll(1)\n"
      "    if m is not None and not m.error(): seen.add(m.value())\n"
      "c.commit(asynchronous=False)\n"
      "c.close()\n"
      "print('confluent read', len(seen))\n"
      "\""));
  EXPECT_EQ(confluent, 0) << cout;
  EXPECT_TRUE(absl::StrContains(cout, "confluent read 50")) << cout;
  auto [kp, kout] = Sh(absl::StrCat(
      "/usr/bin/python3 -c \"\n"
      "from kafka import KafkaProducer, KafkaConsumer\n"
      "conf = dict(bootstrap_servers='", ssl_bootstrap(), "', security_protocol='SSL', "
      "ssl_cafile='", ca, "')\n"
      "p = KafkaProducer(**conf)\n"
      "for i in range(20): p.send('kp-ssl', b'k%d' % i)\n"
      "p.flush(30)\n"
      "c = KafkaConsumer('kp-ssl', group_id='kg-ssl', auto_offset_reset='earliest', "
      "consumer_timeout_ms=20000, **conf)\n"
      "seen = set()\n"
      "for m in c:\n"
      "    seen.add(m.value)\n"
      "    if len(seen) == 20: break\n"
      "c.close()\n"
      "print('kafka-python read', len(seen))\n"
      "\""));
  EXPECT_EQ(kp, 0) << kout;
  EXPECT_TRUE(absl::StrContains(kout, "kafka-python read 20")) << kout;
}

TEST_F(TlsClientsTest, RequiredClientCertificates) {
  StartWarpd("required");
  auto [with, wout] = Sh(absl::StrCat("echo hello | kcat -P", KcatSsl("carol"), " -t mtls"));
  EXPECT_EQ(with, 0) << wout;
  // None, one no CA of ours signed, one of our CA that expired.
  for (const std::string cert : {"", "mallory", "expired"}) {
    auto [status, out] = Sh(absl::StrCat("echo no | kcat -P", KcatSsl(cert),
                                         " -t mtls -X message.timeout.ms=5000"
                                         " -X socket.timeout.ms=3000"));
    EXPECT_NE(status, 0) << "client certificate \"" << cert << "\": " << out;
  }
  auto [consumed, cout] =
      Sh(absl::StrCat("kcat -C", KcatSsl("carol"), " -t mtls -o beginning -e -q"));
  EXPECT_EQ(consumed, 0) << cout;
  EXPECT_EQ(cout, "hello\n");
}

TEST_F(TlsClientsTest, WrongProtocolsAreRefusedAndOthersServed) {
  StartWarpd("none");
  // Plaintext on the SSL port, TLS on the plaintext port: no metadata.
  auto [plain_on_ssl, out1] = Sh(absl::StrCat("kcat -L -b ", ssl_bootstrap(),
                                              " -m 5 -X socket.timeout.ms=3000"));
  EXPECT_NE(plain_on_ssl, 0) << out1;
  auto [ssl_on_plain, out2] =
      Sh(absl::StrCat("kcat -L -b ", warpd_->bootstrap(), " -X security.protocol=ssl -X ",
                      "ssl.ca.location=", certs_, "/ca.pem -m 5 -X socket.timeout.ms=3000"));
  EXPECT_NE(ssl_on_plain, 0) << out2;
  auto [ok, out3] = Sh(absl::StrCat("kcat -L", KcatSsl()));
  EXPECT_EQ(ok, 0) << out3;
}

}  // namespace
}  // namespace warp::testing
