#include "server/dispatcher.h"

#include <deque>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "lib/protocol/messages/request_codec.h"
#include "server/handler.h"

namespace warp::server {

class Dispatcher::Impl {
 public:
  Impl(Agent* agent, int workers) : agent_(agent) {
    for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { Work(); });
  }
  ~Impl() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    for (auto& t : threads_) t.join();
  }

  void Handle(const std::string& peer, std::string payload, Respond respond) {
    absl::StatusOr<kafka::DecodedRequest> decoded = kafka::DecodeRequestPayload(payload);
    if (!decoded.ok()) {
      respond(decoded.status());  // malformed: close the connection
      return;
    }
    kafka::RequestHeader header = decoded->header;
    if (decoded->support != kafka::VersionSupport::kSupported) {
      if (header.api_key == kafka::ApiVersionsRequest::kApiKey) {
        respond(kafka::EncodeResponseFrame(
            header, kafka::Response(kafka::MakeUnsupportedVersionApiVersionsResponse())));
        return;
      }
      respond(absl::InvalidArgumentError(absl::StrCat(
          "unsupported api key ", header.api_key, " version ", header.api_version)));
      return;
    }
    auto it = Handlers().find(header.api_key);
    if (it == Handlers().end()) {
      respond(absl::UnimplementedError(absl::StrCat("no handler for api key ", header.api_key)));
      return;
    }
    auto task = [this, header, peer, handler = it->second,
                 request = std::make_shared<kafka::Request>(std::move(*decoded->body)),
                 respond]() {
      HandlerContext context{header, agent_, peer};
      handler(context, *request, [header, respond](std::optional<kafka::Response> response) {
        if (!response.has_value()) {
          respond(std::optional<std::string>());
          return;
        }
        absl::StatusOr<std::string> frame = kafka::EncodeResponseFrame(header, *response);
        if (!frame.ok()) {
          respond(frame.status());
          return;
        }
        respond(std::optional<std::string>(*std::move(frame)));
      });
    };
    absl::MutexLock lock(&mu_);
    queue_.push_back(std::move(task));
  }

 private:
  void Work() {
    for (;;) {
      std::function<void()> task;
      {
        absl::MutexLock lock(&mu_);
        auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return stopping_ || !queue_.empty();
        };
        mu_.Await(absl::Condition(&ready));
        if (queue_.empty()) return;
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      task();
    }
  }

  Agent* const agent_;
  std::vector<std::thread> threads_;
  absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

Dispatcher::Dispatcher(Agent* agent, int workers)
    : impl_(std::make_unique<Impl>(agent, workers)) {}
Dispatcher::~Dispatcher() = default;

FrameHandler Dispatcher::handler() {
  return [this](const ConnectionInfo& connection, std::string payload, Respond respond) {
    impl_->Handle(connection.peer, std::move(payload), std::move(respond));
  };
}

}  // namespace warp::server
