#include "state_machine.hpp"

#include <string>

#include "sdp/names.hpp"

namespace sdp::workflow {
namespace {

constexpr Names<Action, 9> kActions{{{Action::update, "update"},
                                     {Action::submit, "submit"},
                                     {Action::withdraw, "withdraw"},
                                     {Action::approve, "approve"},
                                     {Action::return_, "return"},
                                     {Action::reject, "reject"},
                                     {Action::end_publicity, "end_publicity"},
                                     {Action::assign_panel, "assign_panel"},
                                     {Action::expert_review, "expert_review"}}};

std::unexpected<Problem> refuse(ProblemKind kind, std::string reason, std::string reason_zh) {
  return sdp::refuse({kind, {std::move(reason), std::move(reason_zh)}, {}, {}});
}

std::string in_state(State s) { return " (the declaration is " + std::string(name(s)) + ")"; }

std::string zh_name(Tier t) { return t == Tier::county ? "县级" : t == Tier::city ? "市级" : "省级"; }
std::string zh_in_state(State s) { return "（当前状态：" + std::string(zh_name(s)) + "）"; }

}  // namespace

std::string_view name(Action a) { return name_in(kActions, a); }

Action action_of(Decision d) {
  switch (d) {
    case Decision::approve: return Action::approve;
    case Decision::return_: return Action::return_;
    case Decision::reject: return Action::reject;
  }
  return Action::reject;
}

std::optional<Tier> review_tier(State s) {
  switch (s) {
    case State::county_review: return Tier::county;
    case State::city_review: return Tier::city;
    case State::province_review: return Tier::province;
    default: return std::nullopt;
  }
}

State review_state(Tier t) {
  switch (t) {
    case Tier::county: return State::county_review;
    case Tier::city: return State::city_review;
    case Tier::province: return State::province_review;
  }
  return State::county_review;
}

bool visible(const Standing& actor) {
  switch (actor.role) {
    case Role::applicant: return actor.owner;
    case Role::reviewer: return actor.in_jurisdiction;
    case Role::expert: return actor.assigned;
    case Role::admin:
    case Role::system: return true;
  }
  return false;
}

Result<Outcome> transition(const Snapshot& d, Action action, const Standing& actor) {
  if (!visible(actor)) return refuse(ProblemKind::not_found, "no such declaration", "申报不存在");
  const State s = d.state;

  switch (action) {
    case Action::update:
    case Action::submit:
    case Action::withdraw: {
      if (actor.role != Role::applicant)
        return refuse(ProblemKind::forbidden, "only the applicant may " + std::string(name(action)),
                      std::string("只有申报单位可以") + (action == Action::update   ? "修改"
                                                         : action == Action::submit ? "提交"
                                                                                    : "撤回"));
      if (action == Action::update) {
        if (s == State::draft || s == State::returned) return Outcome{s, d.returned_by};
        return refuse(ProblemKind::conflict,
                      "a declaration can be edited only as a draft or after a return" + in_state(s),
                      "只有草稿或退回后的申报可以修改" + zh_in_state(s));
      }
      if (action == Action::submit) {
        if (s == State::draft) return Outcome{State::county_review};
        if (s == State::returned && d.returned_by) return Outcome{review_state(*d.returned_by)};
        return refuse(ProblemKind::conflict, "only a draft or a returned declaration can be submitted" + in_state(s),
                      "只有草稿或退回后的申报可以提交" + zh_in_state(s));
      }
      if (s == State::draft || s == State::returned) return Outcome{State::withdrawn};
      if (s == State::county_review && !d.decided_since_submit) return Outcome{State::withdrawn};
      return refuse(ProblemKind::conflict,
                    "a declaration can be withdrawn only as a draft, after a return, or in county review "
                    "before any decision" +
                        in_state(s),
                    "只有草稿、退回后或县级审核尚未作出决定的申报可以撤回" + zh_in_state(s));
    }

    case Action::approve:
    case Action::return_:
    case Action::reject: {
      if (actor.role != Role::reviewer || !actor.tier)
        return refuse(ProblemKind::forbidden, "only a reviewer may decide", "只有审核人员可以作出审核决定");
      auto tier = review_tier(s);
      bool objection = s == State::publicity && action != Action::approve;  // an objection upheld during 公示
      if (objection) tier = Tier::province;
      if (!tier)
        return refuse(ProblemKind::conflict, "the declaration awaits no decision" + in_state(s),
                      "该申报当前无需审核" + zh_in_state(s));
      if (*tier != *actor.tier)
        return refuse(ProblemKind::conflict,
                      "the declaration awaits the " + std::string(name(*tier)) + " tier, not " +
                          std::string(name(*actor.tier)) + in_state(s),
                      "该申报待" + zh_name(*tier) + "审核，不是" + zh_name(*actor.tier) + zh_in_state(s));
      if (action == Action::return_) return Outcome{State::returned, *tier};
      if (action == Action::reject) return Outcome{State::rejected};
      if (*tier == Tier::county) return Outcome{State::city_review};
      if (*tier == Tier::city) return Outcome{State::province_review};
      if (d.panel_pending)
        return refuse(ProblemKind::conflict,
                      "the expert panel has not finished its reviews and its due date has not passed",
                      "专家评审尚未全部完成且未到评审截止时间，暂不能通过");
      if (d.morning_star && d.verified_level.value_or(0) == 0)
        return refuse(ProblemKind::rule, "a 晨星工厂 declaration whose verified level is 0 cannot be approved",
                      "核验后等级为 0（未达到一级）的晨星工厂申报不能通过");
      return Outcome{State::publicity};
    }

    case Action::end_publicity:
      if (actor.role != Role::system)
        return refuse(ProblemKind::forbidden, "publicity ends by itself", "公示期满后自动结束");
      if (s != State::publicity)
        return refuse(ProblemKind::conflict, "not in publicity" + in_state(s), "该申报不在公示中" + zh_in_state(s));
      if (d.objection_open)
        return refuse(ProblemKind::conflict, "an objection to it is open", "有异议尚未处理，公示暂不结束");
      return Outcome{State::approved};

    case Action::assign_panel:
      if (actor.role != Role::reviewer || actor.tier != Tier::province)
        return refuse(ProblemKind::forbidden, "only a province reviewer assigns an expert panel",
                      "只有省级审核人员可以组织专家评审");
      if (s != State::province_review)
        return refuse(ProblemKind::conflict, "a panel is assigned in province review" + in_state(s),
                      "只有省级审核中的申报可以组织专家评审" + zh_in_state(s));
      return Outcome{s};

    case Action::expert_review:
      if (actor.role != Role::expert)
        return refuse(ProblemKind::forbidden, "only an expert of the panel reviews", "只有评审专家可以提交评审意见");
      if (s != State::province_review)
        return refuse(ProblemKind::conflict, "experts review in province review" + in_state(s),
                      "只有省级审核中的申报可以提交专家评审意见" + zh_in_state(s));
      return Outcome{s};
  }
  return refuse(ProblemKind::conflict, "unknown action", "未知的操作");
}

}  // namespace sdp::workflow
