#include "warp/fault_injection.h"

#include <algorithm>
#include <vector>

#include "lib/storage/testing/object_store_conformance.h"
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

}  // namespace
}  // namespace warp
