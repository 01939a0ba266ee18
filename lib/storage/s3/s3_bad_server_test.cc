// The S3 store (with the real curl transport) against scripted bad servers:
// every failure gives a clear Status, retryable ones are retried, nothing
// crashes or hangs; plus the details a real S3 checks (signature over what is
// really sent, batch deletes). Create-only retries: s3_create_only_test.cc.
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
#include "lib/storage/s3/testing/scripted_s3.h"
#include "warp/s3_object_store.h"

namespace warp::s3 {
namespace {

using testing::FakeHttpServer;
using testing::FakeReply;
using testing::FakeRequest;
using testing::MakeReply;
using testing::ErrorXml;
using testing::Md5Hex;
using testing::Open;
using testing::OptionsFor;


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

// A clock that stands still and records the sleeps asked of it.
class SleepRecordingClock final : public Clock {
 public:
  absl::Time Now() override { return absl::FromUnixSeconds(1700000000); }
  void SleepFor(absl::Duration d) override {
    absl::MutexLock lock(&mu_);
    sleeps_.push_back(d);
  }
  std::vector<absl::Duration> sleeps() {
    absl::MutexLock lock(&mu_);
    return sleeps_;
  }

 private:
  absl::Mutex mu_;
  std::vector<absl::Duration> sleeps_ ABSL_GUARDED_BY(mu_);
};

// 503 and 429 answers with Retry-After (seconds, an HTTP-date 7 s after the
// clock's now, an hour) make the next attempt wait that long, up to
// max_retry_after; a 502's Retry-After, or none, leaves the plain backoff
// (at most 5 ms here).
TEST(S3BadServerTest, RetryAfterIsHonouredUpToItsCap) {
  std::atomic<int> n{0};
  FakeHttpServer server([&](const FakeRequest&) {
    switch (n.fetch_add(1)) {
      case 0:
        return MakeReply(503, ErrorXml("SlowDown"), {{"Retry-After", "3"}});
      case 1:
        return MakeReply(429, "", {{"Retry-After", "Tue, 14 Nov 2023 22:13:27 GMT"}});
      case 2:
        return MakeReply(503, ErrorXml("SlowDown"), {{"Retry-After", "3600"}});
      case 3:
        return MakeReply(502, "", {{"Retry-After", "9"}});
      case 4:
        return MakeReply(500, "");
      default:
        return MakeReply(200, "", {{"ETag", "\"x\""}});
    }
  });
  SleepRecordingClock clock;
  S3Options options = OptionsFor(server);
  options.clock = &clock;
  options.max_attempts = 6;
  auto store = Open(options);
  absl::Status put = store->Put("k", "v");
  ASSERT_TRUE(put.ok()) << put;
  const std::vector<absl::Duration> sleeps = clock.sleeps();
  ASSERT_EQ(sleeps.size(), 5u);
  EXPECT_EQ(sleeps[0], absl::Seconds(3));
  EXPECT_EQ(sleeps[1], absl::Seconds(7));
  EXPECT_EQ(sleeps[2], absl::Seconds(20));  // the default max_retry_after
  EXPECT_LE(sleeps[3], absl::Milliseconds(5));
  EXPECT_LE(sleeps[4], absl::Milliseconds(5));

  // max_retry_after 0 ignores the header.
  n = 0;
  SleepRecordingClock ignoring;
  options.clock = &ignoring;
  options.max_retry_after = absl::ZeroDuration();
  ASSERT_TRUE(Open(options)->Put("k", "v").ok());
  for (absl::Duration d : ignoring.sleeps()) EXPECT_LE(d, absl::Milliseconds(5));
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


// A bucket that honours If-None-Match and keeps the put-id metadata of each
// object (returned by HEAD and GET, as S3 returns x-amz-meta-* headers), for
// the create-only tests.
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
      {"max_retry_after < 0",
       [](S3Options& o) { o.max_retry_after = -absl::Seconds(1); }},
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
