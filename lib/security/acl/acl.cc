#include "warp/acl.h"

#include <array>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace warp::acl {
namespace {

// Each enum's names, indexed by code (codes are 0..size-1).
constexpr std::array<absl::string_view, 8> kResourceTypeNames = {
    "UNKNOWN",          "ANY", "TOPIC", "GROUP", "CLUSTER", "TRANSACTIONAL_ID",
    "DELEGATION_TOKEN", "USER"};
constexpr std::array<absl::string_view, 5> kPatternTypeNames = {
    "UNKNOWN", "ANY", "MATCH", "LITERAL", "PREFIXED"};
constexpr std::array<absl::string_view, 15> kOperationNames = {
    "UNKNOWN",
    "ANY",
    "ALL",
    "READ",
    "WRITE",
    "CREATE",
    "DELETE",
    "ALTER",
    "DESCRIBE",
    "CLUSTER_ACTION",
    "DESCRIBE_CONFIGS",
    "ALTER_CONFIGS",
    "IDEMPOTENT_WRITE",
    "CREATE_TOKENS",
    "DESCRIBE_TOKENS"};
constexpr std::array<absl::string_view, 4> kPermissionNames = {"UNKNOWN", "ANY",
                                                               "DENY", "ALLOW"};

template <typename Enum, size_t N>
Enum FromCode(const std::array<absl::string_view, N>&, int8_t code) {
  return code >= 0 && static_cast<size_t>(code) < N ? static_cast<Enum>(code)
                                                    : static_cast<Enum>(0);
}

template <typename Enum, size_t N>
absl::string_view NameOf(const std::array<absl::string_view, N>& names,
                         Enum value) {
  return names[static_cast<size_t>(
      FromCode<Enum>(names, static_cast<int8_t>(value)))];
}

template <typename Enum, size_t N>
Enum Parse(const std::array<absl::string_view, N>& names,
           absl::string_view name) {
  for (size_t i = 0; i < N; ++i) {
    if (absl::EqualsIgnoreCase(names[i], name)) return static_cast<Enum>(i);
  }
  return static_cast<Enum>(0);
}

}  // namespace

ResourceType ResourceTypeFromCode(int8_t code) {
  return FromCode<ResourceType>(kResourceTypeNames, code);
}
PatternType PatternTypeFromCode(int8_t code) {
  return FromCode<PatternType>(kPatternTypeNames, code);
}
AclOperation AclOperationFromCode(int8_t code) {
  return FromCode<AclOperation>(kOperationNames, code);
}
AclPermissionType AclPermissionTypeFromCode(int8_t code) {
  return FromCode<AclPermissionType>(kPermissionNames, code);
}

absl::string_view ResourceTypeName(ResourceType type) {
  return NameOf(kResourceTypeNames, type);
}
absl::string_view PatternTypeName(PatternType type) {
  return NameOf(kPatternTypeNames, type);
}
absl::string_view AclOperationName(AclOperation operation) {
  return NameOf(kOperationNames, operation);
}
absl::string_view AclPermissionTypeName(AclPermissionType permission) {
  return NameOf(kPermissionNames, permission);
}

ResourceType ParseResourceType(absl::string_view name) {
  return Parse<ResourceType>(kResourceTypeNames, name);
}
PatternType ParsePatternType(absl::string_view name) {
  return Parse<PatternType>(kPatternTypeNames, name);
}
AclOperation ParseAclOperation(absl::string_view name) {
  return Parse<AclOperation>(kOperationNames, name);
}
AclPermissionType ParseAclPermissionType(absl::string_view name) {
  return Parse<AclPermissionType>(kPermissionNames, name);
}

absl::StatusOr<KafkaPrincipal> ParsePrincipal(absl::string_view principal) {
  size_t colon = principal.find(':');
  if (principal.empty() || colon == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected a string in format principalType:principalName "
                     "but got ",
                     principal));
  }
  return KafkaPrincipal{std::string(principal.substr(0, colon)),
                        std::string(principal.substr(colon + 1))};
}

std::string ToString(const AclBinding& b) {
  return absl::StrCat(
      "(pattern=ResourcePattern(resourceType=",
      ResourceTypeName(b.pattern.resource_type), ", name=", b.pattern.name,
      ", patternType=", PatternTypeName(b.pattern.pattern_type),
      "), entry=(principal=", b.entry.principal, ", host=", b.entry.host,
      ", operation=", AclOperationName(b.entry.operation),
      ", permissionType=", AclPermissionTypeName(b.entry.permission), "))");
}

absl::Status ValidateAclBinding(const AclBinding& binding) {
  const ResourcePattern& p = binding.pattern;
  const AccessControlEntry& e = binding.entry;
  switch (ResourceTypeFromCode(static_cast<int8_t>(p.resource_type))) {
    case ResourceType::kUnknown:
    case ResourceType::kAny:
      return absl::InvalidArgumentError(absl::StrCat(
          "Invalid resourceType ", ResourceTypeName(p.resource_type)));
    default:
      break;
  }
  if (p.pattern_type != PatternType::kLiteral &&
      p.pattern_type != PatternType::kPrefixed) {
    return absl::InvalidArgumentError(
        absl::StrCat("Invalid patternType ", PatternTypeName(p.pattern_type)));
  }
  switch (AclOperationFromCode(static_cast<int8_t>(e.operation))) {
    case AclOperation::kUnknown:
    case AclOperation::kAny:
      return absl::InvalidArgumentError(
          absl::StrCat("Invalid operation ", AclOperationName(e.operation)));
    default:
      break;
  }
  if (e.permission != AclPermissionType::kAllow &&
      e.permission != AclPermissionType::kDeny) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Invalid permissionType ", AclPermissionTypeName(e.permission)));
  }
  if (p.resource_type == ResourceType::kCluster &&
      p.name != kClusterResourceName) {
    return absl::InvalidArgumentError(
        absl::StrCat("The only valid name for the CLUSTER resource is ",
                     kClusterResourceName));
  }
  if (p.name.empty()) {
    return absl::InvalidArgumentError("Invalid empty resource name");
  }
  if (e.principal.find(':') == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Could not parse principal from `", e.principal,
        "` (no colon is present separating the principal type from the "
        "principal name)"));
  }
  return absl::OkStatus();
}

}  // namespace warp::acl
