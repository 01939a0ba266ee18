// A small etcd v3 client over etcd's JSON gateway (HTTP + JSON, libcurl and
// nlohmann/json): put, range, delete, transactions, compaction and watch,
// with fail-over across a list of endpoints.
//
// Thread-safety: thread-safe. Watch blocks its calling thread.
#ifndef WARP_LIB_METADATA_ETCD_ETCD_CLIENT_H_
#define WARP_LIB_METADATA_ETCD_ETCD_CLIENT_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "lib/metadata/etcd/etcd_types.h"

namespace warp::metadata::etcd {

struct RangeOptions {
  std::string range_end;          // empty: the key alone
  int64_t limit = 0;              // 0: no limit
  int64_t min_mod_revision = 0;   // 0: none
  int64_t max_mod_revision = 0;   // 0: none
  bool sort_by_mod_revision = false;  // else by key
  bool descending = false;
  bool keys_only = false;
  // No attempt runs past this (the request timeout still bounds each).
  absl::Time deadline = absl::InfiniteFuture();
};

// One operation of a transaction's success branch.
struct TxnOp {
  enum class Kind { kPut, kDelete } kind = Kind::kPut;
  std::string key;
  std::string value;
};

// The range end that makes a range cover every key starting with `prefix`.
std::string PrefixEnd(absl::string_view prefix);

// How the client reaches etcd: TLS and etcd's own authentication.
struct EtcdClientOptions {
  absl::Duration request_timeout = absl::Seconds(10);
  // https:// to endpoints given without a scheme; the server verified
  // against `ca_file` (empty: the system CAs), and a client certificate for
  // etcd's --client-cert-auth (cert_file and key_file, both or neither).
  bool tls = false;
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  // etcd's user/password authentication (`etcdctl auth enable`): the client
  // gets a token (/v3/auth/authenticate) and sends it with every request,
  // getting a new one when etcd says it expired. Empty user: none. The
  // password is never logged nor put in an error message.
  std::string user;
  std::string password;
};

class EtcdClient {
 public:
  // `endpoints`: "host:port", "http://host:port" or "https://host:port".
  // Requests go to the current endpoint and move to the next one on a
  // connection failure.
  static absl::StatusOr<std::unique_ptr<EtcdClient>> Create(
      std::vector<std::string> endpoints, EtcdClientOptions options);
  static absl::StatusOr<std::unique_ptr<EtcdClient>> Create(
      std::vector<std::string> endpoints,
      absl::Duration request_timeout = absl::Seconds(10)) {
    EtcdClientOptions options;
    options.request_timeout = request_timeout;
    return Create(std::move(endpoints), std::move(options));
  }
  virtual ~EtcdClient() = default;

  // Returns the revision of the put.
  virtual absl::StatusOr<int64_t> Put(absl::string_view key, absl::string_view value) = 0;
  // Puts only if `key` does not exist. Returns {revision, created}: when not
  // created, the revision is the existing key's mod revision. No attempt
  // runs past `deadline`.
  virtual absl::StatusOr<std::pair<int64_t, bool>> PutIfAbsent(
      absl::string_view key, absl::string_view value,
      absl::Time deadline = absl::InfiniteFuture()) = 0;
  virtual absl::StatusOr<RangeResult> Range(absl::string_view key,
                                            const RangeOptions& options = {}) = 0;
  virtual absl::Status DeleteRange(absl::string_view key, absl::string_view range_end) = 0;
  // Deletes each of `keys` (in transactions of up to 100).
  virtual absl::Status DeleteKeys(const std::vector<std::string>& keys) = 0;
  // Applies `ops` atomically if `compare_key`'s mod revision is
  // `mod_revision` (0: the key is absent). Returns whether it applied.
  virtual absl::StatusOr<bool> TxnIfModRevision(absl::string_view compare_key,
                                                int64_t mod_revision,
                                                const std::vector<TxnOp>& ops) = 0;
  virtual absl::Status Compact(int64_t revision) = 0;

  // Streams the events of keys in [key, range_end) from `start_revision`,
  // calling `on_events` for each batch (all of one revision or more, in
  // order) until it returns false, `stop` becomes true, or the stream fails.
  // Returns OutOfRange if `start_revision` was compacted away.
  //
  // The watch requires a leader (a member cut off from its quorum cancels
  // it, etcd's WithRequireLeader) and asks for progress notifications; a
  // stream silent for `idle_timeout` (no event, no notification) is
  // abandoned as dead. A watch that fails or is abandoned moves to the next
  // endpoint, so the caller's next Watch goes elsewhere.
  virtual absl::Status Watch(absl::string_view key, absl::string_view range_end,
                             int64_t start_revision, absl::Duration idle_timeout,
                             const std::function<bool(std::vector<WatchEvent>)>& on_events,
                             const std::atomic<bool>& stop) = 0;
};

}  // namespace warp::metadata::etcd

#endif  // WARP_LIB_METADATA_ETCD_ETCD_CLIENT_H_
