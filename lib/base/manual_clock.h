// A Clock for tests: time moves only when told to (Advance), or by exactly
// the requested duration when a caller sleeps. Thread-safe.
#ifndef WARP_LIB_BASE_MANUAL_CLOCK_H_
#define WARP_LIB_BASE_MANUAL_CLOCK_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "warp/clock.h"

namespace warp {

class ManualClock final : public Clock {
 public:
  explicit ManualClock(absl::Time start = absl::FromUnixSeconds(1700000000)) : now_(start) {}

  absl::Time Now() override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  // Returns at once, the clock moved on by `d`.
  void SleepFor(absl::Duration d) override { Advance(d); }

  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    if (d > absl::ZeroDuration()) now_ += d;
  }

 private:
  absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

}  // namespace warp

#endif  // WARP_LIB_BASE_MANUAL_CLOCK_H_
