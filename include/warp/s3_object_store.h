// An ObjectStore over AWS S3 or any S3-compatible store (MinIO, R2, GCS
// interoperability, s3rver), through libcurl with warp's own SigV4 signer.
//
// Thread-safety: thread-safe. Each call runs on its caller's thread with a
// pooled connection (keep-alive), so N threads have N requests in flight.
//
// Retries: 5xx (but 501 Not Implemented), 429, SlowDown, RequestTimeout and
// connection errors are retried with capped exponential backoff and full
// jitter, waiting longer when a 429/500/503 answer's Retry-After asks for it
// (up to S3Options::max_retry_after). Every create-only Put sends a random id of its own as the object
// metadata `x-amz-meta-warp-put-id`; when a retry meets 412 (the key exists),
// a HEAD tells whether the object carries that id, i.e. whether an earlier
// attempt of this Put really succeeded (its response was lost): then the Put
// reports success; any other object, even one with identical bytes, is
// AlreadyExists; and if the check itself fails, Unavailable (the outcome is
// unknown). The id is internal: ObjectInfo does not show it.
#ifndef WARP_S3_OBJECT_STORE_H_
#define WARP_S3_OBJECT_STORE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "warp/clock.h"
#include "warp/object_store.h"

namespace warp {

struct S3Options {
  // The bucket name; required.
  std::string bucket;
  // The region used for signing (and the default AWS endpoint).
  std::string region = "us-east-1";
  // Base URL of the service, e.g. "http://127.0.0.1:4569". Empty means AWS:
  // https://s3.<region>.amazonaws.com.
  std::string endpoint;
  // Path-style addressing (<endpoint>/<bucket>/<key>) instead of
  // virtual-hosted (<bucket>.<endpoint host>/<key>). Most S3-compatible
  // stores want path style.
  bool path_style = false;

  // Credentials: both the access key id and the secret (and the session
  // token of temporary credentials, if any), or none of the three, which
  // means: take AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
  // AWS_SESSION_TOKEN from the environment. Setting only one of the pair, or
  // only the token, is InvalidArgument at open.
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;

  // Sign the SHA-256 of each PUT body (costs one hash pass over the data)
  // instead of sending UNSIGNED-PAYLOAD. Over plain HTTP this protects the
  // body's integrity; over HTTPS TLS already does.
  bool sign_payload = true;

  // A PEM file of CA certificates for HTTPS to a private store; empty means
  // the system's store. Certificates are always verified.
  std::string ca_file;

  // The options below are checked at open: timeouts, low_speed_bytes and
  // max_response_bytes must be positive, max_attempts at least 1, backoffs,
  // max_retry_after and max_idle_connections not negative (InvalidArgument
  // otherwise).

  // Time to establish a connection.
  absl::Duration connect_timeout = absl::Seconds(5);
  // Time for a whole attempt that moves up to 8 MiB; one that moves more
  // gets request_timeout per 8 MiB. What counts is the larger of the body
  // sent (PUT) and the body expected back: the length of a ranged GET, or,
  // for a GET of a whole object (or of a range to its end), its
  // Content-Length once the response headers arrive. The wait for the
  // response headers is always bounded by request_timeout, so a hung server
  // fails the attempt after it (then it is retried); a response can never
  // take longer than the time for max_response_bytes.
  absl::Duration request_timeout = absl::Seconds(30);
  // An attempt is abandoned when it moves fewer than low_speed_bytes per
  // second for low_speed_time (a server that stalls mid-transfer; whole
  // seconds, at least 1).
  int64_t low_speed_bytes = 1024;
  absl::Duration low_speed_time = absl::Seconds(10);

  // Attempts per call (1 = no retries), and the backoff between them.
  int max_attempts = 6;
  absl::Duration initial_backoff = absl::Milliseconds(50);
  absl::Duration max_backoff = absl::Seconds(5);
  // A 429, 500 or 503 answer with a Retry-After header (seconds or an
  // HTTP-date) makes the next attempt wait at least that long, but never
  // longer than this: a server asking for minutes holds a caller at most
  // this long per attempt. 0 ignores Retry-After.
  absl::Duration max_retry_after = absl::Seconds(20);

  // Idle connections kept for reuse.
  int max_idle_connections = 64;

  // Largest response body accepted (a GET of a larger range fails with
  // ResourceExhausted); guards against a broken server sending without end.
  // Error bodies are cut at 64 KiB whatever this says.
  uint64_t max_response_bytes = uint64_t{1} << 30;

  // Time source for signing and backoff sleeps; nullptr = the real clock.
  Clock* clock = nullptr;
};

// Opens a store over `options.bucket`. Checks options and credentials but
// does not contact the server (use Head or List to probe it).
absl::StatusOr<std::unique_ptr<ObjectStore>> OpenS3ObjectStore(
    const S3Options& options);

}  // namespace warp

#endif  // WARP_S3_OBJECT_STORE_H_
