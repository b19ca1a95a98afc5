#include "targets/common/kv_client.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "targets/common/framing.h"

namespace faultline::targets::common {

std::string_view to_string(OutcomeType type) {
  switch (type) {
    case OutcomeType::Ok: return "ok";
    case OutcomeType::Fail: return "fail";
    case OutcomeType::Info: return "info";
  }
  return "?";
}

// Why a CasMismatch reply is final even after lost attempts: every attempt carries the
// same (client id, seq), and the state machine applies the first entry with it in log
// order and answers every later one with the remembered reply (kv.h). An earlier
// attempt that ever commits sits before ours in the one committed order (Raft's log
// matching and leader completeness; Zab's total order of delivery and its primary
// order), so the reply we got is that of the one application there will be.
OutcomeType decide(const std::vector<AttemptResult>& attempts) {
  bool maybe = false;
  for (AttemptResult a : attempts) {
    switch (a) {
      case AttemptResult::Ok: return OutcomeType::Ok;
      case AttemptResult::CasMismatch: return OutcomeType::Fail;
      case AttemptResult::Unknown: return OutcomeType::Info;
      case AttemptResult::Lost: maybe = true; break;
      case AttemptResult::Definite:
      case AttemptResult::NotSent: break;
    }
  }
  return maybe ? OutcomeType::Info : OutcomeType::Fail;
}

namespace {

std::string errno_text(int e) { return std::strerror(e); }

int remaining_ms(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

// Waits for `events` on fd until the deadline. False: timed out (error empty) or failed.
bool wait_for(int fd, short events, std::chrono::steady_clock::time_point deadline,
              std::string& error) {
  for (;;) {
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, remaining_ms(deadline));
    if (n > 0) return true;
    if (n == 0) {
      error = "timeout";
      return false;
    }
    if (errno != EINTR) {
      error = "poll: " + errno_text(errno);
      return false;
    }
  }
}

}  // namespace

KvClient::KvClient(std::map<std::string, std::string> nodes, uint64_t client_id,
                   std::chrono::milliseconds timeout, std::string home)
    : client_id_(client_id), timeout_(timeout), home_(std::move(home)) {
  for (const auto& [name, address] : nodes) {
    Link link;
    const size_t colon = address.rfind(':');
    link.host = address.substr(0, colon);
    if (colon != std::string::npos)
      link.port = static_cast<uint16_t>(std::strtoul(address.c_str() + colon + 1, nullptr, 10));
    links_[name] = std::move(link);
  }
}

KvClient::~KvClient() {
  for (auto& [name, link] : links_) disconnect(link);
}

void KvClient::disconnect(Link& link) {
  if (link.fd >= 0) ::close(link.fd);
  link.fd = -1;
  link.in.clear();
}

bool KvClient::ensure_connected(Link& link, Clock::time_point deadline, std::string& error) {
  if (link.fd >= 0) return true;
  if (link.port == 0) {
    error = "no port";
    return false;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(link.host.c_str(), std::to_string(link.port).c_str(), &hints, &found);
  if (rc != 0 || found == nullptr) {
    error = "resolve " + link.host + ": " + ::gai_strerror(rc);
    return false;
  }
  const int fd = ::socket(found->ai_family, found->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    ::freeaddrinfo(found);
    error = "socket: " + errno_text(errno);
    return false;
  }
  int connected = ::connect(fd, found->ai_addr, found->ai_addrlen);
  ::freeaddrinfo(found);
  if (connected != 0 && errno != EINPROGRESS) {
    error = "connect: " + errno_text(errno);
    ::close(fd);
    return false;
  }
  if (connected != 0) {
    if (!wait_for(fd, POLLOUT, deadline, error)) {
      error = "connect: " + error;
      ::close(fd);
      return false;
    }
    int so_error = 0;
    socklen_t len = sizeof(so_error);
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
    if (so_error != 0) {
      error = "connect: " + errno_text(so_error);
      ::close(fd);
      return false;
    }
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  link.fd = fd;
  link.in.clear();
  return true;
}

bool KvClient::send_all(Link& link, const std::string& bytes, Clock::time_point deadline,
                          std::string& error) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(link.fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_for(link.fd, POLLOUT, deadline, error)) return false;
      continue;
    }
    error = "send: " + errno_text(errno);
    return false;
  }
  return true;
}

bool KvClient::read_reply(Link& link, uint64_t seq, Clock::time_point deadline, Reply& reply,
                            std::string& error) {
  for (;;) {
    // Whole frames first: a reply to an earlier, abandoned attempt is skipped.
    while (link.in.size() >= common::kFrameHeaderBytes) {
      uint32_t len = 0;
      for (int i = 3; i >= 0; --i) len = (len << 8) | static_cast<uint8_t>(link.in[i]);
      if (len > common::kDefaultMaxFrameBytes) {
        error = "oversized reply frame";
        return false;
      }
      if (link.in.size() < common::kFrameHeaderBytes + len) break;
      auto decoded = decode_reply(std::string_view(link.in).substr(common::kFrameHeaderBytes, len));
      link.in.erase(0, common::kFrameHeaderBytes + len);
      if (!decoded) {
        error = "bad reply: " + decoded.error().message;
        return false;
      }
      if (decoded->client_id == client_id_ && decoded->seq == seq) {
        reply = std::move(*decoded);
        return true;
      }
    }
    if (!wait_for(link.fd, POLLIN, deadline, error)) return false;
    char buffer[64 * 1024];
    const ssize_t n = ::recv(link.fd, buffer, sizeof(buffer), 0);
    if (n > 0) {
      link.in.append(buffer, static_cast<size_t>(n));
    } else if (n == 0) {
      error = "connection closed";
      return false;
    } else if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
      error = "recv: " + errno_text(errno);
      return false;
    }
  }
}

Outcome KvClient::call(Request request) {
  request.client_id = client_id_;
  request.seq = ++seq_;
  std::string frame;
  common::append_frame(frame, encode(request));
  const auto deadline = Clock::now() + timeout_;

  Outcome outcome;
  std::vector<AttemptResult> results;
  auto next_node = [&](const std::string& after) {
    auto it = links_.upper_bound(after);
    return it == links_.end() ? links_.begin()->first : it->first;
  };
  std::string target = !home_.empty() && links_.count(home_) ? home_
                       : !leader_.empty()                   ? leader_
                                                            : links_.begin()->first;
  size_t misses = 0;  // attempts in a row that learnt nothing about the leader
  auto pause = [&] {
    // Every node said no or could not be reached: an election is likely under way.
    if (misses >= links_.size())
      std::this_thread::sleep_for(std::min(std::chrono::milliseconds(20),
                                           std::chrono::milliseconds(remaining_ms(deadline))));
  };
  // An attempt that got no reply: note why, and move on to the next node.
  auto no_reply = [&](Link& link, AttemptResult result, const std::string& error) {
    disconnect(link);
    results.push_back(result);
    outcome.error = target + ": " + error;
    ++misses;
    pause();
    target = next_node(target);
  };
  while (Clock::now() < deadline) {
    Link& link = links_[target];
    std::string error;
    if (!ensure_connected(link, deadline, error)) {
      no_reply(link, AttemptResult::NotSent, error);
      continue;
    }
    ++outcome.attempts;
    if (!send_all(link, frame, deadline, error)) {
      // The server acts only on whole frames, and this one did not leave whole.
      no_reply(link, AttemptResult::NotSent, error);
      continue;
    }
    Reply reply;
    if (!read_reply(link, request.seq, deadline, reply, error)) {
      no_reply(link, AttemptResult::Lost, error);
      continue;
    }
    outcome.reply = reply;
    outcome.node = target;
    switch (reply.status) {
      case ReplyStatus::Ok:
        leader_ = target;
        results.push_back(AttemptResult::Ok);
        break;
      case ReplyStatus::CasMismatch:
        leader_ = target;
        results.push_back(AttemptResult::CasMismatch);
        outcome.error = "cas mismatch";
        break;
      case ReplyStatus::Unknown:
        results.push_back(AttemptResult::Unknown);
        outcome.error = target + " answered unknown";
        break;
      case ReplyStatus::BadRequest:
        results.push_back(AttemptResult::Definite);
        outcome.error = target + " answered bad-request";
        outcome.type = decide(results);
        return outcome;  // a retry would get the same answer
      case ReplyStatus::NotLeader:
      case ReplyStatus::NotApplied:
        results.push_back(AttemptResult::Definite);
        outcome.error = target + " answered " + std::string(to_string(reply.status));
        if (reply.status == ReplyStatus::NotLeader && !reply.leader.empty() &&
            links_.count(reply.leader) && reply.leader != target) {
          target = reply.leader;  // a hint: go there at once
          misses = 0;
        } else {
          ++misses;
          pause();
          if (reply.status == ReplyStatus::NotLeader) target = next_node(target);
        }
        continue;
    }
    outcome.type = decide(results);
    return outcome;
  }
  outcome.type = decide(results);
  if (outcome.error.empty()) outcome.error = "timeout";
  outcome.error = "timeout after " + std::to_string(timeout_.count()) + " ms (last: " + outcome.error + ")";
  return outcome;
}

}  // namespace faultline::targets::common
