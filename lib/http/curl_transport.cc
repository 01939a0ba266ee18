#include "lib/http/curl_transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <vector>

#include "absl/base/call_once.h"
#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

namespace warp::http {
namespace {

constexpr double kBytesPer8MiB = 8 << 20;

// The longest total timeout handed to curl (its option is a long of
// milliseconds; a week is "no limit" for any real request).
constexpr absl::Duration kMaxTimeout = absl::Hours(24 * 7);

void GlobalInitOnce() {
  static absl::once_flag once;
  absl::call_once(once, [] { curl_global_init(CURL_GLOBAL_ALL); });
}

// The state of one transfer, shared with curl's callbacks.
struct Transfer {
  const HttpRequest* request;
  HttpResponse* response;
  uint64_t max_response_bytes;
  absl::Time start;
  size_t body_sent = 0;
  // The status of the response being received (from its status line).
  int status = 0;
  // Its Content-Length, once the headers gave one.
  std::optional<uint64_t> content_length;
  bool too_large = false;
  bool deadline_exceeded = false;
};

bool IsSuccess(int status) { return status >= 200 && status < 300; }

size_t ReadBody(char* buffer, size_t size, size_t nitems, void* userdata) {
  auto* t = static_cast<Transfer*>(userdata);
  size_t n = std::min(size * nitems, t->request->body.size() - t->body_sent);
  std::copy_n(t->request->body.data() + t->body_sent, n, buffer);
  t->body_sent += n;
  return n;
}

// Lets curl rewind the body, which it must do to resend a request on a fresh
// connection after a kept-alive one turned out dead mid-send.
int SeekBody(void* userdata, curl_off_t offset, int origin) {
  auto* t = static_cast<Transfer*>(userdata);
  if (origin != SEEK_SET || offset < 0 ||
      static_cast<uint64_t>(offset) > t->request->body.size()) {
    return CURL_SEEKFUNC_FAIL;
  }
  t->body_sent = static_cast<size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

size_t WriteBody(char* data, size_t size, size_t nmemb, void* userdata) {
  auto* t = static_cast<Transfer*>(userdata);
  size_t n = size * nmemb;
  std::string& body = t->response->body;
  if (!IsSuccess(t->status)) {
    // An error body: keep its beginning, drop the rest (still reading it,
    // so the connection stays usable).
    if (body.size() < kMaxErrorBodyBytes) {
      body.append(data, std::min(n, kMaxErrorBodyBytes - body.size()));
    }
    return n;
  }
  if (body.size() + n > t->max_response_bytes) {
    t->too_large = true;
    return 0;  // makes curl fail the transfer
  }
  body.append(data, n);
  return n;
}

size_t WriteHeader(char* data, size_t size, size_t nitems, void* userdata) {
  auto* t = static_cast<Transfer*>(userdata);
  size_t n = size * nitems;
  absl::string_view line(data, n);
  if (absl::StartsWith(line, "HTTP/")) {
    // A new response (after 100 Continue): "HTTP/1.1 200 OK".
    t->response->headers.clear();
    t->content_length.reset();
    std::vector<absl::string_view> parts =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (parts.size() < 2 || !absl::SimpleAtoi(parts[1], &t->status)) {
      t->status = 0;
    }
    return n;
  }
  size_t colon = line.find(':');
  if (colon == absl::string_view::npos) return n;
  std::string name = absl::AsciiStrToLower(line.substr(0, colon));
  absl::string_view value = absl::StripAsciiWhitespace(line.substr(colon + 1));
  uint64_t length = 0;
  if (name == "content-length" && absl::SimpleAtoi(value, &length)) {
    t->content_length = length;
    // Refuse an announced oversized body before receiving any of it (a HEAD
    // announces the size of a body it does not send).
    if (IsSuccess(t->status) && length > t->max_response_bytes &&
        t->request->method != "HEAD") {
      t->too_large = true;
      return 0;  // makes curl fail the transfer
    }
  }
  t->response->headers.emplace_back(std::move(name), std::string(value));
  return n;
}

// The deadline of a request whose response has `content_length` bytes (if
// known): HttpRequest::timeout, or more for a large response.
absl::Duration AllowedTime(const HttpRequest& request,
                           std::optional<uint64_t> content_length) {
  absl::Duration allowed = request.timeout;
  if (content_length.has_value() &&
      request.timeout_per_8mib_of_response > absl::ZeroDuration()) {
    allowed = std::max(
        allowed, request.timeout_per_8mib_of_response *
                     (static_cast<double>(*content_length) / kBytesPer8MiB));
  }
  return std::min(allowed, kMaxTimeout);
}

// Called by curl at least once a second during a transfer: enforces the
// deadline that depends on the response size.
int CheckDeadline(void* userdata, curl_off_t, curl_off_t, curl_off_t,
                  curl_off_t) {
  auto* t = static_cast<Transfer*>(userdata);
  if (absl::Now() - t->start > AllowedTime(*t->request, t->content_length)) {
    t->deadline_exceeded = true;
    return 1;  // aborts the transfer
  }
  return 0;
}

class CurlTransport final : public HttpTransport {
 public:
  explicit CurlTransport(const CurlTransportOptions& options)
      : options_(options) {
    GlobalInitOnce();
  }

  ~CurlTransport() override {
    absl::MutexLock lock(&mu_);
    for (CURL* handle : idle_) curl_easy_cleanup(handle);
  }

  absl::StatusOr<HttpResponse> Perform(const HttpRequest& request) override {
    CURL* handle = Acquire();
    if (handle == nullptr) return absl::ResourceExhaustedError("curl_easy_init failed");
    HttpResponse response;
    Transfer transfer{&request, &response, options_.max_response_bytes,
                      absl::Now()};
    curl_slist* headers = nullptr;
    for (const auto& [name, value] : request.headers) {
      std::string line = value.empty() ? absl::StrCat(name, ";")
                                       : absl::StrCat(name, ": ", value);
      headers = curl_slist_append(headers, line.c_str());
    }
    // No "Expect: 100-continue" round trip before bodies.
    headers = curl_slist_append(headers, "Expect:");

    curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(handle, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!options_.cert_file.empty()) {
      curl_easy_setopt(handle, CURLOPT_SSLCERT, options_.cert_file.c_str());
      curl_easy_setopt(handle, CURLOPT_SSLKEY, options_.key_file.c_str());
    }
    if (!options_.ca_file.empty()) {
      curl_easy_setopt(handle, CURLOPT_CAINFO, options_.ca_file.c_str());
    }
    curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(absl::ToInt64Milliseconds(
                         options_.connect_timeout)));
    // curl's own total timeout is the longest the request may ever take (for
    // the largest response accepted); CheckDeadline applies the deadline of
    // the actual response size.
    absl::Duration cap = AllowedTime(request, std::nullopt);
    if (request.timeout_per_8mib_of_response > absl::ZeroDuration()) {
      cap = AllowedTime(request, options_.max_response_bytes);
      curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, CheckDeadline);
      curl_easy_setopt(handle, CURLOPT_XFERINFODATA, &transfer);
      curl_easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);
    }
    curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS,
                     static_cast<long>(
                         std::max<int64_t>(1, absl::ToInt64Milliseconds(cap))));
    curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT,
                     static_cast<long>(options_.low_speed_bytes));
    curl_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME,
                     static_cast<long>(std::max<int64_t>(
                         1, absl::ToInt64Seconds(options_.low_speed_time))));
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, WriteBody);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, WriteHeader);
    curl_easy_setopt(handle, CURLOPT_HEADERDATA, &transfer);
    if (request.method == "HEAD") {
      curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
    } else if (request.method == "PUT" || request.method == "POST") {
      curl_easy_setopt(handle, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(handle, CURLOPT_READFUNCTION, ReadBody);
      curl_easy_setopt(handle, CURLOPT_READDATA, &transfer);
      curl_easy_setopt(handle, CURLOPT_SEEKFUNCTION, SeekBody);
      curl_easy_setopt(handle, CURLOPT_SEEKDATA, &transfer);
      curl_easy_setopt(handle, CURLOPT_INFILESIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    } else {
      curl_easy_setopt(handle, CURLOPT_HTTPGET, 1L);
      if (request.method != "GET") {
        curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method.c_str());
      }
    }
    char error_buffer[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_buffer);

    CURLcode code = curl_easy_perform(handle);
    long status = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
    // Release forgets every pointer set above before `headers`, `transfer`
    // and `error_buffer` go away.
    Release(handle, code == CURLE_OK);
    curl_slist_free_all(headers);

    if (transfer.too_large) {
      return absl::ResourceExhaustedError(absl::StrCat(
          request.method, " ", request.url, ": response larger than ",
          options_.max_response_bytes, " bytes"));
    }
    if (code != CURLE_OK) {
      std::string reason = error_buffer[0] ? error_buffer : curl_easy_strerror(code);
      std::string message =
          absl::StrCat(request.method, " ", request.url, ": ", reason);
      if (code == CURLE_OPERATION_TIMEDOUT ||
          (code == CURLE_ABORTED_BY_CALLBACK && transfer.deadline_exceeded)) {
        if (transfer.deadline_exceeded) {
          absl::StrAppend(&message, " (deadline of ",
                          absl::FormatDuration(
                              AllowedTime(request, transfer.content_length)),
                          ")");
        }
        return absl::DeadlineExceededError(message);
      }
      if (code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CACERT_BADFILE ||
          code == CURLE_URL_MALFORMAT || code == CURLE_UNSUPPORTED_PROTOCOL) {
        return absl::FailedPreconditionError(message);
      }
      return absl::UnavailableError(message);
    }
    response.status = static_cast<int>(status);
    return response;
  }

 private:
  CURL* Acquire() {
    {
      absl::MutexLock lock(&mu_);
      if (!idle_.empty()) {
        CURL* handle = idle_.back();
        idle_.pop_back();
        return handle;  // reset at Release
      }
    }
    return curl_easy_init();
  }

  // Pools a healthy handle for reuse (its connection cache stays), reset
  // first so that it keeps no pointer into the finished request's memory
  // (error buffer, header list, callback data).
  void Release(CURL* handle, bool healthy) {
    if (healthy) {
      curl_easy_reset(handle);
      absl::MutexLock lock(&mu_);
      if (static_cast<int>(idle_.size()) < options_.max_idle_handles) {
        idle_.push_back(handle);
        return;
      }
    }
    curl_easy_cleanup(handle);
  }

  const CurlTransportOptions options_;
  absl::Mutex mu_;
  std::vector<CURL*> idle_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

std::unique_ptr<HttpTransport> NewCurlTransport(
    const CurlTransportOptions& options) {
  return std::make_unique<CurlTransport>(options);
}

}  // namespace warp::http
