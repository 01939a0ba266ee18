// The model test: Kafka's authorization rules as a table of cases (after
// Kafka's AclAuthorizerTest, BaseAuthorizerTest and
// AuthorizerInterfaceDefaultTest), each a set of ACLs, the options and one
// question with its answer.
#include "lib/security/acl/authorizer.h"

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "lib/security/acl/acl_filter.h"

namespace warp::acl {
namespace {

constexpr AuthorizationResult kAllowed = AuthorizationResult::kAllowed;
constexpr AuthorizationResult kDenied = AuthorizationResult::kDenied;

// "TYPE PATTERN name principal host OPERATION PERMISSION".
AclBinding Acl(absl::string_view spec) {
  std::vector<std::string> f = absl::StrSplit(spec, ' ');
  EXPECT_EQ(f.size(), 7u) << spec;
  f.resize(7);
  return AclBinding{
      {ParseResourceType(f[0]), f[2], ParsePatternType(f[1])},
      {f[3], f[4], ParseAclOperation(f[5]), ParseAclPermissionType(f[6])}};
}

std::shared_ptr<const AclSnapshot> Snapshot(
    const std::vector<std::string>& specs, AuthorizerOptions options = {}) {
  std::vector<AclBinding> bindings;
  for (const std::string& spec : specs) bindings.push_back(Acl(spec));
  auto snapshot = AclSnapshot::Build(std::move(bindings), std::move(options));
  EXPECT_TRUE(snapshot.ok()) << snapshot.status();
  return snapshot.ok() ? *snapshot : AclSnapshot::Empty();
}

constexpr char kAlice[] = "User:alice";
constexpr char kHost1[] = "192.168.1.1";
constexpr char kHost2[] = "10.0.0.1";

struct Case {
  const char* rule;
  std::vector<std::string> acls;
  bool allow_everyone_if_no_acl_found;
  // "principal host OPERATION TYPE name" asks Authorize;
  // "principal host OPERATION TYPE" asks AuthorizeAny.
  const char* question;
  AuthorizationResult answer;
};

// The case's answer, with User:admin the super user.
AuthorizationResult Answer(const Case& c) {
  AuthorizerOptions options;
  options.super_users = {"User:admin"};
  options.allow_everyone_if_no_acl_found = c.allow_everyone_if_no_acl_found;
  auto snapshot = Snapshot(c.acls, options);
  std::vector<std::string> q = absl::StrSplit(c.question, ' ');
  EXPECT_TRUE(q.size() == 4 || q.size() == 5) << c.question;
  const bool any = q.size() == 4;
  q.resize(5);
  const AclOperation operation = ParseAclOperation(q[2]);
  const ResourceType type = ParseResourceType(q[3]);
  return any ? snapshot->AuthorizeAny(q[0], q[1], operation, type)
             : snapshot->Authorize(q[0], q[1], operation, type, q[4]);
}

const Case kCases[] = {
    // allow_everyone_if_no_acl_found.
    {"no ACL, default closed",
     {},
     false,
     "User:alice 192.168.1.1 READ TOPIC t",
     kDenied},
    {"no ACL, allow everyone",
     {},
     true,
     "User:alice 192.168.1.1 READ TOPIC t",
     kAllowed},
    {"ACLs of other resources only: still no ACL for this one",
     {"TOPIC LITERAL other User:alice * READ ALLOW",
      "GROUP LITERAL t User:alice * READ ALLOW",
      "TOPIC PREFIXED tx User:alice * READ ALLOW"},
     true,
     "User:alice 192.168.1.1 READ TOPIC t",
     kAllowed},
    {"an ACL of anyone on the resource disables allow-everyone",
     {"TOPIC LITERAL t User:bob * WRITE ALLOW"},
     true,
     "User:alice 192.168.1.1 READ TOPIC t",
     kDenied},
    {"a PREFIXED ACL counts as an ACL of the resource",
     {"TOPIC PREFIXED to User:bob * READ ALLOW"},
     true,
     "User:alice 192.168.1.1 READ TOPIC topic",
     kDenied},
    {"a LITERAL * ACL counts as an ACL of the resource",
     {"TOPIC LITERAL * User:bob * READ DENY"},
     true,
     "User:alice 192.168.1.1 READ TOPIC topic",
     kDenied},

    // Principal and host.
    {"allowed principal",
     {"TOPIC LITERAL t User:alice * READ ALLOW"},
     false,
     "User:alice 192.168.1.1 READ TOPIC t",
     kAllowed},
    {"another principal",
     {"TOPIC LITERAL t User:alice * READ ALLOW"},
     false,
     "User:bob 192.168.1.1 READ TOPIC t",
     kDenied},
    {"principals are case-sensitive",
     {"TOPIC LITERAL t User:alice * READ ALLOW"},
     false,
     "User:Alice 192.168.1.1 READ TOPIC t",
     kDenied},
    {"User:* matches every user",
     {"TOPIC LITERAL t User:* * READ ALLOW"},
     false,
     "User:bob 192.168.1.1 READ TOPIC t",
     kAllowed},
    {"User:* matches principals of any type (as Kafka)",
     {"TOPIC LITERAL t User:* * READ ALLOW"},
     false,
     "ServiceAccount:x 192.168.1.1 READ TOPIC t",
     kAllowed},
    {"Group:* is no wildcard",
     {"TOPIC LITERAL t Group:* * READ ALLOW"},
     false,
     "Group:x 192.168.1.1 READ TOPIC t",
     kDenied},
    {"the principal type matters",
     {"TOPIC LITERAL t Group:alice * READ ALLOW"},
     false,
     "User:alice 192.168.1.1 READ TOPIC t",
     kDenied},
    {"allowed host",
     {"TOPIC LITERAL t User:alice 192.168.1.1 READ ALLOW"},
     false,
     "User:alice 192.168.1.1 READ TOPIC t",
     kAllowed},
    {"another host",
     {"TOPIC LITERAL t User:alice 192.168.1.1 READ ALLOW"},
     false,
     "User:alice 10.0.0.1 READ TOPIC t",
     kDenied},
    {"hosts compare exactly",
     {"TOPIC LITERAL t User:alice 10.0.0.1 READ ALLOW"},
     false,
     "User:alice 10.0.0.10 READ TOPIC t",
     kDenied},

    // DENY wins.
    {"DENY from one host, ALLOW from all: that host",
     {"TOPIC LITERAL t User:alice * READ ALLOW",
      "TOPIC LITERAL t User:alice 10.0.0.1 READ DENY"},
     false,
     "User:alice 10.0.0.1 READ TOPIC t",
     kDenied},
    {"DENY from one host, ALLOW from all: another host",
     {"TOPIC LITERAL t User:alice * READ ALLOW",
      "TOPIC LITERAL t User:alice 10.0.0.1 READ DENY"},
     false,
     "User:alice 192.168.1.1 READ TOPIC t",
     kAllowed},
    {"DENY of User:* beats ALLOW of the user",
     {"TOPIC LITERAL t User:alice * READ ALLOW",
      "TOPIC LITERAL t User:* * READ DENY"},
     false,
     "User:alice 192.168.1.1 READ TOPIC t",
     kDenied},
    {"DENY on LITERAL * beats ALLOW on the name",
     {"TOPIC LITERAL t User:alice * READ ALLOW",
      "TOPIC LITERAL * User:alice * READ DENY"},
     false,
     "User:alice 192.168.1.1 READ TOPIC t",
     kDenied},
    {"DENY on a prefix beats ALLOW on the name",
     {"TOPIC LITERAL t-1 User:alice * ALL ALLOW",
      "TOPIC PREFIXED t- User:alice * WRITE DENY"},
     false,
     "User:alice 192.168.1.1 WRITE TOPIC t-1",
     kDenied},
    {"DENY of WRITE leaves READ",
     {"TOPIC LITERAL t-1 User:alice * ALL ALLOW",
      "TOPIC PREFIXED t- User:alice * WRITE DENY"},
     false,
     "User:alice 192.168.1.1 READ TOPIC t-1",
     kAllowed},
    {"DENY on one topic leaves the others",
     {"TOPIC LITERAL * User:alice * READ ALLOW",
      "TOPIC LITERAL t1 User:alice * READ DENY"},
     false,
     "User:alice 192.168.1.1 READ TOPIC t2",
     kAllowed},
    {"a longer PREFIXED DENY beats a shorter ALLOW",
     {"TOPIC PREFIXED a User:alice * READ ALLOW",
      "TOPIC PREFIXED abc User:alice * READ DENY"},
     false,
     "User:alice 192.168.1.1 READ TOPIC abcd",
     kDenied},
    {"... and a shorter ALLOW still allows the rest",
     {"TOPIC PREFIXED a User:alice * READ ALLOW",
      "TOPIC PREFIXED abc User:alice * READ DENY"},
     false,
     "User:alice 192.168.1.1 READ TOPIC abd",
     kAllowed},

    // Resource patterns.
    {"LITERAL * allows every topic",
     {"TOPIC LITERAL * User:alice * READ ALLOW"},
     false,
     "User:alice 192.168.1.1 READ TOPIC anything",
     kAllowed},
    {"LITERAL * is per resource type",
     {"TOPIC LITERAL * User:alice * READ ALLOW"},
     false,
     "User:alice 192.168.1.1 READ GROUP g",
     kDenied},
    {"PREFIXED allows names with the prefix",
     {"TOPIC PREFIXED logs. User:alice * READ ALLOW"},
     false,
     "User:alice 192.168.1.1 READ TOPIC logs.app",
     kAllowed},
    {"PREFIXED allows the prefix itself",
     {"TOPIC PREFIXED logs. User:alice * READ ALLOW"},
     false,
     "User:alice 192.168.1.1 READ TOPIC logs.",
     kAllowed},
    {"PREFIXED does not allow a shorter name",
     {"TOPIC PREFIXED logs. User:alice * READ ALLOW"},
     false,
     "User:alice 192.168.1.1 READ TOPIC logs",
     kDenied},
    {"PREFIXED * is a prefix, not a wildcard",
     {"TOPIC PREFIXED * User:alice * READ ALLOW"},
     false,
     "User:alice 192.168.1.1 READ TOPIC t",
     kDenied},
    {"LITERAL is not a prefix",
     {"TOPIC LITERAL logs User:alice * READ ALLOW"},
     false,
     "User:alice 192.168.1.1 READ TOPIC logs.app",
     kDenied},
    {"PREFIXED transactional ids",
     {"TRANSACTIONAL_ID PREFIXED tx- User:alice * WRITE ALLOW"},
     false,
     "User:alice 192.168.1.1 WRITE TRANSACTIONAL_ID tx-1",
     kAllowed},
    {"group READ",
     {"GROUP LITERAL g User:alice * READ ALLOW"},
     false,
     "User:alice 192.168.1.1 READ GROUP g",
     kAllowed},
    {"cluster CREATE",
     {"CLUSTER LITERAL kafka-cluster User:alice * CREATE ALLOW"},
     false,
     "User:alice 192.168.1.1 CREATE CLUSTER kafka-cluster",
     kAllowed},
    {"cluster CREATE is not topic CREATE (the handler's rule)",
     {"CLUSTER LITERAL kafka-cluster User:alice * CREATE ALLOW"},
     false,
     "User:alice 192.168.1.1 CREATE TOPIC t",
     kDenied},

    // Operations: exact, ALL, implied.
    {"READ does not allow WRITE",
     {"TOPIC LITERAL t User:alice * READ ALLOW"},
     false,
     "User:alice 192.168.1.1 WRITE TOPIC t",
     kDenied},
    {"DESCRIBE does not allow READ",
     {"TOPIC LITERAL t User:alice * DESCRIBE ALLOW"},
     false,
     "User:alice 192.168.1.1 READ TOPIC t",
     kDenied},
    {"READ implies DESCRIBE",
     {"TOPIC LITERAL t User:alice * READ ALLOW"},
     false,
     "User:alice 192.168.1.1 DESCRIBE TOPIC t",
     kAllowed},
    {"WRITE implies DESCRIBE",
     {"TOPIC LITERAL t User:alice * WRITE ALLOW"},
     false,
     "User:alice 192.168.1.1 DESCRIBE TOPIC t",
     kAllowed},
    {"DELETE implies DESCRIBE",
     {"TOPIC LITERAL t User:alice * DELETE ALLOW"},
     false,
     "User:alice 192.168.1.1 DESCRIBE TOPIC t",
     kAllowed},
    {"ALTER implies DESCRIBE",
     {"TOPIC LITERAL t User:alice * ALTER ALLOW"},
     false,
     "User:alice 192.168.1.1 DESCRIBE TOPIC t",
     kAllowed},
    {"CREATE does not imply DESCRIBE",
     {"TOPIC LITERAL t User:alice * CREATE ALLOW"},
     false,
     "User:alice 192.168.1.1 DESCRIBE TOPIC t",
     kDenied},
    {"ALTER_CONFIGS does not imply DESCRIBE",
     {"TOPIC LITERAL t User:alice * ALTER_CONFIGS ALLOW"},
     false,
     "User:alice 192.168.1.1 DESCRIBE TOPIC t",
     kDenied},
    {"ALTER_CONFIGS implies DESCRIBE_CONFIGS",
     {"TOPIC LITERAL t User:alice * ALTER_CONFIGS ALLOW"},
     false,
     "User:alice 192.168.1.1 DESCRIBE_CONFIGS TOPIC t",
     kAllowed},
    {"ALTER does not imply DESCRIBE_CONFIGS",
     {"TOPIC LITERAL t User:alice * ALTER ALLOW"},
     false,
     "User:alice 192.168.1.1 DESCRIBE_CONFIGS TOPIC t",
     kDenied},
    {"DESCRIBE_CONFIGS does not imply ALTER_CONFIGS",
     {"TOPIC LITERAL t User:alice * DESCRIBE_CONFIGS ALLOW"},
     false,
     "User:alice 192.168.1.1 ALTER_CONFIGS TOPIC t",
     kDenied},
    {"implication through PREFIXED and wildcard patterns",
     {"TOPIC PREFIXED t User:* * WRITE ALLOW"},
     false,
     "User:alice 192.168.1.1 DESCRIBE TOPIC topic",
     kAllowed},
    {"DENY of READ does not deny DESCRIBE",
     {"TOPIC LITERAL t User:alice * DESCRIBE ALLOW",
      "TOPIC LITERAL t User:alice * READ DENY"},
     false,
     "User:alice 192.168.1.1 DESCRIBE TOPIC t",
     kAllowed},
    {"DENY of READ beside ALLOW of WRITE: DESCRIBE allowed",
     {"TOPIC LITERAL t User:alice * WRITE ALLOW",
      "TOPIC LITERAL t User:alice * READ DENY"},
     false,
     "User:alice 192.168.1.1 DESCRIBE TOPIC t",
     kAllowed},
    {"DENY of DESCRIBE beats the DESCRIBE READ implies",
     {"TOPIC LITERAL t User:alice * READ ALLOW",
      "TOPIC LITERAL t User:alice * DESCRIBE DENY"},
     false,
     "User:alice 192.168.1.1 DESCRIBE TOPIC t",
     kDenied},
    {"... and leaves READ",
     {"TOPIC LITERAL t User:alice * READ ALLOW",
      "TOPIC LITERAL t User:alice * DESCRIBE DENY"},
     false,
     "User:alice 192.168.1.1 READ TOPIC t",
     kAllowed},
    {"DENY of ALTER_CONFIGS does not deny DESCRIBE_CONFIGS",
     {"TOPIC LITERAL t User:alice * DESCRIBE_CONFIGS ALLOW",
      "TOPIC LITERAL t User:alice * ALTER_CONFIGS DENY"},
     false,
     "User:alice 192.168.1.1 DESCRIBE_CONFIGS TOPIC t",
     kAllowed},
    {"ALL allows CLUSTER_ACTION",
     {"CLUSTER LITERAL kafka-cluster User:alice * ALL ALLOW"},
     false,
     "User:alice 192.168.1.1 CLUSTER_ACTION CLUSTER kafka-cluster",
     kAllowed},
    {"ALL allows IDEMPOTENT_WRITE",
     {"CLUSTER LITERAL kafka-cluster User:alice * ALL ALLOW"},
     false,
     "User:alice 192.168.1.1 IDEMPOTENT_WRITE CLUSTER kafka-cluster",
     kAllowed},
    {"DENY of ALL beats ALLOW of READ",
     {"TOPIC LITERAL t User:alice * READ ALLOW",
      "TOPIC LITERAL t User:alice * ALL DENY"},
     false,
     "User:alice 192.168.1.1 READ TOPIC t",
     kDenied},
    {"DENY of ALL denies DESCRIBE",
     {"TOPIC LITERAL t User:alice * READ ALLOW",
      "TOPIC PREFIXED t User:* * ALL DENY"},
     false,
     "User:alice 192.168.1.1 DESCRIBE TOPIC t",
     kDenied},

    // Super users.
    {"super user beats DENY of everything",
     {"TOPIC LITERAL * User:* * ALL DENY"},
     false,
     "User:admin 192.168.1.1 READ TOPIC t",
     kAllowed},
    {"super user without any ACL",
     {},
     false,
     "User:admin 192.168.1.1 ALTER CLUSTER kafka-cluster",
     kAllowed},
    {"super users compare exactly",
     {},
     false,
     "User:Admin 192.168.1.1 READ TOPIC t",
     kDenied},
    {"super users are by principal, type included",
     {},
     false,
     "Group:admin 192.168.1.1 READ TOPIC t",
     kDenied},

    // Questions that are not questions.
    {"operation ANY",
     {"TOPIC LITERAL t User:alice * ALL ALLOW"},
     true,
     "User:alice 192.168.1.1 ANY TOPIC t",
     kDenied},
    {"operation ANY, super user",
     {},
     true,
     "User:admin 192.168.1.1 ANY TOPIC t",
     kDenied},
    {"resource type ANY",
     {},
     true,
     "User:admin 192.168.1.1 READ ANY t",
     kDenied},
};

TEST(Authorize, KafkasRules) {
  for (const Case& c : kCases) {
    EXPECT_EQ(Answer(c), c.answer) << c.rule << ": " << c.question;
  }
}

const Case kAnyCases[] = {
    {"no ACL", {}, false, "User:alice 192.168.1.1 WRITE TOPIC", kDenied},
    {"no ACL, allow everyone",
     {},
     true,
     "User:alice 192.168.1.1 WRITE TOPIC",
     kAllowed},
    {"an ACL on * disables allow-everyone",
     {"TOPIC LITERAL * User:bob * READ ALLOW"},
     true,
     "User:alice 192.168.1.1 WRITE TOPIC",
     kDenied},
    {"a LITERAL ALLOW",
     {"TOPIC LITERAL t1 User:alice * WRITE ALLOW"},
     false,
     "User:alice 192.168.1.1 WRITE TOPIC",
     kAllowed},
    {"a PREFIXED ALLOW",
     {"TOPIC PREFIXED t User:alice * WRITE ALLOW"},
     false,
     "User:alice 192.168.1.1 WRITE TOPIC",
     kAllowed},
    {"someone else's ALLOW",
     {"TOPIC LITERAL t1 User:alice * WRITE ALLOW"},
     false,
     "User:bob 192.168.1.1 WRITE TOPIC",
     kDenied},
    {"another operation's ALLOW",
     {"TOPIC LITERAL t1 User:alice * READ ALLOW"},
     false,
     "User:alice 192.168.1.1 WRITE TOPIC",
     kDenied},
    {"another type's ALLOW",
     {"GROUP LITERAL t1 User:alice * WRITE ALLOW"},
     false,
     "User:alice 192.168.1.1 WRITE TOPIC",
     kDenied},
    {"no implication here",
     {"TOPIC LITERAL t1 User:alice * READ ALLOW"},
     false,
     "User:alice 192.168.1.1 DESCRIBE TOPIC",
     kDenied},
    {"... except through the made-up name",
     {"TOPIC LITERAL * User:alice * READ ALLOW"},
     false,
     "User:alice 192.168.1.1 DESCRIBE TOPIC",
     kAllowed},
    {"ALL allows",
     {"TOPIC LITERAL t1 User:alice * ALL ALLOW"},
     false,
     "User:alice 192.168.1.1 WRITE TOPIC",
     kAllowed},
    {"DENY of ALL on the same name",
     {"TOPIC LITERAL t1 User:alice * WRITE ALLOW",
      "TOPIC LITERAL t1 User:alice * ALL DENY"},
     false,
     "User:alice 192.168.1.1 WRITE TOPIC",
     kDenied},
    {"User:* ALLOW",
     {"TOPIC LITERAL t1 User:* * WRITE ALLOW"},
     false,
     "User:alice 192.168.1.1 WRITE TOPIC",
     kAllowed},
    {"ALLOW from any host",
     {"TOPIC LITERAL t1 User:alice * WRITE ALLOW"},
     false,
     "User:alice 10.0.0.1 WRITE TOPIC",
     kAllowed},
    {"ALLOW from another host",
     {"TOPIC LITERAL t1 User:alice 192.168.1.1 WRITE ALLOW"},
     false,
     "User:alice 10.0.0.1 WRITE TOPIC",
     kDenied},
    {"DENY of the same LITERAL",
     {"TOPIC LITERAL t1 User:alice * WRITE ALLOW",
      "TOPIC LITERAL t1 User:alice * WRITE DENY"},
     false,
     "User:alice 192.168.1.1 WRITE TOPIC",
     kDenied},
    {"an unrelated DENY does not dominate",
     {"TOPIC LITERAL t1 User:alice * WRITE ALLOW",
      "TOPIC LITERAL t2 User:alice * WRITE DENY",
      "TOPIC PREFIXED u User:alice * WRITE DENY"},
     false,
     "User:alice 192.168.1.1 WRITE TOPIC",
     kAllowed},
    {"a DENY of LITERAL * dominates everything",
     {"TOPIC LITERAL t1 User:alice * WRITE ALLOW",
      "TOPIC PREFIXED p User:alice * WRITE ALLOW",
      "TOPIC LITERAL * User:alice * WRITE DENY"},
     false,
     "User:alice 192.168.1.1 WRITE TOPIC",
     kDenied},
    {"a PREFIXED DENY dominates a LITERAL ALLOW under it",
     {"TOPIC LITERAL abc User:alice * WRITE ALLOW",
      "TOPIC PREFIXED a User:alice * WRITE DENY"},
     false,
     "User:alice 192.168.1.1 WRITE TOPIC",
     kDenied},
    {"a PREFIXED DENY dominates a longer PREFIXED ALLOW",
     {"TOPIC PREFIXED abc User:alice * WRITE ALLOW",
      "TOPIC PREFIXED ab User:alice * WRITE DENY"},
     false,
     "User:alice 192.168.1.1 WRITE TOPIC",
     kDenied},
    {"a longer PREFIXED DENY leaves a shorter PREFIXED ALLOW",
     {"TOPIC PREFIXED a User:alice * WRITE ALLOW",
      "TOPIC PREFIXED ab User:alice * WRITE DENY"},
     false,
     "User:alice 192.168.1.1 WRITE TOPIC",
     kAllowed},
    {"a LITERAL DENY leaves a PREFIXED ALLOW of the same name",
     {"TOPIC PREFIXED abc User:alice * WRITE ALLOW",
      "TOPIC LITERAL abc User:alice * WRITE DENY"},
     false,
     "User:alice 192.168.1.1 WRITE TOPIC",
     kAllowed},
    {"one surviving ALLOW is enough",
     {"TOPIC LITERAL abc User:alice * WRITE ALLOW",
      "TOPIC PREFIXED a User:alice * WRITE DENY",
      "TOPIC LITERAL xyz User:alice * WRITE ALLOW"},
     false,
     "User:alice 192.168.1.1 WRITE TOPIC",
     kAllowed},
    {"a wildcard ALLOW survives PREFIXED DENYs (as Kafka)",
     {"TOPIC LITERAL * User:alice * WRITE ALLOW",
      "TOPIC PREFIXED h User:alice * WRITE DENY"},
     false,
     "User:alice 192.168.1.1 WRITE TOPIC",
     kAllowed},
    {"super user",
     {"TOPIC LITERAL * User:* * ALL DENY"},
     false,
     "User:admin 192.168.1.1 WRITE TOPIC",
     kAllowed},
    {"operation ANY",
     {"TOPIC LITERAL * User:alice * ALL ALLOW"},
     false,
     "User:alice 192.168.1.1 ANY TOPIC",
     kDenied},
    {"resource type ANY",
     {},
     true,
     "User:admin 192.168.1.1 WRITE ANY",
     kDenied},
};

TEST(AuthorizeAny, KafkasAuthorizeByResourceType) {
  for (const Case& c : kAnyCases) {
    EXPECT_EQ(Answer(c), c.answer) << c.rule << ": " << c.question;
  }
}

TEST(ParseSuperUsers, KafkasSyntax) {
  EXPECT_EQ(*ParseSuperUsers("User:admin;User:ops"),
            (std::vector<std::string>{"User:admin", "User:ops"}));
  EXPECT_EQ(*ParseSuperUsers(" User:a ; ;User:CN=x,O=y; "),
            (std::vector<std::string>{"User:a", "User:CN=x,O=y"}));
  EXPECT_TRUE(ParseSuperUsers("")->empty());
  absl::StatusOr<std::vector<std::string>> bad =
      ParseSuperUsers("User:a;admin");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("admin"), absl::string_view::npos);
}

TEST(AclSnapshot, BuildValidatesSortsAndDropsDuplicates) {
  std::vector<AclBinding> bindings = {
      Acl("TOPIC LITERAL b User:a * READ ALLOW"),
      Acl("TOPIC LITERAL a User:a * READ ALLOW"),
      Acl("GROUP LITERAL a User:a * READ ALLOW"),
      Acl("TOPIC LITERAL b User:a * READ ALLOW"),
  };
  auto snapshot = AclSnapshot::Build(bindings, {});
  ASSERT_TRUE(snapshot.ok());
  EXPECT_EQ((*snapshot)->bindings(),
            (std::vector<AclBinding>{bindings[1], bindings[0], bindings[2]}));

  bindings.push_back(Acl("TOPIC MATCH c User:a * READ ALLOW"));
  auto bad = AclSnapshot::Build(bindings, {});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "Invalid patternType MATCH");
}

TEST(AclSnapshot, DescribeAndDeleteSelectFromTheSnapshot) {
  auto snapshot = Snapshot({"TOPIC LITERAL foo User:a * READ ALLOW",
                            "TOPIC PREFIXED f User:b * WRITE ALLOW",
                            "TOPIC LITERAL * User:c * READ DENY",
                            "TOPIC LITERAL bar User:a * READ ALLOW"});
  AclBindingFilter match_foo;
  match_foo.pattern = {ResourceType::kTopic, "foo", PatternType::kMatch};
  std::vector<AclBinding> applying =
      SelectForDescribe(snapshot->bindings(), match_foo);
  EXPECT_EQ(applying, (std::vector<AclBinding>{
                          Acl("TOPIC LITERAL * User:c * READ DENY"),
                          Acl("TOPIC PREFIXED f User:b * WRITE ALLOW"),
                          Acl("TOPIC LITERAL foo User:a * READ ALLOW")}));
  // The patterns MATCH selects are exactly those Authorize consults.
  AuthorizerOptions open;
  open.allow_everyone_if_no_acl_found = true;
  auto rest = SelectForDelete(snapshot->bindings(), {match_foo})[0];
  std::vector<AclBinding> remaining;
  for (const AclBinding& b : snapshot->bindings()) {
    if (std::find(rest.begin(), rest.end(), b) == rest.end()) {
      remaining.push_back(b);
    }
  }
  auto after = AclSnapshot::Build(remaining, open);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ((*after)->Authorize("User:z", kHost1, AclOperation::kRead,
                                ResourceType::kTopic, "foo"),
            kAllowed);
  EXPECT_EQ((*after)->Authorize("User:z", kHost1, AclOperation::kRead,
                                ResourceType::kTopic, "bar"),
            kDenied);
}

TEST(Authorizer, PublishSwapsWhileHeldSnapshotsStay) {
  Authorizer authorizer;
  std::shared_ptr<const AclSnapshot> before = authorizer.snapshot();
  EXPECT_TRUE(before->bindings().empty());
  EXPECT_EQ(before->Authorize(kAlice, kHost1, AclOperation::kRead,
                              ResourceType::kTopic, "t"),
            kDenied);
  authorizer.Publish(Snapshot({"TOPIC LITERAL t User:alice * READ ALLOW"}));
  EXPECT_EQ(authorizer.snapshot()->Authorize(
                kAlice, kHost1, AclOperation::kRead, ResourceType::kTopic, "t"),
            kAllowed);
  EXPECT_EQ(before->Authorize(kAlice, kHost1, AclOperation::kRead,
                              ResourceType::kTopic, "t"),
            kDenied);
}

TEST(Authorizer, ReadersRaceAPublisher) {
  auto allow = Snapshot({"TOPIC LITERAL t User:alice * READ ALLOW"});
  auto deny = Snapshot({"TOPIC LITERAL t User:alice * READ DENY"});
  Authorizer authorizer(allow);
  std::atomic<bool> stop{false};
  std::atomic<int> allowed{0};
  std::atomic<int> denied{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        auto s = authorizer.snapshot();
        (s->Authorize(kAlice, kHost2, AclOperation::kRead, ResourceType::kTopic,
                      "t") == kAllowed
             ? allowed
             : denied)
            .fetch_add(1);
      }
    });
  }
  // Publish until the readers have asked plenty, each answer a whole
  // snapshot's (the test's worth is under TSan/ASan).
  for (int i = 0; allowed.load() + denied.load() < 20000; ++i) {
    authorizer.Publish(i % 2 ? allow : deny);
  }
  stop = true;
  for (std::thread& t : readers) t.join();
  EXPECT_GE(allowed.load() + denied.load(), 20000);
}

}  // namespace
}  // namespace warp::acl
