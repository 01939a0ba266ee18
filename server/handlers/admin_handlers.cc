// Placeholder replaced by the admin handlers (CreateTopics, ...).
#include "server/handler.h"

namespace warp::server {
void RegisterAdminHandlers(absl::flat_hash_map<int16_t, Handler>&) {}
}  // namespace warp::server
