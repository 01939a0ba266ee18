// libFuzzer target for the local journal's file formats (journal_file.h):
// ScanLog over log files and ParseSnapshot over snapshot files.
//
// Input: byte 0 picks the mode (below) and `last_file`; bytes 1-8 are a
// first index (little-endian), bytes 9-10 a position; the rest is the body.
//   raw log:        the body is a log file, scanned as found.
//   built log:      the body is cut into payloads (a length byte before
//                   each), written as a version-2 file with AppendLogHeader
//                   and AppendRecord, then damaged at the position: cut there
//                   (a torn append), zeroed from there if past the file
//                   header (a record write that reached the disk in part),
//                   or one byte flipped there.
//   raw snapshot:   the body is a snapshot file.
//   built snapshot: AppendSnapshot of the body, then one byte flipped.
// Checked for every scan: valid_end <= size; the records are consecutive
// from the first index, lie in order inside [0, valid_end), and kClean
// holds exactly when valid_end == size (bad_offset == valid_end otherwise);
// kTorn only in the newest file; the same scan as a non-newest file differs
// only in kTorn becoming kCorrupt; cutting the file at valid_end, as
// recovery does, scans clean with the same records. For built files: what
// was written scans clean and equal; a cut or zeroed tail is torn (never
// corrupt) and keeps every record wholly before the damage; a flipped byte
// is never clean and keeps exactly the records before it.
//
// Replayed over tests/fuzz/corpus/journal_file by //lib/metadata:
// journal_file_fuzz_replay; fuzzed by `bash scripts/fuzz.sh 60 journal_file`.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "lib/metadata/journal_file.h"
#include "lib/metadata/journal_format.h"

namespace warp::metadata::journal_file {
namespace {

namespace fmt = journal_format;
using Tail = LogScan::Tail;

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

// The invariants of any scan of `data`; returns the scan.
LogScan CheckedScan(absl::string_view data, uint64_t first_index, bool last_file) {
  LogScan scan = ScanLog(data, first_index, last_file);
  Check(scan.valid_end <= data.size());
  uint32_t magic = 0;
  if (data.size() >= 4) std::memcpy(&magic, data.data(), 4);
  Check(scan.version == (data.size() < 4            ? 0
                         : magic == fmt::kLogMagic ? 2
                                                   : 1));
  Check((scan.tail == Tail::kClean) == (scan.valid_end == data.size()));
  if (scan.tail != Tail::kClean) Check(scan.bad_offset == scan.valid_end);
  if (!last_file) Check(scan.tail != Tail::kTorn);
  const char* end = data.data() + scan.valid_end;
  const char* previous_end = data.data();
  for (size_t i = 0; i < scan.records.size(); ++i) {
    const LogRecord& record = scan.records[i];
    Check(record.index == first_index + i);
    Check(record.payload.data() >= previous_end);
    Check(record.payload.data() + record.payload.size() <= end);
    Check(record.payload.size() <= fmt::kMaxRecordSize);
    previous_end = record.payload.data() + record.payload.size();
  }
  return scan;
}

bool SameRecords(const std::vector<LogRecord>& a, const std::vector<LogRecord>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].index != b[i].index || a[i].payload != b[i].payload) return false;
  }
  return true;
}

void FuzzLog(absl::string_view data, uint64_t first_index, bool last_file) {
  const LogScan scan = CheckedScan(data, first_index, last_file);
  const LogScan other = CheckedScan(data, first_index, !last_file);
  Check(SameRecords(scan.records, other.records));
  Check(scan.valid_end == other.valid_end && scan.version == other.version);
  Check((scan.tail == Tail::kClean) == (other.tail == Tail::kClean));
  // Recovery cuts a torn file at valid_end; it must then scan clean.
  const LogScan cut = CheckedScan(data.substr(0, scan.valid_end), first_index, true);
  Check(cut.tail == Tail::kClean);
  Check(SameRecords(cut.records, scan.records));
}

// A version-2 file of records cut from `body`; `ends` gets the end offset
// of the header and of each record.
std::string BuildLog(absl::string_view body, uint64_t first_index,
                     std::vector<std::string>* payloads, std::vector<size_t>* ends) {
  std::string file;
  AppendLogHeader(first_index, &file);
  ends->push_back(file.size());
  while (!body.empty()) {
    const size_t n = std::min<size_t>(static_cast<uint8_t>(body[0]), body.size() - 1);
    payloads->emplace_back(body.substr(1, n));
    body.remove_prefix(1 + n);
    AppendRecord(first_index + payloads->size() - 1, payloads->back(), &file);
    ends->push_back(file.size());
  }
  return file;
}

// How many records end at or before `pos`.
size_t RecordsBefore(const std::vector<size_t>& ends, size_t pos) {
  size_t n = 0;
  while (n + 1 < ends.size() && ends[n + 1] <= pos) ++n;
  return n;
}

void CheckPrefix(const LogScan& scan, const std::vector<std::string>& payloads,
                 size_t at_least) {
  Check(scan.records.size() >= at_least && scan.records.size() <= payloads.size());
  for (size_t i = 0; i < scan.records.size(); ++i) {
    Check(scan.records[i].payload == payloads[i]);
  }
}

void FuzzBuiltLog(absl::string_view body, uint64_t first_index, bool last_file,
                  int damage, size_t position) {
  std::vector<std::string> payloads;
  std::vector<size_t> ends;
  std::string file = BuildLog(body, first_index, &payloads, &ends);
  const LogScan clean = CheckedScan(file, first_index, last_file);
  Check(clean.tail == Tail::kClean && clean.version == 2);
  CheckPrefix(clean, payloads, payloads.size());

  const size_t pos = position % (file.size() + 1);
  const size_t whole = RecordsBefore(ends, pos);
  if (damage == 0 || damage == 1) {
    // The file header is durable before any record is appended, so a write
    // reaching the disk in part only ever zeroes records.
    if (damage == 1 && pos < fmt::kLogHeaderSize) return;
    if (damage == 0) {
      file.resize(pos);  // torn: the append stopped at pos
    } else {
      std::memset(file.data() + pos, 0, file.size() - pos);  // reached in part
    }
    const LogScan torn = CheckedScan(file, first_index, true);
    Check(torn.tail != Tail::kCorrupt);
    CheckPrefix(torn, payloads, whole);
    if (damage == 0) Check(torn.records.size() == whole);
    FuzzLog(file, first_index, last_file);
    return;
  }
  if (pos == file.size()) return;
  file[pos] = static_cast<char>(file[pos] ^ (1 + position % 255));
  const LogScan flipped = CheckedScan(file, first_index, last_file);
  Check(flipped.tail != Tail::kClean);
  CheckPrefix(flipped, payloads, whole);
  Check(flipped.records.size() == whole);
}

void FuzzSnapshot(absl::string_view data, uint64_t index) {
  absl::StatusOr<absl::string_view> state = ParseSnapshot(data, index);
  if (!state.ok()) return;
  Check(data.size() >= fmt::kSnapshotHeaderSize);
  Check(state->data() == data.data() + fmt::kSnapshotHeaderSize);
  Check(state->size() == data.size() - fmt::kSnapshotHeaderSize);
  Check(!ParseSnapshot(data, index + 1).ok());
}

void FuzzBuiltSnapshot(absl::string_view body, uint64_t index, size_t position) {
  std::string file;
  AppendSnapshot(index, body, &file);
  absl::StatusOr<absl::string_view> state = ParseSnapshot(file, index);
  Check(state.ok() && *state == body);
  Check(!ParseSnapshot(file, index ^ 1).ok());
  Check(!ParseSnapshot(absl::string_view(file).substr(0, position % file.size()),
                       index)
             .ok());
  const size_t pos = position % file.size();
  file[pos] = static_cast<char>(file[pos] ^ (1 + position % 255));
  Check(!ParseSnapshot(file, index).ok());
}

}  // namespace
}  // namespace warp::metadata::journal_file

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace warp::metadata::journal_file;  // NOLINT: a fuzz entry point.
  constexpr size_t kPrefix = 11;
  uint8_t prefix[kPrefix] = {};
  std::memcpy(prefix, data, std::min(size, kPrefix));
  const absl::string_view body =
      absl::string_view(reinterpret_cast<const char*>(data), size)
          .substr(std::min(size, kPrefix));
  const bool last_file = prefix[0] & 1;
  uint64_t first_index;
  std::memcpy(&first_index, prefix + 1, 8);
  // Index 0 precedes every entry; the journal's files start at 1 or later.
  if (first_index == 0) first_index = 1;
  const size_t position = prefix[9] | (static_cast<size_t>(prefix[10]) << 8);
  switch ((prefix[0] >> 1) % 6) {
    case 0:
      FuzzLog(body, first_index, last_file);
      break;
    case 1:
    case 2:
    case 3:
      FuzzBuiltLog(body, first_index, last_file, (prefix[0] >> 1) % 6 - 1, position);
      break;
    case 4:
      FuzzSnapshot(body, first_index);
      break;
    default:
      FuzzBuiltSnapshot(body, first_index, position);
  }
  return 0;
}
