// Turns request frames into handler calls and handler answers into response
// frames (the FrameHandler of the KafkaServer). Handlers run on a worker pool
// so that a long-polling fetch never blocks an I/O thread.
// Thread-safe.
#ifndef WARP_SERVER_DISPATCHER_H_
#define WARP_SERVER_DISPATCHER_H_

#include <memory>

#include "server/agent.h"
#include "server/kafka_server.h"

namespace warp::server {

class Dispatcher {
 public:
  Dispatcher(Agent* agent, int workers);
  ~Dispatcher();
  // The FrameHandler to give the KafkaServer.
  FrameHandler handler();
  // The KafkaServerOptions::new_context that goes with it (a Session).
  static std::shared_ptr<ConnectionContext> NewSession();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace warp::server

#endif  // WARP_SERVER_DISPATCHER_H_
