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

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace warp::server {

// What a frame handler keeps for one connection (its session). The server
// only holds it: made with the connection by KafkaServerOptions::new_context,
// dropped when the connection closes and no request of it is running.
class ConnectionContext {
 public:
  virtual ~ConnectionContext() = default;

  // Bytes the connection may still be given before it is over its budget
  // (see KafkaServerOptions), kept up to date by the server: a handler that
  // builds a large response (Fetch) keeps within it.
  int64_t response_allowance() const {
    return response_allowance_.load(std::memory_order_relaxed);
  }
  void set_response_allowance(int64_t bytes) {
    response_allowance_.store(bytes, std::memory_order_relaxed);
  }

 private:
  std::atomic<int64_t> response_allowance_{INT64_MAX};
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
