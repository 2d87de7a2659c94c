#include "sdp/scoring/model.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "sdp/error.hpp"

namespace sdp::scoring {
namespace {

[[noreturn]] void fault(const std::string& what) { throw Error(ErrorSource::config, what); }

constexpr double kEpsilon = 1e-9;

ModelId model_id(const nlohmann::json& j, const std::string& name) {
  if (!j.is_object() || j.value("model", "") != name) fault(name + " model: 'model' must be " + name);
  if (!j.contains("version") || !j["version"].is_string() || j["version"].get<std::string>().empty())
    fault(name + " model: 'version' must be a non-empty string");
  return {name, j["version"].get<std::string>()};
}

std::string checked_catalog_version(const nlohmann::json& j, const std::string& where, const std::string& expected) {
  auto v = j.value("catalog_version", "");
  if (v != expected) fault(where + ": 'catalog_version' is '" + v + "' but the catalogue is '" + expected + "'");
  return v;
}

// `inputs.integer_units`: units of the catalogue whose values are counted in whole numbers; a
// unit no indicator has is a typo that would leave a count taking decimals.
std::set<std::string, std::less<>> read_integer_units(const nlohmann::json& j, const IndustryBrainCatalog& catalog,
                                                      const std::string& where) {
  std::set<std::string, std::less<>> out;
  auto inputs = j.find("inputs");
  if (inputs == j.end()) return out;
  const auto& units = inputs->is_object() ? inputs->value("integer_units", nlohmann::json()) : nlohmann::json();
  if (!units.is_array()) fault(where + ": 'inputs.integer_units' must be an array of units");
  for (const auto& u : units) {
    if (!u.is_string()) fault(where + ": 'inputs.integer_units' must be an array of units");
    auto unit = u.get<std::string>();
    if (std::ranges::none_of(catalog.indicators, [&](const Indicator& ind) { return ind.unit == unit; }))
      fault(where + ": 'inputs.integer_units' names " + unit + ", which no indicator of the catalogue has");
    out.insert(unit);
  }
  return out;
}

}  // namespace

MorningStarModel MorningStarModel::from_json(const nlohmann::json& j, const MorningStarCatalog& catalog) {
  MorningStarModel m;
  m.id = model_id(j, "morning_star");
  auto where = "morning_star model " + m.id.version;
  m.catalog_version = checked_catalog_version(j, where, catalog.version);
  auto rule = j.value("rule", "");
  if (rule != "all_starred_met") fault(where + ": unknown rule '" + rule + "' (known: all_starred_met)");
  m.rule = Rule::all_starred_met;
  return m;
}

double Normalisation::fraction_of_value(double value) const {
  if (value <= breakpoints.front().first) return breakpoints.front().second;
  for (size_t i = 1; i < breakpoints.size(); ++i) {
    auto [x1, y1] = breakpoints[i];
    if (value <= x1) {
      auto [x0, y0] = breakpoints[i - 1];
      return y0 + (y1 - y0) * (value - x0) / (x1 - x0);
    }
  }
  return breakpoints.back().second;
}

IndustryBrainModel IndustryBrainModel::from_json(const nlohmann::json& j, const IndustryBrainCatalog& catalog) {
  IndustryBrainModel m;
  m.id = model_id(j, "industry_brain");
  auto where = "industry_brain model " + m.id.version;
  m.catalog_version = checked_catalog_version(j, where, catalog.version);
  if (!j.contains("total") || !j["total"].is_number() || j["total"].get<double>() <= 0)
    fault(where + ": 'total' must be a positive number");
  m.total = j["total"].get<double>();

  std::map<std::string, double> dim_weight;
  for (const auto& d : j.value("dimensions", nlohmann::json::array())) {
    auto id = d.value("id", "");
    if (!d.contains("weight") || !d["weight"].is_number() || d["weight"].get<double>() < 0)
      fault(where + ": dimension " + id + " needs a weight >= 0");
    if (dim_weight.contains(id)) fault(where + ": dimension " + id + " appears twice");
    dim_weight[id] = d["weight"].get<double>();
  }
  double dim_sum = 0;
  for (const auto& dim : catalog.dimensions) {
    if (!dim_weight.contains(dim.id)) fault(where + ": dimension " + dim.id + " has no weight");
    m.dimension_weights.emplace_back(dim.id, dim_weight[dim.id]);
    dim_sum += dim_weight[dim.id];
  }
  if (dim_weight.size() != catalog.dimensions.size()) fault(where + ": weights name a dimension the catalogue lacks");
  if (std::abs(dim_sum - m.total) > kEpsilon)
    fault(where + ": dimension weights sum to " + std::to_string(dim_sum) + ", not the total " +
          std::to_string(m.total));

  for (const auto& item : j.value("indicators", nlohmann::json::array())) {
    IndicatorModel im;
    im.id = item.value("id", "");
    auto at = where + ": indicator " + im.id;
    const auto* indicator = catalog.find(im.id);
    if (!indicator) fault(at + " is not in the catalogue");
    if (m.indicators.contains(im.id)) fault(at + " appears twice");
    if (!item.contains("weight") || !item["weight"].is_number() || item["weight"].get<double>() < 0)
      fault(at + " needs a weight >= 0");
    im.weight = item["weight"].get<double>();
    const auto& n = item.value("normalisation", nlohmann::json::object());
    auto type = n.value("type", "");
    if (type == "piecewise_linear") {
      if (indicator->input != Indicator::Input::value) fault(at + " is graded A–D; it needs a 'grade' normalisation");
      im.normalisation.type = Normalisation::Type::piecewise_linear;
      if (!n.contains("breakpoints") || !n["breakpoints"].is_array() || n["breakpoints"].size() < 2)
        fault(at + ": 'breakpoints' needs at least two [value, fraction] pairs");
      for (const auto& bp : n["breakpoints"]) {
        if (!bp.is_array() || bp.size() != 2 || !bp[0].is_number() || !bp[1].is_number())
          fault(at + ": each breakpoint is [value, fraction]");
        im.normalisation.breakpoints.emplace_back(bp[0].get<double>(), bp[1].get<double>());
      }
      const auto& bps = im.normalisation.breakpoints;
      if (bps.front().first != 0 || bps.front().second != 0)
        fault(at + ": the first breakpoint must be [0, 0] (nothing declared scores nothing)");
      for (size_t i = 1; i < bps.size(); ++i) {
        if (bps[i].first <= bps[i - 1].first) fault(at + ": breakpoint values must increase");
        if (bps[i].second < bps[i - 1].second) fault(at + ": fractions must not decrease (more never scores less)");
      }
      for (const auto& [x, f] : bps)
        if (f < 0 || f > 1) fault(at + ": fractions must lie in 0..1");
      if (std::abs(bps.back().second - 1.0) > kEpsilon) fault(at + ": the last breakpoint's fraction must be 1");
    } else if (type == "grade") {
      if (indicator->input != Indicator::Input::grade)
        fault(at + " takes a value; it needs a 'piecewise_linear' normalisation");
      im.normalisation.type = Normalisation::Type::grade;
      for (auto g : {"A", "B", "C", "D"}) {
        if (!n.contains("points") || !n["points"].contains(g) || !n["points"][g].is_number())
          fault(at + ": grade " + std::string(g) + " needs points");
        auto f = n["points"][g].get<double>();
        if (f < 0 || f > 1) fault(at + ": grade points must lie in 0..1");
        im.normalisation.grade_points[g] = f;
      }
      const auto& p = im.normalisation.grade_points;
      if (!(p.at("A") >= p.at("B") && p.at("B") >= p.at("C") && p.at("C") >= p.at("D")))
        fault(at + ": grade points must not rise from A to D");
      if (std::abs(p.at("A") - 1.0) > kEpsilon) fault(at + ": grade A must be worth the full weight (1)");
    } else {
      fault(at + ": 'normalisation.type' must be piecewise_linear or grade");
    }
    m.indicators[im.id] = std::move(im);
  }
  m.integer_units = read_integer_units(j, catalog, where);
  for (const auto& [dim, weight] : m.dimension_weights) {
    double sum = 0;
    for (const auto& ind : catalog.indicators) {
      if (ind.dimension != dim) continue;
      if (!m.indicators.contains(ind.id)) fault(where + ": indicator " + ind.id + " has no weight");
      sum += m.indicators[ind.id].weight;
    }
    if (std::abs(sum - weight) > kEpsilon)
      fault(where + ": indicators of " + dim + " weigh " + std::to_string(sum) + ", not the dimension's " +
            std::to_string(weight));
  }
  m.document = j;
  return m;
}

}  // namespace sdp::scoring
