#include "lib/storage/s3/s3_object_store.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <random>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "lib/base/status_macros.h"
#include "lib/http/curl_transport.h"
#include "lib/storage/s3/s3_endpoint.h"
#include "lib/storage/s3/s3_errors.h"
#include "lib/storage/s3/s3_xml.h"
#include "lib/storage/s3/sigv4.h"

namespace warp::s3 {
namespace {

constexpr size_t kDeleteBatch = 1000;  // S3's DeleteObjects limit
constexpr int kMaxListPages = 1 << 20;
constexpr double kBytesPer8MiB = 8 << 20;
// Failed keys named in the message of a partly failed DeleteObjects.
constexpr size_t kMaxFailedKeysReported = 10;

// User metadata sent with every create-only PUT: a random id of that Put, by
// which a retry that meets 412 recognises the write of its own lost attempt
// (and only that: identical bytes from another writer are a conflict).
// Internal: never part of ObjectInfo.
constexpr absl::string_view kPutIdHeader = "x-amz-meta-warp-put-id";

std::string Md5(absl::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_md5(),
                 nullptr) != 1) {
    return "";
  }
  return std::string(reinterpret_cast<char*>(digest), length);
}

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

// 128 random bits in hex, from OpenSSL's CSPRNG (thread-safe); falls back to
// std::random_device if OpenSSL cannot give them.
std::string NewPutId() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    std::random_device device;
    for (unsigned char& b : bytes) b = static_cast<unsigned char>(device());
  }
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(bytes), sizeof(bytes)));
}

absl::Time ParseHttpDate(absl::string_view text) {
  absl::Time t;
  std::string err;
  if (absl::ParseTime("%a, %d %b %Y %H:%M:%S GMT", std::string(text),
                      absl::UTCTimeZone(), &t, &err)) {
    return t;
  }
  return absl::InfinitePast();
}

std::string StripQuotes(absl::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return std::string(etag);
}

// One logical S3 operation, as the retry loop needs it.
struct Call {
  std::string operation;  // for messages: "PUT s3://bucket/key"
  std::string method;
  std::string key;
  HttpParams query;
  HttpParams headers;
  absl::string_view body;
  // Hex SHA-256 of the body, or UNSIGNED-PAYLOAD.
  std::string payload_hash = std::string(kEmptyPayloadSha256);
  // Size of the response body expected, when known in advance (a ranged
  // GET); 0 otherwise. Large bodies either way get more time.
  uint64_t expected_response_bytes = 0;
};

class S3ObjectStore final : public ObjectStore {
 public:
  S3ObjectStore(S3Options options, Endpoint endpoint, Credentials credentials,
                std::unique_ptr<http::HttpTransport> transport)
      : options_(std::move(options)),
        endpoint_(std::move(endpoint)),
        credentials_(std::move(credentials)),
        transport_(std::move(transport)),
        clock_(options_.clock ? options_.clock : Clock::Real()),
        rng_(std::random_device{}()) {}

  absl::Status Put(absl::string_view key, absl::string_view data,
                   const PutOptions& put_options) override {
    RETURN_IF_ERROR(ValidateObjectKey(key));
    Call call = MakeCall("PUT", key);
    call.body = data;
    call.headers.emplace_back("Content-Type", "application/octet-stream");
    std::string put_id;
    if (put_options.if_not_exists) {
      put_id = NewPutId();
      call.headers.emplace_back("If-None-Match", "*");
      call.headers.emplace_back(std::string(kPutIdHeader), put_id);
    }
    call.payload_hash = options_.sign_payload ? Sha256Hex(data)
                                              : std::string(kUnsignedPayload);
    int attempts = 0;
    absl::StatusOr<http::HttpResponse> response = Execute(call, &attempts);
    if (!response.ok()) return response.status();
    if (response->status / 100 == 2) return absl::OkStatus();
    absl::Status status = StatusFromResponse(call.operation, *response);
    if (status.code() == absl::StatusCode::kAlreadyExists && attempts > 1) {
      // An earlier attempt may have succeeded with its response lost: the
      // object is ours if it carries this Put's id.
      ASSIGN_OR_RETURN(bool ours, WrittenByPut(key, put_id));
      if (ours) return absl::OkStatus();
    }
    if (status.code() == absl::StatusCode::kAlreadyExists) {
      return absl::AlreadyExistsError(
          absl::StrCat("object \"", key, "\" already exists (", status.message(), ")"));
    }
    return status;
  }

  absl::StatusOr<std::string> Get(absl::string_view key,
                                  const ByteRange& range) override {
    RETURN_IF_ERROR(ValidateObjectKey(key));
    if (range.length.has_value() && *range.length == 0) {
      return absl::InvalidArgumentError("byte range of length 0");
    }
    Call call = MakeCall("GET", key);
    if (!range.IsAll()) {
      // A last byte past 2^64 - 1 is "to the end".
      std::optional<uint64_t> last = LastByteOf(range);
      std::string spec = last.has_value()
                             ? absl::StrCat("bytes=", range.offset, "-", *last)
                             : absl::StrCat("bytes=", range.offset, "-");
      call.headers.emplace_back("Range", spec);
      if (range.length.has_value()) {
        call.expected_response_bytes =
            std::min(*range.length, options_.max_response_bytes);
      }
    }
    ASSIGN_OR_RETURN(http::HttpResponse response, Execute(call, nullptr));
    if (response.status == 200) {
      // Whole object (also what a server that ignores Range sends).
      if (range.IsAll()) return std::move(response.body);
      if (range.offset >= response.body.size()) {
        return absl::OutOfRangeError(absl::StrCat(
            "range starts at ", range.offset, " of an object of ",
            response.body.size(), " bytes"));
      }
      return response.body.substr(
          range.offset, range.length.value_or(response.body.size()));
    }
    if (response.status == 206) return TrimRange(call, range, response);
    return StatusFromResponse(call.operation, response);
  }

  // The last byte of a bounded `range`, or nullopt if it has no length or
  // its last byte would be past 2^64 - 1 (both mean "to the end").
  static std::optional<uint64_t> LastByteOf(const ByteRange& range) {
    if (!range.length.has_value() || *range.length == 0 ||
        *range.length - 1 >
            std::numeric_limits<uint64_t>::max() - range.offset) {
      return std::nullopt;
    }
    return range.offset + *range.length - 1;
  }

  // Checks a 206 answer ("Content-Range: bytes <start>-<end>/<total>")
  // against the range asked for: it must start at the offset asked, stay
  // within the object, and reach the last byte asked (or the end of the
  // object, if that comes first), with a body of exactly that many bytes.
  // Some servers (s3rver for "bytes=0-0") send more than asked; the surplus
  // is cut. Anything else is DataLoss.
  static absl::StatusOr<std::string> TrimRange(const Call& call,
                                               const ByteRange& range,
                                               http::HttpResponse& response) {
    uint64_t start = 0, end = 0, total = 0;
    absl::string_view spec = response.Header("content-range");
    bool parsed = absl::ConsumePrefix(&spec, "bytes ");
    size_t dash = spec.find('-'), slash = spec.find('/');
    parsed = parsed && dash != absl::string_view::npos &&
             slash != absl::string_view::npos && dash < slash &&
             absl::SimpleAtoi(spec.substr(0, dash), &start) &&
             absl::SimpleAtoi(spec.substr(dash + 1, slash - dash - 1), &end) &&
             absl::SimpleAtoi(spec.substr(slash + 1), &total);
    // end < total also rules out end == 2^64 - 1, so end - start + 1 cannot
    // overflow.
    bool valid = parsed && start == range.offset && start <= end && end < total;
    uint64_t wanted_end = 0;
    if (valid) {
      std::optional<uint64_t> last = LastByteOf(range);
      wanted_end = last.has_value() ? std::min(*last, total - 1) : total - 1;
      valid = end >= wanted_end && response.body.size() == end - start + 1;
    }
    if (!valid) {
      return absl::DataLossError(absl::StrCat(
          call.operation, ": partial response does not match the range asked (",
          range.offset, "+",
          range.length.has_value() ? absl::StrCat(*range.length)
                                   : std::string("all"),
          "; got ", response.body.size(), " bytes, Content-Range \"",
          response.Header("content-range"), "\")"));
    }
    response.body.resize(wanted_end - start + 1);
    return std::move(response.body);
  }

  absl::StatusOr<ObjectInfo> Head(absl::string_view key) override {
    RETURN_IF_ERROR(ValidateObjectKey(key));
    ASSIGN_OR_RETURN(http::HttpResponse response, HeadResponse(key));
    ObjectInfo info;
    info.key = std::string(key);
    if (!absl::SimpleAtoi(response.Header("content-length"), &info.size)) {
      return absl::DataLossError(
          absl::StrCat("HEAD s3://", options_.bucket, "/", key,
                       ": response has no valid Content-Length"));
    }
    info.etag = StripQuotes(response.Header("etag"));
    info.last_modified = ParseHttpDate(response.Header("last-modified"));
    return info;
  }

  absl::Status Delete(absl::string_view key) override {
    RETURN_IF_ERROR(ValidateObjectKey(key));
    Call call = MakeCall("DELETE", key);
    ASSIGN_OR_RETURN(http::HttpResponse response, Execute(call, nullptr));
    if (response.status / 100 == 2) return absl::OkStatus();
    absl::Status status = StatusFromResponse(call.operation, response);
    if (status.code() == absl::StatusCode::kNotFound) return absl::OkStatus();
    return status;
  }

  absl::Status DeleteMany(absl::Span<const std::string> keys) override {
    for (const std::string& key : keys) RETURN_IF_ERROR(ValidateObjectKey(key));
    for (size_t start = 0; start < keys.size(); start += kDeleteBatch) {
      RETURN_IF_ERROR(DeleteBatch(
          keys.subspan(start, std::min(kDeleteBatch, keys.size() - start))));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<ObjectInfo>> List(
      absl::string_view prefix) override {
    RETURN_IF_ERROR(ValidateObjectKeyPrefix(prefix));
    std::vector<ObjectInfo> out;
    std::string token;
    // A server must not lead the listing in circles (a token seen before) nor
    // go back (every page's keys come after all earlier pages' keys).
    absl::flat_hash_set<std::string> seen_tokens;
    std::string greatest_key;  // of the earlier pages; "" before any key
    for (int page = 0; page < kMaxListPages; ++page) {
      Call call = MakeCall("GET", "");
      call.operation = absl::StrCat("LIST s3://", options_.bucket, "/", prefix);
      call.query = {{"list-type", "2"}, {"max-keys", "1000"}};
      if (!prefix.empty()) call.query.emplace_back("prefix", std::string(prefix));
      if (!token.empty()) call.query.emplace_back("continuation-token", token);
      ASSIGN_OR_RETURN(http::HttpResponse response, Execute(call, nullptr));
      if (response.status != 200) {
        return StatusFromResponse(call.operation, response);
      }
      absl::StatusOr<ListObjectsV2Page> parsed = ParseListObjectsV2(response.body);
      if (!parsed.ok()) {
        return absl::DataLossError(absl::StrCat(
            call.operation, ": unreadable listing: ", parsed.status().message()));
      }
      std::string page_greatest = greatest_key;
      for (S3ObjectInfo& object : parsed->objects) {
        if (!absl::StartsWith(object.key, prefix)) {
          return absl::DataLossError(
              absl::StrCat(call.operation, ": listing has key \"", object.key,
                           "\", which does not start with the prefix"));
        }
        if (page > 0 && object.key <= greatest_key) {
          return absl::DataLossError(absl::StrCat(
              call.operation, ": page ", page + 1, " of the listing has key \"",
              object.key, "\", not after \"", greatest_key,
              "\" of an earlier page"));
        }
        page_greatest = std::max(page_greatest, object.key);
        out.push_back(ObjectInfo{std::move(object.key), object.size,
                                 object.last_modified, std::move(object.etag)});
      }
      greatest_key = std::move(page_greatest);
      if (!parsed->is_truncated) {
        std::sort(out.begin(), out.end(),
                  [](const ObjectInfo& a, const ObjectInfo& b) {
                    return a.key < b.key;
                  });
        auto duplicate =
            std::adjacent_find(out.begin(), out.end(),
                               [](const ObjectInfo& a, const ObjectInfo& b) {
                                 return a.key == b.key;
                               });
        if (duplicate != out.end()) {
          return absl::DataLossError(absl::StrCat(call.operation,
                                                  ": listing has key \"",
                                                  duplicate->key, "\" twice"));
        }
        return out;
      }
      if (parsed->next_continuation_token.empty() ||
          !seen_tokens.insert(parsed->next_continuation_token).second) {
        return absl::DataLossError(absl::StrCat(
            call.operation,
            ": truncated listing without a new continuation token (page ",
            page + 1, ")"));
      }
      token = std::move(parsed->next_continuation_token);
    }
    return absl::DataLossError("listing has too many pages");
  }

  std::string Describe() const override {
    return absl::StrCat("s3://", options_.bucket, " at ", endpoint_.scheme,
                        "://", endpoint_.authority, endpoint_.base_path);
  }

 private:
  Call MakeCall(absl::string_view method, absl::string_view key) const {
    Call call;
    call.method = std::string(method);
    call.key = std::string(key);
    call.operation =
        absl::StrCat(method, " s3://", options_.bucket, "/", key);
    return call;
  }

  absl::Status DeleteBatch(absl::Span<const std::string> keys) {
    std::string body = BuildDeleteObjectsRequest(keys, /*quiet=*/true);
    Call call = MakeCall("POST", "");
    call.operation = absl::StrCat("DELETE ", keys.size(), " objects from s3://",
                                  options_.bucket);
    call.query = {{"delete", ""}};
    call.body = body;
    call.payload_hash = Sha256Hex(body);
    call.headers.emplace_back("Content-Type", "application/xml");
    call.headers.emplace_back("Content-MD5", absl::Base64Escape(Md5(body)));
    ASSIGN_OR_RETURN(http::HttpResponse response, Execute(call, nullptr));
    if (response.status != 200) {
      return StatusFromResponse(call.operation, response);
    }
    absl::StatusOr<DeleteObjectsResult> result =
        ParseDeleteObjectsResult(response.body);
    if (!result.ok()) {
      return absl::DataLossError(absl::StrCat(
          call.operation, ": unreadable result: ", result.status().message()));
    }
    return StatusOfDeleteErrors(call.operation, keys.size(), result->errors);
  }

  // The Status of a DeleteObjects result's per-key errors (NoSuchKey is no
  // error). Each S3 code maps as in StatusFromResponse; the Status takes the
  // code of the first error that is not worth retrying (AccessDenied is
  // PermissionDenied), or Unavailable if all are, and names up to
  // kMaxFailedKeysReported of the keys.
  static absl::Status StatusOfDeleteErrors(
      absl::string_view operation, size_t batch_size,
      const std::vector<DeleteObjectError>& errors) {
    std::vector<const DeleteObjectError*> failed;
    for (const DeleteObjectError& error : errors) {
      if (error.code != "NoSuchKey") failed.push_back(&error);
    }
    if (failed.empty()) return absl::OkStatus();
    const DeleteObjectError* decisive = nullptr;
    absl::StatusCode code = absl::StatusCode::kUnavailable;
    for (const DeleteObjectError* error : failed) {
      absl::StatusCode error_code =
          StatusCodeForS3Error(/*http_status=*/0, error->code);
      if (!IsRetryable(absl::Status(error_code, ""))) {
        decisive = error;
        code = error_code;
        break;
      }
    }
    if (decisive == nullptr) decisive = failed.front();
    std::string message = absl::StrCat(operation, ": ", failed.size(), " of ",
                                       batch_size, " keys not deleted: ");
    for (size_t i = 0; i < failed.size() && i < kMaxFailedKeysReported; ++i) {
      absl::StrAppend(&message, i == 0 ? "" : "; ", "\"", failed[i]->key,
                      "\": ", failed[i]->code,
                      failed[i]->message.empty() ? "" : ": ",
                      failed[i]->message);
    }
    if (failed.size() > kMaxFailedKeysReported) {
      absl::StrAppend(&message, "; and ",
                      failed.size() - kMaxFailedKeysReported, " more");
    }
    absl::Status status(code, message);
    status.SetPayload(kS3ErrorCodePayload, absl::Cord(decisive->code));
    return status;
  }

  // The 200 response to a HEAD of `key`, or the error.
  absl::StatusOr<http::HttpResponse> HeadResponse(absl::string_view key) {
    Call call = MakeCall("HEAD", key);
    ASSIGN_OR_RETURN(http::HttpResponse response, Execute(call, nullptr));
    if (response.status != 200) {
      return StatusFromResponse(call.operation, response);
    }
    return response;
  }

  // Whether object `key` was written by the create-only Put of `put_id`
  // (after that Put met 412 on a retry). The object's existence is known, so
  // any failure to read its id, NotFound included (deleted meanwhile), leaves
  // the Put's outcome unknown: Unavailable.
  absl::StatusOr<bool> WrittenByPut(absl::string_view key,
                                    absl::string_view put_id) {
    absl::StatusOr<http::HttpResponse> head = HeadResponse(key);
    if (!head.ok()) {
      return absl::UnavailableError(absl::StrCat(
          "PUT s3://", options_.bucket, "/", key,
          ": a retry met an existing object and checking whether an earlier "
          "attempt wrote it failed (",
          absl::StatusCodeToString(head.status().code()), ": ",
          head.status().message(), ")"));
    }
    return head->Header(kPutIdHeader) == put_id;
  }

  absl::StatusOr<SigningKey> KeyFor(absl::Time now) {
    absl::CivilDay day = absl::ToCivilDay(now, absl::UTCTimeZone());
    absl::MutexLock lock(&mu_);
    if (!signing_key_.has_value() || cached_day_ != day) {
      ASSIGN_OR_RETURN(SigningKey key,
                       DeriveSigningKey(credentials_.secret_access_key, now,
                                        options_.region, "s3"));
      signing_key_ = std::move(key);
      cached_day_ = day;
    }
    return *signing_key_;
  }

  absl::Duration Backoff(int attempt) {
    absl::Duration cap = std::min(options_.max_backoff,
                                  options_.initial_backoff * (1 << std::min(attempt, 20)));
    absl::MutexLock lock(&mu_);
    std::uniform_real_distribution<double> jitter(0.0, 1.0);
    return cap * jitter(rng_);
  }

  // Sends `call`, retrying what is retryable. Returns the last response
  // (any HTTP status) or the last transport error. `attempts` (optional)
  // receives the number of attempts made.
  absl::StatusOr<http::HttpResponse> Execute(const Call& call, int* attempts) {
    RequestTarget target = MakeTarget(endpoint_, options_.bucket,
                                      options_.path_style, call.key, call.query);
    // request_timeout per 8 MiB sent or expected back (at least one); a
    // response of unforeseen size extends it by its Content-Length (see
    // S3Options::request_timeout).
    uint64_t bytes =
        std::max<uint64_t>(call.body.size(), call.expected_response_bytes);
    absl::Duration timeout =
        options_.request_timeout *
        std::max(1.0, static_cast<double>(bytes) / kBytesPer8MiB);
    absl::StatusOr<http::HttpResponse> last = absl::UnknownError("no attempt made");
    const int max_attempts = options_.max_attempts;
    // What the last answer's Retry-After asked for, capped.
    absl::Duration asked = absl::ZeroDuration();
    for (int attempt = 1; attempt <= max_attempts; ++attempt) {
      if (attempts) *attempts = attempt;
      if (attempt > 1) clock_->SleepFor(std::max(Backoff(attempt - 1), asked));
      HttpRequestToSign to_sign{call.method, target.path, target.query,
                                call.headers, call.payload_hash};
      to_sign.headers.emplace_back("Host", target.host);
      absl::Time now = clock_->Now();
      ASSIGN_OR_RETURN(SigningKey key, KeyFor(now));
      SigningParams params{credentials_, options_.region, "s3", now};
      params.cached_key = &key;
      ASSIGN_OR_RETURN(HeaderSignature signature, SignRequest(to_sign, params));
      http::HttpRequest request;
      request.method = call.method;
      request.url = target.url;
      request.headers = call.headers;
      for (auto& header : signature.headers_to_add) {
        request.headers.push_back(std::move(header));
      }
      request.body = call.body;
      request.timeout = timeout;
      request.timeout_per_8mib_of_response = options_.request_timeout;
      last = transport_->Perform(request);
      absl::Status attempt_status =
          !last.ok() ? last.status()
          : last->status >= 300 && last->status != 304
              ? StatusFromResponse(call.operation, *last)
              : absl::OkStatus();
      if (attempt_status.ok() || !IsRetryable(attempt_status)) return last;
      asked = last.ok() ? std::min(RetryAfter(*last, clock_->Now())
                                       .value_or(absl::ZeroDuration()),
                                   options_.max_retry_after)
                        : absl::ZeroDuration();
      if (!last.ok()) {
        last = absl::Status(last.status().code(),
                            absl::StrCat(call.operation, " (attempt ", attempt,
                                         " of ", max_attempts, "): ",
                                         last.status().message()));
      }
    }
    return last;
  }

  const S3Options options_;
  const Endpoint endpoint_;
  const Credentials credentials_;
  const std::unique_ptr<http::HttpTransport> transport_;
  Clock* const clock_;
  absl::Mutex mu_;
  std::optional<SigningKey> signing_key_ ABSL_GUARDED_BY(mu_);
  absl::CivilDay cached_day_ ABSL_GUARDED_BY(mu_);
  std::mt19937_64 rng_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

namespace {

absl::Status ValidateOptions(const S3Options& options) {
  if (options.bucket.empty()) {
    return absl::InvalidArgumentError("S3 bucket name is empty");
  }
  auto positive = [](absl::Duration d) { return d > absl::ZeroDuration(); };
  std::string bad;
  if (!positive(options.connect_timeout)) bad = "connect_timeout must be > 0";
  if (!positive(options.request_timeout)) bad = "request_timeout must be > 0";
  if (options.low_speed_bytes <= 0) bad = "low_speed_bytes must be > 0";
  if (!positive(options.low_speed_time)) bad = "low_speed_time must be > 0";
  if (options.max_attempts < 1) bad = "max_attempts must be >= 1";
  if (options.initial_backoff < absl::ZeroDuration() ||
      options.max_backoff < absl::ZeroDuration() ||
      options.max_retry_after < absl::ZeroDuration()) {
    bad = "backoffs must be >= 0";
  }
  if (options.max_idle_connections < 0)
    bad = "max_idle_connections must be >= 0";
  if (options.max_response_bytes == 0) bad = "max_response_bytes must be > 0";
  if (!bad.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("S3 options: ", bad));
  }
  return absl::OkStatus();
}

// The explicit credentials of `options`, or, when both the access key and the
// secret are empty, those of the environment.
absl::StatusOr<Credentials> CredentialsFor(const S3Options& options) {
  Credentials credentials;
  bool has_key = !options.access_key_id.empty();
  bool has_secret = !options.secret_access_key.empty();
  if (has_key != has_secret) {
    return absl::InvalidArgumentError(absl::StrCat(
        "S3 options set ", has_key ? "access_key_id" : "secret_access_key",
        " but not ", has_key ? "secret_access_key" : "access_key_id",
        ": give both, or neither to use AWS_ACCESS_KEY_ID and "
        "AWS_SECRET_ACCESS_KEY from the environment"));
  }
  if (has_key) {
    credentials.access_key_id = options.access_key_id;
    credentials.secret_access_key = options.secret_access_key;
    credentials.session_token = options.session_token;
    return credentials;
  }
  if (!options.session_token.empty()) {
    return absl::InvalidArgumentError(
        "S3 options set session_token without access_key_id and "
        "secret_access_key");
  }
  credentials.access_key_id = Env("AWS_ACCESS_KEY_ID");
  credentials.secret_access_key = Env("AWS_SECRET_ACCESS_KEY");
  credentials.session_token = Env("AWS_SESSION_TOKEN");
  return credentials;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ObjectStore>> NewS3ObjectStore(
    const S3Options& options, std::unique_ptr<http::HttpTransport> transport) {
  RETURN_IF_ERROR(ValidateOptions(options));
  ASSIGN_OR_RETURN(Endpoint endpoint,
                   ParseEndpoint(options.endpoint, options.region));
  ASSIGN_OR_RETURN(Credentials credentials, CredentialsFor(options));
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    return absl::InvalidArgumentError(
        "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
        "(and AWS_SESSION_TOKEN for temporary credentials) or pass them as "
        "options");
  }
  return std::unique_ptr<ObjectStore>(std::make_unique<S3ObjectStore>(
      options, std::move(endpoint), std::move(credentials),
      std::move(transport)));
}

}  // namespace warp::s3

namespace warp {

absl::StatusOr<std::unique_ptr<ObjectStore>> OpenS3ObjectStore(
    const S3Options& options) {
  http::CurlTransportOptions transport;
  transport.connect_timeout = options.connect_timeout;
  transport.low_speed_bytes = options.low_speed_bytes;
  transport.low_speed_time = options.low_speed_time;
  transport.ca_file = options.ca_file;
  transport.max_idle_handles = options.max_idle_connections;
  transport.max_response_bytes = options.max_response_bytes;
  return s3::NewS3ObjectStore(options, http::NewCurlTransport(transport));
}

}  // namespace warp
