// What warpd remembers about one client connection while it is open (the
// KafkaServer's ConnectionContext): who the client is (its SASL exchange on
// SASL listeners, its TLS certificate) and the partitions it fetched.
// Later: the tenant. Bounded: it never grows with what a client names.
//
// Thread-safety: thread-safe.
#ifndef WARP_SERVER_SESSION_H_
#define WARP_SERVER_SESSION_H_

#include <memory>
#include <set>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "lib/security/acl/ssl_principal_mapper.h"
#include "lib/security/sasl/authenticator.h"
#include "server/kafka_server.h"
#include "warp/metadata.h"

namespace warp::server {

class Session final : public ConnectionContext,
                      public std::enable_shared_from_this<Session> {
 public:
  // Partitions remembered at most; beyond, the memory starts over (each
  // partition is then caught up once more, at one journal Sync per fetch).
  static constexpr size_t kMaxRemembered = 10000;

  Session() = default;
  // On a SASL listener, nothing but ApiVersions, SaslHandshake and
  // SaslAuthenticate is served until the client has authenticated.
  explicit Session(bool sasl_required) : sasl_required_(sasl_required) {}
  // `mapper` (--tls_principal_mapping_rules; null: the subject as it is)
  // names the principal of a client certificate.
  Session(bool sasl_required, std::shared_ptr<const acl::SslPrincipalMapper> mapper)
      : sasl_required_(sasl_required), mapper_(std::move(mapper)) {}

  bool sasl_required() const { return sasl_required_; }
  // Whether the client may use every API: always on listeners without SASL.
  bool authenticated() const {
    absl::MutexLock lock(&mu_);
    return !sasl_required_ || !sasl_principal_.empty();
  }
  // Who the client is, as Kafka names principals: "User:<name>" after SASL,
  // "User:<certificate subject>" (as the mapping rules name it) with a
  // verified TLS client certificate, else "User:ANONYMOUS".
  std::string principal() const {
    absl::MutexLock lock(&mu_);
    if (!sasl_principal_.empty()) return sasl_principal_;
    const absl::StatusOr<std::string>& name = CertificateNameLocked();
    return name.ok() && !name->empty() ? "User:" + *name : "User:ANONYMOUS";
  }
  // False when the client's certificate names no one: no mapping rule
  // applies to its subject. Kafka refuses such a client; so does warpd.
  bool certificate_accepted() const {
    absl::MutexLock lock(&mu_);
    return CertificateNameLocked().ok();
  }

  // SaslHandshake chose `authenticator`; with `raw_tokens` (handshake v0)
  // the next frames are bare SASL tokens, not Kafka requests. On a session
  // already authenticated this starts a re-authentication (KIP-368): the
  // client stays authenticated meanwhile, and must log in as the same
  // principal.
  void StartSasl(std::unique_ptr<sasl::SaslAuthenticator> authenticator, bool raw_tokens) {
    absl::MutexLock lock(&mu_);
    sasl_ = std::move(authenticator);
    raw_tokens_ = raw_tokens;
    reauthenticating_ = !sasl_principal_.empty();
  }
  bool sasl_started() const {
    absl::MutexLock lock(&mu_);
    return sasl_ != nullptr;
  }
  // Whether a login succeeded and no re-authentication is in progress: a
  // SaslHandshake now starts one.
  bool may_reauthenticate() const {
    absl::MutexLock lock(&mu_);
    return !sasl_principal_.empty() && !reauthenticating_;
  }
  bool expects_raw_token() const {
    absl::MutexLock lock(&mu_);
    return raw_tokens_ && sasl_ != nullptr && sasl_principal_.empty() && !sasl_->failed();
  }
  // Whether an exchange failed (the connection is then closed on its next
  // request).
  bool sasl_failed() const {
    absl::MutexLock lock(&mu_);
    return sasl_ != nullptr && sasl_->failed();
  }
  // One step of the exchange started by StartSasl: the token to send back,
  // or why it failed. FailedPrecondition without an exchange. A successful
  // login lasts `lifetime` (--sasl_reauth_ms; infinite: for the
  // connection's life); a re-authentication as another principal fails.
  absl::StatusOr<std::string> SaslStep(absl::string_view client_token,
                                       absl::Duration lifetime = absl::InfiniteDuration()) {
    absl::MutexLock lock(&mu_);
    if (sasl_ == nullptr) return absl::FailedPreconditionError("no SaslHandshake before");
    if (!sasl_principal_.empty() && !reauthenticating_) {
      return absl::FailedPreconditionError("already authenticated");
    }
    absl::StatusOr<std::string> token = sasl_->Step(client_token);
    if (token.ok() && sasl_->succeeded()) {
      if (reauthenticating_ && sasl_->principal() != sasl_principal_) {
        // Kafka's rule: the principal cannot change during re-authentication.
        sasl_principal_.clear();
        return absl::UnauthenticatedError("Cannot change principals during re-authentication");
      }
      sasl_principal_ = sasl_->principal();
      reauthenticating_ = false;
      session_expires_ = absl::Now() + lifetime;
    }
    if (!token.ok() && reauthenticating_) sasl_principal_.clear();  // failed: closed
    return token;
  }
  // When the login must be renewed (KIP-368); InfiniteFuture without
  // --sasl_reauth_ms. A session past it may only re-authenticate: any other
  // request closes the connection, as Kafka closes it.
  bool session_expired(absl::Time now) const {
    absl::MutexLock lock(&mu_);
    return !sasl_principal_.empty() && !reauthenticating_ && now >= session_expires_;
  }

  // Whether `tp` is fetched through this connection for the first time;
  // from now on it is not. A client whose partition moved here from another
  // agent fetches it here first: the Fetch handler catches up with the
  // journal then, so that the high watermark it sees never goes back. The
  // caller asks only for partitions that exist, so that a client naming
  // made-up partitions cannot grow the session.
  bool FirstFetch(const TopicPartition& tp) {
    absl::MutexLock lock(&mu_);
    if (fetched_.size() >= kMaxRemembered && !fetched_.contains(tp)) fetched_.clear();
    return fetched_.insert(tp).second;
  }
  size_t remembered() const {
    absl::MutexLock lock(&mu_);
    return fetched_.size();
  }
  // Makes the next fetch of `tp` a first one again (the catch-up failed).
  void Forget(const TopicPartition& tp) {
    absl::MutexLock lock(&mu_);
    fetched_.erase(tp);
  }

 private:
  // The certificate's principal name ("" without a certificate), mapped
  // once.
  const absl::StatusOr<std::string>& CertificateNameLocked() const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!certificate_name_.has_value()) {
      std::optional<std::string> subject = peer_certificate();
      if (!subject.has_value()) return kNoCertificate;  // may come later
      certificate_name_ = mapper_ == nullptr ? absl::StatusOr<std::string>(*subject)
                                             : mapper_->Map(*subject);
    }
    return *certificate_name_;
  }
  static inline const absl::StatusOr<std::string> kNoCertificate = std::string();

  const bool sasl_required_ = false;
  const std::shared_ptr<const acl::SslPrincipalMapper> mapper_;
  mutable std::optional<absl::StatusOr<std::string>> certificate_name_ ABSL_GUARDED_BY(mu_);
  mutable absl::Mutex mu_;
  std::set<TopicPartition> fetched_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<sasl::SaslAuthenticator> sasl_ ABSL_GUARDED_BY(mu_);
  bool raw_tokens_ ABSL_GUARDED_BY(mu_) = false;
  std::string sasl_principal_ ABSL_GUARDED_BY(mu_);
  bool reauthenticating_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time session_expires_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
};

}  // namespace warp::server

#endif  // WARP_SERVER_SESSION_H_
