// On-disk format of the local journal (docs/journal-format.md).
//
// A folder holds log files `log-<first index, 20 digits>.wal` and snapshots
// `snap-<index, 20 digits>.snap`.
//
// Log record:  crc32 (4) | length (4) | index (8) | payload (length)
//   little-endian; crc32 (zlib polynomial) covers length, index and payload.
// Snapshot:    magic (4) | version (4) | index (8) | length (8) | crc32 (4) |
//              state (length); crc32 covers the state bytes.
#ifndef WARP_LIB_METADATA_JOURNAL_FORMAT_H_
#define WARP_LIB_METADATA_JOURNAL_FORMAT_H_

#include <cstdint>

namespace warp::metadata::journal_format {

inline constexpr int kRecordHeaderSize = 16;
inline constexpr uint32_t kMaxRecordSize = 64u << 20;
inline constexpr uint32_t kSnapshotMagic = 0x534E5057;  // "WPNS"
inline constexpr uint32_t kSnapshotVersion = 1;
inline constexpr int kSnapshotHeaderSize = 28;
inline constexpr char kLogPrefix[] = "log-";
inline constexpr char kLogSuffix[] = ".wal";
inline constexpr char kSnapshotPrefix[] = "snap-";
inline constexpr char kSnapshotSuffix[] = ".snap";

}  // namespace warp::metadata::journal_format

#endif  // WARP_LIB_METADATA_JOURNAL_FORMAT_H_
