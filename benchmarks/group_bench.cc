// group_bench: consumer-group load through librdkafka's C API against warpd
// (or any Kafka broker). Start warpd with --group_initial_rebalance_delay_ms=0
// to measure the protocol rather than the initial delay.
//
// Workloads (--workload):
//   rebalance     --members consumers (threads, eager "range" assignment) join
//                 one group over a --partitions topic; then, --rounds times, a
//                 new member joins and later closes (LeaveGroup). Rebalance
//                 time = from the trigger (subscribe, or the start of close)
//                 until every member holds its partitions of the next
//                 generation (its rebalance callback ran and the assignment
//                 covers every partition exactly once). Each trigger comes
//                 after a random pause of up to one heartbeat interval: the
//                 other members learn of a rebalance from their next
//                 heartbeat, so the figure includes half an interval on
//                 average.
//   member_death  --members - 1 consumers in this process and one in a child
//                 process (this binary with --workload=member); the child is
//                 killed with SIGKILL, --rounds times. Time = from the kill
//                 until the survivors hold every partition (session timeout
//                 + detection + the rebalance).
//   offset_commit --threads consumers commit synchronously (rd_kafka_commit)
//                 --partitions_per_commit offsets each, --commits times, into
//                 one group with no members. Commits/s, offsets/s and
//                 latency p50/p99/p99.9.
//
//   bazel build -c opt //benchmarks:group_bench
//   bazel-bin/benchmarks/group_bench --workload=rebalance --members=30
//       --bootstrap=127.0.0.1:9092
// Results and commands: docs/benchmarks.md ("Consumer groups").
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "benchmarks/rdkafka_client.h"

ABSL_FLAG(std::string, workload, "rebalance", "rebalance, member_death or offset_commit.");
ABSL_FLAG(std::string, bootstrap, "127.0.0.1:9092", "The broker (HOST:PORT).");
ABSL_FLAG(std::string, topic, "group_bench", "Topic the members subscribe to.");
ABSL_FLAG(std::string, group, "", "Group id; empty: one made up per run.");
ABSL_FLAG(int, members, 3, "Members of the group (rebalance, member_death).");
ABSL_FLAG(int, partitions, 60, "Partitions of the topic, created if missing.");
ABSL_FLAG(int, rounds, 5, "Rebalances (or kills) to measure.");
ABSL_FLAG(int, session_timeout_ms, 6000, "session.timeout.ms of the members.");
ABSL_FLAG(int, heartbeat_ms, 1000, "heartbeat.interval.ms of the members.");
ABSL_FLAG(int, threads, 4, "Committing threads (offset_commit).");
ABSL_FLAG(int, commits, 2000, "Commits per thread (offset_commit).");
ABSL_FLAG(int, partitions_per_commit, 1, "Offsets per commit (offset_commit).");

namespace warp::bench {
namespace {

void Die(const std::string& what) {
  std::fprintf(stderr, "group_bench: %s\n", what.c_str());
  std::exit(1);
}

Settings MemberSettings(const std::string& group) {
  return {{"bootstrap.servers", absl::GetFlag(FLAGS_bootstrap)},
          {"group.id", group},
          {"partition.assignment.strategy", "range"},
          {"session.timeout.ms", absl::StrCat(absl::GetFlag(FLAGS_session_timeout_ms))},
          {"heartbeat.interval.ms", absl::StrCat(absl::GetFlag(FLAGS_heartbeat_ms))},
          {"enable.auto.commit", "false"}};
}

// One member on its own thread: polls, applies assignments in its
// rebalance callback and publishes how many partitions it holds.
class Member {
 public:
  Member(const std::string& group, const std::string& topic) {
    absl::StatusOr<KafkaPtr> rk = NewClient(
        RD_KAFKA_CONSUMER, MemberSettings(group), [this](rd_kafka_conf_t* conf) {
          rd_kafka_conf_set_opaque(conf, this);
          rd_kafka_conf_set_rebalance_cb(conf, &Member::OnRebalance);
        });
    if (!rk.ok()) Die(std::string(rk.status().message()));
    rk_ = std::move(*rk);
    rd_kafka_poll_set_consumer(rk_.get());
    rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, topic.c_str(), RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t err = rd_kafka_subscribe(rk_.get(), topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) Die(rd_kafka_err2str(err));
    thread_ = std::thread([this] {
      while (!stop_.load()) {
        rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_.get(), 10);
        if (m != nullptr) rd_kafka_message_destroy(m);
      }
      rd_kafka_consumer_close(rk_.get());
    });
  }
  Member(const Member&) = delete;
  Member& operator=(const Member&) = delete;
  // Closes the consumer (LeaveGroup) and destroys it.
  ~Member() {
    stop_.store(true);
    thread_.join();
  }

  int assigned() const { return assigned_.load(); }
  // When the latest assignment arrived (microseconds since the epoch).
  int64_t assigned_at() const { return assigned_at_.load(); }

 private:
  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* partitions, void* opaque) {
    auto* self = static_cast<Member*>(opaque);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      rd_kafka_assign(rk, partitions);
      self->assigned_at_.store(NowMicros());
      self->assigned_.store(partitions->cnt);
    } else {
      rd_kafka_assign(rk, nullptr);
      self->assigned_.store(0);
    }
  }

  KafkaPtr rk_;
  std::atomic<bool> stop_{false};
  std::atomic<int> assigned_{0};
  std::atomic<int64_t> assigned_at_{0};
  std::thread thread_;
};

// Members of this process plus `others` partitions held elsewhere.
struct View {
  const std::vector<std::unique_ptr<Member>>* members;
  const std::atomic<int>* others = nullptr;
};

// Whether every member holds partitions and together they hold them all
// (an eager rebalance revokes everything before the next generation, so
// this means every member has the next generation's assignment).
bool Converged(const View& v, int partitions) {
  int sum = v.others != nullptr ? v.others->load() : 0;
  if (v.others != nullptr && sum == 0) return false;
  for (const auto& m : *v.members) {
    if (m->assigned() == 0) return false;
    sum += m->assigned();
  }
  return sum == partitions;
}

// Waits (up to 5 minutes) until converged; returns the latest assignment
// time of the members.
int64_t AwaitConverged(const View& v, int partitions) {
  absl::Time deadline = absl::Now() + absl::Minutes(5);
  while (!Converged(v, partitions)) {
    if (absl::Now() > deadline) Die("the group did not converge within 5 minutes");
    absl::SleepFor(absl::Milliseconds(1));
  }
  int64_t last = 0;
  for (const auto& m : *v.members) last = std::max(last, m->assigned_at());
  return last;
}

struct Samples {
  std::vector<double> ms;
  void Print(const char* what) {
    std::sort(ms.begin(), ms.end());
    if (ms.empty()) return;
    std::printf("%-34s min %8.1f ms  median %8.1f ms  max %8.1f ms  (%zu rounds)\n", what,
                ms.front(), ms[ms.size() / 2], ms.back(), ms.size());
  }
};

std::string GroupName(const std::string& workload) {
  std::string group = absl::GetFlag(FLAGS_group);
  if (!group.empty()) return group;
  return absl::StrCat("group_bench-", workload, "-", absl::ToUnixMillis(absl::Now()));
}

void Rebalance() {
  const std::string topic = absl::GetFlag(FLAGS_topic);
  const int partitions = absl::GetFlag(FLAGS_partitions);
  const int n = absl::GetFlag(FLAGS_members);
  const std::string group = GroupName("rebalance");
  std::vector<std::unique_ptr<Member>> members;
  View view{&members};
  int64_t start = NowMicros();
  for (int i = 0; i < n; ++i) members.push_back(std::make_unique<Member>(group, topic));
  int64_t joined = AwaitConverged(view, partitions);
  std::printf("group of %d: first generation %.1f ms after the first subscribe\n", n,
              (joined - start) / 1000.0);
  Samples join, leave;
  // Members learn of a rebalance from their next heartbeat; a random pause
  // puts each trigger at a random point of the heartbeat cycle.
  std::mt19937 random(42);
  std::uniform_int_distribution<int> pause_ms(0, absl::GetFlag(FLAGS_heartbeat_ms));
  for (int r = 0; r < absl::GetFlag(FLAGS_rounds); ++r) {
    absl::SleepFor(absl::Milliseconds(pause_ms(random)));
    start = NowMicros();
    members.push_back(std::make_unique<Member>(group, topic));
    join.ms.push_back((AwaitConverged(view, partitions) - start) / 1000.0);
    std::unique_ptr<Member> leaving = std::move(members.back());
    members.pop_back();
    absl::SleepFor(absl::Milliseconds(pause_ms(random)));
    start = NowMicros();
    std::thread closer([&leaving] { leaving.reset(); });
    int64_t done = AwaitConverged(view, partitions);
    closer.join();
    leave.ms.push_back((done - start) / 1000.0);
  }
  join.Print(absl::StrCat("rebalance ", n, " -> ", n + 1, " (join)").c_str());
  leave.Print(absl::StrCat("rebalance ", n + 1, " -> ", n, " (leave)").c_str());
}

// A member in a child process (this binary, --workload=member) that writes
// its partition count to stdout after each rebalance.
void ChildMember() {
  std::atomic<int> last{-1};
  Member member(absl::GetFlag(FLAGS_group), absl::GetFlag(FLAGS_topic));
  while (true) {
    int now = member.assigned();
    if (now != last.exchange(now)) {
      std::printf("%d\n", now);
      std::fflush(stdout);
    }
    absl::SleepFor(absl::Milliseconds(1));
  }
}

struct Child {
  pid_t pid = -1;
  std::thread reader;
};

Child SpawnChildMember(const std::string& group, std::atomic<int>* assigned) {
  int fds[2];
  if (pipe(fds) != 0) Die("pipe");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  std::vector<std::string> args = {
      "/proc/self/exe", "--workload=member", "--group=" + group,
      "--topic=" + absl::GetFlag(FLAGS_topic), "--bootstrap=" + absl::GetFlag(FLAGS_bootstrap),
      absl::StrCat("--session_timeout_ms=", absl::GetFlag(FLAGS_session_timeout_ms)),
      absl::StrCat("--heartbeat_ms=", absl::GetFlag(FLAGS_heartbeat_ms))};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  Child child;
  if (posix_spawn(&child.pid, "/proc/self/exe", &actions, nullptr, argv.data(), environ) != 0) {
    Die("posix_spawn");
  }
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  child.reader = std::thread([fd = fds[0], assigned] {
    FILE* in = fdopen(fd, "r");
    int n = 0;
    while (std::fscanf(in, "%d", &n) == 1) assigned->store(n);
    std::fclose(in);
  });
  return child;
}

void MemberDeath() {
  const std::string topic = absl::GetFlag(FLAGS_topic);
  const int partitions = absl::GetFlag(FLAGS_partitions);
  const int n = absl::GetFlag(FLAGS_members);
  if (n < 2) Die("--members must be at least 2");
  const std::string group = GroupName("member_death");
  std::vector<std::unique_ptr<Member>> members;
  for (int i = 0; i < n - 1; ++i) members.push_back(std::make_unique<Member>(group, topic));
  Samples death;
  for (int r = 0; r < absl::GetFlag(FLAGS_rounds); ++r) {
    std::atomic<int> child_assigned{0};
    Child child = SpawnChildMember(group, &child_assigned);
    AwaitConverged(View{&members, &child_assigned}, partitions);
    int64_t start = NowMicros();
    kill(child.pid, SIGKILL);
    waitpid(child.pid, nullptr, 0);
    child.reader.join();
    int64_t done = AwaitConverged(View{&members}, partitions);
    death.ms.push_back((done - start) / 1000.0);
  }
  death.Print(absl::StrCat("kill -9 of 1 of ", n, " -> stable").c_str());
  std::printf("(session.timeout.ms=%d, heartbeat.interval.ms=%d)\n",
              absl::GetFlag(FLAGS_session_timeout_ms), absl::GetFlag(FLAGS_heartbeat_ms));
}

void OffsetCommit() {
  const int threads = absl::GetFlag(FLAGS_threads);
  const int per_commit = absl::GetFlag(FLAGS_partitions_per_commit);
  const int commits = absl::GetFlag(FLAGS_commits);
  // One topic per partition count: a topic left by an earlier run with fewer
  // partitions would make commits fail with UNKNOWN_TOPIC_OR_PARTITION.
  const std::string topic =
      absl::StrCat(absl::GetFlag(FLAGS_topic), "-", threads * per_commit);
  absl::Status created =
      EnsureTopic(absl::GetFlag(FLAGS_bootstrap), topic, threads * per_commit);
  if (!created.ok()) Die(std::string(created.message()));
  const std::string group = GroupName("offset_commit");
  std::vector<LatencyHistogram> latency(threads);
  std::vector<int> errors(threads, 0);
  std::vector<std::thread> workers;
  int64_t start = NowMicros();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      absl::StatusOr<KafkaPtr> rk =
          NewClient(RD_KAFKA_CONSUMER, MemberSettings(group), [](rd_kafka_conf_t*) {});
      if (!rk.ok()) Die(std::string(rk.status().message()));
      rd_kafka_topic_partition_list_t* offsets = rd_kafka_topic_partition_list_new(per_commit);
      for (int p = 0; p < per_commit; ++p) {
        rd_kafka_topic_partition_list_add(offsets, topic.c_str(), t * per_commit + p);
      }
      for (int i = 0; i < commits; ++i) {
        for (int p = 0; p < per_commit; ++p) offsets->elems[p].offset = i + 1;
        int64_t before = NowMicros();
        rd_kafka_resp_err_t err = rd_kafka_commit(rk->get(), offsets, 0);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR && errors[t]++ == 0) {
          std::fprintf(stderr, "offset_commit: thread %d: %s\n", t, rd_kafka_err2str(err));
        }
        latency[t].Record(NowMicros() - before);
      }
      rd_kafka_topic_partition_list_destroy(offsets);
      rd_kafka_consumer_close(rk->get());
    });
  }
  for (std::thread& w : workers) w.join();
  double seconds = (NowMicros() - start) / 1e6;
  LatencyHistogram all;
  int error_count = 0;
  for (int t = 0; t < threads; ++t) {
    all.Merge(latency[t]);
    error_count += errors[t];
  }
  std::printf(
      "offset_commit: %d threads x %d commits of %d offsets: %.0f commits/s, %.0f offsets/s, "
      "latency p50 %.2f ms p99 %.2f ms p99.9 %.2f ms, %d errors\n",
      threads, commits, per_commit, all.count() / seconds, all.count() * per_commit / seconds,
      all.PercentileMs(0.5), all.PercentileMs(0.99), all.PercentileMs(0.999), error_count);
}

}  // namespace
}  // namespace warp::bench

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("Consumer-group load through librdkafka; see the file header.");
  absl::ParseCommandLine(argc, argv);
  std::string workload = absl::GetFlag(FLAGS_workload);
  if (workload == "member") {
    warp::bench::ChildMember();
  } else if (workload == "rebalance" || workload == "member_death") {
    absl::Status created = warp::bench::EnsureTopic(
        absl::GetFlag(FLAGS_bootstrap), absl::GetFlag(FLAGS_topic), absl::GetFlag(FLAGS_partitions));
    if (!created.ok()) warp::bench::Die(std::string(created.message()));
    if (workload == "rebalance") warp::bench::Rebalance();
    if (workload == "member_death") warp::bench::MemberDeath();
  } else if (workload == "offset_commit") {
    warp::bench::OffsetCommit();
  } else {
    warp::bench::Die("unknown --workload " + workload);
  }
  return 0;
}
