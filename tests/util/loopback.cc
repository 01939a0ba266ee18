#include "tests/util/loopback.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace warp::testing {

int ConnectLoopback(int port, absl::Duration timeout) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  timeval tv = absl::ToTimeval(timeout);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  return fd;
}

bool SendAll(int fd, absl::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(n);
  }
  return true;
}

std::string ReadExactly(const std::function<ssize_t(char*, size_t)>& read, size_t n) {
  std::string out(n, '\0');
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(out.data() + got, n - got);
    if (r <= 0) break;
    got += r;
  }
  out.resize(got);
  return out;
}

std::optional<std::string> ReadFrame(const std::function<ssize_t(char*, size_t)>& read) {
  std::string header = ReadExactly(read, 4);
  if (header.size() != 4) return std::nullopt;
  uint32_t size;
  std::memcpy(&size, header.data(), 4);
  size = ntohl(size);
  std::string payload = ReadExactly(read, size);
  if (payload.size() != size) return std::nullopt;
  return payload;
}

std::optional<std::string> ReadFrame(int fd) {
  return ReadFrame([fd](char* buf, size_t n) { return recv(fd, buf, n, 0); });
}

std::string Frame(absl::string_view payload) {
  uint32_t size = htonl(static_cast<uint32_t>(payload.size()));
  std::string out(reinterpret_cast<const char*>(&size), 4);
  out.append(payload.data(), payload.size());
  return out;
}

}  // namespace warp::testing
