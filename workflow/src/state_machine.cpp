#include "state_machine.hpp"

#include <array>

namespace sdp::workflow {
namespace {

template <class E, size_t N>
std::optional<E> parse(std::string_view s, const std::array<std::pair<E, std::string_view>, N>& names) {
  for (const auto& [e, n] : names)
    if (n == s) return e;
  return std::nullopt;
}

template <class E, size_t N>
std::string_view lookup(E e, const std::array<std::pair<E, std::string_view>, N>& names) {
  for (const auto& [v, n] : names)
    if (v == e) return n;
  return "?";
}

constexpr std::array<std::pair<State, std::string_view>, 9> kStates{{{State::draft, "draft"},
                                                                     {State::county_review, "county_review"},
                                                                     {State::city_review, "city_review"},
                                                                     {State::province_review, "province_review"},
                                                                     {State::publicity, "publicity"},
                                                                     {State::approved, "approved"},
                                                                     {State::returned, "returned"},
                                                                     {State::rejected, "rejected"},
                                                                     {State::withdrawn, "withdrawn"}}};
constexpr std::array<std::pair<Action, std::string_view>, 7> kActions{{{Action::update, "update"},
                                                                       {Action::submit, "submit"},
                                                                       {Action::withdraw, "withdraw"},
                                                                       {Action::approve, "approve"},
                                                                       {Action::return_, "return"},
                                                                       {Action::reject, "reject"},
                                                                       {Action::end_publicity, "end_publicity"}}};
constexpr std::array<std::pair<Role, std::string_view>, 4> kRoles{
    {{Role::applicant, "applicant"}, {Role::reviewer, "reviewer"}, {Role::admin, "admin"}, {Role::system, "system"}}};
constexpr std::array<std::pair<Tier, std::string_view>, 3> kTiers{
    {{Tier::county, "county"}, {Tier::city, "city"}, {Tier::province, "province"}}};

std::unexpected<Refusal> refuse(int status, std::string reason, std::string reason_zh) {
  return std::unexpected(Refusal{status, std::move(reason), std::move(reason_zh)});
}

std::string in_state(State s) { return " (the declaration is " + std::string(name(s)) + ")"; }

// The names schemas/notify/templates.json uses, so refusals and the inbox agree.
std::string zh_name(State s) {
  switch (s) {
    case State::draft: return "草稿";
    case State::county_review: return "县级审核";
    case State::city_review: return "市级审核";
    case State::province_review: return "省级审核";
    case State::publicity: return "公示";
    case State::approved: return "已认定";
    case State::returned: return "退回修改";
    case State::rejected: return "未通过";
    case State::withdrawn: return "已撤回";
  }
  return "?";
}
std::string zh_name(Tier t) { return t == Tier::county ? "县级" : t == Tier::city ? "市级" : "省级"; }
std::string zh_in_state(State s) { return "（当前状态：" + zh_name(s) + "）"; }

}  // namespace

std::string_view name(State s) { return lookup(s, kStates); }
std::string_view name(Action a) { return lookup(a, kActions); }
std::string_view name(Role r) { return lookup(r, kRoles); }
std::string_view name(Tier t) { return lookup(t, kTiers); }
std::optional<State> parse_state(std::string_view s) { return parse(s, kStates); }
std::optional<Tier> parse_tier(std::string_view s) { return parse(s, kTiers); }
std::optional<Role> parse_role(std::string_view s) { return parse(s, kRoles); }
std::optional<Action> parse_decision(std::string_view s) {
  auto a = parse(s, kActions);
  if (a == Action::approve || a == Action::return_ || a == Action::reject) return a;
  return std::nullopt;
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

bool visible(const Actor& actor) {
  switch (actor.role) {
    case Role::applicant: return actor.owner;
    case Role::reviewer: return actor.in_jurisdiction;
    case Role::admin:
    case Role::system: return true;
  }
  return false;
}

std::expected<Outcome, Refusal> transition(const Snapshot& d, Action action, const Actor& actor) {
  if (!visible(actor)) return refuse(404, "no such declaration", "申报不存在");
  const State s = d.state;

  switch (action) {
    case Action::update:
    case Action::submit:
    case Action::withdraw: {
      if (actor.role != Role::applicant)
        return refuse(403, "only the applicant may " + std::string(name(action)),
                      std::string("只有申报单位可以") + (action == Action::update   ? "修改"
                                                         : action == Action::submit ? "提交"
                                                                                    : "撤回"));
      if (action == Action::update) {
        if (s == State::draft || s == State::returned) return Outcome{s, d.returned_by};
        return refuse(409, "a declaration can be edited only as a draft or after a return" + in_state(s),
                      "只有草稿或退回后的申报可以修改" + zh_in_state(s));
      }
      if (action == Action::submit) {
        if (s == State::draft) return Outcome{State::county_review};
        if (s == State::returned && d.returned_by) return Outcome{review_state(*d.returned_by)};
        return refuse(409, "only a draft or a returned declaration can be submitted" + in_state(s),
                      "只有草稿或退回后的申报可以提交" + zh_in_state(s));
      }
      if (s == State::draft || s == State::returned) return Outcome{State::withdrawn};
      if (s == State::county_review && !d.decided_since_submit) return Outcome{State::withdrawn};
      return refuse(409,
                    "a declaration can be withdrawn only as a draft, after a return, or in county review "
                    "before any decision" +
                        in_state(s),
                    "只有草稿、退回后或县级审核尚未作出决定的申报可以撤回" + zh_in_state(s));
    }

    case Action::approve:
    case Action::return_:
    case Action::reject: {
      if (actor.role != Role::reviewer || !actor.tier)
        return refuse(403, "only a reviewer may decide", "只有审核人员可以作出审核决定");
      auto tier = review_tier(s);
      bool objection = s == State::publicity && action != Action::approve;  // an objection upheld during 公示
      if (objection) tier = Tier::province;
      if (!tier)
        return refuse(409, "the declaration awaits no decision" + in_state(s), "该申报当前无需审核" + zh_in_state(s));
      if (*tier != *actor.tier)
        return refuse(409,
                      "the declaration awaits the " + std::string(name(*tier)) + " tier, not " +
                          std::string(name(*actor.tier)) + in_state(s),
                      "该申报待" + zh_name(*tier) + "审核，不是" + zh_name(*actor.tier) + zh_in_state(s));
      if (action == Action::return_) return Outcome{State::returned, *tier};
      if (action == Action::reject) return Outcome{State::rejected};
      if (*tier == Tier::county) return Outcome{State::city_review};
      if (*tier == Tier::city) return Outcome{State::province_review};
      if (d.morning_star && d.verified_level.value_or(0) == 0)
        return refuse(422, "a 晨星工厂 declaration whose verified level is 0 cannot be approved",
                      "核验后等级为 0（未达到一级）的晨星工厂申报不能通过");
      return Outcome{State::publicity};
    }

    case Action::end_publicity:
      if (actor.role != Role::system) return refuse(403, "publicity ends by itself", "公示期满后自动结束");
      if (s != State::publicity)
        return refuse(409, "not in publicity" + in_state(s), "该申报不在公示中" + zh_in_state(s));
      return Outcome{State::approved};
  }
  return refuse(500, "unknown action", "未知的操作");
}

}  // namespace sdp::workflow
