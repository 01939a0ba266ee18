// Checks of a store's group-commit byte bounds, shared by the tests of every
// journal (local, etcd). Test-only.
#ifndef WARP_LIB_METADATA_TESTING_GROUP_COMMIT_CHECKS_H_
#define WARP_LIB_METADATA_TESTING_GROUP_COMMIT_CHECKS_H_

#include <cstddef>
#include <string>

#include "warp/metadata_store.h"

namespace warp {

// A command of a little over `bytes` encoded bytes (an agent registration
// with a large address).
Command LargeCommand(const std::string& agent, size_t bytes);

// `count` commands of `bytes` each, from as many threads at once, all commit
// (expected: their total exceeds one group, so they take several).
void ExpectLargeCommandsAllCommit(MetadataStore* store, int count, size_t bytes);

// One command of `oversized` bytes fails with InvalidArgument naming its size
// and `limit`, while `neighbours` commands of `bytes` sent at the same time
// from other threads all commit.
void ExpectOversizedCommandFailsAlone(MetadataStore* store, size_t oversized,
                                      size_t limit, int neighbours, size_t bytes);

}  // namespace warp

#endif  // WARP_LIB_METADATA_TESTING_GROUP_COMMIT_CHECKS_H_
