// The client's outcome rules (STYLE.md §8): ok only on an ok reply, fail only when the
// operation certainly did not happen, info whenever an attempt may have reached a node.

#include "targets/common/kv_client.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace faultline::targets::common {
namespace {

using A = AttemptResult;

TEST(KvClientOutcome, OkReplyIsOkEvenAfterLostAttempts) {
  EXPECT_EQ(decide({A::Ok}), OutcomeType::Ok);
  EXPECT_EQ(decide({A::Lost, A::Definite, A::Ok}), OutcomeType::Ok);
}

TEST(KvClientOutcome, OnlyDefiniteFailuresGiveFail) {
  EXPECT_EQ(decide({A::Definite}), OutcomeType::Fail);
  EXPECT_EQ(decide({A::NotSent, A::Definite, A::NotSent}), OutcomeType::Fail);
  EXPECT_EQ(decide({}), OutcomeType::Fail);  // nothing was ever sent
}

TEST(KvClientOutcome, AnAttemptThatMayHaveArrivedMakesItInfo) {
  EXPECT_EQ(decide({A::Lost}), OutcomeType::Info);
  EXPECT_EQ(decide({A::Lost, A::Definite, A::Definite}), OutcomeType::Info);
  EXPECT_EQ(decide({A::Definite, A::NotSent, A::Lost}), OutcomeType::Info);
}

TEST(KvClientOutcome, UnknownReplyIsInfo) {
  EXPECT_EQ(decide({A::Unknown}), OutcomeType::Info);
  EXPECT_EQ(decide({A::Definite, A::Unknown}), OutcomeType::Info);
}

// The log decides a cas for its (client id, seq) once: a mismatch reply is final.
TEST(KvClientOutcome, CasMismatchIsFailEvenAfterALostAttempt) {
  EXPECT_EQ(decide({A::CasMismatch}), OutcomeType::Fail);
  EXPECT_EQ(decide({A::Lost, A::CasMismatch}), OutcomeType::Fail);
}

uint16_t unused_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);  // nobody listens there now: connects are refused
  return ntohs(addr.sin_port);
}

TEST(KvClientOutcome, NoNodeReachableIsFailWithTheReason) {
  const std::string address = "127.0.0.1:" + std::to_string(unused_port());
  KvClient client({{"n1", address}, {"n2", address}}, 7, std::chrono::milliseconds(100));
  Request put;
  put.kind = OpKind::Put;
  put.key = "k";
  put.value = "1";
  Outcome outcome = client.call(put);
  EXPECT_EQ(outcome.type, OutcomeType::Fail);
  EXPECT_EQ(outcome.attempts, 0);
  EXPECT_NE(outcome.error.find("refused"), std::string::npos) << outcome.error;
}

}  // namespace
}  // namespace faultline::targets::common
