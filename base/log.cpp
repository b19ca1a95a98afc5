#include "base/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>

namespace faultline::base {
namespace {
std::atomic<LogLevel> g_level{LogLevel::Info};
std::atomic<bool> g_timestamps{false};
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
void set_log_timestamps(bool on) { g_timestamps = on; }

void log_line(LogLevel level, std::string_view message) {
  if (level < g_level.load()) return;
  char stamp[40] = "";
  if (g_timestamps.load()) {
    const int64_t us = std::chrono::duration_cast<std::chrono::microseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
    const std::time_t seconds = static_cast<std::time_t>(us / 1'000'000);
    std::tm utc{};
    ::gmtime_r(&seconds, &utc);
    const size_t n = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
    std::snprintf(stamp + n, sizeof stamp - n, ".%06lldZ ", static_cast<long long>(us % 1'000'000));
  }
  std::lock_guard<std::mutex> lock(g_mutex);
  std::fprintf(stderr, "%s%s: %.*s\n", stamp, level_name(level), static_cast<int>(message.size()),
               message.data());
}

std::optional<int64_t> log_line_time_us(std::string_view line) {
  // "YYYY-MM-DDTHH:MM:SS.uuuuuuZ " : 28 characters, digits where the format has them.
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd.ddddddZ ";
  if (line.size() < kShape.size()) return std::nullopt;
  for (size_t i = 0; i < kShape.size(); ++i) {
    const bool digit = line[i] >= '0' && line[i] <= '9';
    if (kShape[i] == 'd' ? !digit : line[i] != kShape[i]) return std::nullopt;
  }
  auto number = [&](size_t from, size_t count) {
    int64_t n = 0;
    for (size_t i = from; i < from + count; ++i) n = n * 10 + (line[i] - '0');
    return n;
  };
  std::tm utc{};
  utc.tm_year = static_cast<int>(number(0, 4)) - 1900;
  utc.tm_mon = static_cast<int>(number(5, 2)) - 1;
  utc.tm_mday = static_cast<int>(number(8, 2));
  utc.tm_hour = static_cast<int>(number(11, 2));
  utc.tm_min = static_cast<int>(number(14, 2));
  utc.tm_sec = static_cast<int>(number(17, 2));
  const std::time_t seconds = ::timegm(&utc);
  if (seconds == static_cast<std::time_t>(-1)) return std::nullopt;
  return static_cast<int64_t>(seconds) * 1'000'000 + number(20, 6);
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
