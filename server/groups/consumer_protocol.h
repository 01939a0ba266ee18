// The embedded consumer protocol (protocol type "consumer"): what the broker
// needs of a member's ConsumerProtocolSubscription, the topics it consumes.
// Pure and bounds-checked. Thread-safe.
#ifndef WARP_SERVER_GROUPS_CONSUMER_PROTOCOL_H_
#define WARP_SERVER_GROUPS_CONSUMER_PROTOCOL_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace warp::server::groups {

// The topics of a ConsumerProtocolSubscription (any version: every version
// starts with int16 version, then the topics as a classic string array), or
// nullopt when the bytes are not one.
std::optional<std::vector<std::string>> SubscribedTopics(absl::string_view metadata);

}  // namespace warp::server::groups

#endif  // WARP_SERVER_GROUPS_CONSUMER_PROTOCOL_H_
