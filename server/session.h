// What warpd remembers about one client connection while it is open (the
// KafkaServer's ConnectionContext). Later: SASL state, the tenant. Bounded:
// it never grows with what a client names.
//
// Thread-safety: thread-safe.
#ifndef WARP_SERVER_SESSION_H_
#define WARP_SERVER_SESSION_H_

#include <memory>
#include <set>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "server/kafka_server.h"
#include "warp/metadata.h"

namespace warp::server {

class Session final : public ConnectionContext,
                      public std::enable_shared_from_this<Session> {
 public:
  // Partitions remembered at most; beyond, the memory starts over (each
  // partition is then caught up once more, at one journal Sync per fetch).
  static constexpr size_t kMaxRemembered = 10000;

  // Whether `tp` is fetched through this connection for the first time;
  // from now on it is not. A client whose partition moved here from another
  // agent fetches it here first: the Fetch handler catches up with the
  // journal then, so that the high watermark it sees never goes back. The
  // caller asks only for partitions that exist, so that a client naming
  // made-up partitions cannot grow the session.
  bool FirstFetch(const TopicPartition& tp) {
    absl::MutexLock lock(&mu_);
    if (fetched_.size() >= kMaxRemembered && !fetched_.contains(tp)) fetched_.clear();
    return fetched_.insert(tp).second;
  }
  size_t remembered() const {
    absl::MutexLock lock(&mu_);
    return fetched_.size();
  }
  // Makes the next fetch of `tp` a first one again (the catch-up failed).
  void Forget(const TopicPartition& tp) {
    absl::MutexLock lock(&mu_);
    fetched_.erase(tp);
  }

 private:
  mutable absl::Mutex mu_;
  std::set<TopicPartition> fetched_ ABSL_GUARDED_BY(mu_);
};

}  // namespace warp::server

#endif  // WARP_SERVER_SESSION_H_
