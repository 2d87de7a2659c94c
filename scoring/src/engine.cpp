#include "sdp/scoring/engine.hpp"

#include <cmath>

namespace sdp::scoring {
namespace {

double round2(double x) { return std::round(x * 100.0) / 100.0; }

std::string ptr(std::string_view root, std::string_view a, std::string_view b = {}, std::string_view c = {}) {
  std::string out(root);
  for (auto part : {a, b, c})
    if (!part.empty()) out += "/" + pointer_token(part);
  return out;
}

const nlohmann::json& member(const nlohmann::json& j, const char* key) {
  static const nlohmann::json empty = nlohmann::json::object();
  return j.is_object() && j.contains(key) && j[key].is_object() ? j[key] : empty;
}

constexpr const char* kTrueOrFalseZh = "必须是 true（达标）或 false（未达标）";

// "23.5" for a number of 个 is no count: the words for a value that must be whole, with its unit.
std::string whole_number_zh(const Indicator& ind) { return "必须是整数（单位：" + ind.unit.value_or("") + "）"; }

// Checks one industry_brain value against its indicator: a number >= 0, whole where the model counts
// its unit (`integer`), within the catalogue's range; the range said with its bounds.
void check_ib_value(const Indicator& ind, bool integer, const nlohmann::json& v, const std::string& at,
                    Problems& problems) {
  if (!v.is_number()) {
    problems.push_back({at, "must be a number", "必须是数字"});
    return;
  }
  const double x = v.get<double>();
  const bool whole = v.is_number_integer() || (std::isfinite(x) && x == std::floor(x));
  if (!std::isfinite(x) || x < 0) {
    problems.push_back(
        {at, "must be a number >= 0 (it is " + v.dump() + ")", "必须是不小于 0 的数（填写的是 " + v.dump() + "）"});
  } else if (ind.value_range && (x < ind.value_range->first || x > ind.value_range->second || (integer && !whole))) {
    auto low = std::to_string(static_cast<int>(ind.value_range->first));
    auto high = std::to_string(static_cast<int>(ind.value_range->second));
    const std::string unit = ind.unit ? "（" + *ind.unit + "）" : "";
    problems.push_back({at,
                        std::string("must be a ") + (integer ? "whole number" : "number") + " from " + low + " to " +
                            high + " (it is " + v.dump() + ")",
                        "必须是 " + low + " 到 " + high + " 之间的" + (integer ? "整数" : "数") + unit + "（填写的是 " +
                            v.dump() + "）"});
  } else if (integer && !whole) {
    problems.push_back({at, "must be a whole number of " + ind.unit.value_or("") + " (it is " + v.dump() + ")",
                        whole_number_zh(ind) + "，填写的是 " + v.dump()});
  }
}

// Checks one industry_brain input ({"value": n} or {"grade": "A".."D"}) against its indicator. A
// draft's input may be empty (nothing chosen yet: it scores 0 and is a gap at submission); a
// reviewer's correction may not (`allow_empty` false).
void check_ib_input(const Indicator& ind, bool integer, const nlohmann::json& input, const std::string& at,
                    bool allow_empty, Problems& problems) {
  if (!input.is_object()) {
    problems.push_back({at, "must be an object with 'value' or 'grade'", "必须是含 value 或 grade 的对象"});
    return;
  }
  bool has_value = input.contains("value"), has_grade = input.contains("grade");
  if (ind.input == Indicator::Input::value) {
    if (has_grade)
      problems.push_back({at + "/grade", ind.id + " (" + ind.name + ") takes a number 'value', not a grade",
                          ind.id + "（" + ind.name + "）填写数值 value，不评档"});
    if (!has_value) {
      if (!has_grade && !allow_empty) problems.push_back({at + "/value", "a number is required", "须填写数值"});
      return;
    }
    check_ib_value(ind, integer, input["value"], at + "/value", problems);
  } else {
    if (has_value)
      problems.push_back({at + "/value", ind.id + " (" + ind.name + ") is graded A–D, not a number",
                          ind.id + "（" + ind.name + "）按 A–D 评档，不填数值"});
    if (!has_grade) {
      if (!has_value && !allow_empty)
        problems.push_back({at + "/grade", "a grade A, B, C or D is required", "须选择 A、B、C 或 D 档"});
      return;
    }
    const auto& g = input["grade"];
    if (!g.is_string() || !ind.grades.contains(g.get<std::string>()))
      problems.push_back({at + "/grade", "must be one of A, B, C, D", "必须是 A、B、C、D 之一"});
  }
}

bool takes_integer(const IndustryBrainModel* model, const Indicator& ind) { return model && model->takes_integer(ind); }

}  // namespace

bool has_input(const nlohmann::json& input) {
  return input.is_object() && (input.contains("value") || input.contains("grade"));
}

// ---- results as JSON ----
nlohmann::json MorningStarScore::to_json() const {
  nlohmann::json missing_json = nlohmann::json::object();
  for (const auto& [level, ids] : missing) missing_json[std::to_string(level)] = ids;
  int reached = verified_level.value_or(self_assessed_level);
  return {
      {"model", model.to_json()},
      {"claimed_level", claimed_level ? nlohmann::json(*claimed_level) : nlohmann::json(nullptr)},
      {"self_assessed_level", self_assessed_level},
      {"verified_level", verified_level ? nlohmann::json(*verified_level) : nlohmann::json(nullptr)},
      {"claimed_level_reached", claimed_level ? nlohmann::json(reached >= *claimed_level) : nlohmann::json(nullptr)},
      {"missing", missing_json}};
}

nlohmann::json IndustryBrainScore::to_json() const {
  auto points = [](const std::map<std::string, Points>& m) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [id, p] : m) j[id] = {{"points", p.points}, {"max", p.max}};
    return j;
  };
  return {{"model", model.to_json()},
          {"total", total},
          {"self_assessed_total", self_assessed_total},
          {"verified_total", verified_total ? nlohmann::json(*verified_total) : nlohmann::json(nullptr)},
          {"dimensions", points(dimensions)},
          {"indicators", points(indicators)},
          {"missing", missing}};
}

// ---- 晨星工厂 ----
int reached_level(const MorningStarCatalog& catalog, const MorningStarModel& model,
                  const std::map<std::string, bool, std::less<>>& met) {
  switch (model.rule) {
    case MorningStarModel::Rule::all_starred_met: {
      int reached = 0;
      for (int level : catalog.levels) {
        for (const auto* c : catalog.starred_for(level)) {
          auto it = met.find(c->id);
          if (it == met.end() || !it->second) return reached;
        }
        reached = level;
      }
      return reached;
    }
  }
  return 0;
}

Problems check_morning_star_payload(const MorningStarCatalog& catalog, const nlohmann::json& payload) {
  Problems problems;
  for (const auto& [id, claim] : member(payload, "criteria").items()) {
    if (!catalog.find(id))
      problems.push_back({ptr("/payload", "criteria", id), "unknown criterion '" + id + "'", "未知的评价条目 " + id});
    else if (!claim.is_object() || (claim.contains("met") && !claim["met"].is_boolean()))  // a draft may leave it out
      problems.push_back({ptr("/payload", "criteria", id, "met"), "must be true or false", kTrueOrFalseZh});
  }
  if (payload.contains("claimed_level")) {
    const auto& l = payload["claimed_level"];
    if (!l.is_number_integer() || l.get<int>() < 1 || l.get<int>() > 5)
      problems.push_back({"/payload/claimed_level", "must be a level from 1 to 5", "必须是 1 到 5 级"});
  }
  cap_problems(problems);
  return problems;
}

Problems check_morning_star_verified(const MorningStarCatalog& catalog, const nlohmann::json& verified) {
  Problems problems;
  for (const auto& [id, verdict] : member(verified, "criteria").items()) {
    if (!catalog.find(id))
      problems.push_back({ptr("/verified", "criteria", id), "unknown criterion '" + id + "'", "未知的评价条目 " + id});
    else if (!verdict.is_boolean() && !(verdict.is_object() && verdict.contains("ok") && verdict["ok"].is_boolean()))
      problems.push_back({ptr("/verified", "criteria", id), "must be true or false, or {ok, comment}",
                          "必须是 true 或 false，或 {ok, comment}（核定结果与意见）"});
  }
  cap_problems(problems);
  return problems;
}

std::expected<MorningStarScore, Problems> score_morning_star(const MorningStarCatalog& catalog,
                                                             const MorningStarModel& model,
                                                             const nlohmann::json& payload,
                                                             const std::vector<Verdict>& verdicts) {
  auto problems = check_morning_star_payload(catalog, payload);
  for (const auto& v : verdicts) {
    auto more = check_morning_star_verified(catalog, v.verified);
    problems.insert(problems.end(), more.begin(), more.end());
  }
  cap_problems(problems);
  if (!problems.empty()) return std::unexpected(std::move(problems));

  std::map<std::string, bool, std::less<>> claimed;  // an item left out counts as not met
  for (const auto& [id, claim] : member(payload, "criteria").items()) claimed[id] = claim.value("met", false);

  MorningStarScore s;
  s.model = model.id;
  if (payload.contains("claimed_level")) s.claimed_level = payload["claimed_level"].get<int>();
  s.self_assessed_level = reached_level(catalog, model, claimed);

  auto effective = claimed;
  bool any_verdict = false;
  for (const auto& v : verdicts) {
    for (const auto& [id, verdict] : member(v.verified, "criteria").items()) {
      effective[id] = verdict.is_boolean() ? verdict.get<bool>() : verdict["ok"].get<bool>();  // {ok, comment}
      any_verdict = true;
    }
  }
  if (any_verdict) s.verified_level = reached_level(catalog, model, effective);

  // The gap report: what is still missing for each level above the one reached.
  int reached = s.verified_level.value_or(s.self_assessed_level);
  for (int level : catalog.levels) {
    if (level <= reached) continue;
    auto& gap = s.missing[level];
    for (const auto* c : catalog.starred_for(level)) {
      auto it = effective.find(c->id);
      if (it == effective.end() || !it->second) gap.push_back(c->id);
    }
  }
  return s;
}

// ---- 产业大脑 ----
Problems check_industry_brain_payload(const IndustryBrainCatalog& catalog, const nlohmann::json& payload,
                                      const IndustryBrainModel* model) {
  Problems problems;
  for (const auto& [id, input] : member(payload, "indicators").items()) {
    const auto* ind = catalog.find(id);
    if (!ind)
      problems.push_back({ptr("/payload", "indicators", id), "unknown indicator '" + id + "'", "未知的指标 " + id});
    else
      check_ib_input(*ind, takes_integer(model, *ind), input, ptr("/payload", "indicators", id), true, problems);
  }
  cap_problems(problems);
  return problems;
}

Problems check_industry_brain_verified(const IndustryBrainCatalog& catalog, const nlohmann::json& verified,
                                       const IndustryBrainModel* model) {
  Problems problems;
  for (const auto& [id, input] : member(verified, "indicators").items()) {
    const auto* ind = catalog.find(id);
    if (!ind)
      problems.push_back({ptr("/verified", "indicators", id), "unknown indicator '" + id + "'", "未知的指标 " + id});
    else if (!(input.is_object() && !has_input(input) && (input.contains("ok") || input.contains("comment"))))
      check_ib_input(*ind, takes_integer(model, *ind), input, ptr("/verified", "indicators", id), false, problems);
  }
  cap_problems(problems);
  return problems;
}

namespace {

// Points of every indicator and dimension for one set of inputs; missing inputs score 0.
// (has_input: an empty input of a draft counts as missing.)
IndustryBrainScore points_for(const IndustryBrainCatalog& catalog, const IndustryBrainModel& model,
                              const std::map<std::string, nlohmann::json>& inputs) {
  IndustryBrainScore s;
  s.model = model.id;
  for (const auto& [dim, weight] : model.dimension_weights) s.dimensions[dim] = {0, weight};
  for (const auto& ind : catalog.indicators) {
    const auto& im = model.indicators.at(ind.id);
    Points p{0, im.weight};
    auto it = inputs.find(ind.id);
    if (it == inputs.end() || !has_input(it->second)) {
      s.missing.push_back(ind.id);
    } else if (ind.input == Indicator::Input::value) {
      p.points = round2(im.weight * im.normalisation.fraction_of_value(it->second["value"].get<double>()));
    } else {
      p.points = round2(im.weight * im.normalisation.grade_points.at(it->second["grade"].get<std::string>()));
    }
    s.indicators[ind.id] = p;
    s.dimensions[ind.dimension].points = round2(s.dimensions[ind.dimension].points + p.points);
  }
  for (const auto& [_, d] : s.dimensions) s.total = round2(s.total + d.points);
  return s;
}

}  // namespace

std::expected<IndustryBrainScore, Problems> score_industry_brain(const IndustryBrainCatalog& catalog,
                                                                 const IndustryBrainModel& model,
                                                                 const nlohmann::json& payload,
                                                                 const std::vector<Verdict>& verdicts) {
  auto problems = check_industry_brain_payload(catalog, payload, &model);
  for (const auto& v : verdicts) {
    auto more = check_industry_brain_verified(catalog, v.verified, &model);
    problems.insert(problems.end(), more.begin(), more.end());
  }
  cap_problems(problems);
  if (!problems.empty()) return std::unexpected(std::move(problems));

  std::map<std::string, nlohmann::json> inputs;
  for (const auto& [id, input] : member(payload, "indicators").items()) inputs[id] = input;
  auto self = points_for(catalog, model, inputs);

  bool any_verdict = false;
  for (const auto& v : verdicts)
    for (const auto& [id, corrected] : member(v.verified, "indicators").items()) {
      if (!has_input(corrected)) continue;  // a comment (and ok) alone corrects nothing
      inputs[id] = corrected;
      any_verdict = true;
    }
  if (!any_verdict) {
    self.self_assessed_total = self.total;
    return self;
  }
  auto verified = points_for(catalog, model, inputs);
  verified.self_assessed_total = self.total;
  verified.verified_total = verified.total;
  return verified;
}

}  // namespace sdp::scoring
