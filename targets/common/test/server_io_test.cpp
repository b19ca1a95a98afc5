// The server I/O every target shares, with the client every target shares: --peers
// parsing, requests in and replies back over real loopback TCP, not-leader hints that
// the client follows, and a stop that returns from run().

#include "targets/common/server_io.h"

#include <gtest/gtest.h>

#include <thread>

#include "targets/common/kv_client.h"
#include "targets/common/test/test_util.h"

namespace faultline::targets::common {
namespace {

using testing_util::TempDir;

TEST(ServerPeers, ParsesEveryMemberAndRejectsMalformedLists) {
  auto peers = parse_peers("n1=10.0.0.1:7100,n2=host-b:7101");
  ASSERT_TRUE(peers) << peers.error().message;
  ASSERT_EQ(peers->size(), 2u);
  EXPECT_EQ(peers->at("n2").host, "host-b");
  EXPECT_EQ(peers->at("n2").port, 7101);
  EXPECT_FALSE(parse_peers(""));
  EXPECT_FALSE(parse_peers("n1=10.0.0.1"));
  EXPECT_FALSE(parse_peers("n1=:7100"));
  EXPECT_FALSE(parse_peers("n1=h:70000"));
  EXPECT_FALSE(parse_peers("=h:1"));
  auto twice = parse_peers("n1=h:1,n1=h:2");
  ASSERT_FALSE(twice);
  EXPECT_NE(twice.error().message.find("n1 given twice"), std::string::npos);
}

TEST(ServerPeers, OptionsAreValidatedBeforeAnythingListens) {
  ServerOptions options;
  options.id = "n3";
  options.peers = *parse_peers("n1=127.0.0.1:0");
  options.data_dir = "/tmp/x";
  EXPECT_FALSE(validate(options));
  options.id = "n1";
  EXPECT_TRUE(validate(options));
  options.election_ticks = 1;
  EXPECT_FALSE(validate(options));
}

// One member of a two-node "cluster" whose requests are answered by `answer`, on its
// own loop thread.
class FakeServer {
 public:
  FakeServer(const std::string& id, std::function<Reply(const Request&)> answer) : answer_(std::move(answer)) {
    ServerOptions options;
    options.id = id;
    options.peers = *parse_peers("a=127.0.0.1:0,b=127.0.0.1:0");
    options.data_dir = dir_.path().string();
    ServerIo::Handlers handlers;
    handlers.peer_message = [](const std::string&, std::string) {};
    handlers.request = [this](const Request& request) { pending_.push_back(answer_(request)); };
    handlers.tick = [] {};
    auto io = ServerIo::create(options, std::move(handlers));
    EXPECT_TRUE(io) << io.error().message;
    io_ = std::move(*io);
    thread_ = std::thread([this] {
      io_->run([this] {
        io_->reply(pending_);
        pending_.clear();
      });
    });
  }
  ~FakeServer() {
    io_->request_stop();
    thread_.join();
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(io_->client_port()); }

 private:
  TempDir dir_;
  std::function<Reply(const Request&)> answer_;
  std::vector<Reply> pending_;  // loop thread only
  std::unique_ptr<ServerIo> io_;
  std::thread thread_;
};

Reply answer(const Request& request, ReplyStatus status) {
  Reply reply;
  reply.client_id = request.client_id;
  reply.seq = request.seq;
  reply.status = status;
  if (status == ReplyStatus::NotLeader) reply.leader = "b";
  if (status == ReplyStatus::Ok) reply.value = "from b: " + request.key;
  return reply;
}

TEST(ServerIoWithKvClient, RequestsAreAnsweredAndNotLeaderHintsFollowed) {
  FakeServer a("a", [](const Request& r) { return answer(r, ReplyStatus::NotLeader); });
  FakeServer b("b", [](const Request& r) { return answer(r, ReplyStatus::Ok); });
  KvClient client({{"a", a.address()}, {"b", b.address()}}, 42, std::chrono::milliseconds(2000), "a");
  Request get;
  get.kind = OpKind::Get;
  get.key = "k";
  for (int i = 0; i < 3; ++i) {
    const Outcome outcome = client.call(get);
    ASSERT_EQ(outcome.type, OutcomeType::Ok) << outcome.error;
    EXPECT_EQ(outcome.node, "b");
    EXPECT_EQ(outcome.reply.value, "from b: k");
    EXPECT_EQ(outcome.reply.seq, static_cast<uint64_t>(i + 1));
    EXPECT_EQ(outcome.attempts, 2) << "home a first, then b by its hint";
  }
  EXPECT_EQ(client.last_leader(), "b");
}

}  // namespace
}  // namespace faultline::targets::common
