#include "diff.hpp"

#include <set>

#include "sdp/json_schema.hpp"

namespace sdp::workflow {
namespace {

using nlohmann::json;

// A member of an item as compared: absent is null, except what has a neutral value (met false, evidence "").
json field_of(const json& item, const char* field) {
  if (item.is_object())
    if (auto it = item.find(field); it != item.end()) return *it;
  const std::string f = field;
  if (f == "met") return false;
  if (f == "evidence") return "";
  return nullptr;
}

void compare(std::vector<ContentChange>& out, const std::string& pointer, std::optional<std::string> item,
             const std::string& field, json before, json after) {
  if (before != after) out.push_back({pointer, std::move(item), field, std::move(before), std::move(after)});
}

// The items of one payload member ("criteria", "indicators"), field by field, in id order.
void compare_items(std::vector<ContentChange>& out, const json& before, const json& after, const char* member,
                   std::initializer_list<const char*> fields) {
  const json empty = json::object();
  const auto& b = before.is_object() && before.contains(member) ? before[member] : empty;
  const auto& a = after.is_object() && after.contains(member) ? after[member] : empty;
  std::set<std::string> ids;
  for (const auto& [id, _] : b.items()) ids.insert(id);
  for (const auto& [id, _] : a.items()) ids.insert(id);
  for (const auto& id : ids) {
    const auto& bi = b.contains(id) ? b[id] : empty;
    const auto& ai = a.contains(id) ? a[id] : empty;
    for (const char* f : fields)
      compare(out, "/payload/" + std::string(member) + "/" + pointer_token(id), id, f, field_of(bi, f),
              field_of(ai, f));
  }
}

json member_of(const json& payload, const char* key) {
  return payload.is_object() && payload.contains(key) ? payload[key] : json(nullptr);
}

json text_or_null(const std::optional<std::string>& s) { return s && !s->empty() ? json(*s) : json(nullptr); }

}  // namespace

json ContentChange::to_json() const {
  return {{"pointer", pointer},
          {"item", item ? json(*item) : json(nullptr)},
          {"field", field},
          {"before", before},
          {"after", after}};
}

std::vector<ContentChange> content_changes(Kind kind, const Content& before, const Content& after) {
  std::vector<ContentChange> out;
  compare(out, "/title", std::nullopt, "title", before.title, after.title);
  compare(out, "/org_name", std::nullopt, "org_name", text_or_null(before.org_name), text_or_null(after.org_name));
  compare(out, "/contact", std::nullopt, "contact", before.contact.to_json(), after.contact.to_json());
  if (kind == Kind::morning_star) {
    compare(out, "/payload/claimed_level", std::nullopt, "claimed_level", member_of(before.payload, "claimed_level"),
            member_of(after.payload, "claimed_level"));
    compare_items(out, before.payload, after.payload, "criteria", {"met", "evidence"});
  } else {
    compare(out, "/payload/cluster_name", std::nullopt, "cluster_name", member_of(before.payload, "cluster_name"),
            member_of(after.payload, "cluster_name"));
    compare_items(out, before.payload, after.payload, "indicators", {"value", "grade", "evidence"});
  }
  return out;
}

json history_changes(const std::vector<ContentChange>& changes, size_t max) {
  json pointers = json::array();
  std::set<std::string> seen;
  bool truncated = false;
  for (const auto& c : changes) {
    if (!seen.insert(c.pointer).second) continue;
    if (pointers.size() == max) {
      truncated = true;
      break;
    }
    pointers.push_back(c.pointer);
  }
  json out{{"changes", std::move(pointers)}};
  if (truncated) out["changes_truncated"] = true;
  return out;
}

}  // namespace sdp::workflow
