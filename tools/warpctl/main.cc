// warpctl: a small admin command line for warp, because Debian ships no Kafka
// admin tools. It speaks the Kafka protocol to any agent (or Kafka broker):
// ACLs, SCRAM users and topics. See Usage() in commands.cc and
// docs/security.md.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "tools/warpctl/commands.h"
#include "tools/warpctl/connection.h"

ABSL_FLAG(std::string, bootstrap, "127.0.0.1:9092", "HOST:PORT of any agent.");
ABSL_FLAG(std::string, security_protocol, "PLAINTEXT",
          "PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL.");
ABSL_FLAG(std::string, tls_ca_file, "", "PEM CAs to trust (default: the system's).");
ABSL_FLAG(std::string, tls_cert_file, "", "PEM client certificate (mTLS).");
ABSL_FLAG(std::string, tls_key_file, "", "PEM key of --tls_cert_file.");
ABSL_FLAG(std::string, sasl_mechanism, "SCRAM-SHA-512", "PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.");
ABSL_FLAG(std::string, sasl_username, "", "The SASL user.");
ABSL_FLAG(std::string, sasl_password_file, "",
          "File whose first line is the SASL password (else $WARPCTL_SASL_PASSWORD).");
ABSL_FLAG(int32_t, timeout_ms, 30000, "How long to wait for the server.");
ABSL_FLAG(std::string, principal, "", "acls: the principal, User:NAME.");
ABSL_FLAG(std::string, host, "", "acls: the client host (add: default *).");
ABSL_FLAG(std::string, operation, "", "acls: READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, ...");
ABSL_FLAG(bool, deny, false, "acls add: a DENY ACL.");
ABSL_FLAG(std::string, permission, "", "acls list/remove: only ALLOW or DENY ones.");
ABSL_FLAG(std::string, topic, "", "acls: the topic (name or prefix).");
ABSL_FLAG(std::string, group, "", "acls: the consumer group.");
ABSL_FLAG(std::string, transactional_id, "", "acls: the transactional id.");
ABSL_FLAG(bool, cluster, false, "acls: the cluster.");
ABSL_FLAG(std::string, pattern, "", "acls: literal or prefixed (filters: match, any too).");
ABSL_FLAG(std::string, mechanism, "", "users: SCRAM-SHA-512 (set's default) or SCRAM-SHA-256.");
ABSL_FLAG(int32_t, iterations, 8192, "users set: PBKDF2 iterations (4096 to 16384).");
ABSL_FLAG(std::string, password_file, "",
          "users set: file whose first line is the new password (else stdin's first line).");
ABSL_FLAG(int32_t, partitions, 1, "topics create: the partition count.");
ABSL_FLAG(std::vector<std::string>, config, {}, "topics create: NAME=VALUE,...");

namespace {

// The first line of `path`, or of stdin for "-".
bool FirstLine(const std::string& path, std::string* out) {
  if (path == "-") return static_cast<bool>(std::getline(std::cin, *out));
  std::ifstream in(path);
  return in && std::getline(in, *out);
}

std::optional<std::string> Optional(const std::string& value) {
  if (value.empty()) return std::nullopt;
  return value;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(warp::warpctl::Usage());
  absl::FlagsUsageConfig usage;
  usage.contains_help_flags = [](absl::string_view file) {
    return absl::EndsWith(file, "warpctl/main.cc");
  };
  absl::SetFlagsUsageConfig(usage);
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  std::vector<std::string> words(positional.begin() + 1, positional.end());
  if (words.empty()) {
    std::fputs(warp::warpctl::Usage(), stderr);
    return 2;
  }
  warp::warpctl::ConnectionOptions connection;
  connection.bootstrap = absl::GetFlag(FLAGS_bootstrap);
  connection.security_protocol = absl::GetFlag(FLAGS_security_protocol);
  connection.tls_ca_file = absl::GetFlag(FLAGS_tls_ca_file);
  connection.tls_cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  connection.tls_key_file = absl::GetFlag(FLAGS_tls_key_file);
  connection.sasl_mechanism = absl::GetFlag(FLAGS_sasl_mechanism);
  connection.sasl_username = absl::GetFlag(FLAGS_sasl_username);
  connection.timeout = absl::Milliseconds(absl::GetFlag(FLAGS_timeout_ms));
  if (absl::StartsWith(connection.security_protocol, "SASL_")) {
    if (!absl::GetFlag(FLAGS_sasl_password_file).empty()) {
      if (!FirstLine(absl::GetFlag(FLAGS_sasl_password_file), &connection.sasl_password)) {
        std::fprintf(stderr, "warpctl: cannot read --sasl_password_file\n");
        return 2;
      }
    } else if (const char* env = std::getenv("WARPCTL_SASL_PASSWORD"); env != nullptr) {
      connection.sasl_password = env;
    } else {
      std::fprintf(stderr,
                   "warpctl: a SASL login needs --sasl_password_file or $WARPCTL_SASL_PASSWORD\n");
      return 2;
    }
  }
  warp::warpctl::CommandOptions options;
  options.principal = Optional(absl::GetFlag(FLAGS_principal));
  options.host = Optional(absl::GetFlag(FLAGS_host));
  options.operation = Optional(absl::GetFlag(FLAGS_operation));
  options.deny = absl::GetFlag(FLAGS_deny);
  options.permission = Optional(absl::GetFlag(FLAGS_permission));
  options.topic = Optional(absl::GetFlag(FLAGS_topic));
  options.group = Optional(absl::GetFlag(FLAGS_group));
  options.transactional_id = Optional(absl::GetFlag(FLAGS_transactional_id));
  options.cluster = absl::GetFlag(FLAGS_cluster);
  options.pattern = Optional(absl::GetFlag(FLAGS_pattern));
  options.mechanism = absl::GetFlag(FLAGS_mechanism);
  options.iterations = absl::GetFlag(FLAGS_iterations);
  options.partitions = absl::GetFlag(FLAGS_partitions);
  options.configs = absl::GetFlag(FLAGS_config);
  if (words.size() >= 2 && words[0] == "users" && words[1] == "set") {
    if (options.mechanism.empty()) options.mechanism = "SCRAM-SHA-512";
    std::string path = absl::GetFlag(FLAGS_password_file);
    if (!FirstLine(path.empty() ? "-" : path, &options.password) || options.password.empty()) {
      std::fprintf(stderr, "warpctl: users set: no password (first line of %s)\n",
                   path.empty() ? "stdin" : path.c_str());
      return 2;
    }
  }
  absl::StatusOr<std::unique_ptr<warp::warpctl::Connection>> opened =
      warp::warpctl::Connection::Open(connection);
  if (!opened.ok()) {
    std::fprintf(stderr, "warpctl: %s\n", std::string(opened.status().message()).c_str());
    return 1;
  }
  absl::StatusOr<std::string> out = warp::warpctl::RunCommand(**opened, words, options);
  if (!out.ok()) {
    std::fprintf(stderr, "warpctl: %s\n", std::string(out.status().message()).c_str());
    return out.status().code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
  }
  std::fputs(out->c_str(), stdout);
  return 0;
}
