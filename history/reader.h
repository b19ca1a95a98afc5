#pragma once
// Streaming history readers. A history is read one op at a time and handed to a sink
// in file order, so a multi-GB file is never held whole. Formats: JSONL (ours,
// DESIGN.md) and Jepsen EDN (a vector/list of op maps, or maps one after another).
// Called from one thread; the sink runs on the caller's thread.
//
// Errors name the file, the line and what was expected, e.g.
//   history.jsonl:17: expected "type" to be one of invoke|ok|fail|info, got "okk"
// A truncated last line (no newline at the end of a JSONL file and not parseable, as a
// controller killed mid-write leaves it) is not an error: it is skipped and reported
// in ReadSummary::warnings, so the prefix can still be checked.

#include <filesystem>
#include <functional>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "history/op.h"

namespace faultline::history {

enum class Format { Auto, Jsonl, Edn };

// "auto", "jsonl", "edn" -> Format.
std::optional<Format> format_from_string(std::string_view s);

using OpSink = std::function<void(Op&&)>;

struct ReadSummary {
  int64_t ops = 0;                    // ops handed to the sink
  std::vector<std::string> warnings;  // each names file and line
};

// Auto picks by extension (.jsonl/.json -> JSONL, .edn -> EDN), else by the first
// non-blank character ('{' at line start followed by '"' -> JSONL, else EDN).
base::Result<ReadSummary> read_history(const std::filesystem::path& path, Format format,
                                       const OpSink& sink);

// `name` is used in messages in place of a file name.
base::Result<ReadSummary> read_jsonl(std::istream& in, std::string_view name, const OpSink& sink);
base::Result<ReadSummary> read_edn(std::istream& in, std::string_view name, const OpSink& sink);

// Convenience for tests and small files: collects every op.
base::Result<std::vector<Op>> read_all(const std::filesystem::path& path, Format format,
                                       std::vector<std::string>* warnings = nullptr);

}  // namespace faultline::history
