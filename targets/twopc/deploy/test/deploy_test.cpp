// The deploy recipe of faultline-twopc: argv vectors that make the first node the
// coordinator and the others the participants in order (the paths and the common flags
// are common::ServerDeploy's, tested with ZabDeploy).

#include "targets/twopc/deploy/deploy.h"

#include <gtest/gtest.h>

namespace faultline::targets::twopc::deploy {
namespace {

const std::vector<DeployNode> kNodes = {
    {"n1", "10.0.0.1"}, {"n2", "10.0.0.2"}, {"n3", "10.0.0.3"}, {"n4", "10.0.0.4"}};

TEST(TwoPcDeploy, FirstNodeCoordinatesAndTheRestAreShardsInOrder) {
  EXPECT_EQ(TwoPcDeploy::coordinator(kNodes), "n1");
  EXPECT_EQ(TwoPcDeploy::participants(kNodes), (std::vector<std::string>{"n2", "n3", "n4"}));
}

TEST(TwoPcDeploy, StartArgvNamesRolesBankAndBugs) {
  TwoPcDeploy d;
  DeployOptions options;
  options.accounts = 9;
  options.initial_balance = 50;
  options.bugs = {Bug::NoDecisionLog, Bug::ParticipantTimeoutCommit};
  const auto argv = d.start_argv(kNodes, 2, options);
  const std::vector<std::string> expected = {
      "/opt/faultline/twopc/faultline-twopc",
      "--id", "n3",
      "--peers", "n1=10.0.0.1:7300,n2=10.0.0.2:7300,n3=10.0.0.3:7300,n4=10.0.0.4:7300",
      "--client-port", "7301",
      "--data-dir", "/opt/faultline/twopc/data",
      "--pidfile", "/opt/faultline/twopc/twopc.pid",
      "--read-mode", "read-all",
      "--tick-ms", "10",
      "--election-ticks", "20",
      "--coordinator", "n1",
      "--participants", "n2,n3,n4",
      "--accounts", "9",
      "--initial-balance", "50",
      "--bug", "participant-timeout-commit",
      "--bug", "no-decision-log"};
  EXPECT_EQ(argv, expected);
  EXPECT_EQ(TwoPcDeploy::client_addresses(kNodes, options)[3],
            std::make_pair(std::string("n4"), std::string("10.0.0.4:7301")));
}

}  // namespace
}  // namespace faultline::targets::twopc::deploy
