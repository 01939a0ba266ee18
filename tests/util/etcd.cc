#include "tests/util/etcd.h"

#include <signal.h>

#include <fstream>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/base/status_macros.h"

namespace warp::testing {

absl::StatusOr<std::unique_ptr<EtcdCluster>> EtcdCluster::Start(
    int members, std::vector<std::string> flags) {
  return StartTls("", members, std::move(flags));
}

absl::StatusOr<std::unique_ptr<EtcdCluster>> EtcdCluster::StartTls(
    std::string certs, int members, std::vector<std::string> flags) {
  std::unique_ptr<EtcdCluster> cluster(new EtcdCluster());
  cluster->flags_ = std::move(flags);
  cluster->certs_ = std::move(certs);
  std::vector<std::string> peers;
  for (int i = 0; i < members; ++i) {
    Member m;
    m.name = absl::StrCat("m", i);
    m.dir = NewTempDir(absl::StrCat("etcd-", m.name));
    ASSIGN_OR_RETURN(m.client_port, PickFreePort());
    ASSIGN_OR_RETURN(m.peer_port, PickFreePort());
    peers.push_back(absl::StrCat(m.name, "=http://127.0.0.1:", m.peer_port));
    cluster->members_.push_back(std::move(m));
  }
  cluster->initial_cluster_ = absl::StrJoin(peers, ",");
  for (Member& m : cluster->members_) {
    RETURN_IF_ERROR(cluster->Launch(m, /*initial=*/true));
  }
  for (Member& m : cluster->members_) {
    RETURN_IF_ERROR(WaitForPort(m.client_port, absl::Seconds(30)));
  }
  return cluster;
}

absl::Status EtcdCluster::Launch(Member& m, bool initial) {
  std::string client =
      absl::StrCat(certs_.empty() ? "http" : "https", "://127.0.0.1:", m.client_port);
  std::string peer = absl::StrCat("http://127.0.0.1:", m.peer_port);
  std::vector<std::string> argv = {
      "etcd", "--name", m.name, "--data-dir", m.dir + "/data",
      "--listen-client-urls", client, "--advertise-client-urls", client,
      "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
      "--initial-cluster", initial_cluster_, "--initial-cluster-state",
      initial ? "new" : "existing", "--initial-cluster-token", "warp-test",
      "--heartbeat-interval", "50", "--election-timeout", "500"};
  if (!certs_.empty()) {
    argv.insert(argv.end(), {"--cert-file", certs_ + "/server.pem", "--key-file",
                             certs_ + "/server.key"});
  }
  argv.insert(argv.end(), flags_.begin(), flags_.end());
  ASSIGN_OR_RETURN(Subprocess process, Subprocess::Start(argv, m.dir + ".log"));
  m.process.emplace(std::move(process));
  return absl::OkStatus();
}

absl::StatusOr<std::string> EtcdCluster::Etcdctl(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {
      "etcdctl", absl::StrCat("--endpoints=", certs_.empty() ? "http" : "https", "://",
                              endpoint(0))};
  if (!certs_.empty()) argv.push_back("--cacert=" + certs_ + "/ca.pem");
  argv.insert(argv.end(), args.begin(), args.end());
  std::string log = NewTempDir("etcdctl") + "/out";
  ASSIGN_OR_RETURN(Subprocess process, Subprocess::Start(argv, log));
  int status = process.Wait(absl::Seconds(30));
  std::ifstream in(log);
  std::string out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (status != 0) {
    return absl::InternalError(absl::StrCat("etcdctl ", absl::StrJoin(args, " "), ": ", out));
  }
  return out;
}

std::string EtcdCluster::endpoints() const {
  std::vector<std::string> out;
  for (int i = 0; i < size(); ++i) out.push_back(endpoint(i));
  return absl::StrJoin(out, ",");
}

std::string EtcdCluster::endpoint(int member) const {
  return absl::StrCat("127.0.0.1:", members_[member].client_port);
}

void EtcdCluster::Kill(int member) { members_[member].process.reset(); }

void EtcdCluster::Pause(int member) {
  if (members_[member].process) members_[member].process->Signal(SIGSTOP);
}

void EtcdCluster::Resume(int member) {
  if (members_[member].process) members_[member].process->Signal(SIGCONT);
}

absl::Status EtcdCluster::Restart(int member) {
  Member& m = members_[member];
  m.process.reset();
  RETURN_IF_ERROR(Launch(m, /*initial=*/false));
  return WaitForPort(m.client_port, absl::Seconds(30));
}

}  // namespace warp::testing
