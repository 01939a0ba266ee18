// Failed logins from one address are slowed down after the free ones;
// others' and successful logins are not; every login is counted.
#include "server/login_throttle.h"

#include <atomic>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "lib/base/manual_clock.h"

namespace warp::server {
namespace {

TEST(LoginThrottleTest, DelaysGrowPerAddressWithinTheWindow) {
  Metrics metrics;
  ManualClock clock(absl::FromUnixSeconds(1000));
  LoginThrottleOptions options;
  options.clock = &clock;
  options.first_delay = absl::Milliseconds(20);
  options.max_delay = absl::Milliseconds(80);
  LoginThrottle throttle(&metrics, options);
  std::atomic<int> answered{0};
  auto count = [&] { ++answered; };
  for (int i = 0; i < 3; ++i) EXPECT_EQ(throttle.Failed("10.0.0.1", count), absl::ZeroDuration());
  EXPECT_EQ(answered.load(), 3);  // at once
  EXPECT_EQ(throttle.NextDelay("10.0.0.1"), absl::Milliseconds(20));
  EXPECT_EQ(throttle.Failed("10.0.0.1", count), absl::Milliseconds(20));
  EXPECT_EQ(throttle.Failed("10.0.0.1", count), absl::Milliseconds(40));
  EXPECT_EQ(throttle.Failed("10.0.0.1", count), absl::Milliseconds(80));
  EXPECT_EQ(throttle.Failed("10.0.0.1", count), absl::Milliseconds(80));  // at most
  // Another address is not slowed down.
  EXPECT_EQ(throttle.Failed("10.0.0.2", count), absl::ZeroDuration());
  // The held-back answers come.
  for (int i = 0; i < 500 && answered.load() < 8; ++i) absl::SleepFor(absl::Milliseconds(2));
  EXPECT_EQ(answered.load(), 8);
  // After the window, the address starts over.
  clock.Advance(absl::Minutes(2));
  EXPECT_EQ(throttle.NextDelay("10.0.0.1"), absl::ZeroDuration());
  throttle.Succeeded();
  EXPECT_EQ(metrics.counter("warp_sasl_authentication_failures_total").value(), 8);
  EXPECT_EQ(metrics.counter("warp_sasl_authentications_total").value(), 1);
}

TEST(LoginThrottleTest, AnswersStillWaitingAreSentAtShutdown) {
  Metrics metrics;
  LoginThrottleOptions options;
  options.free_failures = 0;
  options.first_delay = absl::Hours(1);
  options.max_delay = absl::Hours(1);
  absl::Notification answered;
  {
    LoginThrottle throttle(&metrics, options);
    EXPECT_EQ(throttle.Failed("10.0.0.1", [&] { answered.Notify(); }), absl::Hours(1));
    EXPECT_FALSE(answered.HasBeenNotified());
  }
  EXPECT_TRUE(answered.HasBeenNotified());
}

TEST(LoginThrottleTest, RemembersABoundedNumberOfAddresses) {
  Metrics metrics;
  ManualClock clock;
  LoginThrottleOptions options;
  options.max_addresses = 2;
  options.free_failures = 1;
  options.clock = &clock;
  LoginThrottle throttle(&metrics, options);
  throttle.Failed("a", [] {});
  clock.Advance(absl::Seconds(1));
  throttle.Failed("b", [] {});
  clock.Advance(absl::Seconds(1));
  throttle.Failed("c", [] {});  // forgets "a", the oldest
  EXPECT_EQ(throttle.NextDelay("a"), absl::ZeroDuration());
  EXPECT_GT(throttle.NextDelay("c"), absl::ZeroDuration());
}

}  // namespace
}  // namespace warp::server
