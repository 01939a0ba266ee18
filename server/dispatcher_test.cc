// The dispatcher's lanes and per-connection order, with handlers of the
// test's own that block or answer late.
#include "server/dispatcher.h"

#include <atomic>
#include <map>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "lib/protocol/messages/dispatch.h"
#include "lib/protocol/messages/request_codec.h"

namespace warp::server {
namespace {

using namespace kafka;  // NOLINT: the protocol's names

// The payload (no size prefix) of a default request of type T.
template <typename T>
std::string Payload(int16_t version) {
  RequestHeader header;
  header.api_key = T::kApiKey;
  header.api_version = version;
  header.client_id = "dispatcher-test";
  absl::StatusOr<std::string> frame = EncodeRequestFrame(header, Request(T{}));
  EXPECT_TRUE(frame.ok()) << frame.status();
  return frame->substr(4);
}

class Answers {
 public:
  Respond Expect() {
    return [this](absl::StatusOr<std::optional<std::string>> answer) {
      absl::MutexLock lock(&mu_);
      EXPECT_TRUE(answer.ok()) << answer.status();
      ++count_;
    };
  }
  // Waits until `n` answers came; false after `timeout`.
  bool WaitFor(int n, absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto enough = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return count_ >= n; };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
  }
  int count() {
    absl::MutexLock lock(&mu_);
    return count_;
  }

 private:
  absl::Mutex mu_;
  int count_ ABSL_GUARDED_BY(mu_) = 0;
};

// Every produce worker stuck (as behind a producer whose buffer is full):
// ApiVersions, heartbeats and journal requests from other connections are
// still answered at once.
TEST(DispatcherTest, StuckProducesDoNotHoldUpOtherRequests) {
  absl::Notification unblock;
  std::atomic<int> produces_started{0};
  absl::flat_hash_map<int16_t, Handler> handlers;
  handlers[ProduceRequest::kApiKey] = [&](const HandlerContext&, Request&, Reply reply) {
    ++produces_started;
    unblock.WaitForNotification();
    reply(Response(ProduceResponse()));
  };
  auto immediate = [](Response response) {
    return [response](const HandlerContext&, Request&, Reply reply) { reply(response); };
  };
  handlers[ApiVersionsRequest::kApiKey] = immediate(Response(ApiVersionsResponse()));
  handlers[HeartbeatRequest::kApiKey] = immediate(Response(HeartbeatResponse()));
  handlers[MetadataRequest::kApiKey] = immediate(Response(MetadataResponse()));
  DispatcherOptions options;
  options.handlers = &handlers;
  options.produce_workers = 4;
  Dispatcher dispatcher(nullptr, options);
  FrameHandler handle = dispatcher.handler();
  Answers produced, others;
  std::string produce = Payload<ProduceRequest>(9);
  for (uint64_t c = 0; c < 100; ++c) handle({100 + c, "/127.0.0.1", nullptr}, produce, produced.Expect());
  while (produces_started.load() < 4) absl::SleepFor(absl::Milliseconds(1));
  for (uint64_t c = 0; c < 50; ++c) {
    handle({1000 + c, "/127.0.0.1", nullptr}, Payload<ApiVersionsRequest>(3), others.Expect());
    handle({2000 + c, "/127.0.0.1", nullptr}, Payload<HeartbeatRequest>(4), others.Expect());
    handle({3000 + c, "/127.0.0.1", nullptr}, Payload<MetadataRequest>(12), others.Expect());
  }
  EXPECT_TRUE(others.WaitFor(150, absl::Seconds(10)));
  EXPECT_EQ(produced.count(), 0);
  EXPECT_EQ(produces_started.load(), 4);  // the lane's workers, no more
  unblock.Notify();
  EXPECT_TRUE(produced.WaitFor(100, absl::Seconds(10)));
}

// A connection's fetches are handled one at a time: the next starts only
// when the one before is answered, however late; other requests of the
// connection wait their turn behind it. Another connection's long-poll runs
// beside them.
TEST(DispatcherTest, AConnectionsFetchesAreAnsweredOneAtATime) {
  absl::Mutex mu;
  std::map<std::string, std::vector<Reply>> waiting;  // by client host
  absl::flat_hash_map<int16_t, Handler> handlers;
  handlers[FetchRequest::kApiKey] = [&](const HandlerContext& ctx, Request&, Reply reply) {
    absl::MutexLock lock(&mu);
    waiting[ctx.client_host].push_back(std::move(reply));  // answered later
  };
  handlers[ApiVersionsRequest::kApiKey] = [](const HandlerContext&, Request&, Reply reply) {
    reply(Response(ApiVersionsResponse()));
  };
  DispatcherOptions options;
  options.handlers = &handlers;
  Dispatcher dispatcher(nullptr, options);
  FrameHandler handle = dispatcher.handler();
  Answers answers, elsewhere;
  for (int i = 0; i < 3; ++i) {
    handle({7, "/10.0.0.7", nullptr}, Payload<FetchRequest>(12), answers.Expect());
  }
  handle({7, "/10.0.0.7", nullptr}, Payload<ApiVersionsRequest>(3), answers.Expect());
  handle({8, "/10.0.0.8", nullptr}, Payload<FetchRequest>(12), elsewhere.Expect());
  auto parked = [&](const std::string& host) {
    for (int i = 0; i < 5000; ++i) {
      {
        absl::MutexLock lock(&mu);
        if (!waiting[host].empty()) return true;
      }
      absl::SleepFor(absl::Milliseconds(1));
    }
    return false;
  };
  ASSERT_TRUE(parked("/10.0.0.8"));
  for (int round = 1; round <= 3; ++round) {
    ASSERT_TRUE(parked("/10.0.0.7")) << "round " << round;
    absl::SleepFor(absl::Milliseconds(20));  // time for a wrong second start
    Reply reply;
    {
      absl::MutexLock lock(&mu);
      ASSERT_EQ(waiting["/10.0.0.7"].size(), 1u) << "round " << round;
      reply = std::move(waiting["/10.0.0.7"].front());
      waiting["/10.0.0.7"].clear();
    }
    EXPECT_EQ(answers.count(), round - 1);
    reply(Response(FetchResponse()));
  }
  EXPECT_TRUE(answers.WaitFor(4, absl::Seconds(10)));  // the ApiVersions last
  EXPECT_EQ(elsewhere.count(), 0);
  absl::MutexLock lock(&mu);
  ASSERT_EQ(waiting["/10.0.0.8"].size(), 1u);
  waiting["/10.0.0.8"].front()(Response(FetchResponse()));
}

// Once a connection has closed, its reads not yet started are dropped
// (no one would read their answers); what changes state still runs.
TEST(DispatcherTest, AClosedConnectionsQueuedReadsAreDroppedAndItsWritesRun) {
  absl::Mutex mu;
  std::vector<Reply> parked;
  std::atomic<int> fetches{0}, produces{0};
  absl::flat_hash_map<int16_t, Handler> handlers;
  handlers[FetchRequest::kApiKey] = [&](const HandlerContext&, Request&, Reply reply) {
    ++fetches;
    absl::MutexLock lock(&mu);
    parked.push_back(std::move(reply));
  };
  handlers[ProduceRequest::kApiKey] = [&](const HandlerContext&, Request&, Reply reply) {
    ++produces;
    reply(Response(ProduceResponse()));
  };
  DispatcherOptions options;
  options.handlers = &handlers;
  Dispatcher dispatcher(nullptr, options);
  FrameHandler handle = dispatcher.handler();
  std::shared_ptr<ConnectionContext> session = Dispatcher::NewSession();
  Answers answers;
  for (int i = 0; i < 5; ++i) handle({9, "/10.0.0.9", session}, Payload<FetchRequest>(12), answers.Expect());
  handle({9, "/10.0.0.9", session}, Payload<ProduceRequest>(9), answers.Expect());
  for (int i = 0; i < 5000 && fetches.load() == 0; ++i) absl::SleepFor(absl::Milliseconds(1));
  ASSERT_EQ(fetches.load(), 1);
  session->MarkClosed();
  Reply reply;
  {
    absl::MutexLock lock(&mu);
    ASSERT_EQ(parked.size(), 1u);
    reply = std::move(parked.front());
  }
  reply(Response(FetchResponse()));
  EXPECT_TRUE(answers.WaitFor(6, absl::Seconds(10)));  // every request completes
  EXPECT_EQ(fetches.load(), 1);
  EXPECT_EQ(produces.load(), 1);
}

}  // namespace
}  // namespace warp::server
