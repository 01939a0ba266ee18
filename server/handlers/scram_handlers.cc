// DescribeUserScramCredentials and AlterUserScramCredentials (v0, KIP-554),
// as Kafka's broker answers them: DESCRIBE / ALTER on the cluster, the
// credentials kept in the metadata journal (AlterScramCredentials, salted and
// iterated, never the password), so every agent logs the users in. The
// static users of --sasl_users_file are not listed: they are not Kafka's
// SCRAM users but warpd's configuration.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/security/sasl/credentials.h"
#include "lib/security/sasl/mechanism.h"
#include "server/authorization.h"
#include "server/handler.h"

namespace warp::server {
namespace {

using namespace kafka;  // NOLINT: the protocol's names

// Kafka's ScramMechanism codes.
constexpr int8_t kScramSha256Code = 1;
constexpr int8_t kScramSha512Code = 2;

std::optional<sasl::ScramMechanism> MechanismOf(int8_t code) {
  if (code == kScramSha256Code) return sasl::ScramMechanism::kSha256;
  if (code == kScramSha512Code) return sasl::ScramMechanism::kSha512;
  return std::nullopt;
}

int8_t CodeOf(sasl::ScramMechanism mechanism) {
  return mechanism == sasl::ScramMechanism::kSha256 ? kScramSha256Code : kScramSha512Code;
}

void HandleDescribeUserScramCredentials(const HandlerContext& ctx, Request& request,
                                        Reply reply) {
  auto& req = std::get<DescribeUserScramCredentialsRequest>(request);
  Agent& agent = *ctx.agent;
  DescribeUserScramCredentialsResponse resp;
  resp.error_message = std::nullopt;
  if (!RequestAuthorizer(ctx).Cluster(acl::AclOperation::kDescribe)) {
    resp.error_code = ToInt16(ErrorCode::kClusterAuthorizationFailed);
    resp.error_message = "Cluster authorization failed (DESCRIBE on the cluster is needed).";
    reply(Response(std::move(resp)));
    return;
  }
  agent.security().CatchUp();
  std::map<std::string, std::vector<sasl::ScramCredential>> users =
      agent.security().ScramUsers();
  auto describe = [&](const std::string& user) {
    auto& result = resp.results.emplace_back();
    result.user = user;
    result.error_message = std::nullopt;
    auto it = users.find(user);
    if (it == users.end()) {
      result.error_code = ToInt16(ErrorCode::kResourceNotFound);
      result.error_message = "Attempt to describe a user credential that does not exist";
      return;
    }
    for (const sasl::ScramCredential& credential : it->second) {
      result.credential_infos.push_back({CodeOf(credential.mechanism), credential.iterations});
    }
  };
  if (!req.users.has_value() || req.users->empty()) {
    for (const auto& [user, credentials] : users) describe(user);
  } else {
    std::map<std::string, int> named;
    for (const auto& user : *req.users) ++named[user.name];
    std::set<std::string> answered;
    for (const auto& user : *req.users) {
      if (!answered.insert(user.name).second) continue;
      if (named[user.name] > 1) {
        auto& result = resp.results.emplace_back();
        result.user = user.name;
        result.error_code = ToInt16(ErrorCode::kDuplicateResource);
        result.error_message = "Cannot describe SCRAM credentials for the same user twice in a "
                               "single request";
        continue;
      }
      describe(user.name);
    }
  }
  reply(Response(std::move(resp)));
}

// One user's part of an AlterUserScramCredentials request.
struct UserAlteration {
  AlterScramCredentials command;
  int16_t error = 0;
  std::string message;
  void Fail(ErrorCode code, std::string why) {
    if (error != 0) return;
    error = ToInt16(code);
    message = std::move(why);
  }
};

void HandleAlterUserScramCredentials(const HandlerContext& ctx, Request& request,
                                     Reply reply) {
  auto& req = std::get<AlterUserScramCredentialsRequest>(request);
  Agent& agent = *ctx.agent;
  std::vector<std::string> order;  // users, by first appearance
  std::map<std::string, UserAlteration> users;
  auto user = [&](const std::string& name) -> UserAlteration& {
    auto [it, inserted] = users.try_emplace(name);
    if (inserted) {
      order.push_back(name);
      it->second.command.user = name;
    }
    return it->second;
  };
  std::map<std::string, std::set<int8_t>> seen;  // mechanisms named per user
  for (const auto& deletion : req.deletions) {
    UserAlteration& u = user(deletion.name);
    std::optional<sasl::ScramMechanism> mechanism = MechanismOf(deletion.mechanism);
    if (deletion.name.empty()) {
      u.Fail(ErrorCode::kUnacceptableCredential, "Username must not be empty");
    } else if (!mechanism.has_value()) {
      u.Fail(ErrorCode::kUnsupportedSaslMechanism, "Unknown SCRAM mechanism");
    } else if (!seen[deletion.name].insert(deletion.mechanism).second) {
      u.Fail(ErrorCode::kDuplicateResource,
             "A user credential cannot be altered twice in the same request");
    } else {
      u.command.deletions.emplace_back(sasl::ScramMechanismName(*mechanism));
    }
  }
  for (const auto& upsertion : req.upsertions) {
    UserAlteration& u = user(upsertion.name);
    std::optional<sasl::ScramMechanism> mechanism = MechanismOf(upsertion.mechanism);
    if (upsertion.name.empty()) {
      u.Fail(ErrorCode::kUnacceptableCredential, "Username must not be empty");
      continue;
    }
    if (!mechanism.has_value()) {
      u.Fail(ErrorCode::kUnsupportedSaslMechanism, "Unknown SCRAM mechanism");
      continue;
    }
    if (!seen[upsertion.name].insert(upsertion.mechanism).second) {
      u.Fail(ErrorCode::kDuplicateResource,
             "A user credential cannot be altered twice in the same request");
      continue;
    }
    if (upsertion.iterations < sasl::kMinScramIterations ||
        upsertion.iterations > sasl::kMaxScramIterations) {
      u.Fail(ErrorCode::kUnacceptableCredential,
             absl::StrCat("Requested iterations ", upsertion.iterations, " is outside [",
                          sasl::kMinScramIterations, ", ", sasl::kMaxScramIterations,
                          "] for ", sasl::ScramMechanismName(*mechanism)));
      continue;
    }
    absl::StatusOr<sasl::ScramCredential> credential = sasl::ScramCredentialFromSaltedPassword(
        *mechanism, upsertion.salt, upsertion.salted_password, upsertion.iterations);
    if (!credential.ok()) {
      u.Fail(ErrorCode::kUnacceptableCredential, std::string(credential.status().message()));
      continue;
    }
    u.command.upserts.push_back({std::string(sasl::ScramMechanismName(*mechanism)),
                                 sasl::EncodeScramCredential(*credential)});
  }
  AlterUserScramCredentialsResponse resp;
  const bool allowed = RequestAuthorizer(ctx).Cluster(acl::AclOperation::kAlter);
  bool changed = false;
  for (const std::string& name : order) {
    UserAlteration& u = users[name];
    auto& result = resp.results.emplace_back();
    result.user = name;
    result.error_message = std::nullopt;
    if (!allowed) {
      result.error_code = ToInt16(ErrorCode::kClusterAuthorizationFailed);
      result.error_message = "Cluster authorization failed (ALTER on the cluster is needed).";
      continue;
    }
    if (u.error != 0) {
      result.error_code = u.error;
      result.error_message = u.message;
      continue;
    }
    absl::StatusOr<CommandResult> executed = agent.metadata().Execute(std::move(u.command));
    if (!executed.ok()) {
      result.error_code = ErrorCodeFor(executed.status());
      result.error_message = std::string(executed.status().message());
    } else if (!executed->ok()) {
      result.error_code = ErrorCodeFor(executed->error);
      result.error_message = executed->message;
    } else {
      changed = true;
    }
  }
  if (changed) agent.security().Refresh();
  reply(Response(std::move(resp)));
}

}  // namespace

void RegisterScramHandlers(absl::flat_hash_map<int16_t, Handler>& table) {
  table[DescribeUserScramCredentialsRequest::kApiKey] = HandleDescribeUserScramCredentials;
  table[AlterUserScramCredentialsRequest::kApiKey] = HandleAlterUserScramCredentials;
}

}  // namespace warp::server
