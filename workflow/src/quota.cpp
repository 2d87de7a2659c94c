#include "quota.hpp"

#include <cstdio>
#include <set>

namespace sdp::workflow {

bool recommended(State s) { return s == State::province_review || s == State::publicity || s == State::approved; }

Place place_change(State from, State to) {
  if (recommended(from) == recommended(to)) return Place::keep;
  return recommended(to) ? Place::take : Place::free;
}

bool may_move_a_place(State state, std::optional<Tier> returned_by, std::optional<Decision> decision) {
  // A city approve takes one; a resubmission after the province's return takes one back; a
  // province return or rejection (in review or in publicity) frees one. Nothing else moves one:
  // a city's return or rejection, the province's approval, a resubmission to the county or city.
  if (!decision) return state == State::returned && returned_by == Tier::province;
  if (*decision == Decision::approve) return state == State::city_review;
  return recommended(state);
}

std::optional<Problem> quota_refusal(const std::map<std::string, int>& quotas, const std::string& city, int used) {
  if (quotas.empty()) return std::nullopt;
  auto it = quotas.find(city);
  if (it == quotas.end())
    return Problem{ProblemKind::rule,
                   {"No quota for this city in the round", "本批次未给该市分配推荐名额"},
                   {"no quota for this city in the round: " + city + " has no places to recommend",
                    "本批次未给该市（" + city + "）分配推荐名额，不能推荐"},
                   {}};
  if (used < it->second) return std::nullopt;
  const auto u = std::to_string(used), q = std::to_string(it->second);
  return Problem{ProblemKind::rule,
                 {"Quota exhausted", "推荐名额已用完"},
                 {"quota exhausted: " + u + " of " + q + " used", "推荐名额已用完：已用 " + u + " 个，共 " + q + " 个"},
                 {}};
}

std::vector<SchemaProblem> quotas_below_use(const std::map<std::string, int>& quotas,
                                            const std::map<std::string, int>& used) {
  std::vector<SchemaProblem> out;
  if (quotas.empty()) return out;  // no quotas at all: no limit
  for (const auto& [city, n] : used) {
    auto it = quotas.find(city);
    const int quota = it == quotas.end() ? 0 : it->second;
    if (n <= quota) continue;
    const auto u = std::to_string(n), q = std::to_string(quota);
    out.push_back({"/quotas/" + city, city + " has already used " + u + " places; its quota cannot be " + q,
                   city + " 已推荐 " + u + " 个，推荐名额不能少于 " + u + " 个（提交的是 " + q + " 个）"});
  }
  return out;
}

std::optional<Problem> ranking_refusal(const std::vector<std::string>& ranked,
                                       const std::vector<std::string>& current) {
  const std::set<std::string> now(current.begin(), current.end());
  std::set<std::string> seen;
  std::vector<SchemaProblem> errors;
  int unknown = 0, twice = 0;
  for (size_t i = 0; i < ranked.size(); ++i) {
    const auto pointer = "/ids/" + std::to_string(i);
    if (!now.contains(ranked[i])) {
      ++unknown;
      errors.push_back({pointer, ranked[i] + " is not a recommendation of this city in the round",
                        ranked[i] + " 不是本市在本批次的推荐"});
    } else if (!seen.insert(ranked[i]).second) {
      ++twice;
      errors.push_back({pointer, ranked[i] + " is listed twice", ranked[i] + " 重复出现"});
    }
  }
  int missing = 0;
  for (const auto& id : current)
    if (!seen.contains(id)) {
      ++missing;
      errors.push_back(
          {"/ids", "missing " + id + ", a recommendation of this city in the round", "缺少本市在本批次的推荐 " + id});
    }
  if (errors.empty()) return std::nullopt;
  return Problem{
      ProblemKind::rule,
      {"The ranking must list each of the city's recommendations once", "排序须恰好列出本市的每一个推荐，各一次"},
      {std::to_string(missing) + " missing, " + std::to_string(unknown) + " unknown, " + std::to_string(twice) +
           " listed twice",
       "缺少 " + std::to_string(missing) + " 个，不属于本市推荐的 " + std::to_string(unknown) + " 个，重复 " +
           std::to_string(twice) + " 个"},
      std::move(errors)};
}

std::string valid_until(std::chrono::system_clock::time_point approved_at, int years) {
  using namespace std::chrono;
  const year_month_day approved{floor<days>(approved_at + hours(8))};  // the date in China Standard Time
  year_month_day until = approved + std::chrono::years(years);
  if (!until.ok()) until = year_month_day_last{until.year(), month_day_last{until.month()}};  // 29 Feb -> 28 Feb
  char out[16];
  std::snprintf(out, sizeof out, "%04d-%02u-%02u", static_cast<int>(until.year()), static_cast<unsigned>(until.month()),
                static_cast<unsigned>(until.day()));
  return out;
}

}  // namespace sdp::workflow
