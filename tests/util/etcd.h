// Starts a real etcd cluster (Debian's etcd-server) on loopback for a test:
// one or three members, free ports, a temporary data folder each; members can
// be killed and restarted. Test-only.
#ifndef WARP_TESTS_UTIL_ETCD_H_
#define WARP_TESTS_UTIL_ETCD_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tests/util/subprocess.h"

namespace warp::testing {

class EtcdCluster {
 public:
  // `flags` are added to every member's command line (e.g.
  // "--max-request-bytes=N").
  static absl::StatusOr<std::unique_ptr<EtcdCluster>> Start(
      int members = 1, std::vector<std::string> flags = {});
  // The same with clients served over TLS: `certs` holds server.pem,
  // server.key and ca.pem (tests/clients/make_certs.sh makes them); add
  // "--client-cert-auth" and "--trusted-ca-file=..." to `flags` for mTLS.
  static absl::StatusOr<std::unique_ptr<EtcdCluster>> StartTls(
      std::string certs, int members = 1, std::vector<std::string> flags = {});

  // Runs etcdctl against the cluster (with the CA when over TLS), e.g.
  // {"user", "add", "root", "--new-user-password=x"}; returns its output.
  absl::StatusOr<std::string> Etcdctl(const std::vector<std::string>& args) const;

  // "127.0.0.1:port" of every member, comma-separated, for etcd:// URLs.
  std::string endpoints() const;
  std::string Url(const std::string& prefix) const {
    return (certs_.empty() ? "etcd://" : "etcds://") + endpoints() + "/" + prefix;
  }
  // "127.0.0.1:port" of one member.
  std::string endpoint(int member) const;
  int size() const { return static_cast<int>(members_.size()); }

  void Kill(int member);
  absl::Status Restart(int member);
  // SIGSTOP / SIGCONT: a member that hangs, its connections left open.
  void Pause(int member);
  void Resume(int member);

 private:
  struct Member {
    std::string name;
    std::string dir;
    int client_port = 0;
    int peer_port = 0;
    std::optional<Subprocess> process;
  };
  absl::Status Launch(Member& member, bool initial);

  std::vector<Member> members_;
  std::string initial_cluster_;
  std::vector<std::string> flags_;
  std::string certs_;  // TLS: the certificates' folder
};

}  // namespace warp::testing

#endif  // WARP_TESTS_UTIL_ETCD_H_
