// On-disk format of the local journal (docs/journal-format.md).
//
// A folder holds log files `log-<first index, 20 digits>.wal` and snapshots
// `snap-<index, 20 digits>.snap`. Everything is little-endian; crc32 is zlib's.
//
// Log file, version 2 (written since the format was versioned):
//   file header: magic "WPNL" (4) | version (4) | first index (8) |
//                crc32 of the previous 16 bytes (4)
//   record:      header crc32 (4) | length (4) | index (8) | payload crc32 (4) |
//                payload (length)
//   The header crc covers length, index and payload crc, so a damaged length
//   is told apart from a record cut short by a crash.
// Log file, version 1 (no file header; still read, never appended to):
//   record:      crc32 (4) | length (4) | index (8) | payload (length)
//   crc32 covers length, index and payload.
// Snapshot:    magic (4) | version (4) | index (8) | length (8) | crc32 (4) |
//              state (length); crc32 covers the state bytes.
#ifndef WARP_LIB_METADATA_JOURNAL_FORMAT_H_
#define WARP_LIB_METADATA_JOURNAL_FORMAT_H_

#include <cstdint>

namespace warp::metadata::journal_format {

inline constexpr uint32_t kLogMagic = 0x4C4E5057;  // "WPNL"
inline constexpr uint32_t kLogVersion = 2;
inline constexpr int kLogHeaderSize = 20;
inline constexpr int kRecordHeaderSize = 20;    // version 2
inline constexpr int kV1RecordHeaderSize = 16;  // version 1
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
