#include "lib/metadata/state_backed_store.h"

#include "absl/strings/str_cat.h"

namespace warp::metadata {

absl::Status StateBackedMetadataStore::UnknownPartition(const TopicPartition& tp) {
  return absl::NotFoundError(
      absl::StrCat("unknown topic partition ", tp.topic, "-", tp.partition));
}

}  // namespace warp::metadata
