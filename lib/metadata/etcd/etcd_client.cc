#include "lib/metadata/etcd/etcd_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <atomic>

#include "absl/base/thread_annotations.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "lib/base/status_macros.h"
#include "lib/http/curl_transport.h"
#include "lib/metadata/etcd/etcd_json.h"
#include "nlohmann/json.hpp"

namespace warp::metadata::etcd {
namespace {

using json = nlohmann::json;

std::string B64(absl::string_view s) { return absl::Base64Escape(s); }

std::string Normalize(std::string endpoint, bool tls) {
  if (!absl::StartsWith(endpoint, "http://") && !absl::StartsWith(endpoint, "https://")) {
    endpoint = (tls ? "https://" : "http://") + endpoint;
  }
  while (absl::EndsWith(endpoint, "/")) endpoint.pop_back();
  return endpoint;
}

struct WatchStream {
  std::string buffer;
  const std::function<bool(std::vector<WatchEvent>)>* on_events;
  const std::atomic<bool>* stop;
  absl::Duration idle_timeout;
  absl::Time last_message = absl::Now();
  absl::Status status;
  bool stopped = false;
};

// Handles one line of the stream; false ends it. Runs inside a curl
// callback: nothing here may throw.
bool OnWatchMessage(WatchStream* w, absl::string_view line) {
  absl::StatusOr<std::vector<WatchEvent>> events = ParseWatchMessage(line);
  if (!events.ok()) {
    w->status = events.status();
    return false;
  }
  if (!events->empty() && !(*w->on_events)(*std::move(events))) {
    w->stopped = true;
    return false;
  }
  return true;
}

size_t OnWatchData(char* data, size_t size, size_t nmemb, void* userdata) {
  auto* w = static_cast<WatchStream*>(userdata);
  w->buffer.append(data, size * nmemb);
  if (w->buffer.size() > (64u << 20)) {
    w->status = absl::ResourceExhaustedError("etcd watch message too large");
    return 0;
  }
  size_t newline;
  while ((newline = w->buffer.find('\n')) != std::string::npos) {
    std::string line = w->buffer.substr(0, newline);
    w->buffer.erase(0, newline + 1);
    if (line.empty()) continue;
    // Events and progress notifications alike prove the stream alive.
    w->last_message = absl::Now();
    if (!OnWatchMessage(w, line)) return 0;
  }
  return size * nmemb;
}

// Called by curl about once a second while the stream is open.
int OnWatchProgress(void* userdata, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* w = static_cast<WatchStream*>(userdata);
  if (w->stop->load()) {
    w->stopped = true;
    return 1;  // abort the transfer
  }
  if (absl::Now() - w->last_message > w->idle_timeout) {
    w->status = absl::UnavailableError(absl::StrCat(
        "etcd watch silent for ", absl::FormatDuration(w->idle_timeout),
        " (no event, no progress notification)"));
    return 1;
  }
  return 0;
}

class JsonGatewayClient final : public EtcdClient {
 public:
  JsonGatewayClient(std::vector<std::string> endpoints, EtcdClientOptions options)
      : endpoints_(std::move(endpoints)),
        options_(std::move(options)),
        timeout_(options_.request_timeout),
        transport_(http::NewCurlTransport(http::CurlTransportOptions{
            .connect_timeout = absl::Seconds(2),
            .ca_file = options_.ca_file,
            .cert_file = options_.cert_file,
            .key_file = options_.key_file})) {}

  absl::StatusOr<int64_t> Put(absl::string_view key, absl::string_view value) override {
    ASSIGN_OR_RETURN(json r, Call("/v3/kv/put", {{"key", B64(key)}, {"value", B64(value)}}));
    return ParseHeaderRevision(r);
  }

  absl::StatusOr<std::pair<int64_t, bool>> PutIfAbsent(absl::string_view key,
                                                       absl::string_view value,
                                                       absl::Time deadline) override {
    json body = {
        {"compare", json::array({{{"key", B64(key)},
                                  {"target", "CREATE"},
                                  {"result", "EQUAL"},
                                  {"create_revision", "0"}}})},
        {"success", json::array({{{"request_put", {{"key", B64(key)}, {"value", B64(value)}}}}})},
        {"failure", json::array({{{"request_range", {{"key", B64(key)}}}}})}};
    ASSIGN_OR_RETURN(json r, Call("/v3/kv/txn", body, deadline));
    ASSIGN_OR_RETURN(TxnResponse txn, ParseTxnResponse(r));
    if (txn.succeeded) return std::make_pair(txn.revision, true);
    if (!txn.range_kvs.empty()) return std::make_pair(txn.range_kvs[0].mod_revision, false);
    return absl::InternalError("etcd txn neither created nor found the key");
  }

  absl::StatusOr<RangeResult> Range(absl::string_view key,
                                    const RangeOptions& options) override {
    json body = {{"key", B64(key)}};
    if (!options.range_end.empty()) body["range_end"] = B64(options.range_end);
    if (options.limit > 0) body["limit"] = absl::StrCat(options.limit);
    if (options.min_mod_revision > 0) {
      body["min_mod_revision"] = absl::StrCat(options.min_mod_revision);
    }
    if (options.max_mod_revision > 0) {
      body["max_mod_revision"] = absl::StrCat(options.max_mod_revision);
    }
    if (options.sort_by_mod_revision) body["sort_target"] = "MOD";
    if (options.sort_by_mod_revision || options.descending) {
      body["sort_order"] = options.descending ? "DESCEND" : "ASCEND";
    }
    if (options.keys_only) body["keys_only"] = true;
    ASSIGN_OR_RETURN(json r, Call("/v3/kv/range", body, options.deadline));
    return ParseRangeResponse(r);
  }

  absl::Status DeleteRange(absl::string_view key, absl::string_view range_end) override {
    json body = {{"key", B64(key)}};
    if (!range_end.empty()) body["range_end"] = B64(range_end);
    return Call("/v3/kv/deleterange", body).status();
  }

  absl::Status DeleteKeys(const std::vector<std::string>& keys) override {
    for (size_t start = 0; start < keys.size(); start += 100) {
      json success = json::array();
      for (size_t i = start; i < std::min(keys.size(), start + 100); ++i) {
        success.push_back({{"request_delete_range", {{"key", B64(keys[i])}}}});
      }
      RETURN_IF_ERROR(Call("/v3/kv/txn", {{"success", success}}).status());
    }
    return absl::OkStatus();
  }

  absl::StatusOr<bool> TxnIfModRevision(absl::string_view compare_key, int64_t mod_revision,
                                        const std::vector<TxnOp>& ops) override {
    json success = json::array();
    for (const TxnOp& op : ops) {
      if (op.kind == TxnOp::Kind::kPut) {
        success.push_back({{"request_put", {{"key", B64(op.key)}, {"value", B64(op.value)}}}});
      } else {
        success.push_back({{"request_delete_range", {{"key", B64(op.key)}}}});
      }
    }
    // An absent key compares as mod revision 0.
    json body = {{"compare", json::array({{{"key", B64(compare_key)},
                                           {"target", "MOD"},
                                           {"result", "EQUAL"},
                                           {"mod_revision", absl::StrCat(mod_revision)}}})},
                 {"success", success}};
    ASSIGN_OR_RETURN(json r, Call("/v3/kv/txn", body));
    ASSIGN_OR_RETURN(TxnResponse txn, ParseTxnResponse(r));
    return txn.succeeded;
  }

  absl::Status Compact(int64_t revision) override {
    absl::StatusOr<json> r =
        Call("/v3/kv/compaction", {{"revision", absl::StrCat(revision)}});
    if (!r.ok() && absl::StrContains(r.status().message(), "compacted")) {
      return absl::OkStatus();  // already compacted further
    }
    return r.status();
  }

  absl::Status Watch(absl::string_view key, absl::string_view range_end,
                     int64_t start_revision, absl::Duration idle_timeout,
                     const std::function<bool(std::vector<WatchEvent>)>& on_events,
                     const std::atomic<bool>& stop) override {
    json create = {{"key", B64(key)},
                   {"start_revision", absl::StrCat(start_revision)},
                   {"progress_notify", true}};
    if (!range_end.empty()) create["range_end"] = B64(range_end);
    std::string body = json({{"create_request", create}}).dump();
    std::string url = absl::StrCat(CurrentEndpoint(), "/v3/watch");
    WatchStream stream{"", &on_events, &stop, idle_timeout};
    CURL* curl = curl_easy_init();
    if (curl == nullptr) return absl::ResourceExhaustedError("curl_easy_init failed");
    // The gateway passes Grpc-Metadata-* headers on as gRPC metadata:
    // "hasleader" is what etcd's WithRequireLeader sends.
    curl_slist* headers = curl_slist_append(nullptr, "Grpc-Metadata-hasleader: true");
    if (!options_.user.empty()) {
      absl::StatusOr<std::string> token = Token(/*fresh=*/false);
      if (!token.ok()) {
        curl_easy_cleanup(curl);
        curl_slist_free_all(headers);
        NextEndpoint();
        return token.status();
      }
      headers = curl_slist_append(headers, absl::StrCat("Authorization: ", *token).c_str());
    }
    if (!options_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file.c_str());
    if (!options_.cert_file.empty()) {
      curl_easy_setopt(curl, CURLOPT_SSLCERT, options_.cert_file.c_str());
      curl_easy_setopt(curl, CURLOPT_SSLKEY, options_.key_file.c_str());
    }
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
    curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(curl, CURLOPT_TCP_KEEPIDLE, 5L);
    curl_easy_setopt(curl, CURLOPT_TCP_KEEPINTVL, 2L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnWatchData);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &stream);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, OnWatchProgress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &stream);
    CURLcode code = curl_easy_perform(curl);
    curl_easy_cleanup(curl);
    curl_slist_free_all(headers);
    if (stream.stopped) return absl::OkStatus();
    // The gateway may end the stream with an error line and no newline.
    if (stream.status.ok() && !stream.buffer.empty()) {
      std::string rest = std::move(stream.buffer);
      if (!OnWatchMessage(&stream, rest) && stream.stopped) return absl::OkStatus();
    }
    // A compacted start is the caller's to handle; any other end means this
    // endpoint cannot serve the watch now: try elsewhere next time.
    if (stream.status.code() == absl::StatusCode::kOutOfRange) return stream.status;
    // An expired token ends the stream: the next watch gets a new one.
    if (!options_.user.empty() && LooksLikeAuthFailure(stream.status.message())) ForgetToken();
    NextEndpoint();
    if (!stream.status.ok()) return stream.status;
    return absl::UnavailableError(absl::StrCat("etcd watch on ", url, " ended: ",
                                               curl_easy_strerror(code)));
  }

 private:
  std::string CurrentEndpoint() {
    absl::MutexLock lock(&mu_);
    return endpoints_[current_];
  }
  void NextEndpoint() {
    absl::MutexLock lock(&mu_);
    current_ = (current_ + 1) % endpoints_.size();
  }

  // A POST of `payload` (JSON, not owned) to `path` on the current endpoint.
  http::HttpRequest JsonPost(absl::string_view path, const std::string& payload,
                             absl::Duration timeout) {
    http::HttpRequest request;
    request.method = "POST";
    request.url = absl::StrCat(CurrentEndpoint(), path);
    request.headers = {{"Content-Type", "application/json"}};
    request.body = payload;
    request.timeout = timeout;
    return request;
  }

  static bool LooksLikeAuthFailure(absl::string_view message) {
    return absl::StrContains(message, "invalid auth token") ||
           absl::StrContains(message, "auth token is expired") ||
           absl::StrContains(message, "user name is empty");
  }

  void ForgetToken() {
    absl::MutexLock lock(&token_mu_);
    token_.clear();
  }

  // etcd's authentication token: the one held, or a new one (`fresh`, or
  // none held yet) from /v3/auth/authenticate.
  absl::StatusOr<std::string> Token(bool fresh) {
    {
      absl::MutexLock lock(&token_mu_);
      if (!fresh && !token_.empty()) return token_;
    }
    json body = {{"name", options_.user}, {"password", options_.password}};
    std::string payload = body.dump();
    absl::Status last;
    for (size_t attempt = 0; attempt < endpoints_.size(); ++attempt) {
      http::HttpRequest request = JsonPost("/v3/auth/authenticate", payload, timeout_);
      absl::StatusOr<http::HttpResponse> response = transport_->Perform(request);
      if (!response.ok()) {
        last = response.status();
        NextEndpoint();
        continue;
      }
      if (response->status == 200) {
        absl::StatusOr<json> parsed = ParseJsonObject(response->body);
        if (parsed.ok() && parsed->contains("token") && (*parsed)["token"].is_string()) {
          absl::MutexLock lock(&token_mu_);
          token_ = (*parsed)["token"].get<std::string>();
          return token_;
        }
      }
      // Never the password: only the user and etcd's answer.
      return absl::PermissionDeniedError(
          absl::StrCat("etcd authentication as user ", options_.user, " on ", request.url,
                       " failed: HTTP ", response->status, ": ", ErrorMessage(response->body)));
    }
    return last;
  }

  // POSTs `body` to `path`, moving through the endpoints on failures that
  // mean "this endpoint cannot answer now".
  absl::StatusOr<json> Call(absl::string_view path, const json& body,
                            absl::Time deadline = absl::InfiniteFuture()) {
    std::string payload = body.dump();
    absl::Status last = absl::DeadlineExceededError(absl::StrCat("etcd ", path, ": no time left"));
    size_t attempts = endpoints_.size() * 2;
    bool token_renewed = false;
    for (size_t attempt = 0; attempt < attempts; ++attempt) {
      absl::Duration left = deadline - absl::Now();
      if (left <= absl::Milliseconds(10)) break;
      http::HttpRequest request = JsonPost(path, payload, std::min(timeout_, left));
      if (!options_.user.empty()) {
        absl::StatusOr<std::string> token = Token(/*fresh=*/false);
        if (!token.ok()) {
          last = token.status();
          if (token.status().code() == absl::StatusCode::kPermissionDenied) return last;
          continue;
        }
        request.headers.push_back({"Authorization", *token});
      }
      absl::StatusOr<http::HttpResponse> response = transport_->Perform(request);
      if (!response.ok()) {
        last = response.status();
        NextEndpoint();
        continue;
      }
      if (response->status == 200) {
        absl::StatusOr<json> parsed = ParseJsonObject(response->body);
        if (parsed.ok()) return *std::move(parsed);
      }
      last = absl::UnavailableError(absl::StrCat("etcd ", path, " on ", request.url,
                                                 ": HTTP ", response->status, ": ",
                                                 ErrorMessage(response->body)));
      // An expired token (etcd's simple tokens expire when unused): once
      // more with a new one.
      if (!options_.user.empty() && !token_renewed && LooksLikeAuthFailure(last.message())) {
        token_renewed = true;
        ForgetToken();
        --attempt;
        continue;
      }
      // 503/500 (no leader, stopping): another member may answer.
      if (response->status >= 500) {
        NextEndpoint();
        continue;
      }
      return absl::Status(absl::StatusCode::kFailedPrecondition, last.message());
    }
    return last;
  }

  const std::vector<std::string> endpoints_;
  const EtcdClientOptions options_;
  const absl::Duration timeout_;
  absl::Mutex token_mu_;
  std::string token_ ABSL_GUARDED_BY(token_mu_);
  const std::unique_ptr<http::HttpTransport> transport_;
  absl::Mutex mu_;
  size_t current_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace

std::string PrefixEnd(absl::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    if (static_cast<unsigned char>(end.back()) < 0xff) {
      end.back() = static_cast<char>(end.back() + 1);
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');  // every key
}

absl::StatusOr<std::unique_ptr<EtcdClient>> EtcdClient::Create(
    std::vector<std::string> endpoints, EtcdClientOptions options) {
  if (endpoints.empty()) return absl::InvalidArgumentError("no etcd endpoints");
  if (options.cert_file.empty() != options.key_file.empty()) {
    return absl::InvalidArgumentError("an etcd client certificate needs its key (both or neither)");
  }
  for (std::string& e : endpoints) e = Normalize(e, options.tls);
  return std::unique_ptr<EtcdClient>(
      std::make_unique<JsonGatewayClient>(std::move(endpoints), std::move(options)));
}

}  // namespace warp::metadata::etcd
