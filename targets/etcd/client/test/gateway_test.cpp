// The pure half of the etcd client (gateway.h): the JSON it sends, what it reads from
// the answers etcd 3.4's gateway gives (captured from a real member), and the outcome
// rules (common::decide) applied to them. No network.
#include "targets/etcd/client/gateway.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/base64.h"

namespace faultline::targets::etcd::client {
namespace {

using Json = nlohmann::json;
using common::decide;
using common::OutcomeType;

// Real answers of etcd 3.4.23 (keys and values base64: "r0" = cjA=, "3" = Mw==).
constexpr const char* kRangeHit =
    R"({"header":{"cluster_id":"324952591200643719","member_id":"3319814642761637952","revision":"2","raft_term":"2"},)"
    R"("kvs":[{"key":"cjA=","create_revision":"2","mod_revision":"2","version":"1","value":"Mw=="}],"count":"1"})";
constexpr const char* kRangeMiss =
    R"({"header":{"cluster_id":"324952591200643719","member_id":"3319814642761637952","revision":"1","raft_term":"2"}})";
constexpr const char* kTxnSucceeded =
    R"({"header":{"revision":"3","raft_term":"2"},"succeeded":true,"responses":[{"response_put":{"header":{"revision":"3"}}}]})";
constexpr const char* kTxnFailed = R"({"header":{"revision":"2","raft_term":"2"}})";
constexpr const char* kTimedOut = R"({"error":"etcdserver: request timed out","message":"etcdserver: request timed out","code":14})";
constexpr const char* kBadBase64 =
    R"({"error":"illegal base64 data at input byte 0","message":"illegal base64 data at input byte 0","code":3})";

TEST(EtcdGateway, RangeIsLinearizableUnlessSerializableIsAsked) {
  const HttpCall linearizable = range_call("r0", false);
  EXPECT_EQ(linearizable.path, "/v3/kv/range");
  EXPECT_EQ(Json::parse(linearizable.body), Json::parse(R"({"key":"cjA="})"));
  EXPECT_EQ(Json::parse(range_call("r0", true).body), Json::parse(R"({"key":"cjA=","serializable":true})"));
}

TEST(EtcdGateway, PutAndCasSendKeyAndValuesBase64) {
  const HttpCall put = put_call("r0", "3");
  EXPECT_EQ(put.path, "/v3/kv/put");
  EXPECT_EQ(Json::parse(put.body), Json::parse(R"({"key":"cjA=","value":"Mw=="})"));
  const HttpCall cas = cas_call("r0", "3", "1");
  EXPECT_EQ(cas.path, "/v3/kv/txn");
  EXPECT_EQ(Json::parse(cas.body), Json::parse(R"({
    "compare":[{"key":"cjA=","target":"VALUE","result":"EQUAL","value":"Mw=="}],
    "success":[{"request_put":{"key":"cjA=","value":"MQ=="}}]})"));
}

TEST(EtcdGateway, AppendComparesTheModRevisionAndRangesOnALostRace) {
  const HttpCall append = append_call("s0", 7, {"1", "2"});
  const Json body = Json::parse(append.body);
  EXPECT_EQ(body["compare"][0], Json::parse(R"({"key":"czA=","target":"MOD","result":"EQUAL","mod_revision":"7"})"));
  EXPECT_EQ(body["success"][0]["request_put"]["value"], base::base64_encode(encode_list({"1", "2"})));
  EXPECT_EQ(body["failure"][0], Json::parse(R"({"request_range":{"key":"czA="}})"));
  // A key that does not exist has mod revision 0.
  EXPECT_EQ(Json::parse(append_call("s0", 0, {"1"}).body)["compare"][0]["mod_revision"], "0");
}

TEST(EtcdGateway, ListsRoundTripAnyBytesAndRejectOtherValues) {
  const std::vector<std::string> list = {"1", "", "a,b", std::string("\0\xff", 2)};
  EXPECT_EQ(decode_list(encode_list(list)), list);
  EXPECT_EQ(decode_list("[]"), std::vector<std::string>{});
  EXPECT_FALSE(decode_list("3").has_value());
  EXPECT_FALSE(decode_list("[1]").has_value());
  EXPECT_FALSE(decode_list(R"(["!"])").has_value());
}

TEST(EtcdGateway, RangeAnswerGivesTheValueOrNoKey) {
  const Answer hit = parse_answer(CallKind::Range, 200, kRangeHit);
  EXPECT_EQ(hit.result, AttemptResult::Ok);
  EXPECT_TRUE(hit.kv.exists());
  EXPECT_EQ(hit.kv.value, "3");
  EXPECT_EQ(hit.kv.mod_revision, 2);
  const Answer miss = parse_answer(CallKind::Range, 200, kRangeMiss);
  EXPECT_EQ(miss.result, AttemptResult::Ok);
  EXPECT_FALSE(miss.kv.exists());
}

TEST(EtcdGateway, FailedCompareIsADefiniteFailure) {
  EXPECT_EQ(parse_answer(CallKind::Txn, 200, kTxnSucceeded).result, AttemptResult::Ok);
  const Answer failed = parse_answer(CallKind::Txn, 200, kTxnFailed);
  EXPECT_EQ(failed.result, AttemptResult::CasMismatch);
  EXPECT_EQ(decide({failed.result}), OutcomeType::Fail);
}

TEST(EtcdGateway, LostAppendRaceReturnsTheKeyAsTheTxnSawIt) {
  const std::string body = R"({"header":{"revision":"9"},"responses":[{"response_range":{"header":{"revision":"9"},)"
                           R"("kvs":[{"key":"czA=","mod_revision":"9","value":")" +
                           base::base64_encode(encode_list({"4"})) + R"("}],"count":"1"}}]})";
  const Answer answer = parse_answer(CallKind::Txn, 200, body);
  EXPECT_EQ(answer.result, AttemptResult::CasMismatch);
  EXPECT_EQ(answer.kv.mod_revision, 9);
  EXPECT_EQ(decode_list(answer.kv.value), std::vector<std::string>{"4"});
}

TEST(EtcdGateway, RequestTimedOutMayHaveHappened) {
  const Answer answer = parse_answer(CallKind::Put, 503, kTimedOut);
  EXPECT_EQ(answer.result, AttemptResult::Unknown);
  EXPECT_EQ(answer.error, "etcdserver: request timed out (code 14)");
  EXPECT_EQ(decide({answer.result}), OutcomeType::Info);
}

TEST(EtcdGateway, RejectedRequestIsDefinite) {
  const Answer answer = parse_answer(CallKind::Put, 400, kBadBase64);
  EXPECT_EQ(answer.result, AttemptResult::Definite);
  EXPECT_EQ(decide({answer.result}), OutcomeType::Fail);
  EXPECT_TRUE(is_definite_error_code(8));    // etcdserver: too many requests
  EXPECT_TRUE(is_definite_error_code(11));   // required revision has been compacted
  EXPECT_FALSE(is_definite_error_code(14));  // leader changed, request timed out
  EXPECT_FALSE(is_definite_error_code(4));   // deadline exceeded
}

TEST(EtcdGateway, AnswerThatCannotBeReadMayHaveHappened) {
  EXPECT_EQ(parse_answer(CallKind::Put, 200, "").result, AttemptResult::Unknown);
  EXPECT_EQ(parse_answer(CallKind::Put, 200, "{\"x\":1}").result, AttemptResult::Unknown);
  EXPECT_EQ(parse_answer(CallKind::Put, 502, "Bad Gateway").result, AttemptResult::Unknown);
  EXPECT_EQ(parse_answer(CallKind::Put, 404, "404 page not found").result, AttemptResult::Definite);
  EXPECT_EQ(parse_answer(CallKind::Range, 200, R"({"header":{},"kvs":[{"mod_revision":"x"}]})").result,
            AttemptResult::Unknown);
}

TEST(EtcdGateway, RefusedBeforeSendingFailsAndLostAfterSendingIsInfo) {
  EXPECT_EQ(unanswered(/*refused=*/true, false, false), AttemptResult::NotSent);
  EXPECT_EQ(unanswered(false, /*connected=*/false, /*sent=*/false), AttemptResult::NotSent);  // connect timed out
  EXPECT_EQ(unanswered(false, true, false), AttemptResult::Lost);
  EXPECT_EQ(unanswered(false, false, true), AttemptResult::Lost);
  EXPECT_EQ(decide({AttemptResult::NotSent}), OutcomeType::Fail);
  EXPECT_EQ(decide({AttemptResult::Lost}), OutcomeType::Info);
  // An append: two lost races, then the txn that held.
  EXPECT_EQ(decide({AttemptResult::Definite, AttemptResult::Definite, AttemptResult::Ok}), OutcomeType::Ok);
  // An append whose txn got no answer, then ran out of time losing races: it may be in.
  EXPECT_EQ(decide({AttemptResult::Lost, AttemptResult::Definite}), OutcomeType::Info);
}

TEST(EtcdGateway, LeaderFromStatusAndMemberList) {
  const auto view = parse_status(
      R"({"header":{"raft_term":"2"},"version":"3.4.23","dbSize":"24576","leader":"3319814642761637952",)"
      R"("raftIndex":"8","raftTerm":"2","raftAppliedIndex":"8","dbSizeInUse":"16384"})");
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(view->leader_id, 3319814642761637952u);
  EXPECT_EQ(view->term, 2u);
  EXPECT_FALSE(parse_status(R"({"header":{},"raftTerm":"3"})").has_value());  // no leader known
  EXPECT_FALSE(parse_status(kTimedOut).has_value());
  const auto members = parse_members(
      R"({"header":{},"members":[{"ID":"3319814642761637952","name":"n1","peerURLs":["http://10.0.0.2:2380"]},)"
      R"({"ID":"17","peerURLs":["http://10.0.0.3:2380"]}]})");
  EXPECT_EQ(members, (std::map<uint64_t, std::string>{{3319814642761637952u, "n1"}}));
}

}  // namespace
}  // namespace faultline::targets::etcd::client
