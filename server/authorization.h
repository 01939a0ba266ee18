// What the principal of one request may do, asked the way Apache Kafka's
// KafkaApis asks its authorizer (docs/security.md has the table of API to
// check). With --authorizer=none everything is allowed.
//
//   RequestAuthorizer auth(ctx);
//   if (!auth.Topic(acl::AclOperation::kWrite, topic)) -> TOPIC_AUTHORIZATION_FAILED
//
// Takes the ACL snapshot once, so one request is judged by one set of ACLs.
// Thread-compatible; cheap to make (a shared_ptr copy and two strings).
#ifndef WARP_SERVER_AUTHORIZATION_H_
#define WARP_SERVER_AUTHORIZATION_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "lib/security/acl/authorizer.h"
#include "server/handler.h"

namespace warp::server {

class RequestAuthorizer {
 public:
  explicit RequestAuthorizer(const HandlerContext& ctx);

  // Whether ACLs are enforced at all (--authorizer=acl).
  bool enforced() const { return acls_ != nullptr; }
  // Who asks; empty when ACLs are not enforced.
  const std::string& principal() const { return principal_; }

  bool Allowed(acl::AclOperation operation, acl::ResourceType type,
               absl::string_view name) const;
  bool Topic(acl::AclOperation operation, absl::string_view topic) const {
    return Allowed(operation, acl::ResourceType::kTopic, topic);
  }
  bool Group(acl::AclOperation operation, absl::string_view group) const {
    return Allowed(operation, acl::ResourceType::kGroup, group);
  }
  bool TransactionalId(acl::AclOperation operation, absl::string_view id) const {
    return Allowed(operation, acl::ResourceType::kTransactionalId, id);
  }
  bool Cluster(acl::AclOperation operation) const {
    return Allowed(operation, acl::ResourceType::kCluster, acl::kClusterResourceName);
  }
  // Kafka's authorizeByResourceType: `operation` on at least one resource of
  // `type` (InitProducerId without a transactional id: WRITE on any topic).
  bool Any(acl::AclOperation operation, acl::ResourceType type) const;

  // Kafka's authorized-operations bit field (bit `code` set for each
  // operation allowed) over the operations the resource type supports, as
  // Metadata, DescribeGroups and DescribeCluster report them.
  int32_t AuthorizedOperations(acl::ResourceType type, absl::string_view name) const;

 private:
  std::shared_ptr<const acl::AclSnapshot> acls_;  // null: not enforced
  std::string principal_;
  std::string host_;
};

}  // namespace warp::server

#endif  // WARP_SERVER_AUTHORIZATION_H_
