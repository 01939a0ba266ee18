#include "lib/storage/s3/s3_object_store.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdlib>
#include <random>

#include "absl/base/thread_annotations.h"
#include "absl/strings/escaping.h"
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

std::string Md5(absl::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_md5(),
                 nullptr) != 1) {
    return "";
  }
  return std::string(reinterpret_cast<char*>(digest), length);
}

std::string EnvOr(const char* name, const std::string& fallback) {
  if (!fallback.empty()) return fallback;
  const char* value = std::getenv(name);
  return value ? value : "";
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
    if (put_options.if_not_exists) call.headers.emplace_back("If-None-Match", "*");
    call.payload_hash = options_.sign_payload ? Sha256Hex(data)
                                              : std::string(kUnsignedPayload);
    int attempts = 0;
    absl::StatusOr<http::HttpResponse> response = Execute(call, &attempts);
    if (!response.ok()) return response.status();
    if (response->status / 100 == 2) return absl::OkStatus();
    absl::Status status = StatusFromResponse(call.operation, *response);
    if (status.code() == absl::StatusCode::kAlreadyExists && attempts > 1) {
      // An earlier attempt may have succeeded with its response lost: if the
      // object now holds exactly our bytes, that attempt was ours.
      ASSIGN_OR_RETURN(bool ours, HoldsExactly(key, data));
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
      std::string spec = range.length.has_value()
                             ? absl::StrCat("bytes=", range.offset, "-",
                                            range.offset + *range.length - 1)
                             : absl::StrCat("bytes=", range.offset, "-");
      call.headers.emplace_back("Range", spec);
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

  // Checks a 206 answer against the range asked for. Some servers (s3rver
  // for "bytes=0-0") send more than asked; their Content-Range says where the
  // bytes start, so the surplus can be cut safely. Anything else is DataLoss.
  static absl::StatusOr<std::string> TrimRange(const Call& call,
                                               const ByteRange& range,
                                               http::HttpResponse& response) {
    uint64_t start = 0, end = 0;
    absl::string_view spec = response.Header("content-range");
    bool parsed = absl::ConsumePrefix(&spec, "bytes ");
    size_t dash = spec.find('-'), slash = spec.find('/');
    parsed = parsed && dash != absl::string_view::npos &&
             slash != absl::string_view::npos && dash < slash &&
             absl::SimpleAtoi(spec.substr(0, dash), &start) &&
             absl::SimpleAtoi(spec.substr(dash + 1, slash - dash - 1), &end);
    if (!parsed || start != range.offset || end < start ||
        response.body.size() != end - start + 1) {
      return absl::DataLossError(absl::StrCat(
          call.operation, ": partial response does not match the range asked (",
          response.body.size(), " bytes, Content-Range \"",
          response.Header("content-range"), "\")"));
    }
    if (range.length.has_value() && response.body.size() > *range.length) {
      response.body.resize(*range.length);
    }
    return std::move(response.body);
  }

  absl::StatusOr<ObjectInfo> Head(absl::string_view key) override {
    RETURN_IF_ERROR(ValidateObjectKey(key));
    Call call = MakeCall("HEAD", key);
    ASSIGN_OR_RETURN(http::HttpResponse response, Execute(call, nullptr));
    if (response.status != 200) {
      return StatusFromResponse(call.operation, response);
    }
    ObjectInfo info;
    info.key = std::string(key);
    if (!absl::SimpleAtoi(response.Header("content-length"), &info.size)) {
      return absl::DataLossError(absl::StrCat(
          call.operation, ": response has no valid Content-Length"));
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
    std::vector<ObjectInfo> out;
    std::string token;
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
      for (S3ObjectInfo& object : parsed->objects) {
        out.push_back(ObjectInfo{std::move(object.key), object.size,
                                 object.last_modified, std::move(object.etag)});
      }
      if (!parsed->is_truncated) {
        std::sort(out.begin(), out.end(),
                  [](const ObjectInfo& a, const ObjectInfo& b) {
                    return a.key < b.key;
                  });
        return out;
      }
      if (parsed->next_continuation_token.empty() ||
          parsed->next_continuation_token == token) {
        return absl::DataLossError(absl::StrCat(
            call.operation,
            ": truncated listing without a new continuation token"));
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
    for (const DeleteObjectError& error : result->errors) {
      if (error.code == "NoSuchKey") continue;
      return absl::UnavailableError(
          absl::StrCat(call.operation, ": ", error.key, ": ", error.code, ": ",
                       error.message));
    }
    return absl::OkStatus();
  }

  // Whether object `key` holds exactly `data` (ETag is the MD5 of a plain
  // single-part upload; otherwise compare the bytes).
  absl::StatusOr<bool> HoldsExactly(absl::string_view key,
                                    absl::string_view data) {
    ASSIGN_OR_RETURN(ObjectInfo info, Head(key));
    if (info.size != data.size()) return false;
    if (info.etag == absl::BytesToHexString(Md5(data))) return true;
    ASSIGN_OR_RETURN(std::string stored, Get(key, ByteRange::All()));
    return stored == data;
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
    absl::Duration timeout =
        options_.request_timeout *
        std::max<double>(1.0, static_cast<double>(call.body.size()) / (8 << 20));
    absl::StatusOr<http::HttpResponse> last = absl::UnknownError("no attempt made");
    int max_attempts = std::max(1, options_.max_attempts);
    for (int attempt = 1; attempt <= max_attempts; ++attempt) {
      if (attempts) *attempts = attempt;
      if (attempt > 1) clock_->SleepFor(Backoff(attempt - 1));
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
      last = transport_->Perform(request);
      absl::Status attempt_status =
          !last.ok() ? last.status()
          : last->status >= 300 && last->status != 304
              ? StatusFromResponse(call.operation, *last)
              : absl::OkStatus();
      if (attempt_status.ok() || !IsRetryable(attempt_status)) return last;
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

absl::StatusOr<std::unique_ptr<ObjectStore>> NewS3ObjectStore(
    const S3Options& options, std::unique_ptr<http::HttpTransport> transport) {
  if (options.bucket.empty()) {
    return absl::InvalidArgumentError("S3 bucket name is empty");
  }
  ASSIGN_OR_RETURN(Endpoint endpoint,
                   ParseEndpoint(options.endpoint, options.region));
  Credentials credentials;
  credentials.access_key_id = EnvOr("AWS_ACCESS_KEY_ID", options.access_key_id);
  credentials.secret_access_key =
      EnvOr("AWS_SECRET_ACCESS_KEY", options.secret_access_key);
  credentials.session_token =
      options.access_key_id.empty()
          ? EnvOr("AWS_SESSION_TOKEN", options.session_token)
          : options.session_token;
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
