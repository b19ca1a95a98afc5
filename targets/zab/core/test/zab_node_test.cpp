// Unit tests of ZabNode, the replica that joins the Zab core to the key-value state
// machine: how it answers clients. A synchronous FIFO network delivers messages in
// send order and every Ready is persisted, sent and applied in the shell's order.
#include "targets/zab/core/zab_node.h"

#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <memory>

namespace faultline::targets::zab {
namespace {

using common::OpKind;
using common::Reply;
using common::ReplyStatus;
using common::Request;

class NodeCluster {
 public:
  explicit NodeCluster(ReadMode mode) {
    const std::vector<NodeId> ids = {"n1", "n2", "n3"};
    uint64_t incarnation = 1;
    for (const auto& id : ids) {
      Config config;
      config.id = id;
      config.voters = ids;
      nodes_[id] = std::make_unique<ZabNode>(config, mode, Durable{}, incarnation++);
    }
    for (int t = 0; t < 40; ++t) {  // elections may first settle on a server that then joins another
      for (auto& [id, node] : nodes_) node->tick();
      settle();
    }
  }
  ZabNode& operator[](const NodeId& id) { return *nodes_.at(id); }
  NodeId leader() const {
    for (const auto& [id, node] : nodes_)
      if (node->zab().established()) return id;
    return {};
  }
  // Runs Readies and delivers messages until nothing moves; returns every reply.
  std::map<NodeId, std::vector<Reply>> settle() {
    std::map<NodeId, std::vector<Reply>> replies;
    for (int i = 0; i < 100'000; ++i) {
      for (auto& [id, node] : nodes_) {
        Ready ready = node->ready();
        persist(disks_[id], ready);
        for (auto& m : ready.messages) wire_.push_back(std::move(m));
        node->apply(ready);
        node->advance();
        for (auto& r : node->take_replies()) replies[id].push_back(std::move(r));
      }
      if (wire_.empty()) return replies;
      Message m = std::move(wire_.front());
      wire_.pop_front();
      nodes_.at(m.to)->step(m);
    }
    ADD_FAILURE() << "did not settle";
    return replies;
  }
  size_t sync_markers(const NodeId& id) const {
    size_t n = 0;
    for (const Txn& txn : nodes_.at(id)->zab().history()) n += txn.type == TxnType::Sync;
    return n;
  }

 private:
  std::map<NodeId, std::unique_ptr<ZabNode>> nodes_;
  std::map<NodeId, Durable> disks_;
  std::deque<Message> wire_;
};

Request request(OpKind kind, uint64_t client, std::string key, std::string value = {}) {
  Request r;
  r.client_id = client;
  r.seq = 1;
  r.kind = kind;
  r.key = std::move(key);
  r.value = std::move(value);
  return r;
}

TEST(ZabNodeClients, FollowerAnswersAWriteWithNotLeaderAndTheLeadersName) {
  NodeCluster c(ReadMode::Local);
  const NodeId leader = c.leader();
  ASSERT_FALSE(leader.empty());
  const NodeId follower = leader == "n1" ? "n2" : "n1";
  c[follower].request(request(OpKind::Put, 1, "k", "v"));
  const auto replies = c.settle();
  ASSERT_EQ(replies.at(follower).size(), 1u);
  EXPECT_EQ(replies.at(follower)[0].status, ReplyStatus::NotLeader);
  EXPECT_EQ(replies.at(follower)[0].leader, leader);
}

// Sync reads that reach a server together share one marker through the leader, as
// Raft's read-index rounds are shared; each still sees every write committed before it.
TEST(ZabNodeClients, SyncReadsArrivingTogetherShareOneMarkerAndSeeEarlierWrites) {
  NodeCluster c(ReadMode::Sync);
  const NodeId leader = c.leader();
  ASSERT_FALSE(leader.empty());
  const NodeId follower = leader == "n1" ? "n2" : "n1";
  c[leader].request(request(OpKind::Put, 1, "k", "v"));
  ASSERT_EQ(c.settle().at(leader).at(0).status, ReplyStatus::Ok);
  for (uint64_t client = 10; client < 15; ++client) c[follower].request(request(OpKind::Get, client, "k"));
  const auto replies = c.settle();
  ASSERT_EQ(replies.at(follower).size(), 5u);
  for (const Reply& reply : replies.at(follower)) {
    EXPECT_EQ(reply.status, ReplyStatus::Ok);
    EXPECT_EQ(reply.value, "v");
  }
  EXPECT_EQ(c.sync_markers(follower), 1u);
  // A read after the marker went out needs a marker of its own.
  c[follower].request(request(OpKind::Get, 20, "k"));
  EXPECT_EQ(c.settle().at(follower).size(), 1u);
  EXPECT_EQ(c.sync_markers(follower), 2u);
}

}  // namespace
}  // namespace faultline::targets::zab
