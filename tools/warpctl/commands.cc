#include "tools/warpctl/commands.h"

#include <algorithm>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/protocol/messages/errors.h"
#include "lib/security/sasl/credentials.h"
#include "lib/security/sasl/crypto.h"
#include "lib/security/sasl/mechanism.h"
#include "warp/acl.h"

namespace warp::warpctl {
namespace {

using namespace kafka;  // NOLINT: the protocol's names

absl::Status KafkaFailure(absl::string_view what, int16_t code,
                          const std::optional<std::string>& message) {
  return absl::FailedPreconditionError(
      absl::StrCat(what, ": ", ErrorName(static_cast<ErrorCode>(code)), " (", code, ")",
                   message.has_value() && !message->empty() ? ": " + *message : ""));
}

template <typename R>
absl::StatusOr<R> CallFor(Connection& connection, Request request) {
  absl::StatusOr<Response> response = connection.Call(request);
  if (!response.ok()) return response.status();
  return std::get<R>(*std::move(response));
}

// The resource an ACL command names: --topic, --group, --transactional_id or
// --cluster (at most one; none is "any" in filters).
struct Resource {
  acl::ResourceType type = acl::ResourceType::kAny;
  std::optional<std::string> name;
};

absl::StatusOr<Resource> ResourceOf(const CommandOptions& o, bool required) {
  std::vector<Resource> named;
  if (o.topic.has_value()) named.push_back({acl::ResourceType::kTopic, o.topic});
  if (o.group.has_value()) named.push_back({acl::ResourceType::kGroup, o.group});
  if (o.transactional_id.has_value()) {
    named.push_back({acl::ResourceType::kTransactionalId, o.transactional_id});
  }
  if (o.cluster) {
    named.push_back({acl::ResourceType::kCluster, std::string(acl::kClusterResourceName)});
  }
  if (named.size() > 1) {
    return absl::InvalidArgumentError(
        "name one of --topic, --group, --transactional_id, --cluster");
  }
  if (named.empty()) {
    if (required) {
      return absl::InvalidArgumentError(
          "which resource? --topic=, --group=, --transactional_id= or --cluster");
    }
    return Resource();
  }
  return named[0];
}

absl::StatusOr<acl::AclOperation> OperationOf(const std::optional<std::string>& name,
                                              bool required) {
  if (!name.has_value()) {
    if (required) return absl::InvalidArgumentError("which operation? --operation=READ, ...");
    return acl::AclOperation::kAny;
  }
  acl::AclOperation op = acl::ParseAclOperation(*name);
  if (op == acl::AclOperation::kUnknown) {
    return absl::InvalidArgumentError(absl::StrCat("unknown operation ", *name));
  }
  return op;
}

absl::StatusOr<acl::PatternType> PatternOf(const std::optional<std::string>& name,
                                           acl::PatternType unset) {
  if (!name.has_value()) return unset;
  acl::PatternType type = acl::ParsePatternType(*name);
  if (type == acl::PatternType::kUnknown) {
    return absl::InvalidArgumentError(absl::StrCat("unknown pattern type ", *name));
  }
  return type;
}

std::string AclLine(int8_t type, const std::string& name, int8_t pattern,
                    const std::string& principal, const std::string& host, int8_t operation,
                    int8_t permission) {
  return absl::StrCat(acl::ResourceTypeName(acl::ResourceTypeFromCode(type)), " ", name, " ",
                      acl::PatternTypeName(acl::PatternTypeFromCode(pattern)), " ", principal,
                      " ", host, " ",
                      acl::AclOperationName(acl::AclOperationFromCode(operation)), " ",
                      acl::AclPermissionTypeName(acl::AclPermissionTypeFromCode(permission)),
                      "\n");
}

// The filter of acls list / remove.
template <typename F>
absl::Status FillFilter(const CommandOptions& o, F* f) {
  absl::StatusOr<Resource> resource = ResourceOf(o, false);
  if (!resource.ok()) return resource.status();
  absl::StatusOr<acl::AclOperation> op = OperationOf(o.operation, false);
  if (!op.ok()) return op.status();
  absl::StatusOr<acl::PatternType> pattern =
      PatternOf(o.pattern, resource->name.has_value() ? acl::PatternType::kLiteral
                                                      : acl::PatternType::kAny);
  if (!pattern.ok()) return pattern.status();
  acl::AclPermissionType permission = acl::AclPermissionType::kAny;
  if (o.permission.has_value()) {
    permission = acl::ParseAclPermissionType(*o.permission);
    if (permission == acl::AclPermissionType::kUnknown) {
      return absl::InvalidArgumentError(absl::StrCat("unknown permission ", *o.permission));
    }
  }
  f->resource_type_filter = static_cast<int8_t>(resource->type);
  f->resource_name_filter = resource->name;
  f->pattern_type_filter = static_cast<int8_t>(*pattern);
  f->principal_filter = o.principal;
  f->host_filter = o.host;
  f->operation = static_cast<int8_t>(*op);
  f->permission_type = static_cast<int8_t>(permission);
  return absl::OkStatus();
}

absl::StatusOr<std::string> AclsAdd(Connection& c, const CommandOptions& o) {
  absl::StatusOr<Resource> resource = ResourceOf(o, true);
  if (!resource.ok()) return resource.status();
  absl::StatusOr<acl::AclOperation> op = OperationOf(o.operation, true);
  if (!op.ok()) return op.status();
  absl::StatusOr<acl::PatternType> pattern = PatternOf(o.pattern, acl::PatternType::kLiteral);
  if (!pattern.ok()) return pattern.status();
  if (!o.principal.has_value()) {
    return absl::InvalidArgumentError("whose ACL? --principal=User:NAME");
  }
  CreateAclsRequest req;
  auto& creation = req.creations.emplace_back();
  creation.resource_type = static_cast<int8_t>(resource->type);
  creation.resource_name = *resource->name;
  creation.resource_pattern_type = static_cast<int8_t>(*pattern);
  creation.principal = *o.principal;
  creation.host = o.host.value_or("*");
  creation.operation = static_cast<int8_t>(*op);
  creation.permission_type = static_cast<int8_t>(o.deny ? acl::AclPermissionType::kDeny
                                                        : acl::AclPermissionType::kAllow);
  absl::StatusOr<CreateAclsResponse> resp = CallFor<CreateAclsResponse>(c, Request(req));
  if (!resp.ok()) return resp.status();
  if (resp->results.size() != 1) return absl::DataLossError("CreateAcls: not one result");
  if (resp->results[0].error_code != 0) {
    return KafkaFailure("CreateAcls", resp->results[0].error_code, resp->results[0].error_message);
  }
  return absl::StrCat("added ",
                      AclLine(creation.resource_type, creation.resource_name,
                              creation.resource_pattern_type, creation.principal, creation.host,
                              creation.operation, creation.permission_type));
}

absl::StatusOr<std::string> AclsList(Connection& c, const CommandOptions& o) {
  DescribeAclsRequest req;
  absl::Status filled = FillFilter(o, &req);
  if (!filled.ok()) return filled;
  absl::StatusOr<DescribeAclsResponse> resp = CallFor<DescribeAclsResponse>(c, Request(req));
  if (!resp.ok()) return resp.status();
  if (resp->error_code != 0) {
    return KafkaFailure("DescribeAcls", resp->error_code, resp->error_message);
  }
  std::string out;
  for (const auto& r : resp->resources) {
    for (const auto& a : r.acls) {
      out += AclLine(r.resource_type, r.resource_name, r.pattern_type, a.principal, a.host,
                     a.operation, a.permission_type);
    }
  }
  return out;
}

absl::StatusOr<std::string> AclsRemove(Connection& c, const CommandOptions& o) {
  if (!o.principal.has_value() && !o.topic && !o.group && !o.transactional_id && !o.cluster) {
    return absl::InvalidArgumentError(
        "remove which ACLs? give --principal= or a resource (removing every ACL at once is "
        "refused)");
  }
  DeleteAclsRequest req;
  absl::Status filled = FillFilter(o, &req.filters.emplace_back());
  if (!filled.ok()) return filled;
  absl::StatusOr<DeleteAclsResponse> resp = CallFor<DeleteAclsResponse>(c, Request(req));
  if (!resp.ok()) return resp.status();
  if (resp->filter_results.size() != 1) return absl::DataLossError("DeleteAcls: not one result");
  const auto& result = resp->filter_results[0];
  if (result.error_code != 0) {
    return KafkaFailure("DeleteAcls", result.error_code, result.error_message);
  }
  std::string out;
  for (const auto& m : result.matching_acls) {
    out += absl::StrCat("removed ", AclLine(m.resource_type, m.resource_name, m.pattern_type,
                                            m.principal, m.host, m.operation, m.permission_type));
  }
  if (out.empty()) out = "no ACL matched\n";
  return out;
}

// Kafka's ScramMechanism codes.
absl::StatusOr<int8_t> MechanismCode(const std::string& name) {
  if (name == sasl::kScramSha256) return 1;
  if (name == sasl::kScramSha512) return 2;
  return absl::InvalidArgumentError(
      absl::StrCat("mechanism ", name, ": SCRAM-SHA-256 or SCRAM-SHA-512"));
}

// Sends `req`; the first user's error, if any.
absl::Status AlterUsers(Connection& c, const AlterUserScramCredentialsRequest& req) {
  absl::StatusOr<AlterUserScramCredentialsResponse> resp =
      CallFor<AlterUserScramCredentialsResponse>(c, Request(req));
  if (!resp.ok()) return resp.status();
  for (const auto& r : resp->results) {
    if (r.error_code != 0) {
      return KafkaFailure("AlterUserScramCredentials", r.error_code, r.error_message);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> UsersSet(Connection& c, const std::string& user,
                                     const CommandOptions& o) {
  absl::StatusOr<int8_t> code = MechanismCode(o.mechanism);
  if (!code.ok()) return code.status();
  if (o.password.empty()) return absl::InvalidArgumentError("an empty password");
  absl::StatusOr<std::string> salt = sasl::SecureRandomBytes(sasl::kDefaultSaltBytes);
  if (!salt.ok()) return salt.status();
  AlterUserScramCredentialsRequest req;
  auto& up = req.upsertions.emplace_back();
  up.name = user;
  up.mechanism = *code;
  up.iterations = o.iterations;
  up.salt = *salt;
  up.salted_password =
      sasl::Pbkdf2(*code == 1 ? sasl::HashFunction::kSha256 : sasl::HashFunction::kSha512,
                   o.password, *salt, o.iterations);
  absl::Status altered = AlterUsers(c, req);
  if (!altered.ok()) return altered;
  return absl::StrCat("set the ", o.mechanism, " credential of ", user, " (", o.iterations,
                      " iterations)\n");
}

absl::StatusOr<DescribeUserScramCredentialsResponse> DescribeUsers(
    Connection& c, const std::optional<std::string>& user) {
  DescribeUserScramCredentialsRequest req;
  if (user.has_value()) {
    req.users.emplace().emplace_back().name = *user;
  } else {
    req.users = std::nullopt;
  }
  absl::StatusOr<DescribeUserScramCredentialsResponse> resp =
      CallFor<DescribeUserScramCredentialsResponse>(c, Request(req));
  if (!resp.ok()) return resp.status();
  if (resp->error_code != 0) {
    return KafkaFailure("DescribeUserScramCredentials", resp->error_code, resp->error_message);
  }
  return resp;
}

std::string MechanismName(int8_t code) {
  return code == 1 ? "SCRAM-SHA-256" : code == 2 ? "SCRAM-SHA-512" : absl::StrCat("mechanism-", code);
}

absl::StatusOr<std::string> UsersList(Connection& c) {
  absl::StatusOr<DescribeUserScramCredentialsResponse> resp = DescribeUsers(c, std::nullopt);
  if (!resp.ok()) return resp.status();
  std::string out;
  for (const auto& r : resp->results) {
    for (const auto& info : r.credential_infos) {
      absl::StrAppend(&out, r.user, " ", MechanismName(info.mechanism), " iterations=",
                      info.iterations, "\n");
    }
  }
  return out;
}

absl::StatusOr<std::string> UsersRemove(Connection& c, const std::string& user,
                                        const CommandOptions& o, bool all_mechanisms) {
  AlterUserScramCredentialsRequest req;
  if (all_mechanisms) {
    absl::StatusOr<DescribeUserScramCredentialsResponse> described = DescribeUsers(c, user);
    if (!described.ok()) return described.status();
    for (const auto& r : described->results) {
      if (r.error_code != 0) return KafkaFailure("DescribeUserScramCredentials", r.error_code, r.error_message);
      for (const auto& info : r.credential_infos) {
        req.deletions.push_back({user, info.mechanism});
      }
    }
  } else {
    absl::StatusOr<int8_t> code = MechanismCode(o.mechanism);
    if (!code.ok()) return code.status();
    req.deletions.push_back({user, *code});
  }
  absl::Status altered = AlterUsers(c, req);
  if (!altered.ok()) return altered;
  return absl::StrCat("removed ", req.deletions.size(), " credential(s) of ", user, "\n");
}

absl::StatusOr<MetadataResponse> TopicMetadata(Connection& c,
                                               const std::optional<std::string>& topic) {
  MetadataRequest req;
  req.allow_auto_topic_creation = false;
  if (topic.has_value()) {
    req.topics.emplace().emplace_back().name = *topic;
  } else {
    req.topics = std::nullopt;
  }
  return CallFor<MetadataResponse>(c, Request(req));
}

absl::StatusOr<std::string> TopicsList(Connection& c) {
  absl::StatusOr<MetadataResponse> resp = TopicMetadata(c, std::nullopt);
  if (!resp.ok()) return resp.status();
  std::vector<std::string> names;
  for (const auto& t : resp->topics) {
    if (t.error_code == 0 && t.name.has_value()) names.push_back(*t.name);
  }
  std::sort(names.begin(), names.end());
  std::string out;
  for (const std::string& name : names) absl::StrAppend(&out, name, "\n");
  return out;
}

absl::StatusOr<std::string> TopicsCreate(Connection& c, const std::string& topic,
                                         const CommandOptions& o) {
  CreateTopicsRequest req;
  auto& t = req.topics.emplace_back();
  t.name = topic;
  t.num_partitions = o.partitions;
  t.replication_factor = -1;
  for (const std::string& config : o.configs) {
    size_t eq = config.find('=');
    if (eq == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat("--config ", config, " is not NAME=VALUE"));
    }
    t.configs.push_back({config.substr(0, eq), config.substr(eq + 1)});
  }
  absl::StatusOr<CreateTopicsResponse> resp = CallFor<CreateTopicsResponse>(c, Request(req));
  if (!resp.ok()) return resp.status();
  for (const auto& r : resp->topics) {
    if (r.error_code != 0) return KafkaFailure("CreateTopics", r.error_code, r.error_message);
  }
  return absl::StrCat("created ", topic, " with ", o.partitions, " partition(s)\n");
}

absl::StatusOr<std::string> TopicsDelete(Connection& c, const std::string& topic) {
  DeleteTopicsRequest req;
  req.timeout_ms = 30000;
  req.topic_names = {topic};
  req.topics.emplace_back().name = topic;
  absl::StatusOr<DeleteTopicsResponse> resp = CallFor<DeleteTopicsResponse>(c, Request(req));
  if (!resp.ok()) return resp.status();
  for (const auto& r : resp->responses) {
    if (r.error_code != 0) return KafkaFailure("DeleteTopics", r.error_code, r.error_message);
  }
  return absl::StrCat("deleted ", topic, "\n");
}

absl::StatusOr<std::string> TopicsDescribe(Connection& c, const std::string& topic) {
  absl::StatusOr<MetadataResponse> meta = TopicMetadata(c, topic);
  if (!meta.ok()) return meta.status();
  if (meta->topics.size() != 1) return absl::DataLossError("Metadata: not one topic");
  const auto& t = meta->topics[0];
  if (t.error_code != 0) return KafkaFailure("Metadata", t.error_code, std::nullopt);
  std::string out = absl::StrCat(topic, " partitions=", t.partitions.size(), "\n");
  DescribeConfigsRequest req;
  auto& resource = req.resources.emplace_back();
  resource.resource_type = 2;  // TOPIC
  resource.resource_name = topic;
  resource.configuration_keys = std::nullopt;
  absl::StatusOr<DescribeConfigsResponse> configs =
      CallFor<DescribeConfigsResponse>(c, Request(req));
  if (!configs.ok()) return configs.status();
  for (const auto& r : configs->results) {
    if (r.error_code != 0) return KafkaFailure("DescribeConfigs", r.error_code, r.error_message);
    for (const auto& config : r.configs) {
      // Only what was set on the topic (DYNAMIC_TOPIC_CONFIG).
      if (config.config_source != 1) continue;
      absl::StrAppend(&out, "  ", config.name, "=", config.value.value_or(""), "\n");
    }
  }
  return out;
}

}  // namespace

const char* Usage() {
  return R"(warpctl: administer a warp (or Kafka) cluster over the Kafka protocol.

usage: warpctl --bootstrap=HOST:PORT [connection options] COMMAND [options]

  acls add     --principal=User:NAME --operation=OP (--topic=T | --group=G |
               --transactional_id=ID | --cluster) [--pattern=literal|prefixed]
               [--host=IP] [--deny]
  acls list    [the same as filters; unset = any; --pattern=match|any too]
               [--permission=allow|deny]
  acls remove  [filters, at least --principal or a resource]
  users set NAME [--mechanism=SCRAM-SHA-512|SCRAM-SHA-256] [--iterations=8192]
               (the password: first line of --password_file, or of stdin)
  users list
  users remove NAME [--mechanism=...]   (without it: every mechanism)
  topics list
  topics create NAME [--partitions=N] [--config=NAME=VALUE,...]
  topics delete NAME
  topics describe NAME

connection: --security_protocol=PLAINTEXT|SSL|SASL_PLAINTEXT|SASL_SSL
  --tls_ca_file, --tls_cert_file, --tls_key_file
  --sasl_mechanism=SCRAM-SHA-512|SCRAM-SHA-256|PLAIN --sasl_username=NAME
  the login's password: --sasl_password_file=PATH or $WARPCTL_SASL_PASSWORD
)";
}

absl::StatusOr<std::string> RunCommand(Connection& connection,
                                       const std::vector<std::string>& words,
                                       const CommandOptions& options) {
  auto is = [&](std::initializer_list<const char*> expected) {
    if (words.size() < expected.size()) return false;
    size_t i = 0;
    for (const char* w : expected) {
      if (words[i++] != w) return false;
    }
    return true;
  };
  auto name = [&]() -> absl::StatusOr<std::string> {
    if (words.size() != 3 || words[2].empty()) {
      return absl::InvalidArgumentError(absl::StrCat(words[0], " ", words[1], ": give one NAME"));
    }
    return words[2];
  };
  if (words.size() == 2 && is({"acls", "add"})) return AclsAdd(connection, options);
  if (words.size() == 2 && is({"acls", "list"})) return AclsList(connection, options);
  if (words.size() == 2 && is({"acls", "remove"})) return AclsRemove(connection, options);
  if (words.size() == 2 && is({"users", "list"})) return UsersList(connection);
  if (words.size() == 2 && is({"topics", "list"})) return TopicsList(connection);
  if (is({"users", "set"}) || is({"users", "remove"}) || is({"topics", "create"}) ||
      is({"topics", "delete"}) || is({"topics", "describe"})) {
    absl::StatusOr<std::string> n = name();
    if (!n.ok()) return n.status();
    if (words[0] == "users" && words[1] == "set") return UsersSet(connection, *n, options);
    if (words[0] == "users") return UsersRemove(connection, *n, options, options.mechanism.empty());
    if (words[1] == "create") return TopicsCreate(connection, *n, options);
    if (words[1] == "delete") return TopicsDelete(connection, *n);
    return TopicsDescribe(connection, *n);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown command \"", absl::StrJoin(words, " "), "\"; see warpctl --help"));
}

}  // namespace warp::warpctl
