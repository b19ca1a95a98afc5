#pragma once
// Helpers shared by the targets' tests: a temporary directory, a way to drive an
// EventLoop until a condition holds (no sleeps: each iteration returns as soon as a
// socket event arrives, and gives up after a bounded number of waits), and damaged
// inputs for decoders.

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "base/test/temp_dir.h"
#include "base/random.h"
#include "targets/common/event_loop.h"

namespace faultline::targets::common::testing_util {

// A fresh directory per test, removed with everything in it at the end.
using base::TempDir;

inline std::unique_ptr<EventLoop> make_loop(LoopOptions options = {}) {
  auto loop = EventLoop::create(options);
  EXPECT_TRUE(loop.ok());
  return std::move(loop).value();
}

// Runs iterations of every loop in `loops` until done() or about 5 s of waiting for
// events that never come. Returns done().
inline bool run_until(std::initializer_list<EventLoop*> loops, const std::function<bool()>& done) {
  for (int i = 0; i < 500 && !done(); ++i) {
    for (EventLoop* loop : loops) loop->run_once(loops.size() == 1 ? 10 : 1);
  }
  return done();
}

inline bool run_until(EventLoop& loop, const std::function<bool()>& done) {
  return run_until({&loop}, done);
}

// A port with nothing listening on it (bound, then closed): connects to it are refused.
inline uint16_t unused_port(EventLoop& loop) {
  auto listener = loop.listen("127.0.0.1", 0, [](const ConnectionPtr&) {});
  EXPECT_TRUE(listener.ok());
  loop.close_listener(listener->id);
  return listener->port;
}

// Calls fn with `count` inputs a decoder must survive: alternately random garbage (up
// to 64 bytes) and `good` with one byte replaced. A decoder may accept or reject each,
// but must not crash or read past it (the ASan build checks that).
inline void for_each_damaged(const std::string& good, uint64_t seed, int count,
                             const std::function<void(const std::string&)>& fn) {
  base::Random random(seed);
  for (int i = 0; i < count; ++i) {
    std::string bytes;
    if (i % 2 == 0) {
      bytes.resize(random.below(64));
      for (auto& c : bytes) c = static_cast<char>(random.below(256));
    } else {
      bytes = good;
      bytes[random.below(bytes.size())] = static_cast<char>(random.below(256));
    }
    fn(bytes);
  }
}

}  // namespace faultline::targets::common::testing_util
