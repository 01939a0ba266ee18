// Kafka's ACL authorizer (AclAuthorizer / StandardAuthorizer semantics) over
// an immutable, indexed snapshot of the ACL bindings.
//
// Whoever keeps the ACLs (the metadata journal) builds a new AclSnapshot
// each time they change and publishes it through an Authorizer; a handler
// takes the current snapshot once per request and asks it as often as it
// likes:
//
//   std::shared_ptr<const AclSnapshot> acls = authorizer.snapshot();
//   if (acls->Authorize(principal, host, AclOperation::kRead,
//                       ResourceType::kTopic, topic) != kAllowed) ...
//
// The rules of Authorize, in Kafka's order:
//   1. A super user is allowed everything.
//   2. The ACLs that apply to a resource are those with its type and a
//      LITERAL pattern of its name, a LITERAL "*", or a PREFIXED pattern its
//      name starts with. If there are none (for any principal, host or
//      operation), the answer is `allow_everyone_if_no_acl_found`.
//   3. Of those, an entry counts when its principal is the caller's or
//      "User:*" and its host the caller's or "*".
//   4. Any counting DENY of the operation or of ALL: DENIED.
//   5. Any counting ALLOW of the operation or of ALL, or of an operation
//      implying it: ALLOWED. READ, WRITE, DELETE and ALTER imply DESCRIBE;
//      ALTER_CONFIGS implies DESCRIBE_CONFIGS. Implication only ever
//      allows: a DENY of READ does not deny DESCRIBE.
//   6. Otherwise DENIED.
// Rules between resources (CREATE on the cluster allowing any topic's
// creation, IDEMPOTENT_WRITE from WRITE on a topic, ...) are the handlers'.
//
// Thread-safety: an AclSnapshot is immutable, safe to query from any number
// of threads. Authorizer is thread-safe.
#ifndef WARP_LIB_SECURITY_ACL_AUTHORIZER_H_
#define WARP_LIB_SECURITY_ACL_AUTHORIZER_H_

#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "warp/acl.h"

namespace warp::acl {

enum class AuthorizationResult { kAllowed, kDenied };

struct AuthorizerOptions {
  // Principals ("User:admin") allowed every operation on every resource,
  // whatever the ACLs say (Kafka's super.users; ParseSuperUsers reads its
  // syntax). Compared as strings; costs one hash lookup per check.
  std::vector<std::string> super_users;
  // The answer for a resource no ACL applies to (Kafka's
  // allow.everyone.if.no.acl.found). Off: a resource without ACLs is closed
  // to all but super users.
  bool allow_everyone_if_no_acl_found = false;
};

// Kafka's `super.users` syntax: principals separated by ';', each trimmed;
// empty items are skipped ("User:admin;User:ops"). InvalidArgument naming
// the first item that is not "Type:name".
absl::StatusOr<std::vector<std::string>> ParseSuperUsers(
    absl::string_view super_users);

// An immutable index of ACL bindings plus the options they are judged with.
// One check costs a hash lookup of the super users and of the literal name,
// one binary search over the PREFIXED names (each links to its longest
// prefix among them, so the rest is a walk up that chain), and a scan of the
// entries of the patterns found ("*" included). About 350 ns at 10,000 ACLs
// (docs/benchmarks.md).
class AclSnapshot {
 public:
  // Validates every binding (ValidateAclBinding; the first failure is
  // returned) and indexes them; duplicates count once. O(n log n).
  static absl::StatusOr<std::shared_ptr<const AclSnapshot>> Build(
      std::vector<AclBinding> bindings, AuthorizerOptions options);

  // No bindings, default options.
  static std::shared_ptr<const AclSnapshot> Empty();

  AclSnapshot(const AclSnapshot&) = delete;
  AclSnapshot& operator=(const AclSnapshot&) = delete;

  // May `principal` ("User:alice") connected from `host` (an IP address)
  // perform `operation` on the resource `name` of `type`? The rules are in
  // the file comment. An operation of ANY/UNKNOWN or a resource type of
  // ANY/UNKNOWN is DENIED, even to super users.
  AuthorizationResult Authorize(absl::string_view principal,
                                absl::string_view host, AclOperation operation,
                                ResourceType type,
                                absl::string_view name) const;

  // Kafka's Authorizer.authorizeByResourceType: may the principal perform
  // `operation` on at least one resource of `type` (used when there is no
  // single resource to ask about, e.g. InitProducerId without a
  // transactional id asks WRITE on any TOPIC)? ALLOWED when
  // Authorize(..., type, "hardcode") is (super users, a wildcard ALLOW, or
  // allow_everyone_if_no_acl_found with no ACL on that name); else DENIED
  // by a counting LITERAL "*" DENY; else ALLOWED when some counting ALLOW
  // (of `operation` or ALL; no implication here) survives the DENYs:
  // a LITERAL "*" ALLOW always does, a LITERAL ALLOW unless there is a
  // LITERAL DENY of the same name or a PREFIXED DENY of a prefix of it, a
  // PREFIXED ALLOW unless there is a PREFIXED DENY of a prefix of it. Cost:
  // one pass over the bindings of `type`. Invalid arguments as Authorize.
  AuthorizationResult AuthorizeAny(absl::string_view principal,
                                   absl::string_view host,
                                   AclOperation operation,
                                   ResourceType type) const;

  // Every binding, sorted (by resource type, name, pattern type, then
  // entry) and unique: what DescribeAcls and DeleteAcls select from
  // (acl_filter.h), and what a rebuild starts from.
  const std::vector<AclBinding>& bindings() const { return bindings_; }
  const AuthorizerOptions& options() const { return options_; }
  bool IsSuperUser(absl::string_view principal) const;

  ~AclSnapshot();

 private:
  struct Index;  // authorizer.cc
  AclSnapshot();

  std::vector<AclBinding> bindings_;
  AuthorizerOptions options_;
  std::unique_ptr<const Index> index_;
};

// The current snapshot, swapped whole when the ACLs change. Readers never
// block on a rebuild; a swap costs an atomic exchange.
class Authorizer {
 public:
  // Starts with AclSnapshot::Empty() (default options) unless given one.
  Authorizer();
  explicit Authorizer(std::shared_ptr<const AclSnapshot> initial);

  Authorizer(const Authorizer&) = delete;
  Authorizer& operator=(const Authorizer&) = delete;

  // The current snapshot; it stays valid (and unchanged) for as long as the
  // caller holds it. Never null.
  std::shared_ptr<const AclSnapshot> snapshot() const {
    return current_.load(std::memory_order_acquire);
  }

  // Publishes `next` (not null) for every later snapshot() call.
  void Publish(std::shared_ptr<const AclSnapshot> next) {
    current_.store(std::move(next), std::memory_order_release);
  }

 private:
  std::atomic<std::shared_ptr<const AclSnapshot>> current_;
};

}  // namespace warp::acl

#endif  // WARP_LIB_SECURITY_ACL_AUTHORIZER_H_
