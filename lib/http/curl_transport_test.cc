// The curl transport against a scripted server: bodies resent on a fresh
// connection, capped error bodies, deadlines that grow with the response.
#include "lib/http/curl_transport.h"

#include <atomic>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "lib/storage/s3/testing/fake_http_server.h"

namespace warp::http {
namespace {

using s3::testing::FakeHttpServer;
using s3::testing::FakeReply;
using s3::testing::FakeRequest;
using s3::testing::MakeReply;

HttpRequest Put(const FakeHttpServer& server, absl::string_view body) {
  HttpRequest request;
  request.method = "PUT";
  request.url = absl::StrCat(server.endpoint(), "/bucket/key");
  request.body = body;
  request.timeout = absl::Seconds(20);
  return request;
}

// A kept-alive connection that the server drops after reading a request
// (without answering) makes curl resend the request on a fresh connection;
// it must rewind the body for that rather than fail.
TEST(CurlTransportTest, BodyIsRewoundToResendOnAFreshConnection) {
  absl::Mutex mu;
  std::vector<std::string> bodies;
  FakeHttpServer server([&](const FakeRequest& request) {
    absl::MutexLock lock(&mu);
    bodies.push_back(request.body);
    if (bodies.size() == 2) {
      FakeReply drop;
      drop.close = true;  // read, then closed without an answer
      return drop;
    }
    return MakeReply(200, "");
  });
  auto transport = NewCurlTransport({});
  std::string first(1000, 'a');
  auto one = transport->Perform(Put(server, first));
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(one->status, 200);
  // The same (pooled) handle and connection; the server drops this one.
  std::string second(100000, 'b');
  auto two = transport->Perform(Put(server, second));
  ASSERT_TRUE(two.ok()) << two.status();
  EXPECT_EQ(two->status, 200);
  absl::MutexLock lock(&mu);
  ASSERT_EQ(bodies.size(), 3u);
  EXPECT_EQ(bodies[1], second);
  EXPECT_EQ(bodies[2], second) << "the resent body was not rewound";
}

TEST(CurlTransportTest, ErrorBodiesAreCapped) {
  FakeHttpServer server([](const FakeRequest& request) {
    if (request.target == "/ok") return MakeReply(200, "fine");
    return MakeReply(500, std::string(4 << 20, 'e'));
  });
  auto transport = NewCurlTransport({});
  HttpRequest request;
  request.method = "GET";
  request.url = absl::StrCat(server.endpoint(), "/error");
  auto error = transport->Perform(request);
  ASSERT_TRUE(error.ok()) << error.status();
  EXPECT_EQ(error->status, 500);
  EXPECT_EQ(error->body, std::string(kMaxErrorBodyBytes, 'e'));
  // The rest was read: the connection serves the next request.
  request.url = absl::StrCat(server.endpoint(), "/ok");
  auto ok = transport->Perform(request);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->body, "fine");
  // A 2xx body is not capped.
  EXPECT_EQ(ok->status, 200);
}

// A response of 24 MiB may take 3 x timeout_per_8mib_of_response; the wait
// for its headers stays bounded by `timeout`.
TEST(CurlTransportTest, LargeResponsesGetMoreTime) {
  constexpr size_t kSize = 24 << 20;
  FakeHttpServer server([](const FakeRequest& request) {
    if (request.target == "/stall") {
      FakeReply reply = MakeReply(200, "late");
      reply.delay = absl::Seconds(30);
      return reply;
    }
    FakeReply reply = MakeReply(200, std::string(kSize, 'x'));
    reply.pause_after = reply.raw.size() / 2;
    reply.pause = absl::Milliseconds(1500);
    return reply;
  });
  auto transport = NewCurlTransport({});
  HttpRequest request;
  request.method = "GET";
  request.url = absl::StrCat(server.endpoint(), "/big");
  request.timeout = absl::Seconds(1);
  request.timeout_per_8mib_of_response = absl::Seconds(1);
  auto big = transport->Perform(request);
  ASSERT_TRUE(big.ok()) << big.status();
  EXPECT_EQ(big->body.size(), kSize);

  request.timeout_per_8mib_of_response = absl::ZeroDuration();
  auto fixed = transport->Perform(request);
  EXPECT_EQ(fixed.status().code(), absl::StatusCode::kDeadlineExceeded)
      << fixed.status();

  request.url = absl::StrCat(server.endpoint(), "/stall");
  request.timeout_per_8mib_of_response = absl::Seconds(1);
  absl::Time start = absl::Now();
  auto stalled = transport->Perform(request);
  EXPECT_EQ(stalled.status().code(), absl::StatusCode::kDeadlineExceeded)
      << stalled.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

}  // namespace
}  // namespace warp::http
