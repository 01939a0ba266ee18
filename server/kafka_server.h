// The Kafka TCP front end of warpd: a few I/O threads over one epoll, many
// connections, request frames handed to a FrameHandler, responses written
// strictly in request order per connection (pipelining), with a maximum
// request size, idle and slow-request timeouts, and back-pressure: a
// connection whose responses are not being read stops being read.
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
};

struct KafkaServerOptions {
  std::string host = "127.0.0.1";
  int port = 9092;  // 0: any free port (see KafkaServer::port())
  int io_threads = 2;
  // Larger frames close the connection (Kafka's socket.request.max.bytes).
  uint32_t max_request_bytes = 100 << 20;
  // A connection with no traffic for this long is closed.
  absl::Duration idle_timeout = absl::Minutes(10);
  // A request must arrive whole within this time once its first byte came.
  absl::Duration request_timeout = absl::Seconds(30);
  // Responses queued but unread beyond this stop reading the connection.
  uint64_t max_queued_response_bytes = 64 << 20;
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
};

}  // namespace warp::server

#endif  // WARP_SERVER_KAFKA_SERVER_H_
