// Every Knossos history in tests/fixtures/knossos gets the verdict its MANIFEST.tsv
// states (Knossos' own expectations), one CTest case per file.

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "checkers/linearizable/checker.h"

namespace faultline::checkers::linearizable {
namespace {

const std::string kDir = std::string(FAULTLINE_SOURCE_DIR) + "/tests/fixtures/knossos/";

struct Case {
  std::string file, model, initial, expected;
};

std::vector<Case> manifest() {
  std::vector<Case> cases;
  std::ifstream in(kDir + "MANIFEST.tsv");
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    Case c;
    std::getline(fields, c.file, '\t');
    std::getline(fields, c.model, '\t');
    std::getline(fields, c.initial, '\t');
    std::getline(fields, c.expected, '\t');
    if (!c.file.empty()) cases.push_back(c);
  }
  return cases;
}

// The manifest's initial states are EDN; these are the ones it uses.
history::Value initial_value(const std::string& edn) {
  if (edn == "0") return 0;
  if (edn == "{:x 0 :y 0}") return {{"x", 0}, {"y", 0}};
  if (edn == "unlocked" || edn == "nil") return nullptr;
  ADD_FAILURE() << "initial state not understood: " << edn;
  return nullptr;
}

class KnossosCorpus : public ::testing::TestWithParam<Case> {};

TEST_P(KnossosCorpus, GetsTheVerdictKnossosStates) {
  const Case& c = GetParam();
  CheckOptions options;
  options.model = model_from_string(c.model);
  ASSERT_TRUE(options.model) << c.model;
  options.initial = initial_value(c.initial);
  auto result = check_file(kDir + c.file, history::Format::Edn, options);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(std::string(to_string(result->verdict)), c.expected) << describe(*result);
  if (result->verdict == Verdict::Invalid) {
    ASSERT_EQ(result->problems.size(), 1u);
    EXPECT_TRUE(result->problems[0].counterexample.has_value());
  }
}

TEST(KnossosCorpusManifest, ListsEveryFixture) { EXPECT_EQ(manifest().size(), 122u); }

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  std::string name = info.param.file;
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Knossos, KnossosCorpus, ::testing::ValuesIn(manifest()), case_name);

}  // namespace
}  // namespace faultline::checkers::linearizable
