#pragma once
// Escaping for everything reports/publish writes: XML 1.0 (JUnit) and HTML (the store
// index) text and attribute values, and URL path segments. Values come from histories,
// logs and directory names, so nothing is trusted: invalid UTF-8 becomes U+FFFD and
// characters XML 1.0 forbids (C0 controls other than tab, newline and return; U+FFFE,
// U+FFFF) become a visible "\xNN" / U+FFFD, never a raw byte. Pure functions; thread-safe.

#include <string>
#include <string_view>

namespace faultline::reports::publish {

// & < > " ' escaped; tab, newline and return kept as they are (text content).
std::string escape_xml(std::string_view text);
// As escape_xml, and tab, newline and return as character references, so an attribute
// value keeps them (a parser would otherwise normalise them to spaces).
std::string escape_xml_attribute(std::string_view text);
// One URL path segment: every byte outside [A-Za-z0-9-._~] percent-encoded. The result
// still needs escape_xml_attribute inside an href (it is then unchanged).
std::string url_segment(std::string_view segment);

}  // namespace faultline::reports::publish
