// Byte layout of a Kafka RecordBatch v2 (magic 2) header, and big-endian
// load/store helpers for it. The format is specified in
// shared/reference/kafka-protocol.md §2 (from the Java client's
// DefaultRecordBatch and DefaultRecord):
//
//   off size field                  off size field
//     0   8  BaseOffset              27   8  BaseTimestamp
//     8   4  BatchLength             35   8  MaxTimestamp
//    12   4  PartitionLeaderEpoch    43   8  ProducerId
//    16   1  Magic (2)               51   2  ProducerEpoch
//    17   4  CRC-32C of [21, end)    53   4  BaseSequence
//    21   2  Attributes              57   4  RecordCount
//    23   4  LastOffsetDelta         61   …  records (maybe compressed)
//
// BatchLength counts the bytes after itself (whole batch size - 12). Base
// offset and leader epoch lie outside the CRC, so a broker rewrites them in
// place. All integers are big-endian.
//
// Thread-safety: constants and pure functions only.
#ifndef WARP_LIB_PROTOCOL_RECORD_RECORD_BATCH_FORMAT_H_
#define WARP_LIB_PROTOCOL_RECORD_RECORD_BATCH_FORMAT_H_

#include <cstddef>
#include <cstdint>

namespace warp::kafka {

inline constexpr size_t kBaseOffsetOffset = 0;
inline constexpr size_t kBatchLengthOffset = 8;
inline constexpr size_t kPartitionLeaderEpochOffset = 12;
inline constexpr size_t kMagicOffset = 16;
inline constexpr size_t kCrcOffset = 17;
inline constexpr size_t kAttributesOffset = 21;
inline constexpr size_t kLastOffsetDeltaOffset = 23;
inline constexpr size_t kBaseTimestampOffset = 27;
inline constexpr size_t kMaxTimestampOffset = 35;
inline constexpr size_t kProducerIdOffset = 43;
inline constexpr size_t kProducerEpochOffset = 51;
inline constexpr size_t kBaseSequenceOffset = 53;
inline constexpr size_t kRecordCountOffset = 57;
inline constexpr size_t kRecordBatchHeaderSize = 61;

// Bytes before the size-counted part of a batch: BaseOffset + BatchLength.
inline constexpr size_t kLogOverhead = 12;
// Bytes needed to read the magic byte: the header up to and including it.
inline constexpr size_t kHeaderSizeUpToMagic = 17;
// Smallest valid BatchLength (a header with no records).
inline constexpr int32_t kMinBatchLength =
    static_cast<int32_t>(kRecordBatchHeaderSize - kLogOverhead);

inline constexpr int8_t kMagicV2 = 2;

// Attribute bits.
inline constexpr int16_t kCompressionCodecMask = 0x07;
inline constexpr int16_t kTimestampTypeMask = 0x08;
inline constexpr int16_t kTransactionalFlag = 0x10;
inline constexpr int16_t kControlFlag = 0x20;
inline constexpr int16_t kDeleteHorizonFlag = 0x40;

// "None" values of the producer fields of a non-idempotent batch, and of the
// leader epoch a producer sends.
inline constexpr int64_t kNoProducerId = -1;
inline constexpr int16_t kNoProducerEpoch = -1;
inline constexpr int32_t kNoSequence = -1;
inline constexpr int32_t kNoPartitionLeaderEpoch = -1;

// Big-endian loads from and stores to unaligned memory.
inline uint16_t LoadBigEndian16(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint16_t>((u[0] << 8) | u[1]);
}
inline uint32_t LoadBigEndian32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) |
         (uint32_t{u[2]} << 8) | uint32_t{u[3]};
}
inline uint64_t LoadBigEndian64(const char* p) {
  return (uint64_t{LoadBigEndian32(p)} << 32) | LoadBigEndian32(p + 4);
}
inline void StoreBigEndian16(uint16_t v, char* p) {
  p[0] = static_cast<char>(v >> 8);
  p[1] = static_cast<char>(v);
}
inline void StoreBigEndian32(uint32_t v, char* p) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(v >> (24 - 8 * i));
}
inline void StoreBigEndian64(uint64_t v, char* p) {
  StoreBigEndian32(static_cast<uint32_t>(v >> 32), p);
  StoreBigEndian32(static_cast<uint32_t>(v), p + 4);
}

}  // namespace warp::kafka

#endif  // WARP_LIB_PROTOCOL_RECORD_RECORD_BATCH_FORMAT_H_
