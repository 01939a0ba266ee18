// The S3 store (with the real curl transport) against scripted bad servers:
// every failure gives a clear Status, retryable ones are retried, nothing
// crashes or hangs; plus the details a real S3 checks (signature over what is
// really sent, batch deletes, create-only retries).
#include <openssl/evp.h>

#include <atomic>
#include <map>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "lib/storage/s3/s3_errors.h"
#include "lib/storage/s3/sigv4.h"
#include "lib/storage/s3/testing/fake_http_server.h"
#include "warp/s3_object_store.h"

namespace warp::s3 {
namespace {

using testing::FakeHttpServer;
using testing::FakeReply;
using testing::FakeRequest;
using testing::MakeReply;

std::string Md5Hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), digest, &n, EVP_md5(), nullptr);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<char*>(digest), n));
}

std::string ErrorXml(const std::string& code) {
  return absl::StrCat(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>", code,
      "</Code><Message>scripted ", code, "</Message><RequestId>R1</RequestId></Error>");
}

S3Options OptionsFor(const FakeHttpServer& server) {
  S3Options options;
  options.bucket = "bucket";
  options.endpoint = server.endpoint();
  options.path_style = true;
  options.access_key_id = "AKIDEXAMPLE";
  options.secret_access_key = "secret";
  options.max_attempts = 3;
  options.initial_backoff = absl::Milliseconds(1);
  options.max_backoff = absl::Milliseconds(5);
  return options;
}

std::unique_ptr<ObjectStore> Open(const S3Options& options) {
  auto store = OpenS3ObjectStore(options);
  EXPECT_TRUE(store.ok()) << store.status();
  return *std::move(store);
}

TEST(S3BadServerTest, GarbageErrorBodyIsClearAndRetried) {
  FakeHttpServer server(
      [](const FakeRequest&) { return MakeReply(500, "<<<\x01garbage"); });
  auto store = Open(OptionsFor(server));
  absl::Status put = store->Put("k", "v");
  EXPECT_EQ(put.code(), absl::StatusCode::kUnavailable) << put;
  EXPECT_TRUE(absl::StrContains(put.message(), "HTTP 500")) << put;
  EXPECT_TRUE(absl::StrContains(put.message(), "unreadable error body")) << put;
  EXPECT_EQ(server.requests(), 3);
}

TEST(S3BadServerTest, RetriesThroughSlowDownAndServiceUnavailable) {
  std::atomic<int> n{0};
  FakeHttpServer server([&](const FakeRequest&) {
    int i = n.fetch_add(1);
    if (i == 0) return MakeReply(503, ErrorXml("SlowDown"));
    if (i == 1) return MakeReply(429, "");
    if (i == 2) return MakeReply(400, ErrorXml("RequestTimeout"));
    return MakeReply(200, "", {{"ETag", "\"x\""}});
  });
  S3Options options = OptionsFor(server);
  options.max_attempts = 4;
  auto store = Open(options);
  absl::Status put = store->Put("k", "v");
  EXPECT_TRUE(put.ok()) << put;
  EXPECT_EQ(server.requests(), 4);
}

TEST(S3BadServerTest, WrongCredentialsAreNotRetried) {
  FakeHttpServer server([](const FakeRequest&) {
    return MakeReply(403, ErrorXml("SignatureDoesNotMatch"));
  });
  auto store = Open(OptionsFor(server));
  absl::StatusOr<std::string> got = store->Get("k");
  EXPECT_EQ(got.status().code(), absl::StatusCode::kUnauthenticated)
      << got.status();
  EXPECT_EQ(S3ErrorCodeOf(got.status()).value_or(""), "SignatureDoesNotMatch");
  EXPECT_TRUE(absl::StrContains(got.status().message(), "request id R1"));
  EXPECT_EQ(server.requests(), 1);
}

TEST(S3BadServerTest, BrokenListingsAreDataLoss) {
  for (std::string body :
       {std::string("<ListBucketResult><Contents><Key>a"),
        std::string("\x89PNG\r\n\x1a\n\0\0\0", 11),
        std::string("<ListBucketResult><Contents><Key>a</Key><Size>x</Size>"
                    "</Contents></ListBucketResult>")}) {
    FakeHttpServer server([&](const FakeRequest&) { return MakeReply(200, body); });
    auto store = Open(OptionsFor(server));
    auto listed = store->List("");
    EXPECT_EQ(listed.status().code(), absl::StatusCode::kDataLoss)
        << listed.status();
  }
}

TEST(S3BadServerTest, EndlessListingIsCut) {
  FakeHttpServer server([](const FakeRequest&) {
    return MakeReply(200,
                     "<ListBucketResult><IsTruncated>true</IsTruncated>"
                     "<NextContinuationToken>same</NextContinuationToken>"
                     "<Contents><Key>a</Key><Size>1</Size></Contents>"
                     "</ListBucketResult>");
  });
  auto store = Open(OptionsFor(server));
  auto listed = store->List("");
  EXPECT_EQ(listed.status().code(), absl::StatusCode::kDataLoss)
      << listed.status();
  EXPECT_EQ(server.requests(), 2);
}

TEST(S3BadServerTest, StalledServerTimesOut) {
  FakeHttpServer server([](const FakeRequest&) {
    FakeReply reply = MakeReply(200, "late");
    reply.delay = absl::Seconds(30);
    return reply;
  });
  S3Options options = OptionsFor(server);
  options.request_timeout = absl::Milliseconds(500);
  options.max_attempts = 2;
  auto store = Open(options);
  absl::Time start = absl::Now();
  auto got = store->Get("k");
  EXPECT_EQ(got.status().code(), absl::StatusCode::kDeadlineExceeded)
      << got.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(20)) << "the client hung";
}

TEST(S3BadServerTest, TruncatedBodyAndDroppedConnections) {
  FakeHttpServer server([](const FakeRequest& request) {
    FakeReply reply;
    reply.raw = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b";
    reply.close = true;
    if (request.method == "HEAD") reply.raw.clear();  // drop silently
    return reply;
  });
  auto store = Open(OptionsFor(server));
  auto got = store->Get("k");
  EXPECT_EQ(got.status().code(), absl::StatusCode::kUnavailable) << got.status();
  auto head = store->Head("k");
  EXPECT_EQ(head.status().code(), absl::StatusCode::kUnavailable)
      << head.status();
}

TEST(S3BadServerTest, OversizedResponseIsRefused) {
  FakeHttpServer server(
      [](const FakeRequest&) { return MakeReply(200, std::string(100000, 'x')); });
  S3Options options = OptionsFor(server);
  options.max_response_bytes = 1000;
  auto store = Open(options);
  auto got = store->Get("k");
  EXPECT_EQ(got.status().code(), absl::StatusCode::kResourceExhausted)
      << got.status();
}

// A bucket that honours If-None-Match, for the create-only tests.
class ScriptedBucket {
 public:
  FakeReply Handle(const FakeRequest& request) {
    absl::MutexLock lock(&mu_);
    std::string key = request.target.substr(request.target.find('/', 1) + 1);
    if (request.method == "PUT") {
      if (!request.Header("if-none-match").empty() && objects_.count(key)) {
        return MakeReply(412, ErrorXml("PreconditionFailed"));
      }
      objects_[key] = request.body;
      if (lose_next_put_response_) {
        lose_next_put_response_ = false;
        FakeReply reply;
        reply.close = true;  // the write happened; the answer is lost
        return reply;
      }
      return MakeReply(200, "", {{"ETag", "\"" + Md5Hex(request.body) + "\""}});
    }
    auto it = objects_.find(key);
    if (it == objects_.end()) return MakeReply(404, ErrorXml("NoSuchKey"));
    if (request.method == "HEAD") {
      FakeReply reply;
      reply.raw = absl::StrCat("HTTP/1.1 200 OK\r\nContent-Length: ",
                               it->second.size(), "\r\nETag: \"",
                               Md5Hex(it->second), "\"\r\n\r\n");
      return reply;
    }
    return MakeReply(200, it->second);
  }

  void Set(const std::string& key, const std::string& value) {
    absl::MutexLock lock(&mu_);
    objects_[key] = value;
  }
  void LoseNextPutResponse() {
    absl::MutexLock lock(&mu_);
    lose_next_put_response_ = true;
  }

 private:
  absl::Mutex mu_;
  std::map<std::string, std::string> objects_ ABSL_GUARDED_BY(mu_);
  bool lose_next_put_response_ ABSL_GUARDED_BY(mu_) = false;
};

TEST(S3BadServerTest, RetriedCreateOnlyPutRecognisesItsOwnWrite) {
  ScriptedBucket bucket;
  FakeHttpServer server([&](const FakeRequest& r) { return bucket.Handle(r); });
  auto store = Open(OptionsFor(server));
  bucket.LoseNextPutResponse();
  absl::Status put = store->Put("obj", "my bytes", {.if_not_exists = true});
  EXPECT_TRUE(put.ok()) << put;
  EXPECT_EQ(*store->Get("obj"), "my bytes");
  // A real conflict, first attempt: AlreadyExists.
  absl::Status again = store->Put("obj", "other", {.if_not_exists = true});
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists) << again;
}

TEST(S3BadServerTest, RetriedCreateOnlyPutDetectsSomeoneElsesWrite) {
  ScriptedBucket bucket;
  FakeHttpServer server([&](const FakeRequest& r) {
    FakeReply reply = bucket.Handle(r);
    if (r.method == "PUT" && reply.close) bucket.Set("obj", "theirs!!");
    return reply;
  });
  auto store = Open(OptionsFor(server));
  bucket.LoseNextPutResponse();
  absl::Status put = store->Put("obj", "my bytes", {.if_not_exists = true});
  EXPECT_EQ(put.code(), absl::StatusCode::kAlreadyExists) << put;
}

TEST(S3BadServerTest, DeleteManyBatchesByThousand) {
  std::atomic<int> posts{0};
  std::atomic<int> max_keys{0};
  std::atomic<bool> md5_ok{true};
  FakeHttpServer server([&](const FakeRequest& r) {
    if (r.method != "POST" || !absl::StrContains(r.target, "?delete")) {
      return MakeReply(400, ErrorXml("Unexpected"));
    }
    posts++;
    int keys = 0;
    for (size_t pos = 0; (pos = r.body.find("<Key>", pos)) != std::string::npos;
         ++pos) {
      ++keys;
    }
    max_keys = std::max(max_keys.load(), keys);
    std::string want_md5;
    {
      unsigned char d[EVP_MAX_MD_SIZE];
      unsigned int n = 0;
      EVP_Digest(r.body.data(), r.body.size(), d, &n, EVP_md5(), nullptr);
      want_md5 = absl::Base64Escape(absl::string_view(reinterpret_cast<char*>(d), n));
    }
    if (r.Header("content-md5") != want_md5) md5_ok = false;
    return MakeReply(200, "<DeleteResult></DeleteResult>");
  });
  auto store = Open(OptionsFor(server));
  std::vector<std::string> keys;
  for (int i = 0; i < 2500; ++i) keys.push_back(absl::StrCat("k/", i));
  ASSERT_TRUE(store->DeleteMany(keys).ok());
  EXPECT_EQ(posts.load(), 3);
  EXPECT_EQ(max_keys.load(), 1000);
  EXPECT_TRUE(md5_ok.load());
}

TEST(S3BadServerTest, DeleteManyReportsPerKeyErrors) {
  FakeHttpServer server([](const FakeRequest&) {
    return MakeReply(200,
                     "<DeleteResult><Error><Key>a</Key><Code>AccessDenied</Code>"
                     "<Message>no</Message></Error></DeleteResult>");
  });
  auto store = Open(OptionsFor(server));
  absl::Status status = store->DeleteMany({"a", "b"});
  EXPECT_FALSE(status.ok());
  EXPECT_TRUE(absl::StrContains(status.message(), "AccessDenied")) << status;
}

// The signature must cover exactly what goes on the wire: re-sign the
// received request (path as sent, headers as received) and compare.
TEST(S3BadServerTest, SignatureCoversTheRequestAsSent) {
  class FixedClock final : public Clock {
   public:
    absl::Time Now() override { return absl::FromUnixSeconds(1700000000); }
    void SleepFor(absl::Duration) override {}
  } clock;
  absl::Mutex mu;
  std::vector<FakeRequest> seen;
  FakeHttpServer server([&](const FakeRequest& r) {
    absl::MutexLock lock(&mu);
    seen.push_back(r);
    return MakeReply(200, r.method == "GET" ? "<ListBucketResult></ListBucketResult>" : "");
  });
  S3Options options = OptionsFor(server);
  options.clock = &clock;
  options.session_token = "TOKEN/with+chars=";
  auto store = Open(options);
  const std::string key = "dir/sp ace+plus=eq&amp\xC3\xA9~x";
  ASSERT_TRUE(store->Put(key, "payload").ok());
  ASSERT_TRUE(store->List("dir/sp ace").ok());
  absl::MutexLock lock(&mu);
  ASSERT_EQ(seen.size(), 2u);
  for (const FakeRequest& r : seen) {
    SCOPED_TRACE(r.target);
    std::string auth = r.Header("authorization");
    size_t sig_at = auth.find("Signature=");
    size_t sh_at = auth.find("SignedHeaders=");
    ASSERT_NE(sig_at, std::string::npos);
    ASSERT_NE(sh_at, std::string::npos);
    std::string signed_list = auth.substr(sh_at + 14, auth.find(',', sh_at) - sh_at - 14);
    HttpRequestToSign again;
    again.method = r.method;
    size_t q = r.target.find('?');
    again.path = r.target.substr(0, q);
    if (q != std::string::npos) again.query = ParseQueryString(r.target.substr(q + 1));
    for (const auto& [name, value] : r.headers) {
      if (absl::StrContains(absl::StrCat(";", signed_list, ";"),
                            absl::StrCat(";", name, ";"))) {
        again.headers.emplace_back(name, value);
      }
    }
    again.payload_hash = r.Header("x-amz-content-sha256");
    if (r.method == "PUT") EXPECT_EQ(again.payload_hash, Sha256Hex("payload"));
    SigningParams params{{"AKIDEXAMPLE", "secret", "TOKEN/with+chars="},
                         "us-east-1", "s3", clock.Now()};
    auto expected = SignRequest(again, params);
    ASSERT_TRUE(expected.ok()) << expected.status();
    EXPECT_EQ(auth.substr(sig_at + 10), expected->signature);
    EXPECT_EQ(r.Header("x-amz-security-token"), "TOKEN/with+chars=");
  }
}

}  // namespace
}  // namespace warp::s3
