#include "harness/control/ssh.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <chrono>
#include <exception>
#include <thread>

#include <libssh/libssh.h>
#include <libssh/sftp.h>

#include "base/log.h"
#include "harness/control/quote.h"

namespace faultline::harness::control {
namespace {

constexpr size_t kChunk = 32 * 1024;  // SFTP read/write size: well under any server's limit
constexpr int64_t kPollSliceMs = 20;

// Appends to one known_hosts file must not interleave when on_nodes connects to
// several new nodes at once.
std::mutex known_hosts_mu;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string endpoint(const NodeSpec& n) { return n.host + ":" + std::to_string(n.port); }

template <class T>
Attempt<T> fail(FailureKind kind, bool before_exec, std::string message) {
  Attempt<T> a;
  a.failure = std::make_unique<Failure>(Failure{kind, before_exec, std::move(message)});
  return a;
}

template <class T>
Attempt<T> success(T value) {
  Attempt<T> a;
  a.value = std::move(value);
  return a;
}

bool contains_ci(std::string_view hay, std::string_view needle) {
  auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(),
                        [](char a, char b) {
                          return std::tolower(static_cast<unsigned char>(a)) ==
                                 std::tolower(static_cast<unsigned char>(b));
                        });
  return it != hay.end();
}

// libssh reports connect failures only as text; sort them into kinds.
FailureKind classify_connect_error(std::string_view message) {
  if (contains_ci(message, "refused")) return FailureKind::Refused;
  if (contains_ci(message, "timeout") || contains_ci(message, "timed out")) {
    return FailureKind::Timeout;
  }
  if (contains_ci(message, "resolve")) return FailureKind::Config;
  return FailureKind::Io;
}

const char* kind_word(FailureKind kind) {
  switch (kind) {
    case FailureKind::Refused: return "connection refused";
    case FailureKind::Auth: return "authentication failed";
    case FailureKind::HostKey: return "host key";
    case FailureKind::Timeout: return "connect timed out";
    case FailureKind::Io: return "io error";
    case FailureKind::Config: return "configuration error";
  }
  return "error";
}

void free_session(ssh_session s) {
  if (s == nullptr) return;
  if (ssh_is_connected(s)) ssh_disconnect(s);
  ssh_free(s);
}

bool transient(FailureKind kind) {
  return kind == FailureKind::Refused || kind == FailureKind::Timeout || kind == FailureKind::Io;
}

}  // namespace

// ---------------------------------------------------------------------------------
// Session

Session::Session(const NodeSpec& node, ssh_session_struct* session)
    : node_(node), session_(session) {}

Session::~Session() { free_session(session_); }

std::string Session::where() const { return "node " + node_.name + " (" + endpoint(node_) + ")"; }

bool Session::healthy() const {
  return !broken_ && session_ != nullptr && ssh_is_connected(session_) != 0;
}

Attempt<std::unique_ptr<Session>> Session::connect(const NodeSpec& node,
                                                   const SshOptions& options,
                                                   int64_t timeout_ms) {
  using R = std::unique_ptr<Session>;
  const std::string where = "node " + node.name + " (" + endpoint(node) + ")";
  ssh_session s = ssh_new();
  if (s == nullptr) return fail<R>(FailureKind::Io, true, where + ": ssh_new failed");

  const unsigned int port = static_cast<unsigned int>(node.port);
  const bool no = false;
  const int nodelay = 1;
  timeout_ms = std::max<int64_t>(timeout_ms, 1);
  const long secs = static_cast<long>(timeout_ms / 1000);
  const long usecs = static_cast<long>((timeout_ms % 1000) * 1000);
  // Never read ~/.ssh/config: the nodes file is the whole truth about how to connect.
  bool options_ok = ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &no) == 0 &&
                    ssh_options_set(s, SSH_OPTIONS_HOST, node.host.c_str()) == 0 &&
                    ssh_options_set(s, SSH_OPTIONS_PORT, &port) == 0 &&
                    ssh_options_set(s, SSH_OPTIONS_USER, node.user.c_str()) == 0 &&
                    // Without TCP_NODELAY every small request waits on delayed ACKs
                    // (40 ms each): SFTP ran 100x slower.
                    ssh_options_set(s, SSH_OPTIONS_NODELAY, &nodelay) == 0 &&
                    ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &secs) == 0 &&
                    ssh_options_set(s, SSH_OPTIONS_TIMEOUT_USEC, &usecs) == 0;
  if (options_ok && !node.known_hosts_path.empty()) {
    // An explicit known_hosts file is the only one consulted: otherwise a stale entry in
    // the system-wide file could decide.
    options_ok =
        ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS, node.known_hosts_path.c_str()) == 0 &&
        ssh_options_set(s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null") == 0;
  }
  if (!options_ok) {
    std::string msg = where + ": bad ssh options: " + ssh_get_error(s);
    ssh_free(s);
    return fail<R>(FailureKind::Config, true, msg);
  }

  if (ssh_connect(s) != SSH_OK) {
    std::string err = ssh_get_error(s);
    FailureKind kind = classify_connect_error(err);
    free_session(s);
    return fail<R>(kind, true, where + ": " + kind_word(kind) + ": " + err);
  }

  const std::string known_hosts =
      node.known_hosts_path.empty() ? std::string("~/.ssh/known_hosts") : node.known_hosts_path;
  const ssh_known_hosts_e state = ssh_session_is_known_server(s);
  if (state == SSH_KNOWN_HOSTS_CHANGED || state == SSH_KNOWN_HOSTS_OTHER) {
    free_session(s);
    return fail<R>(FailureKind::HostKey, true,
                   "node " + node.name + ": host key for " + endpoint(node) +
                       " CHANGED (possible man-in-the-middle); refusing (known_hosts: " +
                       known_hosts + ")");
  }
  if (state == SSH_KNOWN_HOSTS_NOT_FOUND || state == SSH_KNOWN_HOSTS_UNKNOWN) {
    if (!options.accept_new_host_keys) {
      free_session(s);
      return fail<R>(FailureKind::HostKey, true,
                     "node " + node.name + ": host key for " + endpoint(node) +
                         " unknown; add it to " + known_hosts +
                         " or pass --accept-new-host-keys");
    }
    int rc;
    {
      std::lock_guard<std::mutex> lock(known_hosts_mu);
      rc = ssh_session_update_known_hosts(s);
    }
    if (rc != SSH_OK) {
      std::string msg = where + ": cannot record host key in " + known_hosts + ": " +
                        ssh_get_error(s);
      free_session(s);
      return fail<R>(FailureKind::HostKey, true, msg);
    }
    FL_LOG(Info, "node " << node.name << ": learned host key for " << endpoint(node) << " into "
                         << known_hosts);
  } else if (state != SSH_KNOWN_HOSTS_OK) {
    std::string msg = where + ": host key check failed (known_hosts: " + known_hosts + "): " +
                      ssh_get_error(s);
    free_session(s);
    return fail<R>(FailureKind::HostKey, true, msg);
  }

  int rc;
  if (!node.key_path.empty()) {
    ssh_key key = nullptr;
    if (ssh_pki_import_privkey_file(node.key_path.c_str(), nullptr, nullptr, nullptr, &key) !=
        SSH_OK) {
      free_session(s);
      return fail<R>(FailureKind::Config, true,
                     where + ": cannot read private key " + node.key_path);
    }
    rc = ssh_userauth_publickey(s, nullptr, key);
    ssh_key_free(key);
  } else {
    rc = ssh_userauth_publickey_auto(s, nullptr, nullptr);
  }
  if (rc != SSH_AUTH_SUCCESS) {
    std::string err = ssh_get_error(s);
    free_session(s);
    if (rc == SSH_AUTH_ERROR) {
      return fail<R>(FailureKind::Io, true, where + ": io error during authentication: " + err);
    }
    return fail<R>(FailureKind::Auth, true,
                   where + ": authentication failed for user " + node.user + " with key " +
                       (node.key_path.empty() ? std::string("(default keys)") : node.key_path) +
                       (err.empty() ? "" : ": " + err));
  }
  // From here on every call is non-blocking and we wait on the socket ourselves, so no
  // channel operation can outlive its deadline (blocking libssh calls wait forever).
  ssh_set_blocking(s, 0);
  return success<R>(R(new Session(node, s)));
}

void Session::wait_readable(int64_t until_ms) {
  const int64_t wait = std::clamp<int64_t>(until_ms - now_ms(), 0, kPollSliceMs);
  const int fd = ssh_get_fd(session_);
  if (fd < 0) {
    broken_ = true;
    return;
  }
  pollfd p{fd, POLLIN, 0};
  ::poll(&p, 1, static_cast<int>(wait));
}

Attempt<ExecResult> Session::exec(const std::string& command, const std::string& shown,
                                  int64_t deadline_ms, int64_t timeout_ms) {
  const std::string timeout_msg = "node " + node_.name + ": timed out after " +
                                  std::to_string(timeout_ms) + " ms running: " + shown;
  ssh_channel ch = ssh_channel_new(session_);
  if (ch == nullptr) {
    broken_ = true;
    return fail<ExecResult>(FailureKind::Io, true,
                            where() + ": io error: cannot create channel: " +
                                ssh_get_error(session_));
  }
  // Gives the channel back. On a timeout a KILL "signal" request goes first, but that is
  // best effort only: OpenSSH (<= 9.x at least) refuses signal requests for sessions
  // that run in the privsep monitor, which includes every root login, so there the
  // command keeps running after its channel is closed.
  auto finish = [&](bool kill) {
    if (kill && ssh_channel_is_open(ch)) ssh_channel_request_send_signal(ch, "KILL");
    if (ssh_channel_is_open(ch)) ssh_channel_close(ch);
    ssh_channel_free(ch);
  };

  int rc;
  while ((rc = ssh_channel_open_session(ch)) == SSH_AGAIN) {
    if (now_ms() >= deadline_ms) {
      broken_ = true;  // a half-open channel: start afresh next time
      finish(false);
      return fail<ExecResult>(FailureKind::Timeout, false, timeout_msg);
    }
    wait_readable(deadline_ms);
  }
  if (rc != SSH_OK) {
    std::string err = ssh_get_error(session_);
    broken_ = true;
    finish(false);
    return fail<ExecResult>(FailureKind::Io, true,
                            where() + ": io error: cannot open channel: " + err);
  }
  while ((rc = ssh_channel_request_exec(ch, command.c_str())) == SSH_AGAIN) {
    if (now_ms() >= deadline_ms) {
      finish(true);
      return fail<ExecResult>(FailureKind::Timeout, false, timeout_msg);
    }
    wait_readable(deadline_ms);
  }
  if (rc != SSH_OK) {
    std::string err = ssh_get_error(session_);
    if (!ssh_is_connected(session_)) broken_ = true;
    finish(false);
    return fail<ExecResult>(FailureKind::Io, true,
                            where() + ": io error: exec request refused: " + err);
  }

  // The command gets an empty stdin, so one that reads it (cat, a prompt) ends instead
  // of hanging until the timeout.
  if (ssh_channel_send_eof(ch) == SSH_ERROR) {
    std::string err = ssh_get_error(session_);
    broken_ = true;
    finish(false);
    return fail<ExecResult>(FailureKind::Io, false,
                            where() + ": io error while running: " + shown + ": " + err);
  }

  ExecResult result;
  bool eof[2] = {false, false};
  std::string* sink[2] = {&result.out, &result.err};
  char buf[kChunk];
  while (!(eof[0] && eof[1])) {
    bool progress = false;
    for (int stream = 0; stream < 2; ++stream) {
      while (!eof[stream]) {
        int n = ssh_channel_read_nonblocking(ch, buf, sizeof buf, stream);
        if (n > 0) {
          sink[stream]->append(buf, static_cast<size_t>(n));
          progress = true;
        } else if (n == 0) {
          break;
        } else if (n == SSH_ERROR) {
          std::string err = ssh_get_error(session_);
          broken_ = true;
          finish(false);
          return fail<ExecResult>(FailureKind::Io, false,
                                  where() + ": io error while running: " + shown + ": " + err);
        } else {
          eof[stream] = true;  // SSH_EOF: remote sent EOF and the buffer is drained
        }
      }
    }
    if (progress) continue;
    if (ssh_channel_is_closed(ch)) break;
    if (now_ms() >= deadline_ms) {
      finish(true);
      return fail<ExecResult>(FailureKind::Timeout, false, timeout_msg);
    }
    wait_readable(deadline_ms);
    if (broken_) break;
  }

  // The exit status arrives as a channel request around EOF/close; wait for it. A
  // command killed by a signal sends exit-signal instead and leaves it at -1.
  while (true) {
    if (!ssh_is_connected(session_) || broken_) {
      broken_ = true;
      finish(false);
      return fail<ExecResult>(FailureKind::Io, false,
                              where() + ": io error: connection lost while running: " + shown);
    }
    int status = ssh_channel_get_exit_status(ch);
    if (status != -1) {
      result.exit_status = status;
      break;
    }
    if (ssh_channel_is_closed(ch)) break;
    if (now_ms() >= deadline_ms) {
      finish(true);
      return fail<ExecResult>(FailureKind::Timeout, false, timeout_msg);
    }
    wait_readable(deadline_ms);
  }
  finish(false);
  return success(std::move(result));
}

namespace {

// RAII for the descriptor and SFTP handles used by one transfer.
struct SftpScope {
  ssh_session session;
  sftp_session sftp = nullptr;
  sftp_file file = nullptr;
  int fd = -1;
  explicit SftpScope(ssh_session s) : session(s) { ssh_set_blocking(session, 1); }
  ~SftpScope() {
    if (file != nullptr) sftp_close(file);
    if (sftp != nullptr) sftp_free(sftp);
    if (fd >= 0) ::close(fd);
    ssh_set_blocking(session, 0);
  }
  std::string error() const {
    std::string e = ssh_get_error(session);
    if (sftp != nullptr) e += " (sftp code " + std::to_string(sftp_get_error(sftp)) + ")";
    return e;
  }
};

bool write_all(int fd, const char* data, size_t len) {
  while (len > 0) {
    ssize_t n = ::write(fd, data, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    len -= static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

Attempt<bool> Session::upload(const std::filesystem::path& local, const std::string& remote,
                              int mode) {
  SftpScope scope(session_);
  scope.fd = ::open(local.c_str(), O_RDONLY | O_CLOEXEC);
  if (scope.fd < 0) {
    return fail<bool>(FailureKind::Config, false,
                      where() + ": cannot read local file " + local.string() + ": " +
                          std::strerror(errno));
  }
  // SFTP is opened per transfer: it is a channel of its own, and keeping it would pin
  // the channel's window for the life of the pool.
  scope.sftp = sftp_new(session_);
  if (scope.sftp == nullptr || sftp_init(scope.sftp) != SSH_OK) {
    broken_ = !ssh_is_connected(session_);
    return fail<bool>(FailureKind::Io, broken_,
                      where() + ": io error: cannot start sftp: " + scope.error());
  }
  const std::string tmp = remote + ".faultline-tmp";
  scope.file = sftp_open(scope.sftp, tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                         static_cast<mode_t>(mode));
  if (scope.file == nullptr) {
    return fail<bool>(FailureKind::Io, false,
                      where() + ": cannot create remote " + tmp + ": " + scope.error());
  }
  char buf[kChunk];
  while (true) {
    ssize_t n = ::read(scope.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return fail<bool>(FailureKind::Config, false,
                        where() + ": error reading local file " + local.string() + ": " +
                            std::strerror(errno));
    }
    if (n == 0) break;
    size_t off = 0;
    while (off < static_cast<size_t>(n)) {
      ssize_t w = sftp_write(scope.file, buf + off, static_cast<size_t>(n) - off);
      if (w <= 0) {
        broken_ = !ssh_is_connected(session_);
        return fail<bool>(FailureKind::Io, false,
                          where() + ": io error writing remote " + tmp + ": " + scope.error());
      }
      off += static_cast<size_t>(w);
    }
  }
  int rc = sftp_close(scope.file);
  scope.file = nullptr;
  if (rc != SSH_OK) {
    return fail<bool>(FailureKind::Io, false,
                      where() + ": io error closing remote " + tmp + ": " + scope.error());
  }
  // sftp_open's mode is filtered by the server's umask; set it exactly.
  if (sftp_chmod(scope.sftp, tmp.c_str(), static_cast<mode_t>(mode)) != SSH_OK) {
    return fail<bool>(FailureKind::Io, false,
                      where() + ": cannot chmod remote " + tmp + ": " + scope.error());
  }
  if (sftp_rename(scope.sftp, tmp.c_str(), remote.c_str()) != SSH_OK) {
    // Without the posix-rename extension SFTP refuses to rename over an existing file.
    sftp_unlink(scope.sftp, remote.c_str());
    if (sftp_rename(scope.sftp, tmp.c_str(), remote.c_str()) != SSH_OK) {
      std::string err = scope.error();
      sftp_unlink(scope.sftp, tmp.c_str());
      return fail<bool>(FailureKind::Io, false,
                        where() + ": cannot move " + tmp + " to " + remote + ": " + err);
    }
  }
  return success(true);
}

Attempt<bool> Session::download(const std::string& remote, const std::filesystem::path& local) {
  SftpScope scope(session_);
  scope.sftp = sftp_new(session_);
  if (scope.sftp == nullptr || sftp_init(scope.sftp) != SSH_OK) {
    broken_ = !ssh_is_connected(session_);
    return fail<bool>(FailureKind::Io, broken_,
                      where() + ": io error: cannot start sftp: " + scope.error());
  }
  sftp_attributes attrs = sftp_stat(scope.sftp, remote.c_str());
  if (attrs == nullptr) {
    return fail<bool>(FailureKind::Io, false,
                      where() + ": cannot stat remote " + remote + ": " + scope.error());
  }
  const mode_t mode = static_cast<mode_t>(attrs->permissions & 07777);
  sftp_attributes_free(attrs);
  scope.file = sftp_open(scope.sftp, remote.c_str(), O_RDONLY, 0);
  if (scope.file == nullptr) {
    return fail<bool>(FailureKind::Io, false,
                      where() + ": cannot open remote " + remote + ": " + scope.error());
  }
  std::filesystem::path tmp = local;
  tmp += ".faultline-tmp";
  scope.fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (scope.fd < 0) {
    return fail<bool>(FailureKind::Config, false,
                      where() + ": cannot create local file " + tmp.string() + ": " +
                          std::strerror(errno));
  }
  char buf[kChunk];
  while (true) {
    ssize_t n = sftp_read(scope.file, buf, sizeof buf);
    if (n < 0) {
      broken_ = !ssh_is_connected(session_);
      ::unlink(tmp.c_str());
      return fail<bool>(FailureKind::Io, false,
                        where() + ": io error reading remote " + remote + ": " + scope.error());
    }
    if (n == 0) break;
    if (!write_all(scope.fd, buf, static_cast<size_t>(n))) {
      std::string err = std::strerror(errno);
      ::unlink(tmp.c_str());
      return fail<bool>(FailureKind::Config, false,
                        where() + ": error writing local " + tmp.string() + ": " + err);
    }
  }
  if (::fchmod(scope.fd, mode) != 0 || ::close(scope.fd) != 0) {
    scope.fd = -1;
    std::string err = std::strerror(errno);
    ::unlink(tmp.c_str());
    return fail<bool>(FailureKind::Config, false,
                      where() + ": error finishing local " + tmp.string() + ": " + err);
  }
  scope.fd = -1;
  std::error_code ec;
  std::filesystem::rename(tmp, local, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return fail<bool>(FailureKind::Config, false,
                      where() + ": cannot move " + tmp.string() + " to " + local.string());
  }
  return success(true);
}

// ---------------------------------------------------------------------------------
// Pool

Pool::Pool(std::vector<NodeSpec> nodes, SshOptions options)
    : nodes_(std::move(nodes)), options_(options) {
  slots_.reserve(nodes_.size());
  for (size_t i = 0; i < nodes_.size(); ++i) {
    // One jitter stream per node, so a node's backoffs do not depend on the others.
    slots_.push_back(std::make_unique<Slot>(nodes_[i], base::mix64(options_.seed ^ (i + 1))));
  }
}

Pool::~Pool() = default;

const std::vector<NodeSpec>& Pool::nodes() const { return nodes_; }

Pool::Slot* Pool::find(const std::string& node) {
  for (auto& slot : slots_) {
    if (slot->spec.name == node) return slot.get();
  }
  return nullptr;
}

void Pool::backoff(Slot& slot, int attempt, int64_t deadline_ms, bool bounded) {
  const int shift = std::min(attempt - 1, 20);
  const int64_t base = std::min<int64_t>(std::max<int64_t>(options_.backoff_ms, 0) << shift, 30000);
  int64_t wait = base <= 0 ? 0 : slot.random.between(base / 2, base);
  if (bounded) wait = std::min(wait, deadline_ms - now_ms());
  if (wait > 0) std::this_thread::sleep_for(std::chrono::milliseconds(wait));
}

template <class T, class Op>
base::Result<T> Pool::with_session(Slot& slot, int64_t deadline_ms, bool bounded,
                                   const std::string& timeout_message, Op&& op) {
  int failures = 0;          // transient failures so far, each followed by a backoff
  bool free_reconnect = true;  // a pooled session found dead is replaced without a retry
  std::string last;
  while (true) {
    const bool pooled = slot.session != nullptr;
    if (!pooled) {
      int64_t budget = options_.connect_timeout_ms;
      if (bounded) {
        const int64_t remaining = deadline_ms - now_ms();
        if (remaining <= 0) {
          return base::Error{timeout_message + (last.empty() ? "" : " (last error: " + last + ")")};
        }
        budget = std::min(budget, remaining);
      }
      auto c = Session::connect(slot.spec, options_, budget);
      if (!c.ok()) {
        last = c.failure->message;
        if (!transient(c.failure->kind)) return base::Error{last};
        if (failures >= options_.retries) {
          return base::Error{last + " (gave up after " + std::to_string(failures + 1) +
                             " attempts)"};
        }
        ++failures;
        FL_LOG(Debug, last << "; retry " << failures << "/" << options_.retries);
        backoff(slot, failures, deadline_ms, bounded);
        continue;
      }
      slot.session = std::move(c.value);
    }
    Attempt<T> r = op(*slot.session, deadline_ms);
    if (r.ok()) return std::move(r.value);
    const Failure& f = *r.failure;
    if (!slot.session->healthy() || f.before_exec) slot.session.reset();
    // Only failures before the command started are retried: running a command twice
    // is not safe in general.
    if (!(f.before_exec && transient(f.kind))) return base::Error{f.message};
    last = f.message;
    if (pooled && free_reconnect) {
      // Most likely the pooled session died since its last use (sshd restarted, the
      // node rebooted): reconnect at once.
      free_reconnect = false;
      continue;
    }
    if (failures >= options_.retries) {
      return base::Error{last + " (gave up after " + std::to_string(failures + 1) + " attempts)"};
    }
    ++failures;
    FL_LOG(Debug, last << "; retry " << failures << "/" << options_.retries);
    backoff(slot, failures, deadline_ms, bounded);
  }
}

std::string remote_command(const std::string& user, const std::string& command) {
  // sh -c even for root, so the command means the same whatever the login shell is;
  // sudo -n never prompts (a password prompt would hang until the timeout).
  return (user == "root" ? "sh -c " : "sudo -n sh -c ") + shell_quote(command);
}

base::Result<ExecResult> Pool::exec(const std::string& node, const std::string& command,
                                    int64_t timeout_ms) {
  Slot* slot = find(node);
  if (slot == nullptr) return base::Error{"node " + node + ": not in the nodes list"};
  const std::string wrapped = remote_command(slot->spec.user, command);
  const int64_t deadline = now_ms() + timeout_ms;
  const std::string timeout_message = "node " + node + ": timed out after " +
                                      std::to_string(timeout_ms) + " ms running: " + command;
  std::lock_guard<std::mutex> lock(slot->mu);
  return with_session<ExecResult>(
      *slot, deadline, true, timeout_message, [&](Session& s, int64_t dl) {
        return s.exec(wrapped, command, dl, timeout_ms);
      });
}

base::Result<ExecResult> Pool::exec_argv(const std::string& node,
                                         const std::vector<std::string>& argv,
                                         int64_t timeout_ms) {
  return exec(node, shell_join(argv), timeout_ms);
}

base::Status Pool::upload(const std::string& node, const std::filesystem::path& local,
                          const std::string& remote, int mode) {
  Slot* slot = find(node);
  if (slot == nullptr) return base::Error{"node " + node + ": not in the nodes list"};
  std::lock_guard<std::mutex> lock(slot->mu);
  auto r = with_session<bool>(*slot, 0, false, "", [&](Session& s, int64_t) {
    return s.upload(local, remote, mode);
  });
  if (!r.ok()) return r.error();
  return base::ok_status();
}

base::Status Pool::download(const std::string& node, const std::string& remote,
                            const std::filesystem::path& local) {
  Slot* slot = find(node);
  if (slot == nullptr) return base::Error{"node " + node + ": not in the nodes list"};
  std::lock_guard<std::mutex> lock(slot->mu);
  auto r = with_session<bool>(*slot, 0, false, "", [&](Session& s, int64_t) {
    return s.download(remote, local);
  });
  if (!r.ok()) return r.error();
  return base::ok_status();
}

std::vector<base::Status> Pool::on_nodes(
    const std::vector<std::string>& nodes,
    const std::function<base::Status(const std::string&)>& fn) {
  std::vector<base::Status> results(nodes.size(), base::ok_status());
  std::vector<std::thread> threads;
  threads.reserve(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    threads.emplace_back([&, i] {
      // fn is the caller's code; an exception must not escape a thread (terminate).
      try {
        results[i] = fn(nodes[i]);
      } catch (const std::exception& e) {
        results[i] = base::Error{"node " + nodes[i] + ": " + e.what()};
      } catch (...) {
        results[i] = base::Error{"node " + nodes[i] + ": unknown exception"};
      }
    });
  }
  for (auto& t : threads) t.join();
  return results;
}

void Pool::disconnect(const std::string& node) {
  Slot* slot = find(node);
  if (slot == nullptr) return;
  std::lock_guard<std::mutex> lock(slot->mu);
  slot->session.reset();
}

}  // namespace faultline::harness::control
