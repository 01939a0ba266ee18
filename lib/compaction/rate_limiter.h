// A pacing limiter for background jobs: callers take `amount` units (bytes,
// deletes) and sleep, on the injected clock, long enough that the average
// rate stays at most `per_second`, with at most one second of burst.
// Thread-safe.
#ifndef WARP_LIB_COMPACTION_RATE_LIMITER_H_
#define WARP_LIB_COMPACTION_RATE_LIMITER_H_

#include <algorithm>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "warp/clock.h"

namespace warp::compaction {

class RateLimiter {
 public:
  // `per_second` <= 0: unlimited (Acquire never sleeps). `clock` not owned.
  RateLimiter(double per_second, Clock* clock) : per_second_(per_second), clock_(clock) {}

  // Takes `amount` units, sleeping first if the rate is exceeded.
  void Acquire(double amount) {
    if (per_second_ <= 0 || amount <= 0) return;
    absl::Duration wait;
    {
      absl::MutexLock lock(&mu_);
      absl::Time now = clock_->Now();
      // Unused capacity older than a second is lost (bounded burst).
      next_ = std::max(next_, now - absl::Seconds(1));
      next_ += absl::Seconds(amount / per_second_);
      wait = next_ - now;
    }
    if (wait > absl::ZeroDuration()) clock_->SleepFor(wait);
  }

 private:
  const double per_second_;
  Clock* const clock_;
  absl::Mutex mu_;
  absl::Time next_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace warp::compaction

#endif  // WARP_LIB_COMPACTION_RATE_LIMITER_H_
