#pragma once
// History writers. JsonlWriter appends ops to history.jsonl as they happen and makes
// them durable in batches: after every `batch_ops` ops or `batch_interval_ns` since the
// last sync (whichever comes first) the buffer is written and fsync'd, so a controller
// that dies mid-run leaves a checkable prefix (at most one batch is lost; a partly
// written last line is reported by the reader, not mistaken for an op).
// Not thread-safe: the runner serialises appends (one writer thread or a mutex).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "history/op.h"

namespace faultline::history {

struct WriterOptions {
  int64_t batch_ops = 64;
  int64_t batch_interval_ns = 50'000'000;  // 50 ms
  const base::Clock* clock = nullptr;      // nullptr: base::real_clock()
};

class JsonlWriter {
 public:
  // Creates (truncates) the file. Error names the path and errno text.
  static base::Result<std::unique_ptr<JsonlWriter>> open(const std::filesystem::path& path,
                                                         WriterOptions options = {});
  ~JsonlWriter();  // syncs what is buffered; errors there are logged
  JsonlWriter(const JsonlWriter&) = delete;
  JsonlWriter& operator=(const JsonlWriter&) = delete;

  // Buffers one op; syncs when a batch is full or old enough.
  base::Status append(const Op& op);
  // Writes everything buffered and fsyncs it.
  base::Status sync();
  int64_t synced_ops() const { return synced_ops_; }

 private:
  JsonlWriter(int fd, std::filesystem::path path, WriterOptions options);
  int fd_;
  std::filesystem::path path_;
  WriterOptions options_;
  std::string buffer_;
  int64_t buffered_ops_ = 0;
  int64_t synced_ops_ = 0;
  int64_t last_sync_ns_ = 0;
};

// Jepsen EDN export: a vector of op maps, one per line, readable by Jepsen and Knossos.
// Ops with a key are written as independent tuples, `:value [key value]`.
void write_edn(std::ostream& out, const std::vector<Op>& ops);
void write_edn_op(std::ostream& out, const Op& op);

}  // namespace faultline::history
