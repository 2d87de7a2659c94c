#pragma once
// Scoring models as versioned data (schemas/models/<kind>/<version>.json), checked against
// their catalogue when loaded: a malformed model refuses to load with a message naming the fault.

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "sdp/scoring/catalog.hpp"

namespace sdp::scoring {

struct ModelId {
  std::string name;     // "morning_star" | "industry_brain"
  std::string version;  // e.g. "2026.1"
  nlohmann::json to_json() const { return {{"name", name}, {"version", version}}; }
};

// 晨星工厂: which rule decides that a level is reached.
struct MorningStarModel {
  enum class Rule {
    all_starred_met,  // level N: every item starred for N met, and level N-1 reached
  };
  ModelId id;
  std::string catalog_version;
  Rule rule = Rule::all_starred_met;
  static MorningStarModel from_json(const nlohmann::json& j, const MorningStarCatalog& catalog);
};

// How an indicator's input becomes a fraction 0..1 of its weight.
struct Normalisation {
  enum class Type { piecewise_linear, grade };
  Type type = Type::piecewise_linear;
  std::vector<std::pair<double, double>> breakpoints;  // (value, fraction), value increasing
  std::map<std::string, double> grade_points;          // A–D -> fraction
  double fraction_of_value(double value) const;        // piecewise linear, 1.0 past the last point
};

struct IndicatorModel {
  std::string id;
  double weight = 0;  // points of the total
  Normalisation normalisation;
};

struct IndustryBrainModel {
  ModelId id;
  std::string catalog_version;
  double total = 100;
  // The units whose values are whole numbers (counts: 个, 家, 项 …; 等级): `inputs.integer_units`,
  // each a unit of the catalogue. Empty in models before 2026.2, which took any number.
  std::set<std::string, std::less<>> integer_units;
  bool takes_integer(const Indicator& ind) const { return ind.unit && integer_units.contains(*ind.unit); }
  std::vector<std::pair<std::string, double>> dimension_weights;  // in catalogue order
  std::map<std::string, IndicatorModel> indicators;
  nlohmann::json document;
  static IndustryBrainModel from_json(const nlohmann::json& j, const IndustryBrainCatalog& catalog);
};

}  // namespace sdp::scoring
