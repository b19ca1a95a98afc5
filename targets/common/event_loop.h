#pragma once
// EventLoop: the single-threaded epoll loop under every target server's I/O shell. It
// owns TCP listeners and connections that exchange frames (framing.h), one-shot and
// periodic timers on a monotonic base::Clock, and a queue of functions posted from
// other threads. Thread-safety: post() and stop() may be called from any thread; every
// other method of EventLoop and Connection only on the thread running the loop.
// Errors are values or callbacks, never exceptions; callbacks run on the loop thread.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "targets/common/framing.h"

namespace faultline::targets::common {

class EventLoop;
class Connection;
using ConnectionPtr = std::shared_ptr<Connection>;
using Duration = std::chrono::nanoseconds;

// One TCP connection carrying frames. The loop keeps it alive while it is open; a
// holder of a ConnectionPtr may keep the object (not the socket) longer. Every
// connection that reached the open state gets exactly one on_close call, whoever closed
// it; a connect that never opened gets the connect-failed callback instead. Callbacks
// are dropped after the last call, so they may capture the ConnectionPtr.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  using FrameFn = std::function<void(Connection&, std::string frame)>;
  using CloseFn = std::function<void(Connection&, const std::string& reason)>;
  using DrainedFn = std::function<void(Connection&)>;
  enum class State { Connecting, Open, Closed };

  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Unique within its loop; never reused.
  uint64_t id() const { return id_; }
  State state() const { return state_; }
  bool is_open() const { return state_ == State::Open; }
  // "host:port" of the other side.
  const std::string& peer() const { return peer_; }

  void on_frame(FrameFn fn) { on_frame_ = std::move(fn); }
  void on_close(CloseFn fn) { on_close_ = std::move(fn); }
  // Runs when the send buffer, after the socket was full, has been written out.
  void on_drained(DrainedFn fn) { on_drained_ = std::move(fn); }

  // Frames `payload` and writes it, buffering what the socket does not take (also while
  // still connecting). Error: the connection is closed, or the payload exceeds the
  // loop's maximum frame size. Success means buffered, not delivered.
  base::Status send(std::string_view payload);
  // Bytes accepted by send() and not yet written to the socket.
  size_t send_buffered() const { return out_.size() - out_pos_; }
  // TCP_USER_TIMEOUT: the kernel drops the connection (on_close runs) when sent data
  // stays unacknowledged this long. Without it a link whose packets an iptables rule
  // DROPs looks connected for many minutes. Error: the socket is closed or refused it.
  base::Status set_user_timeout(Duration timeout);
  // Closes the socket now, dropping unsent bytes. Idempotent. For an open connection
  // on_close runs later from the loop with reason "closed locally"; for a connecting one
  // the connect-failed callback does.
  void close();

 private:
  friend class EventLoop;
  Connection(EventLoop* loop, uint64_t id, int fd, State state, std::string peer,
             size_t max_frame_bytes);

  EventLoop* loop_;
  const uint64_t id_;
  int fd_;
  State state_;
  std::string peer_;
  uint32_t epoll_events_ = 0;
  FrameDecoder decoder_;
  std::string out_;
  size_t out_pos_ = 0;
  uint64_t connect_timer_ = 0;
  FrameFn on_frame_;
  CloseFn on_close_;
  DrainedFn on_drained_;
  std::function<void(const ConnectionPtr&)> on_connected_;
  std::function<void(const ConnectionPtr&, const std::string&)> on_connect_failed_;
};

struct LoopOptions {
  const base::Clock* clock = nullptr;  // nullptr: base::real_clock(); tests pass a FakeClock
  size_t max_frame_bytes = kDefaultMaxFrameBytes;
};

class EventLoop {
 public:
  using AcceptFn = std::function<void(const ConnectionPtr&)>;
  using ConnectedFn = std::function<void(const ConnectionPtr&)>;
  using ConnectFailedFn = std::function<void(const ConnectionPtr&, const std::string& reason)>;
  using TimerId = uint64_t;

  struct Listener {
    uint64_t id;
    uint16_t port;  // the bound port (the one the kernel picked for port 0)
  };

  // Error: the epoll or eventfd descriptor could not be made (descriptor exhaustion).
  static base::Result<std::unique_ptr<EventLoop>> create(LoopOptions options = {});
  // Closes every descriptor; no callback runs. Connections still held elsewhere become
  // closed and their send() fails.
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Listens on host:port (port 0: any free port). on_accept runs for each accepted
  // connection, which is open; set its on_frame/on_close there. Error names the address
  // and errno text. `host` is a numeric address or a name in /etc/hosts (resolved now,
  // blocking).
  base::Result<Listener> listen(const std::string& host, uint16_t port, AcceptFn on_accept);
  // Stops accepting; connections already accepted stay open.
  void close_listener(uint64_t listener_id);

  // Starts a non-blocking connect and returns the connection at once (state Connecting;
  // send() buffers). Exactly one of on_connected / on_failed runs later from the loop,
  // never inside connect(). A timeout > 0 fails a connect that has not completed by then
  // (a partitioned peer drops SYNs and the kernel would wait minutes).
  ConnectionPtr connect(const std::string& host, uint16_t port, ConnectedFn on_connected,
                        ConnectFailedFn on_failed, Duration timeout = Duration::zero());

  // Runs fn once, `delay` after now on the loop's clock. The id stays valid until it
  // fires or is cancelled.
  TimerId add_timer(Duration delay, std::function<void()> fn);
  // Runs fn every `period` (> 0). A loop that falls behind skips missed periods rather
  // than firing in a burst.
  TimerId add_periodic(Duration period, std::function<void()> fn);
  // False if the timer already fired (one-shot) or was cancelled. A timer may cancel
  // itself from its own callback.
  bool cancel_timer(TimerId id);

  // Thread-safe: runs fn on the loop thread in a later iteration, in posting order.
  void post(std::function<void()> fn);
  // Runs iterations until stop(). Returns right away if stop() was called since the last
  // run() returned.
  void run();
  // Thread-safe: makes run() return after the current iteration.
  void stop();
  // One iteration: waits for events up to timeout_ms (-1: until something happens; 0:
  // poll), bounded by the next timer, then runs the socket callbacks, due timers,
  // posted functions and deferred callbacks. Returns how many it ran (0: nothing).
  int run_once(int timeout_ms);

  const base::Clock& clock() const { return *clock_; }
  size_t open_connections() const { return connections_.size(); }

 private:
  friend class Connection;
  struct ListenerState {
    int fd;
    AcceptFn on_accept;
  };
  struct Timer {
    int64_t deadline_ns;
    int64_t period_ns;  // 0: one-shot
    std::function<void()> fn;
  };

  EventLoop(int epoll_fd, int wake_fd, LoopOptions options);
  void handle_accept(uint64_t token);
  void handle_connection(const ConnectionPtr& conn, uint32_t events);
  void finish_connect(const ConnectionPtr& conn);
  void read_from(const ConnectionPtr& conn);
  void flush(const ConnectionPtr& conn, bool defer_close);
  void set_events(Connection& conn, uint32_t events);
  // Removes the connection from the loop and closes its socket. An open connection's
  // on_close (a connecting one's on_failed) runs now or, when `defer`, from the loop.
  void close_connection(const ConnectionPtr& conn, const std::string& reason, bool defer);
  int run_timers();
  int run_posted();
  int run_deferred();
  int next_timeout_ms(int timeout_ms) const;
  void wake();

  int epoll_fd_;
  int wake_fd_;
  const base::Clock* clock_;
  size_t max_frame_bytes_;
  uint64_t next_id_ = 1;  // ids of connections, listeners and timers; 0 is the wake fd
  std::map<uint64_t, ListenerState> listeners_;
  std::map<uint64_t, ConnectionPtr> connections_;
  std::map<TimerId, Timer> timers_;
  std::set<std::pair<int64_t, TimerId>> deadlines_;
  std::vector<std::function<void()>> deferred_;  // loop thread only
  std::mutex posted_mu_;
  std::vector<std::function<void()>> posted_;
  std::atomic<bool> stop_{false};
};

}  // namespace faultline::targets::common
