#pragma once
// What changed between two content versions of a declaration (issue 15): the items whose claim or
// evidence changed, and the title, org_name and contact. Pure: the reviewer's diff route and the
// history's `changes` of a save or a resubmission are both this.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "sdp/commands.hpp"
#include "sdp/declaration.hpp"

namespace sdp::workflow {

// One content version: what an applicant writes.
struct Content {
  std::string title;
  std::optional<std::string> org_name;
  cmd::Contact contact;
  nlohmann::json payload = nlohmann::json::object();
};

// One change: `pointer` is the item's ("/payload/criteria/MS05") or the member's ("/title",
// "/contact", "/payload/claimed_level"); `item` the criterion or indicator id, none for the others;
// `field` what changed of it (met, evidence, value, grade; title, org_name, contact,
// claimed_level, cluster_name); before and after its values (null: not given).
struct ContentChange {
  std::string pointer;
  std::optional<std::string> item;
  std::string field;
  nlohmann::json before, after;
  nlohmann::json to_json() const;
};

// Every change from `before` to `after`: title, org_name, contact, the payload's own members,
// then the items in id order. A left-out item equals an empty one (met false, no evidence).
std::vector<ContentChange> content_changes(Kind kind, const Content& before, const Content& after);

// The history entry's account of a save or resubmission: {"changes": [pointers, each once, in the
// order above]}, at most `max` of them, with "changes_truncated": true when there were more.
inline constexpr size_t kMaxHistoryChanges = 100;
nlohmann::json history_changes(const std::vector<ContentChange>& changes, size_t max = kMaxHistoryChanges);

}  // namespace sdp::workflow
