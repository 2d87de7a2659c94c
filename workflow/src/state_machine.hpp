#pragma once
// The declaration state machine of CONTRACT §3 as a pure table:
// transition(snapshot, action, standing) -> new state | the Problem that refuses it.

#include <optional>
#include <string_view>

#include "sdp/actor.hpp"
#include "sdp/declaration.hpp"
#include "sdp/problem.hpp"

namespace sdp::workflow {

// assign_panel and expert_review (CONTRACT §8) leave the state as it is: the province's panel and
// its experts' reviews happen within province_review.
enum class Action { update, submit, withdraw, approve, return_, reject, end_publicity, assign_panel, expert_review };

std::string_view name(Action a);
Action action_of(Decision d);

// What the machine needs to know about the declaration.
struct Snapshot {
  State state = State::draft;
  std::optional<Tier> returned_by;    // the tier that returned it, while `returned`
  bool decided_since_submit = false;  // a reviewer has decided since it was last submitted from draft
  bool morning_star = false;
  std::optional<int> verified_level;  // 晨星工厂: the level with every verdict so far, this decision's included
  // The guards of CONTRACT §8: a panel assigned whose reviews are not all in and whose due_at has not
  // passed holds the province's approve; an open objection holds the end of 公示.
  bool panel_pending = false;
  bool objection_open = false;
};

// How the one who acts relates to the declaration (visibility is decided before the machine).
struct Standing {
  Role role = Role::applicant;
  std::optional<Tier> tier;      // reviewers
  bool owner = false;            // the applicant's org is the declaration's
  bool in_jurisdiction = false;  // the reviewer's region contains the declaration's
  bool assigned = false;         // experts: on the declaration's panel
};

struct Outcome {
  State to;
  std::optional<Tier> returned_by;  // set when the action returns it
};

// Whether the declaration may be shown at all (CONTRACT §2); an invisible one is not_found.
bool visible(const Standing& standing);

Result<Outcome> transition(const Snapshot& snapshot, Action action, const Standing& standing);

// The tier whose review state `s` is, if any.
std::optional<Tier> review_tier(State s);
State review_state(Tier t);

}  // namespace sdp::workflow
