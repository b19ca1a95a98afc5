#include "history/op.h"

#include <gtest/gtest.h>

namespace faultline::history {
namespace {

TEST(OpJson, RoundTripsEveryField) {
  Op op;
  op.index = 17;
  op.time = 812345678;
  op.process = Process::client(3);
  op.node = "n2";
  op.type = OpType::Ok;
  op.f = "cas";
  op.key = Value("k7");
  op.value = Value::array({1, 4});
  op.error = Value("timeout");
  auto back = op_from_json(to_json(op));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->index, 17);
  EXPECT_EQ(back->time, 812345678);
  EXPECT_EQ(back->process, Process::client(3));
  EXPECT_EQ(back->node, "n2");
  EXPECT_EQ(back->type, OpType::Ok);
  EXPECT_EQ(back->f, "cas");
  EXPECT_EQ(*back->key, Value("k7"));
  EXPECT_EQ(back->value, Value::array({1, 4}));
  EXPECT_EQ(back->error, Value("timeout"));
}

TEST(OpJson, NemesisIsANamedProcess) {
  auto op = op_from_json(Value::parse(
      R"({"index":19,"time":830000000,"process":"nemesis","type":"info","f":"start-partition","value":{"n1":["n3","n4"]}})"));
  ASSERT_TRUE(op.ok()) << op.error().message;
  EXPECT_FALSE(op->process.is_client());
  EXPECT_EQ(op->process.name, "nemesis");
}

TEST(OpJson, BadTypeNamesTheFieldAndWhatWasExpected) {
  auto op = op_from_json(Value::parse(R"({"process":1,"type":"okk","f":"read"})"));
  ASSERT_FALSE(op.ok());
  EXPECT_EQ(op.error().message,
            R"(expected "type" to be one of invoke|ok|fail|info, got "okk")");
}

TEST(OpJson, MissingProcessIsAnError) {
  auto op = op_from_json(Value::parse(R"({"type":"ok","f":"read"})"));
  ASSERT_FALSE(op.ok());
  EXPECT_NE(op.error().message.find("\"process\""), std::string::npos);
}

}  // namespace
}  // namespace faultline::history
