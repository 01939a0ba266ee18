#include "server/http_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>

#include "absl/strings/str_cat.h"

namespace warp::server {
namespace {

void DeleteBody(void* body) { delete static_cast<std::string*>(body); }

// Marks a request whose headers the access handler has seen.
char headers_seen;

// libmicrohttpd's access handler: called when the request line and headers
// are in, then with each piece of the body, then once the request is
// complete. An answer given at the first call ends the connection after it
// (the rest of the request is not read): refusals are answered then, routed
// requests once complete, which keeps the connection alive for the next.
MHD_Result OnRequest(void* self, MHD_Connection* connection, const char* url,
                     const char* method, const char* /*version*/, const char* /*upload_data*/,
                     size_t* upload_data_size, void** request_state) {
  const auto* server = static_cast<const HttpServer*>(self);
  HttpRequest request{method, url};
  if (*request_state == nullptr && server->Routed(request)) {
    *request_state = &headers_seen;
    return MHD_YES;
  }
  if (*upload_data_size != 0) {  // a body on a GET: read and ignored
    *upload_data_size = 0;
    return MHD_YES;
  }
  HttpResponse answer = server->Answer(request);
  // The body moves to the heap and is freed by libmicrohttpd once sent.
  auto* body = new std::string(std::move(answer.body));
  MHD_Response* response = MHD_create_response_from_buffer_with_free_callback_cls(
      body->size(), body->data(), &DeleteBody, body);
  if (response == nullptr) {
    delete body;
    return MHD_NO;  // closes the connection
  }
  MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, answer.content_type.c_str());
  if (answer.status == MHD_HTTP_METHOD_NOT_ALLOWED) {
    MHD_add_response_header(response, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
  }
  MHD_Result queued = MHD_queue_response(connection, answer.status, response);
  MHD_destroy_response(response);
  return queued;
}

absl::Status Invalid(const char* what) {
  return absl::InvalidArgumentError(absl::StrCat("HTTP server: ", what));
}

}  // namespace

HttpResponse TextResponse(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(HttpServerOptions options) {
  if (options.threads < 1) return Invalid("threads must be at least 1");
  if (options.max_connections < options.threads) {
    return Invalid("max_connections must be at least the number of threads");
  }
  if (options.timeout <= absl::ZeroDuration()) return Invalid("timeout must be positive");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(options.port);
  if (inet_pton(AF_INET, options.host.c_str(), &addr.sin_addr) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad HTTP listen host \"", options.host, "\""));
  }
  // The socket is ours until libmicrohttpd starts on it: binding here gives
  // a clear error, and the port chosen for port 0.
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", strerror(errno)));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(fd, 128) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    absl::Status error = absl::UnavailableError(absl::StrCat(
        "cannot listen on ", options.host, ":", options.port, ": ", strerror(errno)));
    close(fd);
    return error;
  }
  // HTTPS: the files are read now, so that a bad one stops warpd at start.
  std::string cert, key;
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    close(fd);
    return absl::InvalidArgumentError("HTTPS needs both a certificate and its key");
  }
  if (!options.tls_cert_file.empty()) {
    for (auto [path, out] : {std::pair{&options.tls_cert_file, &cert},
                             std::pair{&options.tls_key_file, &key}}) {
      std::ifstream in(*path);
      if (!in) {
        close(fd);
        return absl::InvalidArgumentError(absl::StrCat("cannot read ", *path));
      }
      out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
      close(fd);
      return absl::UnimplementedError("this libmicrohttpd has no TLS");
    }
  }
  std::unique_ptr<HttpServer> server(new HttpServer(std::move(options)));
  // libmicrohttpd may keep pointers to them: they live as long as it runs.
  server->tls_cert_ = std::move(cert);
  server->tls_key_ = std::move(key);
  const std::string& cert_pem = server->tls_cert_;
  const std::string& key_pem = server->tls_key_;
  const HttpServerOptions& o = server->options_;
  server->port_ = ntohs(addr.sin_port);
  auto timeout_seconds =
      static_cast<unsigned int>(std::ceil(absl::ToDoubleSeconds(o.timeout)));
  // MHD_USE_EPOLL_INTERNAL_THREAD with a pool: every thread runs its own
  // epoll loop; none is ever given to one connection.
  if (cert_pem.empty()) {
    server->daemon_ = MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC, 0, nullptr, nullptr, &OnRequest,
        server.get(), MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_THREAD_POOL_SIZE,
        static_cast<unsigned int>(o.threads), MHD_OPTION_CONNECTION_LIMIT,
        static_cast<unsigned int>(o.max_connections), MHD_OPTION_CONNECTION_TIMEOUT,
        timeout_seconds, MHD_OPTION_CONNECTION_MEMORY_LIMIT, o.max_request_bytes,
        MHD_OPTION_END);
  } else {
    // libmicrohttpd's TLS (GnuTLS); TLS 1.2 and 1.3 only.
    server->daemon_ = MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_TLS, 0, nullptr, nullptr,
        &OnRequest, server.get(), MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_THREAD_POOL_SIZE,
        static_cast<unsigned int>(o.threads), MHD_OPTION_CONNECTION_LIMIT,
        static_cast<unsigned int>(o.max_connections), MHD_OPTION_CONNECTION_TIMEOUT,
        timeout_seconds, MHD_OPTION_CONNECTION_MEMORY_LIMIT, o.max_request_bytes,
        MHD_OPTION_HTTPS_MEM_CERT, cert_pem.c_str(), MHD_OPTION_HTTPS_MEM_KEY, key_pem.c_str(),
        MHD_OPTION_HTTPS_PRIORITIES, "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2",
        MHD_OPTION_END);
  }
  if (server->daemon_ == nullptr) {
    close(fd);
    return absl::InternalError(
        absl::StrCat("libmicrohttpd did not start on ", o.host, ":", server->port_,
                     cert_pem.empty() ? "" : " (is the certificate or key malformed?)"));
  }
  return server;
}

HttpServer::~HttpServer() {
  // Joins the pool's threads (each finishes the handler it runs), closes
  // every connection and the listening socket.
  MHD_stop_daemon(daemon_);
}

bool HttpServer::Routed(const HttpRequest& request) const {
  return options_.routes.count(request.path) != 0 &&
         (request.method == MHD_HTTP_METHOD_GET || request.method == MHD_HTTP_METHOD_HEAD);
}

HttpResponse HttpServer::Answer(const HttpRequest& request) const {
  auto route = options_.routes.find(request.path);
  if (route == options_.routes.end()) return TextResponse(MHD_HTTP_NOT_FOUND, "not found\n");
  if (!Routed(request)) return TextResponse(MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n");
  // Nothing may be thrown through libmicrohttpd's C frames.
  try {
    return route->second(request);
  } catch (...) {
    return TextResponse(MHD_HTTP_INTERNAL_SERVER_ERROR, "internal error\n");
  }
}

}  // namespace warp::server
