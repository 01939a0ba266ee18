#include "server/groups/consumer_protocol.h"

#include "lib/protocol/wire/reader.h"

namespace warp::server::groups {

std::optional<std::vector<std::string>> SubscribedTopics(absl::string_view metadata) {
  kafka::Reader reader(metadata);
  int16_t version = 0;
  std::vector<std::string> topics;
  if (!reader.ReadInt16(&version).ok() || version < 0) return std::nullopt;
  absl::Status read = reader.ReadArray(
      /*compact=*/false, /*min_element_size=*/2, &topics,
      [](kafka::Reader& r, std::string* topic) { return r.ReadString(topic); });
  if (!read.ok()) return std::nullopt;
  return topics;
}

}  // namespace warp::server::groups
