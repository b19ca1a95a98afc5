// read_history: opens a history file, picks its format and hands it to the format's
// reader (jsonl_reader.cpp, edn_reader.cpp). See history/reader.h for the contract.

#include "history/reader.h"

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <streambuf>
#include <system_error>

namespace faultline::history {
namespace {

constexpr size_t kSniffBytes = 64 * 1024;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

std::optional<Format> format_from_extension(const std::filesystem::path& path) {
  const std::string ext = lower(path.extension().string());
  if (ext == ".jsonl" || ext == ".json") return Format::Jsonl;
  if (ext == ".edn") return Format::Edn;
  return std::nullopt;
}

// reader.h: '{' followed (after optional blanks) by '"' is a JSON object, anything else
// EDN (whose maps start `{:`). A file with no non-blank byte in the sniffed prefix is
// read as JSONL: both formats give zero ops for it, and JSONL is the cheaper reader.
Format format_from_content(std::string_view prefix) {
  size_t i = 0;
  while (i < prefix.size() && is_space(prefix[i])) ++i;
  if (i == prefix.size()) return Format::Jsonl;
  if (prefix[i] != '{') return Format::Edn;
  ++i;
  while (i < prefix.size() && is_space(prefix[i])) ++i;
  return i < prefix.size() && prefix[i] == '"' ? Format::Jsonl : Format::Edn;
}

// Serves the bytes already read for sniffing, then the rest of the underlying stream.
// Used only when the file cannot seek back (a pipe such as /dev/stdin or <(zcat ...)).
class PrefixedStreambuf final : public std::streambuf {
 public:
  PrefixedStreambuf(std::string prefix, std::streambuf* rest)
      : prefix_(std::move(prefix)), rest_(rest) {
    char* p = prefix_.data();
    setg(p, p, p + prefix_.size());
  }

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    const auto n = rest_->sgetn(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
    if (n <= 0) return traits_type::eof();
    setg(buffer_.data(), buffer_.data(), buffer_.data() + n);
    return traits_type::to_int_type(*gptr());
  }

  std::streamsize xsgetn(char* s, std::streamsize count) override {
    std::streamsize done = 0;
    const std::streamsize buffered = std::min<std::streamsize>(count, egptr() - gptr());
    if (buffered > 0) {
      std::memcpy(s, gptr(), static_cast<size_t>(buffered));
      gbump(static_cast<int>(buffered));
      done = buffered;
    }
    // Large reads go straight to the underlying buffer, without a copy through ours.
    if (done < count) done += rest_->sgetn(s + done, count - done);
    return done;
  }

 private:
  std::string prefix_;
  std::streambuf* rest_;
  std::array<char, 64 * 1024> buffer_{};
};

}  // namespace

std::optional<Format> format_from_string(std::string_view s) {
  if (s == "auto") return Format::Auto;
  if (s == "jsonl") return Format::Jsonl;
  if (s == "edn") return Format::Edn;
  return std::nullopt;
}

base::Result<ReadSummary> read_history(const std::filesystem::path& path, Format format,
                                       const OpSink& sink) {
  const std::string name = path.string();
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return base::Error{name + ": cannot open: " + std::strerror(EISDIR)};
  }
  errno = 0;
  std::ifstream file(path, std::ios::binary);
  if (!file.is_open()) {
    const int err = errno != 0 ? errno : ENOENT;
    return base::Error{name + ": cannot open: " + std::strerror(err)};
  }

  std::istream* in = &file;
  std::optional<PrefixedStreambuf> prefixed;
  std::optional<std::istream> prefixed_stream;
  if (format == Format::Auto) format = format_from_extension(path).value_or(Format::Auto);
  if (format == Format::Auto) {
    std::string prefix(kSniffBytes, '\0');
    file.read(prefix.data(), static_cast<std::streamsize>(prefix.size()));
    prefix.resize(static_cast<size_t>(file.gcount()));
    if (file.bad()) return base::Error{name + ": read error"};
    format = format_from_content(prefix);
    file.clear();
    if (!file.seekg(0)) {
      file.clear();
      prefixed.emplace(std::move(prefix), file.rdbuf());
      prefixed_stream.emplace(&*prefixed);
      in = &*prefixed_stream;
    }
  }

  auto result = format == Format::Edn ? read_edn(*in, name, sink) : read_jsonl(*in, name, sink);
  if (result.ok() && file.bad()) return base::Error{name + ": read error"};
  return result;
}

base::Result<std::vector<Op>> read_all(const std::filesystem::path& path, Format format,
                                       std::vector<std::string>* warnings) {
  std::vector<Op> ops;
  auto summary = read_history(path, format, [&](Op&& op) { ops.push_back(std::move(op)); });
  if (!summary.ok()) return summary.error();
  if (warnings != nullptr) {
    for (auto& w : summary->warnings) warnings->push_back(std::move(w));
  }
  return ops;
}

}  // namespace faultline::history
