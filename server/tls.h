// TLS for warpd's listeners, over OpenSSL: a server context made from PEM
// files (TLS 1.2 and 1.3 only) that reloads them when they change, so that
// certificates rotate without a restart, and non-blocking sessions over
// accepted sockets for the epoll server.
//
// Thread-safety: TlsContext is thread-safe. A TlsSession is used by one
// thread at a time (the server holds its connection's lock).
#ifndef WARP_SERVER_TLS_H_
#define WARP_SERVER_TLS_H_

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

struct ssl_st;  // OpenSSL's SSL

namespace warp::server {

enum class TlsClientAuth {
  kNone,       // no client certificate asked for
  kRequested,  // asked for; a client without one is let in (anonymous)
  kRequired,   // mTLS: a client without a trusted certificate is refused
};

// Parses "none", "requested" or "required" (--tls_client_auth).
absl::StatusOr<TlsClientAuth> ParseTlsClientAuth(const std::string& text);

struct TlsOptions {
  std::string cert_file;  // PEM: the certificate, then its chain
  std::string key_file;   // PEM private key (unencrypted)
  std::string ca_file;    // PEM: CAs trusted for client certificates
  TlsClientAuth client_auth = TlsClientAuth::kNone;
};

class TlsSession;

class TlsContext {
 public:
  // Fails with a message naming the file when one cannot be read or the key
  // does not match the certificate. Sets SIGPIPE to be ignored if it was at
  // its default (OpenSSL writes to sockets without MSG_NOSIGNAL).
  static absl::StatusOr<std::shared_ptr<TlsContext>> Create(const TlsOptions& options);
  ~TlsContext();

  // Loads the files again if any changed (modification time or size) since
  // the last load; new sessions use them, open ones keep theirs. A failed
  // reload keeps the current certificates and returns why.
  absl::Status MaybeReload();
  // Times the files were loaded again, since creation.
  uint64_t reloads() const;

  // A server session over the accepted socket `fd` (not owned).
  std::unique_ptr<TlsSession> NewSession(int fd);

 private:
  struct Loaded;
  explicit TlsContext(const TlsOptions& options) : options_(options) {}
  absl::StatusOr<std::shared_ptr<Loaded>> Load() const;

  const TlsOptions options_;
  mutable absl::Mutex mu_;
  std::shared_ptr<Loaded> current_ ABSL_GUARDED_BY(mu_);
  uint64_t reloads_ ABSL_GUARDED_BY(mu_) = 0;
};

// One connection's TLS, non-blocking: the handshake happens within the
// first reads and writes. Read and Write return the bytes moved (> 0), 0
// when the peer closed, or -1 with errno EAGAIN when they would block (then
// want_write() tells whether it waits for the socket to be writable rather
// than readable) or another errno when the connection failed (error() says
// why, for logs: never data).
class TlsSession {
 public:
  ~TlsSession();
  ssize_t Read(char* buf, size_t len);
  ssize_t Write(const char* buf, size_t len);
  bool want_write() const { return want_write_; }
  // Decrypted bytes waiting in the session (not in the socket any more).
  bool has_pending() const;
  bool handshake_done() const;
  // The subject of the client's verified certificate as RFC 2253 gives it
  // ("CN=carol,OU=eng,O=acme", as Kafka's X500Principal.getName()), once
  // the handshake is done; nullopt without one.
  std::optional<std::string> peer_subject() const;
  const std::string& error() const { return error_; }

 private:
  friend class TlsContext;
  TlsSession(ssl_st* ssl, std::shared_ptr<const void> keep)
      : ssl_(ssl), keep_(std::move(keep)) {}
  // Maps an SSL_read/SSL_write result to the contract above.
  ssize_t Finish(int result);

  ssl_st* const ssl_;
  std::shared_ptr<const void> keep_;  // the context load this session uses
  bool want_write_ = false;
  std::string error_;
};

}  // namespace warp::server

#endif  // WARP_SERVER_TLS_H_
