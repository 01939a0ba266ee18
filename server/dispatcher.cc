#include "server/dispatcher.h"

#include <atomic>
#include <deque>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "lib/protocol/messages/request_codec.h"

namespace warp::server {

Lane LaneOf(int16_t api_key) {
  switch (api_key) {
    case kafka::ProduceRequest::kApiKey:
      return Lane::kProduce;
    case kafka::ApiVersionsRequest::kApiKey:
    case kafka::HeartbeatRequest::kApiKey:
    case kafka::JoinGroupRequest::kApiKey:
    case kafka::SyncGroupRequest::kApiKey:
    case kafka::LeaveGroupRequest::kApiKey:
    case kafka::ListGroupsRequest::kApiKey:
    case kafka::DescribeGroupsRequest::kApiKey:
    case kafka::FindCoordinatorRequest::kApiKey:
    case kafka::DescribeClusterRequest::kApiKey:
      return Lane::kMemory;
    default:
      return Lane::kJournal;
  }
}

namespace {

constexpr int kLanes = 3;

// Requests that only read (a Metadata request's topic auto-creation is
// redone by the client's next one): once their connection has closed, no
// one will read their answers, so those not yet started are dropped (a
// client that pipelined 512 fetches and went away costs no reads). The
// others still run, as Kafka runs them: their effect matters unanswered.
bool OnlyReads(int16_t api_key) {
  switch (api_key) {
    case kafka::FetchRequest::kApiKey:
    case kafka::ListOffsetsRequest::kApiKey:
    case kafka::MetadataRequest::kApiKey:
    case kafka::OffsetFetchRequest::kApiKey:
    case kafka::FindCoordinatorRequest::kApiKey:
    case kafka::ApiVersionsRequest::kApiKey:
    case kafka::ListGroupsRequest::kApiKey:
    case kafka::DescribeGroupsRequest::kApiKey:
    case kafka::DescribeConfigsRequest::kApiKey:
    case kafka::DescribeClusterRequest::kApiKey:
      return true;
    default:
      return false;
  }
}

// One request waiting for its turn on its connection. `run` calls the
// handler; a task that `holds` its connection gives it back through the
// callback it is passed once answered, else on return.
struct Task {
  Lane lane = Lane::kJournal;
  bool holds = false;
  std::function<void(std::function<void()> release)> run;
};

// The requests of one connection, started one after another in order.
struct Strand {
  uint64_t connection = 0;
  std::deque<Task> tasks;
  bool scheduled = false;  // in a lane's ready queue, or running
};

// The queues, shared with answers that may come after the dispatcher is
// gone (a fetcher answering its waiting fetches while it is destroyed).
struct Queues {
  absl::Mutex mu;
  absl::flat_hash_map<uint64_t, std::shared_ptr<Strand>> strands ABSL_GUARDED_BY(mu);
  std::deque<std::shared_ptr<Strand>> ready[kLanes] ABSL_GUARDED_BY(mu);
  bool stopping ABSL_GUARDED_BY(mu) = false;

  // Puts `strand` in the ready queue of its next task, or retires it.
  void Continue(const std::shared_ptr<Strand>& strand) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    if (!strand->tasks.empty()) {
      ready[static_cast<int>(strand->tasks.front().lane)].push_back(strand);
      return;
    }
    strand->scheduled = false;
    auto it = strands.find(strand->connection);
    if (it != strands.end() && it->second == strand) strands.erase(it);
  }
};

// The requests a SASL listener serves before the client authenticated.
bool BeforeAuthentication(int16_t api_key) {
  return api_key == kafka::ApiVersionsRequest::kApiKey ||
         api_key == kafka::SaslHandshakeRequest::kApiKey ||
         api_key == kafka::SaslAuthenticateRequest::kApiKey;
}

// `payload` as a frame: its 4-byte big-endian size in front.
std::string SizePrefixed(absl::string_view payload) {
  kafka::Writer writer;
  size_t at = kafka::BeginFrame(writer);
  writer.WriteRaw(payload);
  kafka::EndFrame(writer, at);
  return writer.Release();
}

}  // namespace

class Dispatcher::Impl {
 public:
  Impl(Agent* agent, const DispatcherOptions& options)
      : agent_(agent),
        handlers_(options.handlers != nullptr ? options.handlers : &Handlers()),
        queues_(std::make_shared<Queues>()) {
    const int workers[kLanes] = {options.memory_workers, options.journal_workers,
                                 options.produce_workers};
    for (int lane = 0; lane < kLanes; ++lane) {
      for (int i = 0; i < std::max(1, workers[lane]); ++i) {
        threads_.emplace_back([this, lane] { Work(lane); });
      }
    }
  }
  ~Impl() {
    {
      absl::MutexLock lock(&queues_->mu);
      queues_->stopping = true;
    }
    for (auto& t : threads_) t.join();
  }

  void Handle(uint64_t connection, const std::string& peer, const std::string& listener,
              std::shared_ptr<ConnectionContext> context, std::string payload,
              Respond respond) {
    Session* session = dynamic_cast<Session*>(context.get());
    if (session != nullptr && session->expects_raw_token()) {
      // After SaslHandshake v0 the client sends bare SASL tokens and gets
      // bare tokens back (kafka-python); a failure closes the connection,
      // as Kafka does.
      const absl::Duration reauth = agent_->config().sasl_reauth;
      absl::StatusOr<std::string> token = session->SaslStep(
          payload, reauth > absl::ZeroDuration() ? reauth : absl::InfiniteDuration());
      if (!token.ok()) {
        agent_->logins().Failed(ClientAddress(peer),
                                [respond, status = token.status()] { respond(status); });
        return;
      }
      if (session->authenticated()) agent_->logins().Succeeded();
      respond(std::optional<std::string>(SizePrefixed(*token)));
      return;
    }
    absl::StatusOr<kafka::DecodedRequest> decoded = kafka::DecodeRequestPayload(payload);
    if (!decoded.ok()) {
      respond(decoded.status());  // malformed: close the connection
      return;
    }
    kafka::RequestHeader header = decoded->header;
    if (session != nullptr && !session->certificate_accepted()) {
      respond(absl::UnauthenticatedError(
          "no --tls_principal_mapping_rules rule applies to the client's certificate"));
      return;
    }
    if (session != nullptr && session->session_expired(absl::Now()) &&
        !BeforeAuthentication(header.api_key)) {
      // KIP-368: a login not renewed in time ends the connection at the
      // next request (the client logs in again on a new one).
      respond(absl::UnauthenticatedError("the SASL session expired (--sasl_reauth_ms)"));
      return;
    }
    if (session != nullptr && !session->authenticated() &&
        (session->sasl_failed() || !BeforeAuthentication(header.api_key))) {
      // As Kafka: any other request before authentication (or after a
      // failed one) ends the connection.
      respond(absl::UnauthenticatedError(absl::StrCat(
          "api key ", header.api_key, " before SASL authentication")));
      return;
    }
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
    auto it = handlers_->find(header.api_key);
    if (it == handlers_->end()) {
      respond(absl::UnimplementedError(absl::StrCat("no handler for api key ", header.api_key)));
      return;
    }
    Task task;
    task.lane = LaneOf(header.api_key);
    task.holds = header.api_key == kafka::FetchRequest::kApiKey;
    task.run = [this, header, peer, listener, context = std::move(context), handler = it->second,
                request = std::make_shared<kafka::Request>(std::move(*decoded->body)),
                respond](std::function<void()> release) {
      HandlerContext handler_context{header, agent_, peer,
                                     dynamic_cast<Session*>(context.get()), listener};
      if (context != nullptr && context->closed() && OnlyReads(header.api_key)) {
        respond(std::optional<std::string>());
        release();
        return;
      }
      handler(handler_context, *request,
              [header, respond, release](std::optional<kafka::Response> response) {
        if (!response.has_value()) {
          respond(std::optional<std::string>());
        } else {
          absl::StatusOr<std::string> frame = kafka::EncodeResponseFrame(header, *response);
          if (frame.ok()) {
            respond(std::optional<std::string>(*std::move(frame)));
          } else {
            respond(frame.status());
          }
        }
        release();
      });
    };
    absl::MutexLock lock(&queues_->mu);
    std::shared_ptr<Strand>& strand = queues_->strands[connection];
    if (strand == nullptr) {
      strand = std::make_shared<Strand>();
      strand->connection = connection;
    }
    strand->tasks.push_back(std::move(task));
    if (!strand->scheduled) {
      strand->scheduled = true;
      queues_->Continue(strand);
    }
  }

 private:
  void Work(int lane) {
    Queues& q = *queues_;
    for (;;) {
      std::shared_ptr<Strand> strand;
      Task task;
      {
        absl::MutexLock lock(&q.mu);
        auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(q.mu) {
          return q.stopping || !q.ready[lane].empty();
        };
        q.mu.Await(absl::Condition(&ready));
        if (q.ready[lane].empty()) return;
        strand = std::move(q.ready[lane].front());
        q.ready[lane].pop_front();
        task = std::move(strand->tasks.front());
        strand->tasks.pop_front();
      }
      if (!task.holds) {
        task.run([] {});
        absl::MutexLock lock(&q.mu);
        q.Continue(strand);
        continue;
      }
      // The connection goes on once the task has both returned and been
      // answered, whichever comes last (an answer may come first, or long
      // after, from another thread, even after the dispatcher is gone).
      auto pending = std::make_shared<std::atomic<int>>(2);
      std::weak_ptr<Queues> weak = queues_;
      auto release = [weak, strand, pending] {
        if (pending->fetch_sub(1) != 1) return;
        std::shared_ptr<Queues> queues = weak.lock();
        if (queues == nullptr) return;
        absl::MutexLock lock(&queues->mu);
        queues->Continue(strand);
      };
      task.run(release);
      release();
    }
  }

  Agent* const agent_;
  const absl::flat_hash_map<int16_t, Handler>* const handlers_;
  std::shared_ptr<Queues> queues_;
  std::vector<std::thread> threads_;
};

Dispatcher::Dispatcher(Agent* agent, const DispatcherOptions& options)
    : impl_(std::make_unique<Impl>(agent, options)) {}
Dispatcher::~Dispatcher() = default;

FrameHandler Dispatcher::handler() {
  return [this](const ConnectionInfo& connection, std::string payload, Respond respond) {
    impl_->Handle(connection.id, connection.peer, connection.listener, connection.context,
                  std::move(payload), std::move(respond));
  };
}

std::shared_ptr<ConnectionContext> Dispatcher::NewSession() {
  return std::make_shared<Session>();
}

std::function<std::shared_ptr<ConnectionContext>()> Dispatcher::SessionMaker(
    bool sasl_required, std::shared_ptr<const acl::SslPrincipalMapper> mapper) {
  return [sasl_required, mapper = std::move(mapper)] {
    return std::make_shared<Session>(sasl_required, mapper);
  };
}

}  // namespace warp::server
