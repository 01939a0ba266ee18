// An ObjectStore backend written outside warp's library, with its public
// headers only: it keeps every key of its user under a fixed prefix of
// another store, so several applications (or tests, or virtual clusters)
// share one bucket without seeing each other's objects. It passes warp's
// ObjectStore conformance suite (prefix_object_store_test.cc) and plugs in
// by URL scheme (RegisterPrefixScheme).
#ifndef WARP_EXAMPLES_PREFIX_STORE_PREFIX_OBJECT_STORE_H_
#define WARP_EXAMPLES_PREFIX_STORE_PREFIX_OBJECT_STORE_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "warp/object_store.h"

namespace prefix_store {

// Keys `k` of the returned store are `prefix + k` in `base` (not owned; it
// must outlive the returned store). `prefix` should end with '/'.
std::unique_ptr<warp::ObjectStore> NewPrefixObjectStore(warp::ObjectStore* base,
                                                        std::string prefix);

// Registers "prefix://NAME/" URLs: stores under "NAME/" of `base` (not owned;
// it must outlive every store opened).
absl::Status RegisterPrefixScheme(warp::ObjectStore* base);

}  // namespace prefix_store

#endif  // WARP_EXAMPLES_PREFIX_STORE_PREFIX_OBJECT_STORE_H_
