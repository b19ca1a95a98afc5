// Tests of the epoll event loop on real sockets on 127.0.0.1 with ephemeral ports, and
// of its timers on a FakeClock. Nothing sleeps: the loop is driven with run_once().

#include "targets/common/event_loop.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "base/clock.h"
#include "targets/common/test/test_util.h"

namespace faultline::targets::common {
namespace {

using testing_util::make_loop;
using testing_util::run_until;
using testing_util::unused_port;
using namespace std::chrono_literals;

// A server that records what it accepts and receives.
struct Server {
  std::vector<ConnectionPtr> accepted;
  std::vector<std::string> frames;
  std::vector<std::string> close_reasons;
  uint16_t port = 0;

  void start(EventLoop& loop) {
    auto listener = loop.listen("127.0.0.1", 0, [this](const ConnectionPtr& conn) {
      accepted.push_back(conn);
      conn->on_frame([this](Connection&, std::string f) { frames.push_back(std::move(f)); });
      conn->on_close([this](Connection&, const std::string& why) { close_reasons.push_back(why); });
    });
    ASSERT_TRUE(listener.ok()) << listener.error().message;
    port = listener->port;
  }
};

TEST(EventLoop, ListenOnPortZeroReportsTheBoundPort) {
  auto loop = make_loop();
  auto a = loop->listen("127.0.0.1", 0, [](const ConnectionPtr&) {});
  auto b = loop->listen("127.0.0.1", 0, [](const ConnectionPtr&) {});
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_NE(a->port, 0);
  EXPECT_NE(a->port, b->port);
  EXPECT_NE(a->id, b->id);
}

TEST(EventLoop, ListenOnAPortInUseIsAnError) {
  auto loop = make_loop();
  auto a = loop->listen("127.0.0.1", 0, [](const ConnectionPtr&) {});
  ASSERT_TRUE(a.ok());
  auto b = loop->listen("127.0.0.1", a->port, [](const ConnectionPtr&) {});
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message.find("cannot listen"), std::string::npos) << b.error().message;
}

TEST(EventLoop, FramesFlowBothWaysInOrder) {
  auto loop = make_loop();
  Server server;
  server.start(*loop);
  bool connected = false;
  std::vector<std::string> replies;
  auto conn = loop->connect(
      "127.0.0.1", server.port, [&](const ConnectionPtr&) { connected = true; },
      [](const ConnectionPtr&, const std::string& why) { FAIL() << "connect failed: " << why; });
  conn->on_frame([&](Connection&, std::string f) { replies.push_back(std::move(f)); });
  EXPECT_EQ(conn->state(), Connection::State::Connecting);
  // Sends before the connect completes are buffered and go out in order.
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(conn->send("m" + std::to_string(i)).ok());
  ASSERT_TRUE(run_until(*loop, [&] { return server.frames.size() == 100; }));
  EXPECT_TRUE(connected);
  EXPECT_TRUE(conn->is_open());
  for (int i = 0; i < 100; ++i) EXPECT_EQ(server.frames[i], "m" + std::to_string(i));

  ASSERT_EQ(server.accepted.size(), 1u);
  EXPECT_EQ(server.accepted[0]->peer().rfind("127.0.0.1:", 0), 0u);
  ASSERT_TRUE(server.accepted[0]->send("").ok());
  ASSERT_TRUE(server.accepted[0]->send("reply").ok());
  ASSERT_TRUE(run_until(*loop, [&] { return replies.size() == 2; }));
  EXPECT_EQ(replies, (std::vector<std::string>{"", "reply"}));
}

TEST(EventLoop, EverySocketHasNoDelay) {
  auto loop = make_loop();
  Server server;
  server.start(*loop);
  auto conn = loop->connect("127.0.0.1", server.port, nullptr, nullptr);
  ASSERT_TRUE(run_until(*loop, [&] { return conn->is_open() && server.accepted.size() == 1; }));
  // The fds are private, so look at every connected TCP socket of this process: the
  // connecting side and the accepted side.
  int checked = 0;
  for (int fd = 3; fd < 1024; ++fd) {
    int type = 0;
    socklen_t len = sizeof(type);
    if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM) continue;
    sockaddr_storage peer{};
    socklen_t peer_len = sizeof(peer);
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) continue;
    int nodelay = 0;
    len = sizeof(nodelay);
    ASSERT_EQ(::getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &len), 0);
    EXPECT_NE(nodelay, 0) << "fd " << fd;
    ++checked;
  }
  EXPECT_EQ(checked, 2);
}

TEST(EventLoop, ConnectToAClosedPortRunsConnectFailedOnce) {
  auto loop = make_loop();
  const uint16_t port = unused_port(*loop);
  int failed = 0;
  std::string reason;
  bool in_connect = true;
  auto conn = loop->connect(
      "127.0.0.1", port, [](const ConnectionPtr&) { FAIL() << "connected to a closed port"; },
      [&](const ConnectionPtr&, const std::string& why) {
        EXPECT_FALSE(in_connect) << "callback ran inside connect()";
        ++failed;
        reason = why;
      });
  in_connect = false;
  bool closed_called = false;
  conn->on_close([&](Connection&, const std::string&) { closed_called = true; });
  ASSERT_TRUE(run_until(*loop, [&] { return failed > 0; }));
  for (int i = 0; i < 3; ++i) loop->run_once(0);
  EXPECT_EQ(failed, 1);
  EXPECT_FALSE(closed_called) << "a connection that never opened gets no on_close";
  EXPECT_EQ(reason, "Connection refused");
  EXPECT_EQ(conn->state(), Connection::State::Closed);
  EXPECT_FALSE(conn->send("x").ok());
  EXPECT_EQ(loop->open_connections(), 0u);
}

TEST(EventLoop, UnresolvableHostRunsConnectFailedFromTheLoop) {
  auto loop = make_loop();
  std::string reason;
  auto conn = loop->connect("no-such-host.invalid", 1, nullptr,
                            [&](const ConnectionPtr&, const std::string& why) { reason = why; });
  EXPECT_TRUE(reason.empty());
  loop->run_once(0);
  EXPECT_NE(reason.find("cannot resolve"), std::string::npos) << reason;
}

TEST(EventLoop, PeerCloseRunsOnCloseOnceOnTheOtherSide) {
  auto loop = make_loop();
  Server server;
  server.start(*loop);
  std::vector<std::string> reasons;
  auto conn = loop->connect("127.0.0.1", server.port, nullptr, nullptr);
  conn->on_close([&](Connection&, const std::string& why) { reasons.push_back(why); });
  ASSERT_TRUE(run_until(*loop, [&] { return conn->is_open() && server.accepted.size() == 1; }));
  server.accepted[0]->close();
  EXPECT_TRUE(server.close_reasons.empty()) << "a local close notifies from the loop, later";
  ASSERT_TRUE(run_until(*loop, [&] { return reasons.size() == 1; }));
  for (int i = 0; i < 3; ++i) loop->run_once(0);
  EXPECT_EQ(reasons, std::vector<std::string>{"peer closed"});
  EXPECT_EQ(server.close_reasons, std::vector<std::string>{"closed locally"});
  EXPECT_FALSE(conn->send("late").ok());
  EXPECT_EQ(loop->open_connections(), 0u);
}

TEST(EventLoop, CloseFromInsideOnFrameStopsDelivery) {
  auto loop = make_loop();
  std::vector<std::string> got;
  auto listener = loop->listen("127.0.0.1", 0, [&](const ConnectionPtr& conn) {
    conn->on_frame([&](Connection& c, std::string f) {
      got.push_back(f);
      if (f == "stop") c.close();
    });
  });
  ASSERT_TRUE(listener.ok());
  bool closed = false;
  auto conn = loop->connect("127.0.0.1", listener->port, nullptr, nullptr);
  conn->on_close([&](Connection&, const std::string&) { closed = true; });
  for (const char* m : {"a", "stop", "b"}) ASSERT_TRUE(conn->send(m).ok());
  ASSERT_TRUE(run_until(*loop, [&] { return closed; }));
  EXPECT_EQ(got, (std::vector<std::string>{"a", "stop"}));
}

TEST(EventLoop, LargeSendIsBufferedAndDrained) {
  auto loop = make_loop();
  Server server;
  server.start(*loop);
  auto conn = loop->connect("127.0.0.1", server.port, nullptr, nullptr);
  int drained = 0;
  conn->on_drained([&](Connection&) { ++drained; });
  ASSERT_TRUE(run_until(*loop, [&] { return conn->is_open(); }));
  // 16 MiB is more than the loopback socket buffers hold, so send() must buffer.
  const std::string big(16 << 20, 'b');
  ASSERT_TRUE(conn->send(big).ok());
  EXPECT_GT(conn->send_buffered(), 0u);
  ASSERT_TRUE(conn->send("after").ok());
  ASSERT_TRUE(run_until(*loop, [&] { return server.frames.size() == 2; }));
  EXPECT_EQ(server.frames[0], big);
  EXPECT_EQ(server.frames[1], "after");
  EXPECT_EQ(conn->send_buffered(), 0u);
  EXPECT_EQ(drained, 1);
}

TEST(EventLoop, OversizeFrameClosesTheReceivingConnection) {
  auto small = make_loop(LoopOptions{nullptr, 1024});
  auto big = make_loop();
  Server server;
  server.start(*small);
  auto conn = big->connect("127.0.0.1", server.port, nullptr, nullptr);
  bool closed = false;
  conn->on_close([&](Connection&, const std::string&) { closed = true; });
  ASSERT_TRUE(conn->send("fits").ok());
  ASSERT_TRUE(conn->send(std::string(2048, 'x')).ok());
  ASSERT_TRUE(run_until({small.get(), big.get()}, [&] { return closed; }));
  EXPECT_EQ(server.frames, std::vector<std::string>{"fits"});
  ASSERT_EQ(server.close_reasons.size(), 1u);
  EXPECT_EQ(server.close_reasons[0], "frame of 2048 bytes exceeds the maximum of 1024");
}

TEST(EventLoop, SendOverTheMaximumIsRefused) {
  auto loop = make_loop(LoopOptions{nullptr, 8});
  Server server;
  server.start(*loop);
  auto conn = loop->connect("127.0.0.1", server.port, nullptr, nullptr);
  EXPECT_TRUE(conn->send("12345678").ok());
  auto status = conn->send("123456789");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message, "frame of 9 bytes exceeds the maximum of 8");
}

TEST(EventLoop, OneShotTimerFiresOnceAtItsDeadline) {
  base::FakeClock clock;
  auto loop = make_loop(LoopOptions{&clock});
  int fired = 0;
  loop->add_timer(50ms, [&] { ++fired; });
  clock.advance_ns(49'999'999);
  loop->run_once(0);
  EXPECT_EQ(fired, 0);
  clock.advance_ns(1);
  loop->run_once(0);
  EXPECT_EQ(fired, 1);
  clock.advance_ns(1'000'000'000);
  loop->run_once(0);
  EXPECT_EQ(fired, 1);
}

TEST(EventLoop, PeriodicTimerFiresEveryPeriodAndSkipsMissedOnes) {
  base::FakeClock clock;
  auto loop = make_loop(LoopOptions{&clock});
  int fired = 0;
  auto id = loop->add_periodic(10ms, [&] { ++fired; });
  for (int i = 0; i < 5; ++i) {
    clock.advance_ns(10'000'000);
    loop->run_once(0);
  }
  EXPECT_EQ(fired, 5);
  clock.advance_ns(100'000'000);  // ten periods late: one firing, not a burst of ten
  loop->run_once(0);
  loop->run_once(0);
  EXPECT_EQ(fired, 6);
  EXPECT_TRUE(loop->cancel_timer(id));
  EXPECT_FALSE(loop->cancel_timer(id));
  clock.advance_ns(100'000'000);
  loop->run_once(0);
  EXPECT_EQ(fired, 6);
}

TEST(EventLoop, TimersFireInDeadlineOrderAndMayCancelThemselves) {
  base::FakeClock clock;
  auto loop = make_loop(LoopOptions{&clock});
  std::vector<std::string> order;
  EventLoop::TimerId self = 0;
  self = loop->add_periodic(5ms, [&] {
    order.push_back("periodic");
    loop->cancel_timer(self);
  });
  loop->add_timer(3ms, [&] { order.push_back("3ms"); });
  loop->add_timer(1ms, [&] {
    order.push_back("1ms");
    // Added while timers run: due now, but runs in the next pass, not this one.
    loop->add_timer(0ms, [&] { order.push_back("zero"); });
  });
  clock.advance_ns(20'000'000);
  loop->run_once(0);
  EXPECT_EQ(order, (std::vector<std::string>{"1ms", "3ms", "periodic"}));
  loop->run_once(0);
  clock.advance_ns(20'000'000);
  loop->run_once(0);
  EXPECT_EQ(order, (std::vector<std::string>{"1ms", "3ms", "periodic", "zero"}));
}

TEST(EventLoop, RunOnceWaitsNoLongerThanTheNextRealTimer) {
  auto loop = make_loop();
  bool fired = false;
  loop->add_timer(1ms, [&] { fired = true; });
  // With nothing else to do, an infinite wait must still end for the timer.
  for (int i = 0; i < 100 && !fired; ++i) loop->run_once(-1);
  EXPECT_TRUE(fired);
}

TEST(EventLoop, PostFromAnotherThreadRunsOnTheLoopThread) {
  auto loop = make_loop();
  const auto loop_thread = std::this_thread::get_id();
  std::vector<int> seen;
  bool on_loop_thread = true;
  std::thread poster([&] {
    for (int i = 0; i < 100; ++i) {
      loop->post([&, i] {
        seen.push_back(i);
        on_loop_thread = on_loop_thread && std::this_thread::get_id() == loop_thread;
      });
    }
    loop->post([&] { loop->stop(); });
  });
  loop->run();  // returns once the last posted function stops it
  poster.join();
  ASSERT_EQ(seen.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(seen[i], i);
  EXPECT_TRUE(on_loop_thread);
}

TEST(EventLoop, StopBeforeRunMakesRunReturnOnce) {
  auto loop = make_loop();
  loop->stop();
  loop->run();
  int ran = 0;
  loop->post([&] {
    ++ran;
    loop->stop();
  });
  loop->run();
  EXPECT_EQ(ran, 1);
}

TEST(EventLoop, DestroyingTheLoopClosesHeldConnections) {
  auto loop = make_loop();
  Server server;
  server.start(*loop);
  auto conn = loop->connect("127.0.0.1", server.port, nullptr, nullptr);
  ASSERT_TRUE(run_until(*loop, [&] { return conn->is_open() && server.accepted.size() == 1; }));
  loop.reset();
  EXPECT_EQ(conn->state(), Connection::State::Closed);
  EXPECT_FALSE(conn->send("x").ok());
  conn->close();  // harmless
}

}  // namespace
}  // namespace faultline::targets::common
