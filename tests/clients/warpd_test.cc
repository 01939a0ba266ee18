// warpd with real Kafka clients (kcat/librdkafka, kafka-python,
// confluent-kafka) and hostile input, started for real by the test.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "server/exposition_check.h"
#include "tests/clients/warpd.h"
#include "tests/util/loopback.h"
#include "tests/util/subprocess.h"

namespace warp {
namespace {

using testing::Runfile;
using testing::Sh;
using testing::Warpd;

class WarpdTest : public ::testing::Test {
 protected:
  void SetUp() override { warpd_ = std::make_unique<Warpd>(testing::NewTempDir("warpd")); }
  std::unique_ptr<Warpd> warpd_;
};

TEST_F(WarpdTest, KcatEveryCodecKeysAndHeaders) {
  for (const char* codec : {"none", "gzip", "snappy", "lz4", "zstd"}) {
    std::string topic = absl::StrCat("kcat-", codec);
    auto [produced, out] = Sh(absl::StrCat(
        "for i in $(seq 0 99); do echo \"key$i|value-$i\"; done | kcat -P -b ",
        warpd_->bootstrap(), " -t ", topic, " -p 0 -K '|' -H h1=v1 -z ", codec,
        " -X linger.ms=5"));
    ASSERT_EQ(produced, 0) << out;
    auto [consumed, records] =
        Sh(absl::StrCat("kcat -C -b ", warpd_->bootstrap(), " -t ", topic,
                        " -p 0 -o beginning -e -q -f '%k %s %o %h\\n'"));
    ASSERT_EQ(consumed, 0) << records;
    std::vector<std::string> lines = absl::StrSplit(records, '\n', absl::SkipEmpty());
    ASSERT_EQ(lines.size(), 100u) << codec << "\n" << records;
    for (int i = 0; i < 100; ++i) {
      EXPECT_EQ(lines[i], absl::StrCat("key", i, " value-", i, " ", i, " h1=v1")) << codec;
    }
  }
}

// librdkafka 2.0.2 silently stops compressing unless Produce is listed from
// v0: compressible records must arrive compressed.
TEST_F(WarpdTest, LibrdkafkaReallyCompresses) {
  for (const char* codec : {"gzip", "snappy", "lz4", "zstd"}) {
    auto before = Sh(absl::StrCat("curl -s http://127.0.0.1:", warpd_->http_port(),
                                  "/metrics | grep '^warp_produce_bytes_total'"));
    auto [status, out] = Sh(absl::StrCat(
        "yes aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa | "
        "head -2000 | kcat -P -b ", warpd_->bootstrap(), " -t squeeze-", codec,
        " -p 0 -z ", codec, " -X linger.ms=100 2>&1"));
    ASSERT_EQ(status, 0) << out;
    EXPECT_EQ(out.find("does not support compression"), std::string::npos) << out;
    auto after = Sh(absl::StrCat("curl -s http://127.0.0.1:", warpd_->http_port(),
                                 "/metrics | grep '^warp_produce_bytes_total'"));
    auto value = [](const std::string& line) {
      return std::stoll(line.substr(line.rfind(' ') + 1));
    };
    int64_t produced = value(after.second) - value(before.second);
    EXPECT_LT(produced, 40000) << codec << ": " << produced
                               << " bytes for 160 KB of repetitive records";
  }
}

TEST_F(WarpdTest, KafkaPythonAcksCodecsHeadersTimestamps) {
  auto [status, out] = Sh(absl::StrCat("/usr/bin/python3 ", Runfile("tests/clients/clients.py"),
                                       " ", warpd_->bootstrap(), " kafka-python"));
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("OK kafka-python"), std::string::npos) << out;
}

TEST_F(WarpdTest, ConfluentIdempotentHundredThousandRecordsOverHundredPartitions) {
  auto [status, out] = Sh(absl::StrCat("/usr/bin/python3 ", Runfile("tests/clients/clients.py"),
                                       " ", warpd_->bootstrap(), " confluent-many"),
                          absl::Minutes(5));
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("OK confluent-kafka 100000"), std::string::npos) << out;
}

TEST_F(WarpdTest, TopicAdministrationAndOffsetsByTime) {
  auto [status, out] = Sh(absl::StrCat("/usr/bin/python3 ", Runfile("tests/clients/clients.py"),
                                       " ", warpd_->bootstrap(), " admin"));
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("OK admin"), std::string::npos) << out;
}

TEST_F(WarpdTest, LogAppendTimeTopicsAndAcksZero) {
  auto [status, out] = Sh(absl::StrCat("/usr/bin/python3 ", Runfile("tests/clients/clients.py"),
                                       " ", warpd_->bootstrap(), " log-append-time"));
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("OK log append time"), std::string::npos) << out;
}

TEST(WarpdNoAutoCreateTest, UnknownTopicsAreRefused) {
  Warpd warpd(testing::NewTempDir("warpd-noauto"), {"--auto_create_topics=false"});
  auto [status, out] = Sh(absl::StrCat("/usr/bin/python3 ", Runfile("tests/clients/clients.py"),
                                       " ", warpd.bootstrap(), " no-auto-create"));
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("OK unknown topic"), std::string::npos) << out;
}

TEST_F(WarpdTest, OneByteAndNineHundredKibRecords) {
  auto [status, out] = Sh(absl::StrCat("/usr/bin/python3 ", Runfile("tests/clients/clients.py"),
                                       " ", warpd_->bootstrap(), " large"));
  EXPECT_EQ(status, 0) << out;
}

TEST_F(WarpdTest, KafkajsIdempotentProducer) {
  std::string command =
      testing::NodeCommand("tests/clients/kafkajs_produce.js", warpd_->bootstrap());
  ASSERT_FALSE(command.empty()) << "run through scripts/test.sh";
  auto [status, out] = Sh(command);
  ASSERT_EQ(status, 0) << out;
  EXPECT_NE(out.find("OK kafkajs none:0 gzip:0"), std::string::npos) << out;
  for (const char* codec : {"none", "gzip"}) {
    auto [s2, records] = Sh(absl::StrCat("kcat -C -b ", warpd_->bootstrap(), " -t js-", codec,
                                         " -p 0 -o beginning -e -q -f '%k %s %h\n'"));
    std::vector<std::string> lines = absl::StrSplit(records, '\n', absl::SkipEmpty());
    ASSERT_EQ(lines.size(), 50u) << records;
    EXPECT_EQ(lines[7], absl::StrCat("k7 kafkajs-", codec, "-7 h=7"));
  }
}

int Connect(int port) { return testing::ConnectLoopback(port, absl::Seconds(5)); }

// True if the server closed the connection (read returns 0 or an error).
bool Closed(int fd) {
  char buf[256];
  ssize_t n = recv(fd, buf, sizeof(buf), 0);
  return n <= 0;
}

TEST_F(WarpdTest, HostileInputClosesConnectionsButServesOthers) {
  // A 2 GiB length.
  int fd = Connect(warpd_->port());
  std::string huge("\x7f\xff\xff\xff", 4);
  send(fd, huge.data(), huge.size(), 0);
  EXPECT_TRUE(Closed(fd));
  close(fd);
  // Garbage inside a well-sized frame.
  fd = Connect(warpd_->port());
  std::string garbage("\x00\x00\x00\x08\xde\xad\xbe\xef\x01\x02\x03\x04", 12);
  send(fd, garbage.data(), garbage.size(), 0);
  EXPECT_TRUE(Closed(fd));
  close(fd);
  // An unknown api key (1000), version 0, correlation 7, null client id.
  fd = Connect(warpd_->port());
  std::string unknown("\x00\x00\x00\x0a\x03\xe8\x00\x00\x00\x00\x00\x07\xff\xff", 14);
  send(fd, unknown.data(), unknown.size(), 0);
  EXPECT_TRUE(Closed(fd));
  close(fd);
  // A slow client sending one byte at a time keeps only its own connection.
  int slow = Connect(warpd_->port());
  std::thread trickle([slow] {
    std::string frame("\x00\x00\x00\x0a\x00\x12\x00\x00\x00\x00\x00\x01\xff\xff", 14);
    for (char c : frame) {
      send(slow, &c, 1, MSG_NOSIGNAL);
      absl::SleepFor(absl::Milliseconds(200));
    }
  });
  auto [status, out] = Sh(absl::StrCat("echo hi | kcat -P -b ", warpd_->bootstrap(),
                                       " -t other -p 0 && kcat -C -b ", warpd_->bootstrap(),
                                       " -t other -p 0 -o beginning -e -q"));
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("hi"), std::string::npos);
  trickle.join();
  // The trickled ApiVersions request is answered once complete.
  char buf[4];
  EXPECT_EQ(recv(slow, buf, 4, MSG_WAITALL), 4);
  close(slow);
}

TEST_F(WarpdTest, Kill9DuringProduceThenRestartKeepsEveryAcknowledgedRecord) {
  std::string dir = testing::NewTempDir("warpd-crash");
  auto warpd = std::make_unique<Warpd>(dir);
  std::string acks = dir + "-acks";
  // A producer that prints "offset value" for each acknowledged record.
  std::string script = absl::StrCat(R"(
import sys
from confluent_kafka import Producer
p = Producer({'bootstrap.servers': ')", warpd->bootstrap(), R"(', 'linger.ms': 5,
              'enable.idempotence': True, 'message.timeout.ms': 5000})
out = open(')", acks, R"(', 'w', buffering=1)
def done(err, msg):
    if not err:
        out.write('%d %s END\n' % (msg.offset(), msg.value().decode()))
i = 0
while True:
    try:
        p.produce('crash', value=b'r%d' % i, partition=0, on_delivery=done)
        i += 1
    except BufferError:
        pass
    p.poll(0.001)
)");
  std::ofstream(dir + "-producer.py") << script;
  auto producer = testing::Subprocess::Start({"/usr/bin/python3", dir + "-producer.py"},
                                             dir + "-producer.log");
  ASSERT_TRUE(producer.ok());
  absl::SleepFor(absl::Seconds(3));
  warpd->Kill9();
  absl::SleepFor(absl::Milliseconds(300));
  producer->Kill();
  std::map<int64_t, std::string> acked;
  {
    std::ifstream in(acks);
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream f(line);
      int64_t offset;
      std::string value, end;
      if (f >> offset >> value >> end && end == "END") acked[offset] = value;
    }
  }
  ASSERT_GT(acked.size(), 100u);
  warpd->Start();  // same data directory
  auto [status, out] = Sh(absl::StrCat("kcat -C -b ", warpd->bootstrap(),
                                       " -t crash -p 0 -o beginning -e -q -f '%o %s\\n'"));
  ASSERT_EQ(status, 0) << out;
  std::map<int64_t, std::string> stored;
  for (absl::string_view line : absl::StrSplit(out, '\n', absl::SkipEmpty())) {
    std::vector<std::string> parts = absl::StrSplit(line, ' ');
    if (parts.size() == 2) stored[std::stoll(parts[0])] = parts[1];
  }
  for (const auto& [offset, value] : acked) {
    ASSERT_EQ(stored[offset], value) << "acknowledged record lost at offset " << offset;
  }
  // New offsets continue after the old ones.
  auto [s2, o2] = Sh(absl::StrCat("echo after | kcat -P -b ", warpd->bootstrap(),
                                  " -t crash -p 0 && kcat -C -b ", warpd->bootstrap(),
                                  " -t crash -p 0 -o -1 -e -q -f '%o %s\\n'"));
  EXPECT_NE(o2.find(absl::StrCat(stored.rbegin()->first + 1, " after")), std::string::npos) << o2;
}

// A transactional producer initialises (the transaction tests are in
// transactions_test.cc) and a transaction timeout above
// --transaction_max_timeout_ms is refused at once with the reason.
TEST_F(WarpdTest, TransactionalProducersInitialiseWithinTheTimeoutLimit) {
  std::string script = absl::StrCat(R"(
from confluent_kafka import Producer, KafkaException
for timeout in (60000, 900001):
    p = Producer({'bootstrap.servers': ')", warpd_->bootstrap(), R"(',
                  'transactional.id': 'tx-%d' % timeout, 'transaction.timeout.ms': timeout})
    try:
        p.init_transactions(30)
        print('initialised', timeout)
    except KafkaException as e:
        print('refused', timeout, e.args[0].name())
)");
  std::string path = testing::NewTempDir("txn") + ".py";
  std::ofstream(path) << script;
  auto [status, out] = Sh("/usr/bin/python3 " + path + " 2>/dev/null");
  ASSERT_EQ(status, 0) << out;
  EXPECT_NE(out.find("initialised 60000"), std::string::npos) << out;
  EXPECT_NE(out.find("refused 900001 INVALID_TRANSACTION_TIMEOUT"), std::string::npos) << out;
}

// A damaged record length in the middle of the newest journal file, with
// acknowledged records after it, stops warpd at start with one line naming
// the file and the byte; nothing is cut.
TEST(WarpdJournalTest, DamagedJournalStopsTheStartAndIsLeftAsItWas) {
  std::string dir = testing::NewTempDir("warpd-journal");
  {
    Warpd warpd(dir);
    for (int i = 0; i < 5; ++i) {
      auto [status, out] = Sh(absl::StrCat("echo r", i, " | kcat -P -b ", warpd.bootstrap(),
                                           " -t journal -p 0"));
      ASSERT_EQ(status, 0) << out;
    }
    ASSERT_EQ(warpd.Stop(), 0);
  }
  std::string journal = dir + "/journal";
  auto [ls_status, logs] = Sh("ls " + journal + "/log-*.wal | tail -1");
  ASSERT_EQ(ls_status, 0);
  std::string log(absl::StripTrailingAsciiWhitespace(logs));
  std::string data;
  {
    std::ifstream in(log, std::ios::binary);
    data.assign(std::istreambuf_iterator<char>(in), {});
  }
  // Records start after the 20-byte file header; each has a 20-byte header
  // whose bytes 4-7 are the payload length.
  std::vector<size_t> records;
  for (size_t pos = 20; pos + 20 <= data.size();) {
    records.push_back(pos);
    uint32_t length;
    std::memcpy(&length, &data[pos + 4], 4);
    pos += 20 + length;
  }
  ASSERT_GE(records.size(), 3u) << "too few journal records to damage one in the middle";
  size_t victim = records[records.size() / 2];
  data[victim + 5] ^= 0x10;
  std::ofstream(log, std::ios::binary | std::ios::trunc) << data;
  auto [status, out] = Sh(absl::StrCat(
      Runfile("server/warpd"), " --data_dir=", dir,
      " --kafka_listen=127.0.0.1:0 --http_listen=127.0.0.1:0 2>&1"));
  EXPECT_NE(status, 0);
  EXPECT_NE(out.find(absl::StrCat(log, " is corrupt at byte ", victim)), std::string::npos)
      << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  std::ifstream in(log, std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), data)
      << "the journal was changed";
}

TEST_F(WarpdTest, MetricsHealthAndGracefulShutdown) {
  ASSERT_EQ(Sh(absl::StrCat("echo x | kcat -P -b ", warpd_->bootstrap(), " -t m -p 0")).first, 0);
  auto [status, metrics] = Sh(absl::StrCat("curl -s http://127.0.0.1:", warpd_->http_port(),
                                           "/metrics"));
  for (const char* name :
       {"warp_object_store_requests_total", "warp_object_store_bytes_total",
        "warp_produce_requests_total", "warp_produce_bytes_total", "warp_fetch_requests_total",
        "warp_metadata_commits_total", "warp_cache_hits_total", "warp_cache_misses_total",
        "warp_buffered_bytes", "warp_connections", "warp_produce_latency_seconds_bucket",
        "warp_object_store_latency_seconds_bucket", "warp_metadata_commit_latency_seconds"}) {
    EXPECT_NE(metrics.find(name), std::string::npos) << name;
  }
  // Valid Prometheus text: every family with its help from the catalogue.
  absl::StatusOr<std::map<std::string, server::ExpositionFamily>> families =
      server::ParseExposition(metrics);
  ASSERT_TRUE(families.ok()) << families.status() << "\n" << metrics;
  for (const auto& [name, family] : *families) {
    EXPECT_EQ(family.help.find("catalogue"), std::string::npos) << name << ": " << family.help;
  }
  for (const char* name : {"process_cpu_seconds_total", "process_resident_memory_bytes",
                           "process_open_fds", "process_start_time_seconds"}) {
    ASSERT_EQ((*families)[name].samples.size(), 1u) << name;
    EXPECT_GT((*families)[name].samples[0].value, 0) << name;
  }
  EXPECT_EQ(Sh(absl::StrCat("curl -sf http://127.0.0.1:", warpd_->http_port(), "/healthz")).first, 0);
  EXPECT_EQ(Sh(absl::StrCat("curl -sf http://127.0.0.1:", warpd_->http_port(), "/readyz")).first, 0);
  EXPECT_EQ(warpd_->Stop(), 0) << "SIGTERM must exit 0";
}

// The load test's slowloris: 200 HTTP connections that send part of a
// request and stop, while /metrics must still answer; then hostile requests.
TEST_F(WarpdTest, SlowAndHostileHttpClientsDoNotStopMetrics) {
  std::vector<int> slow;
  for (int i = 0; i < 200; ++i) {
    int fd = Connect(warpd_->http_port());
    ASSERT_GE(fd, 0);
    ASSERT_EQ(send(fd, "GET /metr", 9, MSG_NOSIGNAL), 9);
    slow.push_back(fd);
  }
  std::string curl = absl::StrCat("curl -s --max-time 5 -o /dev/null -w '%{http_code}' "
                                  "http://127.0.0.1:", warpd_->http_port());
  auto [status, code] = Sh(curl + "/metrics");
  EXPECT_EQ(status, 0);
  EXPECT_EQ(code, "200");
  auto [huge_status, huge_code] =
      Sh(absl::StrCat(curl, "/metrics -H \"X-Big: $(head -c 65536 /dev/zero | tr '\\0' a)\""));
  EXPECT_TRUE(huge_code == "000" || huge_code[0] == '4') << huge_code;
  int garbage = Connect(warpd_->http_port());
  std::string bytes(100000, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7919 % 251);
  send(garbage, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  // Answered with an error or not, the connection ends (within 5 s).
  char buf[4096];
  ssize_t n;
  while ((n = recv(garbage, buf, sizeof(buf), 0)) > 0) {
  }
  EXPECT_TRUE(n == 0 || errno == ECONNRESET) << strerror(errno);
  close(garbage);
  for (int fd : slow) close(fd);
  EXPECT_EQ(Sh(curl + "/metrics").second, "200");
  EXPECT_EQ(warpd_->Stop(), 0);
}

TEST(WarpdFlagsTest, BadFlagsAndUnreachableStoresStopItWithOneLine) {
  std::string warpd = Runfile("server/warpd");
  auto [s1, o1] = Sh(warpd + " --kafka_listen=nonsense");
  EXPECT_NE(s1, 0);
  EXPECT_NE(o1.find("is not HOST:PORT"), std::string::npos) << o1;
  auto [s2, o2] = Sh(warpd + " --bucket=ftp://x --kafka_listen=127.0.0.1:0 --http_listen=127.0.0.1:0");
  EXPECT_NE(s2, 0);
  EXPECT_NE(o2.find("bucket"), std::string::npos) << o2;
  auto [s3, o3] = Sh(warpd + " --metadata=etcd://127.0.0.1:1/x --data_dir=" +
                     testing::NewTempDir("flags") +
                     " --kafka_listen=127.0.0.1:0 --http_listen=127.0.0.1:0");
  EXPECT_NE(s3, 0);
  EXPECT_NE(o3.find("metadata"), std::string::npos) << o3;
  auto [s4, o4] = Sh(warpd + " --help");
  EXPECT_NE(o4.find("--flush_interval_ms"), std::string::npos);
}

}  // namespace
}  // namespace warp
