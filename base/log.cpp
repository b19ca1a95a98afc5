#include "base/log.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace faultline::base {
namespace {
std::atomic<LogLevel> g_level{LogLevel::Info};
std::mutex g_mutex;

const char* level_name(LogLevel level) {
  switch (level) {
    case LogLevel::Debug: return "debug";
    case LogLevel::Info: return "info";
    case LogLevel::Warn: return "warning";
    case LogLevel::Error: return "error";
  }
  return "?";
}
}  // namespace

void set_log_level(LogLevel level) { g_level = level; }

void log_line(LogLevel level, std::string_view message) {
  if (level < g_level.load()) return;
  std::lock_guard<std::mutex> lock(g_mutex);
  std::fprintf(stderr, "%s: %.*s\n", level_name(level), static_cast<int>(message.size()),
               message.data());
}

void panic(const char* file, int line, std::string_view message) {
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    std::fprintf(stderr, "PANIC %s:%d: %.*s\n", file, line, static_cast<int>(message.size()),
                 message.data());
    std::fflush(stderr);
  }
  std::abort();
}

}  // namespace faultline::base
