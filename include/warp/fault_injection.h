// A fault-injecting ObjectStore wrapper: latency from a distribution, random
// errors, failing the Nth call, and lost responses (the call happened, the
// caller is told it failed). Tests use it to prove that faults are retried or
// fail cleanly; benchmarks use it to simulate real S3 latency over a fast
// store. Thread-safe; delays are served concurrently (one slow call does not
// hold up another).
#ifndef WARP_FAULT_INJECTION_H_
#define WARP_FAULT_INJECTION_H_

#include <cstdint>
#include <memory>
#include <optional>

#include "absl/time/time.h"
#include "warp/clock.h"
#include "warp/object_store.h"

namespace warp {

// A distribution of added latency.
struct LatencyDistribution {
  enum class Kind { kNone, kFixed, kUniform, kLogNormal };
  Kind kind = Kind::kNone;
  absl::Duration a = absl::ZeroDuration();  // fixed value, uniform min, p50
  absl::Duration b = absl::ZeroDuration();  // uniform max, p99

  static LatencyDistribution None() { return {}; }
  static LatencyDistribution Fixed(absl::Duration d) {
    return {Kind::kFixed, d, d};
  }
  // Uniform between `min` and `max`; bounds given the wrong way round are
  // swapped.
  static LatencyDistribution Uniform(absl::Duration min, absl::Duration max) {
    return {Kind::kUniform, min, max};
  }
  // Log-normal with the given median and 99th percentile (p99 > p50 > 0),
  // the usual shape of object store latency. With p99 <= p50 (no spread) it
  // behaves as Fixed(p50).
  static LatencyDistribution LogNormal(absl::Duration p50, absl::Duration p99) {
    return {Kind::kLogNormal, p50, p99};
  }
};

// The operations of an ObjectStore, as a bit mask for FaultOptions::ops.
enum ObjectStoreOp : uint32_t {
  kOpPut = 1,
  kOpGet = 2,
  kOpHead = 4,
  kOpDelete = 8,  // Delete and DeleteMany
  kOpList = 16,
  kOpAll = 31,
};

struct FaultOptions {
  // Latency added before every call.
  LatencyDistribution latency;
  // If set, replaces `latency` for Put (S3 PUTs are slower than GETs).
  std::optional<LatencyDistribution> put_latency;
  // Which operations the error faults below apply to (latency applies to all).
  uint32_t ops = kOpAll;
  // Fraction [0, 1] of calls that fail with Unavailable without reaching the
  // wrapped store.
  double error_rate = 0;
  // Fraction [0, 1] of calls that reach the wrapped store (and take effect)
  // whose result is then replaced by Unavailable: a lost response.
  double lost_response_rate = 0;
  // Fail the Nth call (1-based, counting only `ops`) with Unavailable; 0 never.
  uint64_t fail_nth_call = 0;
  // Seed of the fault and latency random stream (deterministic per seed).
  uint64_t seed = 1;
};

class FaultInjectingObjectStore : public ObjectStore {
 public:
  // Replaces the options; takes effect for calls that start afterwards.
  // Restarts the random stream from `options.seed` and resets calls() to 0,
  // so `options.fail_nth_call` counts the calls made after this one.
  virtual void SetOptions(const FaultOptions& options) = 0;
  // Calls that matched FaultOptions::ops since the wrapper was made or
  // SetOptions was last called.
  virtual uint64_t calls() const = 0;
  // Faults injected so far (errors, lost responses and Nth-call failures),
  // over the wrapper's whole life (SetOptions does not reset it).
  virtual uint64_t injected_faults() const = 0;
};

// Wraps `base` (not owned; must outlive the wrapper). `clock` (not owned;
// nullptr = real) serves the latency sleeps.
std::unique_ptr<FaultInjectingObjectStore> NewFaultInjectingObjectStore(
    ObjectStore* base, const FaultOptions& options, Clock* clock = nullptr);

}  // namespace warp

#endif  // WARP_FAULT_INJECTION_H_
