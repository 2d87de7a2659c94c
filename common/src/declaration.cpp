#include "sdp/declaration.hpp"

#include <array>
#include <utility>

namespace sdp {
namespace {

template <class E, size_t N>
using Names = std::array<std::pair<E, std::string_view>, N>;

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

template <class E, size_t N>
std::string_view lookup(E e, const Names<E, N>& names) {
  for (const auto& [v, n] : names)
    if (v == e) return n;
  return "?";
}

template <class E, size_t N>
std::optional<E> parse(std::string_view s, const Names<E, N>& names) {
  for (const auto& [v, n] : names)
    if (n == s) return v;
  return std::nullopt;
}

}  // namespace

std::string_view name(Kind k) { return lookup(k, kKinds); }
std::string_view name(State s) { return lookup(s, kStates); }
std::string_view name(Decision d) { return lookup(d, kDecisions); }
std::string_view zh_name(State s) { return lookup(s, kStatesZh); }
std::optional<Kind> parse_kind(std::string_view s) { return parse(s, kKinds); }
std::optional<State> parse_state(std::string_view s) { return parse(s, kStates); }
std::optional<Decision> parse_decision(std::string_view s) { return parse(s, kDecisions); }

}  // namespace sdp
