#include "warp/acl.h"

#include "gtest/gtest.h"

namespace warp::acl {
namespace {

TEST(AclEnums, KafkaCodes) {
  EXPECT_EQ(static_cast<int>(ResourceType::kTopic), 2);
  EXPECT_EQ(static_cast<int>(ResourceType::kTransactionalId), 5);
  EXPECT_EQ(static_cast<int>(ResourceType::kUser), 7);
  EXPECT_EQ(static_cast<int>(PatternType::kMatch), 2);
  EXPECT_EQ(static_cast<int>(PatternType::kPrefixed), 4);
  EXPECT_EQ(static_cast<int>(AclOperation::kAll), 2);
  EXPECT_EQ(static_cast<int>(AclOperation::kIdempotentWrite), 12);
  EXPECT_EQ(static_cast<int>(AclOperation::kDescribeTokens), 14);
  EXPECT_EQ(static_cast<int>(AclPermissionType::kDeny), 2);
  EXPECT_EQ(static_cast<int>(AclPermissionType::kAllow), 3);
}

TEST(AclEnums, FromCodeMapsUnknownCodesToUnknown) {
  EXPECT_EQ(ResourceTypeFromCode(4), ResourceType::kCluster);
  EXPECT_EQ(ResourceTypeFromCode(8), ResourceType::kUnknown);
  EXPECT_EQ(ResourceTypeFromCode(-1), ResourceType::kUnknown);
  EXPECT_EQ(PatternTypeFromCode(3), PatternType::kLiteral);
  EXPECT_EQ(PatternTypeFromCode(5), PatternType::kUnknown);
  EXPECT_EQ(AclOperationFromCode(10), AclOperation::kDescribeConfigs);
  EXPECT_EQ(AclOperationFromCode(15), AclOperation::kUnknown);
  EXPECT_EQ(AclOperationFromCode(127), AclOperation::kUnknown);
  EXPECT_EQ(AclPermissionTypeFromCode(3), AclPermissionType::kAllow);
  EXPECT_EQ(AclPermissionTypeFromCode(4), AclPermissionType::kUnknown);
}

TEST(AclEnums, NamesRoundTripCaseInsensitively) {
  for (int code = 0; code < 15; ++code) {
    AclOperation op = AclOperationFromCode(code);
    EXPECT_EQ(ParseAclOperation(AclOperationName(op)), op);
  }
  EXPECT_EQ(ResourceTypeName(ResourceType::kTransactionalId),
            "TRANSACTIONAL_ID");
  EXPECT_EQ(ParseResourceType("topic"), ResourceType::kTopic);
  EXPECT_EQ(ParseResourceType("Transactional_Id"),
            ResourceType::kTransactionalId);
  EXPECT_EQ(ParseResourceType("broker"), ResourceType::kUnknown);
  EXPECT_EQ(ParsePatternType("prefixed"), PatternType::kPrefixed);
  EXPECT_EQ(ParsePatternType(""), PatternType::kUnknown);
  EXPECT_EQ(ParseAclOperation("describe_configs"),
            AclOperation::kDescribeConfigs);
  EXPECT_EQ(ParseAclPermissionType("deny"), AclPermissionType::kDeny);
  EXPECT_EQ(AclOperationName(static_cast<AclOperation>(99)), "UNKNOWN");
}

TEST(ParsePrincipal, SplitsAtTheFirstColon) {
  auto p = ParsePrincipal("User:CN=carol,O=x:y");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->type, "User");
  EXPECT_EQ(p->name, "CN=carol,O=x:y");
  EXPECT_EQ(p->ToString(), "User:CN=carol,O=x:y");
  EXPECT_EQ(ParsePrincipal("User:")->name, "");  // as Kafka: accepted
  EXPECT_EQ(ParsePrincipal(":x")->type, "");
  EXPECT_FALSE(ParsePrincipal("alice").ok());
  EXPECT_FALSE(ParsePrincipal("").ok());
}

AclBinding Binding(ResourceType type, std::string name, PatternType pattern,
                   std::string principal, AclOperation op,
                   AclPermissionType permission) {
  return AclBinding{{type, std::move(name), pattern},
                    {std::move(principal), "*", op, permission}};
}

TEST(ValidateAclBinding, KafkasChecksAndMessages) {
  using RT = ResourceType;
  using PT = PatternType;
  using Op = AclOperation;
  using Perm = AclPermissionType;
  struct Case {
    AclBinding binding;
    std::string message;  // empty: valid
  } cases[] = {
      {Binding(RT::kTopic, "t", PT::kLiteral, "User:a", Op::kRead,
               Perm::kAllow),
       ""},
      {Binding(RT::kTopic, "*", PT::kLiteral, "User:*", Op::kAll, Perm::kDeny),
       ""},
      {Binding(RT::kGroup, "g-", PT::kPrefixed, "Group:x", Op::kRead,
               Perm::kAllow),
       ""},
      {Binding(RT::kCluster, "kafka-cluster", PT::kLiteral, "User:a",
               Op::kIdempotentWrite, Perm::kAllow),
       ""},
      {Binding(RT::kUser, "bob", PT::kLiteral, "User:a", Op::kCreateTokens,
               Perm::kAllow),
       ""},
      {Binding(RT::kAny, "t", PT::kLiteral, "User:a", Op::kRead, Perm::kAllow),
       "Invalid resourceType ANY"},
      {Binding(RT::kUnknown, "t", PT::kLiteral, "User:a", Op::kRead,
               Perm::kAllow),
       "Invalid resourceType UNKNOWN"},
      {Binding(static_cast<RT>(42), "t", PT::kLiteral, "User:a", Op::kRead,
               Perm::kAllow),
       "Invalid resourceType UNKNOWN"},
      {Binding(RT::kTopic, "t", PT::kMatch, "User:a", Op::kRead, Perm::kAllow),
       "Invalid patternType MATCH"},
      {Binding(RT::kTopic, "t", PT::kAny, "User:a", Op::kRead, Perm::kAllow),
       "Invalid patternType ANY"},
      {Binding(RT::kTopic, "t", PT::kUnknown, "User:a", Op::kRead,
               Perm::kAllow),
       "Invalid patternType UNKNOWN"},
      {Binding(RT::kTopic, "t", PT::kLiteral, "User:a", Op::kAny, Perm::kAllow),
       "Invalid operation ANY"},
      {Binding(RT::kTopic, "t", PT::kLiteral, "User:a", Op::kUnknown,
               Perm::kAllow),
       "Invalid operation UNKNOWN"},
      {Binding(RT::kTopic, "t", PT::kLiteral, "User:a", Op::kRead, Perm::kAny),
       "Invalid permissionType ANY"},
      {Binding(RT::kCluster, "other", PT::kLiteral, "User:a", Op::kAlter,
               Perm::kAllow),
       "The only valid name for the CLUSTER resource is kafka-cluster"},
      {Binding(RT::kTopic, "", PT::kPrefixed, "User:a", Op::kRead,
               Perm::kAllow),
       "Invalid empty resource name"},
      {Binding(RT::kTopic, "t", PT::kLiteral, "alice", Op::kRead, Perm::kAllow),
       "Could not parse principal from `alice` (no colon is present "
       "separating the principal type from the principal name)"},
  };
  for (const Case& c : cases) {
    absl::Status status = ValidateAclBinding(c.binding);
    if (c.message.empty()) {
      EXPECT_TRUE(status.ok()) << ToString(c.binding) << ": " << status;
    } else {
      EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument)
          << ToString(c.binding);
      EXPECT_EQ(status.message(), c.message);
    }
  }
}

TEST(AclBinding, ToStringIsKafkas) {
  EXPECT_EQ(ToString(Binding(ResourceType::kTopic, "t", PatternType::kLiteral,
                             "User:a", AclOperation::kRead,
                             AclPermissionType::kAllow)),
            "(pattern=ResourcePattern(resourceType=TOPIC, name=t, "
            "patternType=LITERAL), entry=(principal=User:a, host=*, "
            "operation=READ, permissionType=ALLOW))");
}

}  // namespace
}  // namespace warp::acl
