// Scorer: schemas, rules and models together, as the services use them.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <unistd.h>

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
  // A draft's empty input is no problem (issue 15): it scores 0 and is a gap at submission.
  auto r = scorer().validate_payload(Kind::industry_brain, json{{"indicators", {{"L1P1", json::object()}}}});
  EXPECT_TRUE(r.empty());
  auto e = scorer().score(Kind::industry_brain, json{{"indicators", {{"L1P1", {{"evidence", "统计快报"}}}}}});
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ((*e)["indicators"]["L1P1"]["points"], 0);
  EXPECT_NE(std::ranges::find((*e)["missing"], "L1P1"), (*e)["missing"].end());
  auto w = scorer().validate_verified(Kind::industry_brain, json{{"indicators", {{"L1P1", json::object()}}}});
  EXPECT_EQ(pointers(w), std::vector<std::string>{"/verified/indicators/L1P1"}) << "a correction gives a value";
  // An item's evidence before its claim: not met, no problem.
  EXPECT_TRUE(
      scorer().validate_payload(Kind::morning_star, json{{"criteria", {{"MS01", {{"evidence", "x"}}}}}}).empty());
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

// Issue 15: in the model in force (2026.2) a count is a whole number of its unit; decimals and
// negatives are refused with the unit or the bounds said, never clamped; the 2026.1 model, which
// took any number, still loads and scores as it did.
TEST(Scorer, ACountIsAWholeNumberOfItsUnitInTheModelInForce) {
  const auto in_force = Scorer::load(sdp::build_info::kSchemasDir);
  EXPECT_EQ(in_force.industry_brain_model().id.version, "2026.2");
  auto zh = [&](const json& indicators, bool verified = false) {
    auto p = verified ? in_force.validate_verified(Kind::industry_brain, json{{"indicators", indicators}})
                      : in_force.validate_payload(Kind::industry_brain, json{{"indicators", indicators}});
    return p.size() == 1 ? p[0].pointer + " " + p[0].message_zh : std::to_string(p.size()) + " problems";
  };
  EXPECT_EQ(zh({{"L1P2", {{"value", 23.5}}}}), "/payload/indicators/L1P2/value 必须是整数（单位：个），填写的是 23.5");
  EXPECT_EQ(zh({{"L1P4", {{"value", 50.5}}}}), "/payload/indicators/L1P4/value 必须是整数（单位：家），填写的是 50.5");
  EXPECT_EQ(zh({{"L4P6", {{"value", 3.2}}}}, true),
            "/verified/indicators/L4P6/value 必须是整数（单位：次），填写的是 3.2");
  EXPECT_TRUE(zh({{"L1P4", {{"value", -5}}}}).starts_with("/payload/indicators/L1P4/value ")) << "never clamped to 0";
  EXPECT_EQ(zh({{"L5P5", {{"value", 9}}}}),
            "/payload/indicators/L5P5/value 必须是 1 到 5 之间的整数（等级）（填写的是 9）");
  EXPECT_EQ(zh({{"L5P5", {{"value", 2.5}}}}),
            "/payload/indicators/L5P5/value 必须是 1 到 5 之间的整数（等级）（填写的是 2.5）");
  // A whole number written 50.0 is whole; amounts (亿元, TB, %, 万元) take decimals.
  EXPECT_EQ(zh({{"L1P4", {{"value", 50.0}}},
                {"L1P1", {{"value", 23.5}}},
                {"L2P2", {{"value", 0.5}}},
                {"L1P10", {{"value", 12.5}}},
                {"L5P4", {{"value", 1.5}}}}),
            "0 problems");
  // Which take whole numbers is the model's data, from the catalogue's units.
  int whole = 0;
  for (const auto& ind : in_force.industry_brain_catalog().indicators)
    whole += in_force.industry_brain_model().takes_integer(ind);
  EXPECT_EQ(whole, 20) << "the 19 counts and L5P5";
  EXPECT_TRUE(
      scorer().validate_payload(Kind::industry_brain, json{{"indicators", {{"L1P2", {{"value", 23.5}}}}}}).empty())
      << "2026.1 took any number";
}

TEST(Scorer, AnIntegerUnitNoIndicatorHasStopsTheLoad) {
  auto dir = std::filesystem::temp_directory_path() / ("sdp-units-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::copy(sdp::build_info::kSchemasDir, dir, std::filesystem::copy_options::recursive);
  auto path = dir / "models/industry_brain/2026.2.json";
  auto model = json::parse(std::ifstream(path));
  model["inputs"]["integer_units"].push_back("件");
  std::ofstream(path) << model.dump();
  try {
    Scorer::load(dir, "2026.1", "2026.2");
    ADD_FAILURE() << "loaded a model naming a unit no indicator has";
  } catch (const sdp::Error& e) {
    EXPECT_NE(std::string(e.what()).find("integer_units' names 件"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
}

// CONTRACT §7: a verdict may comment per item, {ok, comment}, beside the v1 booleans; scoring uses `ok`.
TEST(Scorer, PerItemCommentsAreVerdictsScoredByOk) {
  json payload = {{"claimed_level", 1}, {"criteria", json::object()}};
  for (const auto& c : scorer().morning_star_catalog().criteria) payload["criteria"][c.id] = {{"met", true}};
  const auto& first = scorer().morning_star_catalog().starred_for(1).front()->id;
  const json with_comment = {{"criteria", {{first, {{"ok", false}, {"comment", "证书已过期"}}}}}};
  const json as_boolean = {{"criteria", {{first, false}}}};
  EXPECT_TRUE(scorer().validate_verified(Kind::morning_star, with_comment).empty());
  auto commented = scorer().compute(Kind::morning_star, payload, {{"county", with_comment}});
  auto plain = scorer().compute(Kind::morning_star, payload, {{"county", as_boolean}});
  ASSERT_TRUE(commented && plain);
  EXPECT_EQ(commented->score["verified_level"], 0);  // ok: false on an item level 1 needs
  EXPECT_EQ(commented->score, plain->score);
  // A comment needs its verdict, and is text of at most 500 characters.
  EXPECT_FALSE(scorer().validate_verified(Kind::morning_star, {{"criteria", {{first, {{"comment", "?"}}}}}}).empty());
  EXPECT_FALSE(scorer()
                   .validate_verified(Kind::morning_star, {{"criteria", {{first, {{"ok", true}, {"comment", 5}}}}}})
                   .empty());
  EXPECT_FALSE(scorer()
                   .validate_verified(Kind::morning_star,
                                      {{"criteria", {{first, {{"ok", true}, {"comment", std::string(501, 'x')}}}}}})
                   .empty());
  // 产业大脑: ok and comment beside a correction, or a comment alone, which corrects nothing.
  EXPECT_TRUE(scorer()
                  .validate_verified(Kind::industry_brain,
                                     {{"indicators",
                                       {{"L1P1", {{"value", 980}, {"ok", false}, {"comment", "以审计报告为准"}}},
                                        {"L1P3", {{"ok", true}, {"comment", "核实无误"}}}}}})
                  .empty());
  json ib = {{"indicators", json::object()}};
  auto alone =
      scorer().compute(Kind::industry_brain, ib, {{"county", {{"indicators", {{"L1P3", {{"comment", "x"}}}}}}}});
  ASSERT_TRUE(alone);
  EXPECT_TRUE(alone->score["verified_total"].is_null());
}
