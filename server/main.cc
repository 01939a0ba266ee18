// warpd: the stateless Kafka agent. With no flags it runs warp's embedded
// default: Kafka on 127.0.0.1:9092, HTTP on 127.0.0.1:8080, bucket and
// journal under ./warp-data. `warpd --help` explains every flag.
#include <malloc.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <thread>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "lib/security/acl/authorizer.h"
#include "lib/security/acl/ssl_principal_mapper.h"
#include "server/agent.h"
#include "server/dispatcher.h"
#include "server/http_server.h"
#include "server/kafka_server.h"
#include "server/listeners.h"
#include "server/reloading_users.h"
#include "server/tls.h"
#include "server/process_metrics.h"

ABSL_FLAG(std::string, kafka_listen, "127.0.0.1:9092",
          "HOST:PORT where Kafka clients connect: one PLAINTEXT listener (when --listeners is "
          "not given).");
ABSL_FLAG(std::string, listeners, "",
          "NAME://HOST:PORT[,...]: the Kafka listeners, as Kafka's listeners. NAME is "
          "PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL or a name mapped to one by "
          "--listener_security_protocol_map. Replaces --kafka_listen.");
ABSL_FLAG(std::string, listener_security_protocol_map, "",
          "NAME:PROTOCOL[,...]: the security protocol of each listener name that is not one "
          "(INTERNAL:SSL,EXTERNAL:SASL_SSL).");
ABSL_FLAG(std::string, advertised_listeners, "",
          "NAME://HOST:PORT[,...]: the address clients of each listener are given (default: "
          "the listener's own).");
ABSL_FLAG(std::string, tls_cert_file, "",
          "PEM certificate (and chain) of the SSL and SASL_SSL listeners; reloaded when it "
          "changes.");
ABSL_FLAG(std::string, tls_key_file, "", "PEM private key of --tls_cert_file.");
ABSL_FLAG(std::string, tls_ca_file, "",
          "PEM CAs trusted for client certificates (--tls_client_auth).");
ABSL_FLAG(std::string, sasl_mechanisms, "SCRAM-SHA-512,SCRAM-SHA-256,PLAIN",
          "SASL mechanisms the SASL listeners offer: any of PLAIN, SCRAM-SHA-256, "
          "SCRAM-SHA-512.");
ABSL_FLAG(std::string, sasl_users_file, "",
          "Static users of the SASL listeners: one NAME:PASSWORD a line (# comments), read "
          "again on SIGHUP. SCRAM users created with AlterUserScramCredentials (warpctl users "
          "set) are kept in the metadata journal beside them.");
ABSL_FLAG(int64_t, sasl_reauth_ms, 0,
          "KIP-368, as Kafka's connections.max.reauth.ms: a SASL login lasts this long, then "
          "the client must re-authenticate on its connection or be disconnected (0: off).");
ABSL_FLAG(std::string, authorizer, "none",
          "none: every client may do everything (only allowed on loopback listeners without "
          "--allow_insecure); acl: Kafka's ACLs (CreateAcls...), kept in the metadata journal "
          "and enforced by every agent.");
ABSL_FLAG(std::string, super_users, "",
          "Principals allowed everything whatever the ACLs say, as Kafka's super.users: "
          "User:admin;User:ops.");
ABSL_FLAG(bool, allow_everyone_if_no_acl_found, false,
          "With --authorizer=acl, allow a resource no ACL applies to (Kafka's "
          "allow.everyone.if.no.acl.found).");
ABSL_FLAG(bool, allow_insecure, false,
          "Start with --authorizer=none on a listener other machines can reach: anyone "
          "reaching it may produce, read and delete everything.");
ABSL_FLAG(std::string, tls_principal_mapping_rules, "DEFAULT",
          "How a client certificate's subject becomes its principal, as Kafka's "
          "ssl.principal.mapping.rules: RULE:^CN=([^,]+)$/$1/L,DEFAULT.");
ABSL_FLAG(std::string, tls_client_auth, "none",
          "Client certificates on TLS listeners: none, requested or required (mTLS).");
ABSL_FLAG(std::string, advertised_address, "",
          "HOST:PORT given to clients in Metadata responses (default: --kafka_listen).");
ABSL_FLAG(std::string, http_listen, "127.0.0.1:8080",
          "HOST:PORT of the HTTP endpoint: /healthz, /readyz, /metrics.");
ABSL_FLAG(std::string, http_tls_cert_file, "",
          "PEM certificate (and chain): the HTTP listener serves HTTPS (with --http_tls_key_file).");
ABSL_FLAG(std::string, http_tls_key_file, "", "PEM key of --http_tls_cert_file.");
ABSL_FLAG(int32_t, http_threads, 2,
          "Threads serving HTTP, each an epoll loop over its share of the connections "
          "(handlers run on them; idle and slow connections hold none).");
ABSL_FLAG(int32_t, http_timeout_seconds, 10,
          "Close an HTTP connection that sends or receives nothing for this long "
          "(reading a request, being answered, or idle between requests).");
ABSL_FLAG(int32_t, http_max_connections, 1024,
          "Most open HTTP connections; more wait in the listen backlog until one closes.");
ABSL_FLAG(int64_t, socket_request_max_bytes, 100 << 20,
          "Kafka's socket.request.max.bytes: a larger request frame closes its connection.");
ABSL_FLAG(int64_t, max_request_bytes_in_flight, 512 << 20,
          "Bytes of requests (from their first byte until answered) and unsent responses "
          "that all Kafka connections together may hold; beyond it the connections holding "
          "more than an even share stop being read until it drains. 0: no bound.");
ABSL_FLAG(int64_t, max_connection_bytes_in_flight, 128 << 20,
          "The same budget for one connection (at least --socket_request_max_bytes).");
ABSL_FLAG(int32_t, max_connections, 10000,
          "Most open Kafka connections; more are closed at once (Kafka's max.connections). "
          "Lowered to fit the descriptor limit, which warpd raises to its hard limit.");
ABSL_FLAG(int32_t, max_connections_per_ip, 0,
          "Most open Kafka connections from one address (Kafka's max.connections.per.ip); "
          "0: no limit, as in Kafka (clients behind one NAT share an address).");
ABSL_FLAG(std::string, data_dir, "warp-data",
          "Folder of the embedded default bucket (<data_dir>/bucket) and journal "
          "(<data_dir>/journal), used when --bucket or --metadata are not given.");
ABSL_FLAG(std::string, bucket, "",
          "Object store URL: file:///abs/path, mem://, or "
          "s3://bucket?endpoint=http://host:port&region=us-east-1&path_style=true "
          "(default: file://<data_dir>/bucket).");
ABSL_FLAG(std::string, s3_ca_file, "",
          "PEM CAs trusted for an https:// S3 endpoint with a private CA (as ca_file= in the "
          "--bucket URL).");
ABSL_FLAG(std::string, metadata, "",
          "Metadata journal URL: local:///abs/path, mem://, or "
          "etcd://host:port[,host:port...]/prefix (etcds:// over TLS; ?ca_file=, cert_file=, "
          "key_file=, user=, password_file=) (default: local://<data_dir>/journal).");
ABSL_FLAG(std::string, cluster, "default",
          "Virtual cluster name: the prefix of this cluster's objects and its cluster id.");
ABSL_FLAG(std::string, agent_id, "",
          "This agent's id, unique in the cluster (default: agent-<hostname>).");
ABSL_FLAG(std::string, zone, "", "Availability zone of this agent (reported as its rack).");
ABSL_FLAG(std::string, roles, "produce,fetch,jobs",
          "Comma-separated roles of this agent: produce and fetch (given to clients in "
          "Metadata and FindCoordinator), jobs (retention, compaction, garbage collection, "
          "divided among the live jobs agents).");
ABSL_FLAG(int64_t, agent_lease_ms, 10000,
          "This agent's registration in the metadata store lasts this long without "
          "renewal: how long a killed agent is still given to clients (ms).");
ABSL_FLAG(int64_t, agent_renew_ms, 2000,
          "Renew this agent's registration this often (ms); well below --agent_lease_ms.");
ABSL_FLAG(int64_t, flush_interval_ms, 250,
          "Flush pending records to the bucket at least this often (ms).");
ABSL_FLAG(int64_t, flush_bytes, 8 << 20, "Flush when this many bytes are pending.");
ABSL_FLAG(int64_t, jobs_interval_ms, 10000,
          "With the jobs role: run retention, compaction (leveled merges and keyed "
          "compaction of cleanup.policy=compact topics) and garbage collection this often "
          "(ms); 0 runs no background jobs.");
ABSL_FLAG(int64_t, jobs_max_bytes_per_second, 0,
          "Pace compaction and keyed compaction to at most this many bytes read plus "
          "written per second, so they leave CPU and store requests to produce and fetch; "
          "0 = unlimited.");
ABSL_FLAG(bool, auto_create_topics, true,
          "Create unknown topics when clients ask for them in Metadata requests.");
ABSL_FLAG(int32_t, default_partitions, 1,
          "Partitions of auto-created topics and of CreateTopics with -1.");
ABSL_FLAG(int64_t, group_initial_rebalance_delay_ms, 3000,
          "Kafka's group.initial.rebalance.delay.ms: the first rebalance of an empty "
          "consumer group waits this long (extended while members keep joining, up to the "
          "rebalance timeout) so that consumers starting together share one generation. "
          "0 rebalances at the first join.");
ABSL_FLAG(int64_t, offsets_retention_minutes, 10080,
          "Kafka's offsets.retention.minutes: the committed offsets of a consumer group "
          "without members are deleted once its newest commit is this old (default 7 days).");
ABSL_FLAG(int64_t, transaction_max_timeout_ms, 900000,
          "Kafka's transaction.max.timeout.ms: a transactional producer asking for a longer "
          "transaction.timeout.ms is refused with INVALID_TRANSACTION_TIMEOUT (default 15 "
          "minutes).");
ABSL_FLAG(int64_t, transactional_id_expiration_ms, 604800000,
          "Kafka's transactional.id.expiration.ms: a transactional id without a transaction "
          "for this long is forgotten, with its producer id (default 7 days).");
ABSL_FLAG(int64_t, producer_id_expiration_ms, 86400000,
          "Kafka's producer.id.expiration.ms: a producer id that wrote nothing to a "
          "partition for this long is forgotten there, unless its transaction is open "
          "(default 1 day; checked every 10 minutes by one jobs agent).");
ABSL_FLAG(int64_t, group_lag_max_series, 1000,
          "Most label sets of warp_group_lag_records/warp_group_lag_seconds in /metrics; "
          "beyond it the largest lags are kept and warp_group_lag_series_dropped counts "
          "the rest.");

namespace {

volatile sig_atomic_t stop_requested = 0;
void OnSignal(int) { stop_requested = 1; }
// SIGHUP: read --sasl_users_file again.
volatile sig_atomic_t reload_requested = 0;
void OnHangUp(int) { reload_requested = 1; }

bool SplitHostPort(const std::string& flag, const std::string& value, std::string* host,
                   int* port);
bool ConfigureAuthorization(const std::vector<warp::server::Listener>& listeners,
                            warp::server::AgentConfig* config);

// The Kafka listeners: --listeners (with its map and advertised
// addresses), else one PLAINTEXT listener at --kafka_listen advertising
// --advertised_address. False after printing why they are wrong.
bool ListenersFromFlags(std::vector<warp::server::Listener>* out) {
  if (absl::GetFlag(FLAGS_listeners).empty()) {
    warp::server::Listener plain;
    plain.name = "PLAINTEXT";
    if (!SplitHostPort("kafka_listen", absl::GetFlag(FLAGS_kafka_listen), &plain.host,
                       &plain.port)) {
      return false;
    }
    std::string advertised = absl::GetFlag(FLAGS_advertised_address);
    if (advertised.empty()) advertised = absl::GetFlag(FLAGS_kafka_listen);
    if (!SplitHostPort("advertised_address", advertised, &plain.advertised_host,
                       &plain.advertised_port)) {
      return false;
    }
    out->push_back(plain);
    return true;
  }
  absl::StatusOr<std::vector<warp::server::Listener>> parsed = warp::server::ParseListeners(
      absl::GetFlag(FLAGS_listeners), absl::GetFlag(FLAGS_listener_security_protocol_map),
      absl::GetFlag(FLAGS_advertised_listeners));
  if (!parsed.ok()) {
    std::fprintf(stderr, "warpd: %s\n", std::string(parsed.status().message()).c_str());
    return false;
  }
  for (const warp::server::Listener& l : *parsed) {
    if (l.port == 0) {
      std::fprintf(stderr, "warpd: --listeners: listener %s needs a port\n", l.name.c_str());
      return false;
    }
  }
  *out = *std::move(parsed);
  return true;
}

// --authorizer, --super_users, --allow_everyone_if_no_acl_found and
// --allow_insecure into `config`. False after printing why they are wrong, or
// why warpd will not start open to every client on a listener other machines
// reach.
bool ConfigureAuthorization(const std::vector<warp::server::Listener>& listeners,
                            warp::server::AgentConfig* config) {
  const std::string authorizer = absl::GetFlag(FLAGS_authorizer);
  if (authorizer != "none" && authorizer != "acl") {
    std::fprintf(stderr, "warpd: --authorizer=%s: none or acl\n", authorizer.c_str());
    return false;
  }
  absl::StatusOr<std::vector<std::string>> super_users =
      warp::acl::ParseSuperUsers(absl::GetFlag(FLAGS_super_users));
  if (!super_users.ok()) {
    std::fprintf(stderr, "warpd: --super_users: %s\n",
                 std::string(super_users.status().message()).c_str());
    return false;
  }
  config->security.enforce_acls = authorizer == "acl";
  config->security.acl.super_users = *std::move(super_users);
  config->security.acl.allow_everyone_if_no_acl_found =
      absl::GetFlag(FLAGS_allow_everyone_if_no_acl_found);
  if (authorizer == "none" && !absl::GetFlag(FLAGS_allow_insecure)) {
    for (const warp::server::Listener& l : listeners) {
      if (warp::server::IsLoopbackHost(l.host)) continue;
      std::fprintf(stderr,
                   "warpd: listener %s (%s:%d) is reachable from other machines, and with "
                   "--authorizer=none anyone reaching it may produce, read, delete topics and "
                   "change configs. Give --authorizer=acl (with SASL or TLS listeners and "
                   "--super_users), or --allow_insecure to run open on purpose.\n",
                   l.name.c_str(), l.host.empty() ? "0.0.0.0" : l.host.c_str(), l.port);
      return false;
    }
  }
  return true;
}

bool SplitHostPort(const std::string& flag, const std::string& value, std::string* host,
                   int* port) {
  size_t colon = value.rfind(':');
  int p = 0;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(value.substr(colon + 1), &p) || p < 0 || p > 65535) {
    std::fprintf(stderr, "warpd: --%s=%s is not HOST:PORT\n", flag.c_str(), value.c_str());
    return false;
  }
  *host = value.substr(0, colon);
  *port = p;
  return true;
}

std::string Absolute(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char cwd[4096];
  if (getcwd(cwd, sizeof(cwd)) == nullptr) return path;
  return absl::StrCat(cwd, "/", path);
}

// The HTTP listener: its limits from the flags, and its three routes.
warp::server::HttpServerOptions HttpOptions(const std::string& host, int port,
                                            const std::atomic<bool>* ready,
                                            warp::server::Agent* agent) {
  using warp::server::HttpRequest;
  using warp::server::HttpResponse;
  using warp::server::TextResponse;
  warp::server::HttpServerOptions options;
  options.host = host;
  options.port = port;
  options.threads = absl::GetFlag(FLAGS_http_threads);
  options.timeout = absl::Seconds(absl::GetFlag(FLAGS_http_timeout_seconds));
  options.max_connections = absl::GetFlag(FLAGS_http_max_connections);
  options.tls_cert_file = absl::GetFlag(FLAGS_http_tls_cert_file);
  options.tls_key_file = absl::GetFlag(FLAGS_http_tls_key_file);
  options.routes["/healthz"] = [](const HttpRequest&) { return TextResponse(200, "ok\n"); };
  options.routes["/readyz"] = [ready](const HttpRequest&) {
    bool now = ready->load();
    return TextResponse(now ? 200 : 503, now ? "ready\n" : "not ready\n");
  };
  options.routes["/metrics"] = [agent](const HttpRequest&) {
    return HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8",
                        agent->metrics().Render()};
  };
  return options;
}

}  // namespace

// glibc's allocator, tuned for an agent whose large buffers (objects, GETs)
// come and go at hundreds of MiB a second: with the defaults, freed memory
// stays in up to 8 arenas per core and the dynamic mmap threshold moves
// multi-MiB buffers into them, so RSS grows to several times what is in use.
// Buffers of 4 MiB and more are mapped and unmapped on their own, and
// arenas are capped. MALLOC_ARENA_MAX / MALLOC_MMAP_THRESHOLD_ in the
// environment win.
void TuneAllocator() {
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) {
    mallopt(M_ARENA_MAX, std::max(2, static_cast<int>(std::thread::hardware_concurrency())));
  }
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") == nullptr) mallopt(M_MMAP_THRESHOLD, 4 << 20);
}

// Raises the descriptor limit to its hard limit and returns how many Kafka
// connections fit in it, keeping `reserve` descriptors for everything else
// (HTTP connections, the journal, the local store's files, curl).
int64_t FitConnections(int64_t wanted, int64_t reserve) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return wanted;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  if (limit.rlim_cur == RLIM_INFINITY) return wanted;
  int64_t fit = static_cast<int64_t>(limit.rlim_cur) - reserve;
  if (fit >= wanted) return wanted;
  std::fprintf(stderr,
               "warpd: --max_connections=%lld lowered to %lld: the descriptor limit is %llu, "
               "%lld kept for HTTP, the journal, the store and curl\n",
               static_cast<long long>(wanted), static_cast<long long>(std::max<int64_t>(fit, 1)),
               static_cast<unsigned long long>(limit.rlim_cur), static_cast<long long>(reserve));
  return std::max<int64_t>(fit, 1);
}

int main(int argc, char** argv) {
  TuneAllocator();
  // Before any thread starts (the agent's curl and TLS connections).
  signal(SIGPIPE, SIG_IGN);
  absl::SetProgramUsageMessage(
      "warpd: a Kafka-compatible agent that keeps all data in object storage.\n"
      "With no flags: Kafka on 127.0.0.1:9092, HTTP on 127.0.0.1:8080, bucket and "
      "journal in ./warp-data.");
  absl::FlagsUsageConfig usage;
  usage.contains_help_flags = [](absl::string_view file) {
    return absl::EndsWith(file, "server/main.cc");
  };
  absl::SetFlagsUsageConfig(usage);
  absl::ParseCommandLine(argc, argv);
  using warp::server::AgentConfig;

  std::string http_host;
  int http_port;
  if (!SplitHostPort("http_listen", absl::GetFlag(FLAGS_http_listen), &http_host, &http_port)) {
    return 2;
  }
  if (absl::GetFlag(FLAGS_http_threads) < 1 || absl::GetFlag(FLAGS_http_timeout_seconds) < 1 ||
      absl::GetFlag(FLAGS_http_max_connections) < absl::GetFlag(FLAGS_http_threads)) {
    std::fprintf(stderr,
                 "warpd: --http_threads and --http_timeout_seconds must be positive, "
                 "--http_max_connections at least --http_threads\n");
    return 2;
  }
  if (absl::GetFlag(FLAGS_socket_request_max_bytes) < 1024 ||
      absl::GetFlag(FLAGS_socket_request_max_bytes) > INT32_MAX ||
      absl::GetFlag(FLAGS_max_request_bytes_in_flight) < 0 ||
      absl::GetFlag(FLAGS_max_connection_bytes_in_flight) <
          absl::GetFlag(FLAGS_socket_request_max_bytes) ||
      absl::GetFlag(FLAGS_max_connections) < 1 || absl::GetFlag(FLAGS_max_connections_per_ip) < 0) {
    std::fprintf(stderr,
                 "warpd: --socket_request_max_bytes must be 1024 to 2147483647, "
                 "--max_connection_bytes_in_flight at least it, --max_request_bytes_in_flight "
                 "and --max_connections_per_ip not negative, --max_connections positive\n");
    return 2;
  }
  AgentConfig config;
  std::vector<warp::server::Listener> listeners;
  if (!ListenersFromFlags(&listeners)) return 2;
  // Registered with every listener's address; one plain listener keeps the
  // older record (agents of earlier versions read it).
  config.advertised_host = listeners.front().advertised_host;
  config.advertised_port = listeners.front().advertised_port;
  if (!absl::GetFlag(FLAGS_listeners).empty()) {
    for (const warp::server::Listener& l : listeners) {
      config.listeners.push_back(
          {l.name, absl::StrCat(l.advertised_host, ":", l.advertised_port)});
    }
  }
  std::shared_ptr<warp::server::TlsContext> tls;
  // Outlives the agent, whose SASL logins read it.
  std::unique_ptr<warp::server::ReloadingUsers> sasl_users;
  if (!ConfigureAuthorization(listeners, &config)) return 2;
  if (absl::GetFlag(FLAGS_sasl_reauth_ms) < 0) {
    std::fprintf(stderr, "warpd: --sasl_reauth_ms must not be negative\n");
    return 2;
  }
  config.sasl_reauth = absl::Milliseconds(absl::GetFlag(FLAGS_sasl_reauth_ms));
  for (const warp::server::Listener& l : listeners) {
    if (warp::server::UsesSasl(l.protocol) && config.sasl_mechanisms.empty()) {
      config.sasl_mechanisms = std::vector<std::string>(absl::StrSplit(
          absl::GetFlag(FLAGS_sasl_mechanisms), ',', absl::SkipWhitespace()));
      if (!absl::GetFlag(FLAGS_sasl_users_file).empty()) {
        absl::StatusOr<std::unique_ptr<warp::server::ReloadingUsers>> store =
            warp::server::ReloadingUsers::Open(absl::GetFlag(FLAGS_sasl_users_file));
        if (!store.ok()) {
          std::fprintf(stderr, "warpd: --sasl_users_file: %s\n",
                       std::string(store.status().message()).c_str());
          return 2;
        }
        sasl_users = *std::move(store);
        config.sasl_static_users = sasl_users.get();
      }
    }
    if (warp::server::UsesTls(l.protocol) && tls == nullptr) {
      absl::StatusOr<warp::server::TlsClientAuth> auth =
          warp::server::ParseTlsClientAuth(absl::GetFlag(FLAGS_tls_client_auth));
      if (!auth.ok()) {
        std::fprintf(stderr, "warpd: %s\n", std::string(auth.status().message()).c_str());
        return 2;
      }
      warp::server::TlsOptions tls_options;
      tls_options.cert_file = absl::GetFlag(FLAGS_tls_cert_file);
      tls_options.key_file = absl::GetFlag(FLAGS_tls_key_file);
      tls_options.ca_file = absl::GetFlag(FLAGS_tls_ca_file);
      tls_options.client_auth = *auth;
      absl::StatusOr<std::shared_ptr<warp::server::TlsContext>> made =
          warp::server::TlsContext::Create(tls_options);
      if (!made.ok()) {
        std::fprintf(stderr, "warpd: listener %s: %s\n", l.name.c_str(),
                     std::string(made.status().message()).c_str());
        return 2;
      }
      tls = *std::move(made);
    }
  }
  if (absl::GetFlag(FLAGS_flush_interval_ms) <= 0 || absl::GetFlag(FLAGS_flush_bytes) <= 0 ||
      absl::GetFlag(FLAGS_default_partitions) <= 0) {
    std::fprintf(stderr,
                 "warpd: --flush_interval_ms, --flush_bytes and --default_partitions must be "
                 "positive\n");
    return 2;
  }
  if (absl::GetFlag(FLAGS_group_initial_rebalance_delay_ms) < 0 ||
      absl::GetFlag(FLAGS_offsets_retention_minutes) <= 0 ||
      absl::GetFlag(FLAGS_group_lag_max_series) < 0 ||
      absl::GetFlag(FLAGS_transaction_max_timeout_ms) <= 0 ||
      absl::GetFlag(FLAGS_transactional_id_expiration_ms) <= 0 ||
      absl::GetFlag(FLAGS_producer_id_expiration_ms) <= 0) {
    std::fprintf(stderr,
                 "warpd: --group_initial_rebalance_delay_ms and --group_lag_max_series must not "
                 "be negative, --offsets_retention_minutes, --transaction_max_timeout_ms, "
                 "--transactional_id_expiration_ms and --producer_id_expiration_ms must be "
                 "positive\n");
    return 2;
  }
  std::string data_dir = Absolute(absl::GetFlag(FLAGS_data_dir));
  config.bucket_url = absl::GetFlag(FLAGS_bucket);
  if (config.bucket_url.empty()) config.bucket_url = absl::StrCat("file://", data_dir, "/bucket");
  if (!absl::GetFlag(FLAGS_s3_ca_file).empty()) {
    if (!absl::StartsWith(config.bucket_url, "s3://") ||
        absl::StrContains(config.bucket_url, "ca_file=")) {
      std::fprintf(stderr,
                   "warpd: --s3_ca_file needs an s3:// --bucket without its own ca_file=\n");
      return 2;
    }
    absl::StrAppend(&config.bucket_url,
                    absl::StrContains(config.bucket_url, "?") ? "&" : "?",
                    "ca_file=", absl::GetFlag(FLAGS_s3_ca_file));
  }
  config.metadata_url = absl::GetFlag(FLAGS_metadata);
  if (config.metadata_url.empty()) {
    config.metadata_url = absl::StrCat("local://", data_dir, "/journal");
  }
  config.cluster = absl::GetFlag(FLAGS_cluster);
  config.agent_id = absl::GetFlag(FLAGS_agent_id);
  if (config.agent_id.empty()) {
    char host[256] = "local";
    gethostname(host, sizeof(host) - 1);
    config.agent_id = absl::StrCat("agent-", host);
  }
  config.zone = absl::GetFlag(FLAGS_zone);
  absl::StatusOr<std::vector<std::string>> roles =
      warp::server::ParseRoles(absl::GetFlag(FLAGS_roles));
  if (!roles.ok()) {
    std::fprintf(stderr, "warpd: --roles=%s: %s\n", absl::GetFlag(FLAGS_roles).c_str(),
                 std::string(roles.status().message()).c_str());
    return 2;
  }
  config.roles = *std::move(roles);
  if (absl::GetFlag(FLAGS_agent_renew_ms) <= 0 ||
      absl::GetFlag(FLAGS_agent_lease_ms) <= absl::GetFlag(FLAGS_agent_renew_ms)) {
    std::fprintf(stderr,
                 "warpd: --agent_renew_ms must be positive and below --agent_lease_ms\n");
    return 2;
  }
  config.agent_lease = absl::Milliseconds(absl::GetFlag(FLAGS_agent_lease_ms));
  config.agent_renew_interval = absl::Milliseconds(absl::GetFlag(FLAGS_agent_renew_ms));
  config.flush_interval = absl::Milliseconds(absl::GetFlag(FLAGS_flush_interval_ms));
  config.flush_bytes = absl::GetFlag(FLAGS_flush_bytes);
  if (absl::GetFlag(FLAGS_jobs_interval_ms) < 0 ||
      absl::GetFlag(FLAGS_jobs_max_bytes_per_second) < 0) {
    std::fprintf(stderr,
                 "warpd: --jobs_interval_ms and --jobs_max_bytes_per_second must not be "
                 "negative\n");
    return 2;
  }
  config.jobs_interval = absl::Milliseconds(absl::GetFlag(FLAGS_jobs_interval_ms));
  config.jobs_max_bytes_per_second =
      static_cast<double>(absl::GetFlag(FLAGS_jobs_max_bytes_per_second));
  config.auto_create_topics = absl::GetFlag(FLAGS_auto_create_topics);
  config.default_partitions = absl::GetFlag(FLAGS_default_partitions);
  config.group_initial_rebalance_delay =
      absl::Milliseconds(absl::GetFlag(FLAGS_group_initial_rebalance_delay_ms));
  config.offsets_retention = absl::Minutes(absl::GetFlag(FLAGS_offsets_retention_minutes));
  config.group_lag_max_series = static_cast<size_t>(absl::GetFlag(FLAGS_group_lag_max_series));
  config.transaction_max_timeout =
      absl::Milliseconds(absl::GetFlag(FLAGS_transaction_max_timeout_ms));
  config.transactional_id_expiration =
      absl::Milliseconds(absl::GetFlag(FLAGS_transactional_id_expiration_ms));
  config.producer_id_expiration =
      absl::Milliseconds(absl::GetFlag(FLAGS_producer_id_expiration_ms));

  absl::StatusOr<std::shared_ptr<const warp::acl::SslPrincipalMapper>> principal_mapper =
      warp::acl::SslPrincipalMapper::Parse(absl::GetFlag(FLAGS_tls_principal_mapping_rules));
  if (!principal_mapper.ok()) {
    std::fprintf(stderr, "warpd: %s\n", std::string(principal_mapper.status().message()).c_str());
    return 2;
  }
  auto agent = warp::server::Agent::Open(config);
  if (!agent.ok()) {
    std::fprintf(stderr, "warpd: %s\n", std::string(agent.status().message()).c_str());
    return 1;
  }
  auto dispatcher = std::make_unique<warp::server::Dispatcher>(agent->get());
  warp::server::KafkaServerOptions server_options;
  server_options.max_request_bytes =
      static_cast<uint32_t>(absl::GetFlag(FLAGS_socket_request_max_bytes));
  server_options.max_bytes_in_flight =
      static_cast<uint64_t>(absl::GetFlag(FLAGS_max_request_bytes_in_flight));
  server_options.max_connection_bytes_in_flight =
      static_cast<uint64_t>(absl::GetFlag(FLAGS_max_connection_bytes_in_flight));
  server_options.max_connections = static_cast<int>(FitConnections(
      absl::GetFlag(FLAGS_max_connections), absl::GetFlag(FLAGS_http_max_connections) + 512));
  server_options.max_connections_per_ip = absl::GetFlag(FLAGS_max_connections_per_ip);
  // One byte budget for all listeners.
  server_options.budget = std::make_shared<warp::server::ByteBudget>();
  std::vector<std::unique_ptr<warp::server::KafkaServer>> kafka;
  for (const warp::server::Listener& l : listeners) {
    warp::server::KafkaServerOptions options = server_options;
    options.host = l.host.empty() ? "0.0.0.0" : l.host;
    options.port = l.port;
    options.listener = l.name;
    if (warp::server::UsesTls(l.protocol)) options.tls = tls;
    options.new_context = warp::server::Dispatcher::SessionMaker(
        warp::server::UsesSasl(l.protocol), *principal_mapper);
    auto started = warp::server::KafkaServer::Start(options, dispatcher->handler());
    if (!started.ok()) {
      std::fprintf(stderr, "warpd: Kafka listener %s: %s\n", l.name.c_str(),
                   std::string(started.status().message()).c_str());
      (void)(*agent)->membership().Leave();
      for (auto& server : kafka) server->Shutdown();
      dispatcher.reset();
      agent->reset();
      return 1;
    }
    kafka.push_back(*std::move(started));
  }
  std::vector<warp::server::KafkaServer*> servers;
  for (auto& server : kafka) servers.push_back(server.get());
  // Summed over the listeners.
  auto sum = [servers](uint64_t (warp::server::KafkaServer::*of)() const) {
    return [servers, of] {
      double total = 0;
      for (warp::server::KafkaServer* server : servers) total += static_cast<double>((server->*of)());
      return total;
    };
  };
  std::atomic<bool> ready{true};
  (*agent)->metrics().gauge("warp_connections", [servers] {
    double total = 0;
    for (warp::server::KafkaServer* server : servers) total += static_cast<double>(server->connections());
    return total;
  });
  (*agent)->metrics().computed_counter("warp_connections_refused_total",
                                       sum(&warp::server::KafkaServer::connections_refused));
  (*agent)->metrics().computed_counter("warp_reads_paused_total",
                                       sum(&warp::server::KafkaServer::reads_paused));
  // One budget: any server's view of it.
  (*agent)->metrics().gauge("warp_request_bytes_in_flight", [servers] {
    return static_cast<double>(servers.front()->bytes_in_flight());
  });
  warp::server::Agent* agent_raw = agent->get();
  agent_raw->metrics().collector("process", &warp::server::CollectProcessMetrics);
  auto http = warp::server::HttpServer::Start(HttpOptions(http_host, http_port, &ready, agent_raw));
  if (!http.ok()) {
    std::fprintf(stderr, "warpd: HTTP listener: %s\n",
                 std::string(http.status().message()).c_str());
    // The order of a graceful stop, without its waits: nothing the agent
    // or a handler still answers may reach a destroyed server.
    (void)(*agent)->membership().Leave();
    for (auto& server : kafka) server->Shutdown();
    dispatcher.reset();
    agent->reset();
    return 1;
  }
  std::vector<std::string> serving;
  for (size_t i = 0; i < listeners.size(); ++i) {
    const warp::server::Listener& l = listeners[i];
    serving.push_back(absl::StrCat(l.name, "://", (l.host.empty() ? "0.0.0.0" : l.host), ":", kafka[i]->port(),
                                   " (", warp::server::SecurityProtocolName(l.protocol),
                                   ", advertised ", l.advertised_host, ":", l.advertised_port,
                                   ")"));
  }
  std::printf("warpd: serving Kafka on %s, HTTP on %s:%d\n"
              "warpd: bucket %s, metadata %s, cluster %s, agent %s (node %d, zone %s, roles %s)\n",
              absl::StrJoin(serving, ", ").c_str(), http_host.c_str(), (*http)->port(),
              config.bucket_url.c_str(), config.metadata_url.c_str(),
              config.cluster.c_str(), config.agent_id.c_str(), (*agent)->node_id(),
              config.zone.empty() ? "-" : config.zone.c_str(),
              absl::StrJoin(config.roles, ",").c_str());
  std::fflush(stdout);

  signal(SIGTERM, OnSignal);
  signal(SIGINT, OnSignal);
  signal(SIGHUP, OnHangUp);
  while (!stop_requested) {
    absl::SleepFor(absl::Milliseconds(100));
    if (reload_requested) {
      reload_requested = 0;
      if (sasl_users != nullptr) {
        absl::StatusOr<size_t> reloaded = sasl_users->Reload();
        if (reloaded.ok()) {
          std::printf("warpd: SIGHUP: %zu SASL users read from %s\n", *reloaded,
                      absl::GetFlag(FLAGS_sasl_users_file).c_str());
        } else {
          std::fprintf(stderr, "warpd: SIGHUP: --sasl_users_file not read again, the users in "
                               "use stay: %s\n",
                       std::string(reloaded.status().message()).c_str());
        }
        std::fflush(stdout);
      }
    }
  }

  // Graceful: stop accepting, answer what is in flight (flushing what is
  // buffered), then exit 0.
  std::printf("warpd: shutting down\n");
  ready = false;
  // Leave the cluster first: other agents stop giving this one to clients
  // and take over its consumer groups while it drains.
  absl::Status left = (*agent)->membership().Leave();
  if (!left.ok()) {
    std::fprintf(stderr, "warpd: leaving the cluster: %s (the lease will run out)\n",
                 std::string(left.message()).c_str());
  }
  for (auto& server : kafka) server->StopAccepting();
  (*agent)->producer().Flush();
  absl::Time drain_until = absl::Now() + absl::Seconds(30);
  for (auto& server : kafka) server->Drain(std::max(absl::ZeroDuration(), drain_until - absl::Now()));
  for (auto& server : kafka) server->Shutdown();
  // Teardown order: handlers still queued finish, then the agent answers
  // what still waits (long-polls, appends, group joins) while the server,
  // which those answers go through, still exists.
  http->reset();
  dispatcher.reset();
  agent->reset();
  return 0;
}
