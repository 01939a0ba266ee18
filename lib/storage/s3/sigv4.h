// AWS Signature Version 4 (SigV4) request signing, header and query
// (presigned URL) forms.
//
// Pure: no I/O, no clock, no global state. The signing time is passed in, so
// the same inputs always give the same output. Every function here is
// thread-safe; the structs are plain values.
//
// The algorithm follows the public AWS "Signature Version 4 signing process"
// documentation and is checked against the AWS SigV4 test suite in
// tests/testdata/aws-sigv4/. S3 differs from the generic rules in two ways,
// both selected by SigningOptions (whose defaults are S3's): the path is
// neither normalized nor encoded a second time, and the payload hash is sent
// in an `x-amz-content-sha256` header.
//
// Typical S3 use:
//   HttpRequestToSign request;
//   request.method = "GET";
//   request.path = "/" + UriEncode(bucket) + "/" + UriEncodePath(key);
//   request.headers = {{"Host", host}};
//   request.payload_hash = kUnsignedPayload;
//   SigningParams params{credentials, "us-east-1", "s3", now};
//   ASSIGN_OR_RETURN(HeaderSignature signed_request,
//                    SignRequest(request, params));
//   // Send request.headers plus signed_request.headers_to_add.
#ifndef WARP_LIB_STORAGE_S3_SIGV4_H_
#define WARP_LIB_STORAGE_S3_SIGV4_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace warp::s3 {

// Ordered name/value pairs: HTTP headers, or decoded query parameters.
using HttpParams = std::vector<std::pair<std::string, std::string>>;

// The payload hash to use when the body is not hashed (S3 only).
inline constexpr absl::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

// The hex SHA-256 of the empty string: the payload hash of a request without
// a body.
inline constexpr absl::string_view kEmptyPayloadSha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// Longest validity AWS accepts for a presigned request.
inline constexpr absl::Duration kMaxPresignExpiry = absl::Hours(24 * 7);

// An AWS access key.
struct Credentials {
  // The access key id (e.g. "AKIA..."); required, non-empty.
  std::string access_key_id;
  // The secret access key; required, non-empty. Never appears in any output.
  std::string secret_access_key;
  // The session token of temporary credentials; empty when there is none.
  // When set it is sent as `x-amz-security-token` (header or query).
  std::string session_token;
};

// How to canonicalize and what to add. Defaults are those of S3.
struct SigningOptions {
  // Remove "." and ".." segments and collapse runs of '/' in the path
  // (generic AWS services). S3 uses false: object keys are taken literally.
  bool normalize_path = false;
  // Generic AWS services URI-encode the path as sent once more (a "%" on the
  // wire becomes "%25" in the canonical request). S3 uses false: the path is
  // canonicalized to be URI-encoded exactly once, whether or not the caller
  // had already encoded it.
  bool double_encode_path = false;
  // Add and sign an `x-amz-content-sha256` header carrying the payload hash
  // (S3 requires it). Header signing only; presigned requests never add it.
  bool add_content_sha256_header = true;
  // Include the session token in the signature. Some services want the token
  // added after signing; the token is then still returned to be sent, but is
  // not signed. S3 uses true.
  bool sign_session_token = true;
};

// The key derived from the secret for one day, region and service. Deriving
// it costs four HMACs; a client may keep one per day and pass it in
// SigningParams::cached_key.
struct SigningKey {
  std::string date;     // "YYYYMMDD" (UTC).
  std::string region;   // e.g. "us-east-1".
  std::string service;  // e.g. "s3".
  std::string key;      // 32 raw bytes.
};

// Everything besides the request that decides the signature.
struct SigningParams {
  Credentials credentials;
  // The region, e.g. "us-east-1"; required, non-empty, no '/'.
  std::string region;
  // The service name, e.g. "s3"; required, non-empty, no '/'.
  std::string service;
  // The signing time; its UTC date selects the key. Years 1..9999 only.
  absl::Time time;
  SigningOptions options;
  // Optional key from DeriveSigningKey(), not owned. Used only when its
  // date, region and service match this request (otherwise a fresh key is
  // derived); it must come from credentials.secret_access_key.
  const SigningKey* cached_key = nullptr;
};

// The request to sign. Only the parts that are signed are needed.
struct HttpRequestToSign {
  // The HTTP method, e.g. "GET"; required, non-empty, no whitespace.
  std::string method;
  // The path as sent on the wire, without the query ("/bucket/my%20key").
  // An empty path means "/". Build S3 paths with UriEncodePath().
  std::string path;
  // Decoded query parameters, in any order (ParseQueryString() converts a
  // raw query string). A parameter without a value has an empty value. When
  // presigning, the X-Amz-* parameters the signer adds replace caller
  // entries of the same name.
  HttpParams query;
  // Request headers, names in any case (printable ASCII without spaces or
  // ':'); must include a non-empty Host. All are signed; repeated names are
  // joined with ',' in the given order. `Authorization` is never signed, and
  // headers the signer adds itself (x-amz-date, x-amz-security-token,
  // x-amz-content-sha256) replace caller entries of the same name.
  HttpParams headers;
  // Hex SHA-256 of the body (see Sha256Hex), or kUnsignedPayload; required.
  std::string payload_hash;
};

// The result of header signing.
struct HeaderSignature {
  std::string canonical_request;
  std::string string_to_sign;
  // Lowercase hex HMAC-SHA256, 64 characters.
  std::string signature;
  // The full value of the Authorization header.
  std::string authorization;
  // Headers the caller must add to the request as sent, in this order:
  // x-amz-date, x-amz-security-token (when there is a session token),
  // x-amz-content-sha256 (when asked), Authorization (last).
  HttpParams headers_to_add;
};

// The result of query (presigned URL) signing.
struct QuerySignature {
  std::string canonical_request;
  std::string string_to_sign;
  // Lowercase hex HMAC-SHA256, 64 characters.
  std::string signature;
  // The decoded query parameters of the signed request: the caller's, then
  // X-Amz-Algorithm, -Credential, -Date, -Expires, -Security-Token (when
  // there is a session token), -SignedHeaders, and X-Amz-Signature last.
  HttpParams query;
  // The same parameters URI-encoded and joined, ready to follow the '?'.
  std::string query_string;
};

// Returns the lowercase hex spelling of `bytes` (two characters per byte).
std::string LowerHex(absl::string_view bytes);

// Returns the lowercase hex SHA-256 of `data`: the payload hash of a body.
// Returns an empty string only if OpenSSL fails (out of memory).
std::string Sha256Hex(absl::string_view data);

// Returns the raw 32-byte HMAC-SHA256 of `data` under `key` (any length).
// Returns an empty string only if OpenSSL fails (out of memory).
std::string HmacSha256(absl::string_view key, absl::string_view data);

// URI-encodes `text` the SigV4 way: every byte except the unreserved
// A-Z a-z 0-9 - . _ ~ becomes %XX with uppercase hex. '/' is kept when
// `keep_slash` is true (paths) and encoded otherwise (query names/values).
std::string UriEncode(absl::string_view text, bool keep_slash = false);

// URI-encodes an object key (or any decoded path) for use as a wire path:
// UriEncode(key, /*keep_slash=*/true).
std::string UriEncodePath(absl::string_view key);

// Decodes %XX escapes (either hex case). A '%' not followed by two hex
// digits is kept literally; '+' is kept as '+'. Never fails.
std::string UriDecode(absl::string_view text);

// Splits a raw query string ("a=1&b=%20&c") into decoded name/value pairs,
// in order. Empty pieces ("a=1&&b=2") are skipped; a piece without '=' has
// an empty value. A leading '?' is not expected. Never fails.
HttpParams ParseQueryString(absl::string_view raw_query);

// Formats `time` as the SigV4 timestamp "YYYYMMDDTHHMMSSZ" (UTC). Returns
// InvalidArgumentError for infinite times or years outside 1..9999.
absl::StatusOr<std::string> FormatAmzDate(absl::Time time);

// Derives the signing key for the UTC day of `time`, `region` and
// `service` from `secret_access_key`. Returns InvalidArgumentError for an
// empty secret, region or service, or an unusable time.
absl::StatusOr<SigningKey> DeriveSigningKey(absl::string_view secret_access_key,
                                            absl::Time time,
                                            absl::string_view region,
                                            absl::string_view service);

// Signs `request` for the Authorization header. Returns the intermediate
// values and the headers to add. Returns InvalidArgumentError when the
// request or parameters are unusable (no Host header, empty access key or
// secret, empty method, region or service, bad time, empty payload hash,
// malformed header name).
absl::StatusOr<HeaderSignature> SignRequest(const HttpRequestToSign& request,
                                            const SigningParams& params);

// Signs `request` in the query (presigned URL) form, valid for `expires_in`
// (truncated to whole seconds; 1 s to kMaxPresignExpiry). The request's headers
// are signed as given (at least Host); no header is added. Errors as for
// SignRequest, plus InvalidArgumentError for an out-of-range `expires_in`.
absl::StatusOr<QuerySignature> PresignRequest(const HttpRequestToSign& request,
                                              const SigningParams& params,
                                              absl::Duration expires_in);

}  // namespace warp::s3

#endif  // WARP_LIB_STORAGE_S3_SIGV4_H_
