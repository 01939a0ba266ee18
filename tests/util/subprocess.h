// Test helpers that start real servers (s3rver, etcd, warpd) as child
// processes on loopback and clean them up. Test-only.
#ifndef WARP_TESTS_UTIL_SUBPROCESS_H_
#define WARP_TESTS_UTIL_SUBPROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace warp::testing {

// A child process, killed (SIGKILL to its process group) when destroyed.
class Subprocess {
 public:
  // Starts `argv` (argv[0] is looked up in PATH) in its own process group,
  // with stdout and stderr appended to `log_path` (or discarded if empty).
  static absl::StatusOr<Subprocess> Start(const std::vector<std::string>& argv,
                                          const std::string& log_path = "");

  Subprocess(Subprocess&& other) noexcept : pid_(other.pid_) { other.pid_ = -1; }
  Subprocess& operator=(Subprocess&& other) noexcept;
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;
  ~Subprocess() { Kill(); }

  pid_t pid() const { return pid_; }
  bool running() const;
  // Sends `signal` to the process group.
  void Signal(int signal);
  // SIGKILLs the process group and reaps the child. Idempotent.
  void Kill();
  // Waits up to `timeout` for the process to exit by itself; returns its exit
  // status (128+signal if killed by one), or -1 if it still runs.
  int Wait(absl::Duration timeout);
  // SIGTERM, then waits up to `grace`; returns the exit status, or -1 if it
  // had to be killed.
  int Stop(absl::Duration grace = absl::Seconds(10));

 private:
  explicit Subprocess(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;
};

// A TCP port on 127.0.0.1 that was free a moment ago.
absl::StatusOr<int> PickFreePort();

// Waits until 127.0.0.1:`port` accepts connections.
absl::Status WaitForPort(int port, absl::Duration timeout);

// A fresh folder under TEST_TMPDIR (or /tmp).
std::string NewTempDir(const std::string& name);

}  // namespace warp::testing

#endif  // WARP_TESTS_UTIL_SUBPROCESS_H_
