#include "tools/warpctl/connection.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/protocol/messages/api_versions_table.h"
#include "lib/protocol/messages/request_codec.h"
#include "lib/protocol/wire/frame.h"
#include "lib/protocol/wire/reader.h"
#include "lib/security/sasl/crypto.h"
#include "lib/security/sasl/mechanism.h"
#include "lib/security/sasl/scram_client.h"

namespace warp::warpctl {
namespace {

// Largest response accepted (a hostile or confused peer cannot make warpctl
// allocate more).
constexpr uint32_t kMaxResponseBytes = 256 << 20;

std::string OpenSslError() {
  unsigned long code = ERR_get_error();
  if (code == 0) return "unknown TLS error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof(buf));
  ERR_clear_error();
  return buf;
}

}  // namespace

// A socket, with TLS over it when asked; reads and writes whole buffers
// within the timeout.
struct Connection::Transport {
  int fd = -1;
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  absl::Duration timeout;

  ~Transport() {
    if (ssl != nullptr) {
      SSL_shutdown(ssl);
      SSL_free(ssl);
    }
    if (ctx != nullptr) SSL_CTX_free(ctx);
    if (fd >= 0) close(fd);
  }

  // Waits until the socket is readable (or writable) within the timeout.
  absl::Status Wait(bool write, absl::Time deadline) {
    for (;;) {
      int64_t ms = absl::ToInt64Milliseconds(deadline - absl::Now());
      if (ms <= 0) return absl::DeadlineExceededError("the server did not answer in time");
      pollfd p{fd, static_cast<short>(write ? POLLOUT : POLLIN), 0};
      int n = poll(&p, 1, static_cast<int>(std::min<int64_t>(ms, 60000)));
      if (n > 0) return absl::OkStatus();
      if (n < 0 && errno != EINTR) return absl::UnavailableError(strerror(errno));
    }
  }

  // One send or recv, through TLS when on: the bytes moved; 0 when the
  // socket was not ready (waited for, within `deadline`: try again); or why
  // it failed.
  absl::StatusOr<size_t> Move(bool write, char* buf, size_t len, absl::Time deadline) {
    len = std::min<size_t>(len, 1 << 20);
    if (ssl != nullptr) {
      int n = write ? SSL_write(ssl, buf, static_cast<int>(len))
                    : SSL_read(ssl, buf, static_cast<int>(len));
      if (n > 0) return static_cast<size_t>(n);
      int err = SSL_get_error(ssl, n);
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
        absl::Status waited = Wait(err == SSL_ERROR_WANT_WRITE, deadline);
        if (!waited.ok()) return waited;
        return 0;
      }
      if (err == SSL_ERROR_ZERO_RETURN) {
        return absl::UnavailableError("the server closed the connection");
      }
      return absl::UnavailableError(
          absl::StrCat(write ? "TLS write: " : "TLS read: ", OpenSslError()));
    }
    ssize_t n = write ? send(fd, buf, len, MSG_NOSIGNAL) : recv(fd, buf, len, 0);
    if (n > 0) return static_cast<size_t>(n);
    if (n == 0) return absl::UnavailableError("the server closed the connection");
    if (errno == EINTR) return 0;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      absl::Status waited = Wait(write, deadline);
      if (!waited.ok()) return waited;
      return 0;
    }
    return absl::UnavailableError(
        absl::StrCat(write ? "write: " : "read: ", strerror(errno)));
  }

  absl::Status WriteAll(absl::string_view data) {
    absl::Time deadline = absl::Now() + timeout;
    while (!data.empty()) {
      absl::StatusOr<size_t> n =
          Move(/*write=*/true, const_cast<char*>(data.data()), data.size(), deadline);
      if (!n.ok()) return n.status();
      data.remove_prefix(*n);
    }
    return absl::OkStatus();
  }

  absl::Status ReadExactly(char* out, size_t size, absl::Time deadline) {
    while (size > 0) {
      absl::StatusOr<size_t> n = Move(/*write=*/false, out, size, deadline);
      if (!n.ok()) return n.status();
      out += *n;
      size -= *n;
    }
    return absl::OkStatus();
  }

  // One size-prefixed frame's payload.
  absl::StatusOr<std::string> ReadFrame() {
    absl::Time deadline = absl::Now() + timeout;
    char size_bytes[4];
    absl::Status status = ReadExactly(size_bytes, 4, deadline);
    if (!status.ok()) return status;
    uint32_t size = (uint32_t{static_cast<uint8_t>(size_bytes[0])} << 24) |
                    (uint32_t{static_cast<uint8_t>(size_bytes[1])} << 16) |
                    (uint32_t{static_cast<uint8_t>(size_bytes[2])} << 8) |
                    uint32_t{static_cast<uint8_t>(size_bytes[3])};
    if (size > kMaxResponseBytes) {
      return absl::DataLossError(absl::StrCat("a response of ", size, " bytes"));
    }
    std::string payload(size, '\0');
    status = ReadExactly(payload.data(), size, deadline);
    if (!status.ok()) return status;
    return payload;
  }
};

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(const ConnectionOptions& options) {
  const std::string& protocol = options.security_protocol;
  const bool tls = protocol == "SSL" || protocol == "SASL_SSL";
  const bool sasl = protocol == "SASL_PLAINTEXT" || protocol == "SASL_SSL";
  if (!tls && !sasl && protocol != "PLAINTEXT") {
    return absl::InvalidArgumentError(absl::StrCat(
        "security protocol ", protocol, ": PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL"));
  }
  size_t colon = options.bootstrap.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("bootstrap ", options.bootstrap, " is not HOST:PORT"));
  }
  std::string host = options.bootstrap.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string port = options.bootstrap.substr(colon + 1);
  auto transport = std::make_unique<Transport>();
  transport->timeout = options.timeout;
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return absl::UnavailableError(absl::StrCat(options.bootstrap, ": ", gai_strerror(rc)));
  }
  std::string why = "no address";
  for (addrinfo* a = found; a != nullptr && transport->fd < 0; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (connect(fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
      why = strerror(errno);
      close(fd);
      continue;
    }
    transport->fd = fd;
    absl::Status ready = transport->Wait(true, absl::Now() + options.timeout);
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (!ready.ok() || err != 0) {
      why = !ready.ok() ? std::string(ready.message()) : strerror(err);
      close(fd);
      transport->fd = -1;
    }
  }
  freeaddrinfo(found);
  if (transport->fd < 0) {
    return absl::UnavailableError(absl::StrCat("cannot connect to ", options.bootstrap, ": ", why));
  }
  if (tls) {
    std::signal(SIGPIPE, SIG_IGN);  // OpenSSL writes without MSG_NOSIGNAL
    transport->ctx = SSL_CTX_new(TLS_client_method());
    if (transport->ctx == nullptr) return absl::InternalError(OpenSslError());
    SSL_CTX_set_min_proto_version(transport->ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(transport->ctx, SSL_VERIFY_PEER, nullptr);
    int loaded = options.tls_ca_file.empty()
                     ? SSL_CTX_set_default_verify_paths(transport->ctx)
                     : SSL_CTX_load_verify_locations(transport->ctx,
                                                     options.tls_ca_file.c_str(), nullptr);
    if (loaded != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("CA file ", options.tls_ca_file, ": ", OpenSslError()));
    }
    if (!options.tls_cert_file.empty() || !options.tls_key_file.empty()) {
      if (SSL_CTX_use_certificate_chain_file(transport->ctx, options.tls_cert_file.c_str()) != 1 ||
          SSL_CTX_use_PrivateKey_file(transport->ctx, options.tls_key_file.c_str(),
                                      SSL_FILETYPE_PEM) != 1) {
        return absl::InvalidArgumentError(
            absl::StrCat("client certificate ", options.tls_cert_file, ": ", OpenSslError()));
      }
    }
    transport->ssl = SSL_new(transport->ctx);
    if (transport->ssl == nullptr) return absl::InternalError(OpenSslError());
    SSL_set_fd(transport->ssl, transport->fd);
    SSL_set_tlsext_host_name(transport->ssl, host.c_str());
    // The server's certificate must name the host (or IP) connected to.
    X509_VERIFY_PARAM* param = SSL_get0_param(transport->ssl);
    if (X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) != 1) {
      SSL_set1_host(transport->ssl, host.c_str());
    }
    absl::Time deadline = absl::Now() + options.timeout;
    for (;;) {
      int rc = SSL_connect(transport->ssl);
      if (rc == 1) break;
      int err = SSL_get_error(transport->ssl, rc);
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
        absl::Status waited = transport->Wait(err == SSL_ERROR_WANT_WRITE, deadline);
        if (!waited.ok()) return waited;
        continue;
      }
      long verify = SSL_get_verify_result(transport->ssl);
      if (verify != X509_V_OK) {
        return absl::UnauthenticatedError(
            absl::StrCat("TLS: the server's certificate: ", X509_verify_cert_error_string(verify)));
      }
      return absl::UnavailableError(absl::StrCat("TLS handshake: ", OpenSslError()));
    }
  }
  std::unique_ptr<Connection> connection(new Connection(std::move(transport), options));
  // ApiVersions first (v0 is what every server answers; warp answers v3).
  absl::StatusOr<kafka::Response> versions =
      connection->CallAt(kafka::Request(kafka::ApiVersionsRequest()), 0);
  if (!versions.ok()) return versions.status();
  const auto& listed = std::get<kafka::ApiVersionsResponse>(*versions);
  if (listed.error_code != 0) {
    return absl::UnavailableError(absl::StrCat("ApiVersions: error ", listed.error_code));
  }
  for (const auto& api : listed.api_keys) {
    const kafka::ApiVersionRange* ours = kafka::FindServedApi(api.api_key);
    if (ours == nullptr) continue;
    int16_t top = std::min(api.max_version, ours->max_version);
    if (top >= std::max(api.min_version, ours->min_version)) connection->versions_[api.api_key] = top;
  }
  if (sasl) {
    absl::Status login = connection->Login();
    if (!login.ok()) return login;
  }
  return connection;
}

Connection::Connection(std::unique_ptr<Transport> transport, ConnectionOptions options)
    : transport_(std::move(transport)), options_(std::move(options)) {}

Connection::~Connection() = default;

int16_t Connection::Version(int16_t api_key) const {
  auto it = versions_.find(api_key);
  return it == versions_.end() ? -1 : it->second;
}

absl::StatusOr<kafka::Response> Connection::Call(const kafka::Request& request,
                                                 int16_t max_version) {
  int16_t key = kafka::ApiKeyOf(request);
  int16_t version = std::min(Version(key), max_version);
  if (version < 0) {
    return absl::UnimplementedError(absl::StrCat("the server does not serve API ", key));
  }
  return CallAt(request, version);
}

absl::StatusOr<kafka::Response> Connection::CallAt(const kafka::Request& request,
                                                   int16_t version) {
  kafka::RequestHeader header;
  header.api_key = kafka::ApiKeyOf(request);
  header.api_version = version;
  header.correlation_id = next_correlation_id_++;
  header.client_id = options_.client_id;
  absl::StatusOr<std::string> frame = kafka::EncodeRequestFrame(header, request);
  if (!frame.ok()) return frame.status();
  absl::Status sent = transport_->WriteAll(*frame);
  if (!sent.ok()) return sent;
  absl::StatusOr<std::string> payload = transport_->ReadFrame();
  if (!payload.ok()) return payload.status();
  kafka::Reader reader(*payload);
  kafka::ResponseHeader response_header;
  absl::Status read = kafka::ReadResponseHeader(
      reader, kafka::ResponseHeaderVersionFor(header.api_key, version), &response_header);
  if (!read.ok()) return read;
  if (response_header.correlation_id != header.correlation_id) {
    return absl::DataLossError("a response to another request");
  }
  return kafka::DecodeResponse(header.api_key, version, reader);
}

absl::Status Connection::Login() {
  const std::string& mechanism = options_.sasl_mechanism;
  kafka::SaslHandshakeRequest handshake;
  handshake.mechanism = mechanism;
  absl::StatusOr<kafka::Response> shaken = Call(kafka::Request(handshake), 1);
  if (!shaken.ok()) return shaken.status();
  const auto& hs = std::get<kafka::SaslHandshakeResponse>(*shaken);
  if (hs.error_code != 0) {
    std::string offered;
    for (const std::string& m : hs.mechanisms) absl::StrAppend(&offered, offered.empty() ? "" : ",", m);
    return absl::UnauthenticatedError(
        absl::StrCat("SASL mechanism ", mechanism, " refused (offered: ", offered, ")"));
  }
  if (Version(kafka::SaslAuthenticateRequest::kApiKey) < 0) {
    return absl::UnimplementedError("the server does not serve SaslAuthenticate");
  }
  auto step = [&](std::string token) -> absl::StatusOr<std::string> {
    kafka::SaslAuthenticateRequest req;
    req.auth_bytes = std::move(token);
    absl::StatusOr<kafka::Response> answered = Call(kafka::Request(req));
    if (!answered.ok()) return answered.status();
    const auto& resp = std::get<kafka::SaslAuthenticateResponse>(*answered);
    if (resp.error_code != 0) {
      return absl::UnauthenticatedError(absl::StrCat(
          "SASL login as ", options_.sasl_username, " failed: ", resp.error_message.value_or("")));
    }
    return resp.auth_bytes;
  };
  if (mechanism == sasl::kPlain) {
    absl::StatusOr<std::string> done = step(
        absl::StrCat(std::string(1, '\0'), options_.sasl_username, std::string(1, '\0'),
                     options_.sasl_password));
    return done.status();
  }
  std::optional<sasl::ScramMechanism> scram = sasl::ScramMechanismFromName(mechanism);
  if (!scram.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("SASL mechanism ", mechanism, ": PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512"));
  }
  absl::StatusOr<std::string> nonce_bytes = sasl::SecureRandomBytes(18);
  if (!nonce_bytes.ok()) return nonce_bytes.status();
  std::string nonce;
  for (unsigned char c : *nonce_bytes) absl::StrAppend(&nonce, absl::Hex(c, absl::kZeroPad2));
  sasl::ScramClient client(*scram, options_.sasl_username, nonce);
  absl::StatusOr<std::string> server_first = step(client.ClientFirst());
  if (!server_first.ok()) return server_first.status();
  absl::Status read = client.ReadServerFirst(*server_first);
  if (!read.ok()) return absl::UnauthenticatedError(absl::StrCat("SCRAM: ", read.message()));
  absl::StatusOr<std::string> server_final = step(client.ClientFinal(options_.sasl_password));
  if (!server_final.ok()) return server_final.status();
  return client.CheckServerFinal(*server_final);
}

}  // namespace warp::warpctl
