// The format of a data object: many partitions' record batches in one object
// per flush, readable by byte range. Documented in docs/object-format.md.
//
//   header  (16 bytes)  magic "WARPOBJ\0" | version u16 | flags u16 | u32 0
//   data                the batches, grouped contiguously per partition
//   index               u32 entry count, then per entry: topic (u16 length +
//                       bytes) | partition i32 | byte offset u64 | byte length
//                       u32 | batch count u32 | record count i64 |
//                       min timestamp i64 | max timestamp i64
//   trailer (32 bytes)  index offset u64 | index length u32 |
//                       CRC-32C of the index u32 | data CRC-32C u32 | u32 0 |
//                       magic "WARPEND\0"
// Integers little-endian. Each Kafka batch keeps its own CRC-32C; the data
// CRC covers the data section (the compactor verifies it before trusting an
// object; readers rely on the batches' own CRCs).
//
// Pure functions; thread-safe.
#ifndef WARP_LIB_ENGINE_OBJECT_FORMAT_H_
#define WARP_LIB_ENGINE_OBJECT_FORMAT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "lib/base/aligned_buffer.h"

namespace warp::engine {

inline constexpr char kObjectMagic[8] = {'W', 'A', 'R', 'P', 'O', 'B', 'J', 0};
inline constexpr char kObjectEndMagic[8] = {'W', 'A', 'R', 'P', 'E', 'N', 'D', 0};
inline constexpr uint16_t kObjectVersion = 1;
inline constexpr size_t kObjectHeaderSize = 16;
inline constexpr size_t kObjectTrailerSize = 32;
// An index entry without its topic name (see docs/object-format.md).
inline constexpr size_t kIndexEntryFixedSize = 2 + 4 + 8 + 4 + 4 + 8 + 8 + 8;

// One partition's run of batches in an object.
struct ObjectIndexEntry {
  std::string topic;
  int32_t partition = 0;
  uint64_t byte_offset = 0;  // from the start of the object
  uint32_t byte_length = 0;
  uint32_t batch_count = 0;
  int64_t record_count = 0;
  int64_t min_timestamp = -1;
  int64_t max_timestamp = -1;
};

// Builds an object: add batches partition by partition (Add may be called in
// any order; Finish groups them), then Finish.
class ObjectBuilder {
 public:
  // Adds one record batch of `topic`/`partition`; returns nothing: offsets
  // within the object are known after Finish (see placements()).
  void Add(absl::string_view topic, int32_t partition, absl::string_view batch,
           int32_t record_count, int64_t max_timestamp);

  // At least the size of the object Finish will lay out.
  size_t object_size_bound() const;

  // Lays out the object in a page-aligned buffer (so the local store can
  // write it with direct I/O): `buffer`, resized, when given (reuse).
  // After it, placements()[i] is the byte offset of the i-th added batch.
  AlignedBuffer Finish(AlignedBuffer buffer = {});
  const std::vector<uint64_t>& placements() const { return placements_; }
  size_t pending_bytes() const { return bytes_; }

 private:
  struct Pending {
    std::string topic;
    int32_t partition;
    absl::string_view batch;
    int32_t record_count;
    int64_t max_timestamp;
  };
  std::vector<Pending> pending_;
  std::vector<uint64_t> placements_;
  size_t bytes_ = 0;
};

// Reads an object's trailer (the last kObjectTrailerSize bytes): where its
// index is.
struct ObjectTrailer {
  uint64_t index_offset = 0;
  uint32_t index_length = 0;
  uint32_t index_crc = 0;
  uint32_t data_crc = 0;
};
absl::StatusOr<ObjectTrailer> ParseObjectTrailer(absl::string_view trailer);

// Parses the index bytes named by the trailer (checks its CRC).
absl::StatusOr<std::vector<ObjectIndexEntry>> ParseObjectIndex(
    absl::string_view index, const ObjectTrailer& trailer);

// Parses a whole object: header, trailer, index; checks the data CRC.
absl::StatusOr<std::vector<ObjectIndexEntry>> ParseObject(absl::string_view object);

// A data object key: `<cluster>/data/<unix micros, 16 digits>-<agent>-<n>`,
// unique and sorting by creation time. `agent` must be a valid key segment.
std::string MakeObjectKey(absl::string_view cluster, absl::Time now,
                          absl::string_view agent, uint64_t sequence);

// The key of an object the compactor wrote at `level` (>= 1):
// `<cluster>/data/L<level>/<unix micros, 16 digits>-<agent>-<n>`.
std::string MakeCompactedObjectKey(absl::string_view cluster, int level, absl::Time now,
                                   absl::string_view agent, uint64_t sequence);

// What a data object's key says: its compaction level (0: a producer's
// flush) and when it was made.
struct ObjectKeyInfo {
  int level = 0;
  absl::Time created;
};
// Parses a key made by MakeObjectKey or MakeCompactedObjectKey for
// `cluster`; InvalidArgument for any other key.
absl::StatusOr<ObjectKeyInfo> ParseObjectKey(absl::string_view cluster,
                                             absl::string_view key);

}  // namespace warp::engine

#endif  // WARP_LIB_ENGINE_OBJECT_FORMAT_H_
