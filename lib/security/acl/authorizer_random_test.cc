// The indexed AclSnapshot against a linear scan written after Kafka's
// AclAuthorizer.authorizeAction (matchingAcls, denyAclExists,
// allowAclExists), over random bindings and questions. Names come from a
// three-letter alphabet so that prefixes, equal names and wildcards collide
// often.
#include <random>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/security/acl/authorizer.h"

namespace warp::acl {
namespace {

constexpr AuthorizationResult kAllowed = AuthorizationResult::kAllowed;
constexpr AuthorizationResult kDenied = AuthorizationResult::kDenied;

const char* const kPrincipals[] = {"User:alice", "User:bob", "User:carol",
                                   "User:*", "Group:alice"};
const char* const kHosts[] = {"10.0.0.1", "10.0.0.2", "*"};
const ResourceType kTypes[] = {ResourceType::kTopic, ResourceType::kGroup,
                               ResourceType::kCluster,
                               ResourceType::kTransactionalId};

struct Question {
  std::string principal;
  std::string host;
  AclOperation operation;
  ResourceType type;
  std::string name;
};

AuthorizationResult Reference(const std::vector<AclBinding>& acls,
                              const AuthorizerOptions& options,
                              const Question& q) {
  for (const std::string& super_user : options.super_users) {
    if (super_user == q.principal) return kAllowed;
  }
  std::vector<const AccessControlEntry*> matching;
  for (const AclBinding& b : acls) {
    if (b.pattern.resource_type != q.type) continue;
    bool applies = b.pattern.pattern_type == PatternType::kLiteral
                       ? (b.pattern.name == q.name || b.pattern.name == "*")
                       : absl::StartsWith(q.name, b.pattern.name);
    if (applies) matching.push_back(&b.entry);
  }
  if (matching.empty()) {
    return options.allow_everyone_if_no_acl_found ? kAllowed : kDenied;
  }
  auto exists = [&](AclOperation operation, AclPermissionType permission) {
    for (const AccessControlEntry* e : matching) {
      if (e->permission == permission &&
          (e->principal == q.principal || e->principal == "User:*") &&
          (e->operation == operation || e->operation == AclOperation::kAll) &&
          (e->host == q.host || e->host == "*")) {
        return true;
      }
    }
    return false;
  };
  if (exists(q.operation, AclPermissionType::kDeny)) return kDenied;
  std::vector<AclOperation> allow_ops = {q.operation};
  if (q.operation == AclOperation::kDescribe) {
    allow_ops = {AclOperation::kDescribe, AclOperation::kRead,
                 AclOperation::kWrite, AclOperation::kDelete,
                 AclOperation::kAlter};
  } else if (q.operation == AclOperation::kDescribeConfigs) {
    allow_ops = {AclOperation::kDescribeConfigs, AclOperation::kAlterConfigs};
  }
  for (AclOperation op : allow_ops) {
    if (exists(op, AclPermissionType::kAllow)) return kAllowed;
  }
  return kDenied;
}

class Random {
 public:
  explicit Random(uint32_t seed) : rng_(seed) {}
  int Below(int n) {
    return std::uniform_int_distribution<int>(0, n - 1)(rng_);
  }
  std::string Name(int min_length, int max_length) {
    int length = min_length + Below(max_length - min_length + 1);
    std::string name;
    for (int i = 0; i < length; ++i) name.push_back("abc"[Below(3)]);
    return name;
  }
  AclOperation Operation() {
    return static_cast<AclOperation>(2 + Below(13));  // ALL..DESCRIBE_TOKENS
  }
  AclBinding Binding() {
    AclBinding b;
    b.pattern.resource_type = kTypes[Below(4)];
    b.pattern.pattern_type =
        Below(2) ? PatternType::kLiteral : PatternType::kPrefixed;
    if (b.pattern.resource_type == ResourceType::kCluster) {
      b.pattern.name = "kafka-cluster";
    } else if (b.pattern.pattern_type == PatternType::kLiteral &&
               Below(10) == 0) {
      b.pattern.name = "*";
    } else {
      b.pattern.name = Name(1, 4);
    }
    b.entry.principal = kPrincipals[Below(5)];
    b.entry.host = kHosts[Below(3)];
    b.entry.operation = Operation();
    // Fewer DENYs than ALLOWs, so that both answers are common.
    b.entry.permission =
        Below(4) == 0 ? AclPermissionType::kDeny : AclPermissionType::kAllow;
    return b;
  }
  Question Ask() {
    Question q;
    q.principal = Below(20) == 0 ? "User:admin" : kPrincipals[Below(5)];
    if (q.principal == "User:*") q.principal = "User:dave";
    q.host = Below(2) ? "10.0.0.1" : "10.0.0.3";
    q.operation = Operation();
    if (q.operation == AclOperation::kAll || Below(4) == 0) {
      q.operation =
          Below(2) ? AclOperation::kDescribe : AclOperation::kDescribeConfigs;
    }
    q.type = kTypes[Below(4)];
    q.name = q.type == ResourceType::kCluster ? "kafka-cluster" : Name(0, 5);
    return q;
  }

 private:
  std::mt19937 rng_;
};

TEST(AuthorizerRandom, IndexAgreesWithALinearScan) {
  Random random(20261207);
  int answers[2] = {0, 0};
  for (int round = 0; round < 40; ++round) {
    const int size = round < 10 ? 1 + random.Below(20) : random.Below(3000);
    std::vector<AclBinding> acls;
    for (int i = 0; i < size; ++i) acls.push_back(random.Binding());
    AuthorizerOptions options;
    options.super_users = {"User:admin"};
    options.allow_everyone_if_no_acl_found = random.Below(2);
    auto snapshot = AclSnapshot::Build(acls, options);
    ASSERT_TRUE(snapshot.ok()) << snapshot.status();
    for (int i = 0; i < 2000; ++i) {
      Question q = random.Ask();
      AuthorizationResult want = Reference(acls, options, q);
      ASSERT_EQ((*snapshot)->Authorize(q.principal, q.host, q.operation, q.type,
                                       q.name),
                want)
          << "round " << round << ", " << size << " ACLs: " << q.principal
          << " " << q.host << " " << AclOperationName(q.operation) << " "
          << ResourceTypeName(q.type) << " '" << q.name << "'";
      ++answers[want == kAllowed];
    }
  }
  // Both answers were exercised, neither trivially.
  EXPECT_GT(answers[0], 10000);
  EXPECT_GT(answers[1], 10000);
}

// AuthorizeAny without allow-everyone and without implied operations
// (neither takes part in its loop) means: some resource of the type may be
// accessed. The witnesses are every bound name, each bound name with a
// suffix no ACL names, a fresh name and Kafka's "hardcode".
TEST(AuthorizerRandom, AuthorizeAnyMeansSomeResourceIsAllowed) {
  Random random(7);
  int answers[2] = {0, 0};
  for (int round = 0; round < 200; ++round) {
    const int size = random.Below(40);
    std::vector<AclBinding> acls;
    for (int i = 0; i < size; ++i) acls.push_back(random.Binding());
    AuthorizerOptions options;
    options.super_users = {"User:admin"};
    auto snapshot = AclSnapshot::Build(acls, options);
    ASSERT_TRUE(snapshot.ok());
    for (int i = 0; i < 50; ++i) {
      Question q = random.Ask();
      if (q.operation == AclOperation::kDescribe ||
          q.operation == AclOperation::kDescribeConfigs) {
        q.operation = AclOperation::kWrite;
      }
      std::vector<std::string> witnesses = {"~fresh", "hardcode"};
      for (const AclBinding& b : acls) {
        if (b.pattern.resource_type != q.type) continue;
        witnesses.push_back(b.pattern.name);
        witnesses.push_back(absl::StrCat(b.pattern.name, "~"));
      }
      AuthorizationResult want = kDenied;
      for (const std::string& name : witnesses) {
        q.name = name;
        if (Reference(acls, options, q) == kAllowed) want = kAllowed;
      }
      ASSERT_EQ(
          (*snapshot)->AuthorizeAny(q.principal, q.host, q.operation, q.type),
          want)
          << "round " << round << ": " << q.principal << " " << q.host << " "
          << AclOperationName(q.operation) << " " << ResourceTypeName(q.type);
      ++answers[want == kAllowed];
    }
  }
  EXPECT_GT(answers[0], 500);
  EXPECT_GT(answers[1], 500);
}

}  // namespace
}  // namespace warp::acl
