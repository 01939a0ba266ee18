// The background jobs of an agent with the `jobs` role: retention,
// compaction (leveled merges, keyed compaction) and garbage collection, run in passes on one thread, paced by
// the jobs' own limits so that produce and fetch keep the CPU and the store.
//
// Cluster hook: `owns_work(key)` says whether this agent does a piece of
// work: an object key (compaction inputs, deletions) or
// "partition/<topic>/<partition>" (retention, keyed compaction). Agents of a cluster must own
// disjoint work; nullptr = everything (a single agent).
//
// Thread-safe.
#ifndef WARP_LIB_COMPACTION_JOBS_RUNNER_H_
#define WARP_LIB_COMPACTION_JOBS_RUNNER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "warp/compactor.h"
#include "warp/garbage_collector.h"
#include "warp/log_cleaner.h"
#include "warp/retention.h"

namespace warp::compaction {

struct JobsOptions {
  // Not owned, required.
  ObjectStore* store = nullptr;
  MetadataStore* metadata = nullptr;
  // nullptr = the real clock (job times and pacing; the pass timer is real).
  Clock* clock = nullptr;
  std::string cluster = "default";
  std::string agent_id = "agent";
  // Time between passes; zero = no thread (callers call RunOnce).
  absl::Duration interval = absl::Seconds(10);
  // Orphans are looked for (one LIST of the cluster's objects) at most this
  // often.
  absl::Duration orphan_interval = absl::Minutes(10);
  // Producer ids idle on a partition for this long are forgotten there
  // (Kafka's producer.id.expiration.ms; one ExpireProducers command), checked
  // at most every `producer_expiration_interval` by the owner of
  // "producer-ids".
  absl::Duration producer_id_expiration = absl::Hours(24);
  absl::Duration producer_expiration_interval = absl::Minutes(10);
  // Most merges per pass.
  int max_compactions_per_pass = 16;
  // Most keyed compactions (cleanup.policy=compact partitions) per pass.
  int max_cleanings_per_pass = 16;
  // The jobs' own options; their store, metadata, clock, cluster, agent and
  // ownership fields are filled in from the ones above.
  CompactorOptions compactor;
  LogCleanerOptions cleaner;
  GarbageCollectorOptions gc;
  std::function<bool(absl::string_view key)> owns_work;
};

struct JobsStats {
  uint64_t passes = 0;
  uint64_t compactions = 0;           // merges and keyed compactions committed
  uint64_t compactions_abandoned = 0; // outputs refused or given up
  uint64_t keyed_compactions = 0;     // keyed compactions committed
  uint64_t records_compacted = 0;     // records keyed compaction removed
  uint64_t compaction_bytes_read = 0;
  uint64_t compaction_bytes_written = 0;
  uint64_t records_deleted = 0;       // by retention
  uint64_t objects_deleted = 0;       // dead objects and orphans
  uint64_t producer_expiry_passes = 0;  // ExpireProducers commands sent
  uint64_t errors = 0;                // jobs that failed (retried next pass)
};

class JobsRunner {
 public:
  // Creates the jobs and, with a non-zero interval, starts the pass thread.
  static absl::StatusOr<std::unique_ptr<JobsRunner>> Start(const JobsOptions& options);
  // Stops the thread after the job in progress.
  ~JobsRunner();
  JobsRunner(const JobsRunner&) = delete;
  JobsRunner& operator=(const JobsRunner&) = delete;

  // One pass: retention, keyed compaction of compacted partitions until
  // none is due (or the pass limit), merges until none is ready (or the
  // pass limit),
  // deletion of dead objects, and orphans and idle producer ids when due.
  // Returns the first error
  // (the other jobs still run).
  absl::Status RunOnce();

  JobsStats stats() const;

 private:
  explicit JobsRunner(const JobsOptions& options);
  void Loop();

  const JobsOptions options_;
  Clock* const clock_;
  std::unique_ptr<Compactor> compactor_;
  std::unique_ptr<LogCleaner> cleaner_;
  std::unique_ptr<RetentionEnforcer> retention_;
  std::unique_ptr<GarbageCollector> gc_;

  absl::Mutex run_mu_;  // one pass at a time
  absl::Time last_orphan_pass_ ABSL_GUARDED_BY(run_mu_) = absl::InfinitePast();
  absl::Time last_producer_pass_ ABSL_GUARDED_BY(run_mu_) = absl::InfinitePast();

  mutable absl::Mutex mu_;
  JobsStats stats_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace warp::compaction

#endif  // WARP_LIB_COMPACTION_JOBS_RUNNER_H_
