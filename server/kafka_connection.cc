#include "server/kafka_connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

#include "absl/strings/str_cat.h"

namespace warp::server::internal {

std::string PeerName(const sockaddr_storage& addr, socklen_t len) {
  char host[INET6_ADDRSTRLEN] = {};
  if (len >= sizeof(sockaddr_in) && addr.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(addr).sin_addr, host, sizeof(host));
  } else if (len >= sizeof(sockaddr_in6) && addr.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(addr).sin6_addr, host,
              sizeof(host));
  }
  return absl::StrCat("/", host);
}

ssize_t Receive(Connection& conn, char* buf, size_t len) {
  if (conn.tls == nullptr) return recv(conn.fd, buf, len, 0);
  ssize_t n = conn.tls->Read(buf, len);
  if (!conn.handshake_noted && conn.tls->handshake_done()) {
    conn.handshake_noted = true;
    std::optional<std::string> subject = conn.tls->peer_subject();
    if (subject.has_value() && conn.context) conn.context->SetPeerCertificate(*subject);
  }
  return n;
}

bool SplitFrames(Connection& conn, uint32_t max_request_bytes,
                 std::vector<std::pair<uint64_t, std::string>>& frames, size_t& frame_bytes) {
  size_t at = 0;
  bool open = true;
  while (conn.in.size() - at >= 4) {
    uint32_t size;
    std::memcpy(&size, conn.in.data() + at, 4);
    size = ntohl(size);
    if (size > max_request_bytes || static_cast<int32_t>(size) < 0) {
      open = false;
      break;
    }
    size_t have = conn.in.size() - at - 4;
    if (have >= size) {
      frames.push_back({conn.next_request++, conn.in.substr(at + 4, size)});
      frame_bytes += size;
      conn.request_bytes += size;
      at += 4 + size;
      continue;
    }
    if (size > kStagedFrameBytes) {
      // Memory for the frame is taken as its bytes arrive (see Read).
      conn.large_size = size;
      conn.large.resize(std::min<size_t>(size, std::max(kStagedFrameBytes, have)));
      std::memcpy(conn.large.data(), conn.in.data() + at + 4, have);
      conn.large_got = have;
      at = conn.in.size();
    }
    break;
  }
  conn.in.erase(0, at);
  return open;
}

}  // namespace warp::server::internal
