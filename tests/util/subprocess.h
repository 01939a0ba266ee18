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
//
// The child is reaped only by Kill, Wait and Stop, after its process group
// was killed; no signal is ever sent after that (its pid may then belong to
// another process). Not thread-safe.
class Subprocess {
 public:
  // Starts `argv` (argv[0] is looked up in PATH) in its own process group,
  // with stdout and stderr appended to `log_path` (or discarded if empty),
  // stdin from /dev/null, no other file descriptor inherited, no signal
  // blocked and every signal disposition at its default.
  static absl::StatusOr<Subprocess> Start(const std::vector<std::string>& argv,
                                          const std::string& log_path = "");

  Subprocess(Subprocess&& other) noexcept;
  Subprocess& operator=(Subprocess&& other) noexcept;
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;
  ~Subprocess() { Kill(); }

  pid_t pid() const { return pid_; }
  // Whether the child has not exited yet. Does not reap it.
  bool running() const;
  // Sends `signal` to the process group (nothing once the child is reaped).
  void Signal(int signal);
  // SIGKILLs the process group and reaps the child. Idempotent.
  void Kill();
  // Waits up to `timeout` for the process to exit by itself; then kills what
  // is left of its process group, reaps it and returns its exit status
  // (128+signal if killed by one), or -1 if it still runs. Once reaped,
  // returns the same status again at once.
  int Wait(absl::Duration timeout);
  // SIGTERM, then waits up to `grace`; returns the exit status, or -1 if it
  // had to be killed.
  int Stop(absl::Duration grace = absl::Seconds(10));

 private:
  explicit Subprocess(pid_t pid) : pid_(pid) {}
  // Kills the group (the child has exited or must die) and reaps the child.
  void KillGroupAndReap();

  pid_t pid_ = -1;
  bool reaped_ = false;
  int exit_status_ = -1;  // once reaped
};

// A TCP port on 127.0.0.1 that was free a moment ago.
absl::StatusOr<int> PickFreePort();

// Waits until 127.0.0.1:`port` accepts connections.
absl::Status WaitForPort(int port, absl::Duration timeout);

// The same, but fails at once (FailedPrecondition) if `process`, the server
// that should listen there, exits first.
absl::Status WaitForPort(int port, absl::Duration timeout,
                         const Subprocess& process);

// A fresh folder under TEST_TMPDIR, or under /tmp outside a Bazel test;
// those are removed when the process exits normally.
std::string NewTempDir(const std::string& name);

}  // namespace warp::testing

#endif  // WARP_TESTS_UTIL_SUBPROCESS_H_
