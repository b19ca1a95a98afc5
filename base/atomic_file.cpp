#include "base/atomic_file.h"

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <string>

namespace faultline::base {

namespace fs = std::filesystem;

base::Status write_file_atomically(const fs::path& file, std::string_view content) {
  static std::atomic<unsigned> counter{0};
  const fs::path tmp = file.parent_path() / ("." + file.filename().string() + ".tmp." + std::to_string(::getpid()) +
                                             "." + std::to_string(counter++));
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.close();
    if (!out) {
      std::error_code ec;
      fs::remove(tmp, ec);
      return base::Error{file.string() + ": cannot write (disk full or directory missing?)"};
    }
  }
  std::error_code ec;
  fs::rename(tmp, file, ec);
  if (ec) {
    const std::string why = ec.message();
    fs::remove(tmp, ec);
    return base::Error{file.string() + ": " + why};
  }
  return base::ok_status();
}

}  // namespace faultline::base
