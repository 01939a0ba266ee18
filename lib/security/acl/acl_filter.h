// Filters over ACL bindings, as DescribeAcls and DeleteAcls take them
// (Kafka's ResourcePatternFilter, AccessControlEntryFilter and
// AclBindingFilter), and the selections those two APIs make with them.
//
// Thread-safety: value types and pure functions.
#ifndef WARP_LIB_SECURITY_ACL_ACL_FILTER_H_
#define WARP_LIB_SECURITY_ACL_ACL_FILTER_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "warp/acl.h"

namespace warp::acl {

// Which resource patterns a filter selects. A null `name` matches any name.
// pattern_type:
//   ANY      any pattern type, with exactly `name` (or all when null);
//   MATCH    the patterns that would apply to a resource called `name`:
//            LITERAL `name`, LITERAL "*", and PREFIXED p where `name`
//            starts with p (all patterns when `name` is null);
//   LITERAL, PREFIXED  that pattern type with exactly `name` ("*" is then
//            just the literal string).
// resource_type ANY matches every type.
struct ResourcePatternFilter {
  ResourceType resource_type = ResourceType::kAny;
  std::optional<std::string> name;
  PatternType pattern_type = PatternType::kAny;
};

// Which entries a filter selects: null principal/host match any (compared
// as plain strings: a filter for "User:*" selects only entries for
// "User:*"), ANY operation/permission match any.
struct AccessControlEntryFilter {
  std::optional<std::string> principal;
  std::optional<std::string> host;
  AclOperation operation = AclOperation::kAny;
  AclPermissionType permission = AclPermissionType::kAny;
};

// Both halves; the default-constructed filter matches every binding.
struct AclBindingFilter {
  ResourcePatternFilter pattern;
  AccessControlEntryFilter entry;
};

// Kafka's matches(): whether the filter selects the pattern / entry /
// binding. A filter with an UNKNOWN field selects nothing.
bool Matches(const ResourcePatternFilter& filter,
             const ResourcePattern& pattern);
bool Matches(const AccessControlEntryFilter& filter,
             const AccessControlEntry& entry);
bool Matches(const AclBindingFilter& filter, const AclBinding& binding);

// The check DescribeAcls and DeleteAcls apply to a filter (Kafka's
// AclControlManager.validateFilter): InvalidArgument (INVALID_REQUEST, 42)
// "Unknown patternFilter." when its resource or pattern type is UNKNOWN,
// "Unknown entryFilter." when its operation or permission is. (v0 of both
// APIs carries no pattern type: the handler passes LITERAL for it.)
absl::Status ValidateAclBindingFilter(const AclBindingFilter& filter);

// DescribeAcls: the bindings `filter` selects, in `bindings`' order (an
// AclSnapshot's bindings are sorted by pattern, so those of one resource
// pattern are adjacent, as the response groups them).
std::vector<AclBinding> SelectForDescribe(absl::Span<const AclBinding> bindings,
                                          const AclBindingFilter& filter);

// DeleteAcls: for each filter, the bindings it deletes. A binding selected
// by several filters is reported once, under the first of them, as Kafka
// does. The result has one vector per filter, in `bindings`' order.
std::vector<std::vector<AclBinding>> SelectForDelete(
    absl::Span<const AclBinding> bindings,
    absl::Span<const AclBindingFilter> filters);

}  // namespace warp::acl

#endif  // WARP_LIB_SECURITY_ACL_ACL_FILTER_H_
