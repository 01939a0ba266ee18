// handshake_bench: how many new secure connections one agent accepts per
// second: each connection does the TLS handshake, ApiVersions, SaslHandshake
// and a whole SCRAM exchange (warpctl's client, tools/warpctl/connection.h),
// then closes. Several threads connect at once for --duration_s. With
// --agent_pid the agent's CPU time over the run is read from /proc, giving
// its CPU cost per handshake (the client's PBKDF2 runs on the same machine,
// so the rate alone understates what an agent with its own cores does).
//
//   bazel build //benchmarks:handshake_bench
//   bazel-bin/benchmarks/handshake_bench --bootstrap=127.0.0.1:9094 \
//       --tls_ca_file=ca.pem --sasl_username=alice --sasl_password=... \
//       --agent_pid=$(pgrep warpd) --threads=2 --duration_s=10
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tools/warpctl/connection.h"

ABSL_FLAG(std::string, bootstrap, "127.0.0.1:9094", "A SASL_SSL (or SSL) listener.");
ABSL_FLAG(std::string, security_protocol, "SASL_SSL", "SASL_SSL, SSL, SASL_PLAINTEXT.");
ABSL_FLAG(std::string, tls_ca_file, "", "CA of the agent's certificate.");
ABSL_FLAG(std::string, sasl_mechanism, "SCRAM-SHA-512", "PLAIN, SCRAM-SHA-256, SCRAM-SHA-512.");
ABSL_FLAG(std::string, sasl_username, "alice", "User.");
ABSL_FLAG(std::string, sasl_password, "", "Password (a benchmark's: on the command line).");
ABSL_FLAG(int, threads, 2, "Threads connecting at once.");
ABSL_FLAG(double, duration_s, 10, "Length of the run.");
ABSL_FLAG(int, agent_pid, 0, "The agent's pid, for its CPU time per handshake.");

namespace {

// utime + stime of `pid`, in clock ticks.
long CpuTicks(int pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string line;
  std::getline(in, line);
  size_t paren = line.rfind(')');
  if (paren == std::string::npos) return 0;
  std::istringstream fields(line.substr(paren + 2));
  std::string skip;
  for (int i = 0; i < 11; ++i) fields >> skip;  // fields 3..13
  long utime = 0, stime = 0;
  fields >> utime >> stime;
  return utime + stime;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  warp::warpctl::ConnectionOptions options;
  options.bootstrap = absl::GetFlag(FLAGS_bootstrap);
  options.security_protocol = absl::GetFlag(FLAGS_security_protocol);
  options.tls_ca_file = absl::GetFlag(FLAGS_tls_ca_file);
  options.sasl_mechanism = absl::GetFlag(FLAGS_sasl_mechanism);
  options.sasl_username = absl::GetFlag(FLAGS_sasl_username);
  options.sasl_password = absl::GetFlag(FLAGS_sasl_password);
  options.client_id = "handshake_bench";
  const int pid = absl::GetFlag(FLAGS_agent_pid);
  std::atomic<long> done{0}, failed{0};
  std::atomic<bool> stop{false};
  long cpu_before = pid > 0 ? CpuTicks(pid) : 0;
  absl::Time start = absl::Now();
  std::vector<std::thread> threads;
  for (int t = 0; t < absl::GetFlag(FLAGS_threads); ++t) {
    threads.emplace_back([&] {
      while (!stop.load()) {
        absl::StatusOr<std::unique_ptr<warp::warpctl::Connection>> c =
            warp::warpctl::Connection::Open(options);
        if (c.ok()) {
          ++done;
        } else if (++failed == 1) {
          std::fprintf(stderr, "handshake_bench: %s\n", std::string(c.status().message()).c_str());
        }
      }
    });
  }
  absl::SleepFor(absl::Seconds(absl::GetFlag(FLAGS_duration_s)));
  stop = true;
  for (auto& t : threads) t.join();
  double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  const bool sasl = options.security_protocol.rfind("SASL_", 0) == 0;
  std::printf("| %s%s%s | %d threads | %.0f connections/s | %ld failed |",
              options.security_protocol.c_str(), sasl ? " " : "",
              sasl ? options.sasl_mechanism.c_str() : "", absl::GetFlag(FLAGS_threads),
              done / seconds, failed.load());
  if (pid > 0 && done > 0) {
    double cpu_s = static_cast<double>(CpuTicks(pid) - cpu_before) / sysconf(_SC_CLK_TCK);
    std::printf(" agent CPU %.2f ms per handshake (%.0f handshakes/s per agent core) |",
                1000 * cpu_s / done, done / cpu_s);
  }
  std::printf("\n");
  return failed > 0 && done == 0 ? 1 : 0;
}
