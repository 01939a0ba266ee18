#include "tests/util/subprocess.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

namespace warp::testing {

namespace {

// Appends the decimal `value` to `out` (async-signal-safe).
char* AppendInt(char* out, int value) {
  char digits[16];
  int n = 0;
  unsigned int v = value < 0 ? -static_cast<unsigned int>(value) : value;
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0 && n < 16);
  if (value < 0) *out++ = '-';
  while (n > 0) *out++ = digits[--n];
  return out;
}

// Writes "exec <path> failed: errno <err>" to stderr with write(2) only: after
// fork in a threaded process, stdio and strerror may deadlock.
void ReportExecFailure(const char* path, int err) {
  char message[512];
  char* out = message;
  char* limit = message + sizeof(message) - 32;
  for (const char* p = "exec "; *p; ++p) *out++ = *p;
  for (const char* p = path; *p && out < limit; ++p) *out++ = *p;
  for (const char* p = " failed: errno "; *p; ++p) *out++ = *p;
  out = AppendInt(out, err);
  *out++ = '\n';
  ssize_t ignored = write(2, message, out - message);
  (void)ignored;
}

// The exit status of a reaped child, as Wait returns it.
int DecodeStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

absl::StatusOr<Subprocess> Subprocess::Start(
    const std::vector<std::string>& argv, const std::string& log_path) {
  if (argv.empty()) return absl::InvalidArgumentError("empty argv");
  // Everything the child needs is prepared here: between fork and exec it
  // may only make async-signal-safe calls (no allocation, no stdio).
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const char* output = log_path.empty() ? "/dev/null" : log_path.c_str();
  const int output_flags =
      log_path.empty() ? O_WRONLY : (O_WRONLY | O_CREAT | O_APPEND);
  long open_max = sysconf(_SC_OPEN_MAX);
  if (open_max < 0 || open_max > (1 << 20)) open_max = 1 << 20;
  pid_t pid = fork();
  if (pid < 0) return absl::InternalError(absl::StrCat("fork: ", strerror(errno)));
  if (pid == 0) {
    setpgid(0, 0);
    // No signal blocked or ignored because the parent (a test runner) had
    // it so: exec keeps both.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction default_action;
    memset(&default_action, 0, sizeof(default_action));
    default_action.sa_handler = SIG_DFL;
    sigemptyset(&default_action.sa_mask);
    for (int sig = 1; sig < NSIG; ++sig) {
      if (sigaction(sig, &default_action, nullptr) != 0) {
#ifdef SYS_rt_sigaction
        // glibc refuses its reserved signals (32, 33), which a parent may
        // still have ignored; the kernel's SIG_DFL action is all zeros.
        unsigned long kernel_action[4] = {0, 0, 0, 0};
        syscall(SYS_rt_sigaction, sig, kernel_action, nullptr,
                static_cast<size_t>(NSIG / 8));
#endif
      }
    }
    int fd = open(output, output_flags, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      if (fd > 2) close(fd);
    }
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull > 0) {
      dup2(devnull, 0);
      if (devnull > 2) close(devnull);
    }
    // Nothing else of the parent (sockets, pipes, files of other tests)
    // leaks into the child.
    bool closed = false;
#ifdef SYS_close_range
    closed = syscall(SYS_close_range, 3U, ~0U, 0U) == 0;
#endif
    if (!closed) {
      for (long i = 3; i < open_max; ++i) close(static_cast<int>(i));
    }
    execvp(args[0], args.data());
    ReportExecFailure(args[0], errno);
    _exit(127);
  }
  setpgid(pid, pid);
  return Subprocess(pid);
}

Subprocess::Subprocess(Subprocess&& other) noexcept
    : pid_(other.pid_),
      reaped_(other.reaped_),
      exit_status_(other.exit_status_) {
  other.pid_ = -1;
}

Subprocess& Subprocess::operator=(Subprocess&& other) noexcept {
  if (this != &other) {
    Kill();
    pid_ = other.pid_;
    reaped_ = other.reaped_;
    exit_status_ = other.exit_status_;
    other.pid_ = -1;
  }
  return *this;
}

bool Subprocess::running() const {
  if (pid_ <= 0 || reaped_) return false;
  // WNOWAIT: look without reaping, so the pid stays ours until Kill or Wait
  // has killed the group.
  siginfo_t info;
  memset(&info, 0, sizeof(info));
  if (waitid(P_PID, pid_, &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
    return false;
  }
  return info.si_pid == 0;
}

void Subprocess::Signal(int signal) {
  if (pid_ > 0 && !reaped_) kill(-pid_, signal);
}

void Subprocess::KillGroupAndReap() {
  // The child is not reaped yet (at worst a zombie), so its pid and group id
  // cannot have been reused: these signals reach only its own processes.
  kill(-pid_, SIGKILL);
  kill(pid_, SIGKILL);
  int status = 0;
  pid_t r;
  do {
    r = waitpid(pid_, &status, 0);
  } while (r < 0 && errno == EINTR);
  reaped_ = true;
  exit_status_ = r == pid_ ? DecodeStatus(status) : -1;
}

void Subprocess::Kill() {
  if (pid_ <= 0 || reaped_) return;
  KillGroupAndReap();
}

int Subprocess::Wait(absl::Duration timeout) {
  if (pid_ <= 0) return -1;
  if (reaped_) return exit_status_;
  absl::Time deadline = absl::Now() + timeout;
  do {
    if (!running()) {
      KillGroupAndReap();  // stragglers of the group, then the child
      return exit_status_;
    }
    absl::SleepFor(absl::Milliseconds(20));
  } while (absl::Now() < deadline);
  return -1;
}

int Subprocess::Stop(absl::Duration grace) {
  if (pid_ <= 0) return -1;
  if (reaped_) return exit_status_;
  Signal(SIGTERM);
  int status = Wait(grace);
  if (status == -1) Kill();
  return status;
}

absl::StatusOr<int> PickFreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return absl::InternalError(absl::StrCat("bind: ", strerror(errno)));
  }
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

namespace {

bool Accepts(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

absl::Status WaitForPortUnless(int port, absl::Duration timeout,
                               const Subprocess* process) {
  absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (Accepts(port)) return absl::OkStatus();
    if (process != nullptr && !process->running()) {
      return absl::FailedPreconditionError(
          absl::StrCat("process ", process->pid(),
                       " exited before listening on 127.0.0.1:", port));
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("nothing listens on 127.0.0.1:", port, " after ",
                   absl::FormatDuration(timeout)));
}

}  // namespace

absl::Status WaitForPort(int port, absl::Duration timeout) {
  return WaitForPortUnless(port, timeout, nullptr);
}

absl::Status WaitForPort(int port, absl::Duration timeout,
                         const Subprocess& process) {
  return WaitForPortUnless(port, timeout, &process);
}

namespace {

// Folders made outside a Bazel test (benchmarks, tools): removed when the
// process exits, so repeated runs do not fill the disk. (Bazel removes
// TEST_TMPDIR itself.)
class TempDirs {
 public:
  void Add(std::string dir) {
    absl::MutexLock lock(&mu_);
    dirs_.push_back(std::move(dir));
  }
  ~TempDirs() {
    absl::MutexLock lock(&mu_);
    for (const std::string& dir : dirs_) {
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
    }
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> dirs_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

std::string NewTempDir(const std::string& name) {
  static std::atomic<int> counter{0};
  static TempDirs cleanup_at_exit;
  const char* base = std::getenv("TEST_TMPDIR");
  std::string dir = absl::StrCat(base ? base : "/tmp", "/", name, "-", getpid(),
                                 "-", counter.fetch_add(1));
  mkdir(dir.c_str(), 0755);
  if (base == nullptr) cleanup_at_exit.Add(dir);
  return dir;
}

}  // namespace warp::testing
