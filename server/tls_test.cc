// The Kafka front end over TLS with an echo handler: certificates made by the
// openssl tool at test time, a blocking OpenSSL client. Large and pipelined
// frames, mTLS and the client's subject, clients that do not speak TLS,
// certificate rotation without a restart.
#include "server/tls.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "server/kafka_server.h"
#include "tests/util/loopback.h"

namespace warp::server {
namespace {

using testing::Frame;

// Runs `command` in a shell; true if it succeeded.
bool Run(const std::string& command) {
  return std::system(("(" + command + ") >/dev/null 2>&1").c_str()) == 0;
}

// A CA, and certificates it signed, in a temporary folder.
class Pki {
 public:
  Pki() {
    char tmpl[] = "/tmp/warp-tls-XXXXXX";
    dir_ = mkdtemp(tmpl);
    ok_ = Run(absl::StrCat("cd ", dir_,
                           " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "
                           "'/CN=warp-test-ca' -keyout ca.key -out ca.pem"));
  }
  ~Pki() { Run("rm -rf " + dir_); }
  bool ok() const { return ok_; }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }

  // Makes <name>.pem and <name>.key for `subject`, signed by the CA (or
  // self-signed when `self_signed`).
  bool Issue(const std::string& name, const std::string& subject, bool self_signed = false) {
    std::string ext = path(name + ".ext");
    std::ofstream(ext) << "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
    if (self_signed) {
      return Run(absl::StrCat("cd ", dir_, " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2",
                              " -subj '", subject, "' -keyout ", name, ".key -out ", name, ".pem"));
    }
    return Run(absl::StrCat("cd ", dir_, " && openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj '",
                            subject, "' -keyout ", name, ".key -out ", name, ".csr",
                            " && openssl x509 -req -in ", name, ".csr -CA ca.pem -CAkey ca.key",
                            " -CAcreateserial -days 2 -extfile ", name, ".ext -out ", name,
                            ".pem"));
  }

 private:
  std::string dir_;
  bool ok_ = false;
};

int ConnectTcp(int port) { return testing::ConnectLoopback(port); }

// A blocking TLS client trusting the test CA.
class TlsClient {
 public:
  TlsClient(int port, const Pki& pki, const std::string& cert = "") {
    ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_load_verify_locations(ctx_, pki.path("ca.pem").c_str(), nullptr);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    if (!cert.empty()) {
      SSL_CTX_use_certificate_file(ctx_, pki.path(cert + ".pem").c_str(), SSL_FILETYPE_PEM);
      SSL_CTX_use_PrivateKey_file(ctx_, pki.path(cert + ".key").c_str(), SSL_FILETYPE_PEM);
    }
    fd_ = ConnectTcp(port);
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    SSL_set_tlsext_host_name(ssl_, "localhost");
    connected_ = fd_ >= 0 && SSL_connect(ssl_) == 1;
    ERR_clear_error();
  }
  ~TlsClient() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
    if (fd_ >= 0) close(fd_);
  }
  bool connected() const { return connected_; }
  // The subject of the server's certificate.
  std::string server_subject() const {
    X509* cert = SSL_get0_peer_certificate(ssl_);
    if (cert == nullptr) return "";
    char buf[256];
    X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof(buf));
    return buf;
  }
  bool Send(const std::string& bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
      int n = SSL_write(ssl_, bytes.data() + done, static_cast<int>(bytes.size() - done));
      if (n <= 0) return false;
      done += n;
    }
    return true;
  }
  // The next response payload; nullopt once the connection closed.
  std::optional<std::string> Receive() {
    std::optional<std::string> frame = testing::ReadFrame([this](char* buf, size_t n) {
      return static_cast<ssize_t>(SSL_read(ssl_, buf, static_cast<int>(std::min<size_t>(n, 1 << 20))));
    });
    ERR_clear_error();
    return frame;
  }

 private:
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
  bool connected_ = false;
};

// The echo server's record of the certificate subjects it saw.
struct Seen {
  absl::Mutex mu;
  std::vector<std::string> subjects;
};

class TlsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(pki_.ok()) << "openssl could not make a CA";
    ASSERT_TRUE(pki_.Issue("server", "/CN=localhost/O=warp-test"));
    ASSERT_TRUE(pki_.Issue("carol", "/O=warp-test/OU=eng/CN=carol"));
    ASSERT_TRUE(pki_.Issue("mallory", "/CN=mallory", /*self_signed=*/true));
  }

  void StartServer(TlsClientAuth auth, absl::Duration request_timeout = absl::Seconds(30)) {
    TlsOptions tls;
    tls.cert_file = pki_.path("server.pem");
    tls.key_file = pki_.path("server.key");
    tls.ca_file = pki_.path("ca.pem");
    tls.client_auth = auth;
    absl::StatusOr<std::shared_ptr<TlsContext>> context = TlsContext::Create(tls);
    ASSERT_TRUE(context.ok()) << context.status();
    context_ = *context;
    KafkaServerOptions options;
    options.port = 0;
    options.tls = context_;
    options.request_timeout = request_timeout;
    options.new_context = [] { return std::make_shared<ConnectionContext>(); };
    auto server = KafkaServer::Start(options, [this](const ConnectionInfo& c, std::string payload,
                                                     Respond respond) {
      std::optional<std::string> subject = c.context->peer_certificate();
      {
        absl::MutexLock lock(&seen_.mu);
        seen_.subjects.push_back(subject.value_or("(none)"));
      }
      respond(std::optional<std::string>(Frame(payload)));
    });
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  Pki pki_;
  std::shared_ptr<TlsContext> context_;
  Seen seen_;
  std::unique_ptr<KafkaServer> server_;
};

TEST_F(TlsServerTest, LargeAndPipelinedFramesRoundTrip) {
  StartServer(TlsClientAuth::kNone);
  TlsClient client(server_->port(), pki_);
  ASSERT_TRUE(client.connected());
  std::string large(5 << 20, 'x');
  for (size_t i = 0; i < large.size(); i += 4093) large[i] = static_cast<char>('a' + i % 26);
  std::string pipelined;
  for (int i = 0; i < 100; ++i) pipelined += Frame(absl::StrCat("small-", i));
  ASSERT_TRUE(client.Send(Frame(large) + pipelined));
  std::optional<std::string> echoed = client.Receive();
  ASSERT_TRUE(echoed.has_value());
  EXPECT_TRUE(*echoed == large);
  for (int i = 0; i < 100; ++i) {
    std::optional<std::string> small = client.Receive();
    ASSERT_TRUE(small.has_value()) << i;
    EXPECT_EQ(*small, absl::StrCat("small-", i));
  }
}

TEST_F(TlsServerTest, RequiredClientCertificatesAndTheirSubject) {
  StartServer(TlsClientAuth::kRequired);
  {
    // No certificate, or one from a CA not trusted: no connection. (With
    // TLS 1.3 the client learns it at its first read.)
    for (const std::string cert : {"", "mallory"}) {
      TlsClient client(server_->port(), pki_, cert);
      bool served = client.connected() && client.Send(Frame("hello")) &&
                    client.Receive().has_value();
      EXPECT_FALSE(served) << "client certificate \"" << cert << "\"";
    }
  }
  TlsClient carol(server_->port(), pki_, "carol");
  ASSERT_TRUE(carol.connected());
  ASSERT_TRUE(carol.Send(Frame("hello")));
  ASSERT_EQ(carol.Receive(), "hello");
  absl::MutexLock lock(&seen_.mu);
  ASSERT_EQ(seen_.subjects.size(), 1u);
  EXPECT_EQ(seen_.subjects[0], "CN=carol,OU=eng,O=warp-test");
}

TEST_F(TlsServerTest, RequestedClientCertificatesAreOptional) {
  StartServer(TlsClientAuth::kRequested);
  TlsClient anonymous(server_->port(), pki_);
  ASSERT_TRUE(anonymous.connected());
  ASSERT_TRUE(anonymous.Send(Frame("a")));
  EXPECT_EQ(anonymous.Receive(), "a");
  absl::MutexLock lock(&seen_.mu);
  EXPECT_EQ(seen_.subjects, std::vector<std::string>{"(none)"});
}

TEST_F(TlsServerTest, ClientsThatDoNotSpeakTlsAreClosed) {
  StartServer(TlsClientAuth::kNone, /*request_timeout=*/absl::Seconds(1));
  // A Kafka frame in the clear: not a TLS record.
  int plain = ConnectTcp(server_->port());
  ASSERT_GE(plain, 0);
  std::string frame = Frame(std::string("\x00\x12\x00\x03\x00\x00\x00\x01", 8));
  ASSERT_EQ(send(plain, frame.data(), frame.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(frame.size()));
  char buf[64];
  ssize_t n;
  while ((n = recv(plain, buf, sizeof(buf), 0)) > 0) {
  }  // maybe a TLS alert, then the close
  EXPECT_EQ(n, 0);
  close(plain);
  // One that never starts its handshake: closed after the request timeout.
  int silent = ConnectTcp(server_->port());
  absl::Time start = absl::Now();
  EXPECT_EQ(recv(silent, buf, sizeof(buf), 0), 0);
  EXPECT_LT(absl::Now() - start, absl::Seconds(8));
  close(silent);
  // Garbage and a truncated ClientHello.
  for (const std::string bytes : {std::string(300, '\xff'), std::string("\x16\x03\x01\x02\x00\x01", 6)}) {
    int fd = ConnectTcp(server_->port());
    send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
    }
    EXPECT_EQ(n, 0);
    close(fd);
  }
  // Others are still served.
  TlsClient client(server_->port(), pki_);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.Send(Frame("still here")));
  EXPECT_EQ(client.Receive(), "still here");
}

TEST_F(TlsServerTest, CertificatesRotateWithoutARestart) {
  StartServer(TlsClientAuth::kNone);
  TlsClient before(server_->port(), pki_);
  ASSERT_TRUE(before.connected());
  EXPECT_NE(before.server_subject().find("O=warp-test"), std::string::npos);
  EXPECT_TRUE(context_->MaybeReload().ok());
  EXPECT_EQ(context_->reloads(), 0u);  // nothing changed
  absl::SleepFor(absl::Milliseconds(20));  // a later modification time
  ASSERT_TRUE(pki_.Issue("server", "/CN=localhost/O=warp-rotated"));
  ASSERT_TRUE(context_->MaybeReload().ok());
  EXPECT_EQ(context_->reloads(), 1u);
  TlsClient after(server_->port(), pki_);
  ASSERT_TRUE(after.connected());
  EXPECT_NE(after.server_subject().find("O=warp-rotated"), std::string::npos);
  // The connection made before goes on with its session.
  ASSERT_TRUE(before.Send(Frame("old")));
  EXPECT_EQ(before.Receive(), "old");
  // A broken file keeps the certificates in use.
  std::ofstream(pki_.path("server.pem")) << "not a certificate\n";
  EXPECT_FALSE(context_->MaybeReload().ok());
  TlsClient still(server_->port(), pki_);
  EXPECT_TRUE(still.connected());
}

TEST(TlsContextTest, UnusableFilesAreNamed) {
  TlsOptions options;
  options.cert_file = "/nonexistent/cert.pem";
  options.key_file = "/nonexistent/key.pem";
  absl::StatusOr<std::shared_ptr<TlsContext>> context = TlsContext::Create(options);
  ASSERT_FALSE(context.ok());
  EXPECT_NE(context.status().message().find("/nonexistent/cert.pem"), std::string::npos);
  options.client_auth = TlsClientAuth::kRequired;
  EXPECT_FALSE(TlsContext::Create(options).ok());
  EXPECT_FALSE(ParseTlsClientAuth("sometimes").ok());
  EXPECT_EQ(*ParseTlsClientAuth("required"), TlsClientAuth::kRequired);
}

}  // namespace
}  // namespace warp::server
