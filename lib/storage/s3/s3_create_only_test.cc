// Create-only PUTs (If-None-Match: *) against a scripted bucket: a retry
// whose first attempt really succeeded is recognised by its signed put id,
// and anyone else's write, even of identical bytes, is a conflict.
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

constexpr char kPutIdHeader[] = "x-amz-meta-warp-put-id";

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


}  // namespace
}  // namespace warp::s3
