// Clock: the source of time for everything in warp, injected so tests need no
// sleeps and no wall clock.
//
// Thread-safety: every Clock implementation is safe to use from many threads.
#ifndef WARP_CLOCK_H_
#define WARP_CLOCK_H_

#include "absl/time/time.h"

namespace warp {

class Clock {
 public:
  virtual ~Clock() = default;

  // The current time.
  virtual absl::Time Now() = 0;

  // Blocks the calling thread for `d` of this clock's time (a fake clock may
  // return at once and advance itself).
  virtual void SleepFor(absl::Duration d) = 0;

  // The process-wide real clock (absl::Now / absl::SleepFor). Never deleted.
  static Clock* Real();
};

}  // namespace warp

#endif  // WARP_CLOCK_H_
