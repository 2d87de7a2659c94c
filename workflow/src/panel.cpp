#include "panel.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "sdp/uscc.hpp"

namespace sdp::workflow {
namespace {

using nlohmann::json;

std::string who(const Expert& e) { return e.name + "（" + e.sub + "）"; }
std::string who_en(const Expert& e) { return e.name + " (" + e.sub + ")"; }

double rounded(double v) { return std::round(v * 100.0) / 100.0; }

bool blank(const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }

}  // namespace

json Expert::to_json(const RegionCatalog& regions) const {
  json k = json::array();
  for (auto kind : kinds) k.push_back(sdp::name(kind));
  return {{"sub", sub},
          {"name", name},
          {"employer", employer ? json(*employer) : json(nullptr)},
          {"home_region", home_region},
          {"home_region_name", regions.name_of(home_region)},
          {"kinds", k}};
}

bool Expert::reviews(Kind k) const { return std::ranges::find(kinds, k) != kinds.end(); }

bool in_city(std::string_view region, std::string_view city) {
  return region.size() == 6 && city.size() == 6 && region.substr(0, 4) == city.substr(0, 4);
}

std::optional<Conflict> conflict_of(const Expert& e, const std::string& org, const std::string& city) {
  if (e.employer && *e.employer == org)
    return Conflict{"employer",
                    Text{"expert " + who_en(e) + " has a conflict of interest: its employer is the applicant",
                         "专家" + who(e) + "存在利益冲突：其工作单位即申报单位"}};
  if (in_city(e.home_region, city))
    return Conflict{"home_region", Text{"expert " + who_en(e) +
                                            " has a conflict of interest: its home region is in the applicant's city",
                                        "专家" + who(e) + "存在利益冲突：其所在地区属于申报单位所在市"}};
  return std::nullopt;
}

std::vector<SchemaProblem> expert_problems(const Expert& e, const RegionCatalog& regions) {
  std::vector<SchemaProblem> out;
  if (blank(e.name)) out.push_back({"/name", "the expert's name is required", "专家姓名不能为空"});
  if (e.employer && !valid_uscc(*e.employer))
    out.push_back({"/employer", "not a valid 统一社会信用代码 (GB 32100-2015 check character)",
                   "工作单位的统一社会信用代码无效（GB 32100-2015 校验位不符）"});
  if (!regions.is_county(e.home_region) && !regions.is_city(e.home_region))
    out.push_back({"/home_region", "not a county or city code of Shandong", "不是山东省的县级或地市行政区划代码"});
  if (e.kinds.empty()) out.push_back({"/kinds", "an expert reviews at least one programme", "专家须至少评审一类项目"});
  return out;
}

Result<PanelChange> plan_panel(const std::vector<std::string>& requested, const std::string& due_at,
                               const std::map<std::string, Expert>& pool, const std::set<std::string>& current,
                               const std::set<std::string>& reviewed, Kind kind, const std::string& org,
                               const std::string& city, Clock::time_point now) {
  std::vector<SchemaProblem> invalid, refused;
  std::set<std::string> seen;
  for (size_t i = 0; i < requested.size(); ++i)
    if (!seen.insert(requested[i]).second)
      invalid.push_back({"/experts/" + std::to_string(i), "expert " + requested[i] + " is named twice",
                         "专家 " + requested[i] + " 重复"});
  if (requested.size() < kMinPanel || requested.size() > kMaxPanel)
    invalid.push_back({"/experts", "a panel has 3 to 7 experts", "评审专家须为 3 至 7 名"});
  auto due = parse_rfc3339(due_at);
  if (!due) invalid.push_back({"/due_at", "must be an RFC 3339 time", "必须是 RFC 3339 格式的时间"});
  if (!invalid.empty()) return refuse(Problem::invalid(std::move(invalid)));

  const std::string programme = kind == Kind::morning_star ? "晨星工厂" : "产业大脑";
  for (size_t i = 0; i < requested.size(); ++i) {
    const auto pointer = "/experts/" + std::to_string(i);
    if (current.contains(requested[i]) && reviewed.contains(requested[i])) continue;  // it has reviewed: it stays
    auto it = pool.find(requested[i]);
    if (it == pool.end()) {
      refused.push_back({pointer, "no expert " + requested[i] + " in the pool", "专家库中没有专家 " + requested[i]});
      continue;
    }
    const Expert& e = it->second;
    if (!e.reviews(kind)) {
      refused.push_back({pointer, "expert " + who_en(e) + " does not review " + std::string(name(kind)),
                         "专家" + who(e) + "不在" + programme + "评审专家之列"});
      continue;
    }
    if (auto why = conflict_of(e, org, city)) refused.push_back({pointer, why->words.en, why->words.zh});
  }
  if (*due <= now) refused.push_back({"/due_at", "the due date must be in the future", "评审截止时间须晚于当前时间"});
  std::set<std::string> after(requested.begin(), requested.end());
  for (const auto& r : reviewed)
    if (current.contains(r)) after.insert(r);  // a review submitted stays on the panel
  if (after.size() > kMaxPanel)
    refused.push_back({"/experts",
                       "with the experts who have reviewed the panel would have " + std::to_string(after.size()) +
                           " members, more than 7",
                       "加上已提交评审意见的专家，评审组将有 " + std::to_string(after.size()) + " 名，超过 7 名"});
  if (!refused.empty()) {
    Text detail{refused.front().message, refused.front().message_zh};
    return refuse(Problem{ProblemKind::rule, {"The panel is refused", "评审专家组不符合要求"}, detail, refused});
  }
  PanelChange change{{}, {}, *due};
  for (const auto& sub : requested)
    if (!current.contains(sub)) change.add.push_back(sub);
  for (const auto& sub : current)
    if (!after.contains(sub)) change.remove.push_back(sub);
  return change;
}

json panel_result(const std::vector<double>& scores) {
  const auto n = scores.size();
  if (n == 0) return {{"count", 0}, {"mean", nullptr}, {"trimmed_mean", nullptr}};
  const double sum = std::accumulate(scores.begin(), scores.end(), 0.0);
  const double mean = sum / static_cast<double>(n);
  double trimmed = mean;
  if (n >= 5) {
    auto [lo, hi] = std::ranges::minmax(scores);
    trimmed = (sum - lo - hi) / static_cast<double>(n - 2);
  }
  return {{"count", n}, {"mean", rounded(mean)}, {"trimmed_mean", rounded(trimmed)}};
}

bool panel_pending(size_t members, size_t reviewed, std::optional<Clock::time_point> due_at, Clock::time_point now) {
  return members > 0 && reviewed < members && due_at && now < *due_at;
}

std::vector<SchemaProblem> review_problems(double score, const std::string& opinion, const json* items,
                                           const std::set<std::string>& item_ids) {
  std::vector<SchemaProblem> out;
  if (!std::isfinite(score) || score < 0 || score > 100)
    out.push_back({"/score", "must be a number from 0 to 100", "评分须为 0 到 100 之间的数"});
  if (blank(opinion)) out.push_back({"/opinion", "an opinion is required", "评审意见不能为空"});
  if (items)
    for (const auto& [id, note] : items->items())
      if (!item_ids.contains(id))
        out.push_back({"/items/" + id, "not an item of the catalogue", id + " 不是评价指标或条目的编号"});
  return out;
}

}  // namespace sdp::workflow
