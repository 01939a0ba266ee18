// The etcd journal over TLS (etcds://, a private CA, client certificates for
// etcd's --client-cert-auth) and with etcd's user/password authentication
// (tokens renewed when they expire), against a real etcd with certificates
// made by openssl. The password never shows in an error.
#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/util/etcd.h"
#include "tests/util/subprocess.h"
#include "warp/metadata_store.h"

namespace warp {
namespace {

std::string MakeCerts() {
  std::string dir = testing::NewTempDir("etcd-certs");
  std::string script =
      absl::StrCat(std::getenv("TEST_SRCDIR"), "/warp/tests/clients/make_certs.sh");
  auto p = testing::Subprocess::Start({"/bin/sh", script, dir}, dir + ".log");
  EXPECT_TRUE(p.ok());
  EXPECT_EQ(p->Wait(absl::Minutes(1)), 0);
  return dir;
}

absl::Status CreateAndReadBack(const std::string& url, const std::string& topic) {
  absl::StatusOr<std::unique_ptr<MetadataStore>> store = MetadataStore::Open(url);
  if (!store.ok()) return store.status();
  absl::StatusOr<CommandResult> created = (*store)->Execute(CreateTopic{topic, {1, 2}, 1, {}});
  if (!created.ok()) return created.status();
  if (!created->ok()) return absl::InternalError(created->message);
  store->reset();
  store = MetadataStore::Open(url);
  if (!store.ok()) return store.status();
  if (!(*store)->GetTopic(topic).has_value()) return absl::NotFoundError("topic lost");
  return absl::OkStatus();
}

TEST(EtcdSecurityTest, TlsWithClientCertificates) {
  std::string certs = MakeCerts();
  auto etcd = testing::EtcdCluster::StartTls(
      certs, 1, {"--client-cert-auth", "--trusted-ca-file=" + certs + "/ca.pem"});
  ASSERT_TRUE(etcd.ok()) << etcd.status();
  std::string base = (*etcd)->Url("warp");
  ASSERT_TRUE(absl::StartsWith(base, "etcds://")) << base;
  std::string client = absl::StrCat("?ca_file=", certs, "/ca.pem&cert_file=", certs,
                                    "/carol.pem&key_file=", certs, "/carol.key");
  EXPECT_TRUE(CreateAndReadBack(base + client, "over-tls").ok());
  // The same through etcd://...?tls=1.
  std::string tls1 = "etcd://" + (*etcd)->endpoints() + "/warp" + client + "&tls=1";
  EXPECT_TRUE(CreateAndReadBack(tls1, "over-tls-again").ok());
  // Without a client certificate, or trusting another CA: refused.
  absl::Status no_cert = CreateAndReadBack(base + "?ca_file=" + certs + "/ca.pem", "x");
  EXPECT_FALSE(no_cert.ok());
  absl::Status untrusted = CreateAndReadBack(
      absl::StrCat(base, "?ca_file=", certs, "/mallory.pem&cert_file=", certs,
                   "/carol.pem&key_file=", certs, "/carol.key"),
      "y");
  EXPECT_FALSE(untrusted.ok());
  // A certificate without its key is a URL error.
  EXPECT_EQ(MetadataStore::Open(base + "?cert_file=" + certs + "/carol.pem").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(EtcdSecurityTest, UserAndPasswordWithExpiringTokens) {
  std::string certs = MakeCerts();
  // Tokens expire after 2 s unused: the store must get new ones.
  auto etcd = testing::EtcdCluster::StartTls(certs, 1, {"--auth-token-ttl=2"});
  ASSERT_TRUE(etcd.ok()) << etcd.status();
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"user", "add", "root", "--new-user-password=root-pw"},
           {"user", "grant-role", "root", "root"},
           {"user", "add", "warp", "--new-user-password=warp-pw"},
           {"role", "add", "warp"},
           {"role", "grant-permission", "warp", "--prefix=true", "readwrite", "/journal/"},
           {"user", "grant-role", "warp", "warp"},
           {"auth", "enable"}}) {
    absl::StatusOr<std::string> out = (*etcd)->Etcdctl(args);
    ASSERT_TRUE(out.ok()) << out.status();
  }
  std::string password_file = testing::NewTempDir("etcd-pw") + "/password";
  std::ofstream(password_file) << "warp-pw\n";
  std::string url = absl::StrCat((*etcd)->Url("journal"), "?ca_file=", certs,
                                 "/ca.pem&user=warp&password_file=", password_file);
  ASSERT_TRUE(CreateAndReadBack(url, "authenticated").ok());
  {
    absl::StatusOr<std::unique_ptr<MetadataStore>> store = MetadataStore::Open(url);
    ASSERT_TRUE(store.ok()) << store.status();
    absl::SleepFor(absl::Seconds(3));  // the token expires
    absl::StatusOr<CommandResult> later = (*store)->Execute(CreateTopic{"later", {3, 4}, 1, {}});
    ASSERT_TRUE(later.ok()) << later.status();
    EXPECT_TRUE(later->ok()) << later->message;
  }
  // The password from the environment.
  setenv("WARP_ETCD_PASSWORD", "warp-pw", 1);
  EXPECT_TRUE(CreateAndReadBack(absl::StrCat((*etcd)->Url("journal"), "?ca_file=", certs,
                                             "/ca.pem&user=warp"),
                                "from-env")
                  .ok());
  // A wrong password is refused, and the error does not show it.
  setenv("WARP_ETCD_PASSWORD", "not-the-password", 1);
  absl::Status wrong = CreateAndReadBack(
      absl::StrCat((*etcd)->Url("journal"), "?ca_file=", certs, "/ca.pem&user=warp"), "no");
  unsetenv("WARP_ETCD_PASSWORD");
  ASSERT_FALSE(wrong.ok());
  EXPECT_TRUE(absl::StrContains(wrong.message(), "warp")) << wrong;
  EXPECT_FALSE(absl::StrContains(wrong.message(), "not-the-password")) << wrong;
  // No user at all: etcd refuses the requests.
  EXPECT_FALSE(
      CreateAndReadBack(absl::StrCat((*etcd)->Url("journal"), "?ca_file=", certs, "/ca.pem"), "z")
          .ok());
  // user= without a password anywhere is a URL error.
  EXPECT_EQ(MetadataStore::Open((*etcd)->Url("journal") + "?user=warp").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace warp
