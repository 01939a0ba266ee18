// Reading etcd v3 JSON-gateway answers (etcd 3.4's grpc-gateway): the parts
// of the Range, Put and Txn responses, error bodies and watch stream lines
// that the client (etcd_client.h) uses.
//
// No input throws or crashes: a body that is not JSON, nests deeper than
// kMaxJsonDepth or is not an object, and a member of an unexpected type, yield
// DataLoss naming what is wrong. An absent member reads as its type's zero
// value, as the gateway omits fields holding one (proto3 JSON). int64s are
// read from decimal strings (the gateway's encoding) or JSON integers; keys
// and values are base64.
//
// Thread-safety: pure functions, thread-safe.
#ifndef WARP_LIB_METADATA_ETCD_ETCD_JSON_H_
#define WARP_LIB_METADATA_ETCD_ETCD_JSON_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/metadata/etcd/etcd_types.h"
#include "nlohmann/json.hpp"

namespace warp::metadata::etcd {

using Json = nlohmann::json;

// Deepest nesting of arrays and objects accepted (the top object is level 1;
// etcd's answers need 4). nlohmann/json copies, dumps and compares values
// recursively, so deeper documents could exhaust the stack (100,000 levels of
// `[` do so on an 8 MiB stack); they are refused before parsing.
inline constexpr int kMaxJsonDepth = 512;

// Parses `text` as one JSON object. DataLoss if it is not JSON, nests deeper
// than kMaxJsonDepth or is something other than an object.
absl::StatusOr<Json> ParseJsonObject(absl::string_view text);

// Member `name` of `object` (a non-object has no members). Absent: 0, false,
// "", an empty object or array. Present with another type: DataLoss.
//
// Int64Member takes a JSON integer or a decimal string within int64 range.
absl::StatusOr<int64_t> Int64Member(const Json& object, absl::string_view name);
absl::StatusOr<bool> BoolMember(const Json& object, absl::string_view name);
absl::StatusOr<std::string> StringMember(const Json& object, absl::string_view name);
// A base64 string, decoded; invalid base64 is DataLoss.
absl::StatusOr<std::string> Base64Member(const Json& object, absl::string_view name);
// Never null; the pointer lives as long as `object` (or forever if absent).
absl::StatusOr<const Json*> ObjectMember(const Json& object, absl::string_view name);
absl::StatusOr<const Json*> ArrayMember(const Json& object, absl::string_view name);

// One mvccpb.KeyValue; DataLoss unless `kv` is an object.
absl::StatusOr<KeyValue> ParseKeyValue(const Json& kv);

// header.revision of any response (Put's is all the client reads of it).
absl::StatusOr<int64_t> ParseHeaderRevision(const Json& response);

// A RangeResponse: header.revision, more, kvs.
absl::StatusOr<RangeResult> ParseRangeResponse(const Json& response);

// What the client reads of a TxnResponse.
struct TxnResponse {
  bool succeeded = false;
  int64_t revision = 0;  // header.revision
  // The kvs of every response_range among the responses, in order (for a
  // create-only put that failed: the existing key).
  std::vector<KeyValue> range_kvs;
};
absl::StatusOr<TxnResponse> ParseTxnResponse(const Json& response);

// The message to report for a failed request's body: its "message", else its
// "error" (when strings), else the body itself; a body that is no JSON object
// gives its first 200 bytes.
std::string ErrorMessage(absl::string_view body);

// One line of a watch stream: the events it carries (none for the creation
// answer and progress notifications). Errors end the stream:
// OutOfRange if etcd compacted past the watch's start (compact_revision),
// Unavailable for an "error" line or a cancelled watch (with its reason),
// DataLoss for an unreadable line.
absl::StatusOr<std::vector<WatchEvent>> ParseWatchMessage(absl::string_view line);

}  // namespace warp::metadata::etcd

#endif  // WARP_LIB_METADATA_ETCD_ETCD_JSON_H_
