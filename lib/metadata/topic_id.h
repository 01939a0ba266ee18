// New Kafka topic ids (random UUIDs, never all zero), for every path that
// creates topics: the CreateTopics handler and the Stream library.
#ifndef WARP_LIB_METADATA_TOPIC_ID_H_
#define WARP_LIB_METADATA_TOPIC_ID_H_

#include <random>

#include "warp/metadata.h"

namespace warp::metadata {

inline TopicId NewTopicId() {
  std::random_device rd;
  TopicId id;
  do {
    id = {(uint64_t{rd()} << 32) | rd(), (uint64_t{rd()} << 32) | rd()};
  } while (id.IsZero());
  return id;
}

}  // namespace warp::metadata

#endif  // WARP_LIB_METADATA_TOPIC_ID_H_
