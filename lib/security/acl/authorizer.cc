#include "lib/security/acl/authorizer.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/base/status_macros.h"

namespace warp::acl {
namespace {

constexpr int kResourceTypes = 8;  // codes 0..7

// An entry as a check needs it: the wildcards found once, at build time.
struct Entry {
  std::string principal;
  size_t principal_hash;  // PrincipalHash(principal): most mismatches end here
  std::string host;
  uint32_t operation_bit;  // 1 << operation code
  bool deny;
  bool any_principal;
  bool any_host;
};

struct PrefixedGroup {
  std::string name;
  std::vector<Entry> entries;
  int32_t parent = -1;  // the longest group whose name is a prefix of ours
};

uint32_t Bit(AclOperation operation) {
  return uint32_t{1} << static_cast<int>(operation);
}

bool IsConcrete(ResourceType type) {
  int code = static_cast<int>(type);
  return code >= static_cast<int>(ResourceType::kTopic) &&
         code < kResourceTypes;
}

bool IsConcrete(AclOperation operation) {
  int code = static_cast<int>(operation);
  return code >= static_cast<int>(AclOperation::kAll) &&
         code <= static_cast<int>(AclOperation::kDescribeTokens);
}

size_t PrincipalHash(absl::string_view principal) {
  return absl::Hash<absl::string_view>()(principal);
}

// One check's question, with the operations whose entries decide it.
struct Query {
  absl::string_view principal;
  size_t principal_hash;
  absl::string_view host;
  uint32_t deny_ops;   // a DENY of these denies
  uint32_t allow_ops;  // an ALLOW of these allows
};

Query MakeQuery(absl::string_view principal, absl::string_view host,
                AclOperation operation) {
  uint32_t exact = Bit(operation) | Bit(AclOperation::kAll);
  uint32_t implying = 0;
  if (operation == AclOperation::kDescribe) {
    implying = Bit(AclOperation::kRead) | Bit(AclOperation::kWrite) |
               Bit(AclOperation::kDelete) | Bit(AclOperation::kAlter);
  } else if (operation == AclOperation::kDescribeConfigs) {
    implying = Bit(AclOperation::kAlterConfigs);
  }
  return Query{principal, PrincipalHash(principal), host, exact,
               exact | implying};
}

// Folds a pattern's entries into `*allowed`; true when one of them denies.
bool Denies(const std::vector<Entry>& entries, const Query& q, bool* allowed) {
  for (const Entry& e : entries) {
    if (!e.any_principal &&
        (e.principal_hash != q.principal_hash || e.principal != q.principal)) {
      continue;
    }
    if (!e.any_host && e.host != q.host) continue;
    if (e.deny) {
      if (e.operation_bit & q.deny_ops) return true;
    } else if (e.operation_bit & q.allow_ops) {
      *allowed = true;
    }
  }
  return false;
}

size_t CommonPrefixLength(absl::string_view a, absl::string_view b) {
  size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

// Calls fn(group) for each group of `sorted` whose name is a prefix of
// `name`, longest first, until fn returns false. One binary search finds the
// greatest name <= `name`; the prefixes of `name` among the groups are then
// those of its ancestors (the groups whose names are prefixes of its name)
// no longer than its common prefix with `name`.
template <typename Fn>
void ForEachPrefixOf(const std::vector<PrefixedGroup>& sorted,
                     absl::string_view name, Fn fn) {
  auto it = std::upper_bound(
      sorted.begin(), sorted.end(), name,
      [](absl::string_view n, const PrefixedGroup& g) { return n < g.name; });
  if (it == sorted.begin()) return;
  int32_t i = static_cast<int32_t>(it - sorted.begin()) - 1;
  const size_t common = CommonPrefixLength(sorted[i].name, name);
  while (i >= 0 && sorted[i].name.size() > common) i = sorted[i].parent;
  for (; i >= 0; i = sorted[i].parent) {
    if (!fn(sorted[i])) return;
  }
}

// Sets each group's parent: the longest other group name that is a prefix
// of its name. `sorted` is sorted by name, so a group's ancestors are on the
// stack when it is reached.
void LinkParents(std::vector<PrefixedGroup>& sorted) {
  std::vector<int32_t> ancestors;
  for (int32_t i = 0; i < static_cast<int32_t>(sorted.size()); ++i) {
    while (!ancestors.empty() &&
           !absl::StartsWith(sorted[i].name, sorted[ancestors.back()].name)) {
      ancestors.pop_back();
    }
    sorted[i].parent = ancestors.empty() ? -1 : ancestors.back();
    ancestors.push_back(i);
  }
}

}  // namespace

struct AclSnapshot::Index {
  struct ByType {
    absl::flat_hash_map<std::string, std::vector<Entry>> literal;
    const std::vector<Entry>* wildcard = nullptr;  // literal["*"]
    std::vector<PrefixedGroup> prefixed;           // sorted by name
    size_t begin = 0;                              // range in bindings_
    size_t end = 0;
  };
  absl::flat_hash_set<std::string> super_users;
  std::array<ByType, kResourceTypes> by_type;
};

absl::StatusOr<std::vector<std::string>> ParseSuperUsers(
    absl::string_view super_users) {
  std::vector<std::string> principals;
  for (absl::string_view item : absl::StrSplit(super_users, ';')) {
    item = absl::StripAsciiWhitespace(item);
    if (item.empty()) continue;
    if (!ParsePrincipal(item).ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("super.users: expected a string in format "
                       "principalType:principalName but got ",
                       item));
    }
    principals.emplace_back(item);
  }
  return principals;
}

AclSnapshot::AclSnapshot() = default;
AclSnapshot::~AclSnapshot() = default;

absl::StatusOr<std::shared_ptr<const AclSnapshot>> AclSnapshot::Build(
    std::vector<AclBinding> bindings, AuthorizerOptions options) {
  for (const AclBinding& binding : bindings) {
    RETURN_IF_ERROR(ValidateAclBinding(binding));
  }
  std::sort(bindings.begin(), bindings.end());
  bindings.erase(std::unique(bindings.begin(), bindings.end()), bindings.end());

  auto index = std::make_unique<Index>();
  index->super_users.insert(options.super_users.begin(),
                            options.super_users.end());
  for (size_t i = 0; i < bindings.size(); ++i) {
    const ResourcePattern& p = bindings[i].pattern;
    const AccessControlEntry& e = bindings[i].entry;
    Index::ByType& t = index->by_type[static_cast<int>(p.resource_type)];
    if (t.end == 0) t.begin = i;
    t.end = i + 1;
    Entry entry{e.principal,
                PrincipalHash(e.principal),
                e.host,
                Bit(e.operation),
                e.permission == AclPermissionType::kDeny,
                e.principal == kWildcardPrincipal,
                e.host == kWildcardHost};
    if (p.pattern_type == PatternType::kLiteral) {
      t.literal[p.name].push_back(std::move(entry));
    } else {
      // Sorted input: a name's PREFIXED bindings are adjacent, names ascend.
      if (t.prefixed.empty() || t.prefixed.back().name != p.name) {
        t.prefixed.push_back(PrefixedGroup{p.name, {}, -1});
      }
      t.prefixed.back().entries.push_back(std::move(entry));
    }
  }
  for (Index::ByType& t : index->by_type) {
    auto it = t.literal.find(kWildcardResource);
    if (it != t.literal.end()) t.wildcard = &it->second;
    LinkParents(t.prefixed);
  }

  std::shared_ptr<AclSnapshot> snapshot(new AclSnapshot());
  snapshot->bindings_ = std::move(bindings);
  snapshot->options_ = std::move(options);
  snapshot->index_ = std::move(index);
  return std::shared_ptr<const AclSnapshot>(std::move(snapshot));
}

std::shared_ptr<const AclSnapshot> AclSnapshot::Empty() {
  static const std::shared_ptr<const AclSnapshot>* const empty =
      new std::shared_ptr<const AclSnapshot>(*Build({}, {}));
  return *empty;
}

bool AclSnapshot::IsSuperUser(absl::string_view principal) const {
  return index_->super_users.contains(principal);
}

AuthorizationResult AclSnapshot::Authorize(absl::string_view principal,
                                           absl::string_view host,
                                           AclOperation operation,
                                           ResourceType type,
                                           absl::string_view name) const {
  if (!IsConcrete(type) || !IsConcrete(operation)) {
    return AuthorizationResult::kDenied;
  }
  if (IsSuperUser(principal)) return AuthorizationResult::kAllowed;

  const Index::ByType& t = index_->by_type[static_cast<int>(type)];
  const Query q = MakeQuery(principal, host, operation);
  bool any_acl = false;
  bool allowed = false;
  bool denied = false;
  auto fold = [&](const std::vector<Entry>& entries) {
    any_acl = true;
    denied = Denies(entries, q, &allowed);
    return !denied;
  };
  if (auto it = t.literal.find(name); it != t.literal.end()) {
    if (!fold(it->second)) return AuthorizationResult::kDenied;
  }
  if (t.wildcard != nullptr && name != kWildcardResource) {
    if (!fold(*t.wildcard)) return AuthorizationResult::kDenied;
  }
  ForEachPrefixOf(t.prefixed, name,
                  [&](const PrefixedGroup& g) { return fold(g.entries); });
  if (denied) return AuthorizationResult::kDenied;
  if (!any_acl) {
    return options_.allow_everyone_if_no_acl_found
               ? AuthorizationResult::kAllowed
               : AuthorizationResult::kDenied;
  }
  return allowed ? AuthorizationResult::kAllowed : AuthorizationResult::kDenied;
}

AuthorizationResult AclSnapshot::AuthorizeAny(absl::string_view principal,
                                              absl::string_view host,
                                              AclOperation operation,
                                              ResourceType type) const {
  if (!IsConcrete(type) || !IsConcrete(operation)) {
    return AuthorizationResult::kDenied;
  }
  // Kafka asks about a made-up name first, so that super users, wildcard
  // ALLOWs and allow_everyone_if_no_acl_found are answered as Authorize
  // answers them.
  if (Authorize(principal, host, operation, type, "hardcode") ==
      AuthorizationResult::kAllowed) {
    return AuthorizationResult::kAllowed;
  }
  absl::flat_hash_set<absl::string_view> deny_literal;
  absl::flat_hash_set<absl::string_view> deny_prefixed;
  std::vector<absl::string_view> allow_literal;
  std::vector<absl::string_view> allow_prefixed;
  bool wildcard_allow = false;
  const Index::ByType& t = index_->by_type[static_cast<int>(type)];
  for (size_t i = t.begin; i < t.end; ++i) {
    const ResourcePattern& p = bindings_[i].pattern;
    const AccessControlEntry& e = bindings_[i].entry;
    if (e.host != host && e.host != kWildcardHost) continue;
    if (e.principal != principal && e.principal != kWildcardPrincipal) {
      continue;
    }
    if (e.operation != operation && e.operation != AclOperation::kAll) {
      continue;
    }
    const bool literal = p.pattern_type == PatternType::kLiteral;
    if (e.permission == AclPermissionType::kDeny) {
      if (literal && p.name == kWildcardResource) {
        return AuthorizationResult::kDenied;
      }
      (literal ? deny_literal : deny_prefixed).insert(p.name);
    } else if (literal && p.name == kWildcardResource) {
      wildcard_allow = true;
    } else {
      (literal ? allow_literal : allow_prefixed).push_back(p.name);
    }
  }
  if (wildcard_allow) return AuthorizationResult::kAllowed;

  auto has_denied_prefix = [&](absl::string_view name) {
    for (size_t n = 1; n <= name.size(); ++n) {
      if (deny_prefixed.contains(name.substr(0, n))) return true;
    }
    return false;
  };
  for (absl::string_view name : allow_literal) {
    if (!deny_literal.contains(name) && !has_denied_prefix(name)) {
      return AuthorizationResult::kAllowed;
    }
  }
  for (absl::string_view name : allow_prefixed) {
    if (!has_denied_prefix(name)) return AuthorizationResult::kAllowed;
  }
  return AuthorizationResult::kDenied;
}

Authorizer::Authorizer() : Authorizer(AclSnapshot::Empty()) {}

Authorizer::Authorizer(std::shared_ptr<const AclSnapshot> initial)
    : current_(std::move(initial)) {}

}  // namespace warp::acl
