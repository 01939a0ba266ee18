// A real warpd started by a test (loopback, free ports, its own data
// directory), and a shell runner for the client scripts that drive it.
// Test-only; not thread-safe.
#ifndef WARP_TESTS_CLIENTS_WARPD_H_
#define WARP_TESTS_CLIENTS_WARPD_H_

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/util/subprocess.h"

namespace warp::testing {

// The path of a runfile of this workspace.
inline std::string Runfile(const std::string& path) {
  return absl::StrCat(std::getenv("TEST_SRCDIR"), "/warp/", path);
}

// Runs a shell command; returns {exit status, stdout+stderr}.
inline std::pair<int, std::string> Sh(const std::string& command,
                                      absl::Duration timeout = absl::Minutes(3)) {
  std::string log = NewTempDir("sh") + "/out";
  auto p = Subprocess::Start({"/bin/sh", "-c", command}, log);
  EXPECT_TRUE(p.ok());
  int status = p->Wait(timeout);
  std::ifstream in(log);
  return {status, std::string(std::istreambuf_iterator<char>(in), {})};
}

// `node` running `script` (a runfile) with `args`, with kafkajs from
// tools/node_modules (found through WARP_S3RVER, which scripts/test.sh sets
// to tools/node_modules/.bin/s3rver); empty when that is not set.
inline std::string NodeCommand(const std::string& script, const std::string& args) {
  const char* s3rver = std::getenv("WARP_S3RVER");
  if (s3rver == nullptr) return "";
  std::string modules = std::string(s3rver).substr(0, std::string(s3rver).rfind("/.bin/"));
  return absl::StrCat("NODE_PATH=", modules, " node ", Runfile(script), " ", args);
}

// warpd on two free loopback ports over `data_dir` (log: `data_dir`.log),
// killed when destroyed. Start() again after Kill9() or Stop() restarts it on
// the same ports and data. "{port}" in `extra` stands for the Kafka port
// (for --listeners, whose PLAINTEXT listener should be on it).
class Warpd {
 public:
  explicit Warpd(std::string data_dir, std::vector<std::string> extra = {})
      : data_dir_(std::move(data_dir)), extra_(std::move(extra)) {
    port_ = *PickFreePort();
    http_port_ = *PickFreePort();
    Start();
  }
  void Start() {
    std::vector<std::string> argv = {Runfile("server/warpd"),
                                     absl::StrCat("--kafka_listen=127.0.0.1:", port_),
                                     absl::StrCat("--http_listen=127.0.0.1:", http_port_),
                                     "--data_dir=" + data_dir_, "--flush_interval_ms=10",
                                     "--default_partitions=100"};
    for (const std::string& arg : extra_) {
      argv.push_back(absl::StrReplaceAll(arg, {{"{port}", std::to_string(port_)}}));
    }
    auto p = Subprocess::Start(argv, data_dir_ + ".log");
    ASSERT_TRUE(p.ok()) << p.status();
    process_.emplace(std::move(*p));
    ASSERT_TRUE(WaitForPort(port_, absl::Seconds(30), *process_).ok());
  }
  void Kill9() { process_->Kill(); }
  int Stop() { return process_->Stop(absl::Seconds(30)); }
  std::string bootstrap() const { return absl::StrCat("127.0.0.1:", port_); }
  int port() const { return port_; }
  int http_port() const { return http_port_; }
  pid_t pid() const { return process_->pid(); }

 private:
  std::string data_dir_;
  std::vector<std::string> extra_;
  int port_ = 0, http_port_ = 0;
  std::optional<Subprocess> process_;
};

}  // namespace warp::testing

#endif  // WARP_TESTS_CLIENTS_WARPD_H_
