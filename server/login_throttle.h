// Slows down repeated failed SASL logins from one address, so that guessing
// passwords costs time: the first `free_failures` failures within `window`
// are answered at once; each later one waits, from `first_delay` doubling up
// to `max_delay`, before its answer (and the close that follows) is sent.
// The wait holds no thread: answers are sent by one timer thread.
// Successful logins are never delayed. Also counts logins in /metrics
// (warp_sasl_authentications_total, warp_sasl_authentication_failures_total),
// so that every path that ends a login goes through here.
//
// Bounded: at most `max_addresses` addresses are remembered (the oldest
// failure is forgotten first).
//
// Thread-safety: thread-safe.
#ifndef WARP_SERVER_LOGIN_THROTTLE_H_
#define WARP_SERVER_LOGIN_THROTTLE_H_

#include <functional>
#include <map>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/metrics.h"
#include "warp/clock.h"

namespace warp::server {

struct LoginThrottleOptions {
  int free_failures = 3;
  absl::Duration window = absl::Minutes(1);
  absl::Duration first_delay = absl::Milliseconds(250);
  absl::Duration max_delay = absl::Seconds(5);
  size_t max_addresses = 10000;
  Clock* clock = nullptr;  // nullptr: the real clock
};

class LoginThrottle {
 public:
  LoginThrottle(Metrics* metrics, LoginThrottleOptions options = {});
  ~LoginThrottle();  // sends what is still waiting, at once

  // A login from `address` succeeded.
  void Succeeded();
  // A login from `address` failed: `answer` runs now or after the delay the
  // address has earned. Returns that delay.
  absl::Duration Failed(const std::string& address, std::function<void()> answer);

  // The delay the next failure from `address` would get (tests).
  absl::Duration NextDelay(const std::string& address);

 private:
  struct Address {
    int failures = 0;
    absl::Time first;  // of the window
  };
  absl::Duration DelayLocked(Address& a, absl::Time now, bool count)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Run();

  Metrics* const metrics_;
  const LoginThrottleOptions options_;
  Clock* const clock_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Address> addresses_ ABSL_GUARDED_BY(mu_);
  std::multimap<absl::Time, std::function<void()>> waiting_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace warp::server

#endif  // WARP_SERVER_LOGIN_THROTTLE_H_
