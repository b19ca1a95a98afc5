// Tests of the JSONL history reader and writer, and of read_history's format choice.

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/test/temp_dir.h"
#include "base/clock.h"
#include "history/reader.h"
#include "history/writer.h"

namespace faultline::history {
namespace {

namespace fs = std::filesystem;

// A fresh directory per test, removed with everything in it at the end.
using base::TempDir;

void write_file(const fs::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

struct Read {
  base::Result<ReadSummary> summary;
  std::vector<Op> ops;
};

Read read_text(std::string_view text, std::string_view name = "h.jsonl") {
  std::istringstream in{std::string(text)};
  std::vector<Op> ops;
  auto summary = read_jsonl(in, name, [&](Op&& op) { ops.push_back(std::move(op)); });
  return Read{std::move(summary), std::move(ops)};
}

std::string error_of(const Read& r) {
  return r.summary.ok() ? "(no error)" : r.summary.error().message;
}

// The ops of the test histories: every field, both kinds of process, every type, and
// values the reader's fast path does not handle itself (floats, escapes, UTF-8).
Op sample_op(int64_t i) {
  Op op;
  op.index = i;
  op.time = 1'000'000 + i * 977;
  op.process = i % 7 == 6 ? Process::named("nemesis") : Process::client(i % 5);
  op.node = "n" + std::to_string(i % 3 + 1);
  op.type = static_cast<OpType>(i % 4);
  op.f = i % 2 == 0 ? "cas" : "read";
  if (i % 3 != 0) op.key = Value("k" + std::to_string(i % 10));
  switch (i % 6) {
    case 0: op.value = Value::array({i, -i}); break;
    case 1: op.value = Value(nullptr); break;
    case 2: op.value = Value{{"n1", Value::array({"n3", "n4"})}, {"ratio", 0.25}}; break;
    case 3: op.value = Value("quote \" backslash \\ tab \t snow \u2603"); break;
    case 4: op.value = Value(-1.5e300); break;
    default: op.value = Value::array({Value::array({"append", i, Value::array({1, 2})}), true});
  }
  if (op.type == OpType::Fail) op.error = Value::array({"not-found", i});
  if (op.type == OpType::Info) op.error = Value("timeout");
  return op;
}

// ---- reader -------------------------------------------------------------------------

TEST(JsonlReader, ReadsOpsInOrderWithLineNumbers) {
  auto r = read_text(
      R"({"index":17,"time":812345678,"process":3,"node":"n2","type":"invoke","f":"cas","key":"k7","value":[1,4]})"
      "\n"
      R"({"index":18,"time":815001234,"process":3,"node":"n2","type":"ok","f":"cas","key":"k7","value":[1,4]})"
      "\n"
      R"({"index":19,"time":830000000,"process":"nemesis","type":"info","f":"start-partition","value":{"n1":["n3","n4"]}})"
      "\n");
  ASSERT_TRUE(r.summary.ok()) << error_of(r);
  EXPECT_EQ(r.summary->ops, 3);
  EXPECT_TRUE(r.summary->warnings.empty());
  ASSERT_EQ(r.ops.size(), 3u);
  EXPECT_EQ(r.ops[0].index, 17);
  EXPECT_EQ(r.ops[0].time, 812345678);
  EXPECT_EQ(r.ops[0].process, Process::client(3));
  EXPECT_EQ(r.ops[0].node, "n2");
  EXPECT_EQ(r.ops[0].type, OpType::Invoke);
  EXPECT_EQ(r.ops[0].f, "cas");
  EXPECT_EQ(r.ops[0].key, Value("k7"));
  EXPECT_EQ(r.ops[0].value, Value::array({1, 4}));
  EXPECT_TRUE(r.ops[0].error.is_null());
  EXPECT_EQ(r.ops[0].line, 1);
  EXPECT_EQ(r.ops[1].type, OpType::Ok);
  EXPECT_EQ(r.ops[1].line, 2);
  EXPECT_EQ(r.ops[2].process, Process::named("nemesis"));
  EXPECT_FALSE(r.ops[2].key.has_value());
  EXPECT_EQ(r.ops[2].value, (Value{{"n1", Value::array({"n3", "n4"})}}));
  EXPECT_EQ(r.ops[2].line, 3);
}

// Every line goes through a hand-written fast parser first and through nlohmann::json
// when the fast parser declines; either way the op must be what op_from_json makes of
// the line. These lines sit on both sides of that boundary.
TEST(JsonlReader, AgreesWithOpFromJsonOnUnusualLines) {
  const std::vector<std::string> lines = {
      R"({"process":0,"type":"invoke","f":"read"})",
      R"(  { "process" : 1 , "type" : "ok" , "f" : "read" , "value" : [ ] , "key" : { } }  )",
      "{\"process\":1,\t\"type\":\"ok\",\"f\":\"read\",\"value\":{}}\r",
      R"({"process":2,"type":"fail","f":"w","value":1.5,"error":"boom"})",
      R"({"process":2,"type":"fail","f":"w","value":-0,"index":-5,"time":0})",
      R"({"process":2,"type":"info","f":"w","value":"caf\u00e9 \"q\" \\"})",
      "{\"process\":2,\"type\":\"info\",\"f\":\"w\",\"value\":\"caf\xc3\xa9\"}",
      R"({"process":3,"type":"ok","f":"w","value":123456789012345678})",
      R"({"process":3,"type":"ok","f":"w","value":1234567890123456789})",
      R"({"process":3,"type":"ok","f":"w","value":18446744073709551615})",
      R"({"process":3,"type":"ok","f":"w","value":32222222222222222222222222})",
      R"({"process":3,"type":"ok","f":"w","value":-9223372036854775808})",
      R"({"process":3,"type":"ok","f":"w","value":1e3,"time":5})",
      R"({"process":3,"type":"ok","f":"w","value":[true,false,null,[[]],{"a":{"b":[1]}}]})",
      R"({"process":3,"type":"ok","f":"w","value":{"a":1,"a":2}})",
      R"({"process":3,"type":"invoke","type":"ok","f":"w"})",
      R"({"process":3,"type":"ok","f":"w","extra":[1,{"x":null}],"index":null})",
      R"({"process":3,"type":"ok","f":"w","key":null})",
      R"({"process":"nemesis","type":"info","f":"kill","node":""})",
  };
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  auto r = read_text(text);
  ASSERT_TRUE(r.summary.ok()) << error_of(r);
  ASSERT_EQ(r.ops.size(), lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    auto expected = op_from_json(Value::parse(lines[i]));
    ASSERT_TRUE(expected.ok()) << lines[i];
    EXPECT_EQ(to_json(r.ops[i]), to_json(*expected)) << lines[i];
    EXPECT_EQ(r.ops[i].value.type(), expected->value.type()) << lines[i];
    EXPECT_EQ(r.ops[i].key.has_value(), expected->key.has_value()) << lines[i];
    EXPECT_EQ(r.ops[i].index, expected->index) << lines[i];
    EXPECT_EQ(r.ops[i].line, static_cast<int64_t>(i + 1));
  }
}

TEST(JsonlReader, ReportsTruncatedLastLineAsWarning) {
  const std::string text =
      "{\"process\":0,\"type\":\"invoke\",\"f\":\"read\"}\n"
      "{\"process\":0,\"type\":\"ok\",\"f\":\"read\",\"value\":3}\n"
      "{\"process\":1,\"type\":\"invoke\",\"f\":\"wri";
  auto r = read_text(text);
  ASSERT_TRUE(r.summary.ok()) << error_of(r);
  EXPECT_EQ(r.summary->ops, 2);
  ASSERT_EQ(r.ops.size(), 2u);
  EXPECT_EQ(r.ops[1].value, Value(3));
  ASSERT_EQ(r.summary->warnings.size(), 1u);
  EXPECT_EQ(r.summary->warnings[0],
            "h.jsonl:3: truncated last line skipped (37 bytes, no newline: the writer was "
            "probably killed mid-write)");
}

TEST(JsonlReader, ReadsCompleteLastLineWithoutNewline) {
  auto r = read_text("{\"process\":0,\"type\":\"invoke\",\"f\":\"read\"}\n"
                     "{\"process\":0,\"type\":\"ok\",\"f\":\"read\",\"value\":3}");
  ASSERT_TRUE(r.summary.ok()) << error_of(r);
  EXPECT_EQ(r.summary->ops, 2);
  EXPECT_TRUE(r.summary->warnings.empty());
  EXPECT_EQ(r.ops.back().line, 2);
}

TEST(JsonlReader, ReportsMalformedMiddleLineWithNameLineAndColumn) {
  auto r = read_text("{\"process\":0,\"type\":\"invoke\",\"f\":\"read\"}\n"
                     "\n"
                     "{\"process\":0,\"type\":\"ok\"\n"
                     "{\"process\":0,\"type\":\"ok\",\"f\":\"read\",\"value\":3}\n");
  ASSERT_FALSE(r.summary.ok());
  EXPECT_EQ(r.summary.error().message,
            "h.jsonl:3: column 25: syntax error while parsing object - unexpected end of input; "
            "expected '}'");
}

TEST(JsonlReader, ReportsMalformedLastLineEndingInNewlineAsError) {
  auto r = read_text("{\"process\":0,\"type\":\"invoke\",\"f\":\"read\"}\n"
                     "{\"process\":0,\"type\":\"ok\",,}\n");
  ASSERT_FALSE(r.summary.ok());
  EXPECT_EQ(r.summary.error().message,
            "h.jsonl:2: column 26: syntax error while parsing object key - unexpected ','; "
            "expected string literal");
}

TEST(JsonlReader, ReportsBadFieldWithLineAndExpectation) {
  std::string text;
  for (int i = 0; i < 16; ++i) text += "{\"process\":0,\"type\":\"invoke\",\"f\":\"read\"}\n";
  text += "{\"process\":0,\"type\":\"okk\",\"f\":\"read\"}\n";
  auto r = read_text(text, "history.jsonl");
  ASSERT_FALSE(r.summary.ok());
  EXPECT_EQ(r.summary.error().message,
            "history.jsonl:17: expected \"type\" to be one of invoke|ok|fail|info, got \"okk\"");
}

TEST(JsonlReader, ReportsBadFieldOnUnterminatedLastLineAsError) {
  // A complete object is not a truncated write, so a bad field in it is still an error.
  auto r = read_text("{\"process\":0,\"type\":\"invoke\",\"f\":\"read\"}\n"
                     "{\"process\":-1,\"type\":\"ok\",\"f\":\"read\"}");
  ASSERT_FALSE(r.summary.ok());
  EXPECT_EQ(r.summary.error().message,
            "h.jsonl:2: expected \"process\" to be a non-negative integer or a name, got -1");
}

TEST(JsonlReader, ReportsLineThatIsNotAnObject) {
  auto r = read_text("[1,2]\n");
  ASSERT_FALSE(r.summary.ok());
  EXPECT_EQ(r.summary.error().message, "h.jsonl:1: expected \"op\" to be a JSON object, got [1,2]");
}

TEST(JsonlReader, SkipsBlankLinesButCountsThem) {
  auto r = read_text("\n   \n{\"process\":0,\"type\":\"invoke\",\"f\":\"read\"}\n\t\n\n"
                     "{\"process\":0,\"type\":\"ok\",\"f\":\"read\"}\n  \n   ");
  ASSERT_TRUE(r.summary.ok()) << error_of(r);
  ASSERT_EQ(r.ops.size(), 2u);
  EXPECT_EQ(r.ops[0].line, 3);
  EXPECT_EQ(r.ops[1].line, 6);
  EXPECT_TRUE(r.summary->warnings.empty());
}

TEST(JsonlReader, ReadsEmptyInput) {
  auto r = read_text("");
  ASSERT_TRUE(r.summary.ok()) << error_of(r);
  EXPECT_EQ(r.summary->ops, 0);
}

TEST(JsonlReader, ToleratesCrlfLineEndings) {
  auto r = read_text("{\"process\":0,\"type\":\"invoke\",\"f\":\"read\"}\r\n"
                     "\r\n"
                     "{\"process\":0,\"type\":\"ok\",\"f\":\"read\",\"value\":[1]}\r\n");
  ASSERT_TRUE(r.summary.ok()) << error_of(r);
  ASSERT_EQ(r.ops.size(), 2u);
  EXPECT_EQ(r.ops[1].value, Value::array({1}));
  EXPECT_EQ(r.ops[1].line, 3);
}

TEST(JsonlReader, ReadsLinesLongerThanItsReadBlock) {
  // The reader reads at most 1 MiB at a time; a 3 MiB line spans several reads.
  const std::string big(3 << 20, 'x');
  auto r = read_text("{\"process\":0,\"type\":\"invoke\",\"f\":\"read\"}\n"
                     "{\"process\":0,\"type\":\"ok\",\"f\":\"read\",\"value\":\"" + big + "\"}\n"
                     "{\"process\":1,\"type\":\"invoke\",\"f\":\"read\"}\n");
  ASSERT_TRUE(r.summary.ok()) << error_of(r);
  ASSERT_EQ(r.ops.size(), 3u);
  EXPECT_EQ(r.ops[1].value.get_ref<const std::string&>().size(), big.size());
  EXPECT_EQ(r.ops[2].line, 3);
}

TEST(JsonlReader, ReportsFirstBadLineOfManyBlocks) {
  // ~3 MiB: lines cross read-block boundaries; the op count and the first error line
  // must come out exact.
  std::string text;
  for (int i = 0; i < 30'000; ++i) text += to_json(sample_op(i)).dump() + "\n";
  text += "{\"process\":0,\"type\":\"ok\",\"f\":\"\"}\n";
  text += "{\"process\":0,\"type\":\"okk\",\"f\":\"read\"}\n";
  std::istringstream in(text);
  int64_t delivered = 0;
  bool in_order = true;
  auto summary = read_jsonl(in, "big.jsonl", [&](Op&& op) {
    in_order = in_order && op.index == delivered && op.line == delivered + 1;
    ++delivered;
  });
  ASSERT_FALSE(summary.ok());
  EXPECT_EQ(summary.error().message,
            "big.jsonl:30001: expected \"f\" to be a non-empty string, got \"\"");
  EXPECT_EQ(delivered, 30'000);
  EXPECT_TRUE(in_order);
}

// ---- writer -------------------------------------------------------------------------

TEST(JsonlWriter, RoundTripsManyOpsWithEveryField) {
  TempDir dir;
  const auto path = dir / "history.jsonl";
  std::vector<Op> written;
  {
    auto writer = JsonlWriter::open(path);
    ASSERT_TRUE(writer.ok()) << writer.error().message;
    for (int64_t i = 0; i < 2000; ++i) {
      written.push_back(sample_op(i));
      ASSERT_TRUE((*writer)->append(written.back()).ok());
    }
    ASSERT_TRUE((*writer)->sync().ok());
    EXPECT_EQ((*writer)->synced_ops(), 2000);
  }
  std::vector<std::string> warnings;
  auto read = read_all(path, Format::Auto, &warnings);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_TRUE(warnings.empty());
  ASSERT_EQ(read->size(), written.size());
  for (size_t i = 0; i < written.size(); ++i) {
    const Op& got = (*read)[i];
    EXPECT_EQ(to_json(got), to_json(written[i])) << "op " << i;
    EXPECT_EQ(got.process, written[i].process);
    EXPECT_EQ(got.key, written[i].key);
    EXPECT_EQ(got.line, static_cast<int64_t>(i + 1));
  }
}

TEST(JsonlWriter, SyncsAfterBatchOpsAndAfterInterval) {
  TempDir dir;
  const auto path = dir / "h.jsonl";
  base::FakeClock clock(1'000);
  WriterOptions options;
  options.batch_ops = 3;
  options.batch_interval_ns = 1'000'000;
  options.clock = &clock;
  auto opened = JsonlWriter::open(path, options);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  JsonlWriter& writer = **opened;
  auto line_bytes = [](int64_t i) { return to_json(sample_op(i)).dump().size() + 1; };

  ASSERT_TRUE(writer.append(sample_op(0)).ok());
  ASSERT_TRUE(writer.append(sample_op(1)).ok());
  EXPECT_EQ(fs::file_size(path), 0u);
  EXPECT_EQ(writer.synced_ops(), 0);
  ASSERT_TRUE(writer.append(sample_op(2)).ok());  // the batch is full
  const auto after_batch = line_bytes(0) + line_bytes(1) + line_bytes(2);
  EXPECT_EQ(fs::file_size(path), after_batch);
  EXPECT_EQ(writer.synced_ops(), 3);

  clock.advance_ns(999'999);
  ASSERT_TRUE(writer.append(sample_op(3)).ok());  // neither full nor old enough
  EXPECT_EQ(fs::file_size(path), after_batch);
  clock.advance_ns(1);
  ASSERT_TRUE(writer.append(sample_op(4)).ok());  // 1 ms since the last sync
  const auto after_interval = after_batch + line_bytes(3) + line_bytes(4);
  EXPECT_EQ(fs::file_size(path), after_interval);
  EXPECT_EQ(writer.synced_ops(), 5);

  // The interval counts from the last sync, not from the last append.
  clock.advance_ns(500'000);
  ASSERT_TRUE(writer.append(sample_op(5)).ok());
  EXPECT_EQ(fs::file_size(path), after_interval);
  ASSERT_TRUE(writer.sync().ok());
  EXPECT_EQ(fs::file_size(path), after_interval + line_bytes(5));
  EXPECT_EQ(writer.synced_ops(), 6);
  ASSERT_TRUE(writer.sync().ok());  // nothing buffered: a no-op
  EXPECT_EQ(writer.synced_ops(), 6);
}

TEST(JsonlWriter, DestructorWritesWhatIsBuffered) {
  TempDir dir;
  const auto path = dir / "h.jsonl";
  {
    auto writer = JsonlWriter::open(path, WriterOptions{.batch_ops = 100,
                                                        .batch_interval_ns = 1'000'000'000,
                                                        .clock = nullptr});
    ASSERT_TRUE(writer.ok()) << writer.error().message;
    ASSERT_TRUE((*writer)->append(sample_op(0)).ok());
    ASSERT_TRUE((*writer)->append(sample_op(1)).ok());
    EXPECT_EQ(fs::file_size(path), 0u);
  }
  auto read = read_all(path, Format::Jsonl);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->size(), 2u);
}

TEST(JsonlWriter, OpenTruncatesAnExistingFile) {
  TempDir dir;
  const auto path = dir / "h.jsonl";
  write_file(path, std::string(10'000, 'x'));
  {
    auto writer = JsonlWriter::open(path);
    ASSERT_TRUE(writer.ok()) << writer.error().message;
    ASSERT_TRUE((*writer)->append(sample_op(0)).ok());
  }
  auto read = read_all(path, Format::Jsonl);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->size(), 1u);
}

TEST(JsonlWriter, OpenReportsPathAndReason) {
  TempDir dir;
  const auto path = dir / "no-such-dir" / "h.jsonl";
  auto writer = JsonlWriter::open(path);
  ASSERT_FALSE(writer.ok());
  EXPECT_EQ(writer.error().message, path.string() + ": cannot open: No such file or directory");
}

TEST(JsonlWriter, ReplacesInvalidUtf8InsteadOfFailing) {
  TempDir dir;
  const auto path = dir / "h.jsonl";
  {
    auto writer = JsonlWriter::open(path);
    ASSERT_TRUE(writer.ok()) << writer.error().message;
    Op op = sample_op(0);
    op.value = Value("a\xff" "b");
    ASSERT_TRUE((*writer)->append(op).ok());
  }
  auto read = read_all(path, Format::Jsonl);
  ASSERT_TRUE(read.ok()) << read.error().message;
  ASSERT_EQ(read->size(), 1u);
  EXPECT_EQ((*read)[0].value, Value("a\xef\xbf\xbd" "b"));
}

// ---- read_history -------------------------------------------------------------------

constexpr std::string_view kJsonl =
    "{\"index\":0,\"process\":3,\"type\":\"invoke\",\"f\":\"cas\",\"value\":[1,4]}\n"
    "{\"index\":1,\"process\":3,\"type\":\"ok\",\"f\":\"cas\",\"value\":[1,4]}\n";
constexpr std::string_view kEdn =
    "[{:process 3, :type :invoke, :f :cas, :value [1 4]}\n"
    " {:process 3, :type :ok, :f :cas, :value [1 4]}\n"
    " {:process :nemesis, :type :info, :f :start, :value nil}]\n";

TEST(ReadHistory, PicksJsonlAndEdnByExtension) {
  TempDir dir;
  write_file(dir / "h.jsonl", kJsonl);
  write_file(dir / "h.JSON", kJsonl);
  write_file(dir / "h.edn", kEdn);
  for (const char* name : {"h.jsonl", "h.JSON"}) {
    auto ops = read_all(dir / name, Format::Auto);
    ASSERT_TRUE(ops.ok()) << ops.error().message;
    EXPECT_EQ(ops->size(), 2u) << name;
  }
  auto edn = read_all(dir / "h.edn", Format::Auto);
  ASSERT_TRUE(edn.ok()) << edn.error().message;
  ASSERT_EQ(edn->size(), 3u);
  EXPECT_EQ((*edn)[1].type, OpType::Ok);
  EXPECT_EQ((*edn)[1].value, Value::array({1, 4}));
  EXPECT_EQ((*edn)[2].process, Process::named("nemesis"));
}

TEST(ReadHistory, PicksFormatByContentWithoutKnownExtension) {
  TempDir dir;
  write_file(dir / "jsonl-history", std::string("\n  \n") + std::string(kJsonl));
  write_file(dir / "spaced.txt", "{ \"process\":0,\"type\":\"invoke\",\"f\":\"read\"}\n");
  write_file(dir / "edn-history", kEdn);
  write_file(dir / "edn-maps.log", "{:process 0, :type :invoke, :f :read}\n"
                                   "{:process 0, :type :ok, :f :read, :value 2}\n");
  auto jsonl = read_all(dir / "jsonl-history", Format::Auto);
  ASSERT_TRUE(jsonl.ok()) << jsonl.error().message;
  ASSERT_EQ(jsonl->size(), 2u);
  EXPECT_EQ((*jsonl)[0].line, 3);  // sniffing did not eat the leading blank lines
  auto spaced = read_all(dir / "spaced.txt", Format::Auto);
  ASSERT_TRUE(spaced.ok()) << spaced.error().message;
  EXPECT_EQ(spaced->size(), 1u);
  auto edn = read_all(dir / "edn-history", Format::Auto);
  ASSERT_TRUE(edn.ok()) << edn.error().message;
  EXPECT_EQ(edn->size(), 3u);
  auto maps = read_all(dir / "edn-maps.log", Format::Auto);
  ASSERT_TRUE(maps.ok()) << maps.error().message;
  ASSERT_EQ(maps->size(), 2u);
  EXPECT_EQ((*maps)[1].value, Value(2));
}

TEST(ReadHistory, ExplicitFormatOverridesExtension) {
  TempDir dir;
  write_file(dir / "h.edn", kJsonl);
  auto ops = read_all(dir / "h.edn", Format::Jsonl);
  ASSERT_TRUE(ops.ok()) << ops.error().message;
  EXPECT_EQ(ops->size(), 2u);
}

TEST(ReadHistory, ErrorsNameTheFile) {
  TempDir dir;
  const auto path = dir / "h.jsonl";
  write_file(path, "{\"process\":0,\"type\":\"okk\",\"f\":\"read\"}\n");
  auto ops = read_all(path, Format::Auto);
  ASSERT_FALSE(ops.ok());
  EXPECT_EQ(ops.error().message, path.string() +
                                     ":1: expected \"type\" to be one of invoke|ok|fail|info, "
                                     "got \"okk\"");
}

TEST(ReadHistory, PassesWarningsToReadAll) {
  TempDir dir;
  const auto path = dir / "h.jsonl";
  write_file(path, std::string(kJsonl) + "{\"index\":2,\"proc");
  std::vector<std::string> warnings;
  auto ops = read_all(path, Format::Auto, &warnings);
  ASSERT_TRUE(ops.ok()) << ops.error().message;
  EXPECT_EQ(ops->size(), 2u);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0], path.string() +
                             ":3: truncated last line skipped (16 bytes, no newline: the writer "
                             "was probably killed mid-write)");
}

TEST(ReadHistory, ReportsMissingFileWithPath) {
  TempDir dir;
  const auto path = dir / "missing.jsonl";
  auto summary = read_history(path, Format::Auto, [](Op&&) {});
  ASSERT_FALSE(summary.ok());
  EXPECT_EQ(summary.error().message, path.string() + ": cannot open: No such file or directory");
}

TEST(ReadHistory, ReportsDirectoryWithPath) {
  TempDir dir;
  const auto path = dir / "a-directory";
  fs::create_directories(path);
  auto summary = read_history(path, Format::Auto, [](Op&&) {});
  ASSERT_FALSE(summary.ok());
  EXPECT_EQ(summary.error().message, path.string() + ": cannot open: Is a directory");
}

TEST(ReadHistory, ParsesFormatNames) {
  EXPECT_EQ(format_from_string("auto"), Format::Auto);
  EXPECT_EQ(format_from_string("jsonl"), Format::Jsonl);
  EXPECT_EQ(format_from_string("edn"), Format::Edn);
  EXPECT_EQ(format_from_string("json"), std::nullopt);
}

}  // namespace
}  // namespace faultline::history
