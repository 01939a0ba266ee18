// Kafka's ACL model as values: the four enums with Kafka's numeric codes (so
// the CreateAcls/DescribeAcls/DeleteAcls v0-3 handlers map wire values
// directly), principals, resource patterns, entries and bindings, and the
// checks CreateAcls applies to a binding before storing it.
//
// The semantics are Apache Kafka's (org.apache.kafka.common.acl and
// .resource, AclControlManager, AclApis); docs/acl-format.md describes the
// model and the stored encoding (lib/security/acl/acl_codec.h). Public
// because the metadata store keeps bindings (AddAcls, RemoveAcls, ListAcls);
// the functions are implemented by //lib/security/acl:acl.
//
// Thread-safety: value types and pure functions.
#ifndef WARP_ACL_H_
#define WARP_ACL_H_

#include <compare>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace warp::acl {

// org.apache.kafka.common.resource.ResourceType. ANY is for filters only.
// DELEGATION_TOKEN and USER are stored like the others but no warp API
// checks them.
enum class ResourceType : int8_t {
  kUnknown = 0,
  kAny = 1,
  kTopic = 2,
  kGroup = 3,
  kCluster = 4,
  kTransactionalId = 5,
  kDelegationToken = 6,
  kUser = 7,
};

// org.apache.kafka.common.resource.PatternType. ANY and MATCH are for
// filters only (acl_filter.h).
enum class PatternType : int8_t {
  kUnknown = 0,
  kAny = 1,
  kMatch = 2,
  kLiteral = 3,
  kPrefixed = 4,
};

// org.apache.kafka.common.acl.AclOperation. ANY is for filters only; ALL
// matches every operation.
enum class AclOperation : int8_t {
  kUnknown = 0,
  kAny = 1,
  kAll = 2,
  kRead = 3,
  kWrite = 4,
  kCreate = 5,
  kDelete = 6,
  kAlter = 7,
  kDescribe = 8,
  kClusterAction = 9,
  kDescribeConfigs = 10,
  kAlterConfigs = 11,
  kIdempotentWrite = 12,
  kCreateTokens = 13,
  kDescribeTokens = 14,
};

// org.apache.kafka.common.acl.AclPermissionType. ANY is for filters only.
enum class AclPermissionType : int8_t {
  kUnknown = 0,
  kAny = 1,
  kDeny = 2,
  kAllow = 3,
};

// A literal resource name matching every resource of its type.
inline constexpr absl::string_view kWildcardResource = "*";
// The principal matching every principal (of any type, as in Kafka).
inline constexpr absl::string_view kWildcardPrincipal = "User:*";
// The host matching every host.
inline constexpr absl::string_view kWildcardHost = "*";
// The one name a CLUSTER resource has.
inline constexpr absl::string_view kClusterResourceName = "kafka-cluster";

// Wire codes to enums, as Kafka's fromCode: a code Kafka does not know maps
// to kUnknown.
ResourceType ResourceTypeFromCode(int8_t code);
PatternType PatternTypeFromCode(int8_t code);
AclOperation AclOperationFromCode(int8_t code);
AclPermissionType AclPermissionTypeFromCode(int8_t code);

// Kafka's enum names ("TOPIC", "TRANSACTIONAL_ID", "PREFIXED",
// "DESCRIBE_CONFIGS", "ALLOW"); "UNKNOWN" for a value outside the enum.
absl::string_view ResourceTypeName(ResourceType type);
absl::string_view PatternTypeName(PatternType type);
absl::string_view AclOperationName(AclOperation operation);
absl::string_view AclPermissionTypeName(AclPermissionType permission);

// Names to enums, as Kafka's fromString: case-insensitive, kUnknown for
// anything else.
ResourceType ParseResourceType(absl::string_view name);
PatternType ParsePatternType(absl::string_view name);
AclOperation ParseAclOperation(absl::string_view name);
AclPermissionType ParseAclPermissionType(absl::string_view name);

// A principal, "Type:name" (e.g. "User:alice"). ToString() gives that form.
struct KafkaPrincipal {
  std::string type;
  std::string name;
  std::string ToString() const { return type + ":" + name; }
  friend bool operator==(const KafkaPrincipal&,
                         const KafkaPrincipal&) = default;
};

// Kafka's SecurityUtils.parseKafkaPrincipal: splits at the first ':'
// ("User:CN=a:b" is type "User", name "CN=a:b"); either part may be empty,
// as in Kafka. InvalidArgument when there is no ':' or the string is empty.
absl::StatusOr<KafkaPrincipal> ParsePrincipal(absl::string_view principal);

// What an ACL applies to: LITERAL (the name, or "*" for every resource of
// the type) or PREFIXED (every resource whose name starts with `name`).
struct ResourcePattern {
  ResourceType resource_type = ResourceType::kUnknown;
  std::string name;
  PatternType pattern_type = PatternType::kUnknown;
  friend auto operator<=>(const ResourcePattern&,
                          const ResourcePattern&) = default;
};

// Who may (ALLOW) or may not (DENY) do what from where. `principal` is
// "Type:name" or "User:*"; `host` an IP address as the connection reports it
// (Java's getHostAddress) or "*".
struct AccessControlEntry {
  std::string principal;
  std::string host;
  AclOperation operation = AclOperation::kUnknown;
  AclPermissionType permission = AclPermissionType::kUnknown;
  friend auto operator<=>(const AccessControlEntry&,
                          const AccessControlEntry&) = default;
};

// One ACL. Ordered by pattern (type, name, pattern type), then entry.
struct AclBinding {
  ResourcePattern pattern;
  AccessControlEntry entry;
  friend auto operator<=>(const AclBinding&, const AclBinding&) = default;
};

template <typename H>
H AbslHashValue(H h, const AclBinding& b) {
  return H::combine(std::move(h), b.pattern.resource_type, b.pattern.name,
                    b.pattern.pattern_type, b.entry.principal, b.entry.host,
                    b.entry.operation, b.entry.permission);
}

// Kafka's toString form, for messages and logs:
// "(pattern=ResourcePattern(resourceType=TOPIC, name=t, patternType=LITERAL),
//  entry=(principal=User:a, host=*, operation=READ, permissionType=ALLOW))".
std::string ToString(const AclBinding& binding);

// The checks a binding passes before CreateAcls stores it (Kafka's
// AclApis.handleCreateAcls and AclControlManager.validateNewAcl), in
// Kafka's order and with its messages. Every failure is InvalidArgument,
// which the server answers as INVALID_REQUEST (42), per binding:
//   - resource type UNKNOWN or ANY: "Invalid resourceType ANY"
//   - pattern type other than LITERAL/PREFIXED: "Invalid patternType MATCH"
//   - operation UNKNOWN or ANY: "Invalid operation ANY"
//   - permission other than ALLOW/DENY: "Invalid permissionType ANY"
//   - CLUSTER named other than "kafka-cluster": "The only valid name for
//     the CLUSTER resource is kafka-cluster"
//   - empty resource name: "Invalid empty resource name"
//   - principal without ':': "Could not parse principal from `x` (no colon
//     is present separating the principal type from the principal name)"
// (Kafka's broker rejects UNKNOWN codes while parsing the request and
// ANY/MATCH while converting it, failing the whole request; warp answers
// each binding on its own, with the controller's messages.)
absl::Status ValidateAclBinding(const AclBinding& binding);

}  // namespace warp::acl

#endif  // WARP_ACL_H_
