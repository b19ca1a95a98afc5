// Jepsen EDN import/export: every Knossos history in the corpus loads, each EDN value
// kind maps to the documented Value, malformed input gives `name:line: expected X, got Y`,
// and write_edn -> read_edn gives the ops back.

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "history/reader.h"
#include "history/writer.h"

namespace faultline::history {
namespace {

struct Parsed {
  std::vector<Op> ops;
  std::string error;  // empty when the read succeeded
};

Parsed parse(std::string_view text, std::string_view name = "h.edn") {
  std::istringstream in{std::string(text)};
  Parsed p;
  auto r = read_edn(in, name, [&](Op&& op) { p.ops.push_back(std::move(op)); });
  if (!r.ok()) {
    p.error = r.error().message;
  } else {
    EXPECT_EQ(r->ops, static_cast<int64_t>(p.ops.size()));
  }
  return p;
}

std::vector<Op> parse_ok(std::string_view text) {
  Parsed p = parse(text);
  EXPECT_EQ(p.error, "") << text;
  return std::move(p.ops);
}

std::string parse_error(std::string_view text) {
  Parsed p = parse(text);
  EXPECT_NE(p.error, "") << "expected an error for: " << text;
  return p.error;
}

// The Value of an EDN form, read as the :value of an op.
Value value_of(std::string_view edn) {
  auto ops = parse_ok("{:process 0, :type :invoke, :f :read, :value " + std::string(edn) + "}");
  if (ops.size() != 1) {
    ADD_FAILURE() << "no op for " << edn;
    return Value();
  }
  return ops[0].value;
}

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

std::string to_edn(const std::vector<Op>& ops) {
  std::ostringstream out;
  write_edn(out, ops);
  return out.str();
}

std::filesystem::path corpus_dir() {
  std::filesystem::path root = FAULTLINE_SOURCE_DIR;
  std::filesystem::path fixtures = root / "tests" / "fixtures" / "knossos";
  if (std::filesystem::exists(fixtures / "MANIFEST.tsv")) return fixtures;
  return root / ".." / "shared" / "corpus" / "knossos";
}

// The files listed in MANIFEST.tsv (first column; the first line is a header).
std::vector<std::filesystem::path> corpus_files() {
  std::filesystem::path dir = corpus_dir();
  std::ifstream manifest(dir / "MANIFEST.tsv");
  std::vector<std::filesystem::path> files;
  std::string line;
  bool header = true;
  while (std::getline(manifest, line)) {
    if (header) {
      header = false;
      continue;
    }
    if (line.empty()) continue;
    files.push_back(dir / line.substr(0, line.find('\t')));
  }
  return files;
}

base::Result<ReadSummary> read_file(const std::filesystem::path& path, std::vector<Op>& ops) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return base::Error{"cannot open " + path.string()};
  return read_edn(in, path.filename().string(),
                  [&](Op&& op) { ops.push_back(std::move(op)); });
}

void expect_same_ops(const std::vector<Op>& a, const std::vector<Op>& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (std::size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE(what + " op " + std::to_string(i));
    EXPECT_EQ(a[i].f, b[i].f);
    EXPECT_EQ(a[i].type, b[i].type);
    EXPECT_EQ(a[i].process, b[i].process);
    EXPECT_EQ(a[i].value, b[i].value);
    EXPECT_EQ(a[i].error, b[i].error);
    EXPECT_EQ(a[i].time, b[i].time);
    EXPECT_EQ(a[i].index, b[i].index);
    EXPECT_EQ(a[i].node, b[i].node);
  }
}

// ---- the corpus ------------------------------------------------------------------

TEST(EdnCorpus, EveryKnossosHistoryLoads) {
  auto files = corpus_files();
  ASSERT_GT(files.size(), 100u) << "no MANIFEST.tsv under " << corpus_dir();
  for (const auto& path : files) {
    std::vector<Op> ops;
    auto r = read_file(path, ops);
    ASSERT_TRUE(r.ok()) << path << ": " << r.error().message;
    EXPECT_GT(r->ops, 0) << path;
    EXPECT_EQ(r->ops, static_cast<int64_t>(ops.size())) << path;
  }
}

TEST(EdnCorpus, EveryKnossosHistorySurvivesWriteThenRead) {
  for (const auto& path : corpus_files()) {
    std::vector<Op> ops;
    auto r = read_file(path, ops);
    ASSERT_TRUE(r.ok()) << r.error().message;
    std::string text = to_edn(ops);
    Parsed again = parse(text, "again.edn");
    ASSERT_EQ(again.error, "") << path;
    expect_same_ops(ops, again.ops, path.string());
  }
}

TEST(EdnCorpus, EtcdMutexHistoryKeepsErrorsAndNemesis) {
  std::vector<Op> ops;
  auto r = read_file(corpus_dir() / "mutex" / "bad" / "etcd.edn", ops);
  ASSERT_TRUE(r.ok()) << r.error().message;
  bool saw_not_held = false, saw_not_found = false, saw_nemesis = false;
  for (const Op& op : ops) {
    if (op.error == Value("not-held")) saw_not_held = true;
    if (op.error.is_array() && op.error.size() == 2 && op.error[0] == "not-found") {
      saw_not_found = true;
      EXPECT_TRUE(contains(op.error[1].get<std::string>(), "etcdserver:"));
    }
    if (op.process == Process::named("nemesis")) saw_nemesis = true;
  }
  EXPECT_TRUE(saw_not_held);
  EXPECT_TRUE(saw_not_found);
  EXPECT_TRUE(saw_nemesis);
}

// ---- op fields -------------------------------------------------------------------

TEST(EdnReader, ReadsAnOpMapIntoAnOp) {
  auto ops = parse_ok(
      "[{:index 17, :time 812345678, :process 3, :type :ok, :f :cas, :value [1 4],\n"
      "  :node \"n1\", :error :timeout, :extra {:ignored true}}]");
  ASSERT_EQ(ops.size(), 1u);
  const Op& op = ops[0];
  EXPECT_EQ(op.index, 17);
  EXPECT_EQ(op.time, 812345678);
  EXPECT_EQ(op.process, Process::client(3));
  EXPECT_EQ(op.type, OpType::Ok);
  EXPECT_EQ(op.f, "cas");
  EXPECT_EQ(op.value, Value::parse("[1,4]"));
  EXPECT_EQ(op.node, "n1");
  EXPECT_EQ(op.error, Value("timeout"));
  EXPECT_FALSE(op.key.has_value());
  EXPECT_EQ(op.line, 1);
}

TEST(EdnReader, ReadsEveryOpType) {
  auto ops = parse_ok(
      "{:process 0 :type :invoke :f :read} {:process 0 :type :ok :f :read}\n"
      "{:process 0 :type :fail :f :read} {:process 0 :type :info :f :read}");
  ASSERT_EQ(ops.size(), 4u);
  EXPECT_EQ(ops[0].type, OpType::Invoke);
  EXPECT_EQ(ops[1].type, OpType::Ok);
  EXPECT_EQ(ops[2].type, OpType::Fail);
  EXPECT_EQ(ops[3].type, OpType::Info);
}

TEST(EdnReader, AbsentFieldsKeepTheirDefaults) {
  auto ops = parse_ok("{:process 2, :type :invoke, :f :read}");
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].index, -1);
  EXPECT_EQ(ops[0].time, -1);
  EXPECT_TRUE(ops[0].value.is_null());
  EXPECT_TRUE(ops[0].error.is_null());
  EXPECT_EQ(ops[0].node, "");
}

TEST(EdnReader, ReadsNemesisProcessAsNamed) {
  auto ops = parse_ok(
      "[{:process :nemesis, :type :info, :f :start, :value nil}\n"
      " {:process \"nemesis\", :type :info, :f \"stop\", :value [:isolated {\"n1\" #{\"n2\"}}]}]");
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_EQ(ops[0].process, Process::named("nemesis"));
  EXPECT_FALSE(ops[0].process.is_client());
  EXPECT_EQ(ops[1].process, Process::named("nemesis"));
  EXPECT_EQ(ops[1].f, "stop");
  EXPECT_EQ(ops[1].value, Value::parse(R"(["isolated", {"n1": ["n2"]}])"));
}

TEST(EdnReader, KeepsIndependentTupleAsTwoElementValue) {
  auto ops = parse_ok("{:process 1, :type :ok, :f :write, :value [7 [:a 3]]}");
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_FALSE(ops[0].key.has_value());
  EXPECT_EQ(ops[0].value, Value::parse(R"([7, ["a", 3]])"));
}

TEST(EdnReader, OpLineIsWhereItsMapStarts) {
  auto ops = parse_ok(
      "; a comment\n"
      "[{:process 0,\n"
      "  :type :invoke,\n"
      "  :f :read}\n"
      "\n"
      " {:process 0 :type :ok :f :read :value \"two\nlines\"}\n"
      " {:process 1 :type :invoke :f :read}]\n");
  ASSERT_EQ(ops.size(), 3u);
  EXPECT_EQ(ops[0].line, 2);
  EXPECT_EQ(ops[1].line, 6);
  EXPECT_EQ(ops[2].line, 8);
}

// ---- layouts ---------------------------------------------------------------------

TEST(EdnReader, ReadsTopLevelVectorListAndBareMaps) {
  const char* op0 = "{:process 0 :type :invoke :f :read}";
  const char* op1 = "{:process 0 :type :ok :f :read :value 1}";
  for (std::string text : {std::string("[") + op0 + "\n" + op1 + "]",
                           std::string("(") + op0 + "\n" + op1 + ")",
                           std::string(op0) + "\n" + op1 + "\n",
                           std::string("#jepsen.history.Op") + op0 + "\n#jepsen.history.Op" + op1}) {
    auto ops = parse_ok(text);
    ASSERT_EQ(ops.size(), 2u) << text;
    EXPECT_EQ(ops[1].value, Value(1)) << text;
    EXPECT_EQ(ops[1].line, 2) << text;
  }
}

TEST(EdnReader, EmptyInputHasNoOps) {
  EXPECT_TRUE(parse_ok("").empty());
  EXPECT_TRUE(parse_ok("  ; nothing\n").empty());
  EXPECT_TRUE(parse_ok("[]").empty());
  EXPECT_TRUE(parse_ok("( )\n").empty());
}

TEST(EdnReader, HandsEachOpToTheSinkAsSoonAsItIsRead) {
  // The second op is malformed: the first must already have reached the sink.
  Parsed p = parse("[{:process 0 :type :invoke :f :read}\n{:process 0 :type :okk :f :read}]");
  EXPECT_EQ(p.ops.size(), 1u);
  EXPECT_EQ(p.error, "h.edn:2: expected :type to be :invoke, :ok, :fail or :info, got :okk");
}

// ---- value kinds -----------------------------------------------------------------

TEST(EdnReader, ReadsNilAndBooleans) {
  EXPECT_TRUE(value_of("nil").is_null());
  EXPECT_EQ(value_of("true"), Value(true));
  EXPECT_EQ(value_of("false"), Value(false));
}

TEST(EdnReader, ReadsIntegers) {
  for (auto [edn, want] : std::vector<std::pair<std::string, int64_t>>{
           {"0", 0}, {"42", 42}, {"-7", -7}, {"+7", 7}, {"12N", 12},
           {"9223372036854775807", INT64_MAX}, {"-9223372036854775808", INT64_MIN}}) {
    Value v = value_of(edn);
    EXPECT_TRUE(v.is_number_integer()) << edn;
    EXPECT_EQ(v.get<int64_t>(), want) << edn;
  }
}

TEST(EdnReader, ReadsFloats) {
  for (auto [edn, want] : std::vector<std::pair<std::string, double>>{
           {"1.5", 1.5}, {"-0.25", -0.25}, {"1e3", 1000.0}, {"2.5E-1", 0.25},
           {"3M", 3.0}, {"1.0", 1.0}, {"+4.5", 4.5}, {"1/4", 0.25}, {"1e-400", 0.0}}) {
    Value v = value_of(edn);
    EXPECT_TRUE(v.is_number_float()) << edn;
    EXPECT_DOUBLE_EQ(v.get<double>(), want) << edn;
  }
  EXPECT_TRUE(std::isinf(value_of("##Inf").get<double>()));
  EXPECT_TRUE(std::isnan(value_of("##NaN").get<double>()));
}

TEST(EdnReader, ReadsStringsWithEscapes) {
  EXPECT_EQ(value_of(R"("plain")"), Value("plain"));
  EXPECT_EQ(value_of(R"("q\"b\\n\nt\tr\r")"), Value("q\"b\\n\nt\tr\r"));
  EXPECT_EQ(value_of(R"("\u00e9\u20AC")"), Value("\xc3\xa9\xe2\x82\xac"));
  EXPECT_EQ(value_of(R"("\ud83d\ude00")"), Value("\xf0\x9f\x98\x80"));  // surrogate pair
  EXPECT_EQ(value_of(R"("\ud83d!")"), Value("\xef\xbf\xbd!"));          // lone: U+FFFD
  EXPECT_EQ(value_of("\"edn {:a [1 2]} ; not a comment\""), Value("edn {:a [1 2]} ; not a comment"));
}

TEST(EdnReader, PassesNulAndInvalidUtf8Through) {
  std::string text = "{:process 0 :type :ok :f :read :value \"a";
  text += '\0';
  text += "\xff\xfe\"}";
  auto ops = parse_ok(text);
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].value.get<std::string>(), std::string("a\0\xff\xfe", 4));
}

TEST(EdnReader, ReadsKeywordsAsStringsWithoutColon) {
  EXPECT_EQ(value_of(":not-held"), Value("not-held"));
  EXPECT_EQ(value_of(":a/b"), Value("a/b"));
  EXPECT_EQ(value_of(":x?"), Value("x?"));
}

TEST(EdnReader, ReadsSymbolsAsStrings) {
  EXPECT_EQ(value_of("foo"), Value("foo"));
  EXPECT_EQ(value_of("clojure.core/+"), Value("clojure.core/+"));
  EXPECT_EQ(value_of("-"), Value("-"));
}

TEST(EdnReader, ReadsCharactersAsOneCharStrings) {
  EXPECT_EQ(value_of(R"(\a)"), Value("a"));
  EXPECT_EQ(value_of(R"([\newline \space \tab \( \u0041])"), Value::parse(R"(["\n", " ", "\t", "(", "A"])"));
}

TEST(EdnReader, ReadsCollections) {
  EXPECT_EQ(value_of("[1 [2 3] ()]"), Value::parse("[1,[2,3],[]]"));
  EXPECT_EQ(value_of("(1 2)"), Value::parse("[1,2]"));
  EXPECT_EQ(value_of("#{3 1 2}"), Value::parse("[3,1,2]"));  // sets keep source order
  EXPECT_EQ(value_of("[1,2,,3]"), Value::parse("[1,2,3]"));  // commas are whitespace
}

TEST(EdnReader, ReadsMapsWithStringKeys) {
  EXPECT_EQ(value_of(R"({:a 1, "b" 2, c 3, 4 5, [6 7] 8, nil 9})"),
            Value::parse(R"({"a":1,"b":2,"c":3,"4":5,"[6,7]":8,"null":9})"));
  EXPECT_EQ(value_of("{}"), Value::object());
}

TEST(EdnReader, SkipsCommentsAndDiscards) {
  EXPECT_EQ(value_of("[1 ; one\n 2 #_ 3 #_ #_ 4 5 6 #_[7 8]]"), Value::parse("[1,2,6]"));
  auto ops = parse_ok(
      "#_{:process 9 :type :bad}\n[#_ {:garbage 1} {:process 0 ; c\n :type :ok #_ :x :f :read}]");
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].line, 2);
}

TEST(EdnReader, ReadsTaggedLiteralsAsTheirValue) {
  EXPECT_EQ(value_of(R"(#inst "2017-01-01T00:00:00.000-00:00")"),
            Value("2017-01-01T00:00:00.000-00:00"));
  EXPECT_EQ(value_of(R"(#uuid "f81d4fae-7dec-11d0-a765-00a0c91e6bf6")"),
            Value("f81d4fae-7dec-11d0-a765-00a0c91e6bf6"));
  EXPECT_EQ(value_of("#my.ns/thing [1 #foo 2]"), Value::parse("[1,2]"));
}

// ---- malformed input -------------------------------------------------------------

TEST(EdnReaderErrors, UnterminatedStringNamesWhereItOpened) {
  EXPECT_EQ(parse_error("[{:process 0 :type :ok\n :f :read :value \"abc\n\n"),
            "h.edn:4: expected a closing '\"', got end of input (string opened at line 2)");
}

TEST(EdnReaderErrors, UnterminatedMapNamesWhereItOpened) {
  EXPECT_EQ(parse_error("[\n{:process 0 :type :ok\n"),
            "h.edn:3: expected a map key or '}', got end of input (map opened at line 2)");
}

TEST(EdnReaderErrors, UnterminatedVector) {
  EXPECT_EQ(parse_error("[{:process 0 :type :ok :f :read}\n"),
            "h.edn:2: expected an op map or ']', got end of input (vector opened at line 1)");
  EXPECT_EQ(parse_error("{:process 0 :type :ok :f :read :value [1 2"),
            "h.edn:1: expected a value or ']', got end of input (vector opened at line 1)");
}

TEST(EdnReaderErrors, MapWithOddNumberOfForms) {
  EXPECT_EQ(parse_error("{:process 0 :type :ok :f :read :value {:a 1 :b}}"),
            "h.edn:1: expected a value for key :b, got '}' (map opened at line 1)");
  EXPECT_EQ(parse_error("{:process 0 :type :ok :f}"),
            "h.edn:1: expected a value for key :f, got '}' (map opened at line 1)");
  EXPECT_EQ(parse_error("{:process 0 :type :ok :f :read\n \"x\" 1 [2] 3 4}"),
            "h.edn:2: expected a value for key 4, got '}' (map opened at line 1)");
  EXPECT_EQ(parse_error("{:process 0 :type :ok :f :read \"value\"}"),
            "h.edn:1: expected a value for key \"value\", got '}' (map opened at line 1)");
}

TEST(EdnReaderErrors, MissingTypeProcessOrF) {
  EXPECT_EQ(parse_error("\n{:process 0 :f :read}"),
            "h.edn:2: expected :type to be :invoke, :ok, :fail or :info, got nothing");
  EXPECT_EQ(parse_error("{:type :ok :f :read}"),
            "h.edn:1: expected a non-negative integer or a keyword for :process, got nothing");
  EXPECT_EQ(parse_error("{:type :ok :process 1}"),
            "h.edn:1: expected :f to be a keyword or a string, got nothing");
}

TEST(EdnReaderErrors, BadFieldValues) {
  EXPECT_EQ(parse_error("{:process 0 :type :okk :f :read}"),
            "h.edn:1: expected :type to be :invoke, :ok, :fail or :info, got :okk");
  EXPECT_EQ(parse_error("{:process 0 :type 3 :f :read}"),
            "h.edn:1: expected :type to be :invoke, :ok, :fail or :info, got 3");
  EXPECT_EQ(parse_error("{:process -1 :type :ok :f :read}"),
            "h.edn:1: expected a non-negative integer or a keyword for :process, got -1");
  EXPECT_EQ(parse_error("{:process [1] :type :ok :f :read}"),
            "h.edn:1: expected a non-negative integer or a keyword for :process, got [1]");
  EXPECT_EQ(parse_error("{:process 0 :type :ok :f :read\n :time 1.5}"),
            "h.edn:2: expected :time to be an integer, got 1.5");
  EXPECT_EQ(parse_error("{:process 0 :type :ok :f nil}"),
            "h.edn:1: expected :f to be a keyword or a string, got nil");
}

TEST(EdnReaderErrors, GarbageCharacter) {
  EXPECT_EQ(parse_error("{:process 0 :type :ok :f :read :value @x}"),
            "h.edn:1: expected a value, got '@'");
  EXPECT_EQ(parse_error(std::string("{:process 0 :type :ok :f :read :value \x01}")),
            "h.edn:1: expected a value, got byte 0x01");
  EXPECT_EQ(parse_error(std::string("[\0]", 3)), "h.edn:1: expected an op map, got byte 0x00");
  EXPECT_EQ(parse_error("42"), "h.edn:1: expected an op map, or a vector or list of them, got '4'");
  EXPECT_EQ(parse_error("[1]"), "h.edn:1: expected an op map, got '1'");
  EXPECT_EQ(parse_error("[{:process 0 :type :ok :f :read}] {}"),
            "h.edn:1: expected end of input after the closing ']', got '{'");
  EXPECT_EQ(parse_error("[{:process 0 :type :ok :f :read :value (]}]"),
            "h.edn:1: expected a value or ')', got ']' (list opened at line 1)");
}

TEST(EdnReaderErrors, NestingTooDeep) {
  std::string deep = "{:process 0 :type :ok :f :read :value " + std::string(100000, '[');
  EXPECT_EQ(parse_error(deep), "h.edn:1: expected nesting at most 256 deep, got deeper");
  EXPECT_EQ(parse_error("{:process 0 :type :ok :f :read :value " + std::string(100000, '{')),
            "h.edn:1: expected nesting at most 256 deep, got deeper");
  std::string tags;
  for (int i = 0; i < 10000; ++i) tags += "#t ";
  EXPECT_TRUE(contains(parse_error("{:process 0 :type :ok :f :read :value " + tags + "1}"),
                       "nesting at most 256"));
  std::string discards;
  for (int i = 0; i < 10000; ++i) discards += "#_";
  EXPECT_TRUE(contains(parse_error("[" + discards + "1]"), "nesting at most 256"));
  // Deep but within the cap is fine.
  EXPECT_EQ(value_of(std::string(200, '[') + std::string(200, ']')).size(), 1u);
}

TEST(EdnReaderErrors, IntegerOverflow) {
  EXPECT_EQ(parse_error("{:process 0 :type :ok :f :read :value 9223372036854775808}"),
            "h.edn:1: expected an integer in the 64-bit range, got 9223372036854775808");
  EXPECT_EQ(parse_error("{:process 99999999999999999999N :type :ok :f :read}"),
            "h.edn:1: expected an integer in the 64-bit range, got 99999999999999999999N");
  EXPECT_EQ(parse_error("{:process 0 :type :ok :f :read :value 1e999}"),
            "h.edn:1: expected a number in the double range, got 1e999");
}

TEST(EdnReaderErrors, MalformedAtoms) {
  EXPECT_EQ(parse_error("{:process 0 :type :ok :f :read :value 12abc}"),
            "h.edn:1: expected a number, got 12abc");
  EXPECT_EQ(parse_error("{:process 0 :type :ok :f :read :value 1/0}"),
            "h.edn:1: expected a ratio with a non-zero denominator, got 1/0");
  EXPECT_EQ(parse_error(R"({:process 0 :type :ok :f :read :value "\q"})"),
            "h.edn:1: expected a string escape (\\\" \\\\ \\n \\t \\r \\b \\f \\uXXXX), got \\q");
  EXPECT_EQ(parse_error(R"({:process 0 :type :ok :f :read :value "\u12"})"),
            "h.edn:1: expected 4 hex digits after \\u, got '\"'");
  EXPECT_EQ(parse_error(R"({:process 0 :type :ok :f :read :value \bogus})"),
            "h.edn:1: expected a character name (\\newline \\space \\tab \\return \\uXXXX ...), "
            "got \\bogus");
  EXPECT_EQ(parse_error("{:process 0 :type :ok :f :read :value : }"),
            "h.edn:1: expected a keyword name after ':', got byte 0x20");
  EXPECT_EQ(parse_error("{:process 0 :type :ok :f :read :value #}"),
            "h.edn:1: expected '{', '_', '#', '\"' or a tag name after '#', got '}'");
  EXPECT_EQ(parse_error("{:process 0 :type :ok :f :read :value #_}"),
            "h.edn:1: expected a form after #_, got '}'");
  EXPECT_EQ(parse_error("{:process 0 :type :ok :f :read :value ##Foo}"),
            "h.edn:1: expected ##Inf, ##-Inf or ##NaN, got ##Foo");
}

TEST(EdnReaderErrors, EndOfInputAnywhereIsAnErrorNotACrash) {
  const std::string full =
      "[{:index 0 :time 5 :process :nemesis :type :info :f :start "
      ":value [#{1} {\"a\" \\b} #inst \"x\" 1.5M -3N nil true sym ##Inf] :error #_ 1 2}]";
  ASSERT_EQ(parse_ok(full).size(), 1u);
  for (std::size_t n = 1; n < full.size(); ++n) {
    Parsed p = parse(full.substr(0, n));
    EXPECT_NE(p.error, "") << "prefix of length " << n;
    EXPECT_TRUE(p.error.rfind("h.edn:1: expected ", 0) == 0) << p.error;
  }
}

TEST(EdnReaderErrors, LongTokensAreCutInMessages) {
  std::string err = parse_error("{:process 0 :type :ok :f :read :value " +
                                std::string(1 << 20, '7') + "}");
  EXPECT_LT(err.size(), 200u);
  EXPECT_TRUE(contains(err, "expected an integer in the 64-bit range, got 777")) << err;
}

// ---- writer ----------------------------------------------------------------------

TEST(EdnWriter, WritesOneOpMap) {
  Op op;
  op.index = 17;
  op.time = 812345678;
  op.process = Process::client(3);
  op.type = OpType::Ok;
  op.f = "cas";
  op.value = Value::parse("[1,4]");
  std::ostringstream out;
  write_edn_op(out, op);
  EXPECT_EQ(out.str(), "{:index 17, :time 812345678, :process 3, :type :ok, :f :cas, :value [1 4]}");
}

TEST(EdnWriter, OmitsAbsentFieldsButAlwaysWritesValue) {
  Op op;
  op.process = Process::named("nemesis");
  op.type = OpType::Info;
  op.f = "start partition";
  op.node = "n1";
  op.error = Value::parse(R"(["not-found", "etcdserver: lease"])");
  std::ostringstream out;
  write_edn_op(out, op);
  EXPECT_EQ(out.str(),
            "{:process :nemesis, :node \"n1\", :type :info, :f \"start partition\", :value nil, "
            ":error [\"not-found\" \"etcdserver: lease\"]}");
}

TEST(EdnWriter, WritesKeyedOpAsIndependentTuple) {
  Op op;
  op.process = Process::client(1);
  op.type = OpType::Invoke;
  op.f = "write";
  op.key = Value(7);
  op.value = Value(3);
  std::ostringstream out;
  write_edn_op(out, op);
  EXPECT_EQ(out.str(), "{:process 1, :type :invoke, :f :write, :value [7 3]}");
  auto ops = parse_ok(to_edn({op}));
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].value, Value::parse("[7,3]"));
}

TEST(EdnWriter, WritesVectorWithOneOpPerLine) {
  Op a;
  a.process = Process::client(0);
  a.f = "read";
  Op b = a;
  b.type = OpType::Ok;
  b.value = Value(2);
  EXPECT_EQ(to_edn({a, b}),
            "[{:process 0, :type :invoke, :f :read, :value nil}\n"
            " {:process 0, :type :ok, :f :read, :value 2}]\n");
  EXPECT_EQ(to_edn({}), "[]\n");
  auto ops = parse_ok(to_edn({a, b}));
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_EQ(ops[1].line, 2);
}

TEST(EdnWriter, WritesValuesAsEdn) {
  Op op;
  op.process = Process::client(0);
  op.f = "x";
  op.value = Value::parse(
      R"({"a": [null, true, false, -3, 1.0, 0.5, "s"], "has space": {}, "9": 1, "ns/k": 2})");
  std::ostringstream out;
  write_edn_op(out, op);
  EXPECT_TRUE(contains(out.str(),
                       ":value {\"9\" 1, :a [nil true false -3 1.0 0.5 \"s\"], "
                       "\"has space\" {}, :ns/k 2}"))
      << out.str();
}

TEST(EdnWriter, DoublesStayDoubles) {
  Op op;
  op.process = Process::client(0);
  op.f = "x";
  op.value = Value::array({1.0, -2.0, 1e20, 1e-7, 0.1});
  auto ops = parse_ok(to_edn({op}));
  ASSERT_EQ(ops.size(), 1u);
  ASSERT_EQ(ops[0].value.size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_TRUE(ops[0].value[i].is_number_float()) << i;
    EXPECT_EQ(ops[0].value[i].get<double>(), op.value[i].get<double>()) << i;
  }
}

TEST(EdnWriter, StringWithQuotesBackslashesAndNewlinesSurvivesRoundTrip) {
  Op op;
  op.process = Process::client(0);
  op.type = OpType::Fail;
  op.f = "weird \"f\"";
  std::string nasty = "say \"hi\"\\ \\n\nnext\tline\r;{:a [1 2]} \x01 \xc3\xa9";
  op.value = Value::array({nasty, Value::object({{nasty, nasty}})});
  op.error = Value(nasty);
  auto ops = parse_ok(to_edn({op}));
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].f, op.f);
  EXPECT_EQ(ops[0].value, op.value);
  EXPECT_EQ(ops[0].error, op.error);
}

TEST(EdnWriter, NamesThatAreNotKeywordsAreWrittenAsStrings) {
  Op op;
  op.process = Process::named("nemesis 2");
  op.f = "1st";
  std::ostringstream out;
  write_edn_op(out, op);
  EXPECT_EQ(out.str(), "{:process \"nemesis 2\", :type :invoke, :f \"1st\", :value nil}");
  auto ops = parse_ok(out.str());
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].process, op.process);
  EXPECT_EQ(ops[0].f, "1st");
}

}  // namespace
}  // namespace faultline::history
