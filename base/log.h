#pragma once
// Logging and FL_PANIC, the first of the three error tiers (STYLE.md §9): a broken
// invariant is a bug in faultline itself, so it is logged with its place and the
// process aborts. Logging goes to stderr; calls are thread-safe (one line at a time).

#include <cstdint>
#include <optional>
#include <sstream>
#include <string_view>

namespace faultline::base {

enum class LogLevel { Debug, Info, Warn, Error };

void set_log_level(LogLevel level);
// With timestamps on (the servers turn them on; the controller leaves them off), every
// line starts with the wall-clock time in UTC to the microsecond and a space:
// "2026-12-02T17:53:10.123456Z info: n2: ...". A node's log line can then be placed on the
// run's timeline (the log checker's time of the first anomaly).
void set_log_timestamps(bool on);
void log_line(LogLevel level, std::string_view message);
// The time a line written with timestamps starts with, in microseconds since the Unix
// epoch; nullopt when the line does not start with one.
std::optional<int64_t> log_line_time_us(std::string_view line);
[[noreturn]] void panic(const char* file, int line, std::string_view message);

}  // namespace faultline::base

#define FL_LOG(level, expr)                                                   \
  do {                                                                        \
    std::ostringstream fl_log_stream_;                                        \
    fl_log_stream_ << expr;                                                   \
    ::faultline::base::log_line(::faultline::base::LogLevel::level,           \
                                fl_log_stream_.str());                        \
  } while (0)

// FL_PANIC("commit index went from " << a << " to " << b);
#define FL_PANIC(expr)                                                        \
  do {                                                                        \
    std::ostringstream fl_panic_stream_;                                      \
    fl_panic_stream_ << expr;                                                 \
    ::faultline::base::panic(__FILE__, __LINE__, fl_panic_stream_.str());     \
  } while (0)

#define FL_CHECK(cond)                                                        \
  do {                                                                        \
    if (!(cond)) FL_PANIC("check failed: " #cond);                            \
  } while (0)
