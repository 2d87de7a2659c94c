#pragma once
// The catalogues, the active models and the payload schemas of schemas/, loaded together:
// what the scoring service and the gateway use to validate and score.

#include <expected>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "sdp/scoring/engine.hpp"

namespace sdp::scoring {

class Scorer {
 public:
  // Loads schemas/catalogs, schemas/models/<kind>/<version>.json and schemas/payloads; throws
  // sdp::Error (config) naming the file and the fault.
  static Scorer load(const std::filesystem::path& schemas_dir, const std::string& morning_star_model,
                     const std::string& industry_brain_model);
  // The same with the versions in force, as schemas/models/in_force.json names them: the one
  // source every service reads.
  static Scorer load(const std::filesystem::path& schemas_dir);

  // Schema and rule problems of a payload (pointers under /payload) or a verdict (under /verified).
  Problems validate_payload(Kind kind, const nlohmann::json& payload) const;
  Problems validate_verified(Kind kind, const nlohmann::json& verified) const;

  // The score object of CONTRACT §3, or every problem found.
  // A score computed from inputs already checked: the score object, and for 晨星工厂 the level it
  // reaches (the verified level, else the self-assessed one).
  struct Scored {
    nlohmann::json score;
    std::optional<int> level;
  };
  std::expected<Scored, Problems> compute(Kind kind, const nlohmann::json& payload,
                                          const std::vector<Verdict>& verdicts) const;

  std::expected<nlohmann::json, Problems> score(Kind kind, const nlohmann::json& payload,
                                                const std::vector<Verdict>& verdicts = {}) const;

  const MorningStarCatalog& morning_star_catalog() const { return *ms_catalog_; }
  const IndustryBrainCatalog& industry_brain_catalog() const { return *ib_catalog_; }
  const MorningStarModel& morning_star_model() const { return *ms_model_; }
  const IndustryBrainModel& industry_brain_model() const { return *ib_model_; }

 private:
  std::shared_ptr<const MorningStarCatalog> ms_catalog_;
  std::shared_ptr<const IndustryBrainCatalog> ib_catalog_;
  std::shared_ptr<const MorningStarModel> ms_model_;
  std::shared_ptr<const IndustryBrainModel> ib_model_;
  std::shared_ptr<const JsonSchema> ms_payload_, ib_payload_, ms_verified_, ib_verified_;
};

}  // namespace sdp::scoring
