#include "server/tls.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"

namespace warp::server {
namespace {

// The oldest queued OpenSSL error, as text (the queue is cleared).
std::string OpenSslError() {
  unsigned long code = ERR_get_error();
  std::string text;
  if (code != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    text = buf;
  }
  ERR_clear_error();
  return text.empty() ? "unknown OpenSSL error" : text;
}

// What identifies a file's version: its modification time and size.
struct FileStamp {
  int64_t mtime_ns = -1;
  int64_t size = -1;
  bool operator==(const FileStamp&) const = default;
};

FileStamp Stamp(const std::string& path) {
  struct stat st {};
  if (path.empty() || stat(path.c_str(), &st) != 0) return {};
  return {static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec,
          static_cast<int64_t>(st.st_size)};
}

}  // namespace

absl::StatusOr<TlsClientAuth> ParseTlsClientAuth(const std::string& text) {
  if (text == "none") return TlsClientAuth::kNone;
  if (text == "requested") return TlsClientAuth::kRequested;
  if (text == "required") return TlsClientAuth::kRequired;
  return absl::InvalidArgumentError(
      absl::StrCat("--tls_client_auth must be none, requested or required, not \"", text, "\""));
}

// One load of the files: the OpenSSL context and the files' stamps.
struct TlsContext::Loaded {
  SSL_CTX* ctx = nullptr;
  std::vector<FileStamp> stamps;
  ~Loaded() { SSL_CTX_free(ctx); }
};

TlsContext::~TlsContext() = default;

absl::StatusOr<std::shared_ptr<TlsContext>> TlsContext::Create(const TlsOptions& options) {
  if (options.cert_file.empty() || options.key_file.empty()) {
    return absl::InvalidArgumentError("TLS needs --tls_cert_file and --tls_key_file");
  }
  if (options.client_auth != TlsClientAuth::kNone && options.ca_file.empty()) {
    return absl::InvalidArgumentError(
        "--tls_client_auth=requested or required needs --tls_ca_file (the CAs trusted for "
        "client certificates)");
  }
  // OpenSSL writes to its sockets without MSG_NOSIGNAL: a peer gone would
  // kill the process with SIGPIPE. Ignored, unless someone handles it.
  struct sigaction current {};
  if (sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
    signal(SIGPIPE, SIG_IGN);
  }
  std::shared_ptr<TlsContext> context(new TlsContext(options));
  absl::StatusOr<std::shared_ptr<Loaded>> loaded = context->Load();
  if (!loaded.ok()) return loaded.status();
  absl::MutexLock lock(&context->mu_);
  context->current_ = *std::move(loaded);
  return context;
}

absl::StatusOr<std::shared_ptr<TlsContext::Loaded>> TlsContext::Load() const {
  auto loaded = std::make_shared<Loaded>();
  // Stamped before reading: a file changed while being read is read again
  // at the next check.
  loaded->stamps = {Stamp(options_.cert_file), Stamp(options_.key_file),
                    Stamp(options_.ca_file)};
  ERR_clear_error();
  loaded->ctx = SSL_CTX_new(TLS_server_method());
  if (loaded->ctx == nullptr) return absl::InternalError("SSL_CTX_new: " + OpenSslError());
  SSL_CTX* ctx = loaded->ctx;
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // Writes may be partial, and a write retried with the rest of a frame
  // need not come from the same address (frames live in a deque).
  // Idle connections hold no TLS buffers (RELEASE_BUFFERS): 10,000 of them
  // would otherwise hold about 340 MB.
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                            SSL_MODE_RELEASE_BUFFERS);
  // Read ahead: one read() takes every record the socket holds (up to the
  // buffer), not a header and then a body per 16 KiB record: half the
  // syscalls, and the buffer is released once per burst, not per record.
  // Decrypted-but-unread bytes are then seen by SSL_has_pending (has_pending).
  SSL_CTX_set_read_ahead(ctx, 1);
  SSL_CTX_set_default_read_buffer_len(ctx, 64 << 10);
  if (SSL_CTX_use_certificate_chain_file(ctx, options_.cert_file.c_str()) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot use TLS certificate ", options_.cert_file, ": ", OpenSslError()));
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, options_.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot use TLS key ", options_.key_file, ": ", OpenSslError()));
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return absl::InvalidArgumentError(absl::StrCat("TLS key ", options_.key_file,
                                                   " does not match certificate ",
                                                   options_.cert_file));
  }
  if (!options_.ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, options_.ca_file.c_str(), nullptr) != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot read TLS CA file ", options_.ca_file, ": ", OpenSslError()));
    }
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(options_.ca_file.c_str());
    if (names != nullptr) SSL_CTX_set_client_CA_list(ctx, names);
  }
  int verify = SSL_VERIFY_NONE;
  if (options_.client_auth == TlsClientAuth::kRequested) verify = SSL_VERIFY_PEER;
  if (options_.client_auth == TlsClientAuth::kRequired) {
    verify = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  }
  SSL_CTX_set_verify(ctx, verify, nullptr);
  ERR_clear_error();
  return loaded;
}

absl::Status TlsContext::MaybeReload() {
  std::vector<FileStamp> now = {Stamp(options_.cert_file), Stamp(options_.key_file),
                                Stamp(options_.ca_file)};
  {
    absl::MutexLock lock(&mu_);
    if (current_ != nullptr && current_->stamps == now) return absl::OkStatus();
  }
  absl::StatusOr<std::shared_ptr<Loaded>> loaded = Load();
  absl::MutexLock lock(&mu_);
  if (!loaded.ok()) {
    // Not tried again until the files change once more.
    current_->stamps = now;
    return loaded.status();
  }
  current_ = *std::move(loaded);
  ++reloads_;
  return absl::OkStatus();
}

uint64_t TlsContext::reloads() const {
  absl::MutexLock lock(&mu_);
  return reloads_;
}

std::unique_ptr<TlsSession> TlsContext::NewSession(int fd) {
  std::shared_ptr<Loaded> loaded;
  {
    absl::MutexLock lock(&mu_);
    loaded = current_;
  }
  SSL* ssl = SSL_new(loaded->ctx);
  if (ssl == nullptr) {
    ERR_clear_error();
    return nullptr;
  }
  SSL_set_fd(ssl, fd);
  SSL_set_accept_state(ssl);
  return std::unique_ptr<TlsSession>(new TlsSession(ssl, std::move(loaded)));
}

TlsSession::~TlsSession() { SSL_free(ssl_); }

ssize_t TlsSession::Finish(int result) {
  want_write_ = false;
  if (result > 0) return result;
  int error = SSL_get_error(ssl_, result);
  switch (error) {
    case SSL_ERROR_WANT_READ:
      errno = EAGAIN;
      return -1;
    case SSL_ERROR_WANT_WRITE:
      want_write_ = true;
      errno = EAGAIN;
      return -1;
    case SSL_ERROR_ZERO_RETURN:
      ERR_clear_error();
      return 0;
    case SSL_ERROR_SYSCALL:
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        ERR_clear_error();
        return -1;
      }
      error_ = errno == 0 ? "the peer closed during TLS" : absl::StrCat("TLS: ", strerror(errno));
      if (errno == 0) {
        ERR_clear_error();
        return 0;
      }
      ERR_clear_error();
      return -1;
    default:
      error_ = absl::StrCat("TLS: ", OpenSslError());
      errno = EPROTO;
      return -1;
  }
}

ssize_t TlsSession::Read(char* buf, size_t len) {
  ERR_clear_error();
  errno = 0;
  return Finish(SSL_read(ssl_, buf, static_cast<int>(std::min<size_t>(len, 1 << 30))));
}

ssize_t TlsSession::Write(const char* buf, size_t len) {
  if (len == 0) return 0;
  ERR_clear_error();
  errno = 0;
  return Finish(SSL_write(ssl_, buf, static_cast<int>(std::min<size_t>(len, 1 << 30))));
}

bool TlsSession::has_pending() const { return SSL_has_pending(ssl_) == 1; }

bool TlsSession::handshake_done() const { return SSL_is_init_finished(ssl_) == 1; }

std::optional<std::string> TlsSession::peer_subject() const {
  if (!handshake_done()) return std::nullopt;
  X509* cert = SSL_get0_peer_certificate(ssl_);
  if (cert == nullptr || SSL_get_verify_result(ssl_) != X509_V_OK) return std::nullopt;
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return std::nullopt;
  // RFC 2253: most specific first, comma-separated, escaped, UTF-8.
  X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0,
                     XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  std::string subject(data, size > 0 ? static_cast<size_t>(size) : 0);
  BIO_free(bio);
  return subject;
}

}  // namespace warp::server
