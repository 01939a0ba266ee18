// libFuzzer target for the reader of etcd's JSON-gateway answers
// (etcd_json.h).
//
// Each input is fed to every parse function: as a watch stream line, as an
// error body, and, when it is a JSON object, as a Range, Put and Txn
// response. None may throw (an uncaught exception aborts the run), crash or
// recurse past the stack; errors have the codes etcd_json.h names. A parsed
// object must dump and parse back to an equal value (which copies and
// compares it recursively: bounded by kMaxJsonDepth).
//
// Replayed over tests/fuzz/corpus/etcd_json by //lib/metadata/etcd:
// etcd_json_fuzz_replay; fuzzed by `bash scripts/fuzz.sh 60 etcd_json`.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "lib/metadata/etcd/etcd_json.h"

namespace warp::metadata::etcd {
namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

bool IsOkOrDataLoss(const absl::Status& status) {
  return status.ok() || status.code() == absl::StatusCode::kDataLoss;
}

}  // namespace
}  // namespace warp::metadata::etcd

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace warp::metadata::etcd;  // NOLINT: a fuzz entry point.
  const absl::string_view input(reinterpret_cast<const char*>(data), size);

  absl::StatusOr<std::vector<WatchEvent>> events = ParseWatchMessage(input);
  const absl::StatusCode code = events.status().code();
  Check(events.ok() || code == absl::StatusCode::kDataLoss ||
        code == absl::StatusCode::kUnavailable || code == absl::StatusCode::kOutOfRange);
  if (events.ok()) Check(events->size() <= size);

  const std::string message = ErrorMessage(input);
  Check(message.size() <= size);

  absl::StatusOr<Json> object = ParseJsonObject(input);
  Check(IsOkOrDataLoss(object.status()));
  if (!object.ok()) return 0;
  Check(object->is_object());
  const std::string dumped = object->dump(-1, ' ', false, Json::error_handler_t::strict);
  absl::StatusOr<Json> again = ParseJsonObject(dumped);
  Check(again.ok() && *again == *object);

  absl::StatusOr<RangeResult> range = ParseRangeResponse(*object);
  Check(IsOkOrDataLoss(range.status()));
  if (range.ok()) {
    Check(range->kvs.size() <= size);
    for (const KeyValue& kv : range->kvs) Check(kv.key.size() + kv.value.size() <= size);
  }
  Check(IsOkOrDataLoss(ParseHeaderRevision(*object).status()));
  absl::StatusOr<TxnResponse> txn = ParseTxnResponse(*object);
  Check(IsOkOrDataLoss(txn.status()));
  if (txn.ok()) Check(txn->range_kvs.size() <= size);
  return 0;
}
