#include "targets/common/kv.h"

#include <gtest/gtest.h>

namespace faultline::targets::common {
namespace {

Request req(uint64_t client, uint64_t seq, OpKind kind, std::string key, std::string value = "",
            std::string expected = "") {
  return Request{client, seq, kind, std::move(key), std::move(value), std::move(expected)};
}

TEST(KvStateMachine, RetriedRequestIsAppliedOnceAndAnsweredTheSame) {
  KvStateMachine sm;
  const auto first = sm.apply(req(1, 1, OpKind::Append, "l", "a"));
  const auto retry = sm.apply(req(1, 1, OpKind::Append, "l", "a"));
  EXPECT_EQ(first, retry);
  EXPECT_EQ(sm.lists().at("l"), std::vector<std::string>{"a"});
  EXPECT_TRUE(sm.cached(req(1, 1, OpKind::Append, "l", "a")).has_value());
  EXPECT_FALSE(sm.cached(req(1, 2, OpKind::Append, "l", "a")).has_value());
}

TEST(KvStateMachine, OlderSequenceNumberIsRejectedNotApplied) {
  KvStateMachine sm;
  (void)sm.apply(req(1, 5, OpKind::Put, "k", "v5"));
  EXPECT_EQ(sm.apply(req(1, 4, OpKind::Put, "k", "v4")).status, ReplyStatus::BadRequest);
  EXPECT_EQ(sm.registers().at("k"), "v5");
}

TEST(KvStateMachine, CasAppliesOnlyOnTheExpectedValue) {
  KvStateMachine sm;
  EXPECT_EQ(sm.apply(req(1, 1, OpKind::Cas, "k", "2", "1")).status, ReplyStatus::CasMismatch);
  (void)sm.apply(req(1, 2, OpKind::Put, "k", "1"));
  EXPECT_EQ(sm.apply(req(1, 3, OpKind::Cas, "k", "2", "1")).status, ReplyStatus::Ok);
  EXPECT_EQ(sm.read(req(2, 1, OpKind::Get, "k")).value, "2");
  EXPECT_EQ(sm.read(req(2, 1, OpKind::Get, "missing")).value, std::nullopt);
}

TEST(KvStateMachine, SnapshotRoundTripsStateAndRememberedReplies) {
  KvStateMachine sm;
  (void)sm.apply(req(1, 1, OpKind::Put, "k", "v"));
  (void)sm.apply(req(2, 1, OpKind::Append, "l", "x"));
  (void)sm.apply(req(2, 2, OpKind::Append, "l", "y"));
  KvStateMachine copy;
  ASSERT_TRUE(copy.load_snapshot(sm.encode_snapshot()));
  EXPECT_EQ(copy.registers(), sm.registers());
  EXPECT_EQ(copy.lists(), sm.lists());
  EXPECT_EQ(copy.apply(req(2, 2, OpKind::Append, "l", "y")).status, ReplyStatus::Ok);
  EXPECT_EQ(copy.lists().at("l").size(), 2u);  // the retry did not apply again
}

TEST(KvStateMachine, TruncatedSnapshotIsAnErrorAndChangesNothing) {
  KvStateMachine sm;
  (void)sm.apply(req(1, 1, OpKind::Put, "k", "v"));
  const std::string bytes = sm.encode_snapshot();
  KvStateMachine other;
  (void)other.apply(req(9, 1, OpKind::Put, "mine", "1"));
  EXPECT_FALSE(other.load_snapshot(bytes.substr(0, bytes.size() - 1)));
  EXPECT_EQ(other.registers().count("mine"), 1u);
}

TEST(KvWire, RequestAndReplyRoundTripAndRejectTrailingBytes) {
  const Request r = req(7, 9, OpKind::Cas, "key", "new", "old");
  auto decoded = decode_request(encode(r));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, r);
  Reply reply{7, 9, ReplyStatus::NotLeader, std::nullopt, {"a", "b"}, "n3"};
  auto back = decode_reply(encode(reply));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, reply);
  EXPECT_FALSE(decode_reply(encode(reply) + "x"));
  EXPECT_FALSE(decode_request("\x01"));
}

}  // namespace
}  // namespace faultline::targets::common
