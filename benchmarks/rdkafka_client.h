// librdkafka helpers shared by the load tools (warp_bench, group_bench):
// owning handles, client creation, topic creation and a latency histogram.
// Test and benchmark use only; thread-compatible.
#ifndef WARP_BENCHMARKS_RDKAFKA_CLIENT_H_
#define WARP_BENCHMARKS_RDKAFKA_CLIENT_H_

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"

namespace warp::bench {

inline int64_t NowMicros() { return absl::GetCurrentTimeNanos() / 1000; }

// Latency histogram in microseconds with 512 sub-buckets per power of two
// (values within 0.2%). Not thread-safe: one per thread, merged at the end.
class LatencyHistogram {
 public:
  void Record(int64_t micros) {
    ++counts_[Index(static_cast<uint64_t>(std::max<int64_t>(micros, 0)))];
    ++count_;
  }
  void Merge(const LatencyHistogram& other) {
    for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
    count_ += other.count_;
  }
  uint64_t count() const { return count_; }
  // The q-quantile (0 < q <= 1) in milliseconds; 0 when empty.
  double PercentileMs(double q) const {
    if (count_ == 0) return 0;
    uint64_t rank = std::max<uint64_t>(1, static_cast<uint64_t>(q * count_));
    uint64_t seen = 0;
    for (size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= rank) return LowerBound(i) / 1000.0;
    }
    return 0;
  }

 private:
  static constexpr int kSubBits = 9;
  static size_t Index(uint64_t v) {
    int shift = std::max<int>(0, std::bit_width(v) - (kSubBits + 1));
    return (static_cast<size_t>(shift) << kSubBits) + (v >> shift);
  }
  static double LowerBound(size_t index) {
    int shift = index < (2u << kSubBits) ? 0 : (index >> kSubBits) - 1;
    return static_cast<double>(
        (index - (static_cast<size_t>(shift) << kSubBits)) << shift);
  }

  std::vector<uint64_t> counts_ = std::vector<uint64_t>(64 << kSubBits);
  uint64_t count_ = 0;
};

struct KafkaDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
  void operator()(rd_kafka_topic_t* rkt) const { rd_kafka_topic_destroy(rkt); }
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
  void operator()(rd_kafka_event_t* ev) const { rd_kafka_event_destroy(ev); }
};
using KafkaPtr = std::unique_ptr<rd_kafka_t, KafkaDeleter>;
using TopicPtr = std::unique_ptr<rd_kafka_topic_t, KafkaDeleter>;
using QueuePtr = std::unique_ptr<rd_kafka_queue_t, KafkaDeleter>;
using EventPtr = std::unique_ptr<rd_kafka_event_t, KafkaDeleter>;

using Settings = std::vector<std::pair<std::string, std::string>>;

// A client of `type` with `settings`; `opaque` is passed to callbacks and
// `dr_msg_cb` set as the delivery report callback when given.
absl::StatusOr<KafkaPtr> NewClient(rd_kafka_type_t type, const Settings& settings,
                                   void* opaque = nullptr,
                                   void (*dr_msg_cb)(rd_kafka_t*, const rd_kafka_message_t*,
                                                     void*) = nullptr);

// The same, with `configure` called on the configuration before the client
// is made (to set callbacks such as the rebalance callback).
absl::StatusOr<KafkaPtr> NewClient(rd_kafka_type_t type, const Settings& settings,
                                   const std::function<void(rd_kafka_conf_t*)>& configure);

// Settings added to every client made afterwards whose bootstrap.servers is
// `bootstrap` (the load tools' --client_config, as kcat's -X: security
// protocol, SASL and TLS settings for a secure listener). Not thread-safe:
// call before starting clients.
void AddClientSettingsFor(const std::string& bootstrap, Settings extra);

// Creates `topic` with `partitions` unless it exists.
absl::Status EnsureTopic(const std::string& bootstrap, const std::string& topic,
                         int partitions);

}  // namespace warp::bench

#endif  // WARP_BENCHMARKS_RDKAFKA_CLIENT_H_
