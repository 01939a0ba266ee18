// warpd's HTTP listener (/healthz, /readyz, /metrics, and later the shared
// read cache and the console), on GNU libmicrohttpd: a fixed pool of
// threads, each an epoll loop over its share of the connections, so idle or
// slow connections cost a socket and a little memory, never a thread.
//
// Limits: at most `max_connections` open connections (more wait in the
// kernel's listen backlog until one closes);
// a connection that sends or receives nothing for `timeout` is closed,
// whether it is reading a request, being answered, or idle between
// requests; request line and headers fit in `max_request_bytes` (beyond
// that the request gets an error answer). GET and HEAD only.
//
// Handlers run on the pool's threads: a handler that blocks holds up the
// other connections of its thread (not those of the other threads), so
// handlers should answer quickly.
//
// Thread-safety: handlers are called concurrently from the pool's threads.
// Destroying the server stops accepting, waits for every handler in
// progress to return and closes every connection: once ~HttpServer has
// returned, no handler runs or will run.
#ifndef WARP_SERVER_HTTP_SERVER_H_
#define WARP_SERVER_HTTP_SERVER_H_

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

struct MHD_Daemon;

namespace warp::server {

struct HttpRequest {
  std::string method;  // GET or HEAD
  std::string path;    // without the query string
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

// A text/plain answer.
HttpResponse TextResponse(int status, std::string body);

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpServerOptions {
  // An IPv4 address to listen on, and the port (0: any free port).
  std::string host = "127.0.0.1";
  int port = 8080;
  // Threads of the pool (--http_threads). Each serves the connections it
  // accepted; more threads let more handlers run at once.
  int threads = 2;
  // A connection with no traffic for this long is closed (--http_timeout_seconds);
  // rounded up to whole seconds.
  absl::Duration timeout = absl::Seconds(10);
  // Most open connections (--http_max_connections), divided evenly among
  // the threads; each costs a descriptor and up to `max_request_bytes` of
  // memory. Beyond it, new connections wait in the listen backlog.
  int max_connections = 1024;
  // Memory per connection for the request line, the headers and the
  // answer's headers.
  size_t max_request_bytes = 16 << 10;
  // HTTPS (--http_tls_cert_file, --http_tls_key_file): the PEM certificate
  // (and chain) and its unencrypted key, read at Start. Both or neither.
  std::string tls_cert_file;
  std::string tls_key_file;
  // Exact path to handler. Unknown paths get 404, other methods 405.
  std::map<std::string, HttpHandler> routes;
};

class HttpServer {
 public:
  // Listens and starts the pool; fails when the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(HttpServerOptions options);
  // See the header comment: stops, then waits for every handler.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The port listened on (the one chosen when options.port was 0).
  int port() const { return port_; }

  // Whether `request` has a route and an allowed method (else Answer()
  // gives 404 or 405 without running a handler).
  bool Routed(const HttpRequest& request) const;
  // The answer to one request: the route's (a handler that throws gives
  // 500), 404 or 405. Called from the pool's threads.
  HttpResponse Answer(const HttpRequest& request) const;

 private:
  std::string tls_cert_;  // PEM, for libmicrohttpd (HTTPS)
  std::string tls_key_;
  explicit HttpServer(HttpServerOptions options) : options_(std::move(options)) {}

  const HttpServerOptions options_;
  int listen_fd_ = -1;
  int port_ = 0;
  MHD_Daemon* daemon_ = nullptr;
};

}  // namespace warp::server

#endif  // WARP_SERVER_HTTP_SERVER_H_
