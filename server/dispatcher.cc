#include "server/dispatcher.h"

#include <deque>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
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

  void Handle(uint64_t connection, const std::string& peer,
              std::shared_ptr<ConnectionContext> context, std::string payload,
              Respond respond) {
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
    auto task = [this, header, peer, context = std::move(context), handler = it->second,
                 request = std::make_shared<kafka::Request>(std::move(*decoded->body)),
                 respond]() {
      HandlerContext handler_context{header, agent_, peer,
                                     dynamic_cast<Session*>(context.get())};
      handler(handler_context, *request,
              [header, respond](std::optional<kafka::Response> response) {
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
    std::shared_ptr<Strand>& strand = strands_[connection];
    if (strand == nullptr) {
      strand = std::make_shared<Strand>();
      strand->connection = connection;
    }
    strand->tasks.push_back(std::move(task));
    if (!strand->scheduled) {
      strand->scheduled = true;
      ready_.push_back(strand);
    }
  }

 private:
  // The requests of one connection start in the order they arrived, one
  // after another (as Kafka brokers process them): an idempotent producer's
  // pipelined produces reach the producer in sequence order. Handlers that
  // wait (long-polls, produce acknowledgements, rebalances) return at once
  // and answer later, so a connection is held up only by handlers that
  // block.
  struct Strand {
    uint64_t connection = 0;
    std::deque<std::function<void()>> tasks;
    bool scheduled = false;  // in ready_ or running
  };

  void Work() {
    for (;;) {
      std::shared_ptr<Strand> strand;
      std::function<void()> task;
      {
        absl::MutexLock lock(&mu_);
        auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return stopping_ || !ready_.empty();
        };
        mu_.Await(absl::Condition(&ready));
        if (ready_.empty()) return;
        strand = std::move(ready_.front());
        ready_.pop_front();
        task = std::move(strand->tasks.front());
        strand->tasks.pop_front();
      }
      task();
      absl::MutexLock lock(&mu_);
      if (!strand->tasks.empty()) {
        ready_.push_back(std::move(strand));
      } else {
        strand->scheduled = false;
        strands_.erase(strand->connection);
      }
    }
  }

  Agent* const agent_;
  std::vector<std::thread> threads_;
  absl::Mutex mu_;
  absl::flat_hash_map<uint64_t, std::shared_ptr<Strand>> strands_ ABSL_GUARDED_BY(mu_);
  std::deque<std::shared_ptr<Strand>> ready_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

Dispatcher::Dispatcher(Agent* agent, int workers)
    : impl_(std::make_unique<Impl>(agent, workers)) {}
Dispatcher::~Dispatcher() = default;

FrameHandler Dispatcher::handler() {
  return [this](const ConnectionInfo& connection, std::string payload, Respond respond) {
    impl_->Handle(connection.id, connection.peer, connection.context, std::move(payload),
                  std::move(respond));
  };
}

std::shared_ptr<ConnectionContext> Dispatcher::NewSession() {
  return std::make_shared<Session>();
}

}  // namespace warp::server
