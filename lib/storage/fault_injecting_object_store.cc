#include <algorithm>
#include <atomic>
#include <cmath>
#include <random>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "warp/fault_injection.h"

namespace warp {
namespace {

// z-score of the 99th percentile of the standard normal distribution.
constexpr double kZ99 = 2.3263478740408408;

class FaultStore final : public FaultInjectingObjectStore {
 public:
  FaultStore(ObjectStore* base, const FaultOptions& options, Clock* clock)
      : base_(base), clock_(clock), options_(options), rng_(options.seed) {}

  void SetOptions(const FaultOptions& options) override {
    absl::MutexLock lock(&mu_);
    options_ = options;
    rng_.seed(options.seed);
    calls_.store(0);  // fail_nth_call counts from here
  }
  uint64_t calls() const override { return calls_.load(); }
  uint64_t injected_faults() const override { return faults_.load(); }

  absl::Status Put(absl::string_view key, absl::string_view data,
                   const PutOptions& options) override {
    return Run(kOpPut, [&] { return base_->Put(key, data, options); });
  }
  absl::StatusOr<std::string> Get(absl::string_view key,
                                  const ByteRange& range) override {
    return Run(kOpGet, [&] { return base_->Get(key, range); });
  }
  absl::StatusOr<ObjectInfo> Head(absl::string_view key) override {
    return Run(kOpHead, [&] { return base_->Head(key); });
  }
  absl::Status Delete(absl::string_view key) override {
    return Run(kOpDelete, [&] { return base_->Delete(key); });
  }
  absl::Status DeleteMany(absl::Span<const std::string> keys) override {
    return Run(kOpDelete, [&] { return base_->DeleteMany(keys); });
  }
  absl::StatusOr<std::vector<ObjectInfo>> List(
      absl::string_view prefix) override {
    return Run(kOpList, [&] { return base_->List(prefix); });
  }
  std::string Describe() const override {
    return absl::StrCat("faulty(", base_->Describe(), ")");
  }

 private:
  enum class Fault { kNone, kFailBefore, kLoseResponse };

  struct Plan {
    absl::Duration delay = absl::ZeroDuration();
    Fault fault = Fault::kNone;
  };

  Plan MakePlan(ObjectStoreOp op) {
    absl::MutexLock lock(&mu_);
    Plan plan;
    const LatencyDistribution& latency =
        op == kOpPut && options_.put_latency ? *options_.put_latency
                                             : options_.latency;
    plan.delay = Sample(latency);
    if ((options_.ops & op) == 0) return plan;
    uint64_t n = calls_.fetch_add(1) + 1;
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    if (options_.fail_nth_call != 0 && n == options_.fail_nth_call) {
      plan.fault = Fault::kFailBefore;
    } else if (options_.error_rate > 0 && unit(rng_) < options_.error_rate) {
      plan.fault = Fault::kFailBefore;
    } else if (options_.lost_response_rate > 0 &&
               unit(rng_) < options_.lost_response_rate) {
      plan.fault = Fault::kLoseResponse;
    }
    if (plan.fault != Fault::kNone) faults_.fetch_add(1);
    return plan;
  }

  absl::Duration Sample(const LatencyDistribution& d)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    switch (d.kind) {
      case LatencyDistribution::Kind::kNone:
        return absl::ZeroDuration();
      case LatencyDistribution::Kind::kFixed:
        return d.a;
      case LatencyDistribution::Kind::kUniform: {
        // Bounds given the wrong way round mean the same interval.
        double min = absl::ToDoubleSeconds(std::min(d.a, d.b));
        double max = absl::ToDoubleSeconds(std::max(d.a, d.b));
        if (min == max) return std::min(d.a, d.b);
        std::uniform_real_distribution<double> u(min, max);
        return absl::Seconds(u(rng_));
      }
      case LatencyDistribution::Kind::kLogNormal: {
        // No spread (p99 <= p50) is the fixed latency p50; a log-normal
        // distribution needs a positive sigma.
        if (d.b <= d.a || d.a <= absl::ZeroDuration()) return d.a;
        double p50 = absl::ToDoubleSeconds(d.a);
        double p99 = absl::ToDoubleSeconds(d.b);
        double sigma = std::log(p99 / p50) / kZ99;
        std::lognormal_distribution<double> ln(std::log(p50), sigma);
        return absl::Seconds(ln(rng_));
      }
    }
    return absl::ZeroDuration();
  }

  template <typename F>
  auto Run(ObjectStoreOp op, F call) -> decltype(call()) {
    Plan plan = MakePlan(op);
    if (plan.delay > absl::ZeroDuration()) clock_->SleepFor(plan.delay);
    if (plan.fault == Fault::kFailBefore) {
      return absl::UnavailableError("injected fault: call failed");
    }
    auto result = call();
    if (plan.fault == Fault::kLoseResponse) {
      return absl::UnavailableError(
          "injected fault: response lost (the call took effect)");
    }
    return result;
  }

  ObjectStore* const base_;
  Clock* const clock_;
  std::atomic<uint64_t> calls_{0};
  std::atomic<uint64_t> faults_{0};
  absl::Mutex mu_;
  FaultOptions options_ ABSL_GUARDED_BY(mu_);
  std::mt19937_64 rng_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

std::unique_ptr<FaultInjectingObjectStore> NewFaultInjectingObjectStore(
    ObjectStore* base, const FaultOptions& options, Clock* clock) {
  return std::make_unique<FaultStore>(base, options,
                                      clock ? clock : Clock::Real());
}

}  // namespace warp
