// The set checker's anomalies, each element linked to the op that explains it: a lost or
// unrecovered element to its add, a phantom to the first read that shows it, a stale
// read to the read.

#include <array>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>

#include "reports/html/page.h"

namespace faultline::reports::html::page {

using history::Op;
using history::Value;

namespace {

constexpr size_t kMaxMissingShown = 20;

std::string element_key(const std::string& key, const Value& element) {
  return key + '\x1f' + history::to_text(element);
}

struct Adds {
  // key text + element -> the invoke id of its add, by outcome (-1: none)
  std::unordered_map<std::string, std::array<int64_t, kOutcomes>> by_element;
  std::array<int64_t, kOutcomes> find(const std::string& key, const Value& element) const {
    auto it = by_element.find(element_key(key, element));
    if (it != by_element.end()) return it->second;
    std::array<int64_t, kOutcomes> none;
    none.fill(-1);
    return none;
  }
};

std::string key_text(const std::optional<Value>& key) { return key ? text_of(*key) : std::string(); }

Adds collect_adds(const Context& c) {
  Adds adds;
  for (const Operation& o : c.summary.operations) {
    const Op& inv = c.history[o.invoke];
    if (inv.f != "add") continue;
    auto [it, added] = adds.by_element.try_emplace(element_key(key_text(inv.key), inv.value));
    if (added) it->second.fill(-1);
    auto& slot = it->second[static_cast<size_t>(o.outcome)];
    if (slot < 0) slot = op_id(inv, o.invoke);
  }
  return adds;
}

// The first ok read of `key` that shows each of `elements` (invoke ids).
std::map<std::string, int64_t> first_reads(const Context& c, const std::string& key,
                                           const std::set<std::string>& elements) {
  std::map<std::string, int64_t> found;
  for (const Operation& o : c.summary.operations) {
    if (o.outcome != Outcome::Ok || found.size() == elements.size()) continue;
    const Op& inv = c.history[o.invoke];
    if (inv.f != "read" || key_text(inv.key) != key) continue;
    const Value& v = c.history[static_cast<size_t>(o.completion)].value;
    if (!v.is_array()) continue;
    for (const Value& e : v) {
      const std::string t = history::to_text(e);
      if (elements.count(t)) found.emplace(t, op_id(inv, o.invoke));
    }
  }
  return found;
}

const Value* elements_of(const Value& key_result, const char* name, int64_t& count) {
  count = 0;
  const Value* list = member(key_result, name);
  if (!list) return nullptr;
  if (const Value* n = member(*list, "count"); n && n->is_number_integer()) count = n->get<int64_t>();
  const Value* e = member(*list, "elements");
  return e && e->is_array() ? e : nullptr;
}

void append_list(std::string& out, const char* title, int64_t count, const Value& elements,
                 const std::function<int64_t(const Value&)>& link, std::vector<int64_t>* marks) {
  out += "<p><b>" + std::string(title) + "</b> (" + std::to_string(count) + ")" +
         (count > static_cast<int64_t>(elements.size())
              ? ", the first " + std::to_string(elements.size()) + " listed"
              : std::string()) +
         ":</p><ul class=\"elements\">";
  for (const Value& e : elements) {
    const int64_t id = link(e);
    out += "<li><code>" + escape_html(history::to_text(e)) + "</code>" +
           (id >= 0 ? " " + op_link(id) : std::string()) + "</li>";
    if (marks && id >= 0) marks->push_back(id);
  }
  out += "</ul>";
}

}  // namespace

void append_set_anomalies(std::string& out, const Context& c, std::vector<int64_t>& marks) {
  const Value* set = member(c.input.results, "set");
  if (!set) return;
  out += "<section id=\"set-anomalies\"><h2>Set: lost commits and stale reads</h2>";
  const Value* keys = member(*set, "keys");
  const Adds adds = collect_adds(c);
  bool any = false;
  for (size_t k = 0; keys && keys->is_array() && k < keys->size(); ++k) {
    const Value& kr = (*keys)[k];
    int64_t lost_n, phantom_n, failed_n, recovered_n, unrecovered_n, late_n;
    const Value* lost = elements_of(kr, "lost", lost_n);
    const Value* phantom = elements_of(kr, "phantom", phantom_n);
    const Value* failed = elements_of(kr, "failed_read", failed_n);
    const Value* recovered = elements_of(kr, "recovered", recovered_n);
    const Value* unrecovered = elements_of(kr, "unrecovered", unrecovered_n);
    const Value* late = elements_of(kr, "late", late_n);
    const Value* stale = member(kr, "stale");
    const bool anomalous = lost_n + phantom_n + failed_n > 0 || (stale && stale->is_array() && !stale->empty());
    const bool informative = recovered_n + unrecovered_n + late_n > 0;
    if (!anomalous && !informative) continue;
    any = true;
    const Value* key = member(kr, "key");
    const std::string key_name = key && !key->is_null() ? text_of(*key) : std::string();
    const Value* verdict = member(kr, "verdict");
    const std::string v = verdict ? text_of(*verdict) : "unknown";
    out += "<div class=\"set-key\"><h3>" +
           escape_html(key_name.empty() ? std::string("The set") : "Key " + key_name) +
           ": <span class=\"badge v-" + (v == "valid" || v == "invalid" ? v : "unknown") + "\">" +
           escape_html(v) + "</span></h3>";
    if (const Value* fr = member(kr, "final_read_index"); fr && fr->is_number_integer() && fr->get<int64_t>() >= 0)
      out += "<p>Final read: " + op_link(fr->get<int64_t>()) + "</p>";
    auto add_with = [&](Outcome o) {
      // An add with an unknown outcome may also never have completed.
      return [&, o](const Value& e) {
        const auto ids = adds.find(key_name, e);
        const int64_t id = ids[static_cast<size_t>(o)];
        return id >= 0 || o != Outcome::Info ? id : ids[static_cast<size_t>(Outcome::Pending)];
      };
    };
    if (lost && lost_n > 0)
      append_list(out, "Lost: acknowledged adds the final read does not show", lost_n, *lost,
                  add_with(Outcome::Ok), &marks);
    if (phantom && phantom_n > 0) {
      std::set<std::string> wanted;
      for (const Value& e : *phantom) wanted.insert(history::to_text(e));
      const auto reads = first_reads(c, key_name, wanted);
      append_list(out, "Phantom: read but never added", phantom_n, *phantom,
                  [&](const Value& e) {
                    auto it = reads.find(history::to_text(e));
                    return it == reads.end() ? int64_t{-1} : it->second;
                  },
                  &marks);
    }
    if (failed && failed_n > 0)
      append_list(out, "Read although every add of it failed", failed_n, *failed,
                  add_with(Outcome::Fail), &marks);
    if (stale && stale->is_array() && !stale->empty()) {
      const Value* n = member(kr, "stale_reads");
      out += "<p><b>Stale reads</b> (" + (n ? escape_html(text_of(*n)) : std::to_string(stale->size())) +
             "): reads that miss elements acknowledged before they began</p><div class=\"scroll\">"
             "<table><tr><th>read</th><th class=\"num\">missing</th><th>missing elements</th></tr>";
      for (const Value& s : *stale) {
        const Value* ri = member(s, "read_index");
        const int64_t id = ri && ri->is_number_integer() ? ri->get<int64_t>() : -1;
        if (id >= 0) marks.push_back(id);
        const Value* mc = member(s, "missing_count");
        std::string missing;
        if (const Value* m = member(s, "missing"); m && m->is_array()) {
          for (size_t i = 0; i < m->size() && i < kMaxMissingShown; ++i) {
            if (i) missing += ", ";
            missing += history::to_text((*m)[i]);
          }
          if (m->size() > kMaxMissingShown) missing += ", …";
        }
        out += "<tr><td>" + (id >= 0 ? op_link(id) : std::string("?")) + "</td><td class=\"num\">" +
               (mc ? escape_html(text_of(*mc)) : std::string()) + "</td><td class=\"mono val\">" +
               escape_html(missing) + "</td></tr>";
      }
      out += "</table></div>";
    }
    if (informative) {
      out += "<details><summary>Adds with an unknown outcome (info): " + std::to_string(recovered_n) +
             " recovered, " + std::to_string(unrecovered_n) + " not, " + std::to_string(late_n) +
             " late</summary>";
      if (recovered && recovered_n > 0)
        append_list(out, "Recovered (in the final read)", recovered_n, *recovered,
                    add_with(Outcome::Info), nullptr);
      if (unrecovered && unrecovered_n > 0)
        append_list(out, "Unrecovered (not in the final read)", unrecovered_n, *unrecovered,
                    add_with(Outcome::Info), nullptr);
      if (late && late_n > 0)
        append_list(out, "Late (acknowledged after the final read began)", late_n, *late,
                    add_with(Outcome::Ok), nullptr);
      out += "</details>";
    }
    out += "</div>";
  }
  if (!any) out += "<p>No lost, phantom or stale elements, and no add with an unknown outcome.</p>";
  out += "</section>";
}

}  // namespace faultline::reports::html::page
