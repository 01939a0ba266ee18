#include "lib/metadata/local_journal.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

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
#include "lib/base/durable_folders.h"
#include "lib/base/status_macros.h"
#include "lib/metadata/journal_file.h"
#include "lib/metadata/journal_format.h"

namespace warp::metadata {
namespace {

namespace fmt = journal_format;

absl::Status Errno(absl::string_view what, const std::string& path) {
  return absl::InternalError(absl::StrCat(what, " ", path, ": ", strerror(errno)));
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
    // Nothing is changed on disk until every file has been read and found
    // sound: a journal is never replayed, nor cut, past corruption.
    uint64_t expected = 0;  // index of the last entry read
    journal_file::LogScan newest;
    std::string newest_path;
    size_t newest_size = 0;
    for (size_t f = 0; f < logs.size(); ++f) {
      std::string path = Path(Name(fmt::kLogPrefix, logs[f], fmt::kLogSuffix));
      ASSIGN_OR_RETURN(std::string data, ReadFile(path));
      bool last_file = f + 1 == logs.size();
      journal_file::LogScan scan = journal_file::ScanLog(data, logs[f], last_file);
      if (scan.tail == journal_file::LogScan::Tail::kCorrupt) {
        return absl::DataLossError(absl::StrCat(
            "journal ", path, " is corrupt at byte ", scan.bad_offset, ": ", scan.why,
            "; nothing was changed, and records after it cannot be replayed safely"));
      }
      if (!scan.records.empty()) {
        uint64_t first = scan.records.front().index;
        if (expected != 0 && first != expected + 1) {
          return absl::DataLossError(absl::StrCat("journal ", path, " jumps from entry ",
                                                  expected, " to ", first));
        }
        expected = scan.records.back().index;
      }
      for (const journal_file::LogRecord& r : scan.records) {
        if (r.index > out.snapshot_index) out.entries.emplace_back(r.payload);
      }
      if (last_file) {
        newest = std::move(scan);
        newest.records.clear();  // views into `data`
        newest_path = path;
        newest_size = data.size();
      }
    }
    if (!out.entries.empty() &&
        expected - out.entries.size() != out.snapshot_index) {
      return absl::DataLossError(absl::StrCat(
          "journal entries after snapshot ", out.snapshot_index, " start at ",
          expected - out.entries.size() + 1));
    }
    last_index_ = std::max(out.snapshot_index, expected);
    bool newest_empty = !logs.empty() && (newest.version == 2
                                              ? newest.valid_end <= fmt::kLogHeaderSize
                                              : newest.valid_end == 0);
    if (newest_empty && logs.back() != last_index_ + 1) {
      return absl::DataLossError(absl::StrCat("journal ", newest_path,
                                              " holds no entry but is named after entry ",
                                              logs.back(), ", not ", last_index_ + 1));
    }
    if (newest.tail == journal_file::LogScan::Tail::kTorn) {
      // A file cut inside its header is cut to nothing, and gets a new one.
      size_t cut = newest.valid_end;
      if (truncate(newest_path.c_str(), cut) != 0) return Errno("truncate", newest_path);
      out.notes.push_back(absl::StrCat("cut a torn tail of ", newest_size - cut,
                                       " bytes at byte ", cut, " of ", newest_path, " (",
                                       newest.why, ")"));
    }
    // Append to the newest file if it is of the current version, else start
    // one (an empty file, cut to nothing, is started again in place).
    bool reuse = !logs.empty() && (newest.version == 2 || newest_empty);
    RETURN_IF_ERROR(OpenLog(reuse ? logs.back() : last_index_ + 1));
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
      journal_file::AppendRecord(index++, entry, &buffer);
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
    std::string file;
    journal_file::AppendSnapshot(index, state, &file);
    std::string name = Name(fmt::kSnapshotPrefix, index, fmt::kSnapshotSuffix);
    std::string temp = Path(name + ".tmp");
    int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return Errno("create", temp);
    absl::Status status = WriteAll(fd, file, temp);
    if (status.ok() && options_.sync && fdatasync(fd) != 0) status = Errno("fsync", temp);
    close(fd);
    if (status.ok() && rename(temp.c_str(), Path(name).c_str()) != 0) {
      status = Errno("rename", temp);
    }
    if (!status.ok()) {
      unlink(temp.c_str());
      return status;
    }
    if (options_.sync) RETURN_IF_ERROR(SyncFolder(dir_));
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

  absl::StatusOr<std::string> ReadSnapshot(uint64_t index) {
    std::string path = Path(Name(fmt::kSnapshotPrefix, index, fmt::kSnapshotSuffix));
    ASSIGN_OR_RETURN(std::string data, ReadFile(path));
    absl::StatusOr<absl::string_view> state = journal_file::ParseSnapshot(data, index);
    if (!state.ok()) {
      return absl::DataLossError(
          absl::StrCat("snapshot ", path, " is corrupt: ", state.status().message()));
    }
    return std::string(*state);
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
    struct stat st;
    if (fstat(fd, &st) != 0) {
      absl::Status status = Errno("stat", path);
      close(fd);
      return status;
    }
    if (st.st_size == 0) {
      // A new file starts with its header, durable before any record.
      std::string header;
      journal_file::AppendLogHeader(first, &header);
      absl::Status status = WriteAll(fd, header, path);
      if (status.ok() && options_.sync && fdatasync(fd) != 0) {
        status = Errno("fdatasync", path);
      }
      if (!status.ok()) {
        close(fd);
        return status;
      }
    }
    if (log_fd_ >= 0) close(log_fd_);
    log_fd_ = fd;
    log_path_ = path;
    return options_.sync ? SyncFolder(dir_) : absl::OkStatus();
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
  absl::StatusOr<int> created = CreateFolders(dir, options.sync);
  if (!created.ok()) return created.status();
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
