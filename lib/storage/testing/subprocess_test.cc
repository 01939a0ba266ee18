// Tests of tests/util/subprocess (kept here because tests/util/BUILD is
// shared; the helper starts the s3rver that the S3 tests use).
#include "tests/util/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace warp::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

// A signal mask, ignored signals and open descriptors of the test runner
// must not reach the child (exec keeps all three).
TEST(SubprocessTest, ChildStartsClean) {
  std::string dir = NewTempDir("subprocess");
  std::string signals_log = dir + "/signals.log";
  std::string log = dir + "/fds.log";
  sigset_t block, old_mask;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &block, &old_mask), 0);
  struct sigaction ignore {
  }, old_action{};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(sigaction(SIGUSR2, &ignore, &old_action), 0);
  int leaked = open("/dev/null", O_RDONLY);  // no O_CLOEXEC
  ASSERT_GE(leaked, 3);
  // grep reads its own status (exec keeps mask and ignored signals); ls
  // lists the descriptors of the shell (its own include the folder it reads).
  auto signals = Subprocess::Start(
      {"sh", "-c", "exec grep -E '^Sig(Blk|Ign):' /proc/self/status"},
      signals_log);
  auto child = Subprocess::Start({"sh", "-c", "echo fds; ls /proc/$$/fd"}, log);
  close(leaked);
  sigaction(SIGUSR2, &old_action, nullptr);
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  ASSERT_TRUE(signals.ok()) << signals.status();
  ASSERT_EQ(signals->Wait(absl::Seconds(30)), 0) << ReadFile(signals_log);
  ASSERT_TRUE(child.ok()) << child.status();
  ASSERT_EQ(child->Wait(absl::Seconds(30)), 0) << ReadFile(log);
  EXPECT_EQ(ReadFile(signals_log),
            "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
  std::string output = ReadFile(log);
  std::string fds = output.substr(output.find("fds\n") + 4);
  EXPECT_EQ(fds, "0\n1\n2\n") << output;
}

// running() must not reap the child: Wait still gets its status, and no
// signal goes to a pid that may have been reused.
TEST(SubprocessTest, RunningDoesNotReap) {
  auto child = Subprocess::Start({"sh", "-c", "exit 3"});
  ASSERT_TRUE(child.ok()) << child.status();
  absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (child->running() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_FALSE(child->running());
  EXPECT_EQ(child->Wait(absl::Seconds(5)), 3);
  EXPECT_EQ(child->Wait(absl::Seconds(5)), 3) << "the status is kept";
  child->Kill();  // reaped: nothing to signal
  EXPECT_EQ(child->Stop(), 3);
}

TEST(SubprocessTest, StopTerminatesAndReportsTheSignal) {
  auto child = Subprocess::Start({"sleep", "60"});
  ASSERT_TRUE(child.ok()) << child.status();
  EXPECT_TRUE(child->running());
  EXPECT_EQ(child->Stop(absl::Seconds(10)), 128 + SIGTERM);
  EXPECT_FALSE(child->running());
}

TEST(SubprocessTest, ExecFailureIsReported) {
  std::string log = NewTempDir("subprocess") + "/exec.log";
  auto child = Subprocess::Start({"/nonexistent/warp-binary"}, log);
  ASSERT_TRUE(child.ok()) << child.status();
  EXPECT_EQ(child->Wait(absl::Seconds(30)), 127);
  EXPECT_TRUE(absl::StrContains(
      ReadFile(log), "exec /nonexistent/warp-binary failed: errno 2\n"))
      << ReadFile(log);
}

TEST(SubprocessTest, WaitForPortFailsFastWhenTheServerDies) {
  auto port = PickFreePort();
  ASSERT_TRUE(port.ok());
  auto child = Subprocess::Start({"sh", "-c", "exit 1"});
  ASSERT_TRUE(child.ok()) << child.status();
  absl::Time start = absl::Now();
  absl::Status ready = WaitForPort(*port, absl::Seconds(30), *child);
  EXPECT_EQ(ready.code(), absl::StatusCode::kFailedPrecondition) << ready;
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  EXPECT_EQ(child->Wait(absl::Seconds(5)), 1);
}

}  // namespace
}  // namespace warp::testing
