// CreateAcls, DescribeAcls and DeleteAcls (v0-3), as Kafka's broker answers
// them: with --authorizer=none SECURITY_DISABLED; otherwise ALTER (create,
// delete) or DESCRIBE (describe) on the cluster, then the bindings kept in
// the metadata journal (AddAcls, RemoveAcls), which every agent enforces.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/security/acl/acl_filter.h"
#include "server/authorization.h"
#include "server/handler.h"

namespace warp::server {
namespace {

using namespace kafka;  // NOLINT: the protocol's names

constexpr char kNoAuthorizer[] = "No Authorizer is configured.";

// The filter of DescribeAcls or of one DeleteAcls entry; v0 has no pattern
// type (LITERAL, the codec's default).
template <typename F>
acl::AclBindingFilter FilterOf(const F& f) {
  acl::AclBindingFilter filter;
  filter.pattern.resource_type = acl::ResourceTypeFromCode(f.resource_type_filter);
  filter.pattern.name = f.resource_name_filter;
  filter.pattern.pattern_type = acl::PatternTypeFromCode(f.pattern_type_filter);
  filter.entry.principal = f.principal_filter;
  filter.entry.host = f.host_filter;
  filter.entry.operation = acl::AclOperationFromCode(f.operation);
  filter.entry.permission = acl::AclPermissionTypeFromCode(f.permission_type);
  return filter;
}

// The ACLs as every agent has them now (changed through another agent a
// moment ago included).
std::shared_ptr<const acl::AclSnapshot> CurrentAcls(Agent& agent) {
  agent.security().CatchUp();
  return agent.security().acls();
}

void HandleCreateAcls(const HandlerContext& ctx, Request& request, Reply reply) {
  auto& req = std::get<CreateAclsRequest>(request);
  Agent& agent = *ctx.agent;
  CreateAclsResponse resp;
  resp.results.resize(req.creations.size());
  auto fail_all = [&](ErrorCode code, const std::string& message) {
    for (auto& result : resp.results) {
      result.error_code = ToInt16(code);
      result.error_message = message;
    }
  };
  if (!agent.security().enforce_acls()) {
    fail_all(ErrorCode::kSecurityDisabled, kNoAuthorizer);
  } else if (!RequestAuthorizer(ctx).Cluster(acl::AclOperation::kAlter)) {
    fail_all(ErrorCode::kClusterAuthorizationFailed,
             "Cluster authorization failed (ALTER on the cluster is needed).");
  } else {
    AddAcls add;
    std::vector<size_t> added;  // the index of each binding in `add`
    for (size_t i = 0; i < req.creations.size(); ++i) {
      const auto& c = req.creations[i];
      acl::AclBinding binding{
          {acl::ResourceTypeFromCode(c.resource_type), c.resource_name,
           acl::PatternTypeFromCode(c.resource_pattern_type)},
          {c.principal, c.host, acl::AclOperationFromCode(c.operation),
           acl::AclPermissionTypeFromCode(c.permission_type)}};
      absl::Status valid = acl::ValidateAclBinding(binding);
      if (!valid.ok()) {
        resp.results[i].error_code = ToInt16(ErrorCode::kInvalidRequest);
        resp.results[i].error_message = std::string(valid.message());
        continue;
      }
      resp.results[i].error_message = std::nullopt;
      add.bindings.push_back(std::move(binding));
      added.push_back(i);
    }
    if (!add.bindings.empty()) {
      absl::StatusOr<CommandResult> result = agent.metadata().Execute(std::move(add));
      int16_t code = !result.ok() ? ErrorCodeFor(result.status()) : ErrorCodeFor(result->error);
      if (code != 0) {
        std::string message =
            !result.ok() ? std::string(result.status().message()) : result->message;
        for (size_t i : added) {
          resp.results[i].error_code = code;
          resp.results[i].error_message = message;
        }
      }
      agent.security().Refresh();
    }
  }
  reply(Response(std::move(resp)));
}

void HandleDescribeAcls(const HandlerContext& ctx, Request& request, Reply reply) {
  auto& req = std::get<DescribeAclsRequest>(request);
  Agent& agent = *ctx.agent;
  DescribeAclsResponse resp;
  resp.error_message = std::nullopt;
  acl::AclBindingFilter filter = FilterOf(req);
  absl::Status valid = acl::ValidateAclBindingFilter(filter);
  if (!agent.security().enforce_acls()) {
    resp.error_code = ToInt16(ErrorCode::kSecurityDisabled);
    resp.error_message = kNoAuthorizer;
  } else if (!RequestAuthorizer(ctx).Cluster(acl::AclOperation::kDescribe)) {
    resp.error_code = ToInt16(ErrorCode::kClusterAuthorizationFailed);
    resp.error_message = "Cluster authorization failed (DESCRIBE on the cluster is needed).";
  } else if (!valid.ok()) {
    resp.error_code = ToInt16(ErrorCode::kInvalidRequest);
    resp.error_message = std::string(valid.message());
  } else {
    std::shared_ptr<const acl::AclSnapshot> acls = CurrentAcls(agent);
    // Sorted by pattern, so those of one resource pattern are adjacent.
    for (const acl::AclBinding& b : acl::SelectForDescribe(acls->bindings(), filter)) {
      if (resp.resources.empty() ||
          resp.resources.back().resource_type != static_cast<int8_t>(b.pattern.resource_type) ||
          resp.resources.back().resource_name != b.pattern.name ||
          resp.resources.back().pattern_type != static_cast<int8_t>(b.pattern.pattern_type)) {
        auto& resource = resp.resources.emplace_back();
        resource.resource_type = static_cast<int8_t>(b.pattern.resource_type);
        resource.resource_name = b.pattern.name;
        resource.pattern_type = static_cast<int8_t>(b.pattern.pattern_type);
      }
      auto& description = resp.resources.back().acls.emplace_back();
      description.principal = b.entry.principal;
      description.host = b.entry.host;
      description.operation = static_cast<int8_t>(b.entry.operation);
      description.permission_type = static_cast<int8_t>(b.entry.permission);
    }
  }
  reply(Response(std::move(resp)));
}

void HandleDeleteAcls(const HandlerContext& ctx, Request& request, Reply reply) {
  auto& req = std::get<DeleteAclsRequest>(request);
  Agent& agent = *ctx.agent;
  DeleteAclsResponse resp;
  resp.filter_results.resize(req.filters.size());
  auto fail_all = [&](ErrorCode code, const std::string& message) {
    for (auto& result : resp.filter_results) {
      result.error_code = ToInt16(code);
      result.error_message = message;
    }
  };
  if (!agent.security().enforce_acls()) {
    fail_all(ErrorCode::kSecurityDisabled, kNoAuthorizer);
    reply(Response(std::move(resp)));
    return;
  }
  if (!RequestAuthorizer(ctx).Cluster(acl::AclOperation::kAlter)) {
    fail_all(ErrorCode::kClusterAuthorizationFailed,
             "Cluster authorization failed (ALTER on the cluster is needed).");
    reply(Response(std::move(resp)));
    return;
  }
  std::vector<acl::AclBindingFilter> filters;
  std::vector<size_t> valid;  // indexes of the valid filters in the request
  for (size_t i = 0; i < req.filters.size(); ++i) {
    acl::AclBindingFilter filter = FilterOf(req.filters[i]);
    absl::Status check = acl::ValidateAclBindingFilter(filter);
    if (!check.ok()) {
      resp.filter_results[i].error_code = ToInt16(ErrorCode::kInvalidRequest);
      resp.filter_results[i].error_message = std::string(check.message());
      continue;
    }
    resp.filter_results[i].error_message = std::nullopt;
    filters.push_back(std::move(filter));
    valid.push_back(i);
  }
  std::shared_ptr<const acl::AclSnapshot> acls = CurrentAcls(agent);
  std::vector<std::vector<acl::AclBinding>> selected =
      acl::SelectForDelete(acls->bindings(), filters);
  RemoveAcls remove;
  for (const auto& bindings : selected) {
    remove.bindings.insert(remove.bindings.end(), bindings.begin(), bindings.end());
  }
  absl::Status failed;
  if (!remove.bindings.empty()) {
    absl::StatusOr<CommandResult> result = agent.metadata().Execute(std::move(remove));
    if (!result.ok()) failed = result.status();
    agent.security().Refresh();
  }
  for (size_t f = 0; f < valid.size(); ++f) {
    auto& out = resp.filter_results[valid[f]];
    if (!failed.ok()) {
      out.error_code = ErrorCodeFor(failed);
      out.error_message = std::string(failed.message());
      continue;
    }
    for (const acl::AclBinding& b : selected[f]) {
      auto& matching = out.matching_acls.emplace_back();
      matching.error_message = std::nullopt;
      matching.resource_type = static_cast<int8_t>(b.pattern.resource_type);
      matching.resource_name = b.pattern.name;
      matching.pattern_type = static_cast<int8_t>(b.pattern.pattern_type);
      matching.principal = b.entry.principal;
      matching.host = b.entry.host;
      matching.operation = static_cast<int8_t>(b.entry.operation);
      matching.permission_type = static_cast<int8_t>(b.entry.permission);
    }
  }
  reply(Response(std::move(resp)));
}

}  // namespace

void RegisterAclHandlers(absl::flat_hash_map<int16_t, Handler>& table) {
  table[CreateAclsRequest::kApiKey] = HandleCreateAcls;
  table[DescribeAclsRequest::kApiKey] = HandleDescribeAcls;
  table[DeleteAclsRequest::kApiKey] = HandleDeleteAcls;
}

}  // namespace warp::server
