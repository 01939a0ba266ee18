#include "lib/metadata/local_journal.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/base/thread_annotations.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "lib/base/status_macros.h"
#include "lib/metadata/journal_format.h"

namespace warp::metadata {
namespace {

namespace fmt = journal_format;

absl::Status Errno(absl::string_view what, const std::string& path) {
  return absl::InternalError(absl::StrCat(what, " ", path, ": ", strerror(errno)));
}

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

absl::Status WriteAll(int fd, absl::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("write", path);
    }
    data.remove_prefix(n);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno("open", path);
  std::string out;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      close(fd);
      return Errno("read", path);
    }
    if (n == 0) break;
    out.append(buf, n);
  }
  close(fd);
  return out;
}

absl::Status SyncDir(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("open", dir);
  int rc = fsync(fd);
  close(fd);
  return rc == 0 ? absl::OkStatus() : Errno("fsync", dir);
}

std::string Name(const char* prefix, uint64_t index, const char* suffix) {
  return absl::StrFormat("%s%020d%s", prefix, index, suffix);
}

// Parses "<prefix><digits><suffix>".
bool ParseName(absl::string_view name, absl::string_view prefix,
               absl::string_view suffix, uint64_t* index) {
  if (!absl::ConsumePrefix(&name, prefix) || !absl::ConsumeSuffix(&name, suffix)) {
    return false;
  }
  return name.size() == 20 && absl::SimpleAtoi(name, index);
}

class LocalJournal final : public Journal {
 public:
  LocalJournal(std::string dir, LocalJournalOptions options, int lock_fd)
      : dir_(std::move(dir)), options_(options), lock_fd_(lock_fd) {}
  ~LocalJournal() override {
    if (log_fd_ >= 0) close(log_fd_);
    close(lock_fd_);
  }

  absl::StatusOr<RecoveredJournal> Recover() override {
    absl::MutexLock lock(&mu_);
    RecoveredJournal out;
    std::vector<uint64_t> logs, snaps;
    RETURN_IF_ERROR(ListFiles(&logs, &snaps));
    if (!snaps.empty()) {
      uint64_t index = snaps.back();
      ASSIGN_OR_RETURN(out.snapshot, ReadSnapshot(index));
      out.snapshot_index = index;
    }
    uint64_t expected = 0;  // index of the last entry read
    for (size_t f = 0; f < logs.size(); ++f) {
      std::string path = Path(Name(fmt::kLogPrefix, logs[f], fmt::kLogSuffix));
      ASSIGN_OR_RETURN(std::string data, ReadFile(path));
      bool last_file = f + 1 == logs.size();
      size_t pos = 0;
      while (pos < data.size()) {
        std::string why;
        size_t end = 0;
        uint64_t index = 0;
        absl::string_view payload;
        bool incomplete = false;
        if (!ParseRecord(data, pos, &index, &payload, &end, &incomplete, &why)) {
          // A torn tail: the last record of the last file, cut short or
          // never completely written (bad checksum ending at EOF, or zeros).
          bool torn = last_file && (incomplete || end == data.size() ||
                                    AllZero(absl::string_view(data).substr(pos)));
          if (!torn) {
            return absl::DataLossError(absl::StrCat(
                "journal ", path, " is corrupt at byte ", pos, ": ", why,
                "; records after it cannot be replayed safely"));
          }
          if (truncate(path.c_str(), pos) != 0) return Errno("truncate", path);
          out.notes.push_back(absl::StrCat("cut a torn tail of ", data.size() - pos,
                                           " bytes from ", path, " (", why, ")"));
          data.resize(pos);
          break;
        }
        if (expected != 0 && index != expected + 1) {
          return absl::DataLossError(absl::StrCat("journal ", path, " jumps from entry ",
                                                  expected, " to ", index));
        }
        expected = index;
        if (index > out.snapshot_index) out.entries.emplace_back(payload);
        pos = end;
      }
    }
    if (!out.entries.empty() &&
        expected - out.entries.size() != out.snapshot_index) {
      return absl::DataLossError(absl::StrCat(
          "journal entries after snapshot ", out.snapshot_index, " start at ",
          expected - out.entries.size() + 1));
    }
    last_index_ = std::max(out.snapshot_index, expected);
    // Append to the newest log file, or start one.
    uint64_t first = logs.empty() ? last_index_ + 1 : logs.back();
    RETURN_IF_ERROR(OpenLog(first));
    recovered_ = true;
    return out;
  }

  absl::StatusOr<uint64_t> Append(absl::Span<const std::string> entries) override {
    absl::MutexLock lock(&mu_);
    if (!recovered_) return absl::FailedPreconditionError("Recover() first");
    RETURN_IF_ERROR(broken_);
    std::string buffer;
    uint64_t first = last_index_ + 1;
    uint64_t index = first;
    for (const std::string& entry : entries) {
      if (entry.size() > fmt::kMaxRecordSize) {
        return absl::InvalidArgumentError(
            absl::StrCat("journal entry of ", entry.size(), " bytes is too large"));
      }
      std::string body;
      Put<uint32_t>(&body, static_cast<uint32_t>(entry.size()));
      Put<uint64_t>(&body, index++);
      body.append(entry);
      Put<uint32_t>(&buffer, Crc(body));
      buffer.append(body);
    }
    absl::Status status = WriteAll(log_fd_, buffer, log_path_);
    if (status.ok() && options_.sync && fdatasync(log_fd_) != 0) {
      status = Errno("fdatasync", log_path_);
    }
    if (!status.ok()) {
      // The file may hold part of this group: nothing more may follow it
      // until a restart's recovery has cut it.
      broken_ = absl::UnavailableError(absl::StrCat(
          "local journal failed earlier and needs a restart: ", status.message()));
      return status;
    }
    last_index_ = index - 1;
    return first;
  }

  absl::Status SaveSnapshot(uint64_t index, absl::string_view state) override {
    absl::MutexLock lock(&mu_);
    if (index > last_index_) {
      return absl::InvalidArgumentError("snapshot of an entry not yet appended");
    }
    std::string header;
    Put<uint32_t>(&header, fmt::kSnapshotMagic);
    Put<uint32_t>(&header, fmt::kSnapshotVersion);
    Put<uint64_t>(&header, index);
    Put<uint64_t>(&header, state.size());
    Put<uint32_t>(&header, Crc(state));
    std::string name = Name(fmt::kSnapshotPrefix, index, fmt::kSnapshotSuffix);
    std::string temp = Path(name + ".tmp");
    int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return Errno("create", temp);
    absl::Status status = WriteAll(fd, header, temp);
    if (status.ok()) status = WriteAll(fd, state, temp);
    if (status.ok() && options_.sync && fdatasync(fd) != 0) status = Errno("fsync", temp);
    close(fd);
    if (status.ok() && rename(temp.c_str(), Path(name).c_str()) != 0) {
      status = Errno("rename", temp);
    }
    if (!status.ok()) {
      unlink(temp.c_str());
      return status;
    }
    if (options_.sync) RETURN_IF_ERROR(SyncDir(dir_));
    if (index != last_index_) return absl::OkStatus();
    // Everything is in the snapshot: start a new log, drop the old files.
    RETURN_IF_ERROR(OpenLog(index + 1));
    std::vector<uint64_t> logs, snaps;
    RETURN_IF_ERROR(ListFiles(&logs, &snaps));
    for (uint64_t first : logs) {
      if (first <= index) unlink(Path(Name(fmt::kLogPrefix, first, fmt::kLogSuffix)).c_str());
    }
    for (uint64_t s : snaps) {
      if (s < index) {
        unlink(Path(Name(fmt::kSnapshotPrefix, s, fmt::kSnapshotSuffix)).c_str());
      }
    }
    return absl::OkStatus();
  }

 private:
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  static bool AllZero(absl::string_view data) {
    return std::all_of(data.begin(), data.end(), [](char c) { return c == 0; });
  }

  // Parses the record at `pos`. On failure, `incomplete` says whether the
  // record runs past the end of the data (what a crash mid-write leaves).
  static bool ParseRecord(const std::string& data, size_t pos, uint64_t* index,
                          absl::string_view* payload, size_t* end,
                          bool* incomplete, std::string* why) {
    *end = 0;
    *incomplete = false;
    if (data.size() - pos < fmt::kRecordHeaderSize) {
      *incomplete = true;
      *why = "incomplete record header";
      return false;
    }
    const char* p = data.data() + pos;
    uint32_t crc = Get<uint32_t>(p);
    uint32_t length = Get<uint32_t>(p + 4);
    if (data.size() - pos - fmt::kRecordHeaderSize < length) {
      *incomplete = true;
      *why = absl::StrCat("record of ", length, " bytes runs past the end");
      return false;
    }
    if (length > fmt::kMaxRecordSize) {
      *why = absl::StrCat("record length ", length, " exceeds the maximum");
      return false;
    }
    *end = pos + fmt::kRecordHeaderSize + length;
    if (Crc(absl::string_view(p + 4, 12 + length)) != crc) {
      *why = "checksum mismatch";
      return false;
    }
    *index = Get<uint64_t>(p + 8);
    *payload = absl::string_view(p + fmt::kRecordHeaderSize, length);
    return true;
  }

  absl::StatusOr<std::string> ReadSnapshot(uint64_t index) {
    std::string path = Path(Name(fmt::kSnapshotPrefix, index, fmt::kSnapshotSuffix));
    ASSIGN_OR_RETURN(std::string data, ReadFile(path));
    if (data.size() < fmt::kSnapshotHeaderSize ||
        Get<uint32_t>(data.data()) != fmt::kSnapshotMagic ||
        Get<uint32_t>(data.data() + 4) != fmt::kSnapshotVersion ||
        Get<uint64_t>(data.data() + 8) != index ||
        Get<uint64_t>(data.data() + 16) != data.size() - fmt::kSnapshotHeaderSize ||
        Get<uint32_t>(data.data() + 24) !=
            Crc(absl::string_view(data).substr(fmt::kSnapshotHeaderSize))) {
      return absl::DataLossError(absl::StrCat("snapshot ", path, " is corrupt"));
    }
    return data.substr(fmt::kSnapshotHeaderSize);
  }

  absl::Status ListFiles(std::vector<uint64_t>* logs, std::vector<uint64_t>* snaps) {
    DIR* d = opendir(dir_.c_str());
    if (d == nullptr) return Errno("open", dir_);
    while (struct dirent* e = readdir(d)) {
      uint64_t index;
      if (ParseName(e->d_name, fmt::kLogPrefix, fmt::kLogSuffix, &index)) {
        logs->push_back(index);
      } else if (ParseName(e->d_name, fmt::kSnapshotPrefix, fmt::kSnapshotSuffix,
                           &index)) {
        snaps->push_back(index);
      } else if (absl::EndsWith(e->d_name, ".tmp")) {
        unlink(Path(e->d_name).c_str());  // an unfinished snapshot
      }
    }
    closedir(d);
    std::sort(logs->begin(), logs->end());
    std::sort(snaps->begin(), snaps->end());
    return absl::OkStatus();
  }

  absl::Status OpenLog(uint64_t first) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::string path = Path(Name(fmt::kLogPrefix, first, fmt::kLogSuffix));
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return Errno("open", path);
    if (log_fd_ >= 0) close(log_fd_);
    log_fd_ = fd;
    log_path_ = path;
    return options_.sync ? SyncDir(dir_) : absl::OkStatus();
  }

  const std::string dir_;
  const LocalJournalOptions options_;
  const int lock_fd_;
  absl::Mutex mu_;
  bool recovered_ ABSL_GUARDED_BY(mu_) = false;
  int log_fd_ ABSL_GUARDED_BY(mu_) = -1;
  std::string log_path_ ABSL_GUARDED_BY(mu_);
  uint64_t last_index_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status broken_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

absl::StatusOr<std::unique_ptr<Journal>> OpenLocalJournal(
    const std::string& dir, const LocalJournalOptions& options) {
  for (size_t i = 1; i <= dir.size(); ++i) {
    if (i == dir.size() || dir[i] == '/') {
      std::string prefix = dir.substr(0, i);
      if (mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
        return Errno("create journal folder", prefix);
      }
    }
  }
  std::string lock_path = dir + "/LOCK";
  int lock_fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd < 0) return Errno("open", lock_path);
  if (flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    close(lock_fd);
    return absl::FailedPreconditionError(absl::StrCat(
        "journal ", dir, " is in use by another process (", lock_path, " is locked)"));
  }
  return std::unique_ptr<Journal>(
      std::make_unique<LocalJournal>(dir, options, lock_fd));
}

}  // namespace warp::metadata
