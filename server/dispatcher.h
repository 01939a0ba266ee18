// Turns request frames into handler calls and handler answers into response
// frames (the FrameHandler of the KafkaServer).
//
// Handlers run on worker pools ("lanes"), so that a long-polling fetch never
// blocks an I/O thread and handlers that may block do not hold up the ones
// that must not: produces, which can wait up to the producer's max_block for
// buffer room, run in their own lane; handlers that may wait on the metadata
// journal (commands, Sync: up to its commit timeout) in another; ApiVersions,
// the group membership APIs and the rest, which only read memory, in a third.
// A heartbeat is then never queued behind a stuck produce or a slow journal.
//
// The requests of one connection start one after another in arrival order
// (as Kafka brokers process them), each in its lane. A Fetch holds its
// connection until it is answered: a client pipelining fetches gets them
// answered one at a time, so its long-polls never pile up responses.
//
// Thread-safe.
#ifndef WARP_SERVER_DISPATCHER_H_
#define WARP_SERVER_DISPATCHER_H_

#include <cstdint>
#include <functional>
#include <memory>

#include "absl/container/flat_hash_map.h"
#include "server/agent.h"
#include "server/handler.h"
#include "server/kafka_server.h"

namespace warp::server {

// Where a request's handler runs.
enum class Lane {
  kMemory,   // answers from memory: never waits on a store
  kJournal,  // may wait on the metadata journal (Execute, Sync)
  kProduce,  // may wait for the producer's buffer room
};

// The lane of an API key.
Lane LaneOf(int16_t api_key);

struct DispatcherOptions {
  // Worker threads per lane. A lane's workers all blocked only delays that
  // lane's requests.
  int memory_workers = 8;
  int journal_workers = 32;
  int produce_workers = 32;
  // The handlers by API key; null: Handlers(). Tests substitute their own.
  const absl::flat_hash_map<int16_t, Handler>* handlers = nullptr;
};

class Dispatcher {
 public:
  Dispatcher(Agent* agent, const DispatcherOptions& options = {});
  ~Dispatcher();
  // The FrameHandler to give the KafkaServer.
  FrameHandler handler();
  // The KafkaServerOptions::new_context that goes with it (a Session).
  static std::shared_ptr<ConnectionContext> NewSession();
  // Sessions for a listener: SASL or not, client certificates named by
  // `mapper` (--tls_principal_mapping_rules; null: their subjects).
  static std::function<std::shared_ptr<ConnectionContext>()> SessionMaker(
      bool sasl_required, std::shared_ptr<const acl::SslPrincipalMapper> mapper);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace warp::server

#endif  // WARP_SERVER_DISPATCHER_H_
