#include "tests/util/s3rver.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"

namespace warp::testing {

absl::StatusOr<std::unique_ptr<S3rver>> S3rver::Start(const std::string& bucket,
                                                     bool tls) {
  const char* binary = std::getenv("WARP_S3RVER");
  if (binary == nullptr || *binary == '\0') {
    return absl::FailedPreconditionError(
        "WARP_S3RVER is not set: run the tests with scripts/test.sh, which "
        "installs s3rver and passes its path");
  }
  std::unique_ptr<S3rver> server(new S3rver());
  server->binary_ = binary;
  server->bucket_ = bucket;
  server->dir_ = NewTempDir("s3rver");
  ASSIGN_OR_RETURN(server->port_, PickFreePort());
  if (tls) {
    server->cert_file_ = server->dir_ + "/cert.pem";
    server->key_file_ = server->dir_ + "/key.pem";
    ASSIGN_OR_RETURN(
        Subprocess openssl,
        Subprocess::Start({"openssl", "req", "-x509", "-newkey", "rsa:2048",
                           "-nodes", "-keyout", server->key_file_, "-out",
                           server->cert_file_, "-days", "2", "-subj",
                           "/CN=127.0.0.1", "-addext",
                           "subjectAltName=IP:127.0.0.1"},
                          server->dir_ + ".log"));
    if (openssl.Wait(absl::Seconds(60)) != 0) {
      return absl::InternalError("openssl could not make a certificate");
    }
  }
  RETURN_IF_ERROR(server->Launch());
  return server;
}

absl::Status S3rver::Launch() {
  std::vector<std::string> argv = {
      // s3rver's continuation tokens use DES, which Node 20's
      // OpenSSL 3 offers only through the legacy provider.
      "node", "--openssl-legacy-provider", binary_, "-d", dir_, "-a",
      "127.0.0.1", "-p", absl::StrCat(port_), "-s", "--configure-bucket",
      bucket_};
  if (!cert_file_.empty()) {
    argv.insert(argv.end(), {"--key", key_file_, "--cert", cert_file_});
  }
  ASSIGN_OR_RETURN(Subprocess process, Subprocess::Start(argv, dir_ + ".log"));
  process_.emplace(std::move(process));
  absl::Status ready = WaitForPort(port_, absl::Seconds(30), *process_);
  if (!ready.ok()) {
    return absl::UnavailableError(absl::StrCat(
        "s3rver did not start (see ", dir_, ".log): ", ready.message()));
  }
  return absl::OkStatus();
}

absl::Status S3rver::Restart() {
  process_.reset();
  return Launch();
}

std::string S3rver::endpoint() const {
  return absl::StrCat(cert_file_.empty() ? "http" : "https", "://127.0.0.1:",
                      port_);
}

S3Options S3rver::StoreOptions() const {
  S3Options options;
  options.bucket = bucket_;
  options.endpoint = endpoint();
  options.region = "us-east-1";
  options.path_style = true;
  options.access_key_id = "S3RVER";
  options.secret_access_key = "S3RVER";
  options.initial_backoff = absl::Milliseconds(5);
  options.max_backoff = absl::Milliseconds(200);
  return options;
}

}  // namespace warp::testing
