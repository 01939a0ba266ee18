// warpctl against a real warpd (--authorizer=acl, SASL_SSL with a CA made by
// openssl, mTLS): topics, SCRAM users and ACLs; what its ACLs allow is
// checked with kcat logging in as the users warpctl created.
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/clients/warpd.h"
#include "tests/util/loopback.h"
#include "tests/util/subprocess.h"

namespace warp::testing {
namespace {

class WarpctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    certs_ = NewTempDir("certs");
    auto [made, out] = Sh(absl::StrCat("sh ", Runfile("tests/clients/make_certs.sh"), " ", certs_));
    ASSERT_EQ(made, 0) << out;
    std::ofstream(certs_ + "/users") << "admin:admin-secret\n";
    std::ofstream(certs_ + "/admin-password") << "admin-secret\n";
    sasl_ssl_port_ = *PickFreePort();
    ssl_port_ = *PickFreePort();
    warpd_.emplace(NewTempDir("warpctl"),
                   std::vector<std::string>{
                       absl::StrCat("--listeners=PLAINTEXT://127.0.0.1:{port},SASL_SSL://"
                                    "127.0.0.1:", sasl_ssl_port_, ",SSL://127.0.0.1:", ssl_port_),
                       "--sasl_users_file=" + certs_ + "/users",
                       "--tls_cert_file=" + certs_ + "/server.pem",
                       "--tls_key_file=" + certs_ + "/server.key",
                       "--tls_ca_file=" + certs_ + "/ca.pem", "--tls_client_auth=requested",
                       "--authorizer=acl",
                       "--super_users=User:admin;User:CN=carol,O=warp-test"});
  }
  // warpctl as the super user admin over SASL_SSL (SCRAM-SHA-512).
  std::pair<int, std::string> Admin(const std::string& args, const std::string& stdin_text = "") {
    return Sh(absl::StrCat(stdin_text.empty() ? "" : "printf '" + stdin_text + "\\n' | ",
                           Runfile("tools/warpctl"), " --bootstrap=127.0.0.1:", sasl_ssl_port_,
                           " --security_protocol=SASL_SSL --tls_ca_file=", certs_,
                           "/ca.pem --sasl_username=admin --sasl_password_file=", certs_,
                           "/admin-password ", args, " 2>&1"));
  }
  std::string Kcat(const std::string& user, const std::string& password) const {
    return absl::StrCat(" -b 127.0.0.1:", sasl_ssl_port_,
                        " -X security.protocol=sasl_ssl -X ssl.ca.location=", certs_,
                        "/ca.pem -X sasl.mechanisms=SCRAM-SHA-512 -X sasl.username=", user,
                        " -X sasl.password=", password);
  }

  std::string certs_;
  int sasl_ssl_port_ = 0, ssl_port_ = 0;
  std::optional<Warpd> warpd_;
};

TEST_F(WarpctlTest, TopicsUsersAndAcls) {
  auto [created, cout] = Admin("topics create payments --partitions=3 --config=retention.ms=60000");
  ASSERT_EQ(created, 0) << cout;
  auto [listed, lout] = Admin("topics list");
  ASSERT_EQ(listed, 0) << lout;
  EXPECT_EQ(lout, "payments\n");
  auto [described, dout] = Admin("topics describe payments");
  ASSERT_EQ(described, 0) << dout;
  EXPECT_EQ(dout, "payments partitions=3\n  retention.ms=60000\n");

  // A user made by warpctl logs in with kcat (SCRAM-SHA-512), and may do
  // what warpctl allowed: produce, not consume.
  auto [set, sout] = Admin("users set dave", "dave-pw");
  ASSERT_EQ(set, 0) << sout;
  auto [users, uout] = Admin("users list");
  ASSERT_EQ(users, 0) << uout;
  EXPECT_EQ(uout, "dave SCRAM-SHA-512 iterations=8192\n");
  auto [added, aout] = Admin("acls add --principal=User:dave --operation=WRITE --topic=pay "
                             "--pattern=prefixed");
  ASSERT_EQ(added, 0) << aout;
  auto [produced, pout] = Sh(absl::StrCat("printf 'x\\ny\\n' | timeout 60 kcat -P -p 0 -t payments",
                                          Kcat("dave", "dave-pw")));
  EXPECT_EQ(produced, 0) << pout;
  auto [consumed, rout] = Sh(absl::StrCat("timeout 60 kcat -C -p 0 -e -q -o beginning -t payments",
                                          Kcat("dave", "dave-pw")));
  EXPECT_NE(consumed, 0) << rout;
  auto [acls, lsout] = Admin("acls list --principal=User:dave");
  ASSERT_EQ(acls, 0) << lsout;
  EXPECT_EQ(lsout, "TOPIC pay PREFIXED User:dave * WRITE ALLOW\n");
  // Refusals name Kafka's error.
  auto [bad, bout] = Admin("acls add --principal=dave --operation=READ --cluster");
  EXPECT_NE(bad, 0);
  EXPECT_TRUE(absl::StrContains(bout, "INVALID_REQUEST")) << bout;
  // Removing the user ends its logins; removing the ACL ends the writes.
  auto [removed, rmout] = Admin("acls remove --principal=User:dave");
  ASSERT_EQ(removed, 0) << rmout;
  EXPECT_TRUE(absl::StrContains(rmout, "removed TOPIC pay PREFIXED")) << rmout;
  auto [gone, gout] = Admin("users remove dave");
  ASSERT_EQ(gone, 0) << gout;
  auto [login, loginout] = Sh(absl::StrCat("timeout 60 kcat -L", Kcat("dave", "dave-pw")));
  EXPECT_NE(login, 0) << loginout;
  auto [deleted, delout] = Admin("topics delete payments");
  ASSERT_EQ(deleted, 0) << delout;
  auto [empty, eout] = Admin("topics list");
  EXPECT_EQ(eout, "");
}

TEST_F(WarpctlTest, ConnectsWithMtlsAndRefusesBadLogins) {
  // carol's certificate makes her a super user over SSL with mTLS.
  auto [status, out] = Sh(absl::StrCat(Runfile("tools/warpctl"), " --bootstrap=127.0.0.1:",
                                       ssl_port_, " --security_protocol=SSL --tls_ca_file=",
                                       certs_, "/ca.pem --tls_cert_file=", certs_,
                                       "/carol.pem --tls_key_file=", certs_,
                                       "/carol.key topics create by-carol 2>&1"));
  EXPECT_EQ(status, 0) << out;
  // A wrong password, an untrusted server, PLAINTEXT as ANONYMOUS.
  auto [wrong, wout] = Sh(absl::StrCat("WARPCTL_SASL_PASSWORD=nope ", Runfile("tools/warpctl"),
                                       " --bootstrap=127.0.0.1:", sasl_ssl_port_,
                                       " --security_protocol=SASL_SSL --tls_ca_file=", certs_,
                                       "/ca.pem --sasl_username=admin topics list 2>&1"));
  EXPECT_EQ(wrong, 1) << wout;
  EXPECT_TRUE(absl::StrContains(wout, "SASL login as admin failed")) << wout;
  auto [untrusted, uout] = Sh(absl::StrCat("WARPCTL_SASL_PASSWORD=admin-secret ",
                                           Runfile("tools/warpctl"), " --bootstrap=127.0.0.1:",
                                           sasl_ssl_port_, " --security_protocol=SASL_SSL",
                                           " --tls_ca_file=", certs_, "/mallory.pem",
                                           " --sasl_username=admin topics list 2>&1"));
  EXPECT_EQ(untrusted, 1) << uout;
  EXPECT_TRUE(absl::StrContains(uout, "certificate")) << uout;
  auto [anonymous, aout] = Sh(absl::StrCat(Runfile("tools/warpctl"), " --bootstrap=",
                                           warpd_->bootstrap(), " acls list 2>&1"));
  EXPECT_EQ(anonymous, 1) << aout;
  EXPECT_TRUE(absl::StrContains(aout, "CLUSTER_AUTHORIZATION_FAILED")) << aout;
}

}  // namespace
}  // namespace warp::testing
