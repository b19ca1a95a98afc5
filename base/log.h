#pragma once
// Logging and FL_PANIC, the first of the three error tiers (STYLE.md §9): a broken
// invariant is a bug in faultline itself, so it is logged with its place and the
// process aborts. Logging goes to stderr; calls are thread-safe (one line at a time).

#include <sstream>
#include <string_view>

namespace faultline::base {

enum class LogLevel { Debug, Info, Warn, Error };

void set_log_level(LogLevel level);
void log_line(LogLevel level, std::string_view message);
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
