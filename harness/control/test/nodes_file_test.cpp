// Nodes file parsing: JSON and plain host lists, defaults, and errors that name the
// file and the line or field.
#include "harness/control/node.h"

#include <unistd.h>

#include <fstream>
#include <string>

#include <gtest/gtest.h>

namespace faultline::harness::control {
namespace {

class NodesFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/faultline-nodes-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path write(const std::string& name, const std::string& text) {
    auto p = dir_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }

  NodesDefaults defaults() const {
    NodesDefaults d;
    d.user = "admin";
    d.key_path = "/keys/id";
    d.known_hosts_path = "/keys/known_hosts";
    d.port = 2200;
    return d;
  }

  std::filesystem::path dir_;
};

TEST_F(NodesFile, JsonGivesEveryFieldAndFillsTheRestFromDefaults) {
  auto p = write("nodes.json", R"({"nodes":[
    {"name":"n1","host":"10.77.0.11","port":22,"user":"root","key":"/k/a",
     "known_hosts":"/k/kh","clock":"faketime"},
    {"host":"10.77.0.12"}
  ]})");
  auto r = load_nodes_file(p, defaults());
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  const NodeSpec& a = (*r)[0];
  EXPECT_EQ(a.name, "n1");
  EXPECT_EQ(a.host, "10.77.0.11");
  EXPECT_EQ(a.port, 22);
  EXPECT_EQ(a.user, "root");
  EXPECT_EQ(a.key_path, "/k/a");
  EXPECT_EQ(a.known_hosts_path, "/k/kh");
  EXPECT_EQ(a.clock, "faketime");
  const NodeSpec& b = (*r)[1];
  EXPECT_EQ(b.name, "n2");
  EXPECT_EQ(b.host, "10.77.0.12");
  EXPECT_EQ(b.port, 2200);
  EXPECT_EQ(b.user, "admin");
  EXPECT_EQ(b.key_path, "/keys/id");
  EXPECT_EQ(b.known_hosts_path, "/keys/known_hosts");
  EXPECT_EQ(b.clock, "faketime");
}

TEST_F(NodesFile, PlainListNamesNodesInOrderAndSkipsComments) {
  auto p = write("hosts", "# the cluster\n10.0.0.1\n\n  10.0.0.2:2222  # second\n[::1]:23\n::1\n");
  auto r = load_nodes_file(p, defaults());
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 4u);
  EXPECT_EQ((*r)[0].name, "n1");
  EXPECT_EQ((*r)[0].host, "10.0.0.1");
  EXPECT_EQ((*r)[0].port, 2200);
  EXPECT_EQ((*r)[0].user, "admin");
  EXPECT_EQ((*r)[0].key_path, "/keys/id");
  EXPECT_EQ((*r)[0].known_hosts_path, "/keys/known_hosts");
  EXPECT_EQ((*r)[1].name, "n2");
  EXPECT_EQ((*r)[1].host, "10.0.0.2");
  EXPECT_EQ((*r)[1].port, 2222);
  EXPECT_EQ((*r)[2].name, "n3");
  EXPECT_EQ((*r)[2].host, "::1");
  EXPECT_EQ((*r)[2].port, 23);
  EXPECT_EQ((*r)[3].host, "::1");
  EXPECT_EQ((*r)[3].port, 2200);
}

TEST_F(NodesFile, PlainListBadPortNamesFileAndLine) {
  auto p = write("hosts", "10.0.0.1\n10.0.0.2:99999\n");
  auto r = load_nodes_file(p, defaults());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find(p.string() + ":2:"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("99999"), std::string::npos);
}

TEST_F(NodesFile, PlainListLineWithSpacesIsAnErrorNamingTheLine) {
  auto p = write("hosts", "# c\n\n10.0.0.1 10.0.0.2\n");
  auto r = load_nodes_file(p, defaults());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find(p.string() + ":3:"), std::string::npos) << r.error().message;
}

TEST_F(NodesFile, JsonMissingHostNamesTheNode) {
  auto p = write("nodes.json", R"({"nodes":[{"host":"a"},{"name":"n2"}]})");
  auto r = load_nodes_file(p, defaults());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find(p.string()), std::string::npos);
  EXPECT_NE(r.error().message.find("nodes[1]"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("\"host\""), std::string::npos);
}

TEST_F(NodesFile, JsonUnknownFieldIsATypoNotIgnored) {
  auto p = write("nodes.json", R"({"nodes":[{"host":"a","prot":22}]})");
  auto r = load_nodes_file(p, defaults());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("unknown field \"prot\""), std::string::npos)
      << r.error().message;
}

TEST_F(NodesFile, JsonWrongTypedPortIsAnError) {
  auto p = write("nodes.json", R"({"nodes":[{"host":"a","port":"22"}]})");
  auto r = load_nodes_file(p, defaults());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("\"port\""), std::string::npos) << r.error().message;
}

TEST_F(NodesFile, JsonSyntaxErrorNamesFileAndLine) {
  auto p = write("nodes.json", "{\"nodes\":[\n  {\"host\":\"a\"},\n  {\"host\" \"b\"}\n]}\n");
  auto r = load_nodes_file(p, defaults());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find(p.string() + ":3:"), std::string::npos) << r.error().message;
}

TEST_F(NodesFile, DuplicateNamesAreRejected) {
  auto p = write("nodes.json", R"({"nodes":[{"name":"x","host":"a"},{"name":"x","host":"b"}]})");
  auto r = load_nodes_file(p, defaults());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("duplicate node name \"x\""), std::string::npos);
}

TEST_F(NodesFile, MissingAndEmptyFilesAreErrorsNamingTheFile) {
  auto missing = load_nodes_file(dir_ / "nope", defaults());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find((dir_ / "nope").string()), std::string::npos);
  auto p = write("empty", "# nothing\n\n");
  auto empty = load_nodes_file(p, defaults());
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message.find("no nodes"), std::string::npos);
}

TEST_F(NodesFile, WrittenFileReadsBackTheSameNodes) {
  std::vector<NodeSpec> nodes(2);
  nodes[0] = {"n1", "10.77.0.11", 22, "root", "/k/id", "/k/kh", "faketime"};
  nodes[1] = {"db-2", "host.example", 2222, "ubuntu", "", "", "none"};
  auto p = dir_ / "out.json";
  auto st = write_nodes_file(p, nodes);
  ASSERT_TRUE(st.ok()) << st.error().message;
  auto r = load_nodes_file(p, NodesDefaults{});
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ((*r)[i].name, nodes[i].name);
    EXPECT_EQ((*r)[i].host, nodes[i].host);
    EXPECT_EQ((*r)[i].port, nodes[i].port);
    EXPECT_EQ((*r)[i].user, nodes[i].user);
    EXPECT_EQ((*r)[i].key_path, nodes[i].key_path);
    EXPECT_EQ((*r)[i].known_hosts_path, nodes[i].known_hosts_path);
    EXPECT_EQ((*r)[i].clock, nodes[i].clock);
  }
}

}  // namespace
}  // namespace faultline::harness::control
