// Unit tests of the Zab core, each pinned to the protocol rule it shows. A tiny
// synchronous FIFO network delivers messages in send order; the simulator in
// tests/sim covers the interleavings.
#include "targets/zab/core/zab.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <set>

namespace faultline::targets::zab {
namespace {

class TestCluster {
 public:
  explicit TestCluster(int n, Bugs bugs = {}) : bugs_(bugs) {
    for (int i = 1; i <= n; ++i) ids_.push_back("n" + std::to_string(i));
  }
  void start(const NodeId& id) {
    Config config;
    config.id = id;
    config.voters = ids_;
    config.bugs = bugs_;
    nodes_[id] = std::make_unique<Zab>(config, disks_[id]);
  }
  void start_all() {
    for (const auto& id : ids_) start(id);
  }
  void crash(const NodeId& id) { nodes_.erase(id); }
  Zab& operator[](const NodeId& id) { return *nodes_.at(id); }
  bool up(const NodeId& id) const { return nodes_.count(id) != 0; }
  void isolate(const NodeId& a) {
    for (const auto& b : ids_)
      if (b != a) {
        cut_.insert({a, b});
        cut_.insert({b, a});
      }
  }
  void heal() { cut_.clear(); }
  Durable& disk(const NodeId& id) { return disks_[id]; }
  std::vector<Txn>& delivered(const NodeId& id) { return delivered_[id]; }

  void settle() {
    for (int i = 0; i < 100'000; ++i) {
      for (auto& [id, node] : nodes_) drain(*node);
      if (wire_.empty()) return;
      Message m = std::move(wire_.front());
      wire_.pop_front();
      if (!up(m.to) || cut_.count({m.from, m.to})) continue;
      nodes_.at(m.to)->step(m);
    }
    FAIL() << "did not settle";
  }
  void tick_all(int ticks) {
    for (int t = 0; t < ticks; ++t) {
      for (auto& [id, node] : nodes_) node->tick();
      settle();
    }
  }
  NodeId established_leader() const {
    for (const auto& [id, node] : nodes_)
      if (node->established()) return id;
    return {};
  }

 private:
  void drain(Zab& node) {
    Ready r = node.ready();
    persist(disks_[node.id()], r);
    for (auto& m : r.messages) wire_.push_back(std::move(m));
    for (auto& t : r.committed) delivered_[node.id()].push_back(t);
    node.advance();
    ASSERT_TRUE(node.check_invariants()) << node.check_invariants().error().message;
  }

  Bugs bugs_;
  std::vector<NodeId> ids_;
  std::map<NodeId, std::unique_ptr<Zab>> nodes_;
  std::map<NodeId, Durable> disks_;
  std::map<NodeId, std::vector<Txn>> delivered_;
  std::deque<Message> wire_;
  std::set<std::pair<NodeId, NodeId>> cut_;
};

TEST(ZabElection, EveryServerEndsFollowingTheOneEstablishedLeader) {
  // Fast leader election decides on a quorum of equal votes; a server that decided on
  // a loser times out and joins the established leader (ZooKeeper's finalize wait,
  // which waits for better votes before deciding, is not modelled).
  TestCluster c(3);
  c.start_all();
  c.tick_all(40);
  const NodeId leader = c.established_leader();
  ASSERT_FALSE(leader.empty());
  for (const char* id : {"n1", "n2", "n3"}) {
    EXPECT_EQ(c[id].leader(), leader) << id;
    EXPECT_TRUE(c[id].broadcasting()) << id;
  }
  EXPECT_EQ(c[leader].leader_epoch(), c.disk("n1").hard_state.accepted_epoch);
  EXPECT_EQ(c.disk("n1").hard_state.current_epoch, c.disk("n1").hard_state.accepted_epoch);
}

TEST(ZabElection, ServerWithTheMostRecentHistoryWins) {
  TestCluster c(3);
  c.disk("n1").hard_state = {1, 1};
  c.disk("n1").history = {Txn{make_zxid(1, 1), TxnType::Command, "x"}};
  c.disk("n2").hard_state = {1, 1};
  c.disk("n3").hard_state = {1, 1};
  c.start_all();
  c.tick_all(40);  // elections may first settle on a server that then joins another
  EXPECT_EQ(c.established_leader(), "n1");
  // Synchronisation brought the others to n1's history before anything new.
  EXPECT_EQ(c["n3"].history().size(), 1u);
  EXPECT_EQ(c.delivered("n3").size(), 1u);
}

TEST(ZabDiscovery, NewEpochIsAboveEveryAcceptedEpoch) {
  TestCluster c(3);
  c.disk("n1").hard_state = {7, 2};
  c.start_all();
  c.tick_all(40);  // elections may first settle on a server that then joins another
  const NodeId leader = c.established_leader();
  ASSERT_FALSE(leader.empty());
  EXPECT_GE(c[leader].leader_epoch(), 8u);
}

TEST(ZabBroadcast, ProposalCommitsOnAQuorumAndDeliversInZxidOrderEverywhere) {
  TestCluster c(3);
  c.start_all();
  c.tick_all(40);  // elections may first settle on a server that then joins another
  Zab& leader = c[c.established_leader()];
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(leader.propose("c" + std::to_string(i)));
  c.settle();
  for (const char* id : {"n1", "n2", "n3"}) {
    ASSERT_EQ(c.delivered(id).size(), 50u) << id;
    for (size_t i = 1; i < 50; ++i) EXPECT_LT(c.delivered(id)[i - 1].zxid, c.delivered(id)[i].zxid);
  }
}

// ACKs are cumulative: a follower that logs a batch of proposals in one Ready (one
// fsync) acknowledges the batch with one ACK for its last zxid.
TEST(ZabBroadcast, FollowerAcksABatchOfProposalsOnceForItsLastZxid) {
  Config config;
  config.id = "n2";
  config.voters = {"n1", "n2", "n3"};
  Zab follower(config, Durable{});
  (void)follower.ready();
  follower.advance();
  auto from_n1 = [](MessageType type) {
    Message m;
    m.type = type;
    m.from = "n1";
    m.to = "n2";
    m.epoch = 1;
    return m;
  };
  Message leading = from_n1(MessageType::Notification);  // n1 leads epoch 0
  leading.epoch = 0;
  leading.state = ServerState::Leading;
  leading.vote = Vote{"n1", 0, 0};
  follower.step(leading);
  follower.step(from_n1(MessageType::NewEpoch));
  follower.step(from_n1(MessageType::NewLeader));
  ASSERT_TRUE(follower.broadcasting());
  (void)follower.ready();
  follower.advance();
  for (uint32_t c = 1; c <= 5; ++c) {
    Message proposal = from_n1(MessageType::Proposal);
    proposal.txns = {Txn{make_zxid(1, c), TxnType::Command, "c"}};
    follower.step(proposal);
  }
  const Ready ready = follower.ready();
  EXPECT_EQ(ready.txns.size(), 5u);
  std::vector<Zxid> acks;
  for (const Message& m : ready.messages)
    if (m.type == MessageType::Ack) acks.push_back(m.zxid);
  EXPECT_EQ(acks, std::vector<Zxid>{make_zxid(1, 5)});
  follower.advance();
}

// A follower that restarts (or times out) and rejoins the leader it followed is
// synchronised again, and comes back with that leader's epoch as its currentEpoch:
// only while the leader is still discovering can a follower's history be more recent
// than its own (ZooKeeper's waitForEpochAck), so an established leader keeps leading.
TEST(ZabDiscovery, FollowerOfTheCurrentEpochRejoinsWithoutDeposingTheLeader) {
  TestCluster c(3);
  c.start_all();
  c.tick_all(40);  // elections may first settle on a server that then joins another
  const NodeId leader = c.established_leader();
  ASSERT_FALSE(leader.empty());
  const Epoch epoch = c[leader].leader_epoch();
  ASSERT_TRUE(c[leader].propose("before"));
  c.settle();
  const NodeId follower = leader == "n1" ? "n2" : "n1";
  ASSERT_EQ(c.disk(follower).hard_state.current_epoch, epoch);
  c.crash(follower);
  c.start(follower);
  c.tick_all(20);
  EXPECT_EQ(c.established_leader(), leader);
  EXPECT_EQ(c[leader].leader_epoch(), epoch) << "no new election";
  EXPECT_TRUE(c[follower].broadcasting()) << "the rejoined follower is synchronised";
  EXPECT_EQ(c[follower].last_zxid(), c[leader].last_zxid());
}

TEST(ZabBroadcast, IsolatedLeaderCommitsNothing) {
  TestCluster c(3);
  c.start_all();
  c.tick_all(40);  // elections may first settle on a server that then joins another
  const NodeId leader = c.established_leader();
  c.isolate(leader);
  ASSERT_TRUE(c[leader].propose("alone"));
  c.settle();
  EXPECT_TRUE(c.delivered(leader).empty());
}

TEST(ZabRegression, PlantedCommitBeforeQuorumCommitsAlone) {
  TestCluster c(3, {Bug::CommitBeforeQuorum});
  c.start_all();
  c.tick_all(40);  // elections may first settle on a server that then joins another
  const NodeId leader = c.established_leader();
  c.isolate(leader);
  ASSERT_TRUE(c[leader].propose("alone"));
  c.settle();
  EXPECT_EQ(c.delivered(leader).size(), 1u);
}

TEST(ZabSync, FollowerWithADivergentSuffixIsTruncatedToTheLeadersHistory) {
  // TRUNC: an uncommitted proposal of a deposed leader is dropped on sync.
  TestCluster c(3);
  c.start_all();
  c.tick_all(40);  // elections may first settle on a server that then joins another
  const NodeId old_leader = c.established_leader();
  c.isolate(old_leader);
  ASSERT_TRUE(c[old_leader].propose("lost"));
  c.settle();
  c.tick_all(40);  // the majority elects a new leader; the old one gives up
  c.heal();
  c.tick_all(40);
  const NodeId leader = c.established_leader();
  ASSERT_FALSE(leader.empty());
  ASSERT_TRUE(c[leader].propose("kept"));
  c.settle();
  c.tick_all(2);
  for (const auto& txn : c[old_leader].history()) EXPECT_NE(txn.data, "lost");
  ASSERT_FALSE(c.delivered(old_leader).empty());
  EXPECT_EQ(c.delivered(old_leader).back().data, "kept");
}

TEST(ZabBroadcast, SyncMarkerIsDeliveredAtTheServerThatAskedAfterEarlierCommits) {
  TestCluster c(3);
  c.start_all();
  c.tick_all(40);  // elections may first settle on a server that then joins another
  const NodeId leader = c.established_leader();
  const NodeId follower = leader == "n1" ? "n2" : "n1";
  ASSERT_TRUE(c[leader].propose("w"));
  ASSERT_TRUE(c[follower].request_sync(42));
  c.settle();
  const auto& delivered = c.delivered(follower);
  ASSERT_EQ(delivered.size(), 2u);
  EXPECT_EQ(delivered[0].data, "w");
  EXPECT_EQ(delivered[1].type, TxnType::Sync);
  EXPECT_EQ(delivered[1].data, follower + "\n42");
}

// Steps `m` into `z` and returns what it sends (the Ready is taken and advanced).
std::vector<Message> step_and_take(Zab& z, Message m) {
  m.to = z.id();
  z.step(m);
  Ready r = z.ready();
  z.advance();
  return r.messages;
}

Message looking_vote(const NodeId& from, const Vote& vote, uint64_t round) {
  Message m;
  m.type = MessageType::Notification;
  m.from = from;
  m.state = ServerState::Looking;
  m.vote = vote;
  m.round = round;
  m.epoch = vote.epoch;
  return m;
}

Message follower_message(MessageType type, const NodeId& from, Epoch epoch, Zxid zxid = 0,
                         Epoch current_epoch = 0) {
  Message m;
  m.type = type;
  m.from = from;
  m.epoch = epoch;
  m.zxid = zxid;
  m.current_epoch = current_epoch;
  return m;
}

TEST(ZabRegression, LeaderThatDiscoveredButWasNotAckedKeepsItsCurrentEpochForTheNextVote) {
  // Real runs (partition, kill, pause): n5 was elected, discovered epoch 6 from the
  // FOLLOWERINFO of a quorum, but its NEWEPOCH never arrived; those servers went back
  // to the epoch-5 leader, which committed 5:1..5:222. Having taken currentEpoch 6 at
  // discovery, n5 voted (6, 4:235), beat every server holding 5:222, led epoch 7 and
  // truncated delivered transactions. currentEpoch moves only once a quorum acks.
  Config config;
  config.id = "n1";
  config.voters = {"n1", "n2", "n3", "n4", "n5"};
  Durable disk;
  disk.hard_state = {4, 4};
  disk.history = {Txn{make_zxid(4, 1), TxnType::Command, "a"}};
  Zab z(config, disk);
  z.ready();
  z.advance();
  const Vote mine{"n1", make_zxid(4, 1), 4};
  step_and_take(z, looking_vote("n2", mine, 1));
  step_and_take(z, looking_vote("n3", mine, 1));
  ASSERT_EQ(z.state(), ServerState::Leading);
  step_and_take(z, follower_message(MessageType::FollowerInfo, "n2", 4));
  step_and_take(z, follower_message(MessageType::FollowerInfo, "n3", 4));
  ASSERT_EQ(z.hard_state().accepted_epoch, 5u) << "discovered epoch 5";
  EXPECT_EQ(z.hard_state().current_epoch, 4u) << "no quorum has accepted epoch 5 yet";
  // Its NEWEPOCHs are lost; it stops leading and looks again.
  for (int i = 0; i < 3 * config.timeout_ticks && z.state() == ServerState::Leading; ++i) {
    z.tick();
    z.ready();
    z.advance();
  }
  ASSERT_EQ(z.state(), ServerState::Looking);
  // The epoch-4 leader went on committing through n2 and n3: their vote must win.
  const Vote ahead{"n2", make_zxid(4, 9), 4};
  const auto sent = step_and_take(z, looking_vote("n2", ahead, 100));
  ASSERT_FALSE(sent.empty());
  for (const Message& m : sent) EXPECT_EQ(m.vote, ahead) << "n1 must adopt the more recent history";
}

TEST(ZabRegression, NewLeaderWaitsForAQuorumOfEpochAcks) {
  // A follower takes the leader's history as currentEpoch's on NEWLEADER; sent after
  // its own ACKEPOCH alone, an old leader could still commit past that history through
  // the rest of the discovery quorum, and the follower would vote it down likewise.
  Config config;
  config.id = "n1";
  config.voters = {"n1", "n2", "n3", "n4", "n5"};
  Zab z(config, Durable{});
  z.ready();
  z.advance();
  const Vote mine{"n1", 0, 0};
  step_and_take(z, looking_vote("n2", mine, 1));
  step_and_take(z, looking_vote("n3", mine, 1));
  ASSERT_EQ(z.state(), ServerState::Leading);
  step_and_take(z, follower_message(MessageType::FollowerInfo, "n2", 0));
  step_and_take(z, follower_message(MessageType::FollowerInfo, "n3", 0));
  auto has_new_leader = [](const std::vector<Message>& out) {
    return std::any_of(out.begin(), out.end(), [](const Message& m) { return m.type == MessageType::NewLeader; });
  };
  EXPECT_FALSE(has_new_leader(step_and_take(z, follower_message(MessageType::AckEpoch, "n2", 1))));
  EXPECT_EQ(z.hard_state().current_epoch, 0u);
  const auto out = step_and_take(z, follower_message(MessageType::AckEpoch, "n3", 1));
  EXPECT_EQ(std::count_if(out.begin(), out.end(), [](const Message& m) { return m.type == MessageType::NewLeader; }), 2);
  EXPECT_EQ(z.hard_state().current_epoch, 1u);
}

}  // namespace
}  // namespace faultline::targets::zab
