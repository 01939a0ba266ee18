#include "server/kafka_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "server/kafka_connection.h"

namespace warp::server {
namespace {

using internal::Connection;
using internal::kMaxRecvBytes;
using internal::kMaxUnansweredRequests;
using internal::PeerName;
using internal::Receive;
using internal::SplitFrames;

constexpr uint64_t kListenerTag = 0;
constexpr uint64_t kWakeTag = 1;

class Server final : public KafkaServer {
 public:
  Server(const KafkaServerOptions& options, FrameHandler handler)
      : options_(options),
        handler_(std::move(handler)),
        budget_(options.budget != nullptr ? options.budget : std::make_shared<ByteBudget>()) {
    budget_->max_total = options_.max_bytes_in_flight;
    budget_->max_connection = options_.max_connection_bytes_in_flight;
  }

  ~Server() override { Shutdown(); }

  absl::Status Listen() {
    if (options_.max_connection_bytes_in_flight < options_.max_request_bytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the per-connection budget (", options_.max_connection_bytes_in_flight,
          " bytes) must hold one request of the largest size (", options_.max_request_bytes,
          " bytes)"));
    }
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(options_.port);
    if (inet_pton(AF_INET, options_.host.c_str(), &addr.sin_addr) != 1) {
      addrinfo hints{}, *res = nullptr;
      hints.ai_family = AF_INET;
      if (getaddrinfo(options_.host.c_str(), nullptr, &hints, &res) != 0 || res == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat("cannot resolve listen host \"", options_.host, "\""));
      }
      addr.sin_addr = reinterpret_cast<sockaddr_in*>(res->ai_addr)->sin_addr;
      freeaddrinfo(res);
    }
    if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        listen(listen_fd_, 1024) != 0) {
      return absl::UnavailableError(absl::StrCat("cannot listen on ", options_.host, ":",
                                                 options_.port, ": ", strerror(errno)));
    }
    socklen_t len = sizeof(addr);
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
    wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kListenerTag;
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &ev);
    ev.data.u64 = kWakeTag;
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
    for (int i = 0; i < std::max(1, options_.io_threads); ++i) {
      threads_.emplace_back([this] { Loop(); });
    }
    reaper_ = std::thread([this] { Reap(); });
    return absl::OkStatus();
  }

  int port() const override { return port_; }

  void StopAccepting() override {
    absl::MutexLock lock(&mu_);
    if (listen_fd_ >= 0) {
      epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, listen_fd_, nullptr);
      close(listen_fd_);
      listen_fd_ = -1;
    }
  }

  bool Drain(absl::Duration timeout) override {
    absl::MutexLock lock(&mu_);
    auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return in_flight_ == 0; };
    return mu_.AwaitWithTimeout(absl::Condition(&idle), timeout);
  }

  void Shutdown() override {
    if (stopping_.exchange(true)) return;
    StopAccepting();
    uint64_t one = 1;
    (void)!write(wake_fd_, &one, sizeof(one));
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
    {
      absl::MutexLock lock(&reaper_mu_);
      reaper_stop_ = true;
    }
    // Not started when Start failed (e.g. the port is taken).
    if (reaper_.joinable()) reaper_.join();
    absl::MutexLock lock(&mu_);
    for (auto& [id, conn] : connections_) CloseLocked(conn);
    connections_.clear();
    close(epoll_fd_);
    close(wake_fd_);
  }

  int64_t connections() const override {
    absl::MutexLock lock(&mu_);
    return connections_.size();
  }
  uint64_t connections_refused() const override { return refused_.load(); }
  uint64_t reads_paused() const override { return pauses_.load(); }
  uint64_t bytes_in_flight() const override {
    return static_cast<uint64_t>(std::max<int64_t>(0, budget_->total.load()));
  }

 private:
  void Loop() {
    epoll_event events[64];
    while (!stopping_) {
      int n = epoll_wait(epoll_fd_, events, 64, 500);
      for (int i = 0; i < n; ++i) {
        uint64_t tag = events[i].data.u64;
        if (tag == kWakeTag) continue;  // level-triggered: every thread sees it
        if (tag == kListenerTag) {
          Accept();
          continue;
        }
        std::shared_ptr<Connection> conn = Find(tag);
        if (!conn) continue;
        if (events[i].events & (EPOLLHUP | EPOLLERR)) {
          Close(conn);
          continue;
        }
        if (events[i].events & EPOLLOUT) Flush(conn);
        // A TLS connection may need a read on either event (see Rearm).
        if (events[i].events & EPOLLIN || options_.tls != nullptr) Read(conn);
        Rearm(conn);
        MaybeResume();
      }
    }
  }

  std::shared_ptr<Connection> Find(uint64_t id) {
    absl::MutexLock lock(&mu_);
    auto it = connections_.find(id);
    return it == connections_.end() ? nullptr : it->second;
  }

  void Accept() {
    for (;;) {
      int fd;
      sockaddr_storage peer{};
      socklen_t peer_len;
      {
        absl::MutexLock lock(&mu_);
        if (listen_fd_ < 0) return;
        peer_len = sizeof(peer);
        fd = accept4(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &peer_len,
                     SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0 && (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
                       errno == ENOMEM)) {
          // Out of descriptors or memory: the connection stays queued, and
          // the level-triggered listener would wake every I/O thread again
          // at once, forever. Stop listening until the reaper's next tick
          // (at most a second), which may also have closed idle ones.
          epoll_event ev{};
          ev.data.u64 = kListenerTag;
          epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, listen_fd_, &ev);
          accept_paused_ = true;
        }
      }
      if (fd < 0) return;
      auto conn = std::make_shared<Connection>();
      conn->fd = fd;
      conn->peer = PeerName(peer, peer_len);
      {
        // Counted in the same step as accepted, so that I/O threads
        // accepting at once cannot both take the last place.
        absl::MutexLock lock(&mu_);
        // Over a limit: closed at once, as Kafka does (max.connections,
        // max.connections.per.ip).
        int& from_peer = per_ip_[conn->peer];
        bool refuse = static_cast<int64_t>(connections_.size()) >= options_.max_connections ||
                      (options_.max_connections_per_ip > 0 &&
                       from_peer >= options_.max_connections_per_ip);
        if (refuse) {
          if (from_peer == 0) per_ip_.erase(conn->peer);
          refused_.fetch_add(1);
          close(fd);
          continue;
        }
        ++from_peer;
        conn->id = next_id_++;
        connections_[conn->id] = conn;
      }
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      if (options_.new_context) {
        conn->context = options_.new_context();
        conn->context->AttachBudget(budget_);
      }
      {
        absl::MutexLock lock(&conn->mu);
        conn->last_activity = absl::Now();
        if (options_.tls != nullptr) {
          conn->tls = options_.tls->NewSession(fd);
          if (conn->tls == nullptr) {
            CloseConnLocked(*conn);
            continue;
          }
          // The handshake must end within the request timeout.
          conn->partial_since = conn->last_activity;
        }
        Account(*conn);
      }
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLONESHOT;
      ev.data.u64 = conn->id;
      epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
    }
  }

  void Rearm(const std::shared_ptr<Connection>& conn) {
    absl::MutexLock lock(&conn->mu);
    if (conn->closed) return;
    epoll_event ev{};
    ev.events = EPOLLONESHOT;
    if (!conn->reading_paused) ev.events |= EPOLLIN;
    if (!conn->out.empty()) ev.events |= EPOLLOUT;
    if (conn->tls != nullptr) {
      // TLS may wait to write in a read; and bytes it decrypted already
      // are not in the socket any more: a writable socket's event (at
      // once) gets them read.
      if (conn->tls->want_write() || (!conn->reading_paused && conn->tls->has_pending())) {
        ev.events |= EPOLLOUT;
      }
    }
    ev.data.u64 = conn->id;
    epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, conn->fd, &ev);
  }

  void Read(const std::shared_ptr<Connection>& conn) {
    absl::MutexLock dispatching(&conn->dispatch_mu);
    std::vector<std::pair<uint64_t, std::string>> frames;
    bool closed = false;
    {
      absl::MutexLock lock(&conn->mu);
      if (conn->closed) return;
      char buf[64 << 10];
      // Most bytes of frames taken from one connection in one pass.
      constexpr size_t kMaxBytesPerPass = 16 << 20;
      size_t frame_bytes = 0;
      for (;;) {
        // Over a budget: the rest waits in the socket (the client's TCP
        // window closes) until answers drain.
        if (MustPause(*conn)) break;
        ssize_t n;
        if (conn->large_size > 0) {
          // The rest of a large frame goes straight into its buffer, which
          // doubles only once full: memory follows the bytes that came.
          if (conn->large_got == conn->large.size()) {
            conn->large.resize(std::min(conn->large_size, 2 * conn->large.size()));
          }
          n = Receive(*conn, conn->large.data() + conn->large_got,
                      std::min<size_t>(conn->large.size() - conn->large_got, kMaxRecvBytes));
          if (n > 0) {
            conn->large_got += static_cast<size_t>(n);
            if (conn->large_got == conn->large_size) {
              frame_bytes += conn->large_size;
              conn->request_bytes += conn->large_size;
              frames.push_back({conn->next_request++, std::move(conn->large)});
              conn->large = std::string();
              conn->large_got = conn->large_size = 0;
              conn->exempt = false;
            }
          }
        } else {
          n = Receive(*conn, buf, sizeof(buf));
          if (n > 0) {
            conn->in.append(buf, n);
            if (!SplitFrames(*conn, options_.max_request_bytes, frames, frame_bytes)) {
              CloseConnLocked(*conn);  // a hostile or broken length
              break;
            }
          }
        }
        if (n > 0) {
          conn->last_activity = absl::Now();
          Account(*conn);
          // Hand over what arrived before reading more (epoll calls again).
          if (frame_bytes > kMaxBytesPerPass ||
              conn->next_request - conn->next_to_send >= kMaxUnansweredRequests) {
            break;
          }
          continue;
        }
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
          CloseConnLocked(*conn);
          break;
        }
        if (errno == EINTR) continue;
        break;
      }
      // The request timeout runs from the start of the frame still partial:
      // a pass that completed frames restarts it.
      const bool handshaking = conn->tls != nullptr && !conn->tls->handshake_done();
      conn->partial_since = handshaking ? conn->partial_since
                            : conn->in.empty() && conn->large_size == 0 ? absl::InfiniteFuture()
                            : (!frames.empty() || conn->partial_since == absl::InfiniteFuture())
                                ? absl::Now()
                                : conn->partial_since;
      Account(*conn);
      UpdatePause(*conn);
      // Frames that arrived whole before the client closed are handed over
      // all the same, as Kafka processes them: an acks=0 producer closes
      // right after its last produce. (Their answers go nowhere; reads are
      // dropped unstarted by the dispatcher.)
      closed = conn->closed;
    }
    if (frames.empty()) {
      if (closed) Close(conn);
      return;
    }
    {
      absl::MutexLock lock(&mu_);
      in_flight_ += frames.size();
    }
    for (auto& [sequence, payload] : frames) {
      uint64_t seq = sequence;
      uint64_t size = payload.size();
      // The answer keeps the connection (closed or not) until it comes: its
      // request's bytes are counted until then.
      handler_(ConnectionInfo{conn->id, conn->peer, conn->context, options_.listener},
               std::move(payload),
               [this, conn, seq, size](absl::StatusOr<std::optional<std::string>> response) {
                 Complete(conn, seq, size, std::move(response));
               });
    }
    if (closed) Close(conn);
  }

  void Complete(const std::shared_ptr<Connection>& conn, uint64_t seq, uint64_t request_size,
                absl::StatusOr<std::optional<std::string>> response) {
    bool close_it = false;
    {
      absl::MutexLock lock(&conn->mu);
      conn->request_bytes -= std::min(conn->request_bytes, request_size);
      if (!conn->closed) {
        if (!response.ok()) {
          close_it = true;
        } else {
          if (response->has_value()) conn->queued_bytes += (*response)->size();
          conn->done[seq] = std::move(*response);
          while (!conn->done.empty() && conn->done.begin()->first == conn->next_to_send) {
            auto node = conn->done.extract(conn->done.begin());
            if (node.mapped().has_value() && !node.mapped()->empty()) {
              conn->out.push_back(std::move(*node.mapped()));
            }
            ++conn->next_to_send;
          }
          WriteLocked(*conn);
        }
      }
      Account(*conn);
      UpdatePause(*conn);
    }
    if (close_it) Close(conn);
    Rearm(conn);
    MaybeResume();
    absl::MutexLock lock(&mu_);
    --in_flight_;
  }

  void Flush(const std::shared_ptr<Connection>& conn) {
    absl::MutexLock lock(&conn->mu);
    WriteLocked(*conn);
  }

  void WriteLocked(Connection& conn) ABSL_EXCLUSIVE_LOCKS_REQUIRED(conn.mu) {
    constexpr int kMaxIov = 64;
    while (!conn.closed && !conn.out.empty()) {
      iovec iov[kMaxIov];
      int count = 0;
      for (auto it = conn.out.begin(); it != conn.out.end() && count < kMaxIov; ++it, ++count) {
        size_t skip = count == 0 ? conn.out_sent : 0;
        iov[count].iov_base = it->data() + skip;
        iov[count].iov_len = it->size() - skip;
      }
      ssize_t n;
      if (conn.tls != nullptr) {
        // TLS writes one buffer at a time (its records are 16 KiB anyway).
        n = conn.tls->Write(static_cast<const char*>(iov[0].iov_base), iov[0].iov_len);
      } else {
        msghdr msg{};
        msg.msg_iov = iov;
        msg.msg_iovlen = count;
        n = sendmsg(conn.fd, &msg, MSG_NOSIGNAL);
      }
      if (n > 0) {
        conn.queued_bytes -= std::min<uint64_t>(conn.queued_bytes, n);
        conn.last_activity = absl::Now();
        conn.write_waiting_since = conn.last_activity;
        size_t left = static_cast<size_t>(n);
        while (left > 0) {
          size_t rest = conn.out.front().size() - conn.out_sent;
          if (left < rest) {
            conn.out_sent += left;
            break;
          }
          left -= rest;
          conn.out.pop_front();
          conn.out_sent = 0;
        }
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (n < 0 && errno == EINTR) continue;
      CloseConnLocked(conn);
      return;
    }
    if (conn.out.empty()) {
      conn.write_waiting_since = absl::InfiniteFuture();
    } else if (conn.write_waiting_since == absl::InfiniteFuture()) {
      conn.write_waiting_since = absl::Now();
    }
    Account(conn);
    UpdatePause(conn);
  }

  // Recounts what `conn` holds (partial frames, with the memory their
  // buffers took; requests not answered; responses not sent) into its own
  // and the global total, which its handlers see through its context.
  void Account(Connection& conn) ABSL_EXCLUSIVE_LOCKS_REQUIRED(conn.mu) {
    uint64_t held = conn.in.size() + conn.large.size() + conn.request_bytes + conn.queued_bytes;
    if (held != conn.held) {
      if (conn.held == 0) budget_->holders.fetch_add(1);
      if (held == 0) budget_->holders.fetch_sub(1);
      budget_->total.fetch_add(static_cast<int64_t>(held) - static_cast<int64_t>(conn.held));
      conn.held = held;
    }
    if (conn.context) conn.context->SetHeld(static_cast<int64_t>(held));
  }

  // Whether the global budget has run out and `conn` holds more than an
  // even share (counting responses its handlers are building).
  bool OverGlobalShare(const Connection& conn) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(conn.mu) {
    int64_t reserved = conn.context ? conn.context->reserved() : 0;
    return !conn.exempt && budget_->OverShare(static_cast<int64_t>(conn.held) + reserved);
  }

  // Whether to stop reading `conn`: too many of its requests are
  // unanswered, it holds its whole budget, or its share of the global one.
  bool MustPause(const Connection& conn) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(conn.mu) {
    return conn.next_request - conn.next_to_send >= kMaxUnansweredRequests ||
           conn.held >= options_.max_connection_bytes_in_flight || OverGlobalShare(conn);
  }

  // Sets whether `conn` is read, counting pauses; a connection paused for
  // the global budget is remembered, to be resumed when it drains. The time
  // a partial request waits while the server does not read it is not
  // counted against the client.
  void UpdatePause(Connection& conn) ABSL_EXCLUSIVE_LOCKS_REQUIRED(conn.mu) {
    bool pause = !conn.closed && MustPause(conn);
    if (pause && !conn.reading_paused) pauses_.fetch_add(1);
    if (!pause && conn.reading_paused && conn.partial_since != absl::InfiniteFuture()) {
      conn.partial_since = absl::Now();
    }
    conn.reading_paused = pause;
    if (pause && !conn.paused_for_global && OverGlobalShare(conn)) {
      conn.paused_for_global = true;
      absl::MutexLock lock(&paused_mu_);
      paused_global_.push_back(conn.shared_from_this());
    }
  }

  // Reads again the connections paused for the global budget once it has
  // room (each decides again: the heaviest may stay paused).
  void MaybeResume() {
    if (options_.max_bytes_in_flight == 0 ||
        budget_->total.load() >= static_cast<int64_t>(options_.max_bytes_in_flight)) {
      return;
    }
    ResumeGlobal();
  }

  void ResumeGlobal() {
    std::vector<std::shared_ptr<Connection>> paused;
    {
      absl::MutexLock lock(&paused_mu_);
      paused.swap(paused_global_);
    }
    for (auto& conn : paused) {
      {
        absl::MutexLock lock(&conn->mu);
        conn->paused_for_global = false;
        UpdatePause(*conn);
      }
      Rearm(conn);
    }
  }

  // Paused partial frames could wait for each other forever when only they
  // hold the global budget: when it has not drained for a tick, the one
  // nearest its end is let through.
  void BreakStalls() {
    int64_t total = budget_->total.load();
    bool stalled = options_.max_bytes_in_flight > 0 &&
                   total >= static_cast<int64_t>(options_.max_bytes_in_flight) &&
                   total >= last_tick_total_;
    last_tick_total_ = total;
    if (!stalled) return;
    std::vector<std::shared_ptr<Connection>> paused;
    {
      absl::MutexLock lock(&paused_mu_);
      paused = paused_global_;
    }
    std::shared_ptr<Connection> nearest;
    size_t nearest_left = SIZE_MAX;
    for (auto& conn : paused) {
      absl::MutexLock lock(&conn->mu);
      if (conn->large_size == 0 || conn->closed) continue;
      size_t left = conn->large_size - conn->large_got;
      if (left < nearest_left) {
        nearest_left = left;
        nearest = conn;
      }
    }
    if (nearest == nullptr) return;
    {
      absl::MutexLock lock(&nearest->mu);
      nearest->exempt = true;
    }
    ResumeGlobal();
  }

  void CloseConnLocked(Connection& conn) ABSL_EXCLUSIVE_LOCKS_REQUIRED(conn.mu) {
    if (conn.closed) return;
    conn.closed = true;
    if (conn.context) conn.context->MarkClosed();
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, conn.fd, nullptr);
    shutdown(conn.fd, SHUT_RDWR);
    close(conn.fd);
    // Its buffers go now; requests still being answered count until then.
    conn.in = std::string();
    conn.large = std::string();
    conn.large_got = conn.large_size = 0;
    conn.out.clear();
    conn.out_sent = 0;
    conn.done.clear();
    conn.queued_bytes = 0;
    Account(conn);
  }

  void CloseLocked(const std::shared_ptr<Connection>& conn) {
    absl::MutexLock lock(&conn->mu);
    CloseConnLocked(*conn);
  }

  void Close(const std::shared_ptr<Connection>& conn) {
    if (!conn) return;
    CloseLocked(conn);
    {
      absl::MutexLock lock(&mu_);
      if (connections_.erase(conn->id) > 0) {
        auto it = per_ip_.find(conn->peer);
        if (it != per_ip_.end() && --it->second <= 0) per_ip_.erase(it);
      }
    }
    MaybeResume();
  }

  // Closes idle connections and ones that trickle a request too slowly.
  void Reap() {
    absl::MutexLock lock(&reaper_mu_);
    while (!reaper_mu_.AwaitWithTimeout(absl::Condition(&reaper_stop_), absl::Seconds(1))) {
      std::vector<std::shared_ptr<Connection>> all;
      {
        absl::MutexLock l(&mu_);
        for (auto& [id, conn] : connections_) all.push_back(conn);
        if (accept_paused_ && listen_fd_ >= 0) {
          epoll_event ev{};
          ev.events = EPOLLIN;
          ev.data.u64 = kListenerTag;
          epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, listen_fd_, &ev);
        }
        accept_paused_ = false;
      }
      absl::Time now = absl::Now();
      for (auto& conn : all) {
        bool expired;
        {
          absl::MutexLock l(&conn->mu);
          bool busy = conn->next_to_send != conn->next_request;
          // A connection the server stopped reading is never closed for a
          // slowness that is the server's; one that does not take its
          // responses is, after the idle timeout.
          expired = (!conn->reading_paused &&
                     ((!busy && now - conn->last_activity > options_.idle_timeout) ||
                      now - conn->partial_since > options_.request_timeout)) ||
                    now - conn->write_waiting_since > options_.idle_timeout;
        }
        if (expired) Close(conn);
      }
      BreakStalls();
      MaybeResume();
      // Rotated certificates are picked up within seconds; a broken file
      // is reported once and the ones in use stay.
      if (options_.tls != nullptr && ++tick_ % 5 == 0) {
        absl::Status reloaded = options_.tls->MaybeReload();
        if (!reloaded.ok()) {
          std::fprintf(stderr, "warpd: TLS certificates not reloaded: %s\n",
                       std::string(reloaded.message()).c_str());
        }
      }
    }
  }

  const KafkaServerOptions options_;
  const FrameHandler handler_;
  int port_ = 0;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
  std::thread reaper_;
  absl::Mutex reaper_mu_;
  bool reaper_stop_ ABSL_GUARDED_BY(reaper_mu_) = false;

  mutable absl::Mutex mu_;
  int listen_fd_ ABSL_GUARDED_BY(mu_) = -1;
  bool accept_paused_ ABSL_GUARDED_BY(mu_) = false;  // see Accept()
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 2;
  absl::flat_hash_map<uint64_t, std::shared_ptr<Connection>> connections_ ABSL_GUARDED_BY(mu_);
  uint64_t in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  // Open connections by peer address ("/<ip>").
  absl::flat_hash_map<std::string, int> per_ip_ ABSL_GUARDED_BY(mu_);

  // The memory budget: bytes held by all connections, how many hold any.
  const std::shared_ptr<ByteBudget> budget_;
  std::atomic<uint64_t> refused_{0};
  std::atomic<uint64_t> pauses_{0};
  int64_t last_tick_total_ = 0;  // reaper thread only
  uint64_t tick_ = 0;            // reaper thread only
  // Lock order: a connection's mu, then paused_mu_.
  absl::Mutex paused_mu_;
  std::vector<std::shared_ptr<Connection>> paused_global_ ABSL_GUARDED_BY(paused_mu_);
};

}  // namespace

absl::StatusOr<std::unique_ptr<KafkaServer>> KafkaServer::Start(
    const KafkaServerOptions& options, FrameHandler handler) {
  auto server = std::make_unique<Server>(options, std::move(handler));
  absl::Status status = server->Listen();
  if (!status.ok()) return status;
  return std::unique_ptr<KafkaServer>(std::move(server));
}

}  // namespace warp::server
