#include "server/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/util/loopback.h"

namespace warp::server {
namespace {

// A connected socket to 127.0.0.1:port, or -1.
int Connect(int port) { return testing::ConnectLoopback(port, absl::Seconds(30)); }
using testing::SendAll;

// Everything the peer sends until it closes, or until `deadline` passes.
std::string ReadUntilClosed(int fd, absl::Duration deadline = absl::Seconds(5)) {
  std::string out;
  absl::Time end = absl::Now() + deadline;
  char buf[4096];
  while (absl::Now() < end) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    out.append(buf, n);
  }
  return out;
}

// One request on a new connection; the raw answer ("" when none).
std::string Exchange(int port, absl::string_view request) {
  int fd = Connect(port);
  if (fd < 0) return "";
  SendAll(fd, request);
  std::string answer = ReadUntilClosed(fd);
  close(fd);
  return answer;
}

std::string Get(int port, absl::string_view path) {
  return Exchange(port, absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: x\r\n"
                                     "Connection: close\r\n\r\n"));
}

int Status(absl::string_view answer) {
  int status = 0;
  if (!absl::StartsWith(answer, "HTTP/1.1 ") ||
      !absl::SimpleAtoi(answer.substr(9, 3), &status)) {
    return 0;
  }
  return status;
}

// Threads of this process.
int Threads() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    int n = 0;
    if (absl::StartsWith(line, "Threads:") && absl::SimpleAtoi(line.substr(8), &n)) return n;
  }
  return -1;
}

HttpServerOptions Options() {
  HttpServerOptions options;
  options.port = 0;
  options.routes["/hello"] = [](const HttpRequest& r) {
    return TextResponse(200, absl::StrCat("hello by ", r.method, "\n"));
  };
  return options;
}

std::unique_ptr<HttpServer> StartOrDie(HttpServerOptions options) {
  auto server = HttpServer::Start(std::move(options));
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

TEST(HttpServerTest, RoutesMethodsAndUnknownPaths) {
  HttpServerOptions options = Options();
  options.routes["/boom"] = [](const HttpRequest&) -> HttpResponse {
    throw std::runtime_error("handler bug");
  };
  auto server = StartOrDie(std::move(options));
  ASSERT_NE(server, nullptr);
  std::string hello = Get(server->port(), "/hello?x=1");
  EXPECT_EQ(Status(hello), 200) << hello;
  EXPECT_TRUE(absl::EndsWith(hello, "\r\n\r\nhello by GET\n")) << hello;
  EXPECT_NE(hello.find("Content-Type: text/plain"), std::string::npos) << hello;
  std::string head = Exchange(server->port(), "HEAD /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(Status(head), 200) << head;
  EXPECT_EQ(head.find("hello by"), std::string::npos) << head;
  EXPECT_EQ(Status(Get(server->port(), "/nowhere")), 404);
  std::string post = Exchange(server->port(),
                              "POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nabcde");
  EXPECT_EQ(Status(post), 405) << post;
  EXPECT_EQ(Status(Get(server->port(), "/boom")), 500);
  EXPECT_EQ(Status(Get(server->port(), "/hello")), 200);
}

TEST(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  auto server = StartOrDie(Options());
  ASSERT_NE(server, nullptr);
  int fd = Connect(server->port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
                          "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  std::string both = ReadUntilClosed(fd);
  close(fd);
  size_t first = both.find("hello by GET");
  ASSERT_NE(first, std::string::npos) << both;
  EXPECT_NE(both.find("hello by GET", first + 1), std::string::npos) << both;
}

// Slowloris: many connections that send part of a request line and stop.
// They must hold no thread, and a real request must still be answered.
TEST(HttpServerTest, SlowClientsDoNotStarveOthersOrTakeThreads) {
  HttpServerOptions options = Options();
  options.threads = 2;
  options.timeout = absl::Seconds(60);
  auto server = StartOrDie(std::move(options));
  ASSERT_NE(server, nullptr);
  int threads_before = Threads();
  std::vector<int> slow;
  for (int i = 0; i < 200; ++i) {
    int fd = Connect(server->port());
    ASSERT_GE(fd, 0) << i;
    ASSERT_TRUE(SendAll(fd, "GET /hel"));
    slow.push_back(fd);
  }
  absl::SleepFor(absl::Milliseconds(300));  // let the server take them all in
  absl::Time start = absl::Now();
  std::string answer = Get(server->port(), "/hello");
  EXPECT_EQ(Status(answer), 200) << answer;
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_LE(Threads(), threads_before + 2);
  for (int fd : slow) close(fd);
}

TEST(HttpServerTest, IdleConnectionsAreClosedAfterTheTimeout) {
  HttpServerOptions options = Options();
  options.timeout = absl::Seconds(1);
  auto server = StartOrDie(std::move(options));
  ASSERT_NE(server, nullptr);
  int partial = Connect(server->port());
  int silent = Connect(server->port());
  ASSERT_GE(partial, 0);
  ASSERT_GE(silent, 0);
  SendAll(partial, "GET /hello HTTP/1.1\r\nHo");
  absl::Time start = absl::Now();
  ReadUntilClosed(partial, absl::Seconds(10));
  ReadUntilClosed(silent, absl::Seconds(10));
  EXPECT_LT(absl::Now() - start, absl::Seconds(8));
  // Closed: a write now fails or a read sees the end.
  char c;
  EXPECT_LE(recv(partial, &c, 1, MSG_DONTWAIT), 0);
  close(partial);
  close(silent);
}

TEST(HttpServerTest, HostileRequestsGetErrorsAndTheServerLives) {
  HttpServerOptions options = Options();
  options.max_request_bytes = 16 << 10;
  auto server = StartOrDie(std::move(options));
  ASSERT_NE(server, nullptr);
  std::string huge = absl::StrCat("GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: ",
                                  std::string(64 << 10, 'a'), "\r\n\r\n");
  std::string answer = Exchange(server->port(), huge);
  // An error status, or the connection closed without one.
  EXPECT_TRUE(answer.empty() || Status(answer) >= 400) << answer.substr(0, 200);
  std::string long_path = absl::StrCat("GET /", std::string(64 << 10, 'p'), " HTTP/1.1\r\n\r\n");
  answer = Exchange(server->port(), long_path);
  EXPECT_TRUE(answer.empty() || Status(answer) >= 400) << answer.substr(0, 200);
  std::string garbage("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 15);
  answer = Exchange(server->port(), garbage);
  EXPECT_TRUE(answer.empty() || Status(answer) >= 400) << answer;
  answer = Exchange(server->port(), "GET\r\n\r\n");
  EXPECT_TRUE(answer.empty() || Status(answer) >= 400) << answer;
  answer = Exchange(server->port(), "GET /hello HTTP/9.9\r\n\r\n");
  EXPECT_TRUE(answer.empty() || Status(answer) >= 400) << answer;
  EXPECT_EQ(Status(Get(server->port(), "/hello")), 200);
}

TEST(HttpServerTest, ConnectionsBeyondTheLimitWaitForAFreeSlot) {
  HttpServerOptions options = Options();
  options.threads = 1;
  options.max_connections = 4;
  auto server = StartOrDie(std::move(options));
  ASSERT_NE(server, nullptr);
  std::vector<int> held;
  for (int i = 0; i < 4; ++i) held.push_back(Connect(server->port()));
  absl::SleepFor(absl::Milliseconds(200));
  // The fifth is left in the listen backlog: no answer while the four stay.
  int fifth = Connect(server->port());
  ASSERT_GE(fifth, 0);
  SendAll(fifth, "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(ReadUntilClosed(fifth, absl::Milliseconds(500)), "");
  for (int fd : held) close(fd);
  std::string answer = ReadUntilClosed(fifth);
  EXPECT_EQ(Status(answer), 200) << answer;
  close(fifth);
}

// The destructor waits for a handler in progress: what it uses can be
// destroyed right after.
TEST(HttpServerTest, ShutdownWaitsForTheHandlerInProgress) {
  absl::Notification entered;
  std::atomic<bool> finished{false};
  HttpServerOptions options = Options();
  options.routes["/slow"] = [&](const HttpRequest&) {
    entered.Notify();
    absl::SleepFor(absl::Milliseconds(500));
    finished = true;
    return TextResponse(200, "late\n");
  };
  auto server = StartOrDie(std::move(options));
  ASSERT_NE(server, nullptr);
  int port = server->port();
  std::thread client([port] { Get(port, "/slow"); });
  ASSERT_TRUE(entered.WaitForNotificationWithTimeout(absl::Seconds(5)));
  server.reset();
  EXPECT_TRUE(finished);
  client.join();
  // The listener is gone.
  int fd = Connect(port);
  EXPECT_LT(fd, 0);
  if (fd >= 0) close(fd);
}

TEST(HttpServerTest, BadOptionsAndBusyPortsFailClearly) {
  HttpServerOptions options = Options();
  options.host = "not-an-address";
  EXPECT_EQ(HttpServer::Start(options).status().code(), absl::StatusCode::kInvalidArgument);
  options = Options();
  options.threads = 0;
  EXPECT_EQ(HttpServer::Start(options).status().code(), absl::StatusCode::kInvalidArgument);
  auto first = StartOrDie(Options());
  ASSERT_NE(first, nullptr);
  options = Options();
  options.port = first->port();
  absl::StatusOr<std::unique_ptr<HttpServer>> second = HttpServer::Start(options);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable) << second.status();
}

}  // namespace
}  // namespace warp::server
