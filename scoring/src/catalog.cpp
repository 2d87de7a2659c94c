#include "sdp/scoring/catalog.hpp"

#include <algorithm>
#include <fstream>
#include <set>

#include "sdp/error.hpp"

namespace sdp::scoring {
namespace {

[[noreturn]] void fault(const std::string& what) { throw Error(ErrorSource::config, what); }

std::string text(const nlohmann::json& j, const char* key, const std::string& where) {
  if (!j.contains(key) || !j[key].is_string() || j[key].get<std::string>().empty())
    fault(where + ": '" + key + "' must be a non-empty string");
  return j[key].get<std::string>();
}

}  // namespace

const Criterion* MorningStarCatalog::find(std::string_view id) const {
  auto it = index_.find(id);
  return it == index_.end() ? nullptr : &criteria[it->second];
}

std::vector<const Criterion*> MorningStarCatalog::starred_for(int level) const {
  std::vector<const Criterion*> out;
  for (const auto& c : criteria)
    if (std::find(c.levels.begin(), c.levels.end(), level) != c.levels.end()) out.push_back(&c);
  return out;
}

MorningStarCatalog MorningStarCatalog::from_json(const nlohmann::json& j) {
  const std::string where = "morning_star catalogue";
  if (!j.is_object() || j.value("programme", "") != "morning_star") fault(where + ": 'programme' must be morning_star");
  MorningStarCatalog c;
  c.version = text(j, "version", where);
  c.levels = j.value("levels", std::vector<int>{});
  if (c.levels != std::vector<int>{1, 2, 3, 4, 5}) fault(where + ": 'levels' must be [1,2,3,4,5]");
  if (!j.contains("criteria") || !j["criteria"].is_array() || j["criteria"].empty())
    fault(where + ": 'criteria' must be a non-empty array");
  for (const auto& item : j["criteria"]) {
    Criterion k;
    k.id = text(item, "id", where + " item");
    auto at = where + " item " + k.id;
    k.category = text(item, "category", at);
    k.indicator = text(item, "indicator", at);
    k.name = text(item, "name", at);
    k.description = text(item, "description", at);
    if (!item.contains("levels") || !item["levels"].is_array()) fault(at + ": 'levels' must be an array");
    for (const auto& l : item["levels"]) {
      if (!l.is_number_integer() || l.get<int>() < 1 || l.get<int>() > 5) fault(at + ": levels must be 1..5");
      k.levels.push_back(l.get<int>());
    }
    if (!std::is_sorted(k.levels.begin(), k.levels.end()) ||
        std::adjacent_find(k.levels.begin(), k.levels.end()) != k.levels.end())
      fault(at + ": levels must be increasing without repeats");
    if (c.index_.contains(k.id)) fault(where + ": id " + k.id + " appears twice");
    c.index_[k.id] = c.criteria.size();
    c.criteria.push_back(std::move(k));
  }
  c.document = j;
  return c;
}

const Indicator* IndustryBrainCatalog::find(std::string_view id) const {
  auto it = index_.find(id);
  return it == index_.end() ? nullptr : &indicators[it->second];
}

IndustryBrainCatalog IndustryBrainCatalog::from_json(const nlohmann::json& j) {
  const std::string where = "industry_brain catalogue";
  if (!j.is_object() || j.value("programme", "") != "industry_brain")
    fault(where + ": 'programme' must be industry_brain");
  IndustryBrainCatalog c;
  c.version = text(j, "version", where);
  std::set<std::string> dimension_ids;
  for (const auto& d : j.value("dimensions", nlohmann::json::array())) {
    Dimension dim{text(d, "id", where + " dimension"), text(d, "name", where + " dimension")};
    if (!dimension_ids.insert(dim.id).second) fault(where + ": dimension " + dim.id + " appears twice");
    c.dimensions.push_back(std::move(dim));
  }
  if (c.dimensions.empty()) fault(where + ": 'dimensions' must be a non-empty array");
  if (!j.contains("indicators") || !j["indicators"].is_array() || j["indicators"].empty())
    fault(where + ": 'indicators' must be a non-empty array");
  for (const auto& item : j["indicators"]) {
    Indicator k;
    k.id = text(item, "id", where + " indicator");
    auto at = where + " indicator " + k.id;
    k.dimension = text(item, "dimension", at);
    if (!dimension_ids.contains(k.dimension)) fault(at + ": unknown dimension " + k.dimension);
    k.name = text(item, "name", at);
    k.description = text(item, "description", at);
    if (item.contains("unit") && item["unit"].is_string()) k.unit = item["unit"].get<std::string>();
    auto input = item.value("input", "");
    if (input == "value") {
      k.input = Indicator::Input::value;
      if (!k.unit) fault(at + ": a value input needs a unit");
    } else if (input == "grade") {
      k.input = Indicator::Input::grade;
      if (k.unit) fault(at + ": a grade input has no unit");
      for (auto g : {"A", "B", "C", "D"}) {
        if (!item.contains("grades") || !item["grades"].contains(g) || !item["grades"][g].is_string())
          fault(at + ": grade " + g + " needs its meaning");
        k.grades[g] = item["grades"][g].get<std::string>();
      }
    } else {
      fault(at + ": 'input' must be value or grade");
    }
    if (item.contains("value_range")) {
      const auto& r = item["value_range"];
      if (!r.is_array() || r.size() != 2 || !r[0].is_number() || !r[1].is_number() || r[0] > r[1])
        fault(at + ": 'value_range' must be [min, max]");
      k.value_range = std::pair{r[0].get<double>(), r[1].get<double>()};
    }
    if (c.index_.contains(k.id)) fault(where + ": id " + k.id + " appears twice");
    c.index_[k.id] = c.indicators.size();
    c.indicators.push_back(std::move(k));
  }
  c.document = j;
  return c;
}

}  // namespace sdp::scoring
