#pragma once
// Pure scoring: score(catalogue, model, payload, verdicts) -> score object. No I/O, no clock.
// Problems carry JSON pointers rooted at the request body: "/payload/…" for the applicant's
// payload, "/verified/…" for a reviewer's verdict.

#include <expected>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "sdp/json_schema.hpp"
#include "sdp/scoring/catalog.hpp"
#include "sdp/scoring/model.hpp"

namespace sdp::scoring {

using Problems = std::vector<SchemaProblem>;

// One tier's verdict, as sent in a decision's `verified` (CONTRACT §3); applied in the order given,
// so a later tier's verdict on an item replaces an earlier one.
struct Verdict {
  std::string tier;
  nlohmann::json verified;
};

struct MorningStarScore {
  ModelId model;
  std::optional<int> claimed_level;
  int self_assessed_level = 0;                      // 0: level 1 not reached
  std::optional<int> verified_level;                // null before any verdict
  std::map<int, std::vector<std::string>> missing;  // each level above the reached one -> starred items not met
  nlohmann::json to_json() const;
};

struct Points {
  double points = 0;
  double max = 0;
};

struct IndustryBrainScore {
  ModelId model;
  double total = 0;  // the verified total once there is a verdict, else self-assessed
  double self_assessed_total = 0;
  std::optional<double> verified_total;
  std::map<std::string, Points> dimensions;  // of the total above
  std::map<std::string, Points> indicators;
  std::vector<std::string> missing;  // indicators with no input (score 0)
  nlohmann::json to_json() const;
};

// The highest level N such that every item starred for 1..N is met; 0 when level 1 is not.
int reached_level(const MorningStarCatalog& catalog, const MorningStarModel& model,
                  const std::map<std::string, bool, std::less<>>& met);

// Rule checks beyond the JSON Schema: unknown ids, inputs of the wrong kind, values out of range.
Problems check_morning_star_payload(const MorningStarCatalog& catalog, const nlohmann::json& payload);
Problems check_morning_star_verified(const MorningStarCatalog& catalog, const nlohmann::json& verified);
// With a model, a value of a unit it counts (IndustryBrainModel::integer_units) must be whole.
Problems check_industry_brain_payload(const IndustryBrainCatalog& catalog, const nlohmann::json& payload,
                                      const IndustryBrainModel* model = nullptr);
Problems check_industry_brain_verified(const IndustryBrainCatalog& catalog, const nlohmann::json& verified,
                                       const IndustryBrainModel* model = nullptr);
// Whether an industry_brain input gives a value or a grade: a draft's empty one ({} or evidence
// alone) scores 0 and is a gap at submission.
bool has_input(const nlohmann::json& input);

std::expected<MorningStarScore, Problems> score_morning_star(const MorningStarCatalog& catalog,
                                                             const MorningStarModel& model,
                                                             const nlohmann::json& payload,
                                                             const std::vector<Verdict>& verdicts = {});

std::expected<IndustryBrainScore, Problems> score_industry_brain(const IndustryBrainCatalog& catalog,
                                                                 const IndustryBrainModel& model,
                                                                 const nlohmann::json& payload,
                                                                 const std::vector<Verdict>& verdicts = {});

}  // namespace sdp::scoring
