// The values the etcd client returns: keys with their revisions, range
// results and watch events. Shared by the client (etcd_client.h) and the
// parser of the gateway's answers (etcd_json.h).
//
// Thread-safety: plain values.
#ifndef WARP_LIB_METADATA_ETCD_ETCD_TYPES_H_
#define WARP_LIB_METADATA_ETCD_ETCD_TYPES_H_

#include <cstdint>
#include <string>
#include <vector>

namespace warp::metadata::etcd {

struct KeyValue {
  std::string key;
  std::string value;
  int64_t create_revision = 0;
  int64_t mod_revision = 0;
};

struct RangeResult {
  std::vector<KeyValue> kvs;
  bool more = false;
  int64_t revision = 0;  // the store's revision when read
};

struct WatchEvent {
  bool is_delete = false;
  KeyValue kv;
};

}  // namespace warp::metadata::etcd

#endif  // WARP_LIB_METADATA_ETCD_ETCD_TYPES_H_
