// Scorer: schemas, rules and models together, as the services use them.
#include <gtest/gtest.h>

#include <fstream>

#include "sdp/build_info.hpp"
#include "sdp/error.hpp"
#include "sdp/scoring/scorer.hpp"

using namespace sdp::scoring;
using nlohmann::json;

namespace {
const Scorer& scorer() {
  static auto s = Scorer::load(sdp::build_info::kSchemasDir, "2026.1", "2026.1");
  return s;
}
std::vector<std::string> pointers(const Problems& problems) {
  std::vector<std::string> out;
  for (const auto& p : problems) out.push_back(p.pointer);
  std::sort(out.begin(), out.end());
  return out;
}
}  // namespace

TEST(Scorer, ScoresPinTheModel) {
  auto s = scorer().score(Kind::morning_star, json{{"claimed_level", 1}, {"criteria", json::object()}});
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ((*s)["model"], (json{{"name", "morning_star"}, {"version", "2026.1"}}));
  EXPECT_EQ((*s)["self_assessed_level"], 0);
  auto t = scorer().score(Kind::industry_brain, json{{"indicators", {{"L1P1", {{"value", 200}}}}}});
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ((*t)["model"]["name"], "industry_brain");
  EXPECT_DOUBLE_EQ((*t)["indicators"]["L1P1"]["points"].get<double>(), 2.4);  // 4 × 0.6
}

TEST(Scorer, SchemaAndRuleProblemsTogetherWithPointers) {
  auto p = scorer().validate_payload(
      Kind::morning_star, json{{"claimed_level", "three"}, {"criteria", {{"MS01", {{"met", 1}}}}}, {"colour", "red"}});
  EXPECT_EQ(pointers(p),
            (std::vector<std::string>{"/payload/claimed_level", "/payload/colour", "/payload/criteria/MS01/met"}));
  auto q = scorer().validate_payload(Kind::morning_star, json{{"criteria", {{"MS00", {{"met", true}}}}}});
  EXPECT_EQ(pointers(q), std::vector<std::string>{"/payload/criteria/MS00"});
  auto r = scorer().validate_payload(Kind::industry_brain, json{{"indicators", {{"L1P1", json::object()}}}});
  EXPECT_EQ(pointers(r), std::vector<std::string>{"/payload/indicators/L1P1"});
  auto v = scorer().validate_verified(Kind::industry_brain, json{{"indicators", {{"L1P3", {{"value", 2}}}}}});
  EXPECT_EQ(pointers(v), std::vector<std::string>{"/verified/indicators/L1P3/value"});
}

TEST(Scorer, AnUnknownModelVersionIsNamed) {
  try {
    Scorer::load(sdp::build_info::kSchemasDir, "2031.9", "2026.1");
    FAIL();
  } catch (const sdp::Error& e) {
    EXPECT_NE(std::string(e.what()).find("2031.9.json"), std::string::npos) << e.what();
  }
}

TEST(Scorer, AModelFileMustDeclareItsOwnVersion) {
  auto dir = std::filesystem::temp_directory_path() / "sdp-scorer-version-test";
  std::filesystem::remove_all(dir);
  std::filesystem::copy(sdp::build_info::kSchemasDir, dir, std::filesystem::copy_options::recursive);
  std::filesystem::copy_file(dir / "models/industry_brain/2026.1.json", dir / "models/industry_brain/2027.1.json");
  try {
    Scorer::load(dir, "2026.1", "2027.1");
    FAIL() << "a copied model kept its old version and was accepted";
  } catch (const sdp::Error& e) {
    EXPECT_NE(std::string(e.what()).find("declares version '2026.1'"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
}

// Issue 14: one source for the versions in force, read by every service.
TEST(Scorer, TheVersionsInForceComeFromTheirOneFile) {
  auto dir = std::filesystem::temp_directory_path() / "sdp-scorer-in-force-test";
  std::filesystem::remove_all(dir);
  std::filesystem::copy(sdp::build_info::kSchemasDir, dir, std::filesystem::copy_options::recursive);
  EXPECT_EQ(Scorer::load(dir).morning_star_model().id.version, "2026.1");
  std::ofstream(dir / "models/in_force.json") << R"({"morning_star": "2031.9", "industry_brain": "2026.1"})";
  try {
    Scorer::load(dir);
    FAIL() << "a version in force without its file was accepted";
  } catch (const sdp::Error& e) {
    EXPECT_NE(std::string(e.what()).find("2031.9.json"), std::string::npos) << e.what();
  }
  std::ofstream(dir / "models/in_force.json") << R"({"morning_star": "2026.1"})";
  try {
    Scorer::load(dir);
    FAIL() << "a programme without a version in force was accepted";
  } catch (const sdp::Error& e) {
    EXPECT_NE(std::string(e.what()).find("'industry_brain' must name the model version in force"), std::string::npos)
        << e.what();
  }
  std::filesystem::remove_all(dir);
}

// Issue 13: schema and rule problems of a payload and its verdicts, merged, stay one capped list.
TEST(Scorer, MergedProblemsStayCapped) {
  json verified = json::object();
  for (int i = 0; i < 60; ++i) verified["MS" + std::to_string(100 + i)] = "yes";  // over no bound: 60 < 72
  std::vector<Verdict> verdicts = {{"county", {{"criteria", verified}}}, {"city", {{"criteria", verified}}}};
  auto s = scorer().score(Kind::morning_star, json{{"claimed_level", 1}}, verdicts);
  ASSERT_FALSE(s.has_value());
  ASSERT_EQ(s.error().size(), sdp::kMaxProblems + 1);
  EXPECT_EQ(s.error().back(), (sdp::SchemaProblem{"", "and 70 more problems", "另有 70 处问题未列出"}));
}
