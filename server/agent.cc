#include "server/agent.h"

#include <algorithm>
#include <random>

#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"
#include "server/groups/group_lag.h"
#include "server/instrumented_stores.h"
#include "warp/object_store_url.h"

namespace warp::server {
namespace {

// warp_group_lag_records, warp_group_lag_seconds{group,topic,partition} and
// warp_group_lag_series_dropped (see groups/group_lag.h).
std::vector<ComputedFamily> GroupLagFamilies(MetadataStore& metadata, absl::Time now,
                                             size_t max_series) {
  size_t dropped = 0;
  std::vector<groups::PartitionLag> lags =
      groups::ComputeGroupLag(metadata, now, max_series, &dropped);
  ComputedFamily records{"warp_group_lag_records", ComputedFamily::Type::kGauge, {}};
  ComputedFamily seconds{"warp_group_lag_seconds", ComputedFamily::Type::kGauge, {}};
  for (const groups::PartitionLag& lag : lags) {
    Labels labels = {{"group", lag.group},
                     {"topic", lag.tp.topic},
                     {"partition", absl::StrCat(lag.tp.partition)}};
    records.samples.push_back({labels, static_cast<double>(lag.records)});
    seconds.samples.push_back({std::move(labels), lag.seconds});
  }
  return {std::move(records), std::move(seconds),
          OneSample("warp_group_lag_series_dropped", ComputedFamily::Type::kGauge,
                    static_cast<double>(dropped))};
}

}  // namespace

absl::StatusOr<std::unique_ptr<Agent>> Agent::Open(const AgentConfig& config) {
  std::unique_ptr<Agent> agent(new Agent(config));
  absl::StatusOr<std::unique_ptr<ObjectStore>> bucket = OpenObjectStore(config.bucket_url);
  if (!bucket.ok()) {
    return absl::Status(bucket.status().code(),
                        absl::StrCat("bucket ", config.bucket_url, ": ",
                                     bucket.status().message()));
  }
  agent->bucket_ = InstrumentObjectStore(*std::move(bucket), &agent->metrics_);
  // Probe the bucket so that a wrong endpoint or credentials stop the agent
  // at start, not at the first produce.
  absl::StatusOr<std::vector<ObjectInfo>> probe =
      agent->bucket_->List(absl::StrCat(config.cluster, "/probe/"));
  if (!probe.ok()) {
    return absl::Status(probe.status().code(),
                        absl::StrCat("bucket ", config.bucket_url,
                                     " is unreachable: ", probe.status().message()));
  }
  absl::StatusOr<std::unique_ptr<MetadataStore>> metadata =
      MetadataStore::Open(config.metadata_url);
  if (!metadata.ok()) {
    return absl::Status(metadata.status().code(),
                        absl::StrCat("metadata ", config.metadata_url, ": ",
                                     metadata.status().message()));
  }
  agent->metadata_ = InstrumentMetadataStore(*std::move(metadata), &agent->metrics_);
  agent->security_ = std::make_unique<ClusterSecurity>(agent->metadata_.get(), config.security);
  LoginThrottleOptions throttle;
  throttle.clock = config.clock;
  agent->logins_ = std::make_unique<LoginThrottle>(&agent->metrics_, throttle);
  if (!config.sasl_mechanisms.empty()) {
    agent->sasl_users_ = std::make_unique<ChainedCredentialStore>(config.sasl_static_users,
                                                                  agent->security_.get());
    sasl::SaslAuthenticatorFactory::Options sasl_options;
    sasl_options.store = agent->sasl_users_.get();
    sasl_options.mechanisms = config.sasl_mechanisms;
    absl::StatusOr<std::unique_ptr<sasl::SaslAuthenticatorFactory>> factory =
        sasl::SaslAuthenticatorFactory::Create(std::move(sasl_options));
    if (!factory.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--sasl_mechanisms: ", factory.status().message()));
    }
    agent->sasl_ = *std::move(factory);
  }
  engine::BlockCacheOptions cache_options;
  cache_options.capacity_bytes = config.cache_bytes;
  agent->cache_ = std::make_unique<engine::BlockCache>(agent->bucket_.get(), cache_options);
  ProducerOptions producer;
  producer.store = agent->bucket_.get();
  producer.metadata = agent->metadata_.get();
  producer.cache = agent->cache_.get();
  producer.cluster = config.cluster;
  producer.agent_id = config.agent_id;
  producer.flush_interval = config.flush_interval;
  producer.flush_bytes = config.flush_bytes;
  ASSIGN_OR_RETURN(agent->producer_, Producer::Create(producer));
  ASSIGN_OR_RETURN(agent->fetcher_,
                   Fetcher::Create({agent->bucket_.get(), agent->metadata_.get(),
                                    agent->cache_.get()}));
  // A stable small id per agent name (broker ids are int32).
  Agent* raw = agent.get();
  // Every metric exists from the start, at zero.
  for (const char* name : {"warp_produce_requests_total", "warp_produce_bytes_total",
                           "warp_fetch_requests_total", "warp_fetch_bytes_total"}) {
    agent->metrics_.counter(name);
  }
  agent->metrics_.histogram("warp_produce_latency_seconds");
  agent->metrics_.histogram("warp_fetch_latency_seconds");
  agent->metrics_.gauge("warp_buffered_bytes",
                        [raw] { return static_cast<double>(raw->producer_->buffered_bytes()); });
  agent->metrics_.computed_counter("warp_cache_hits_total", [raw] {
    return static_cast<double>(raw->cache_->stats().hits);
  });
  agent->metrics_.computed_counter("warp_cache_misses_total", [raw] {
    return static_cast<double>(raw->cache_->stats().misses);
  });
  agent->node_id_ = groups::NodeIdFor(config.agent_id);
  MembershipOptions membership;
  membership.metadata = agent->metadata_.get();
  membership.clock = config.clock;
  membership.self.id = config.agent_id;
  membership.self.address = absl::StrCat(config.advertised_host, ":", config.advertised_port);
  membership.self.listeners = config.listeners;
  membership.self.zone = config.zone;
  membership.self.roles = config.roles;
  membership.lease = config.agent_lease;
  membership.renew_interval = config.agent_renew_interval;
  absl::StatusOr<std::unique_ptr<Membership>> joined = Membership::Start(std::move(membership));
  if (!joined.ok()) {
    return absl::Status(joined.status().code(),
                        absl::StrCat("registering agent ", config.agent_id,
                                     " in the metadata store: ", joined.status().message()));
  }
  agent->membership_ = *std::move(joined);
  groups::CoordinatorNode self;
  self.agent_id = config.agent_id;
  self.host = config.advertised_host;
  self.port = config.advertised_port;
  self.node_id = agent->node_id_;
  self.local = true;
  // Groups are coordinated by the agents with the fetch role (consumers'
  // agents), the same set for every agent, whatever its own roles.
  // The live agents of `role`, else (a cluster without any) of `fallback`.
  auto live_with = [raw](absl::string_view role, absl::string_view fallback) {
    return [raw, role, fallback] {
      std::vector<AgentInfo> live = raw->membership_->Live(role);
      return live.empty() ? raw->membership_->Live(fallback) : live;
    };
  };
  agent->placement_ =
      std::make_unique<groups::RendezvousPlacement>(live_with(kRoleFetch, kRoleProduce), self);
  groups::CoordinatorOptions groups_options;
  groups_options.metadata = agent->metadata_.get();
  groups_options.clock = config.clock;
  groups_options.placement = agent->placement_.get();
  groups_options.group.initial_rebalance_delay = config.group_initial_rebalance_delay;
  groups_options.offsets_retention = config.offsets_retention;
  groups_options.tick_interval = config.group_tick_interval;
  ASSIGN_OR_RETURN(agent->groups_, groups::Coordinator::Create(std::move(groups_options)));
  // Transactions are coordinated by the agents with the produce role
  // (transactional producers' agents), as groups are by fetch agents.
  agent->transaction_placement_ =
      std::make_unique<groups::RendezvousPlacement>(live_with(kRoleProduce, kRoleFetch), self);
  transactions::TransactionCoordinatorOptions txn_options;
  txn_options.metadata = agent->metadata_.get();
  txn_options.clock = config.clock;
  txn_options.placement = agent->transaction_placement_.get();
  txn_options.max_timeout = config.transaction_max_timeout;
  txn_options.id_expiration = config.transactional_id_expiration;
  txn_options.tick_interval = config.transaction_tick_interval;
  ASSIGN_OR_RETURN(agent->transactions_,
                   transactions::TransactionCoordinator::Create(std::move(txn_options)));
  agent->metrics_.gauge("warp_transactions_open", [raw] {
    double open = 0;
    for (const TransactionInfo& t : raw->metadata_->ListTransactions()) {
      open += t.state == TransactionState::kOngoing ? 1 : 0;
    }
    return open;
  });
  auto txn_stat = [raw](std::atomic<uint64_t> transactions::TxnCounters::*field) {
    return [raw, field] { return static_cast<double>((raw->transactions_->counters().*field).load()); };
  };
  agent->metrics_.computed_counter("warp_transaction_commits_total",
                                   txn_stat(&transactions::TxnCounters::commits));
  agent->metrics_.computed_counter("warp_transaction_aborts_total",
                                   txn_stat(&transactions::TxnCounters::aborts));
  agent->metrics_.computed_counter("warp_transaction_timeouts_total",
                                   txn_stat(&transactions::TxnCounters::timeouts));
  Clock* clock = config.clock != nullptr ? config.clock : Clock::Real();
  size_t max_series = config.group_lag_max_series;
  agent->metrics_.collector("warp_group_lag", [raw, clock, max_series] {
    return GroupLagFamilies(*raw->metadata_, clock->Now(), max_series);
  });
  // The jobs role. Work (object keys, "partition/<topic>/<p>") is divided
  // among the live jobs agents by rendezvous hashing: each key has one owner
  // in a given live set. While the set changes, two agents may briefly both
  // think they own a key; ReplaceFiles rejects a merge whose inputs are no
  // longer live (kStaleInput), so the loser's output is an orphan that GC
  // deletes, and deleting a dead object or applying retention twice is
  // harmless.
  if (agent->HasRole(kRoleJobs)) {
    compaction::JobsOptions jobs;
    jobs.store = agent->bucket_.get();
    jobs.metadata = agent->metadata_.get();
    jobs.clock = config.clock;
    jobs.cluster = config.cluster;
    jobs.agent_id = config.agent_id;
    jobs.interval = config.jobs_interval;
    jobs.producer_id_expiration = config.producer_id_expiration;
    jobs.compactor.max_output_bytes = config.jobs_max_merge_bytes;
    jobs.compactor.max_bytes_per_second = config.jobs_max_bytes_per_second;
    jobs.cleaner.max_clean_bytes = config.jobs_max_merge_bytes;
    jobs.cleaner.max_bytes_per_second = config.jobs_max_bytes_per_second;
    jobs.owns_work = [raw](absl::string_view key) {
      // `live` outlives `owner`, which points into it.
      std::vector<AgentInfo> live = raw->membership_->Live(kRoleJobs);
      const AgentInfo* owner = groups::RendezvousWinner(live, key);
      return owner == nullptr || owner->id == raw->config_.agent_id;
    };
    ASSIGN_OR_RETURN(agent->jobs_, compaction::JobsRunner::Start(jobs));
  }
  auto job_stat = [raw](uint64_t compaction::JobsStats::*field) {
    return [raw, field] {
      return raw->jobs_ == nullptr ? 0.0 : static_cast<double>(raw->jobs_->stats().*field);
    };
  };
  agent->metrics_.computed_counter("warp_compactions_total",
                                   job_stat(&compaction::JobsStats::compactions));
  agent->metrics_.computed_counter("warp_compaction_bytes_total",
                                   job_stat(&compaction::JobsStats::compaction_bytes_written));
  agent->metrics_.computed_counter("warp_compaction_read_bytes_total",
                                   job_stat(&compaction::JobsStats::compaction_bytes_read));
  agent->metrics_.computed_counter("warp_objects_deleted_total",
                                   job_stat(&compaction::JobsStats::objects_deleted));
  agent->metrics_.computed_counter("warp_retention_deleted_records_total",
                                   job_stat(&compaction::JobsStats::records_deleted));
  agent->metrics_.computed_counter("warp_keyed_compactions_total",
                                   job_stat(&compaction::JobsStats::keyed_compactions));
  agent->metrics_.computed_counter("warp_keyed_compaction_removed_records_total",
                                   job_stat(&compaction::JobsStats::records_compacted));
  agent->metrics_.computed_counter("warp_job_errors_total",
                                   job_stat(&compaction::JobsStats::errors));
  return agent;
}

Agent::~Agent() {
  jobs_.reset();        // finishes the job in progress
  groups_.reset();      // stops the group timers; answers waiting members
  transactions_.reset();  // stops the transaction timer
  producer_.reset();    // flushes what is pending
  membership_.reset();  // stops renewing (the lease runs out unless Leave()d)
  security_.reset();    // stops reading the ACLs
  logins_.reset();      // answers the failed logins still held back
}

bool Agent::HasRole(absl::string_view role) const {
  return std::find(config_.roles.begin(), config_.roles.end(), role) != config_.roles.end();
}

std::optional<TopicInfo> Agent::FindTopic(const std::string& name) {
  std::optional<TopicInfo> topic = metadata_->GetTopic(name);
  if (topic.has_value() || !metadata_->Sync().ok()) return topic;
  return metadata_->GetTopic(name);
}

bool Agent::MaybeAutoCreate(const std::string& topic) {
  if (metadata_->GetTopic(topic).has_value()) return true;
  if (!config_.auto_create_topics) return false;
  std::random_device rd;
  TopicId id{(uint64_t{rd()} << 32) | rd(), (uint64_t{rd()} << 32) | rd()};
  absl::StatusOr<CommandResult> created =
      metadata_->Execute(CreateTopic{topic, id, config_.default_partitions, {}});
  return created.ok() && (created->ok() || created->error == KafkaError::kTopicAlreadyExists);
}

}  // namespace warp::server
