// Tests of PeerTransport: two nodes on one loop over real loopback sockets, with a
// FakeClock so reconnect backoff is driven by advancing time, not by waiting.

#include "targets/common/peer_transport.h"

#include <string>
#include <utility>
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

using Received = std::vector<std::pair<NodeId, std::string>>;

struct Node {
  Received received;
  std::unique_ptr<PeerTransport> transport;
  uint16_t port = 0;

  Node(EventLoop& loop, NodeId id, PeerTransportOptions options = {}, uint16_t listen_port = 0) {
    transport = std::make_unique<PeerTransport>(
        loop, id, [this](NodeId from, std::string p) { received.emplace_back(from, std::move(p)); },
        options);
    auto bound = transport->listen("127.0.0.1", listen_port);
    EXPECT_TRUE(bound.ok()) << bound.error().message;
    port = bound.ok() ? *bound : 0;
  }
};

TEST(PeerTransport, NodesExchangeMessagesInOrderNamedBySender) {
  auto loop = make_loop();
  Node a(*loop, 1), b(*loop, 2);
  a.transport->add_peer(2, {"127.0.0.1", b.port});
  b.transport->add_peer(1, {"127.0.0.1", a.port});
  for (int i = 0; i < 50; ++i) a.transport->send(2, "a" + std::to_string(i));
  b.transport->send(1, "hi");
  ASSERT_TRUE(run_until(*loop, [&] { return b.received.size() == 50 && a.received.size() == 1; }));
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(b.received[i], (std::pair<NodeId, std::string>{1, "a" + std::to_string(i)}));
  }
  EXPECT_EQ(a.received[0], (std::pair<NodeId, std::string>{2, "hi"}));
  EXPECT_TRUE(a.transport->connected(2));
  EXPECT_EQ(a.transport->stats(2).sent, 50u);
  EXPECT_EQ(a.transport->stats(2).dropped, 0u);
}

TEST(PeerTransport, QueueWhileDisconnectedKeepsTheNewestAndDeliversOnConnect) {
  base::FakeClock clock;
  auto loop = make_loop(LoopOptions{&clock});
  const uint16_t port = unused_port(*loop);
  PeerTransportOptions options;
  options.max_queued = 3;
  Node a(*loop, 1, options);
  a.transport->add_peer(2, {"127.0.0.1", port});
  for (int i = 0; i < 5; ++i) a.transport->send(2, std::to_string(i));
  ASSERT_TRUE(run_until(*loop, [&] { return a.transport->stats(2).connect_failures == 1; }));
  EXPECT_FALSE(a.transport->connected(2));
  EXPECT_EQ(a.transport->stats(2).queued, 3u);
  EXPECT_EQ(a.transport->stats(2).dropped, 2u);

  Node b(*loop, 2, {}, port);  // the peer comes up on its address
  clock.advance_ns(50'000'000);
  ASSERT_TRUE(run_until(*loop, [&] { return b.received.size() == 3; }));
  EXPECT_EQ(b.received, (Received{{1, "2"}, {1, "3"}, {1, "4"}}));
  EXPECT_EQ(a.transport->stats(2).connect_attempts, 2u);
}

TEST(PeerTransport, ReconnectBackoffDoublesUpToTheMaximum) {
  base::FakeClock clock;
  auto loop = make_loop(LoopOptions{&clock});
  const uint16_t port = unused_port(*loop);
  PeerTransportOptions options;
  options.min_backoff = 50ms;
  options.max_backoff = 200ms;
  Node a(*loop, 1, options);
  a.transport->add_peer(2, {"127.0.0.1", port});
  auto failures = [&] { return a.transport->stats(2).connect_failures; };
  ASSERT_TRUE(run_until(*loop, [&] { return failures() == 1; }));
  // Retries after 50, 100, 200, 200 ms: one ms short of each, nothing happens.
  for (int64_t wait_ms : {50, 100, 200, 200}) {
    const uint64_t before = failures();
    clock.advance_ns((wait_ms - 1) * 1'000'000);
    for (int i = 0; i < 5; ++i) loop->run_once(1);
    EXPECT_EQ(a.transport->stats(2).connect_attempts, before) << "retried early, wait " << wait_ms;
    clock.advance_ns(1'000'000);
    ASSERT_TRUE(run_until(*loop, [&] { return failures() == before + 1; })) << wait_ms;
  }
}

TEST(PeerTransport, ReconnectsAfterThePeerRestarts) {
  base::FakeClock clock;
  auto loop = make_loop(LoopOptions{&clock});
  auto b = std::make_unique<Node>(*loop, 2);
  const uint16_t port = b->port;
  Node a(*loop, 1);
  a.transport->add_peer(2, {"127.0.0.1", port});
  a.transport->send(2, "before");
  ASSERT_TRUE(run_until(*loop, [&] { return b->received.size() == 1; }));

  b.reset();  // the peer crashes
  ASSERT_TRUE(run_until(*loop, [&] { return !a.transport->connected(2); }));
  EXPECT_EQ(a.transport->stats(2).disconnects, 1u);
  a.transport->send(2, "while down");

  b = std::make_unique<Node>(*loop, 2, PeerTransportOptions{}, port);
  clock.advance_ns(1'000'000'000);
  ASSERT_TRUE(run_until(*loop, [&] { return b->received.size() == 1; }));
  EXPECT_EQ(b->received[0], (std::pair<NodeId, std::string>{1, "while down"}));
  EXPECT_TRUE(a.transport->connected(2));
}

TEST(PeerTransport, InboundLinkWithoutHelloIsClosed) {
  auto loop = make_loop();
  Node b(*loop, 2);
  bool closed = false;
  auto conn = loop->connect("127.0.0.1", b.port, nullptr, nullptr);
  conn->on_close([&](Connection&, const std::string&) { closed = true; });
  ASSERT_TRUE(conn->send("not a hello").ok());
  ASSERT_TRUE(conn->send("payload").ok());
  ASSERT_TRUE(run_until(*loop, [&] { return closed; }));
  EXPECT_TRUE(b.received.empty());
}

TEST(PeerTransport, SendToAnUnknownPeerIsDroppedAndCounted) {
  auto loop = make_loop();
  Node a(*loop, 1);
  a.transport->send(9, "nobody");
  EXPECT_EQ(a.transport->dropped_unknown_peer(), 1u);
  EXPECT_FALSE(a.transport->connected(9));
}

TEST(PeerTransport, HelloRoundTripsAndRejectsOtherFrames) {
  auto id = decode_peer_hello(encode_peer_hello(42));
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, 42u);
  EXPECT_FALSE(decode_peer_hello("").ok());
  EXPECT_FALSE(decode_peer_hello(encode_peer_hello(42) + "x").ok());
}

TEST(PeerTransport, DestroyingATransportLeavesTheLoopUsable) {
  base::FakeClock clock;
  auto loop = make_loop(LoopOptions{&clock});
  const uint16_t port = unused_port(*loop);
  {
    Node a(*loop, 1);
    a.transport->add_peer(2, {"127.0.0.1", port});
  }  // destroyed with a connect in flight
  clock.advance_ns(10'000'000'000);
  for (int i = 0; i < 10; ++i) loop->run_once(1);
  EXPECT_EQ(loop->open_connections(), 0u);
}

}  // namespace
}  // namespace faultline::targets::common
