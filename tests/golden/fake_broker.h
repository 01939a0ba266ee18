// A minimal in-memory Kafka broker, just enough for real clients to produce
// and consume a few records: the logic behind tests/golden/recorder.cc, which
// records the requests those clients send (golden bytes for the codec tests).
//
// It is one node (id 0) that is also every coordinator. Every topic a client
// names exists, with one partition led by node 0. Produced batches are checked
// (framing and CRC), given offsets and kept in memory; Fetch returns them.
// Consumer groups hold one member at a time: each JoinGroup makes its member
// the only one and the leader. Nothing is persisted, nothing is replicated,
// and no request is authorised.
//
// Pure: no sockets. Thread-safety: Handle may be called from many threads
// (one per connection); a Fetch that finds no data waits on the others'
// appends.
#ifndef WARP_TESTS_GOLDEN_FAKE_BROKER_H_
#define WARP_TESTS_GOLDEN_FAKE_BROKER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "lib/protocol/messages/dispatch.h"
#include "lib/protocol/wire/frame.h"
#include "lib/protocol/wire/uuid.h"

namespace warp::kafka::golden {

struct FakeBrokerOptions {
  // The address Metadata and FindCoordinator advertise: where clients
  // connect for everything after the bootstrap.
  std::string host = "127.0.0.1";
  int32_t port = 9092;
  // Cluster id returned by Metadata (v2+) and DescribeCluster.
  std::string cluster_id = "warp-golden-recorder";
  // Longest a Fetch that finds no new records waits for some, whatever
  // max_wait_ms the client asks for. Shorter means more Fetch requests from
  // an idle consumer; longer means slower shutdown of clients that wait for
  // an in-flight Fetch.
  absl::Duration max_fetch_wait = absl::Milliseconds(500);
  // Advertise Produce and Fetch from version 0 in ApiVersions, though the
  // codec serves Produce 3+ and Fetch 4+ (clients use the highest common
  // version, so no v0-2 request arrives). librdkafka before its fix for
  // KIP-896 (issue confluentinc/librdkafka#4956; Debian 12 has 2.0.2)
  // derives "broker supports gzip/snappy/lz4" from Produce v2 and Fetch v2
  // being advertised, and otherwise silently sends those batches
  // uncompressed. False advertises only the versions that carry record
  // batches (Produce from 3, Fetch from 4).
  bool advertise_legacy_produce_fetch = true;
};

class FakeBroker {
 public:
  explicit FakeBroker(FakeBrokerOptions options);

  FakeBroker(const FakeBroker&) = delete;
  FakeBroker& operator=(const FakeBroker&) = delete;

  // Answers `request`, whose header is `header` (api key and version must
  // match the request). Returns std::nullopt when Kafka sends no response
  // (Produce with acks=0). Errors: UnimplementedError for an API the fake
  // broker does not answer (the caller should close the connection, as Kafka
  // does for requests it cannot serve).
  absl::StatusOr<std::optional<Response>> Handle(const RequestHeader& header,
                                                 const Request& request);

  // The next offset of `topic` partition 0 (its high watermark); 0 for a
  // topic nobody produced to.
  int64_t NextOffset(const std::string& topic) const;

 private:
  // One stored batch, its base offset rewritten to its place in the log.
  struct StoredBatch {
    int64_t base_offset = 0;
    int64_t last_offset = 0;
    std::string bytes;
  };
  // A topic's only partition.
  struct Topic {
    Uuid id;
    std::vector<StoredBatch> batches;
    int64_t next_offset = 0;
  };
  // A consumer group with at most one member.
  struct Group {
    int32_t generation = 0;
    std::string member_id;  // Empty: no member.
    std::string protocol_name;
    std::string assignment;  // The member's, from the leader's SyncGroup.
    std::map<std::pair<std::string, int32_t>, int64_t> committed;
  };

  class Visitor;  // One Answer per request type (fake_broker.cc).

  // Returns `name`, created on first use.
  Topic& GetTopic(const std::string& name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Whether a Fetch for `request` would return any records.
  bool HasRecords(const FetchRequest& request) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const FakeBrokerOptions options_;
  mutable absl::Mutex mu_;
  absl::CondVar appended_;  // Signalled after every append.
  std::map<std::string, Topic> topics_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Group> groups_ ABSL_GUARDED_BY(mu_);
  int64_t next_member_ ABSL_GUARDED_BY(mu_) = 1;
};

}  // namespace warp::kafka::golden

#endif  // WARP_TESTS_GOLDEN_FAKE_BROKER_H_
