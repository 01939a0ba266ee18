// An agent: the library's parts (bucket, metadata, cache, producer, fetcher)
// wired together for the Kafka server, plus what the handlers need to know
// about this agent (node id, advertised address, cluster).
//
// Thread-safety: thread-safe.
#ifndef WARP_SERVER_AGENT_H_
#define WARP_SERVER_AGENT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lib/security/sasl/authenticator.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/compaction/jobs_runner.h"
#include "lib/engine/block_cache.h"
#include "server/groups/coordinator.h"
#include "server/cluster_security.h"
#include "server/groups/placement.h"
#include "server/login_throttle.h"
#include "server/membership.h"
#include "server/metrics.h"
#include "server/transactions/coordinator.h"
#include "warp/fetcher.h"
#include "warp/metadata_store.h"
#include "warp/object_store.h"
#include "warp/producer.h"

namespace warp::server {

struct AgentConfig {
  std::string bucket_url;    // --bucket
  std::string metadata_url;  // --metadata
  std::string cluster = "default";
  std::string agent_id = "agent-0";
  std::string zone;
  // --roles: produce, fetch (served to clients in Metadata and
  // FindCoordinator) and jobs (retention, compaction, garbage collection).
  std::vector<std::string> roles = {"produce", "fetch", "jobs"};
  // The agent's registration in the metadata store: how long it stays live
  // without renewal (how long a dead agent is still given to clients), and
  // how often it is renewed (zero = only at start; tests).
  absl::Duration agent_lease = absl::Seconds(10);
  absl::Duration agent_renew_interval = absl::Seconds(2);
  std::string advertised_host = "127.0.0.1";
  int advertised_port = 9092;
  // Every Kafka listener and the address it advertises (--listeners,
  // --advertised_listeners); empty: one, at advertised_host:port.
  std::vector<AgentListener> listeners;
  // SASL for the SASL listeners: the mechanisms offered (--sasl_mechanisms;
  // empty: warpd has no SASL listener) and the static users
  // (--sasl_users_file; null: none). Logins look users up there first, then
  // among the journal's SCRAM users (AlterUserScramCredentials). The store
  // is not owned and must outlive the agent.
  std::vector<std::string> sasl_mechanisms;
  const sasl::CredentialStore* sasl_static_users = nullptr;
  // KIP-368 (--sasl_reauth_ms, Kafka's connections.max.reauth.ms): how long
  // a SASL login lasts before the client must re-authenticate on its
  // connection; zero: for the connection's life.
  absl::Duration sasl_reauth = absl::ZeroDuration();
  // ACLs and their options (--authorizer, --super_users,
  // --allow_everyone_if_no_acl_found) and how often they are re-read.
  ClusterSecurityOptions security;
  absl::Duration flush_interval = absl::Milliseconds(250);
  uint64_t flush_bytes = 8 << 20;
  bool auto_create_topics = true;
  int32_t default_partitions = 1;
  // The block cache (objects just written, blocks read). With the producer's
  // buffers and one merge of the jobs role, the agent stays under 512 MiB.
  uint64_t cache_bytes = 192 << 20;
  // group.initial.rebalance.delay.ms: how long the first rebalance of an
  // empty group waits for more members (--group_initial_rebalance_delay_ms).
  absl::Duration group_initial_rebalance_delay = absl::Seconds(3);
  // offsets.retention.minutes: committed offsets of a group without members
  // are deleted once its newest commit is this old (--offsets_retention_minutes).
  absl::Duration offsets_retention = absl::Minutes(10080);
  // Transactions: transaction.max.timeout.ms (--transaction_max_timeout_ms)
  // and transactional.id.expiration.ms (--transactional_id_expiration_ms);
  // how often timeouts and expiry are checked (zero = no thread; tests).
  absl::Duration transaction_max_timeout = absl::Minutes(15);
  absl::Duration transactional_id_expiration = absl::Hours(24 * 7);
  absl::Duration transaction_tick_interval = absl::Seconds(1);
  // producer.id.expiration.ms (--producer_id_expiration_ms): idle producer
  // ids are forgotten per partition by the jobs role.
  absl::Duration producer_id_expiration = absl::Hours(24);
  // Most label sets of warp_group_lag_* in /metrics, the largest lags first
  // (--group_lag_max_series). Each costs two lines per scrape.
  size_t group_lag_max_series = 1000;
  // Clock of the group coordinator; nullptr = the real clock (tests).
  Clock* clock = nullptr;
  // Period of the group coordinator's timer thread; zero = no thread (tests
  // call groups().Tick()).
  absl::Duration group_tick_interval = absl::Milliseconds(100);
  // Background jobs (the `jobs` role: retention, compaction, garbage
  // collection): time between passes; zero = no jobs thread (tests).
  absl::Duration jobs_interval = absl::Seconds(10);
  // Most bytes one merge or cleaning holds (inputs and output are in memory
  // at once), so that jobs fit in the agent's memory beside the cache and
  // the producer.
  uint64_t jobs_max_merge_bytes = 64 << 20;
  // Pacing of compaction and cleaning: bytes read plus written per second
  // (0 = unlimited).
  double jobs_max_bytes_per_second = 0;
};

class Agent {
 public:
  // Opens the bucket and metadata (failing with a clear Status when either
  // is unreachable) and starts the producer.
  static absl::StatusOr<std::unique_ptr<Agent>> Open(const AgentConfig& config);
  ~Agent();

  const AgentConfig& config() const { return config_; }
  // This agent's broker id in Metadata responses.
  int32_t node_id() const { return node_id_; }
  const std::string& cluster_id() const { return config_.cluster; }
  Metrics& metrics() { return metrics_; }

  ObjectStore& bucket() { return *bucket_; }
  MetadataStore& metadata() { return *metadata_; }
  Producer& producer() { return *producer_; }
  Fetcher& fetcher() { return *fetcher_; }
  engine::BlockCache& cache() { return *cache_; }
  // The consumer groups this agent coordinates.
  groups::Coordinator& groups() { return *groups_; }
  // The transaction coordinator (any transactional id; placed on the
  // agents with the produce role).
  transactions::TransactionCoordinator& transactions() { return *transactions_; }
  // The live agents of the cluster, this one included.
  Membership& membership() { return *membership_; }
  // The ACLs and SCRAM users of the cluster, as this agent enforces them.
  ClusterSecurity& security() { return *security_; }
  // SASL logins (SaslHandshake); null without sasl_mechanisms. Shared by
  // every connection.
  const sasl::SaslAuthenticatorFactory* sasl() const { return sasl_.get(); }
  // Where every SASL login ends: counted, and failures slowed down per
  // client address.
  LoginThrottle& logins() { return *logins_; }
  bool HasRole(absl::string_view role) const;

  // The topic `name`, from this replica or, when it does not know the topic
  // (created through another agent a moment ago), after catching up with
  // the journal.
  std::optional<TopicInfo> FindTopic(const std::string& name);

  // Creates `topic` with the default partition count if auto-creation is on.
  // Returns whether the topic exists now.
  bool MaybeAutoCreate(const std::string& topic);

 private:
  explicit Agent(const AgentConfig& config) : config_(config) {}

  AgentConfig config_;
  Metrics metrics_;
  int32_t node_id_ = 0;
  std::unique_ptr<ObjectStore> bucket_;
  std::unique_ptr<MetadataStore> metadata_;
  std::unique_ptr<ClusterSecurity> security_;
  std::unique_ptr<ChainedCredentialStore> sasl_users_;
  std::unique_ptr<sasl::SaslAuthenticatorFactory> sasl_;
  std::unique_ptr<LoginThrottle> logins_;
  std::unique_ptr<engine::BlockCache> cache_;
  std::unique_ptr<Producer> producer_;
  std::unique_ptr<Fetcher> fetcher_;
  std::unique_ptr<Membership> membership_;
  std::unique_ptr<groups::CoordinatorPlacement> placement_;
  std::unique_ptr<groups::Coordinator> groups_;
  std::unique_ptr<groups::CoordinatorPlacement> transaction_placement_;
  std::unique_ptr<transactions::TransactionCoordinator> transactions_;
  std::unique_ptr<compaction::JobsRunner> jobs_;  // null without the jobs role
};

}  // namespace warp::server

#endif  // WARP_SERVER_AGENT_H_
