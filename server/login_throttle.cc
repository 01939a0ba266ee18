#include "server/login_throttle.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace warp::server {

LoginThrottle::LoginThrottle(Metrics* metrics, LoginThrottleOptions options)
    : metrics_(metrics),
      options_(std::move(options)),
      clock_(options_.clock != nullptr ? options_.clock : Clock::Real()) {
  metrics_->counter("warp_sasl_authentications_total");
  metrics_->counter("warp_sasl_authentication_failures_total");
  thread_ = std::thread([this] { Run(); });
}

LoginThrottle::~LoginThrottle() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

void LoginThrottle::Succeeded() {
  metrics_->counter("warp_sasl_authentications_total").Increment();
}

absl::Duration LoginThrottle::DelayLocked(Address& a, absl::Time now, bool count) {
  if (a.failures == 0 || now - a.first > options_.window) {
    a.failures = 0;
    a.first = now;
  }
  int failures = a.failures + (count ? 1 : 0);
  if (count) a.failures = failures;
  int beyond = (count ? failures : failures + 1) - options_.free_failures;
  if (beyond <= 0) return absl::ZeroDuration();
  absl::Duration delay = options_.first_delay;
  for (int i = 1; i < beyond && delay < options_.max_delay; ++i) delay *= 2;
  return std::min(delay, options_.max_delay);
}

absl::Duration LoginThrottle::Failed(const std::string& address, std::function<void()> answer) {
  metrics_->counter("warp_sasl_authentication_failures_total").Increment();
  absl::Duration delay;
  {
    absl::MutexLock lock(&mu_);
    absl::Time now = clock_->Now();
    if (!addresses_.contains(address) && addresses_.size() >= options_.max_addresses) {
      auto oldest = std::min_element(addresses_.begin(), addresses_.end(),
                                     [](const auto& x, const auto& y) {
                                       return x.second.first < y.second.first;
                                     });
      addresses_.erase(oldest);
    }
    delay = DelayLocked(addresses_[address], now, /*count=*/true);
    if (delay > absl::ZeroDuration() && !stopping_) {
      waiting_.emplace(absl::Now() + delay, std::move(answer));
      return delay;
    }
  }
  answer();
  return delay;
}

absl::Duration LoginThrottle::NextDelay(const std::string& address) {
  absl::MutexLock lock(&mu_);
  auto it = addresses_.find(address);
  if (it == addresses_.end()) return absl::ZeroDuration();
  Address copy = it->second;
  return DelayLocked(copy, clock_->Now(), /*count=*/false);
}

void LoginThrottle::Run() {
  for (;;) {
    std::vector<std::function<void()>> due;
    {
      absl::MutexLock lock(&mu_);
      // Until the earliest answer is due, or an earlier one comes.
      const absl::Time until =
          waiting_.empty() ? absl::InfiniteFuture() : waiting_.begin()->first;
      auto changed = [this, until]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || (!waiting_.empty() && waiting_.begin()->first < until);
      };
      mu_.AwaitWithDeadline(absl::Condition(&changed), until);
      absl::Time now = absl::Now();
      while (!waiting_.empty() && (stopping_ || waiting_.begin()->first <= now)) {
        due.push_back(std::move(waiting_.begin()->second));
        waiting_.erase(waiting_.begin());
      }
      if (stopping_ && due.empty()) return;
    }
    for (auto& answer : due) answer();
  }
}

}  // namespace warp::server
