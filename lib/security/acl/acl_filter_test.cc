#include "lib/security/acl/acl_filter.h"

#include <optional>

#include "gtest/gtest.h"

namespace warp::acl {
namespace {

using RT = ResourceType;
using PT = PatternType;
using Op = AclOperation;
using Perm = AclPermissionType;

// Kafka's ResourcePatternFilterTest, case by case.
TEST(ResourcePatternFilter, KafkasCases) {
  struct Case {
    ResourcePatternFilter filter;
    ResourcePattern pattern;
    bool matches;
  } cases[] = {
      // Different resource type, name, name case, pattern type.
      {{RT::kGroup, "Name", PT::kLiteral},
       {RT::kTopic, "Name", PT::kLiteral},
       false},
      {{RT::kTopic, "Name", PT::kLiteral},
       {RT::kTopic, "Different", PT::kPrefixed},
       false},
      {{RT::kTopic, "NAME", PT::kLiteral},
       {RT::kTopic, "Name", PT::kLiteral},
       false},
      {{RT::kTopic, "Name", PT::kLiteral},
       {RT::kTopic, "Name", PT::kPrefixed},
       false},
      // ANY resource type, null name, ANY and MATCH pattern types.
      {{RT::kAny, "Name", PT::kPrefixed},
       {RT::kTopic, "Name", PT::kPrefixed},
       true},
      {{RT::kTopic, std::nullopt, PT::kPrefixed},
       {RT::kTopic, "Name", PT::kPrefixed},
       true},
      {{RT::kTopic, "Name", PT::kAny},
       {RT::kTopic, "Name", PT::kPrefixed},
       true},
      {{RT::kTopic, std::nullopt, PT::kMatch},
       {RT::kTopic, "Name", PT::kPrefixed},
       true},
      {{RT::kTopic, std::nullopt, PT::kMatch},
       {RT::kTopic, "*", PT::kLiteral},
       true},
      // Literal patterns.
      {{RT::kTopic, "Name", PT::kLiteral},
       {RT::kTopic, "Name", PT::kLiteral},
       true},
      {{RT::kTopic, "Name", PT::kAny},
       {RT::kTopic, "Name", PT::kLiteral},
       true},
      {{RT::kTopic, "Name", PT::kMatch},
       {RT::kTopic, "Name", PT::kLiteral},
       true},
      {{RT::kTopic, "Name-something", PT::kLiteral},
       {RT::kTopic, "Name", PT::kLiteral},
       false},
      {{RT::kTopic, "Name-something", PT::kMatch},
       {RT::kTopic, "Name", PT::kLiteral},
       false},
      // The literal wildcard.
      {{RT::kTopic, "*", PT::kLiteral}, {RT::kTopic, "*", PT::kLiteral}, true},
      {{RT::kTopic, "Name", PT::kLiteral},
       {RT::kTopic, "*", PT::kLiteral},
       false},
      {{RT::kTopic, "*", PT::kLiteral},
       {RT::kTopic, "Name", PT::kLiteral},
       false},
      {{RT::kTopic, "Name", PT::kAny}, {RT::kTopic, "*", PT::kLiteral}, false},
      {{RT::kTopic, "Name", PT::kMatch}, {RT::kTopic, "*", PT::kLiteral}, true},
      {{RT::kTopic, "*", PT::kMatch},
       {RT::kTopic, "Name", PT::kLiteral},
       false},
      // Prefixed patterns.
      {{RT::kTopic, "Name", PT::kPrefixed},
       {RT::kTopic, "Name", PT::kPrefixed},
       true},
      {{RT::kTopic, "Name", PT::kPrefixed},
       {RT::kTopic, "Name-something", PT::kPrefixed},
       false},
      {{RT::kTopic, "Name-something", PT::kPrefixed},
       {RT::kTopic, "Name", PT::kPrefixed},
       false},
      {{RT::kTopic, "Name-something", PT::kAny},
       {RT::kTopic, "Name", PT::kPrefixed},
       false},
      {{RT::kTopic, "Name-something", PT::kMatch},
       {RT::kTopic, "Name", PT::kPrefixed},
       true},
      {{RT::kTopic, "Name", PT::kMatch},
       {RT::kTopic, "Name-something", PT::kPrefixed},
       false},
      // UNKNOWN in a filter selects nothing.
      {{RT::kUnknown, std::nullopt, PT::kAny},
       {RT::kTopic, "Name", PT::kLiteral},
       false},
      {{RT::kTopic, std::nullopt, PT::kUnknown},
       {RT::kTopic, "Name", PT::kLiteral},
       false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Matches(c.filter, c.pattern), c.matches)
        << ResourceTypeName(c.filter.resource_type) << " "
        << c.filter.name.value_or("<null>") << " "
        << PatternTypeName(c.filter.pattern_type) << " vs "
        << ResourceTypeName(c.pattern.resource_type) << " " << c.pattern.name
        << " " << PatternTypeName(c.pattern.pattern_type);
  }
}

TEST(AccessControlEntryFilter, PlainStringsAndAny) {
  AccessControlEntry entry{"User:alice", "10.0.0.1", Op::kRead, Perm::kAllow};
  EXPECT_TRUE(Matches(AccessControlEntryFilter{}, entry));
  EXPECT_TRUE(Matches(AccessControlEntryFilter{"User:alice", "10.0.0.1",
                                               Op::kRead, Perm::kAllow},
                      entry));
  // Filters compare strings: "User:*" and "*" are no wildcards here.
  EXPECT_FALSE(Matches(AccessControlEntryFilter{"User:*"}, entry));
  EXPECT_FALSE(Matches(AccessControlEntryFilter{std::nullopt, "*"}, entry));
  EXPECT_FALSE(Matches(
      AccessControlEntryFilter{std::nullopt, std::nullopt, Op::kAll}, entry));
  EXPECT_FALSE(Matches(AccessControlEntryFilter{std::nullopt, std::nullopt,
                                                Op::kAny, Perm::kDeny},
                       entry));
  AccessControlEntry wildcard{"User:*", "*", Op::kAll, Perm::kDeny};
  EXPECT_TRUE(
      Matches(AccessControlEntryFilter{"User:*", "*", Op::kAll, Perm::kDeny},
              wildcard));
  EXPECT_FALSE(
      Matches(AccessControlEntryFilter{std::nullopt, std::nullopt, Op::kRead},
              wildcard));
}

AclBinding B(RT type, std::string name, PT pattern, std::string principal,
             Op op, Perm permission = Perm::kAllow) {
  return AclBinding{{type, std::move(name), pattern},
                    {std::move(principal), "*", op, permission}};
}

TEST(SelectForDescribe, MatchFilterFindsWhatAppliesToAResource) {
  std::vector<AclBinding> bindings = {
      B(RT::kTopic, "*", PT::kLiteral, "User:a", Op::kRead),
      B(RT::kTopic, "foo", PT::kLiteral, "User:a", Op::kRead),
      B(RT::kTopic, "foo", PT::kPrefixed, "User:b", Op::kWrite),
      B(RT::kTopic, "fo", PT::kPrefixed, "User:c", Op::kWrite),
      B(RT::kTopic, "foobar", PT::kLiteral, "User:a", Op::kRead),
      B(RT::kTopic, "foobar", PT::kPrefixed, "User:a", Op::kRead),
      B(RT::kGroup, "foo", PT::kLiteral, "User:a", Op::kRead),
  };
  AclBindingFilter match;
  match.pattern = {RT::kTopic, "foo", PT::kMatch};
  std::vector<AclBinding> selected = SelectForDescribe(bindings, match);
  EXPECT_EQ(selected, (std::vector<AclBinding>{bindings[0], bindings[1],
                                               bindings[2], bindings[3]}));

  AclBindingFilter any;
  any.pattern = {RT::kTopic, "foo", PT::kAny};
  EXPECT_EQ(SelectForDescribe(bindings, any),
            (std::vector<AclBinding>{bindings[1], bindings[2]}));

  AclBindingFilter all_topics;
  all_topics.pattern.resource_type = RT::kTopic;
  EXPECT_EQ(SelectForDescribe(bindings, all_topics).size(), 6u);
  EXPECT_EQ(SelectForDescribe(bindings, AclBindingFilter{}).size(), 7u);

  AclBindingFilter by_principal;
  by_principal.entry.principal = "User:a";
  by_principal.pattern = {RT::kTopic, "foobar", PT::kMatch};
  EXPECT_EQ(SelectForDescribe(bindings, by_principal),
            (std::vector<AclBinding>{bindings[0], bindings[4], bindings[5]}));
}

TEST(SelectForDelete, EachBindingUnderTheFirstFilterSelectingIt) {
  std::vector<AclBinding> bindings = {
      B(RT::kTopic, "a", PT::kLiteral, "User:x", Op::kRead),
      B(RT::kTopic, "b", PT::kLiteral, "User:x", Op::kRead),
      B(RT::kTopic, "b", PT::kLiteral, "User:y", Op::kWrite, Perm::kDeny),
  };
  AclBindingFilter by_user;
  by_user.entry.principal = "User:x";
  AclBindingFilter topic_b;
  topic_b.pattern = {RT::kTopic, "b", PT::kLiteral};
  AclBindingFilter none;
  none.pattern = {RT::kGroup, std::nullopt, PT::kAny};
  auto selected = SelectForDelete(bindings, {topic_b, by_user, none});
  ASSERT_EQ(selected.size(), 3u);
  EXPECT_EQ(selected[0], (std::vector<AclBinding>{bindings[1], bindings[2]}));
  EXPECT_EQ(selected[1], (std::vector<AclBinding>{bindings[0]}));
  EXPECT_TRUE(selected[2].empty());
}

TEST(ValidateAclBindingFilter, UnknownFieldsAreInvalid) {
  EXPECT_TRUE(ValidateAclBindingFilter(AclBindingFilter{}).ok());
  AclBindingFilter f;
  f.pattern.pattern_type = PT::kMatch;
  f.entry.operation = Op::kAll;
  EXPECT_TRUE(ValidateAclBindingFilter(f).ok());

  AclBindingFilter unknown_type;
  unknown_type.pattern.resource_type = RT::kUnknown;
  AclBindingFilter unknown_pattern;
  unknown_pattern.pattern.pattern_type = static_cast<PT>(9);
  for (const AclBindingFilter& bad : {unknown_type, unknown_pattern}) {
    absl::Status status = ValidateAclBindingFilter(bad);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(status.message(), "Unknown patternFilter.");
  }
  AclBindingFilter unknown_op;
  unknown_op.entry.operation = Op::kUnknown;
  AclBindingFilter unknown_permission;
  unknown_permission.entry.permission = Perm::kUnknown;
  for (const AclBindingFilter& bad : {unknown_op, unknown_permission}) {
    absl::Status status = ValidateAclBindingFilter(bad);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(status.message(), "Unknown entryFilter.");
  }
}

}  // namespace
}  // namespace warp::acl
