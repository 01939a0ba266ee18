// One client connection of the Kafka server (kafka_server.cc), its buffers
// and counters, and the two steps of reading it that need no server state:
// receiving bytes (through TLS or not) and splitting them into frames.
// Internal to the server; thread-compatible (the server holds `mu`).
#ifndef WARP_SERVER_KAFKA_CONNECTION_H_
#define WARP_SERVER_KAFKA_CONNECTION_H_

#include <sys/socket.h>
#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/kafka_server.h"
#include "server/tls.h"

namespace warp::server::internal {

// Requests of one connection read but not yet answered, at most (pipelining
// clients keep 5 to 50 in flight).
constexpr uint64_t kMaxUnansweredRequests = 512;
// Frames up to this size are staged in the connection's input buffer;
// larger ones are received into their own, which starts at this size.
constexpr size_t kStagedFrameBytes = 64 << 10;
// Most bytes taken from a socket by one recv (between budget checks).
constexpr size_t kMaxRecvBytes = 1 << 20;

struct Connection : std::enable_shared_from_this<Connection> {
  uint64_t id = 0;
  int fd = -1;
  // Held by the I/O thread reading the connection, from recv until its
  // frames are handed over: a re-armed socket read by another I/O thread
  // meanwhile cannot hand later frames over first. Taken before `mu`.
  absl::Mutex dispatch_mu;
  std::string peer;  // "/<ip>", set at accept
  std::shared_ptr<ConnectionContext> context;  // set at accept
  absl::Mutex mu;
  // Null on a plaintext listener.
  std::unique_ptr<TlsSession> tls ABSL_GUARDED_BY(mu);
  bool handshake_noted ABSL_GUARDED_BY(mu) = false;  // peer certificate passed on
  std::string in ABSL_GUARDED_BY(mu);  // bytes of small frames and headers
  // A large frame being received straight into its own buffer (no copy):
  // it is `large_size` bytes, `large_got` of them have arrived. `large`
  // starts at 64 KiB and doubles as bytes arrive, so a hostile length
  // alone never allocates much (and what it allocates is counted).
  std::string large ABSL_GUARDED_BY(mu);
  size_t large_got ABSL_GUARDED_BY(mu) = 0;
  size_t large_size ABSL_GUARDED_BY(mu) = 0;
  // Responses to send, in order; `out_sent` bytes of the first are sent.
  // Frames are moved in and sent with writev: never copied, never moved up.
  std::deque<std::string> out ABSL_GUARDED_BY(mu);
  size_t out_sent ABSL_GUARDED_BY(mu) = 0;
  uint64_t next_request ABSL_GUARDED_BY(mu) = 0;
  uint64_t next_to_send ABSL_GUARDED_BY(mu) = 0;
  // Completed responses waiting for earlier ones; nullopt = no response.
  std::map<uint64_t, std::optional<std::string>> done ABSL_GUARDED_BY(mu);
  uint64_t queued_bytes ABSL_GUARDED_BY(mu) = 0;  // responses not yet sent
  // Bytes of complete frames taken from the connection and not answered.
  uint64_t request_bytes ABSL_GUARDED_BY(mu) = 0;
  // What this connection holds in all (see Server::Account).
  uint64_t held ABSL_GUARDED_BY(mu) = 0;
  bool closed ABSL_GUARDED_BY(mu) = false;
  bool reading_paused ABSL_GUARDED_BY(mu) = false;
  // Paused for the global budget: in Server::paused_global_.
  bool paused_for_global ABSL_GUARDED_BY(mu) = false;
  // Let through the global budget until its partial frame is complete (so
  // that paused partial frames can never wait for each other forever).
  bool exempt ABSL_GUARDED_BY(mu) = false;
  absl::Time last_activity ABSL_GUARDED_BY(mu);
  absl::Time partial_since ABSL_GUARDED_BY(mu) = absl::InfiniteFuture();
  // Since when responses wait for a client that does not take them.
  absl::Time write_waiting_since ABSL_GUARDED_BY(mu) = absl::InfiniteFuture();
};

// A client's address as Kafka shows it ("/127.0.0.1", "/::1").
std::string PeerName(const sockaddr_storage& addr, socklen_t len);

// recv, or SSL_read on a TLS connection (same contract: bytes, 0 at the
// peer's close, -1 with errno). The first read after the TLS handshake
// passes the client certificate's subject to the connection's context.
ssize_t Receive(Connection& conn, char* buf, size_t len) ABSL_EXCLUSIVE_LOCKS_REQUIRED(conn.mu);

// Moves the complete frames at the start of `conn.in` to `frames` (with
// their sequence numbers) and counts their bytes. A frame too large to stage
// in `in` is then received into `conn.large` (its first bytes copied
// there). Returns false, taking nothing more, at a size over
// `max_request_bytes` or negative: the caller closes the connection.
bool SplitFrames(Connection& conn, uint32_t max_request_bytes,
                 std::vector<std::pair<uint64_t, std::string>>& frames, size_t& frame_bytes)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(conn.mu);

}  // namespace warp::server::internal

#endif  // WARP_SERVER_KAFKA_CONNECTION_H_
