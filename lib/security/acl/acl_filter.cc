#include "lib/security/acl/acl_filter.h"

#include "absl/strings/match.h"

namespace warp::acl {

bool Matches(const ResourcePatternFilter& filter,
             const ResourcePattern& pattern) {
  if (filter.resource_type != ResourceType::kAny &&
      filter.resource_type != pattern.resource_type) {
    return false;
  }
  if (filter.pattern_type != PatternType::kAny &&
      filter.pattern_type != PatternType::kMatch &&
      filter.pattern_type != pattern.pattern_type) {
    return false;
  }
  if (!filter.name.has_value()) return true;
  const std::string& name = *filter.name;
  if (filter.pattern_type == PatternType::kAny ||
      filter.pattern_type == pattern.pattern_type) {
    return name == pattern.name;
  }
  // MATCH: the patterns that apply to a resource called `name`.
  switch (pattern.pattern_type) {
    case PatternType::kLiteral:
      return name == pattern.name || pattern.name == kWildcardResource;
    case PatternType::kPrefixed:
      return absl::StartsWith(name, pattern.name);
    default:
      return false;
  }
}

bool Matches(const AccessControlEntryFilter& filter,
             const AccessControlEntry& entry) {
  if (filter.principal.has_value() && *filter.principal != entry.principal) {
    return false;
  }
  if (filter.host.has_value() && *filter.host != entry.host) return false;
  if (filter.operation != AclOperation::kAny &&
      filter.operation != entry.operation) {
    return false;
  }
  return filter.permission == AclPermissionType::kAny ||
         filter.permission == entry.permission;
}

bool Matches(const AclBindingFilter& filter, const AclBinding& binding) {
  return Matches(filter.pattern, binding.pattern) &&
         Matches(filter.entry, binding.entry);
}

absl::Status ValidateAclBindingFilter(const AclBindingFilter& filter) {
  if (ResourceTypeFromCode(static_cast<int8_t>(filter.pattern.resource_type)) ==
          ResourceType::kUnknown ||
      PatternTypeFromCode(static_cast<int8_t>(filter.pattern.pattern_type)) ==
          PatternType::kUnknown) {
    return absl::InvalidArgumentError("Unknown patternFilter.");
  }
  if (AclOperationFromCode(static_cast<int8_t>(filter.entry.operation)) ==
          AclOperation::kUnknown ||
      AclPermissionTypeFromCode(static_cast<int8_t>(filter.entry.permission)) ==
          AclPermissionType::kUnknown) {
    return absl::InvalidArgumentError("Unknown entryFilter.");
  }
  return absl::OkStatus();
}

std::vector<AclBinding> SelectForDescribe(absl::Span<const AclBinding> bindings,
                                          const AclBindingFilter& filter) {
  std::vector<AclBinding> selected;
  for (const AclBinding& binding : bindings) {
    if (Matches(filter, binding)) selected.push_back(binding);
  }
  return selected;
}

std::vector<std::vector<AclBinding>> SelectForDelete(
    absl::Span<const AclBinding> bindings,
    absl::Span<const AclBindingFilter> filters) {
  std::vector<std::vector<AclBinding>> selected(filters.size());
  for (const AclBinding& binding : bindings) {
    for (size_t i = 0; i < filters.size(); ++i) {
      if (Matches(filters[i], binding)) {
        selected[i].push_back(binding);
        break;
      }
    }
  }
  return selected;
}

}  // namespace warp::acl
