// warpd's HTTP endpoint: /healthz (the process runs), /readyz (it serves
// Kafka), /metrics (Prometheus text). A small blocking server: a thread per
// connection, GET only, requests up to 8 KiB. Thread-safe.
#ifndef WARP_SERVER_HTTP_SERVER_H_
#define WARP_SERVER_HTTP_SERVER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"

namespace warp::server {

class HttpServer {
 public:
  struct Routes {
    std::function<bool()> ready;
    std::function<std::string()> metrics;
  };
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(const std::string& host, int port,
                                                           Routes routes);
  ~HttpServer();
  int port() const { return port_; }

 private:
  HttpServer() = default;
  void Loop();
  void Serve(int fd);

  Routes routes_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace warp::server

#endif  // WARP_SERVER_HTTP_SERVER_H_
