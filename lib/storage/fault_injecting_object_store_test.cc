#include <algorithm>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "warp/testing/object_store_conformance.h"
#include "warp/fault_injection.h"
#include "warp/memory_object_store.h"

namespace warp {
namespace {

// The wrapper with faults off must be an ObjectStore like any other.
class WrappedMemory final : public ObjectStore {
 public:
  WrappedMemory()
      : base_(NewMemoryObjectStore()),
        faulty_(NewFaultInjectingObjectStore(base_.get(), FaultOptions{})) {}
  absl::Status Put(absl::string_view k, absl::string_view d,
                   const PutOptions& o) override {
    return faulty_->Put(k, d, o);
  }
  absl::StatusOr<std::string> Get(absl::string_view k,
                                  const ByteRange& r) override {
    return faulty_->Get(k, r);
  }
  absl::StatusOr<ObjectInfo> Head(absl::string_view k) override {
    return faulty_->Head(k);
  }
  absl::Status Delete(absl::string_view k) override { return faulty_->Delete(k); }
  absl::Status DeleteMany(absl::Span<const std::string> k) override {
    return faulty_->DeleteMany(k);
  }
  absl::StatusOr<std::vector<ObjectInfo>> List(absl::string_view p) override {
    return faulty_->List(p);
  }
  std::string Describe() const override { return faulty_->Describe(); }

 private:
  std::unique_ptr<ObjectStore> base_;
  std::unique_ptr<FaultInjectingObjectStore> faulty_;
};

INSTANTIATE_TEST_SUITE_P(
    FaultsOff, ObjectStoreConformanceTest,
    ::testing::Values(ObjectStoreFactory{
        "fault_wrapper", [] { return std::make_unique<WrappedMemory>(); }}),
    ObjectStoreFactoryName);

// A clock that records sleeps instead of sleeping.
class RecordingClock final : public Clock {
 public:
  absl::Time Now() override { return now_; }
  void SleepFor(absl::Duration d) override {
    sleeps.push_back(d);
    now_ += d;
  }
  std::vector<absl::Duration> sleeps;

 private:
  absl::Time now_ = absl::UnixEpoch();
};

TEST(FaultInjectionTest, FailsTheNthCallOnly) {
  auto base = NewMemoryObjectStore();
  FaultOptions options;
  options.fail_nth_call = 3;
  auto store = NewFaultInjectingObjectStore(base.get(), options);
  EXPECT_TRUE(store->Put("a", "1").ok());
  EXPECT_TRUE(store->Put("b", "2").ok());
  EXPECT_EQ(store->Put("c", "3").code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(base->Get("c").status().code(), absl::StatusCode::kNotFound)
      << "a failed call must not reach the store";
  EXPECT_TRUE(store->Put("d", "4").ok());
  EXPECT_EQ(store->injected_faults(), 1u);
  EXPECT_EQ(store->calls(), 4u);
}

TEST(FaultInjectionTest, LostResponseTakesEffect) {
  auto base = NewMemoryObjectStore();
  FaultOptions options;
  options.lost_response_rate = 1.0;
  auto store = NewFaultInjectingObjectStore(base.get(), options);
  EXPECT_EQ(store->Put("k", "v").code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(*base->Get("k"), "v");
}

TEST(FaultInjectionTest, ErrorRateIsRoughlyHonouredAndOpsFiltered) {
  auto base = NewMemoryObjectStore();
  ASSERT_TRUE(base->Put("k", "v").ok());
  FaultOptions options;
  options.error_rate = 0.3;
  options.ops = kOpGet;
  auto store = NewFaultInjectingObjectStore(base.get(), options);
  int failures = 0;
  for (int i = 0; i < 2000; ++i) failures += !store->Get("k").ok();
  EXPECT_GT(failures, 450);
  EXPECT_LT(failures, 750);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(store->Put("p", "x").ok());
}

TEST(FaultInjectionTest, LogNormalLatencyHasTheAskedPercentiles) {
  auto base = NewMemoryObjectStore();
  RecordingClock clock;
  FaultOptions options;
  options.latency = LatencyDistribution::Fixed(absl::Milliseconds(1));
  options.put_latency = LatencyDistribution::LogNormal(absl::Milliseconds(30),
                                                       absl::Milliseconds(150));
  auto store = NewFaultInjectingObjectStore(base.get(), options, &clock);
  for (int i = 0; i < 20000; ++i) ASSERT_TRUE(store->Put("k", "v").ok());
  std::vector<absl::Duration> s = clock.sleeps;
  std::sort(s.begin(), s.end());
  double p50 = absl::ToDoubleMilliseconds(s[s.size() / 2]);
  double p99 = absl::ToDoubleMilliseconds(s[s.size() * 99 / 100]);
  EXPECT_NEAR(p50, 30, 2);
  EXPECT_NEAR(p99, 150, 15);
  clock.sleeps.clear();
  ASSERT_TRUE(store->Get("k").ok());
  ASSERT_EQ(clock.sleeps.size(), 1u);
  EXPECT_EQ(clock.sleeps[0], absl::Milliseconds(1));
}

TEST(FaultInjectionTest, UniformLatencyStaysInBounds) {
  auto base = NewMemoryObjectStore();
  RecordingClock clock;
  FaultOptions options;
  options.latency = LatencyDistribution::Uniform(absl::Milliseconds(5),
                                                 absl::Milliseconds(10));
  auto store = NewFaultInjectingObjectStore(base.get(), options, &clock);
  for (int i = 0; i < 1000; ++i) (void)store->Head("x");
  for (absl::Duration d : clock.sleeps) {
    EXPECT_GE(d, absl::Milliseconds(5));
    EXPECT_LE(d, absl::Milliseconds(10));
  }
}

// Bounds given the wrong way round are the same interval: the very same
// samples as the right way round, for the same seed.
TEST(FaultInjectionTest, UniformWithSwappedBoundsIsTheSameInterval) {
  auto base = NewMemoryObjectStore();
  RecordingClock right_clock, swapped_clock;
  FaultOptions right, swapped;
  right.latency = LatencyDistribution::Uniform(absl::Milliseconds(5),
                                               absl::Milliseconds(10));
  swapped.latency = LatencyDistribution::Uniform(absl::Milliseconds(10),
                                                 absl::Milliseconds(5));
  auto right_store =
      NewFaultInjectingObjectStore(base.get(), right, &right_clock);
  auto swapped_store =
      NewFaultInjectingObjectStore(base.get(), swapped, &swapped_clock);
  for (int i = 0; i < 100; ++i) {
    (void)right_store->Head("x");
    (void)swapped_store->Head("x");
  }
  EXPECT_EQ(swapped_clock.sleeps, right_clock.sleeps);
  for (absl::Duration d : swapped_clock.sleeps) {
    EXPECT_GE(d, absl::Milliseconds(5));
    EXPECT_LE(d, absl::Milliseconds(10));
  }
}

// A log-normal without spread is exactly the fixed median.
TEST(FaultInjectionTest, LogNormalWithoutSpreadIsFixed) {
  auto base = NewMemoryObjectStore();
  for (absl::Duration p99 : {absl::Milliseconds(30), absl::Milliseconds(10)}) {
    RecordingClock clock;
    FaultOptions options;
    options.latency =
        LatencyDistribution::LogNormal(absl::Milliseconds(30), p99);
    auto store = NewFaultInjectingObjectStore(base.get(), options, &clock);
    for (int i = 0; i < 100; ++i) (void)store->Head("x");
    ASSERT_EQ(clock.sleeps.size(), 100u);
    for (absl::Duration d : clock.sleeps) {
      EXPECT_EQ(d, absl::Milliseconds(30)) << "p99 " << p99;
    }
  }
}

TEST(FaultInjectionTest, SetOptionsRestartsTheCallCount) {
  auto base = NewMemoryObjectStore();
  FaultOptions options;
  options.fail_nth_call = 2;
  auto store = NewFaultInjectingObjectStore(base.get(), options);
  EXPECT_TRUE(store->Put("a", "1").ok());
  EXPECT_FALSE(store->Put("a", "1").ok());
  EXPECT_TRUE(store->Put("a", "1").ok());
  EXPECT_EQ(store->calls(), 3u);
  store->SetOptions(options);
  EXPECT_EQ(store->calls(), 0u);
  EXPECT_TRUE(store->Put("a", "1").ok());
  EXPECT_EQ(store->Put("a", "1").code(), absl::StatusCode::kUnavailable)
      << "the 2nd call after SetOptions must fail";
  EXPECT_EQ(store->injected_faults(), 2u);
}

// Latency is served concurrently: 8 calls of 200 ms on 8 threads take about
// 200 ms, not 1.6 s (a guard against serialising calls, not a benchmark).
TEST(FaultInjectionTest, DelaysRunConcurrently) {
  auto base = NewMemoryObjectStore();
  ASSERT_TRUE(base->Put("k", "v").ok());
  constexpr absl::Duration kLatency = absl::Milliseconds(200);
  FaultOptions options;
  options.latency = LatencyDistribution::Fixed(kLatency);
  auto store = NewFaultInjectingObjectStore(base.get(), options);
  absl::Time start = absl::Now();
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] { EXPECT_TRUE(store->Get("k").ok()); });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_LT(absl::Now() - start, 4 * kLatency);
}

}  // namespace
}  // namespace warp
