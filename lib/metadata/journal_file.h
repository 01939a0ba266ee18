// Pure encoding and decoding of the local journal's files: log files of
// records and snapshot files (formats in journal_format.h and
// docs/journal-format.md). No I/O: the journal reads and writes the bytes.
//
// Thread-safety: stateless functions.
#ifndef WARP_LIB_METADATA_JOURNAL_FILE_H_
#define WARP_LIB_METADATA_JOURNAL_FILE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace warp::metadata::journal_file {

// Appends the header of a version-2 log file whose first entry is
// `first_index`.
void AppendLogHeader(uint64_t first_index, std::string* out);

// Appends one version-2 record. `payload` must be at most
// journal_format::kMaxRecordSize bytes.
void AppendRecord(uint64_t index, absl::string_view payload, std::string* out);

struct LogRecord {
  uint64_t index = 0;
  absl::string_view payload;  // a view into the scanned data
};

// What a scan of one log file found.
struct LogScan {
  // 2 for a file with a valid version-2 header, 1 for a file without one
  // (the format before versioning), 0 if the file is too short to tell.
  int version = 0;
  // The valid records, in order; their indexes are first_index, +1, +2, ...
  std::vector<LogRecord> records;
  // End of the last valid record (or of the file header).
  size_t valid_end = 0;
  enum class Tail {
    kClean,    // every byte belongs to a valid record
    kTorn,     // an append cut short by a crash: cut the file at valid_end
    kCorrupt,  // damage that no crash leaves: never cut, never replay past
  };
  Tail tail = Tail::kClean;
  size_t bad_offset = 0;  // where the torn or corrupt bytes start
  std::string why;        // what is wrong there
};

// Scans `data`, the whole content of the log file named `first_index`.
// A crash during an append can only damage the end of the newest file
// (`last_file`), and only in these ways, which are kTorn: a record or header
// cut short by the end of the file, or a record whose checksum fails with
// nothing but zeros after it (a write that reached the disk in part). Every
// other defect is kCorrupt; in a version-1 file a record length that runs
// past the end cannot be told from a torn tail and is taken for one.
LogScan ScanLog(absl::string_view data, uint64_t first_index, bool last_file);

// Appends a snapshot file: its header and `state`.
void AppendSnapshot(uint64_t index, absl::string_view state, std::string* out);

// The state held by snapshot file `data`, which must be the snapshot after
// entry `index`; DataLoss if it is anything else.
absl::StatusOr<absl::string_view> ParseSnapshot(absl::string_view data, uint64_t index);

}  // namespace warp::metadata::journal_file

#endif  // WARP_LIB_METADATA_JOURNAL_FILE_H_
