// The report's own figures: ops joined by process, fault windows, availability inside
// and outside them.

#include "reports/html/analysis.h"

#include <gtest/gtest.h>

namespace faultline::reports::html {
namespace {

using history::Op;
using history::OpType;
using history::Process;
using history::Value;

Op client(int64_t index, int64_t t, int64_t p, OpType type, const char* f = "read") {
  Op o;
  o.index = index;
  o.time = t;
  o.process = Process::client(p);
  o.type = type;
  o.f = f;
  return o;
}

Op nem(int64_t index, int64_t t, const char* f) {
  Op o;
  o.index = index;
  o.time = t;
  o.process = Process::named("nemesis");
  o.type = OpType::Info;
  o.f = f;
  return o;
}

TEST(ReportFaultWindows, RequestedAndAppliedOpsMakeOneWindowAndHealClosesTheRest) {
  const std::vector<Op> h = {nem(0, 10, "start-partition"), nem(1, 12, "start-partition"),
                             nem(2, 20, "stop-partition"),  nem(3, 22, "stop-partition"),
                             nem(4, 30, "start-kill"),      nem(5, 31, "start-partition"),
                             nem(6, 40, "heal")};
  const auto w = fault_windows(h);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0].fault, "partition");
  EXPECT_EQ(w[0].start_ns, 10);
  EXPECT_EQ(w[0].stop_ns, 22);
  EXPECT_EQ(w[1].fault, "kill");
  EXPECT_EQ(w[1].stop_ns, 40);
  EXPECT_EQ(w[2].start_ns, 31);
  EXPECT_EQ(w[2].stop_ns, 40);
}

TEST(ReportSummary, JoinsOpsByProcessAndSplitsAvailabilityByFaultWindow) {
  const std::vector<Op> h = {
      client(0, 0, 0, OpType::Invoke),     client(1, 5, 0, OpType::Ok),
      nem(2, 10, "start-partition"),
      client(3, 11, 0, OpType::Invoke),    client(4, 12, 1, OpType::Invoke, "write"),
      client(5, 15, 0, OpType::Info),      client(6, 16, 1, OpType::Fail, "write"),
      nem(7, 20, "stop-partition"),
      client(8, 25, 1, OpType::Invoke),    client(9, 30, 1, OpType::Ok),
      client(10, 35, 2, OpType::Invoke),   // never completes
      client(11, 40, 3, OpType::Ok),       // a completion without an invoke: ignored
  };
  const RunSummary s = summarize(h, Value());
  ASSERT_EQ(s.operations.size(), 5u);
  EXPECT_EQ(s.lanes, (std::vector<std::string>{"0", "1", "2", "3"}));
  EXPECT_EQ(s.operations[1].outcome, Outcome::Info);
  EXPECT_EQ(s.operations[1].completion, 5);
  EXPECT_EQ(s.operations[4].outcome, Outcome::Pending);
  EXPECT_EQ(s.counts_by_f.at("write")[static_cast<size_t>(Outcome::Fail)], 1);
  EXPECT_EQ(s.operation_of_index[6], 2);
  EXPECT_EQ(s.operation_of_index[2], -1);  // a nemesis op
  ASSERT_EQ(s.windows.size(), 1u);
  // Inside [10, 20): ops invoked at 11 and 12 (info, fail); outside: 0, 25, 35.
  EXPECT_EQ(s.inside.total(), 2);
  EXPECT_EQ(s.inside.ok_ratio(), 0.0);
  EXPECT_EQ(s.outside.total(), 3);
  EXPECT_DOUBLE_EQ(s.outside.ok_ratio(), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(s.inside.seconds, 10e-9);
  EXPECT_DOUBLE_EQ(s.outside.seconds, 30e-9);
  EXPECT_EQ(s.by_fault.at("partition").total(), 2);
}

TEST(ReportSummary, UsesTheStatsWindowsOfResultsWhenPresent) {
  const std::vector<Op> h = {client(0, 0, 0, OpType::Invoke), client(1, 100, 0, OpType::Ok)};
  const Value results = {{"stats", {{"nemesis", {{{"fault", "kill"}, {"start_ns", 0}, {"stop_ns", -1}}}}}}};
  const RunSummary s = summarize(h, results);
  ASSERT_EQ(s.windows.size(), 1u);
  EXPECT_EQ(s.windows[0].fault, "kill");
  EXPECT_EQ(s.inside.total(), 1);
  EXPECT_DOUBLE_EQ(s.inside.seconds, 100e-9);  // open: until the end of the run
}

}  // namespace
}  // namespace faultline::reports::html
