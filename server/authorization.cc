#include "server/authorization.h"

#include <vector>

#include "server/cluster_security.h"

namespace warp::server {
namespace {

using acl::AclOperation;

// The operations each resource type supports (Kafka's AclEntry
// supportedOperations), for authorized-operations fields.
std::vector<AclOperation> SupportedOperations(acl::ResourceType type) {
  switch (type) {
    case acl::ResourceType::kTopic:
      return {AclOperation::kRead,   AclOperation::kWrite,    AclOperation::kCreate,
              AclOperation::kDelete, AclOperation::kAlter,    AclOperation::kDescribe,
              AclOperation::kDescribeConfigs, AclOperation::kAlterConfigs};
    case acl::ResourceType::kGroup:
      return {AclOperation::kRead, AclOperation::kDescribe, AclOperation::kDelete};
    case acl::ResourceType::kCluster:
      return {AclOperation::kCreate,          AclOperation::kClusterAction,
              AclOperation::kDescribeConfigs, AclOperation::kAlterConfigs,
              AclOperation::kIdempotentWrite, AclOperation::kAlter,
              AclOperation::kDescribe};
    case acl::ResourceType::kTransactionalId:
      return {AclOperation::kDescribe, AclOperation::kWrite};
    default:
      return {};
  }
}

}  // namespace

RequestAuthorizer::RequestAuthorizer(const HandlerContext& ctx) {
  // Without ACLs nothing is asked: no principal or host is worked out for
  // every produce and fetch.
  if (ctx.agent == nullptr || !ctx.agent->security().enforce_acls()) return;
  acls_ = ctx.agent->security().acls();
  principal_ = ctx.session != nullptr ? ctx.session->principal() : "User:ANONYMOUS";
  host_ = ClientAddress(ctx.client_host);
}

bool RequestAuthorizer::Allowed(AclOperation operation, acl::ResourceType type,
                                absl::string_view name) const {
  if (acls_ == nullptr) return true;
  return acls_->Authorize(principal_, host_, operation, type, name) ==
         acl::AuthorizationResult::kAllowed;
}

bool RequestAuthorizer::Any(AclOperation operation, acl::ResourceType type) const {
  if (acls_ == nullptr) return true;
  return acls_->AuthorizeAny(principal_, host_, operation, type) ==
         acl::AuthorizationResult::kAllowed;
}

int32_t RequestAuthorizer::AuthorizedOperations(acl::ResourceType type,
                                                absl::string_view name) const {
  int32_t bits = 0;
  for (AclOperation operation : SupportedOperations(type)) {
    if (Allowed(operation, type, name)) bits |= 1 << static_cast<int>(operation);
  }
  return bits;
}

}  // namespace warp::server
