// Kafka error codes that the library's own interfaces return (the metadata
// store's per-batch and per-topic results). Values are Kafka's wire codes, so
// the server passes them to clients unchanged. The protocol codec has the
// complete table with names, messages and retriable flags.
#ifndef WARP_KAFKA_ERROR_H_
#define WARP_KAFKA_ERROR_H_

#include <cstdint>

namespace warp {

enum class KafkaError : int16_t {
  kNone = 0,
  kOffsetOutOfRange = 1,
  kCorruptMessage = 2,
  kUnknownTopicOrPartition = 3,
  kMessageTooLarge = 10,
  kInvalidTopic = 17,
  kInvalidRequiredAcks = 21,
  kInvalidTimestamp = 32,
  kUnsupportedSaslMechanism = 33,
  kTopicAlreadyExists = 36,
  kInvalidPartitions = 37,
  kInvalidReplicationFactor = 38,
  kInvalidRequest = 42,
  kPolicyViolation = 44,
  kOutOfOrderSequenceNumber = 45,
  kDuplicateSequenceNumber = 46,
  kInvalidProducerEpoch = 47,
  kInvalidTxnState = 48,
  kInvalidProducerIdMapping = 49,
  kInvalidTransactionTimeout = 50,
  kConcurrentTransactions = 51,
  kInvalidConfig = 40,
  kUnknownProducerId = 59,
  kGroupIdNotFound = 69,
  kNonEmptyGroup = 68,
  kInvalidRecord = 87,
  kProducerFenced = 90,
  kResourceNotFound = 91,
  kDuplicateResource = 92,
  kUnacceptableCredential = 93,
  kStaleInput = -2,  // warp-internal: a compaction input changed meanwhile
};

}  // namespace warp

#endif  // WARP_KAFKA_ERROR_H_
