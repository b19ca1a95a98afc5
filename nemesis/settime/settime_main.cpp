// faultline-settime: the clock nemesis's helper on VMs (nemesis/settime_clock.h). It
// steps CLOCK_REALTIME with clock_settime (bump, strobe, reset to the controller's
// time) and prints `now=<ns>` so the controller can measure the result. Before any
// step it turns NTP off where it finds timedatectl, so the step is not undone behind
// the nemesis's back. With --dry-run it only prints what it would set: that is the only
// way it may run on a machine whose clock others share (the local cluster, CI).
// The monotonic clock is never touched; strobe sleeps on it.

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "nemesis/settime/settime_plan.h"

extern char** environ;

namespace {

using namespace faultline::nemesis::settime;

int64_t realtime_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

const char* find_timedatectl() {
  for (const char* p : {"/usr/bin/timedatectl", "/bin/timedatectl"}) {
    if (::access(p, X_OK) == 0) return p;
  }
  return nullptr;
}

// timedatectl set-ntp false, if there is a timedatectl. Not fatal: a VM without
// systemd has no NTP service of that kind to fight the step.
void ntp_off(bool dry_run) {
  const char* path = find_timedatectl();
  if (path == nullptr) {
    std::printf("ntp=no-timedatectl\n");
    return;
  }
  if (dry_run) {
    std::printf("would-run=%s set-ntp false\n", path);
    return;
  }
  char arg0[] = "timedatectl", arg1[] = "set-ntp", arg2[] = "false";
  char* argv[] = {arg0, arg1, arg2, nullptr};
  pid_t pid = 0;
  if (::posix_spawn(&pid, path, nullptr, nullptr, argv, environ) != 0) {
    std::printf("ntp=spawn-failed\n");
    return;
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  std::printf("ntp=%s\n", WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "off" : "failed");
}

// Sets CLOCK_REALTIME to `ns`, or says it would.
bool set_realtime(int64_t ns, bool dry_run) {
  if (dry_run) {
    std::printf("would-set=%lld\n", static_cast<long long>(ns));
    return true;
  }
  const timespec ts = to_timespec(ns);
  if (::clock_settime(CLOCK_REALTIME, &ts) != 0) {
    std::fprintf(stderr, "faultline-settime: clock_settime: %s\n", std::strerror(errno));
    return false;
  }
  return true;
}

// Steps the clock by delta_ms from where it is now.
bool step(int64_t delta_ms, bool dry_run) {
  const auto target = shifted_ns(realtime_ns(), delta_ms);
  if (!target) {
    std::fprintf(stderr, "faultline-settime: a step of %lld ms overflows the clock\n",
                 static_cast<long long>(delta_ms));
    return false;
  }
  return set_realtime(*target, dry_run);
}

void sleep_ms(int64_t ms) {
  timespec ts{static_cast<time_t>(ms / 1000), static_cast<long>(ms % 1000) * 1'000'000};
  while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto request = parse_args(args);
  if (!request.ok()) {
    std::fprintf(stderr, "faultline-settime: %s\n", request.error().message.c_str());
    return 2;
  }
  const Request& r = *request;
  bool ok = true;
  switch (r.action) {
    case Action::Now:
      break;
    case Action::Bump:
      ntp_off(r.dry_run);
      ok = step(r.delta_ms, r.dry_run);
      break;
    case Action::Strobe: {
      ntp_off(r.dry_run);
      const auto steps = strobe_steps(r.delta_ms, r.period_ms, r.duration_ms);
      for (size_t i = 0; ok && i < steps.size(); ++i) {
        ok = step(steps[i], r.dry_run);
        // A dry run shows the plan without waiting it out.
        if (ok && !r.dry_run && i + 1 < steps.size()) sleep_ms(r.period_ms);
      }
      if (ok) std::printf("flips=%zu\n", steps.size());
      break;
    }
    case Action::Reset:
      ntp_off(r.dry_run);
      ok = set_realtime(r.controller_ns, r.dry_run);
      break;
  }
  std::printf("now=%lld\n", static_cast<long long>(realtime_ns()));
  return ok ? 0 : 1;
}
