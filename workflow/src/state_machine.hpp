#pragma once
// The declaration state machine of CONTRACT §3 as a pure table:
// transition(snapshot, action, actor) -> new state | refusal with the HTTP status it maps to.

#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace sdp::workflow {

enum class State {
  draft,
  county_review,
  city_review,
  province_review,
  publicity,
  approved,
  returned,
  rejected,
  withdrawn
};
enum class Action { update, submit, withdraw, approve, return_, reject, end_publicity };
enum class Role { applicant, reviewer, admin, system };
enum class Tier { county, city, province };

std::string_view name(State s);
std::string_view name(Action a);
std::string_view name(Role r);
std::string_view name(Tier t);
std::optional<State> parse_state(std::string_view s);
std::optional<Tier> parse_tier(std::string_view s);
std::optional<Role> parse_role(std::string_view s);
// "approve" | "return" | "reject"
std::optional<Action> parse_decision(std::string_view s);

// What the machine needs to know about the declaration.
struct Snapshot {
  State state = State::draft;
  std::optional<Tier> returned_by;    // the tier that returned it, while `returned`
  bool decided_since_submit = false;  // a reviewer has decided since it was last submitted from draft
  bool morning_star = false;
  std::optional<int> verified_level;  // 晨星工厂: the level with every verdict so far, this decision's included
};

// Who acts, and how they relate to the declaration (visibility is decided before the machine).
struct Actor {
  Role role = Role::applicant;
  std::optional<Tier> tier;      // reviewers
  bool owner = false;            // the applicant's org is the declaration's
  bool in_jurisdiction = false;  // the reviewer's region contains the declaration's
};

struct Refusal {
  int status;  // 403 role may never do this, 404 not visible, 409 wrong state or tier, 422 programme rule
  std::string reason;
  std::string reason_zh;  // the same in Chinese
};

struct Outcome {
  State to;
  std::optional<Tier> returned_by;  // set when the action returns it
};

// Whether `actor` may see the declaration at all (CONTRACT §2); an invisible one answers 404.
bool visible(const Actor& actor);

std::expected<Outcome, Refusal> transition(const Snapshot& snapshot, Action action, const Actor& actor);

// The tier whose review state `s` is, if any.
std::optional<Tier> review_tier(State s);
State review_state(Tier t);

}  // namespace sdp::workflow
