// Every (state, action, actor) pair of the declaration state machine, allowed or refused.
#include <gtest/gtest.h>

#include <map>
#include <tuple>

#include "state_machine.hpp"

using namespace sdp;
using namespace sdp::workflow;

namespace {

enum class Who {
  owner,
  other_applicant,
  county,
  city,
  province,
  outsider_reviewer,
  admin,
  system,
  expert,
  other_expert
};

Standing actor(Who w) {
  switch (w) {
    case Who::owner: return {Role::applicant, std::nullopt, true, false};
    case Who::other_applicant: return {Role::applicant, std::nullopt, false, false};
    case Who::county: return {Role::reviewer, Tier::county, false, true};
    case Who::city: return {Role::reviewer, Tier::city, false, true};
    case Who::province: return {Role::reviewer, Tier::province, false, true};
    case Who::outsider_reviewer: return {Role::reviewer, Tier::county, false, false};
    case Who::admin: return {Role::admin, std::nullopt, false, false};
    case Who::system: return {Role::system, std::nullopt, false, false};
    case Who::expert: return {Role::expert, std::nullopt, false, false, true};
    case Who::other_expert: return {Role::expert, std::nullopt, false, false, false};
  }
  return {};
}

const State kStates[] = {State::draft,           State::county_review, State::city_review,
                         State::province_review, State::publicity,     State::approved,
                         State::returned,        State::rejected,      State::withdrawn};
const Action kActions[] = {Action::update,        Action::submit,       Action::withdraw,
                           Action::approve,       Action::return_,      Action::reject,
                           Action::end_publicity, Action::assign_panel, Action::expert_review};
const Who kWho[] = {Who::owner,           Who::county, Who::city,   Who::province, Who::outsider_reviewer,
                    Who::other_applicant, Who::admin,  Who::system, Who::expert,   Who::other_expert};

// The guards of CONTRACT §8, each tried on every row: none, a panel still reviewing before its due
// date, an objection open.
enum class Guard { none, panel_pending, objection_open };
const Guard kGuards[] = {Guard::none, Guard::panel_pending, Guard::objection_open};

// The rows a guard holds: refused as conflicts while it holds, allowed without it.
bool held(State s, Action a, Who w, Guard g) {
  return (g == Guard::panel_pending && s == State::province_review && a == Action::approve && w == Who::province) ||
         (g == Guard::objection_open && s == State::publicity && a == Action::end_publicity && w == Who::system);
}

// The allowed moves, written out from CONTRACT §3 (a returned declaration here was returned by the county).
const std::map<std::tuple<State, Action, Who>, State> kAllowed = {
    {{State::draft, Action::update, Who::owner}, State::draft},
    {{State::draft, Action::submit, Who::owner}, State::county_review},
    {{State::draft, Action::withdraw, Who::owner}, State::withdrawn},
    {{State::returned, Action::update, Who::owner}, State::returned},
    {{State::returned, Action::submit, Who::owner}, State::county_review},
    {{State::returned, Action::withdraw, Who::owner}, State::withdrawn},
    {{State::county_review, Action::withdraw, Who::owner}, State::withdrawn},
    {{State::county_review, Action::approve, Who::county}, State::city_review},
    {{State::county_review, Action::return_, Who::county}, State::returned},
    {{State::county_review, Action::reject, Who::county}, State::rejected},
    {{State::city_review, Action::approve, Who::city}, State::province_review},
    {{State::city_review, Action::return_, Who::city}, State::returned},
    {{State::city_review, Action::reject, Who::city}, State::rejected},
    {{State::province_review, Action::approve, Who::province}, State::publicity},
    {{State::province_review, Action::return_, Who::province}, State::returned},
    {{State::province_review, Action::reject, Who::province}, State::rejected},
    {{State::publicity, Action::return_, Who::province}, State::returned},
    {{State::publicity, Action::reject, Who::province}, State::rejected},
    {{State::publicity, Action::end_publicity, Who::system}, State::approved},
    // CONTRACT §8: the province's panel and its experts' reviews, within province review.
    {{State::province_review, Action::assign_panel, Who::province}, State::province_review},
    {{State::province_review, Action::expert_review, Who::expert}, State::province_review},
};

bool is_decision(Action a) { return a == Action::approve || a == Action::return_ || a == Action::reject; }

// The kind a refusal must carry: invisible not_found, a role that may never do it forbidden, else conflict.
ProblemKind expected_refusal(Action a, Who w) {
  if (w == Who::other_applicant || w == Who::outsider_reviewer || w == Who::other_expert) return ProblemKind::not_found;
  if (a == Action::assign_panel) return w == Who::province ? ProblemKind::conflict : ProblemKind::forbidden;
  if (a == Action::expert_review) return w == Who::expert ? ProblemKind::conflict : ProblemKind::forbidden;
  bool applicant_action = a == Action::update || a == Action::submit || a == Action::withdraw;
  auto conflict_if = [](bool c) { return c ? ProblemKind::conflict : ProblemKind::forbidden; };
  if (applicant_action) return conflict_if(w == Who::owner);
  if (is_decision(a)) return conflict_if(w == Who::county || w == Who::city || w == Who::province);
  return conflict_if(w == Who::system);  // end_publicity
}

}  // namespace

TEST(StateMachine, EveryStateActionAndActor) {
  int allowed = 0, refused = 0;
  for (auto g : kGuards)
    for (auto s : kStates)
      for (auto a : kActions)
        for (auto w : kWho) {
          Snapshot snap{s, s == State::returned ? std::optional<Tier>(Tier::county) : std::nullopt, false, false,
                        std::nullopt};
          snap.panel_pending = g == Guard::panel_pending;
          snap.objection_open = g == Guard::objection_open;
          auto r = transition(snap, a, actor(w));
          auto it = kAllowed.find({s, a, w});
          auto where = std::string(name(s)) + " × " + std::string(name(a)) + " × actor " + std::to_string(int(w)) +
                       " × guard " + std::to_string(int(g));
          if (it != kAllowed.end() && !held(s, a, w, g)) {
            ASSERT_TRUE(r.has_value()) << where << ": " << r.error().title.en;
            EXPECT_EQ(r->to, it->second) << where;
            ++allowed;
          } else {
            ASSERT_FALSE(r.has_value()) << where << " was allowed to " << name(r->to);
            EXPECT_EQ(r.error().kind, it != kAllowed.end() ? ProblemKind::conflict : expected_refusal(a, w))
                << where << ": " << r.error().title.en;
            EXPECT_FALSE(r.error().title.en.empty());
            EXPECT_FALSE(r.error().title.zh.empty()) << where;
            ++refused;
          }
        }
  EXPECT_EQ(allowed, 3 * static_cast<int>(kAllowed.size()) - 2) << "each guard holds exactly one row";
  EXPECT_EQ(allowed + refused, 3 * 9 * 9 * 10);
}

TEST(StateMachine, AResubmissionGoesBackToTheTierThatReturnedIt) {
  for (auto tier : {Tier::county, Tier::city, Tier::province}) {
    auto r = transition({State::returned, tier}, Action::submit, actor(Who::owner));
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->to, review_state(tier));
  }
}

TEST(StateMachine, AReturnRemembersTheTier) {
  auto r = transition({State::city_review}, Action::return_, actor(Who::city));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->returned_by, Tier::city);
  auto objection = transition({State::publicity}, Action::return_, actor(Who::province));
  EXPECT_EQ(objection->returned_by, Tier::province);
}

TEST(StateMachine, WithdrawInCountyReviewOnlyBeforeAnyDecision) {
  EXPECT_TRUE(transition({State::county_review, std::nullopt, false}, Action::withdraw, actor(Who::owner)).has_value());
  auto late = transition({State::county_review, std::nullopt, true}, Action::withdraw, actor(Who::owner));
  ASSERT_FALSE(late.has_value());
  EXPECT_EQ(late.error().kind, ProblemKind::conflict);
}

TEST(StateMachine, TheProvinceCannotApproveAMorningStarDeclarationAtLevelZero) {
  struct Case {
    bool morning_star;
    std::optional<int> level;
    bool allowed;
  } cases[] = {
      {true, 0, false}, {true, std::nullopt, false}, {true, 1, true}, {true, 5, true}, {false, std::nullopt, true}};
  for (const auto& c : cases) {
    auto r = transition({State::province_review, std::nullopt, true, c.morning_star, c.level}, Action::approve,
                        actor(Who::province));
    EXPECT_EQ(r.has_value(), c.allowed) << c.morning_star << " " << c.level.value_or(-1);
    if (!c.allowed) {
      EXPECT_EQ(r.error().kind, ProblemKind::rule);
    } else {
      EXPECT_EQ(r->to, State::publicity);
    }
  }
}

TEST(StateMachine, APendingPanelHoldsOnlyTheProvincesApproveAndAnOpenObjectionOnlyTheEndOfPublicity) {
  Snapshot pending{State::province_review};
  pending.panel_pending = true;
  auto held = transition(pending, Action::approve, actor(Who::province));
  ASSERT_FALSE(held.has_value());
  EXPECT_NE(held.error().title.zh.find("专家评审"), std::string::npos);
  EXPECT_TRUE(transition(pending, Action::return_, actor(Who::province)).has_value()) << "it may still return";
  Snapshot objected{State::publicity};
  objected.objection_open = true;
  auto kept = transition(objected, Action::end_publicity, actor(Who::system));
  ASSERT_FALSE(kept.has_value());
  EXPECT_NE(kept.error().title.zh.find("异议"), std::string::npos);
  EXPECT_EQ(transition(objected, Action::return_, actor(Who::province))->to, State::returned)
      << "an upheld objection lets the province return it";
}

TEST(StateMachine, EveryActionHasItsNameAndEachDecisionItsAction) {
  for (auto a : kActions) EXPECT_NE(name(a), "?");
  EXPECT_EQ(name(action_of(Decision::approve)), "approve");
  EXPECT_EQ(name(action_of(Decision::return_)), "return");
  EXPECT_EQ(name(action_of(Decision::reject)), "reject");
}
