#include "sdp/scoring/scorer.hpp"

#include "sdp/error.hpp"

namespace sdp::scoring {
namespace {

// Schema problems are reported relative to the document; root them at the request body's key.
Problems rooted(const std::string& root, std::vector<SchemaProblem> problems) {
  for (auto& p : problems) p.pointer = root + p.pointer;
  cap_problems(problems);  // its "and N more" entry keeps the pointer ""
  return problems;
}

template <class T, class... Args>
std::shared_ptr<const T> load_checked(const std::filesystem::path& path, Args&&... args) {
  try {
    return std::make_shared<const T>(T::from_json(read_json_file(path), std::forward<Args>(args)...));
  } catch (const Error& e) {
    throw Error(ErrorSource::config, path.string() + ": " + e.what());
  }
}

}  // namespace

Scorer Scorer::load(const std::filesystem::path& dir, const std::string& ms_version, const std::string& ib_version) {
  Scorer s;
  s.ms_catalog_ = load_checked<MorningStarCatalog>(dir / "catalogs" / "morning_star.json");
  s.ib_catalog_ = load_checked<IndustryBrainCatalog>(dir / "catalogs" / "industry_brain.json");
  s.ms_model_ =
      load_checked<MorningStarModel>(dir / "models" / "morning_star" / (ms_version + ".json"), *s.ms_catalog_);
  s.ib_model_ =
      load_checked<IndustryBrainModel>(dir / "models" / "industry_brain" / (ib_version + ".json"), *s.ib_catalog_);
  // A copied file whose version was not changed would pin scores to the wrong model.
  for (const auto& [file_version, id] :
       {std::pair{ms_version, s.ms_model_->id}, std::pair{ib_version, s.ib_model_->id}})
    if (id.version != file_version)
      throw Error(ErrorSource::config, "models/" + id.name + "/" + file_version + ".json declares version '" +
                                           id.version + "'; the file name and 'version' must agree");
  auto schema = [&](const char* name) {
    return std::make_shared<const JsonSchema>(JsonSchema::from_file(dir / "payloads" / name));
  };
  s.ms_payload_ = schema("morning_star.schema.json");
  s.ib_payload_ = schema("industry_brain.schema.json");
  s.ms_verified_ = schema("morning_star.verified.schema.json");
  s.ib_verified_ = schema("industry_brain.verified.schema.json");
  return s;
}

Scorer Scorer::load(const std::filesystem::path& dir) {
  const auto path = dir / "models" / "in_force.json";
  const auto in_force = read_json_file(path);
  auto version = [&](const char* kind) {
    auto it = in_force.find(kind);
    if (it == in_force.end() || !it->is_string() || it->get<std::string>().empty())
      throw Error(ErrorSource::config, path.string() + ": '" + kind + "' must name the model version in force");
    return it->get<std::string>();
  };
  return load(dir, version("morning_star"), version("industry_brain"));
}

Problems Scorer::validate_payload(Kind kind, const nlohmann::json& payload) const {
  const auto& schema = kind == Kind::morning_star ? *ms_payload_ : *ib_payload_;
  if (auto problems = rooted("/payload", schema.validate(payload)); !problems.empty()) return problems;
  return kind == Kind::morning_star ? check_morning_star_payload(*ms_catalog_, payload)
                                    : check_industry_brain_payload(*ib_catalog_, payload, ib_model_.get());
}

Problems Scorer::validate_verified(Kind kind, const nlohmann::json& verified) const {
  const auto& schema = kind == Kind::morning_star ? *ms_verified_ : *ib_verified_;
  if (auto problems = rooted("/verified", schema.validate(verified)); !problems.empty()) return problems;
  return kind == Kind::morning_star ? check_morning_star_verified(*ms_catalog_, verified)
                                    : check_industry_brain_verified(*ib_catalog_, verified, ib_model_.get());
}

std::expected<nlohmann::json, Problems> Scorer::score(Kind kind, const nlohmann::json& payload,
                                                      const std::vector<Verdict>& verdicts) const {
  Problems problems = validate_payload(kind, payload);
  for (const auto& v : verdicts) {
    auto more = validate_verified(kind, v.verified);
    problems.insert(problems.end(), more.begin(), more.end());
  }
  cap_problems(problems);  // one list: its "and N more" counts every part's rest
  if (!problems.empty()) return std::unexpected(std::move(problems));
  auto s = compute(kind, payload, verdicts);
  if (!s) return std::unexpected(std::move(s.error()));
  return std::move(s->score);
}

std::expected<Scorer::Scored, Problems> Scorer::compute(Kind kind, const nlohmann::json& payload,
                                                        const std::vector<Verdict>& verdicts) const {
  if (kind == Kind::morning_star) {
    auto s = score_morning_star(*ms_catalog_, *ms_model_, payload, verdicts);
    if (!s) return std::unexpected(s.error());
    return Scored{s->to_json(), s->verified_level.value_or(s->self_assessed_level)};
  }
  auto s = score_industry_brain(*ib_catalog_, *ib_model_, payload, verdicts);
  if (!s) return std::unexpected(s.error());
  return Scored{s->to_json(), std::nullopt};
}

}  // namespace sdp::scoring
