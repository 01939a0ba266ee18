// Kafka's ssl.principal.mapping.rules, with cases from Kafka's
// SslPrincipalMapperTest and KIP-371's examples.
#include "lib/security/acl/ssl_principal_mapper.h"

#include "gtest/gtest.h"

namespace warp::acl {
namespace {

std::string MapWith(const std::string& rules, const std::string& subject) {
  absl::StatusOr<std::shared_ptr<const SslPrincipalMapper>> mapper =
      SslPrincipalMapper::Parse(rules);
  EXPECT_TRUE(mapper.ok()) << rules << ": " << mapper.status();
  if (!mapper.ok()) return "<bad rules>";
  absl::StatusOr<std::string> name = (*mapper)->Map(subject);
  return name.ok() ? *name : "<" + std::string(absl::StatusCodeToString(name.status().code())) + ">";
}

TEST(SslPrincipalMapperTest, KafkasExamples) {
  const std::string rules =
      "RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/,"
      "RULE:^CN=(.*?),OU=(.*?),O=(.*?),L=(.*?),ST=(.*?),C=(.*?)$/$1@$2/L,"
      "RULE:^cn=(.*?),ou=(.*?),dc=(.*?),dc=(.*?)$/$1@$2/U,"
      "RULE:^.*[Cc][Nn]=([a-zA-Z0-9.]*).*$/$1/U,"
      "DEFAULT";
  EXPECT_EQ(MapWith(rules, "CN=Duke,OU=ServiceUsers,O=Org,C=US"), "Duke");
  EXPECT_EQ(MapWith(rules, "CN=Duke,OU=SME,O=mycp,L=Fulton,ST=MD,C=US"), "duke@sme");
  EXPECT_EQ(MapWith(rules, "cn=duke,ou=JavaSoft,dc=mycp,dc=com"), "DUKE@JAVASOFT");
  EXPECT_EQ(MapWith(rules, "OU=JavaSoft,O=Sun Microsystems,C=US,CN=Duke"), "DUKE");
  EXPECT_EQ(MapWith(rules, "OU=JavaSoft,O=Sun Microsystems,C=US"), "OU=JavaSoft,O=Sun Microsystems,C=US");
}

TEST(SslPrincipalMapperTest, TheIssuesExampleAndDefaults) {
  EXPECT_EQ(MapWith("RULE:^CN=([^,]+)$/$1/,DEFAULT", "CN=carol"), "carol");
  EXPECT_EQ(MapWith("RULE:^CN=([^,]+)$/$1/,DEFAULT", "O=warp-test,CN=carol"), "O=warp-test,CN=carol");
  EXPECT_EQ(MapWith("", "CN=carol,O=x"), "CN=carol,O=x");
  EXPECT_EQ(MapWith("DEFAULT", "CN=carol"), "CN=carol");
  // No rule applies: the client is refused.
  EXPECT_EQ(MapWith("RULE:^CN=(admin)$/$1/", "CN=carol"), "<NOT_FOUND>");
}

TEST(SslPrincipalMapperTest, EscapesAndSpaces) {
  // An escaped slash in the pattern, a literal $ in the replacement, spaces
  // around rules.
  EXPECT_EQ(MapWith("  RULE:^CN=a\\/b$/x\\$y/ ,  DEFAULT ", "CN=a/b"), "x$y");
  EXPECT_EQ(MapWith("RULE:^CN=([^,]+),O=(.*)$/$2-$1/", "CN=c,O=acme"), "acme-c");
}

TEST(SslPrincipalMapperTest, BadRulesAreRefused) {
  for (const char* bad : {"RULE:^CN=(.*$/$1/", "RULE:abc", "RULE:a/b", "NOPE",
                          "RULE:a/b/X", "DEFAULT DEFAULT"}) {
    EXPECT_FALSE(SslPrincipalMapper::Parse(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace warp::acl
