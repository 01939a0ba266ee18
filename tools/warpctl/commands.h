// warpctl's commands over a Connection: ACLs (CreateAcls, DescribeAcls,
// DeleteAcls), SCRAM users (Alter/DescribeUserScramCredentials) and topics
// (Metadata, CreateTopics, DeleteTopics, DescribeConfigs). Each returns the
// text to print, or why it failed (a Kafka error names its code and message).
//
// Thread-safety: as the Connection.
#ifndef WARP_TOOLS_WARPCTL_COMMANDS_H_
#define WARP_TOOLS_WARPCTL_COMMANDS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/warpctl/connection.h"

namespace warp::warpctl {

// What the command line said besides the connection.
struct CommandOptions {
  // acls: the binding (add) or the filter (list, remove; unset = any).
  std::optional<std::string> principal;  // User:alice
  std::optional<std::string> host;       // * for add when unset
  std::optional<std::string> operation;  // READ, WRITE, ... ALL
  bool deny = false;                     // add: DENY instead of ALLOW
  std::optional<std::string> permission; // list/remove filter: ALLOW or DENY
  std::optional<std::string> topic, group, transactional_id;
  bool cluster = false;
  std::optional<std::string> pattern;    // literal, prefixed (add); match, any (filters)
  // users
  std::string mechanism = "SCRAM-SHA-512";
  int iterations = 8192;
  std::string password;  // users set: the new password (never from argv)
  // topics
  int partitions = 1;
  std::vector<std::string> configs;  // NAME=VALUE
};

// Runs `words` ({"acls", "add"}, {"users", "set", "alice"}, {"topics",
// "list"}...). InvalidArgument for an unknown command or missing options.
absl::StatusOr<std::string> RunCommand(Connection& connection,
                                       const std::vector<std::string>& words,
                                       const CommandOptions& options);

// The usage text.
const char* Usage();

}  // namespace warp::warpctl

#endif  // WARP_TOOLS_WARPCTL_COMMANDS_H_
