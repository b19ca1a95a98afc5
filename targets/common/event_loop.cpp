// EventLoop and Connection on epoll (event_loop.h). Level-triggered throughout: a
// handler that stops early (a read budget) is simply called again next iteration.

#include "targets/common/event_loop.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/log.h"

namespace faultline::targets::common {
namespace {

constexpr uint64_t kWakeToken = 0;
constexpr size_t kReadChunk = 64 * 1024;
// Per readable event, so one busy peer cannot starve the others or the timers.
constexpr size_t kReadBudget = 1024 * 1024;

std::string errno_text(int err) { return std::strerror(err); }

void close_fd(int fd) {
  if (fd >= 0) ::close(fd);  // never retried on EINTR: on Linux the fd is gone anyway
}

struct Address {
  sockaddr_storage storage{};
  socklen_t len = 0;
};

base::Result<Address> resolve(const std::string& host, uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &list);
  if (rc != 0 || list == nullptr) {
    return base::Error{host + ": cannot resolve: " + ::gai_strerror(rc)};
  }
  Address addr;
  std::memcpy(&addr.storage, list->ai_addr, list->ai_addrlen);
  addr.len = list->ai_addrlen;
  ::freeaddrinfo(list);
  if (addr.storage.ss_family == AF_INET) {
    reinterpret_cast<sockaddr_in*>(&addr.storage)->sin_port = htons(port);
  } else {
    reinterpret_cast<sockaddr_in6*>(&addr.storage)->sin6_port = htons(port);
  }
  return addr;
}

std::string format_address(const sockaddr_storage& storage) {
  char text[INET6_ADDRSTRLEN] = {};
  uint16_t port = 0;
  if (storage.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&storage);
    ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
    port = ntohs(in->sin_port);
  } else if (storage.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&storage);
    ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text));
    port = ntohs(in6->sin6_port);
  }
  return std::string(text) + ":" + std::to_string(port);
}

// Small messages must not wait for Nagle's algorithm: a protocol round trip would cost
// 40 ms of delayed ACK.
void set_nodelay(int fd) {
  int one = 1;
  if (::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0) {
    FL_LOG(Warn, "TCP_NODELAY failed: " << errno_text(errno));
  }
}

}  // namespace

// ---- Connection ----

Connection::Connection(EventLoop* loop, uint64_t id, int fd, State state, std::string peer,
                       size_t max_frame_bytes)
    : loop_(loop), id_(id), fd_(fd), state_(state), peer_(std::move(peer)),
      decoder_(max_frame_bytes) {}

Connection::~Connection() { close_fd(fd_); }

base::Status Connection::send(std::string_view payload) {
  if (state_ == State::Closed || loop_ == nullptr) {
    return base::Error{"connection to " + peer_ + " is closed"};
  }
  if (payload.size() > decoder_.max_frame_bytes()) {
    return base::Error{"frame of " + std::to_string(payload.size()) +
                       " bytes exceeds the maximum of " +
                       std::to_string(decoder_.max_frame_bytes())};
  }
  append_frame(out_, payload);
  // Write now unless the socket is known to be full (EPOLLOUT armed) or not yet open.
  // A write error closes the connection with on_close deferred: the caller is in the
  // middle of its own code and must not be re-entered.
  if (state_ == State::Open && (epoll_events_ & EPOLLOUT) == 0) {
    loop_->flush(shared_from_this(), /*defer_close=*/true);
  }
  return base::ok_status();
}

base::Status Connection::set_user_timeout(Duration timeout) {
  if (state_ == State::Closed) return base::Error{"connection to " + peer_ + " is closed"};
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count();
  unsigned int value = static_cast<unsigned int>(ms);
  if (::setsockopt(fd_, IPPROTO_TCP, TCP_USER_TIMEOUT, &value, sizeof(value)) != 0)
    return base::Error{"TCP_USER_TIMEOUT on " + peer_ + ": " + errno_text(errno)};
  return base::ok_status();
}

void Connection::close() {
  if (state_ == State::Closed || loop_ == nullptr) return;
  loop_->close_connection(shared_from_this(), "closed locally", /*defer=*/true);
}

// ---- EventLoop ----

base::Result<std::unique_ptr<EventLoop>> EventLoop::create(LoopOptions options) {
  const int epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd < 0) return base::Error{"epoll_create1 failed: " + errno_text(errno)};
  const int wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd < 0) {
    const int err = errno;
    close_fd(epoll_fd);
    return base::Error{"eventfd failed: " + errno_text(err)};
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kWakeToken;
  if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, wake_fd, &ev) != 0) {
    const int err = errno;
    close_fd(wake_fd);
    close_fd(epoll_fd);
    return base::Error{"epoll_ctl(eventfd) failed: " + errno_text(err)};
  }
  if (options.clock == nullptr) options.clock = &base::real_clock();
  // The constructor is private, so std::make_unique cannot call it.
  return std::unique_ptr<EventLoop>(new EventLoop(epoll_fd, wake_fd, options));
}

EventLoop::EventLoop(int epoll_fd, int wake_fd, LoopOptions options)
    : epoll_fd_(epoll_fd), wake_fd_(wake_fd), clock_(options.clock),
      max_frame_bytes_(options.max_frame_bytes) {}

EventLoop::~EventLoop() {
  for (auto& [id, listener] : listeners_) close_fd(listener.fd);
  for (auto& [id, conn] : connections_) {
    close_fd(conn->fd_);
    conn->fd_ = -1;
    conn->state_ = Connection::State::Closed;
    conn->loop_ = nullptr;
    conn->on_frame_ = nullptr;
    conn->on_close_ = nullptr;
    conn->on_drained_ = nullptr;
    conn->on_connected_ = nullptr;
    conn->on_connect_failed_ = nullptr;
  }
  // Deferred callbacks may hold connections already closed; they never run now.
  deferred_.clear();
  close_fd(wake_fd_);
  close_fd(epoll_fd_);
}

base::Result<EventLoop::Listener> EventLoop::listen(const std::string& host, uint16_t port,
                                                    AcceptFn on_accept) {
  const std::string where = host + ":" + std::to_string(port);
  auto addr = resolve(host, port);
  if (!addr.ok()) return addr.error();
  const int fd =
      ::socket(addr->storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return base::Error{where + ": socket failed: " + errno_text(errno)};
  // A restarted server must be able to bind its port again while old connections of the
  // killed process sit in TIME_WAIT.
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr->storage), addr->len) != 0 ||
      ::listen(fd, 128) != 0) {
    const int err = errno;
    close_fd(fd);
    return base::Error{where + ": cannot listen: " + errno_text(err)};
  }
  sockaddr_storage bound{};
  socklen_t bound_len = sizeof(bound);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bound_len);
  const uint16_t bound_port =
      bound.ss_family == AF_INET ? ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port)
                                 : ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
  const uint64_t id = next_id_++;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = id;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    const int err = errno;
    close_fd(fd);
    return base::Error{where + ": epoll_ctl failed: " + errno_text(err)};
  }
  listeners_.emplace(id, ListenerState{fd, std::move(on_accept)});
  return Listener{id, bound_port};
}

void EventLoop::close_listener(uint64_t listener_id) {
  auto it = listeners_.find(listener_id);
  if (it == listeners_.end()) return;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, it->second.fd, nullptr);
  close_fd(it->second.fd);
  listeners_.erase(it);
}

ConnectionPtr EventLoop::connect(const std::string& host, uint16_t port,
                                 ConnectedFn on_connected, ConnectFailedFn on_failed,
                                 Duration timeout) {
  const uint64_t id = next_id_++;
  ConnectionPtr conn(new Connection(this, id, -1, Connection::State::Connecting,
                                    host + ":" + std::to_string(port), max_frame_bytes_));
  conn->on_connected_ = std::move(on_connected);
  conn->on_connect_failed_ = std::move(on_failed);
  connections_.emplace(id, conn);

  std::string error;
  auto addr = resolve(host, port);
  if (!addr.ok()) {
    error = addr.error().message;
  } else {
    conn->fd_ =
        ::socket(addr->storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (conn->fd_ < 0) {
      error = "socket failed: " + errno_text(errno);
    } else {
      set_nodelay(conn->fd_);
      const int rc =
          ::connect(conn->fd_, reinterpret_cast<const sockaddr*>(&addr->storage), addr->len);
      if (rc != 0 && errno != EINPROGRESS) {
        error = errno_text(errno);
      } else {
        // Writable means the connect finished, either way; SO_ERROR tells which.
        epoll_event ev{};
        ev.events = EPOLLOUT;
        ev.data.u64 = id;
        if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, conn->fd_, &ev) != 0) {
          error = "epoll_ctl failed: " + errno_text(errno);
        } else {
          conn->epoll_events_ = EPOLLOUT;
        }
      }
    }
  }
  if (!error.empty()) {
    close_connection(conn, error, /*defer=*/true);
    return conn;
  }
  if (timeout > Duration::zero()) {
    std::weak_ptr<Connection> weak = conn;
    conn->connect_timer_ = add_timer(timeout, [this, weak] {
      auto c = weak.lock();
      if (c && c->state_ == Connection::State::Connecting) {
        c->connect_timer_ = 0;
        close_connection(c, "connect timed out", /*defer=*/false);
      }
    });
  }
  return conn;
}

void EventLoop::set_events(Connection& conn, uint32_t events) {
  if (conn.epoll_events_ == events) return;
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = conn.id_;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, conn.fd_, &ev) != 0) {
    FL_PANIC("epoll_ctl(MOD) on a registered socket failed: " << errno_text(errno));
  }
  conn.epoll_events_ = events;
}

void EventLoop::close_connection(const ConnectionPtr& conn, const std::string& reason,
                                 bool defer) {
  if (conn->state_ == Connection::State::Closed) return;
  const bool was_open = conn->state_ == Connection::State::Open;
  if (conn->fd_ >= 0) {
    if (conn->epoll_events_ != 0) ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, conn->fd_, nullptr);
    close_fd(conn->fd_);
    conn->fd_ = -1;
  }
  conn->epoll_events_ = 0;
  conn->state_ = Connection::State::Closed;
  if (conn->connect_timer_ != 0) {
    cancel_timer(conn->connect_timer_);
    conn->connect_timer_ = 0;
  }
  conn->out_.clear();
  conn->out_pos_ = 0;
  connections_.erase(conn->id_);
  // Take the callbacks out so that the ones capturing `conn` do not keep it alive.
  auto on_close = std::move(conn->on_close_);
  auto on_failed = std::move(conn->on_connect_failed_);
  conn->on_close_ = nullptr;
  conn->on_connect_failed_ = nullptr;
  conn->on_frame_ = nullptr;
  conn->on_drained_ = nullptr;
  conn->on_connected_ = nullptr;
  std::function<void()> notify;
  if (was_open && on_close) {
    notify = [conn, on_close = std::move(on_close), reason] { on_close(*conn, reason); };
  } else if (!was_open && on_failed) {
    notify = [conn, on_failed = std::move(on_failed), reason] { on_failed(conn, reason); };
  }
  if (!notify) return;
  if (defer) {
    deferred_.push_back(std::move(notify));
  } else {
    notify();
  }
}

void EventLoop::handle_accept(uint64_t token) {
  // Accept everything pending; the accept callback may close the listener.
  for (;;) {
    auto it = listeners_.find(token);
    if (it == listeners_.end()) return;
    sockaddr_storage from{};
    socklen_t from_len = sizeof(from);
    const int fd = ::accept4(it->second.fd, reinterpret_cast<sockaddr*>(&from), &from_len,
                             SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        FL_LOG(Warn, "accept failed: " << errno_text(errno));
      }
      return;
    }
    set_nodelay(fd);
    const uint64_t id = next_id_++;
    ConnectionPtr conn(new Connection(this, id, fd, Connection::State::Open,
                                      format_address(from), max_frame_bytes_));
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = id;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
      FL_LOG(Warn, "epoll_ctl(accepted socket) failed: " << errno_text(errno));
      continue;  // ~Connection closes fd
    }
    conn->epoll_events_ = EPOLLIN;
    connections_.emplace(id, conn);
    auto on_accept = it->second.on_accept;  // the callback may close the listener
    if (on_accept) on_accept(conn);
  }
}

void EventLoop::handle_connection(const ConnectionPtr& conn, uint32_t events) {
  if (conn->state_ == Connection::State::Connecting) {
    finish_connect(conn);
    return;
  }
  if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0) read_from(conn);
  if (conn->state_ == Connection::State::Open && (events & EPOLLOUT) != 0) {
    flush(conn, /*defer_close=*/false);
  }
}

void EventLoop::finish_connect(const ConnectionPtr& conn) {
  int err = 0;
  socklen_t len = sizeof(err);
  if (::getsockopt(conn->fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err != 0) {
    close_connection(conn, errno_text(err), /*defer=*/false);
    return;
  }
  conn->state_ = Connection::State::Open;
  if (conn->connect_timer_ != 0) {
    cancel_timer(conn->connect_timer_);
    conn->connect_timer_ = 0;
  }
  set_events(*conn, EPOLLIN);
  conn->on_connect_failed_ = nullptr;
  auto on_connected = std::move(conn->on_connected_);
  conn->on_connected_ = nullptr;
  if (on_connected) on_connected(conn);
  if (conn->state_ == Connection::State::Open && conn->send_buffered() > 0) {
    flush(conn, /*defer_close=*/false);
  }
}

void EventLoop::read_from(const ConnectionPtr& conn) {
  char buf[kReadChunk];
  size_t total = 0;
  while (conn->state_ == Connection::State::Open && total < kReadBudget) {
    const ssize_t n = ::read(conn->fd_, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      close_connection(conn, "read failed: " + errno_text(errno), /*defer=*/false);
      return;
    }
    if (n == 0) {
      close_connection(conn, "peer closed", /*defer=*/false);
      return;
    }
    total += static_cast<size_t>(n);
    const auto fed = conn->decoder_.feed(std::string_view(buf, static_cast<size_t>(n)));
    // Frames before a bad header are delivered; the callback may close the connection.
    while (conn->state_ == Connection::State::Open) {
      auto frame = conn->decoder_.pop();
      if (!frame) break;
      if (conn->on_frame_) {
        auto on_frame = conn->on_frame_;  // the callback may replace itself
        on_frame(*conn, std::move(*frame));
      }
    }
    if (!fed.ok()) {
      close_connection(conn, fed.error().message, /*defer=*/false);
      return;
    }
  }
}

void EventLoop::flush(const ConnectionPtr& conn, bool defer_close) {
  const bool was_blocked = (conn->epoll_events_ & EPOLLOUT) != 0;
  while (conn->out_pos_ < conn->out_.size()) {
    const ssize_t n = ::send(conn->fd_, conn->out_.data() + conn->out_pos_,
                             conn->out_.size() - conn->out_pos_, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        // Drop what was written so the buffer does not grow without bound.
        if (conn->out_pos_ > conn->out_.size() / 2) {
          conn->out_.erase(0, conn->out_pos_);
          conn->out_pos_ = 0;
        }
        set_events(*conn, EPOLLIN | EPOLLOUT);
        return;
      }
      close_connection(conn, "write failed: " + errno_text(errno), defer_close);
      return;
    }
    conn->out_pos_ += static_cast<size_t>(n);
  }
  conn->out_.clear();
  conn->out_pos_ = 0;
  if (was_blocked) {
    set_events(*conn, EPOLLIN);
    if (conn->on_drained_) {
      auto on_drained = conn->on_drained_;
      on_drained(*conn);
    }
  }
}

EventLoop::TimerId EventLoop::add_timer(Duration delay, std::function<void()> fn) {
  const TimerId id = next_id_++;
  const int64_t deadline = clock_->now_ns() + std::max<int64_t>(delay.count(), 0);
  timers_.emplace(id, Timer{deadline, 0, std::move(fn)});
  deadlines_.emplace(deadline, id);
  return id;
}

EventLoop::TimerId EventLoop::add_periodic(Duration period, std::function<void()> fn) {
  FL_CHECK(period.count() > 0);
  const TimerId id = next_id_++;
  const int64_t deadline = clock_->now_ns() + period.count();
  timers_.emplace(id, Timer{deadline, period.count(), std::move(fn)});
  deadlines_.emplace(deadline, id);
  return id;
}

bool EventLoop::cancel_timer(TimerId id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return false;
  deadlines_.erase({it->second.deadline_ns, id});
  timers_.erase(it);
  return true;
}

int EventLoop::run_timers() {
  const int64_t now = clock_->now_ns();
  // Collect first: a callback that adds a zero-delay timer must not run it in this
  // pass, or a timer re-adding itself would never let the loop return.
  std::vector<TimerId> due;
  for (auto it = deadlines_.begin(); it != deadlines_.end() && it->first <= now; ++it) {
    due.push_back(it->second);
  }
  int ran = 0;
  for (TimerId id : due) {
    auto it = timers_.find(id);
    if (it == timers_.end()) continue;  // cancelled by an earlier callback
    Timer& timer = it->second;
    deadlines_.erase({timer.deadline_ns, id});
    std::function<void()> fn;
    if (timer.period_ns > 0) {
      timer.deadline_ns += timer.period_ns;
      if (timer.deadline_ns <= now) timer.deadline_ns = now + timer.period_ns;
      deadlines_.emplace(timer.deadline_ns, id);
      fn = timer.fn;  // a copy: the callback may cancel its own timer
    } else {
      fn = std::move(timer.fn);
      timers_.erase(it);
    }
    fn();
    ++ran;
  }
  return ran;
}

void EventLoop::post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(posted_mu_);
    posted_.push_back(std::move(fn));
  }
  wake();
}

void EventLoop::wake() {
  const uint64_t one = 1;
  // EAGAIN means the counter is already non-zero: the loop will wake anyway.
  [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof(one));
}

void EventLoop::stop() {
  stop_.store(true);
  wake();
}

void EventLoop::run() {
  while (!stop_.load()) run_once(-1);
  stop_.store(false);
}

int EventLoop::run_posted() {
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard<std::mutex> lock(posted_mu_);
    batch.swap(posted_);
  }
  for (auto& fn : batch) fn();
  return static_cast<int>(batch.size());
}

int EventLoop::run_deferred() {
  int ran = 0;
  // Deferred callbacks may defer more (a close inside on_close); run until none are left.
  while (!deferred_.empty()) {
    std::vector<std::function<void()>> batch;
    batch.swap(deferred_);
    for (auto& fn : batch) fn();
    ran += static_cast<int>(batch.size());
  }
  return ran;
}

int EventLoop::next_timeout_ms(int timeout_ms) const {
  if (!deferred_.empty()) return 0;
  if (deadlines_.empty()) return timeout_ms;
  const int64_t wait_ns = deadlines_.begin()->first - clock_->now_ns();
  if (wait_ns <= 0) return 0;
  // Round up: waking a little early would only spin until the deadline.
  const int64_t wait_ms = std::min<int64_t>((wait_ns + 999'999) / 1'000'000, 1 << 30);
  if (timeout_ms < 0) return static_cast<int>(wait_ms);
  return static_cast<int>(std::min<int64_t>(wait_ms, timeout_ms));
}

int EventLoop::run_once(int timeout_ms) {
  constexpr int kMaxEvents = 64;
  epoll_event events[kMaxEvents];
  int n = 0;
  do {
    n = ::epoll_wait(epoll_fd_, events, kMaxEvents, next_timeout_ms(timeout_ms));
  } while (n < 0 && errno == EINTR);
  if (n < 0) FL_PANIC("epoll_wait failed: " << errno_text(errno));
  int ran = 0;
  for (int i = 0; i < n; ++i) {
    const uint64_t token = events[i].data.u64;
    if (token == kWakeToken) {
      uint64_t count = 0;
      [[maybe_unused]] const ssize_t r = ::read(wake_fd_, &count, sizeof(count));
      continue;
    }
    ++ran;
    if (listeners_.count(token) != 0) {
      handle_accept(token);
      continue;
    }
    auto it = connections_.find(token);
    if (it == connections_.end()) continue;  // closed by an earlier event of this batch
    ConnectionPtr conn = it->second;         // keeps it alive through its callbacks
    handle_connection(conn, events[i].events);
  }
  ran += run_timers();
  ran += run_posted();
  ran += run_deferred();
  return ran;
}

}  // namespace faultline::targets::common
