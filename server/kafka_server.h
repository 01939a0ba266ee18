// The Kafka TCP front end of warpd: a few I/O threads over one epoll, many
// connections, request frames handed to a FrameHandler, responses written
// strictly in request order per connection (pipelining), with a maximum
// request size, idle and slow-request timeouts, connection limits, and
// memory bounded by bytes: each connection and all of them together hold at
// most a budget of request bytes (from their first byte until answered) and
// unsent response bytes. A connection over its budget, or among the ones
// holding the most when the global budget runs out, stops being read until
// it drains; memory is taken only as a frame's bytes arrive, never on the
// promise of its length.
//
// Thread-safety: thread-safe; handlers may complete responses on any thread.
#ifndef WARP_SERVER_KAFKA_SERVER_H_
#define WARP_SERVER_KAFKA_SERVER_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/tls.h"

namespace warp::server {

// The counters of a server's byte budgets (see KafkaServerOptions), shared
// with the contexts of its connections so that handlers see what a
// connection may still take. Thread-safe.
struct ByteBudget {
  uint64_t max_total = 0;  // 0: no global bound
  uint64_t max_connection = INT64_MAX;
  std::atomic<int64_t> total{0};    // bytes held by all connections
  std::atomic<int64_t> holders{0};  // connections holding any

  // An even share of max_total among the connections holding any.
  int64_t FairShare() const {
    return static_cast<int64_t>(max_total) / std::max<int64_t>(1, holders.load());
  }
  // Whether the global budget has run out and a connection holding `held`
  // bytes is over its share of it.
  bool OverShare(int64_t held) const {
    return max_total > 0 && total.load() >= static_cast<int64_t>(max_total) &&
           held > FairShare();
  }
};

// What a frame handler keeps for one connection (its session). The server
// only holds it: made with the connection by KafkaServerOptions::new_context,
// dropped when the connection closes and no request of it is running.
class ConnectionContext {
 public:
  virtual ~ConnectionContext() = default;

  // Bytes the connection may still take: within its own budget, what the
  // global budget has left, or else up to an even share of it (so that a
  // connection holding little is served even when heavy ones hold the
  // rest); INT64_MAX outside a server.
  int64_t response_allowance() const {
    return budget_ == nullptr ? INT64_MAX : Allowance(budget_->total.load());
  }
  // Reserves up to `wanted` bytes of that allowance for a response being
  // built (a Fetch) and returns how many (maybe 0): they count against the
  // budgets until given back with ReleaseResponse, after the response was
  // handed to the server (which counts it from then on). Reservations made
  // at once never share the same room.
  int64_t ReserveResponse(int64_t wanted) {
    if (budget_ == nullptr) {
      reserved_ += wanted;
      return wanted;
    }
    int64_t total = budget_->total.load();
    int64_t granted;
    do {
      granted = std::min(wanted, Allowance(total));
      if (granted <= 0) return 0;
    } while (!budget_->total.compare_exchange_weak(total, total + granted));
    reserved_ += granted;
    return granted;
  }
  void ReleaseResponse(int64_t bytes) {
    if (bytes <= 0) return;
    reserved_ -= bytes;
    if (budget_ != nullptr) budget_->total -= bytes;
  }
  // Whether the connection has closed: its requests not yet started need
  // not be (those that only read).
  bool closed() const { return closed_.load(); }
  int64_t reserved() const { return reserved_.load(); }

  // For the server: its budgets, and what the connection holds besides
  // reservations.
  void AttachBudget(std::shared_ptr<ByteBudget> budget) { budget_ = std::move(budget); }
  void SetHeld(int64_t bytes) { held_.store(bytes); }
  void MarkClosed() { closed_.store(true); }

  // The subject of the client's verified TLS certificate (RFC 2253), set by
  // the server once the handshake is done, before the first request.
  void SetPeerCertificate(std::string subject) {
    absl::MutexLock lock(&peer_mu_);
    peer_certificate_ = std::move(subject);
  }
  std::optional<std::string> peer_certificate() const {
    absl::MutexLock lock(&peer_mu_);
    return peer_certificate_;
  }

 private:
  int64_t Allowance(int64_t total) const {
    int64_t held = held_.load() + reserved_.load();
    int64_t own = static_cast<int64_t>(budget_->max_connection) - held;
    if (budget_->max_total == 0) return std::max<int64_t>(0, own);
    int64_t room = static_cast<int64_t>(budget_->max_total) - total;
    int64_t share = budget_->FairShare() - held;
    return std::max<int64_t>(0, std::min(own, std::max(room, share)));
  }

  std::shared_ptr<ByteBudget> budget_;
  std::atomic<int64_t> held_{0};
  std::atomic<int64_t> reserved_{0};
  std::atomic<bool> closed_{false};
  mutable absl::Mutex peer_mu_;
  std::optional<std::string> peer_certificate_ ABSL_GUARDED_BY(peer_mu_);
};

struct KafkaServerOptions {
  std::string host = "127.0.0.1";
  int port = 9092;  // 0: any free port (see KafkaServer::port())
  int io_threads = 2;
  // Larger frames close the connection (Kafka's socket.request.max.bytes,
  // --socket_request_max_bytes).
  uint32_t max_request_bytes = 100 << 20;
  // All connections together hold at most about this many bytes of requests
  // and unsent responses (--max_request_bytes_in_flight). When it runs out,
  // the connections holding more than an even share stop being read until
  // it drains; the others (new ones, ones with small requests) go on.
  uint64_t max_bytes_in_flight = 512 << 20;
  // One connection holds at most about this many before it stops being read
  // (at least max_request_bytes, so one request of that size always fits).
  uint64_t max_connection_bytes_in_flight = 128 << 20;
  // Connections beyond these are closed at once and counted
  // (connections_refused()). 0 per address: no limit.
  int max_connections = 10000;
  int max_connections_per_ip = 0;
  // A connection with no traffic for this long is closed, and so is one
  // that has not taken any of its pending responses for this long.
  absl::Duration idle_timeout = absl::Minutes(10);
  // A request must arrive whole within this time once its first byte came
  // (time while the server itself paused reading does not count).
  absl::Duration request_timeout = absl::Seconds(30);
  // Makes the context of each new connection (see ConnectionContext); null:
  // connections have none.
  std::function<std::shared_ptr<ConnectionContext>()> new_context;
  // Null: plaintext. Else every connection speaks TLS (a client that does
  // not is closed once its handshake fails or takes longer than
  // request_timeout); the client certificate's subject, if verified, goes
  // to the connection's context.
  std::shared_ptr<TlsContext> tls;
  // The listener's name, passed on with every request ("PLAINTEXT"...).
  std::string listener = "PLAINTEXT";
  // Shared with the servers of other listeners, so that max_bytes_in_flight
  // bounds them all; null: this server's own (made from the options).
  std::shared_ptr<ByteBudget> budget;
};

// Completes one request: the encoded response frame, or nullopt for "no
// response" (acks=0 produce), or a Status to close the connection (a
// malformed request). Call exactly once, from any thread.
using Respond = std::function<void(absl::StatusOr<std::optional<std::string>>)>;

// Who a request came from.
struct ConnectionInfo {
  uint64_t id = 0;   // unique per connection (logs, metrics)
  std::string peer;  // the client's address as Kafka shows it: "/127.0.0.1"
  std::shared_ptr<ConnectionContext> context;  // null without new_context
  std::string listener;  // KafkaServerOptions::listener
};

// Called for every complete request frame (payload without the size prefix).
using FrameHandler =
    std::function<void(const ConnectionInfo& connection, std::string payload, Respond respond)>;

class KafkaServer {
 public:
  static absl::StatusOr<std::unique_ptr<KafkaServer>> Start(
      const KafkaServerOptions& options, FrameHandler handler);
  virtual ~KafkaServer() = default;

  // The port listened on.
  virtual int port() const = 0;
  // Stops accepting connections (the listener closes); existing connections
  // keep being served.
  virtual void StopAccepting() = 0;
  // Waits until every request received has been answered, up to `timeout`.
  virtual bool Drain(absl::Duration timeout) = 0;
  // Closes every connection and stops the I/O threads.
  virtual void Shutdown() = 0;
  virtual int64_t connections() const = 0;
  // Connections closed at accept by the limits, since start.
  virtual uint64_t connections_refused() const = 0;
  // Times a connection stopped being read for a budget, since start.
  virtual uint64_t reads_paused() const = 0;
  // Bytes of requests and unsent responses held now (all connections).
  virtual uint64_t bytes_in_flight() const = 0;
};

}  // namespace warp::server

#endif  // WARP_SERVER_KAFKA_SERVER_H_
