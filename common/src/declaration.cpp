#include "sdp/declaration.hpp"

#include "sdp/names.hpp"

namespace sdp {
namespace {

constexpr Names<Kind, 2> kKinds{{{Kind::morning_star, "morning_star"}, {Kind::industry_brain, "industry_brain"}}};
constexpr Names<State, 9> kStates{{{State::draft, "draft"},
                                   {State::county_review, "county_review"},
                                   {State::city_review, "city_review"},
                                   {State::province_review, "province_review"},
                                   {State::publicity, "publicity"},
                                   {State::approved, "approved"},
                                   {State::returned, "returned"},
                                   {State::rejected, "rejected"},
                                   {State::withdrawn, "withdrawn"}}};
constexpr Names<State, 9> kStatesZh{{{State::draft, "草稿"},
                                     {State::county_review, "县级审核"},
                                     {State::city_review, "市级审核"},
                                     {State::province_review, "省级审核"},
                                     {State::publicity, "公示"},
                                     {State::approved, "已认定"},
                                     {State::returned, "退回修改"},
                                     {State::rejected, "未通过"},
                                     {State::withdrawn, "已撤回"}}};
constexpr Names<Decision, 3> kDecisions{
    {{Decision::approve, "approve"}, {Decision::return_, "return"}, {Decision::reject, "reject"}}};

}  // namespace

std::string_view name(Kind k) { return name_in(kKinds, k); }
std::string_view name(State s) { return name_in(kStates, s); }
std::string_view name(Decision d) { return name_in(kDecisions, d); }
std::string_view zh_name(State s) { return name_in(kStatesZh, s); }
std::optional<Kind> parse_kind(std::string_view s) { return parse_in(kKinds, s); }
std::optional<State> parse_state(std::string_view s) { return parse_in(kStates, s); }
std::optional<Decision> parse_decision(std::string_view s) { return parse_in(kDecisions, s); }

}  // namespace sdp
