#pragma once
// SSH control of the nodes under test: Session is one authenticated libssh session to
// one node (not thread-safe); Pool keeps one reusable Session per node behind a
// per-node mutex and is thread-safe. Used by the cluster tooling and the nemeses to run
// commands and copy files. Nothing here throws: every failure is a base::Error whose
// message names the node (and host:port), so it can go straight to the user.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/random.h"
#include "base/result.h"
#include "harness/control/node.h"

struct ssh_session_struct;  // libssh's session handle, kept out of this header

namespace faultline::harness::control {

struct SshOptions {
  // Unknown host keys are refused unless this is set; then they are appended to the
  // node's known_hosts file. A key that CHANGED is always refused.
  bool accept_new_host_keys = false;
  int64_t connect_timeout_ms = 5000;
  // Transient failures (connection refused, connect timeout, a broken session before
  // the command was sent) are retried this many times, reconnecting each time.
  int retries = 3;
  int64_t backoff_ms = 100;  // first backoff; doubles per retry, jittered in [b/2, b]
  uint64_t seed = 1;         // seeds the backoff jitter (base::Random)
};

struct ExecResult {
  int exit_status = -1;  // -1: the command died from a signal or the status never came
  std::string out;
  std::string err;
};

// What kind of failure an error was; Pool uses it to decide on retries.
enum class FailureKind { Refused, Auth, HostKey, Timeout, Io, Config };

struct Failure {
  FailureKind kind;
  bool before_exec;  // true when the command certainly did not start (safe to retry)
  std::string message;
};

template <class T>
struct Attempt {
  // Exactly one is meaningful: value when failure is empty.
  T value{};
  std::unique_ptr<Failure> failure;
  bool ok() const { return failure == nullptr; }
};

// One authenticated session. Not thread-safe: Pool serialises use per node.
class Session {
 public:
  // Connects, verifies the host key against node.known_hosts_path and authenticates
  // with node.key_path. `timeout_ms` bounds TCP connect + key exchange + auth.
  static Attempt<std::unique_ptr<Session>> connect(const NodeSpec& node, const SshOptions& options,
                                                   int64_t timeout_ms);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Runs `command` (already wrapped for sh/sudo) until it exits or `deadline_ms`
  // (steady-clock milliseconds) passes; on timeout the channel is signalled and closed.
  // `shown` is the command as the caller wrote it, for error messages.
  // `timeout_ms` is only quoted in the timeout message.
  Attempt<ExecResult> exec(const std::string& command, const std::string& shown,
                           int64_t deadline_ms, int64_t timeout_ms);
  Attempt<bool> upload(const std::filesystem::path& local, const std::string& remote, int mode);
  Attempt<bool> download(const std::string& remote, const std::filesystem::path& local);

  // False once the transport has failed; the Pool then drops the session.
  bool healthy() const;

 private:
  Session(const NodeSpec& node, ssh_session_struct* session);
  std::string where() const;  // "node n2 (10.77.0.12:22)"

  // Waits until the socket is readable or `until_ms`, whichever is first (and at most
  // a short slice, so data libssh has buffered but not signalled is picked up).
  void wait_readable(int64_t until_ms);

  NodeSpec node_;
  ssh_session_struct* session_;
  bool broken_ = false;
};

// What the node's sshd is asked to run for `command`: `sh -c <quoted>` for root,
// `sudo -n sh -c <quoted>` for any other user.
std::string remote_command(const std::string& user, const std::string& command);

class Pool {
 public:
  Pool(std::vector<NodeSpec> nodes, SshOptions options);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  const std::vector<NodeSpec>& nodes() const;

  // Runs `command` with sh on the node (via `sudo -n sh -c <quoted>` when the node's
  // user is not root). `timeout_ms` bounds the whole call, reconnects and retries
  // included. A non-zero exit is not an error: it is ExecResult::exit_status. A timeout
  // closes the channel and is the error "node n2: timed out after 1000 ms running: cmd".
  base::Result<ExecResult> exec(const std::string& node, const std::string& command,
                                int64_t timeout_ms);
  // exec of shell_join(argv): each argument reaches the program byte-for-byte.
  base::Result<ExecResult> exec_argv(const std::string& node, const std::vector<std::string>& argv,
                                     int64_t timeout_ms);
  // SFTP copies. upload writes `remote`.faultline-tmp, sets `mode`, then renames over
  // `remote` (so a running binary can be replaced); download writes `local` with the
  // remote file's permission bits. Not bounded by a timeout (libssh's SFTP is blocking).
  base::Status upload(const std::string& node, const std::filesystem::path& local,
                      const std::string& remote, int mode);
  base::Status download(const std::string& node, const std::string& remote,
                        const std::filesystem::path& local);

  // Runs fn for every node in parallel (one thread each); results in the order of
  // `nodes`.
  std::vector<base::Status> on_nodes(const std::vector<std::string>& nodes,
                                     const std::function<base::Status(const std::string&)>& fn);

  // Closes the node's session, if any; the next call reconnects.
  void disconnect(const std::string& node);

 private:
  struct Slot {
    NodeSpec spec;
    std::mutex mu;
    std::unique_ptr<Session> session;  // guarded by mu
    base::Random random;               // backoff jitter; guarded by mu
    explicit Slot(NodeSpec s, uint64_t seed) : spec(std::move(s)), random(seed) {}
  };

  Slot* find(const std::string& node);
  // Runs op on a connected session with retries and reconnects. Caller holds slot.mu.
  // `bounded` ops give up at deadline_ms with `timeout_message`.
  template <class T, class Op>
  base::Result<T> with_session(Slot& slot, int64_t deadline_ms, bool bounded,
                               const std::string& timeout_message, Op&& op);
  void backoff(Slot& slot, int attempt, int64_t deadline_ms, bool bounded);

  std::vector<NodeSpec> nodes_;
  SshOptions options_;
  std::vector<std::unique_ptr<Slot>> slots_;
};

}  // namespace faultline::harness::control
