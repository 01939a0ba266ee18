// Starts a real S3-compatible server (npm s3rver, installed by
// scripts/setup.sh into tools/) on loopback for a test, with one bucket.
// The test command passes its path in WARP_S3RVER. Test-only.
#ifndef WARP_TESTS_UTIL_S3RVER_H_
#define WARP_TESTS_UTIL_S3RVER_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "tests/util/subprocess.h"
#include "warp/s3_object_store.h"

namespace warp::testing {

class S3rver {
 public:
  // Starts s3rver with bucket `bucket` and waits until it serves.
  // With `tls`, serves HTTPS with a fresh self-signed certificate for
  // 127.0.0.1 (see cert_file()).
  static absl::StatusOr<std::unique_ptr<S3rver>> Start(
      const std::string& bucket = "warp-test", bool tls = false);

  // The PEM certificate of a TLS server (usable as a CA file).
  const std::string& cert_file() const { return cert_file_; }

  int port() const { return port_; }
  std::string endpoint() const;
  // Options for an S3 store on this server's bucket (path style, its
  // credentials, short retries for tests).
  S3Options StoreOptions() const;
  // Kills the server (its data folder remains) and starts it again.
  absl::Status Restart();

 private:
  S3rver() = default;
  absl::Status Launch();

  std::string binary_;
  std::string dir_;
  std::string bucket_;
  std::string cert_file_;
  std::string key_file_;
  int port_ = 0;
  std::optional<Subprocess> process_;
};

}  // namespace warp::testing

#endif  // WARP_TESTS_UTIL_S3RVER_H_
