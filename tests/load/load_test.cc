// warpd, on its default options, held for 60 s under every kind of hostile
// and heavy load at once while honest clients (an idempotent confluent-kafka
// producer and a two-member consumer group) keep working:
//   - 5,000 idle connections;
//   - 500 connections that each announce a 100 MiB frame, then trickle it;
//   - 20 clients pipelining 512 large fetches each, reading slowly;
//   - 200 HTTP slowloris connections;
//   - Metadata requests naming 100,000 bogus topics.
// Pass: warpd alive, its peak RSS (VmHWM) under 1.5 GiB, the honest produce
// p99 under 2 s with every acknowledged record read back, /metrics answering
// within 1 s throughout. The figures are printed for docs/benchmarks.md.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "lib/protocol/messages/dispatch.h"
#include "lib/protocol/messages/request_codec.h"
#include "tests/clients/warpd.h"
#include "tests/util/loopback.h"
#include "tests/util/subprocess.h"

namespace warp {
namespace {

using testing::Runfile;
using testing::Sh;

const absl::Duration kAttack =
    absl::Seconds(std::getenv("WARP_LOAD_SECONDS") ? std::atoi(std::getenv("WARP_LOAD_SECONDS")) : 60);

// Whether attack `name` runs: all of them, unless WARP_LOAD_ATTACKS lists
// some (idle,promise,fetch,slowloris,metadata), for looking into one by hand.
bool Attack(const std::string& name) {
  const char* only = std::getenv("WARP_LOAD_ATTACKS");
  if (only == nullptr || *only == '\0') return true;
  for (absl::string_view a : absl::StrSplit(only, ',')) {
    if (a == name) return true;
  }
  return false;
}

int Connect(int port) { return testing::ConnectLoopback(port, absl::Seconds(5)); }
using testing::SendAll;

std::string RequestFrame(const kafka::Request& request, int16_t version) {
  kafka::RequestHeader header;
  header.api_key = kafka::ApiKeyOf(request);
  header.api_version = version;
  header.client_id = "load-test";
  absl::StatusOr<std::string> frame = kafka::EncodeRequestFrame(header, request);
  EXPECT_TRUE(frame.ok()) << frame.status();
  return frame.ok() ? *frame : "";
}

// A value of `key` in /proc/<pid>/status, in kB; -1 if absent.
int64_t ProcStatusKb(pid_t pid, absl::string_view key) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (absl::StartsWith(line, key)) {
      std::vector<std::string> parts = absl::StrSplit(line, ' ', absl::SkipEmpty());
      int64_t kb = -1;
      if (parts.size() >= 2) (void)absl::SimpleAtoi(parts[parts.size() - 2], &kb);
      return kb;
    }
  }
  return -1;
}

// One HTTP GET of `path`; the time to the whole answer, or nullopt.
std::optional<absl::Duration> TimedGet(int port, const std::string& path) {
  absl::Time start = absl::Now();
  int fd = Connect(port);
  if (fd < 0) return std::nullopt;
  std::string request = absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  bool ok = SendAll(fd, request);
  std::string answer;
  char buf[65536];
  while (ok) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    answer.append(buf, n);
  }
  close(fd);
  if (!absl::StartsWith(answer, "HTTP/1.1 200")) return std::nullopt;
  return absl::Now() - start;
}

TEST(LoadTest, HostileAndHeavyLoadLeaveHonestClientsServed) {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  ASSERT_GE(limit.rlim_cur, 7000u) << "the attack needs about 6,000 descriptors";

  std::string dir = testing::NewTempDir("load");
  int port = *testing::PickFreePort();
  int http_port = *testing::PickFreePort();
  // Default options but for the ports and the data folder.
  auto warpd = testing::Subprocess::Start(
      {Runfile("server/warpd"), absl::StrCat("--kafka_listen=127.0.0.1:", port),
       absl::StrCat("--http_listen=127.0.0.1:", http_port), "--data_dir=" + dir},
      dir + ".log");
  ASSERT_TRUE(warpd.ok()) << warpd.status();
  ASSERT_TRUE(testing::WaitForPort(port, absl::Seconds(30), *warpd).ok());
  std::string bootstrap = absl::StrCat("127.0.0.1:", port);

  // 32 MiB in 64 KiB records for the fetchers to read.
  auto [filled, fill_out] = Sh(absl::StrCat(
      "/usr/bin/python3 -c \"from confluent_kafka import Producer\n"
      "p = Producer({'bootstrap.servers': '", bootstrap, "', 'linger.ms': 20})\n"
      "for i in range(512): p.produce('bulk', value=b'v' * 65536, partition=0)\n"
      "p.flush(60)\""));
  ASSERT_EQ(filled, 0) << fill_out;

  std::atomic<bool> stop{false};
  std::vector<std::thread> attackers;

  // 5,000 idle connections.
  std::vector<int> idle;
  for (int i = 0; i < 5000 && Attack("idle"); ++i) {
    int fd = Connect(port);
    if (fd >= 0) idle.push_back(fd);
  }
  if (Attack("idle")) EXPECT_GE(idle.size(), 4900u);

  // 500 connections announcing 100 MiB frames, trickling a byte a second;
  // reconnecting when warpd gives up on them (its request timeout).
  uint32_t promise = htonl(100 << 20);
  std::string header(reinterpret_cast<const char*>(&promise), 4);
  if (Attack("promise")) attackers.emplace_back([&] {
    std::vector<int> fds(500, -1);
    while (!stop) {
      for (int& fd : fds) {
        if (fd < 0) {
          fd = Connect(port);
          if (fd >= 0 && !SendAll(fd, header + "x")) {
            close(fd);
            fd = -1;
          }
        } else if (!SendAll(fd, "x")) {
          close(fd);
          fd = -1;
        }
      }
      absl::SleepFor(absl::Seconds(1));
    }
    for (int fd : fds) {
      if (fd >= 0) close(fd);
    }
  });

  // 20 clients each pipelining 512 fetches of up to 55 MiB, reading the
  // answers at about 6 MB/s.
  kafka::FetchRequest fetch;
  fetch.max_wait_ms = 500;
  fetch.min_bytes = 1;
  fetch.max_bytes = 55 << 20;
  kafka::FetchRequest::FetchTopic& ft = fetch.topics.emplace_back();
  ft.topic = "bulk";
  kafka::FetchRequest::FetchPartition& fp = ft.partitions.emplace_back();
  fp.partition = 0;
  fp.fetch_offset = 0;
  fp.partition_max_bytes = 55 << 20;
  std::string fetch_frame = RequestFrame(kafka::Request(fetch), 11);
  std::string fetches;
  for (int i = 0; i < 512; ++i) fetches += fetch_frame;
  std::atomic<uint64_t> fetched_bytes{0};
  for (int c = 0; c < 20 && Attack("fetch"); ++c) {
    attackers.emplace_back([&] {
      while (!stop) {
        int fd = Connect(port);
        if (fd < 0) {
          absl::SleepFor(absl::Milliseconds(100));
          continue;
        }
        // Fetches keep coming: the pipeline stays full while warpd lets
        // it (a send waits while warpd does not read).
        std::thread sender([&, fd] {
          absl::string_view rest;
          while (!stop) {
            if (rest.empty()) rest = fetches;
            ssize_t n = send(fd, rest.data(), rest.size(), MSG_NOSIGNAL);
            if (n > 0) {
              rest.remove_prefix(n);
            } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
              break;
            }
          }
        });
        char buf[65536];
        while (!stop) {
          ssize_t n = recv(fd, buf, sizeof(buf), 0);
          if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) break;
          if (n > 0) fetched_bytes += n;
          absl::SleepFor(absl::Milliseconds(10));
        }
        shutdown(fd, SHUT_RDWR);
        sender.join();
        close(fd);
      }
    });
  }

  // 200 HTTP slowloris connections: a header line every 5 s, never done.
  if (Attack("slowloris")) attackers.emplace_back([&] {
    std::vector<int> fds(200, -1);
    while (!stop) {
      for (int& fd : fds) {
        if (fd < 0) {
          fd = Connect(http_port);
          if (fd >= 0 && !SendAll(fd, "GET /metrics HTTP/1.1\r\nHost: x\r\n")) {
            close(fd);
            fd = -1;
          }
        } else if (!SendAll(fd, "X-Slow: yes\r\n")) {
          close(fd);
          fd = -1;
        }
      }
      for (int i = 0; i < 50 && !stop; ++i) absl::SleepFor(absl::Milliseconds(100));
    }
    for (int fd : fds) {
      if (fd >= 0) close(fd);
    }
  });

  // Metadata naming 100,000 bogus topics (that may not be created), again
  // and again.
  kafka::MetadataRequest metadata;
  metadata.allow_auto_topic_creation = false;
  metadata.topics.emplace();
  for (int i = 0; i < 100000; ++i) {
    metadata.topics->emplace_back().name =
        i % 2 ? absl::StrCat("bogus-", i) : absl::StrCat("bogus/", i);
  }
  std::string metadata_frame = RequestFrame(kafka::Request(metadata), 12);
  std::atomic<int> metadata_answers{0};
  if (Attack("metadata")) attackers.emplace_back([&] {
    while (!stop) {
      int fd = Connect(port);
      if (fd < 0) continue;
      while (!stop && SendAll(fd, metadata_frame)) {
        uint32_t size = 0;
        if (recv(fd, &size, 4, MSG_WAITALL) != 4) break;
        std::string body(ntohl(size), '\0');
        if (recv(fd, body.data(), body.size(), MSG_WAITALL) != static_cast<ssize_t>(body.size())) {
          break;
        }
        ++metadata_answers;
      }
      close(fd);
    }
  });

  // The honest clients, and /metrics polled every second.
  auto honest = testing::Subprocess::Start(
      {"/usr/bin/python3", Runfile("tests/load/honest_clients.py"), bootstrap,
       std::to_string(absl::ToInt64Seconds(kAttack))},
      dir + "-honest.log");
  ASSERT_TRUE(honest.ok()) << honest.status();
  absl::Duration slowest_metrics;
  int metrics_failures = 0;
  absl::Time end = absl::Now() + kAttack;
  int tick = 0;
  while (absl::Now() < end) {
    if (std::getenv("WARP_LOAD_TRACE") != nullptr && ++tick % 5 == 0) {
      auto [st, m] = Sh(absl::StrCat("curl -s --max-time 5 http://127.0.0.1:", http_port,
                                     "/metrics | grep -E '^warp_(request_bytes|buffered|cache)'"));
      std::printf("t=%ds VmRSS %lld MiB fetched %.0f MiB %s\n", tick, static_cast<long long>(
                  ProcStatusKb(warpd->pid(), "VmRSS:") / 1024), fetched_bytes.load() / 1048576.0, m.c_str());
      std::fflush(stdout);
    }
    std::optional<absl::Duration> took = TimedGet(http_port, "/metrics");
    if (!took.has_value()) {
      ++metrics_failures;
    } else {
      slowest_metrics = std::max(slowest_metrics, *took);
    }
    absl::SleepFor(absl::Seconds(1));
  }
  std::string metrics;
  {
    auto [status, out] = Sh(absl::StrCat("curl -s --max-time 5 http://127.0.0.1:", http_port,
                                         "/metrics"));
    metrics = out;
  }
  stop = true;
  for (auto& t : attackers) t.join();
  for (int fd : idle) close(fd);
  int honest_status = honest->Wait(absl::Minutes(3));
  bool alive = warpd->running();
  // Everyone gone: nothing is held any more (no reservation or count leaks).
  std::string held = "?";
  for (int i = 0; i < 50 && held != "0"; ++i) {
    auto [status, out] = Sh(absl::StrCat("curl -s --max-time 5 http://127.0.0.1:", http_port,
                                         "/metrics | sed -n 's/^warp_request_bytes_in_flight //p'"));
    held = std::string(absl::StripAsciiWhitespace(out));
    if (held != "0") absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_EQ(held, "0") << "bytes still counted in flight with every client gone";
  int64_t hwm_kb = ProcStatusKb(warpd->pid(), "VmHWM:");

  std::string result;
  {
    std::ifstream in(dir + "-honest.log");
    std::string line;
    while (std::getline(in, line)) {
      if (absl::StartsWith(line, "{")) result = line;
    }
  }
  auto field = [&](const std::string& name) {
    size_t at = result.find("\"" + name + "\": ");
    if (at == std::string::npos) return -1.0;
    double v = -1;
    std::istringstream(result.substr(at + name.size() + 4)) >> v;
    return v;
  };
  auto metric = [&](const std::string& name) {
    for (absl::string_view line : absl::StrSplit(metrics, '\n')) {
      if (absl::StartsWith(line, name + " ")) return std::string(line.substr(name.size() + 1));
    }
    return std::string("?");
  };
  std::printf(
      "load figures: VmHWM %.0f MiB; honest produce p50 %.3f s p99 %.3f s max %.3f s; "
      "acked %.0f read %.0f missing %.0f; slowest /metrics %.3f s (%d failed); "
      "metadata answers %d; fetched %.0f MiB; refused %s, reads paused %s\n",
      hwm_kb / 1024.0, field("p50_s"), field("p99_s"), field("max_s"), field("acked"),
      field("read"), field("missing"), absl::ToDoubleSeconds(slowest_metrics),
      metrics_failures, metadata_answers.load(), fetched_bytes.load() / 1048576.0,
      metric("warp_connections_refused_total").c_str(),
      metric("warp_reads_paused_total").c_str());
  EXPECT_TRUE(alive) << "warpd died";
  std::printf("warpd log: %s.log\n", dir.c_str());
  EXPECT_EQ(honest_status, 0) << result;
  EXPECT_GT(hwm_kb, 0);
  EXPECT_LT(hwm_kb, 1536 * 1024) << "peak RSS over 1.5 GiB";
  EXPECT_GT(field("acked"), 1000) << result;
  EXPECT_EQ(field("missing"), 0) << result;
  EXPECT_LT(field("p99_s"), 2.0) << result;
  EXPECT_EQ(metrics_failures, 0);
  EXPECT_LT(slowest_metrics, absl::Seconds(1));
  if (Attack("metadata")) EXPECT_GT(metadata_answers.load(), 0);
  EXPECT_EQ(warpd->Stop(absl::Seconds(60)), 0);
}

}  // namespace
}  // namespace warp
