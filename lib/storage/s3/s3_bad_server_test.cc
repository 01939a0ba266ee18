// The S3 store (with the real curl transport) against scripted bad servers:
// every failure gives a clear Status, retryable ones are retried, nothing
// crashes or hangs; plus the details a real S3 checks (signature over what is
// really sent, batch deletes, create-only retries).
#include <openssl/evp.h>

#include <atomic>
#include <cstdlib>
#include <functional>
#include <limits>
#include <map>
#include <thread>
#include <vector>

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

constexpr char kPutIdHeader[] = "x-amz-meta-warp-put-id";

// A bucket that honours If-None-Match and keeps the put-id metadata of each
// object (returned by HEAD and GET, as S3 returns x-amz-meta-* headers), for
// the create-only tests.
class ScriptedBucket {
 public:
  FakeReply Handle(const FakeRequest& request) {
    absl::MutexLock lock(&mu_);
    std::string key = request.target.substr(request.target.find('/', 1) + 1);
    if (request.method == "PUT") {
      if (!request.Header("if-none-match").empty() && objects_.count(key)) {
        return MakeReply(412, ErrorXml("PreconditionFailed"));
      }
      if (next_put_ == NextPut::kDropAndLetOtherWrite) {
        // Our attempt never arrives; another writer's does meanwhile.
        next_put_ = NextPut::kNormal;
        objects_[key] = other_write_;
        FakeReply reply;
        reply.close = true;
        return reply;
      }
      objects_[key] = Object{request.body, request.Header(kPutIdHeader)};
      if (next_put_ == NextPut::kLoseResponse) {
        next_put_ = NextPut::kNormal;
        FakeReply reply;
        reply.close = true;  // the write happened; the answer is lost
        return reply;
      }
      return MakeReply(200, "", {{"ETag", "\"" + Md5Hex(request.body) + "\""}});
    }
    if (request.method == "HEAD" && head_status_ != 0) {
      return MakeReply(head_status_, "");
    }
    auto it = objects_.find(key);
    if (it == objects_.end()) return MakeReply(404, ErrorXml("NoSuchKey"));
    std::vector<std::pair<std::string, std::string>> headers = {
        {"ETag", "\"" + Md5Hex(it->second.data) + "\""}};
    if (!it->second.put_id.empty()) {
      headers.emplace_back(kPutIdHeader, it->second.put_id);
    }
    if (request.method == "HEAD") {
      FakeReply reply;
      reply.raw = absl::StrCat("HTTP/1.1 200 OK\r\nContent-Length: ",
                               it->second.data.size(), "\r\n");
      for (const auto& [name, value] : headers) {
        absl::StrAppend(&reply.raw, name, ": ", value, "\r\n");
      }
      absl::StrAppend(&reply.raw, "\r\n");
      return reply;
    }
    return MakeReply(200, it->second.data, headers);
  }

  void Set(const std::string& key, const std::string& value,
           const std::string& put_id = "") {
    absl::MutexLock lock(&mu_);
    objects_[key] = Object{value, put_id};
  }
  void LoseNextPutResponse() {
    absl::MutexLock lock(&mu_);
    next_put_ = NextPut::kLoseResponse;
  }
  // The next PUT is lost on the way; `data` with `put_id` is stored instead,
  // as if another writer's create-only Put had got there first.
  void DropNextPutAndLetOtherWrite(const std::string& data,
                                   const std::string& put_id) {
    absl::MutexLock lock(&mu_);
    next_put_ = NextPut::kDropAndLetOtherWrite;
    other_write_ = Object{data, put_id};
  }
  // Answer every HEAD with this status (0: normally).
  void FailHeads(int status) {
    absl::MutexLock lock(&mu_);
    head_status_ = status;
  }

 private:
  struct Object {
    std::string data;
    std::string put_id;
  };
  enum class NextPut { kNormal, kLoseResponse, kDropAndLetOtherWrite };

  absl::Mutex mu_;
  std::map<std::string, Object> objects_ ABSL_GUARDED_BY(mu_);
  NextPut next_put_ ABSL_GUARDED_BY(mu_) = NextPut::kNormal;
  Object other_write_ ABSL_GUARDED_BY(mu_);
  int head_status_ ABSL_GUARDED_BY(mu_) = 0;
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

// Identical bytes are not proof of our own write: another writer may have
// created the object with the same content while our attempt was lost.
TEST(S3BadServerTest, RetriedCreateOnlyPutDetectsSomeoneElsesIdenticalBytes) {
  ScriptedBucket bucket;
  FakeHttpServer server([&](const FakeRequest& r) { return bucket.Handle(r); });
  auto store = Open(OptionsFor(server));
  bucket.DropNextPutAndLetOtherWrite("my bytes", "another-writers-put-id");
  absl::Status put = store->Put("obj", "my bytes", {.if_not_exists = true});
  EXPECT_EQ(put.code(), absl::StatusCode::kAlreadyExists) << put;
}

// When the check itself fails (here the object vanished, or HEAD is refused),
// the outcome is unknown: Unavailable, never NotFound or AlreadyExists.
TEST(S3BadServerTest, FailedOwnWriteCheckIsUnavailable) {
  for (int head_status : {404, 403, 500}) {
    SCOPED_TRACE(head_status);
    ScriptedBucket bucket;
    FakeHttpServer server(
        [&](const FakeRequest& r) { return bucket.Handle(r); });
    auto store = Open(OptionsFor(server));
    bucket.LoseNextPutResponse();
    bucket.FailHeads(head_status);
    absl::Status put = store->Put("obj", "my bytes", {.if_not_exists = true});
    EXPECT_EQ(put.code(), absl::StatusCode::kUnavailable) << put;
  }
}

// The put id is random per Put, sent only by create-only Puts, and signed.
TEST(S3BadServerTest, CreateOnlyPutsSendASignedPutId) {
  absl::Mutex mu;
  std::vector<FakeRequest> seen;
  FakeHttpServer server([&](const FakeRequest& r) {
    absl::MutexLock lock(&mu);
    seen.push_back(r);
    return MakeReply(200, "");
  });
  auto store = Open(OptionsFor(server));
  ASSERT_TRUE(store->Put("a", "x", {.if_not_exists = true}).ok());
  ASSERT_TRUE(store->Put("b", "x", {.if_not_exists = true}).ok());
  ASSERT_TRUE(store->Put("c", "x").ok());
  absl::MutexLock lock(&mu);
  ASSERT_EQ(seen.size(), 3u);
  std::string id_a = seen[0].Header(kPutIdHeader);
  std::string id_b = seen[1].Header(kPutIdHeader);
  EXPECT_EQ(id_a.size(), 32u);
  EXPECT_NE(id_a, id_b);
  EXPECT_EQ(seen[2].Header(kPutIdHeader), "");
  EXPECT_TRUE(absl::StrContains(seen[0].Header("authorization"),
                                "x-amz-meta-warp-put-id"))
      << seen[0].Header("authorization");
}

// The same put id is resent by every attempt of one Put (so the object of a
// lost attempt carries the id the retry compares with) and never shows in
// ObjectInfo.
TEST(S3BadServerTest, PutIdIsStableAcrossAttemptsAndInternal) {
  ScriptedBucket bucket;
  absl::Mutex mu;
  std::vector<std::string> ids;
  FakeHttpServer server([&](const FakeRequest& r) {
    if (r.method == "PUT") {
      absl::MutexLock lock(&mu);
      ids.push_back(r.Header(kPutIdHeader));
    }
    return bucket.Handle(r);
  });
  auto store = Open(OptionsFor(server));
  bucket.LoseNextPutResponse();
  ASSERT_TRUE(store->Put("obj", "mine", {.if_not_exists = true}).ok());
  {
    absl::MutexLock lock(&mu);
    ASSERT_EQ(ids.size(), 2u);
    EXPECT_EQ(ids[0], ids[1]);
  }
  auto head = store->Head("obj");
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->etag, Md5Hex("mine"));
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

std::string DeleteError(const std::string& key, const std::string& code) {
  return absl::StrCat("<Error><Key>", key, "</Key><Code>", code,
                      "</Code><Message>no</Message></Error>");
}

// Per-key errors map like whole responses: AccessDenied is PermissionDenied
// (not a retryable Unavailable), and the failed keys are named.
TEST(S3BadServerTest, DeleteManyReportsPerKeyErrors) {
  FakeHttpServer server([](const FakeRequest&) {
    return MakeReply(
        200, absl::StrCat("<DeleteResult>", DeleteError("a", "InternalError"),
                          DeleteError("gone", "NoSuchKey"),
                          DeleteError("b", "AccessDenied"), "</DeleteResult>"));
  });
  auto store = Open(OptionsFor(server));
  absl::Status status = store->DeleteMany({"a", "b", "c", "gone"});
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied) << status;
  EXPECT_EQ(S3ErrorCodeOf(status).value_or(""), "AccessDenied");
  EXPECT_TRUE(absl::StrContains(status.message(), "2 of 4 keys")) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "\"a\": InternalError"))
      << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "\"b\": AccessDenied"))
      << status;
  EXPECT_FALSE(absl::StrContains(status.message(), "gone")) << status;
  EXPECT_EQ(server.requests(), 1);
}

TEST(S3BadServerTest, DeleteManyNamesUpToTenFailedKeys) {
  FakeHttpServer server([](const FakeRequest&) {
    std::string body = "<DeleteResult>";
    for (int i = 0; i < 12; ++i) {
      absl::StrAppend(&body, DeleteError(absl::StrCat("k", i), "SlowDown"));
    }
    return MakeReply(200, body + "</DeleteResult>");
  });
  auto store = Open(OptionsFor(server));
  std::vector<std::string> keys;
  for (int i = 0; i < 12; ++i) keys.push_back(absl::StrCat("k", i));
  absl::Status status = store->DeleteMany(keys);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  for (int i = 0; i < 10; ++i) {
    EXPECT_TRUE(
        absl::StrContains(status.message(), absl::StrCat("\"k", i, "\"")))
        << status;
  }
  EXPECT_FALSE(absl::StrContains(status.message(), "\"k10\"")) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "and 2 more")) << status;
}

TEST(S3BadServerTest, NotImplementedIsNotRetried) {
  FakeHttpServer server([](const FakeRequest&) {
    return MakeReply(501, ErrorXml("NotImplemented"));
  });
  auto store = Open(OptionsFor(server));
  absl::Status put = store->Put("k", "v", {.if_not_exists = true});
  EXPECT_EQ(put.code(), absl::StatusCode::kUnimplemented) << put;
  EXPECT_EQ(server.requests(), 1);
  FakeHttpServer bare([](const FakeRequest&) { return MakeReply(501, ""); });
  auto bare_store = Open(OptionsFor(bare));
  EXPECT_EQ(bare_store->Get("k").status().code(),
            absl::StatusCode::kUnimplemented);
  EXPECT_EQ(bare.requests(), 1);
}

std::string ContinuationTokenOf(const std::string& target) {
  const std::string kParam = "continuation-token=";
  size_t at = target.find(kParam);
  if (at == std::string::npos) return "";
  size_t end = target.find('&', at);
  return target.substr(at + kParam.size(), end == std::string::npos
                                               ? std::string::npos
                                               : end - at - kParam.size());
}

// A page of a listing with `keys`, truncated with `next` if not empty.
FakeReply ListPage(const std::vector<std::string>& keys,
                   const std::string& next) {
  std::string body = "<ListBucketResult>";
  if (!next.empty()) {
    absl::StrAppend(&body, "<IsTruncated>true</IsTruncated>",
                    "<NextContinuationToken>", next,
                    "</NextContinuationToken>");
  }
  for (const std::string& key : keys) {
    absl::StrAppend(&body, "<Contents><Key>", key,
                    "</Key><Size>1</Size></Contents>");
  }
  return MakeReply(200, body + "</ListBucketResult>");
}

// Tokens A -> B -> A would loop forever: a token seen before is DataLoss.
TEST(S3BadServerTest, ListingThatCyclesIsCut) {
  FakeHttpServer server([](const FakeRequest& r) {
    std::string token = ContinuationTokenOf(r.target);
    if (token.empty()) return ListPage({"a"}, "A");
    if (token == "A") return ListPage({"b"}, "B");
    return ListPage({"c"}, "A");
  });
  auto store = Open(OptionsFor(server));
  auto listed = store->List("");
  EXPECT_EQ(listed.status().code(), absl::StatusCode::kDataLoss)
      << listed.status();
  EXPECT_EQ(server.requests(), 3);
}

TEST(S3BadServerTest, ListingThatGoesBackOrStraysIsDataLoss) {
  struct Case {
    const char* name;
    std::string prefix;
    std::vector<std::vector<std::string>> pages;
  };
  for (const Case& c : std::vector<Case>{
           {"key of page 2 before page 1's", "", {{"a", "c"}, {"b"}}},
           {"key repeated across pages", "", {{"a"}, {"a"}}},
           {"key repeated in a page", "", {{"a", "a"}}},
           {"key outside the prefix", "p/", {{"p/1", "q"}}}}) {
    SCOPED_TRACE(c.name);
    FakeHttpServer server([&](const FakeRequest& r) {
      std::string token = ContinuationTokenOf(r.target);
      size_t page = token.empty() ? 0 : std::stoul(token.substr(1));
      return ListPage(c.pages[page], page + 1 < c.pages.size()
                                         ? absl::StrCat("t", page + 1)
                                         : "");
    });
    auto store = Open(OptionsFor(server));
    auto listed = store->List(c.prefix);
    EXPECT_EQ(listed.status().code(), absl::StatusCode::kDataLoss)
        << listed.status();
  }
}

// A 206 whose Content-Range, with its total, does not cover what was asked.
TEST(S3BadServerTest, PartialResponsesMustMatchTheRangeAsked) {
  struct Case {
    const char* name;
    ByteRange range;
    std::string content_range;
    size_t body_bytes;
    absl::StatusCode want;
    size_t want_bytes;
  };
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  for (const Case& c : std::vector<Case>{
           {"short", ByteRange::Of(0, 100), "bytes 0-49/1000", 50,
            absl::StatusCode::kDataLoss, 0},
           {"short of an open range", ByteRange{10, std::nullopt},
            "bytes 10-49/1000", 40, absl::StatusCode::kDataLoss, 0},
           {"end at 2^64-1, unknown total", ByteRange::Of(0, 10),
            absl::StrCat("bytes 0-", kMax, "/*"), 0,
            absl::StatusCode::kDataLoss, 0},
           {"end at 2^64-1", ByteRange::Of(0, 10),
            absl::StrCat("bytes 0-", kMax, "/", kMax), 0,
            absl::StatusCode::kDataLoss, 0},
           {"total overflows", ByteRange::Of(0, 10),
            "bytes 0-9/18446744073709551616", 10, absl::StatusCode::kDataLoss,
            0},
           {"end past the total", ByteRange::Of(0, 100), "bytes 0-99/50", 100,
            absl::StatusCode::kDataLoss, 0},
           {"wrong start", ByteRange::Of(5, 10), "bytes 0-9/100", 10,
            absl::StatusCode::kDataLoss, 0},
           {"cut at the end of the object", ByteRange::Of(10, 100),
            "bytes 10-19/20", 10, absl::StatusCode::kOk, 10},
           {"surplus is cut", ByteRange::Of(0, 1), "bytes 0-19/20", 20,
            absl::StatusCode::kOk, 1},
           {"open range", ByteRange{5, std::nullopt}, "bytes 5-19/20", 15,
            absl::StatusCode::kOk, 15}}) {
    SCOPED_TRACE(c.name);
    FakeHttpServer server([&](const FakeRequest&) {
      return MakeReply(206, std::string(c.body_bytes, 'r'),
                       {{"Content-Range", c.content_range}});
    });
    auto store = Open(OptionsFor(server));
    auto got = store->Get("k", c.range);
    EXPECT_EQ(got.status().code(), c.want) << got.status();
    if (got.ok()) {
      EXPECT_EQ(got->size(), c.want_bytes);
    }
  }
}

// A range whose last byte would be past 2^64 - 1 is asked as "to the end".
TEST(S3BadServerTest, RangeToBeyondTheLastOffsetIsAskedToTheEnd) {
  absl::Mutex mu;
  std::string range_asked;
  FakeHttpServer server([&](const FakeRequest& r) {
    absl::MutexLock lock(&mu);
    range_asked = r.Header("range");
    return MakeReply(206, "0123456789", {{"Content-Range", "bytes 10-19/20"}});
  });
  auto store = Open(OptionsFor(server));
  auto got =
      store->Get("k", ByteRange::Of(10, std::numeric_limits<uint64_t>::max()));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, "0123456789");
  absl::MutexLock lock(&mu);
  EXPECT_EQ(range_asked, "bytes=10-");
}

// A whole-object GET of 24 MiB may take 3 x request_timeout once its size
// is known (a fixed request_timeout would cut every large GET).
TEST(S3BadServerTest, LargeGetsGetMoreTime) {
  constexpr size_t kSize = 24 << 20;
  FakeHttpServer server([](const FakeRequest& r) {
    FakeReply reply = MakeReply(200, std::string(kSize, 'x'));
    reply.pause_after = reply.raw.size() / 2;
    reply.pause = absl::Milliseconds(1500);
    return reply;
  });
  S3Options options = OptionsFor(server);
  options.request_timeout = absl::Seconds(1);
  options.max_attempts = 1;
  auto store = Open(options);
  auto got = store->Get("big");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->size(), kSize);
  auto ranged = store->Get("big", ByteRange::Of(0, kSize));
  ASSERT_TRUE(ranged.ok()) << ranged.status();
  EXPECT_EQ(ranged->size(), kSize);
}

TEST(S3BadServerTest, BadOptionsAreRefusedAtOpen) {
  FakeHttpServer server([](const FakeRequest&) { return MakeReply(200, ""); });
  std::vector<std::pair<const char*, std::function<void(S3Options&)>>> cases = {
      {"request_timeout 0",
       [](S3Options& o) { o.request_timeout = absl::ZeroDuration(); }},
      {"connect_timeout < 0",
       [](S3Options& o) { o.connect_timeout = -absl::Seconds(1); }},
      {"low_speed_bytes 0", [](S3Options& o) { o.low_speed_bytes = 0; }},
      {"low_speed_time 0",
       [](S3Options& o) { o.low_speed_time = absl::ZeroDuration(); }},
      {"max_attempts 0", [](S3Options& o) { o.max_attempts = 0; }},
      {"max_response_bytes 0", [](S3Options& o) { o.max_response_bytes = 0; }},
  };
  for (const auto& [name, change] : cases) {
    SCOPED_TRACE(name);
    S3Options options = OptionsFor(server);
    change(options);
    auto store = OpenS3ObjectStore(options);
    EXPECT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument)
        << store.status();
  }
}

// Sets environment variables for the life of the object (tests only).
class ScopedEnv {
 public:
  ScopedEnv(std::vector<std::pair<std::string, std::string>> vars)
      : vars_(std::move(vars)) {
    for (const auto& [name, value] : vars_)
      setenv(name.c_str(), value.c_str(), 1);
  }
  ~ScopedEnv() {
    for (const auto& [name, value] : vars_) unsetenv(name.c_str());
  }

 private:
  std::vector<std::pair<std::string, std::string>> vars_;
};

// Only when neither the access key nor the secret is given do credentials
// come from the environment; one without the other is an error.
TEST(S3BadServerTest, CredentialsFromTheEnvironmentOnlyWhenNoneGiven) {
  ScopedEnv env({{"AWS_ACCESS_KEY_ID", "ENVKEY"},
                 {"AWS_SECRET_ACCESS_KEY", "envsecret"},
                 {"AWS_SESSION_TOKEN", "envtoken"}});
  absl::Mutex mu;
  std::vector<FakeRequest> seen;
  FakeHttpServer server([&](const FakeRequest& r) {
    absl::MutexLock lock(&mu);
    seen.push_back(r);
    return MakeReply(200, "");
  });
  S3Options options = OptionsFor(server);
  options.access_key_id.clear();
  options.secret_access_key.clear();
  auto from_env = Open(options);
  ASSERT_TRUE(from_env->Put("k", "v").ok());

  options = OptionsFor(server);  // explicit: the environment is ignored
  auto explicit_store = Open(options);
  ASSERT_TRUE(explicit_store->Put("k", "v").ok());
  {
    absl::MutexLock lock(&mu);
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_TRUE(absl::StrContains(seen[0].Header("authorization"),
                                  "Credential=ENVKEY/"));
    EXPECT_EQ(seen[0].Header("x-amz-security-token"), "envtoken");
    EXPECT_TRUE(absl::StrContains(seen[1].Header("authorization"),
                                  "Credential=AKIDEXAMPLE/"));
    EXPECT_EQ(seen[1].Header("x-amz-security-token"), "");
  }

  for (bool keep_key : {true, false}) {
    options = OptionsFor(server);
    (keep_key ? options.secret_access_key : options.access_key_id).clear();
    auto mixed = OpenS3ObjectStore(options);
    EXPECT_EQ(mixed.status().code(), absl::StatusCode::kInvalidArgument)
        << mixed.status();
  }
  options = OptionsFor(server);
  options.access_key_id.clear();
  options.secret_access_key.clear();
  options.session_token = "token-alone";
  EXPECT_EQ(OpenS3ObjectStore(options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// Requests on one store really run at once: the server answers none until 8
// are in flight together.
TEST(S3BadServerTest, RequestsRunConcurrently) {
  constexpr int kThreads = 8;
  absl::Mutex mu;
  int in_flight = 0;
  std::atomic<bool> barrier_timed_out{false};
  FakeHttpServer server([&](const FakeRequest&) {
    absl::MutexLock lock(&mu);
    ++in_flight;
    auto all_arrived = [&] { return in_flight >= kThreads; };
    if (!mu.AwaitWithTimeout(absl::Condition(&all_arrived),
                             absl::Seconds(10))) {
      barrier_timed_out = true;
    }
    return MakeReply(200, "data");
  });
  S3Options options = OptionsFor(server);
  options.max_attempts = 1;
  auto store = Open(options);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      auto got = store->Get("k");
      EXPECT_TRUE(got.ok()) << got.status();
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_FALSE(barrier_timed_out.load())
      << "fewer than " << kThreads << " requests were in flight at once";
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
    if (r.method == "PUT") {
      EXPECT_EQ(again.payload_hash, Sha256Hex("payload"));
    }
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
