#pragma once
// The shell of a protocol core (STYLE.md §2): what every target's server and the
// simulator do with a core's Ready, in durability order — save it and sync it, then send
// its messages, then apply what it commits, then advance. The one place the order
// lives; a planted "ack before persist" bug is the flag that skips the sync here and
// leaves it to the shell's periodic flush. Header-only; not thread-safe (one shell
// thread per node).

#include <utility>

namespace faultline::targets::common {

// The disk as a shell sees it: save() hands over the persist part of a Ready; sync()
// makes everything saved durable (fsync). Implementations: each server's WAL, and the
// simulator's fake disk that a crash truncates to the synced part.
template <class Ready>
class Storage {
 public:
  virtual ~Storage() = default;
  virtual void save(const Ready& ready) = 0;
  virtual void sync() = 0;
};

// Runs one Ready of `node` (ready(), apply(ready), advance()). Returns false when the
// Ready was empty (nothing was done but advance()).
template <class Node, class Ready, class SendFn>
bool run_ready(Node& node, Storage<Ready>& storage, bool ack_before_persist, SendFn&& send) {
  Ready ready = node.ready();
  if (ready.empty()) {
    node.advance();
    return false;
  }
  storage.save(ready);
  if (!ack_before_persist) storage.sync();
  for (auto& message : ready.messages) send(std::move(message));
  node.apply(ready);
  node.advance();
  return true;
}

}  // namespace faultline::targets::common
