// The Raft target's client is the shared key-value client under its Raft names; its
// outcome rules are tested in targets/common/test/kv_client_test.cpp.

#include "targets/raft/client/client.h"

#include <gtest/gtest.h>

#include <type_traits>

namespace faultline::targets::raft::client {
namespace {

TEST(RaftClient, IsTheSharedKeyValueClient) {
  static_assert(std::is_same_v<RaftClient, common::KvClient>);
  static_assert(std::is_same_v<Outcome, common::Outcome>);
  RaftClient client({{"n1", "127.0.0.1:1"}}, 7, std::chrono::milliseconds(10));
  EXPECT_EQ(client.client_id(), 7u);
  EXPECT_EQ(to_string(OutcomeType::Info), "info");
}

}  // namespace
}  // namespace faultline::targets::raft::client
