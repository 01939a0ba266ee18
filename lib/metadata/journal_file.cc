#include "lib/metadata/journal_file.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "lib/metadata/journal_format.h"

namespace warp::metadata::journal_file {
namespace {

namespace fmt = journal_format;

uint32_t Crc(absl::string_view data) {
  return static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(data.data()), data.size()));
}

template <typename T>
void Put(std::string* out, T v) {
  out->append(reinterpret_cast<const char*>(&v), sizeof(T));
}
template <typename T>
T Get(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

bool AllZero(absl::string_view data) {
  return std::all_of(data.begin(), data.end(), [](char c) { return c == 0; });
}

// Scans the records of one log file into a LogScan.
class Scanner {
 public:
  Scanner(absl::string_view data, uint64_t first_index, bool last_file, LogScan* scan)
      : data_(data), next_index_(first_index), last_file_(last_file), scan_(scan) {}

  // Ends the scan at `pos`: torn if `torn` and this is the newest file.
  void Stop(size_t pos, bool torn, std::string why) {
    scan_->tail = torn && last_file_ ? LogScan::Tail::kTorn : LogScan::Tail::kCorrupt;
    scan_->bad_offset = pos;
    scan_->why = std::move(why);
  }

  // Whether everything from `pos` to the end is zero (or nothing is left).
  bool ZerosFrom(size_t pos) const {
    return pos >= data_.size() || AllZero(data_.substr(pos));
  }

  // Accepts the record at [pos, end) with `index`; false if out of sequence.
  bool Accept(size_t pos, size_t end, uint64_t index, absl::string_view payload) {
    if (index != next_index_) {
      Stop(pos, false, absl::StrCat("entry ", index, " where entry ", next_index_,
                                    " was expected"));
      return false;
    }
    ++next_index_;
    scan_->records.push_back({index, payload});
    scan_->valid_end = end;
    return true;
  }

  void ScanV2() {
    size_t pos = scan_->valid_end;
    while (pos < data_.size()) {
      size_t left = data_.size() - pos;
      if (left < fmt::kRecordHeaderSize) {
        return Stop(pos, true, "the file ends inside a record header");
      }
      const char* p = data_.data() + pos;
      if (Crc(absl::string_view(p + 4, 16)) != Get<uint32_t>(p)) {
        return Stop(pos, ZerosFrom(pos + fmt::kRecordHeaderSize),
                    "record header checksum mismatch (its length cannot be trusted)");
      }
      uint32_t length = Get<uint32_t>(p + 4);
      uint64_t index = Get<uint64_t>(p + 8);
      if (length > fmt::kMaxRecordSize) {
        return Stop(pos, false,
                    absl::StrCat("record length ", length, " exceeds the maximum"));
      }
      if (left - fmt::kRecordHeaderSize < length) {
        return Stop(pos, true, absl::StrCat("the file ends inside a record of ", length,
                                            " bytes"));
      }
      size_t end = pos + fmt::kRecordHeaderSize + length;
      absl::string_view payload(p + fmt::kRecordHeaderSize, length);
      if (Crc(payload) != Get<uint32_t>(p + 16)) {
        return Stop(pos, ZerosFrom(end), "record payload checksum mismatch");
      }
      if (!Accept(pos, end, index, payload)) return;
      pos = end;
    }
  }

  void ScanV1() {
    size_t pos = 0;
    while (pos < data_.size()) {
      size_t left = data_.size() - pos;
      if (left < fmt::kV1RecordHeaderSize) {
        return Stop(pos, true, "the file ends inside a record header");
      }
      const char* p = data_.data() + pos;
      uint32_t length = Get<uint32_t>(p + 4);
      if (length > fmt::kMaxRecordSize) {
        return Stop(pos, false,
                    absl::StrCat("record length ", length, " exceeds the maximum"));
      }
      if (left - fmt::kV1RecordHeaderSize < length) {
        // Version 1 cannot tell a damaged length from a cut record.
        return Stop(pos, true, absl::StrCat("the file ends inside a record of ", length,
                                            " bytes"));
      }
      size_t end = pos + fmt::kV1RecordHeaderSize + length;
      if (Crc(absl::string_view(p + 4, 12 + length)) != Get<uint32_t>(p)) {
        return Stop(pos, ZerosFrom(end), "checksum mismatch");
      }
      if (!Accept(pos, end, Get<uint64_t>(p + 8),
                  absl::string_view(p + fmt::kV1RecordHeaderSize, length))) {
        return;
      }
      pos = end;
    }
  }

 private:
  const absl::string_view data_;
  uint64_t next_index_;
  const bool last_file_;
  LogScan* const scan_;
};

}  // namespace

void AppendLogHeader(uint64_t first_index, std::string* out) {
  size_t start = out->size();
  Put<uint32_t>(out, fmt::kLogMagic);
  Put<uint32_t>(out, fmt::kLogVersion);
  Put<uint64_t>(out, first_index);
  Put<uint32_t>(out, Crc(absl::string_view(*out).substr(start)));
}

void AppendRecord(uint64_t index, absl::string_view payload, std::string* out) {
  std::string header;
  Put<uint32_t>(&header, static_cast<uint32_t>(payload.size()));
  Put<uint64_t>(&header, index);
  Put<uint32_t>(&header, Crc(payload));
  Put<uint32_t>(out, Crc(header));
  out->append(header);
  out->append(payload.data(), payload.size());
}

LogScan ScanLog(absl::string_view data, uint64_t first_index, bool last_file) {
  LogScan scan;
  Scanner scanner(data, first_index, last_file, &scan);
  if (data.size() < sizeof(uint32_t) || Get<uint32_t>(data.data()) != fmt::kLogMagic) {
    if (data.size() >= sizeof(uint32_t)) scan.version = 1;
    scanner.ScanV1();
    return scan;
  }
  scan.version = 2;
  if (data.size() < fmt::kLogHeaderSize) {
    scanner.Stop(0, true, "the file ends inside its header");
    return scan;
  }
  if (Crc(data.substr(0, 16)) != Get<uint32_t>(data.data() + 16) ||
      Get<uint32_t>(data.data() + 4) != fmt::kLogVersion ||
      Get<uint64_t>(data.data() + 8) != first_index) {
    scanner.Stop(0, false,
                 absl::StrCat("bad file header (version ", Get<uint32_t>(data.data() + 4),
                              ", first entry ", Get<uint64_t>(data.data() + 8), ")"));
    return scan;
  }
  scan.valid_end = fmt::kLogHeaderSize;
  scanner.ScanV2();
  return scan;
}

void AppendSnapshot(uint64_t index, absl::string_view state, std::string* out) {
  Put<uint32_t>(out, fmt::kSnapshotMagic);
  Put<uint32_t>(out, fmt::kSnapshotVersion);
  Put<uint64_t>(out, index);
  Put<uint64_t>(out, state.size());
  Put<uint32_t>(out, Crc(state));
  out->append(state.data(), state.size());
}

absl::StatusOr<absl::string_view> ParseSnapshot(absl::string_view data, uint64_t index) {
  if (data.size() < fmt::kSnapshotHeaderSize) {
    return absl::DataLossError("snapshot is shorter than its header");
  }
  const char* p = data.data();
  absl::string_view state = data.substr(fmt::kSnapshotHeaderSize);
  if (Get<uint32_t>(p) != fmt::kSnapshotMagic ||
      Get<uint32_t>(p + 4) != fmt::kSnapshotVersion) {
    return absl::DataLossError("snapshot has a bad magic or version");
  }
  if (Get<uint64_t>(p + 8) != index) {
    return absl::DataLossError(absl::StrCat("snapshot holds the state after entry ",
                                            Get<uint64_t>(p + 8), ", not ", index));
  }
  if (Get<uint64_t>(p + 16) != state.size() || Get<uint32_t>(p + 24) != Crc(state)) {
    return absl::DataLossError("snapshot length or checksum mismatch");
  }
  return state;
}

}  // namespace warp::metadata::journal_file
