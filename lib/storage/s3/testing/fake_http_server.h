// A tiny scripted HTTP/1.1 server on 127.0.0.1 for testing the S3 client
// against bad servers: garbage or truncated bodies, errors, stalls, dropped
// connections. Each request is answered by a handler that returns the raw
// bytes to send. Test-only; thread-safe.
#ifndef WARP_LIB_STORAGE_S3_TESTING_FAKE_HTTP_SERVER_H_
#define WARP_LIB_STORAGE_S3_TESTING_FAKE_HTTP_SERVER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace warp::s3::testing {

struct FakeRequest {
  std::string method;
  std::string target;  // path and query as sent
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercased
  std::string body;

  std::string Header(const std::string& name) const;
};

struct FakeReply {
  // Bytes written to the socket (status line, headers, body), possibly
  // malformed on purpose.
  std::string raw;
  // Wait this long before writing anything (a stalled server).
  absl::Duration delay = absl::ZeroDuration();
  // Write the first `pause_after` bytes of `raw`, wait `pause`, then write
  // the rest (a server that stalls mid-response).
  size_t pause_after = std::string::npos;
  absl::Duration pause = absl::ZeroDuration();
  // Close the connection after writing (or without writing, if raw is empty).
  bool close = false;
};

// A well-formed response with Content-Length.
FakeReply MakeReply(int status, const std::string& body,
                    const std::vector<std::pair<std::string, std::string>>&
                        headers = {});

class FakeHttpServer {
 public:
  using Handler = std::function<FakeReply(const FakeRequest&)>;

  explicit FakeHttpServer(Handler handler);
  ~FakeHttpServer();

  int port() const { return port_; }
  std::string endpoint() const;
  int requests() const { return requests_.load(); }

 private:
  void AcceptLoop();
  void Serve(int fd);

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> requests_{0};
  std::thread acceptor_;
  absl::Mutex mu_;
  std::vector<std::thread> workers_ ABSL_GUARDED_BY(mu_);
  std::vector<int> open_fds_ ABSL_GUARDED_BY(mu_);
};

}  // namespace warp::s3::testing

#endif  // WARP_LIB_STORAGE_S3_TESTING_FAKE_HTTP_SERVER_H_
