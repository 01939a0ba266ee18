#include "lib/compaction/jobs_runner.h"

#include <functional>

#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"

namespace warp::compaction {

JobsRunner::JobsRunner(const JobsOptions& options)
    : options_(options), clock_(options.clock ? options.clock : Clock::Real()) {}

absl::StatusOr<std::unique_ptr<JobsRunner>> JobsRunner::Start(const JobsOptions& options) {
  std::unique_ptr<JobsRunner> runner(new JobsRunner(options));
  CompactorOptions compactor = options.compactor;
  compactor.store = options.store;
  compactor.metadata = options.metadata;
  compactor.clock = options.clock;
  compactor.cluster = options.cluster;
  compactor.agent_id = options.agent_id;
  compactor.owns_object = options.owns_work;
  ASSIGN_OR_RETURN(runner->compactor_, Compactor::Create(compactor));
  std::function<bool(const TopicPartition&)> owns_partition;
  if (options.owns_work) {
    owns_partition = [owns = options.owns_work](const TopicPartition& tp) {
      return owns(absl::StrCat("partition/", tp.topic, "/", tp.partition));
    };
  }
  LogCleanerOptions cleaner = options.cleaner;
  cleaner.store = options.store;
  cleaner.metadata = options.metadata;
  cleaner.clock = options.clock;
  cleaner.cluster = options.cluster;
  cleaner.agent_id = options.agent_id;
  cleaner.owns_partition = owns_partition;
  ASSIGN_OR_RETURN(runner->cleaner_, LogCleaner::Create(cleaner));
  RetentionOptions retention;
  retention.metadata = options.metadata;
  retention.clock = options.clock;
  retention.owns_partition = owns_partition;
  ASSIGN_OR_RETURN(runner->retention_, RetentionEnforcer::Create(retention));
  GarbageCollectorOptions gc = options.gc;
  gc.store = options.store;
  gc.metadata = options.metadata;
  gc.clock = options.clock;
  gc.cluster = options.cluster;
  gc.owns_object = options.owns_work;
  ASSIGN_OR_RETURN(runner->gc_, GarbageCollector::Create(gc));
  if (options.interval > absl::ZeroDuration()) {
    runner->thread_ = std::thread([r = runner.get()] { r->Loop(); });
  }
  return runner;
}

JobsRunner::~JobsRunner() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void JobsRunner::Loop() {
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), options_.interval);
    if (stopping_) break;
    mu_.Unlock();
    (void)RunOnce();  // errors are counted; the next pass retries
    mu_.Lock();
  }
}

absl::Status JobsRunner::RunOnce() {
  absl::MutexLock run(&run_mu_);
  absl::Status first;
  JobsStats delta;
  auto note = [&](const absl::Status& status) {
    if (status.ok()) return;
    ++delta.errors;
    if (first.ok()) first = status;
  };
  if (absl::StatusOr<RetentionResult> r = retention_->RunOnce(); r.ok()) {
    delta.records_deleted += r->records_deleted;
  } else {
    note(r.status());
  }
  // Runs `job` until it finds nothing to do, fails, or `limit` times.
  auto repeat = [&](int limit, const std::function<absl::StatusOr<CompactionResult>()>& job,
                    bool keyed) {
    for (int i = 0; i < limit; ++i) {
      absl::StatusOr<CompactionResult> r = job();
      if (!r.ok()) {
        note(r.status());
        return;
      }
      if (r->inputs.empty()) return;
      delta.compaction_bytes_read += r->bytes_read;
      delta.compaction_bytes_written += r->bytes_written;
      ++(r->committed ? delta.compactions : delta.compactions_abandoned);
      if (keyed && r->committed) {
        ++delta.keyed_compactions;
        delta.records_compacted += r->records_removed;
      }
    }
  };
  repeat(options_.max_cleanings_per_pass, [&] { return cleaner_->CleanOnce(); }, true);
  repeat(options_.max_compactions_per_pass, [&] { return compactor_->CompactOnce(); }, false);
  if (absl::StatusOr<int64_t> n = gc_->DeleteDeadObjects(); n.ok()) {
    delta.objects_deleted += *n;
  } else {
    note(n.status());
  }
  absl::Time now = clock_->Now();
  if (now - last_orphan_pass_ >= options_.orphan_interval) {
    last_orphan_pass_ = now;
    if (absl::StatusOr<int64_t> n = gc_->DeleteOrphans(); n.ok()) {
      delta.objects_deleted += *n;
    } else {
      note(n.status());
    }
  }
  // One agent forgets idle producer ids everywhere in one command.
  if (now - last_producer_pass_ >= options_.producer_expiration_interval &&
      (!options_.owns_work || options_.owns_work("producer-ids"))) {
    absl::StatusOr<CommandResult> expired = options_.metadata->Execute(ExpireProducers{
        absl::ToUnixMillis(now), absl::ToInt64Milliseconds(options_.producer_id_expiration)});
    note(expired.status());
    if (expired.ok()) {
      last_producer_pass_ = now;
      ++delta.producer_expiry_passes;
    }
  }
  absl::MutexLock lock(&mu_);
  ++stats_.passes;
  stats_.compactions += delta.compactions;
  stats_.compactions_abandoned += delta.compactions_abandoned;
  stats_.keyed_compactions += delta.keyed_compactions;
  stats_.records_compacted += delta.records_compacted;
  stats_.compaction_bytes_read += delta.compaction_bytes_read;
  stats_.compaction_bytes_written += delta.compaction_bytes_written;
  stats_.records_deleted += delta.records_deleted;
  stats_.objects_deleted += delta.objects_deleted;
  stats_.producer_expiry_passes += delta.producer_expiry_passes;
  stats_.errors += delta.errors;
  return first;
}

JobsStats JobsRunner::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

}  // namespace warp::compaction
