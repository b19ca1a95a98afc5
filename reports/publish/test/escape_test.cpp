// Escaping of every value reports/publish writes (reports/publish/escape.h).

#include "reports/publish/escape.h"

#include <gtest/gtest.h>

namespace faultline::reports::publish {
namespace {

TEST(PublishEscape, MarkupAndQuotesAreEscaped) {
  EXPECT_EQ(escape_xml("<script>alert(\"x\")</script>'&"),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&amp;");
}

TEST(PublishEscape, ControlCharactersXmlForbidsAreReplacedVisibly) {
  EXPECT_EQ(escape_xml(std::string("a\x01" "b\x1b" "c\0d", 7)), "a\\x01b\\x1Bc\\x00d");
  EXPECT_EQ(escape_xml("tab\tnl\ncr\r"), "tab\tnl\ncr\r");
  EXPECT_EQ(escape_xml_attribute("tab\tnl\ncr\r"), "tab&#9;nl&#10;cr&#13;");
}

TEST(PublishEscape, InvalidUtf8BecomesReplacementCharacter) {
  EXPECT_EQ(escape_xml("ok \xC3\xA9 \xFF \xC0\xAF \xED\xA0\x80"),
            "ok \xC3\xA9 \xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(escape_xml("\xEF\xBF\xBE"), "\xEF\xBF\xBD");  // U+FFFE is not an XML character
  EXPECT_EQ(escape_xml("\xF0\x9F\x98\x80"), "\xF0\x9F\x98\x80");
}

TEST(PublishEscape, UrlSegmentEncodesEverythingOutsideUnreserved) {
  EXPECT_EQ(url_segment("raft-register_1.x~"), "raft-register_1.x~");
  EXPECT_EQ(url_segment("a b/<\"'>?#%"), "a%20b%2F%3C%22%27%3E%3F%23%25");
}

}  // namespace
}  // namespace faultline::reports::publish
