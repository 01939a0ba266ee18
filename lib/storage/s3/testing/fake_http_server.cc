#include "lib/storage/s3/testing/fake_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace warp::s3::testing {

std::string FakeRequest::Header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return "";
}

FakeReply MakeReply(
    int status, const std::string& body,
    const std::vector<std::pair<std::string, std::string>>& headers) {
  std::string raw = absl::StrCat("HTTP/1.1 ", status, " Status\r\n");
  for (const auto& [k, v] : headers) absl::StrAppend(&raw, k, ": ", v, "\r\n");
  absl::StrAppend(&raw, "Content-Length: ", body.size(), "\r\n\r\n", body);
  return FakeReply{raw};
}

FakeHttpServer::FakeHttpServer(Handler handler) : handler_(std::move(handler)) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  listen(listen_fd_, 64);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

FakeHttpServer::~FakeHttpServer() {
  stopping_ = true;
  shutdown(listen_fd_, SHUT_RDWR);
  close(listen_fd_);
  acceptor_.join();
  std::vector<std::thread> workers;
  {
    absl::MutexLock lock(&mu_);
    for (int fd : open_fds_) shutdown(fd, SHUT_RDWR);
    workers.swap(workers_);
  }
  for (auto& t : workers) t.join();
}

std::string FakeHttpServer::endpoint() const {
  return absl::StrCat("http://127.0.0.1:", port_);
}

void FakeHttpServer::AcceptLoop() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    int fd = accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    absl::MutexLock lock(&mu_);
    open_fds_.push_back(fd);
    workers_.emplace_back([this, fd] { Serve(fd); });
  }
}

void FakeHttpServer::Serve(int fd) {
  std::string buffer;
  char chunk[65536];
  auto fill = [&]() {
    ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
    if (n <= 0) return false;
    buffer.append(chunk, n);
    return true;
  };
  bool open = true;
  while (open && !stopping_) {
    size_t end;
    while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) {
        open = false;
        break;
      }
    }
    if (!open) break;
    FakeRequest request;
    std::vector<std::string> lines =
        absl::StrSplit(buffer.substr(0, end), "\r\n");
    std::vector<std::string> first = absl::StrSplit(lines[0], ' ');
    if (first.size() >= 2) {
      request.method = first[0];
      request.target = first[1];
    }
    size_t content_length = 0;
    for (size_t i = 1; i < lines.size(); ++i) {
      size_t colon = lines[i].find(':');
      if (colon == std::string::npos) continue;
      std::string name = absl::AsciiStrToLower(lines[i].substr(0, colon));
      std::string value(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
      if (name == "content-length") (void)absl::SimpleAtoi(value, &content_length);
      request.headers.emplace_back(name, value);
    }
    buffer.erase(0, end + 4);
    while (buffer.size() < content_length) {
      if (!fill()) {
        open = false;
        break;
      }
    }
    if (!open) break;
    request.body = buffer.substr(0, content_length);
    buffer.erase(0, content_length);
    requests_.fetch_add(1);
    FakeReply reply = handler_(request);
    auto wait = [&](absl::Duration d) {
      absl::Time until = absl::Now() + d;
      while (!stopping_ && absl::Now() < until) {
        absl::SleepFor(absl::Milliseconds(10));
      }
    };
    auto send_all = [&](absl::string_view bytes) {
      size_t sent = 0;
      while (sent < bytes.size()) {
        ssize_t n =
            send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return false;
        sent += n;
      }
      return true;
    };
    wait(reply.delay);
    absl::string_view raw = reply.raw;
    if (reply.pause_after < raw.size()) {
      if (send_all(raw.substr(0, reply.pause_after))) {
        wait(reply.pause);
        send_all(raw.substr(reply.pause_after));
      }
    } else {
      send_all(raw);
    }
    if (reply.close) open = false;
  }
  {
    absl::MutexLock lock(&mu_);
    open_fds_.erase(std::remove(open_fds_.begin(), open_fds_.end(), fd),
                    open_fds_.end());
  }
  close(fd);
}

}  // namespace warp::s3::testing
