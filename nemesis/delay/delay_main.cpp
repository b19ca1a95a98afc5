// faultline-delay: the delay fault's helper on each node (nemesis/delay.h). It binds an
// NFQUEUE queue in the node's network namespace, holds each packet that our iptables
// chain hands it for the delay (HoldQueue: delay ± jitter, in arrival order), then
// accepts it. The kernel here has no netem qdisc; this is packet delay without one.
//
//   faultline-delay --queue 7707 --delay-ms 40 --jitter-ms 30 --seed 1 --pidfile P --log L
//
// It binds the queue in the foreground (a failure is printed to stderr and exits 3),
// then forks: the parent writes the child's pid to the pidfile and exits 0, the child
// (stdin from /dev/null, stdout and stderr to the log, so an SSH channel that started it
// closes) serves the queue until it is killed. The nemesis removes the NFQUEUE rules before it kills the
// helper and waits out the longest hold first, so no packet is dropped with it; the
// rules carry --queue-bypass, so packets pass undelayed whenever no helper listens.

#include <arpa/inet.h>
#include <fcntl.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>
#include <linux/netlink.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>

#include <CLI/CLI.hpp>

#include "nemesis/delay/hold_queue.h"

namespace {

using faultline::nemesis::delay::HoldQueue;

int64_t monotonic_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

int on_packet(nfq_q_handle*, nfgenmsg*, nfq_data* data, void* queue) {
  const nfqnl_msg_packet_hdr* header = nfq_get_msg_packet_hdr(data);
  if (header != nullptr)
    static_cast<HoldQueue*>(queue)->hold(ntohl(header->packet_id), monotonic_ns());
  return 0;
}

int fail(const std::string& what) {
  std::fprintf(stderr, "faultline-delay: %s: %s\n", what.c_str(), std::strerror(errno));
  return 3;
}

// pid as one decimal line, written to a temporary file and renamed over `path`, so a
// reader never sees a half-written pidfile.
bool write_pidfile(const std::string& path, pid_t pid) {
  const std::string tmp = path + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) return false;
  const bool written = std::fprintf(f, "%d\n", static_cast<int>(pid)) > 0;
  if (std::fclose(f) != 0 || !written) return false;
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  int queue_num = 0;
  int64_t delay_ms = 0, jitter_ms = 0;
  uint64_t seed = 1;
  std::string pidfile, log = "/dev/null";
  CLI::App app{"faultline-delay: holds the packets of an NFQUEUE queue for a delay"};
  app.add_option("--queue", queue_num, "NFQUEUE queue number")->required()->check(CLI::Range(0, 65535));
  app.add_option("--delay-ms", delay_ms, "mean delay per packet")->required()->check(CLI::Range(int64_t{1}, int64_t{10'000}));
  app.add_option("--jitter-ms", jitter_ms, "uniform spread around the delay (at most the delay)")->check(CLI::NonNegativeNumber);
  app.add_option("--seed", seed, "seed of the jitter");
  app.add_option("--pidfile", pidfile, "where the serving process's pid goes")->required();
  app.add_option("--log", log, "the serving process's stdout and stderr (appended)");
  CLI11_PARSE(app, argc, argv);
  if (jitter_ms > delay_ms) {
    std::fprintf(stderr, "faultline-delay: --jitter-ms %lld is larger than --delay-ms %lld\n",
                 static_cast<long long>(jitter_ms), static_cast<long long>(delay_ms));
    return 3;
  }

  HoldQueue held(delay_ms, jitter_ms, seed);
  nfq_handle* handle = nfq_open();
  if (handle == nullptr) return fail("cannot open an NFQUEUE handle (nfnetlink_queue)");
  nfq_q_handle* queue = nfq_create_queue(handle, static_cast<uint16_t>(queue_num), &on_packet, &held);
  if (queue == nullptr) return fail("cannot bind queue " + std::to_string(queue_num));
  // Only the packet id is needed: the verdict carries no payload back.
  if (nfq_set_mode(queue, NFQNL_COPY_META, 0) < 0) return fail("cannot set the copy mode");
  // Room for every packet of a busy second held at once; should the queue still
  // fill, the kernel lets packets through rather than dropping them (a delay fault
  // must not turn into a loss fault).
  nfq_set_queue_maxlen(queue, 65536);
  nfq_set_queue_flags(queue, NFQA_CFG_F_FAIL_OPEN, NFQA_CFG_F_FAIL_OPEN);
  const int fd = nfq_fd(handle);
  nfnl_rcvbufsiz(nfq_nfnlh(handle), 8 << 20);
  const int one = 1;
  ::setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof one);
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);

  const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (log_fd < 0) return fail("cannot open log " + log);
  if (null_fd < 0) return fail("cannot open /dev/null");
  std::fflush(stdout);
  const pid_t child = ::fork();
  if (child < 0) return fail("fork");
  if (child > 0) {
    if (!write_pidfile(pidfile, child)) {
      const int saved = errno;
      ::kill(child, SIGKILL);
      errno = saved;
      return fail("cannot write pidfile " + pidfile);
    }
    std::printf("faultline-delay: pid %d holds queue %d for %lld±%lld ms\n", static_cast<int>(child),
                queue_num, static_cast<long long>(delay_ms), static_cast<long long>(jitter_ms));
    return 0;
  }
  ::setsid();
  if (::dup2(null_fd, 0) < 0 || ::dup2(log_fd, 1) < 0 || ::dup2(log_fd, 2) < 0) return fail("dup2");

  alignas(nlmsghdr) char buffer[1 << 16];
  for (;;) {
    const auto next = held.next_release_ns();
    int timeout_ms = 1000;
    if (next) {
      const int64_t wait_ns = *next - monotonic_ns();
      timeout_ms = wait_ns <= 0 ? 0 : static_cast<int>((wait_ns + 999'999) / 1'000'000);
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) < 0 && errno != EINTR) return fail("poll");
    if (p.revents & POLLIN) {
      for (;;) {
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) break;  // EAGAIN: read all there was
        nfq_handle_packet(handle, buffer, static_cast<int>(n));
      }
    }
    for (uint32_t id : held.due(monotonic_ns())) nfq_set_verdict(queue, id, NF_ACCEPT, 0, nullptr);
  }
}
