// The scoring engine, table-driven, against the real catalogues and models of schemas/.
#include <gtest/gtest.h>

#include <random>

#include "sdp/build_info.hpp"
#include "sdp/scoring/engine.hpp"

using namespace sdp::scoring;
using nlohmann::json;

namespace {

const MorningStarCatalog& ms() {
  static auto c = MorningStarCatalog::from_json(
      read_json_file(std::string(sdp::build_info::kSchemasDir) + "/catalogs/morning_star.json"));
  return c;
}
const MorningStarModel& ms_model() {
  static auto m = MorningStarModel::from_json(
      read_json_file(std::string(sdp::build_info::kSchemasDir) + "/models/morning_star/2026.1.json"), ms());
  return m;
}
const IndustryBrainCatalog& ib() {
  static auto c = IndustryBrainCatalog::from_json(
      read_json_file(std::string(sdp::build_info::kSchemasDir) + "/catalogs/industry_brain.json"));
  return c;
}
const IndustryBrainModel& ib_model() {
  static auto m = IndustryBrainModel::from_json(
      read_json_file(std::string(sdp::build_info::kSchemasDir) + "/models/industry_brain/2026.1.json"), ib());
  return m;
}

// Points are kept to the hundredth (0.375 -> 0.38).
double round2(double x) { return std::round(x * 100.0) / 100.0; }

// A payload claiming exactly `met` (everything else left out, so not met).
json ms_payload(const std::set<std::string>& met, int claimed = 5) {
  json criteria = json::object();
  for (const auto& id : met) criteria[id] = {{"met", true}, {"evidence", "见附件"}};
  return {{"claimed_level", claimed}, {"criteria", criteria}};
}

std::set<std::string> all_items() {
  std::set<std::string> s;
  for (const auto& c : ms().criteria) s.insert(c.id);
  return s;
}

std::set<std::string> starred_up_to(int level) {
  std::set<std::string> s;
  for (int l = 1; l <= level; ++l)
    for (const auto* c : ms().starred_for(l)) s.insert(c->id);
  return s;
}

MorningStarScore score_ms(const json& payload, const std::vector<Verdict>& verdicts = {}) {
  auto r = score_morning_star(ms(), ms_model(), payload, verdicts);
  EXPECT_TRUE(r.has_value());
  return r.value_or(MorningStarScore{});
}

// Full marks for every indicator: the top breakpoint, or grade A.
json ib_full_payload() {
  json indicators = json::object();
  for (const auto& ind : ib().indicators) {
    const auto& n = ib_model().indicators.at(ind.id).normalisation;
    if (ind.input == Indicator::Input::grade)
      indicators[ind.id] = {{"grade", "A"}};
    else
      indicators[ind.id] = {
          {"value", std::min(n.breakpoints.back().first, ind.value_range ? ind.value_range->second : 1e18)}};
  }
  return {{"cluster_name", "济南智能制造产业集群"}, {"indicators", indicators}};
}

}  // namespace

// ---- 晨星工厂 ----

TEST(MorningStarLevels, EachLevelBoundary) {
  for (int level = 0; level <= 5; ++level) {
    SCOPED_TRACE(level);
    EXPECT_EQ(score_ms(ms_payload(starred_up_to(level))).self_assessed_level, level);
  }
}

TEST(MorningStarLevels, EveryItemsEffect) {
  // Everything met but one item: the level falls to just below the lowest level that item is starred for.
  auto everything = all_items();
  for (const auto& c : ms().criteria) {
    SCOPED_TRACE(c.id);
    auto met = everything;
    met.erase(c.id);
    int expected = c.levels.empty() ? 5 : c.levels.front() - 1;
    EXPECT_EQ(score_ms(ms_payload(met)).self_assessed_level, expected);
  }
}

TEST(MorningStarLevels, AnItemStarredForNButNotMetCapsTheLevelBelowN) {
  for (int n = 1; n <= 5; ++n) {
    for (const auto* c : ms().starred_for(n)) {
      if (c->levels.front() != n) continue;  // first required at n
      auto met = starred_up_to(5);
      met.erase(c->id);
      auto s = score_ms(ms_payload(met));
      EXPECT_EQ(s.self_assessed_level, n - 1) << c->id;
      ASSERT_TRUE(s.missing.contains(n)) << c->id;
      EXPECT_NE(std::find(s.missing[n].begin(), s.missing[n].end(), c->id), s.missing[n].end()) << c->id;
    }
  }
}

TEST(MorningStarLevels, LeftOutAndNotMetCountTheSame) {
  auto met = starred_up_to(3);
  auto payload = ms_payload(met);
  for (const auto* c : ms().starred_for(4))
    if (!met.contains(c->id)) payload["criteria"][c->id] = {{"met", false}};
  EXPECT_EQ(score_ms(payload).self_assessed_level, 3);
  EXPECT_EQ(score_ms(ms_payload(met)).self_assessed_level, 3);
}

TEST(MorningStarLevels, TheUnstarredItemChangesNothing) {
  auto met = starred_up_to(2);
  const auto* unstarred = ms().find("MS26");
  ASSERT_NE(unstarred, nullptr);
  ASSERT_TRUE(unstarred->levels.empty());
  auto with = met;
  with.insert("MS26");
  EXPECT_EQ(score_ms(ms_payload(with)).self_assessed_level, score_ms(ms_payload(met)).self_assessed_level);
}

TEST(MorningStarLevels, MeetingMoreNeverLowersTheLevel) {
  std::mt19937 rng(20261126);
  const auto items = all_items();
  std::vector<std::string> ids(items.begin(), items.end());
  for (int trial = 0; trial < 300; ++trial) {
    std::set<std::string> met;
    for (const auto& id : ids)
      if (rng() % 4 != 0) met.insert(id);
    int before = score_ms(ms_payload(met)).self_assessed_level;
    const auto& extra = ids[rng() % ids.size()];
    met.insert(extra);
    EXPECT_GE(score_ms(ms_payload(met)).self_assessed_level, before) << "adding " << extra;
  }
}

TEST(MorningStarGap, ListsTheStarredItemsMissingForEachLevelAbove) {
  auto met = starred_up_to(2);
  auto s = score_ms(ms_payload(met, 4));
  EXPECT_EQ(s.self_assessed_level, 2);
  EXPECT_EQ(s.claimed_level, 4);
  EXPECT_EQ(s.missing.size(), 3u);  // levels 3, 4, 5
  for (int level = 3; level <= 5; ++level) {
    std::vector<std::string> expected;
    for (const auto* c : ms().starred_for(level))
      if (!met.contains(c->id)) expected.push_back(c->id);
    EXPECT_EQ(s.missing[level], expected) << level;
  }
  auto j = s.to_json();
  EXPECT_EQ(j["claimed_level_reached"], false);
  EXPECT_TRUE(j["missing"].contains("3"));
  EXPECT_FALSE(j["missing"].contains("2"));
  EXPECT_TRUE(j["verified_level"].is_null());
}

TEST(MorningStarVerdicts, VerifiedAppliesVerdictsAndALaterTierWins) {
  auto met = starred_up_to(3);
  auto payload = ms_payload(met, 3);
  const std::string first_l1 = ms().starred_for(1).front()->id;
  const std::string first_l3 = [] {
    for (const auto* c : ms().starred_for(3))
      if (c->levels.front() == 3) return c->id;
    return std::string();
  }();
  struct Case {
    const char* name;
    std::vector<Verdict> verdicts;
    std::optional<int> verified;
  };
  std::vector<Case> cases = {
      {"no verdict", {}, std::nullopt},
      {"county confirms", {{"county", {{"criteria", {{first_l1, true}}}}}}, 3},
      {"county denies a level-1 item", {{"county", {{"criteria", {{first_l1, false}}}}}}, 0},
      {"county denies, city restores",
       {{"county", {{"criteria", {{first_l1, false}}}}}, {"city", {{"criteria", {{first_l1, true}}}}}},
       3},
      {"county confirms, province denies a level-3 item",
       {{"county", {{"criteria", {{first_l3, true}}}}}, {"province", {{"criteria", {{first_l3, false}}}}}},
       2},
      {"a verdict can grant an item the applicant left out", {{"city", {{"criteria", json::object()}}}}, std::nullopt},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto s = score_ms(payload, c.verdicts);
    EXPECT_EQ(s.self_assessed_level, 3);
    EXPECT_EQ(s.verified_level, c.verified);
  }
}

TEST(MorningStarVerdicts, TheGapFollowsTheVerifiedLevel) {
  auto payload = ms_payload(starred_up_to(3), 3);
  const auto* l2_item = [] {
    for (const auto* c : ms().starred_for(2))
      if (c->levels.front() == 2) return c;
    return static_cast<const Criterion*>(nullptr);
  }();
  auto s = score_ms(payload, {{"county", {{"criteria", {{l2_item->id, false}}}}}});
  EXPECT_EQ(s.verified_level, 1);
  ASSERT_TRUE(s.missing.contains(2));
  EXPECT_EQ(s.missing[2], std::vector<std::string>{l2_item->id});
}

TEST(MorningStarInput, UnknownIdsAndBadTypesAreRefusedWithPointers) {
  struct Case {
    json payload;
    std::vector<Verdict> verdicts;
    std::string pointer;
  };
  std::vector<Case> cases = {
      {{{"criteria", {{"MS99", {{"met", true}}}}}}, {}, "/payload/criteria/MS99"},
      {{{"criteria", {{"MS01", {{"met", "yes"}}}}}}, {}, "/payload/criteria/MS01/met"},
      {{{"claimed_level", 6}}, {}, "/payload/claimed_level"},
      {{{"claimed_level", 0}}, {}, "/payload/claimed_level"},
      {ms_payload({"MS01"}), {{"county", {{"criteria", {{"XX01", true}}}}}}, "/verified/criteria/XX01"},
      {ms_payload({"MS01"}), {{"county", {{"criteria", {{"MS01", "true"}}}}}}, "/verified/criteria/MS01"},
  };
  for (const auto& c : cases) {
    auto r = score_morning_star(ms(), ms_model(), c.payload, c.verdicts);
    ASSERT_FALSE(r.has_value()) << c.pointer;
    EXPECT_EQ(r.error().front().pointer, c.pointer);
  }
}

// Issue 13: a payload with thousands of unknown ids gets a short list, whatever calls the engine.
TEST(MorningStarInput, ThousandsOfUnknownIdsGiveACappedList) {
  json criteria = json::object(), verified = json::object();
  for (int i = 0; i < 3000; ++i) {
    criteria["XX" + std::to_string(i)] = {{"met", true}};
    verified["YY" + std::to_string(i)] = true;
  }
  auto r = score_morning_star(ms(), ms_model(), {{"claimed_level", 1}, {"criteria", criteria}},
                              {{"county", {{"criteria", verified}}}, {"city", {{"criteria", verified}}}});
  ASSERT_FALSE(r.has_value());
  ASSERT_EQ(r.error().size(), sdp::kMaxProblems + 1);
  EXPECT_EQ(r.error().back(), (sdp::SchemaProblem{"", "and 8950 more problems", "另有 8950 处问题未列出"}));
  EXPECT_EQ(check_morning_star_verified(ms(), {{"criteria", verified}}).size(), sdp::kMaxProblems + 1);
  json indicators = json::object();
  for (int i = 0; i < 3000; ++i) indicators["ZZ" + std::to_string(i)] = {{"value", 1}};
  EXPECT_EQ(check_industry_brain_payload(ib(), {{"indicators", indicators}}).size(), sdp::kMaxProblems + 1);
  EXPECT_EQ(check_industry_brain_verified(ib(), {{"indicators", indicators}}).size(), sdp::kMaxProblems + 1);
}

// ---- 产业大脑 ----

TEST(IndustryBrainWeights, SumToTheTotalAndFullMarksScoreIt) {
  double dims = 0, inds = 0;
  for (const auto& [_, w] : ib_model().dimension_weights) dims += w;
  for (const auto& [_, im] : ib_model().indicators) inds += im.weight;
  EXPECT_DOUBLE_EQ(dims, 100);
  EXPECT_DOUBLE_EQ(inds, 100);
  auto s = score_industry_brain(ib(), ib_model(), ib_full_payload());
  ASSERT_TRUE(s.has_value());
  EXPECT_DOUBLE_EQ(s->total, 100);
  EXPECT_TRUE(s->missing.empty());
  for (const auto& [dim, w] : ib_model().dimension_weights) {
    EXPECT_DOUBLE_EQ(s->dimensions[dim].points, w) << dim;
    EXPECT_DOUBLE_EQ(s->dimensions[dim].max, w) << dim;
  }
}

TEST(IndustryBrainWeights, AnEmptyPayloadScoresZeroAndListsEverythingMissing) {
  auto s = score_industry_brain(ib(), ib_model(), json{{"indicators", json::object()}});
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->total, 0);
  EXPECT_EQ(s->missing.size(), 32u);
  EXPECT_DOUBLE_EQ(s->indicators["L1P1"].max, ib_model().indicators.at("L1P1").weight);
}

TEST(IndustryBrainNormalisation, PiecewiseLinearBetweenBreakpoints) {
  Normalisation n;
  n.breakpoints = {{0, 0}, {10, 0.5}, {30, 1.0}};
  struct Case {
    double value, fraction;
  } cases[] = {{0, 0}, {5, 0.25}, {10, 0.5}, {20, 0.75}, {30, 1.0}, {1000, 1.0}};
  for (auto c : cases) EXPECT_DOUBLE_EQ(n.fraction_of_value(c.value), c.fraction) << c.value;
}

TEST(IndustryBrainNormalisation, EveryIndicatorsPointsFollowItsCurve) {
  for (const auto& ind : ib().indicators) {
    SCOPED_TRACE(ind.id);
    const auto& im = ib_model().indicators.at(ind.id);
    auto payload = json{{"indicators", json::object()}};
    if (ind.input == Indicator::Input::grade) {
      for (auto g : {"A", "B", "C", "D"}) {
        payload["indicators"][ind.id] = {{"grade", g}};
        auto s = score_industry_brain(ib(), ib_model(), payload);
        ASSERT_TRUE(s.has_value());
        EXPECT_DOUBLE_EQ(s->indicators[ind.id].points, round2(im.weight * im.normalisation.grade_points.at(g))) << g;
        EXPECT_NEAR(s->total, s->indicators[ind.id].points, 1e-9);
      }
    } else {
      const auto& bp = im.normalisation.breakpoints;
      double mid = (bp[0].first + bp[1].first) / 2;
      if (ind.value_range) mid = std::max(mid, ind.value_range->first);
      payload["indicators"][ind.id] = {{"value", mid}};
      auto s = score_industry_brain(ib(), ib_model(), payload);
      ASSERT_TRUE(s.has_value());
      EXPECT_DOUBLE_EQ(s->indicators[ind.id].points, round2(im.weight * im.normalisation.fraction_of_value(mid)));
    }
  }
}

TEST(IndustryBrainNormalisation, HigherValuesAndBetterGradesNeverScoreLess) {
  for (const auto& ind : ib().indicators) {
    SCOPED_TRACE(ind.id);
    double previous = -1;
    auto payload = json{{"indicators", json::object()}};
    if (ind.input == Indicator::Input::grade) {
      for (auto g : {"D", "C", "B", "A"}) {
        payload["indicators"][ind.id] = {{"grade", g}};
        double p = score_industry_brain(ib(), ib_model(), payload)->total;
        EXPECT_GE(p, previous) << g;
        previous = p;
      }
      continue;
    }
    double lo = ind.value_range ? ind.value_range->first : 0;
    double hi = ind.value_range ? ind.value_range->second
                                : ib_model().indicators.at(ind.id).normalisation.breakpoints.back().first * 1.5;
    for (int i = 0; i <= 60; ++i) {
      payload["indicators"][ind.id] = {{"value", lo + (hi - lo) * i / 60.0}};
      double p = score_industry_brain(ib(), ib_model(), payload)->total;
      EXPECT_GE(p, previous) << i;
      previous = p;
    }
  }
}

TEST(IndustryBrainVerdicts, CorrectionsReplaceValuesAndALaterTierWins) {
  auto payload = ib_full_payload();
  auto self = score_industry_brain(ib(), ib_model(), payload);
  ASSERT_TRUE(self.has_value());
  EXPECT_FALSE(self->verified_total.has_value());
  auto corrected = score_industry_brain(ib(), ib_model(), payload,
                                        {{"county", {{"indicators", {{"L1P1", {{"value", 0}}}}}}},
                                         {"city", {{"indicators", {{"L1P3", {{"grade", "D"}}}}}}}});
  ASSERT_TRUE(corrected.has_value());
  EXPECT_DOUBLE_EQ(corrected->self_assessed_total, 100);
  auto lost = ib_model().indicators.at("L1P1").weight + ib_model().indicators.at("L1P3").weight;
  EXPECT_DOUBLE_EQ(*corrected->verified_total, 100 - lost);
  EXPECT_DOUBLE_EQ(corrected->total, 100 - lost);
  auto restored = score_industry_brain(ib(), ib_model(), payload,
                                       {{"county", {{"indicators", {{"L1P1", {{"value", 0}}}}}}},
                                        {"province", {{"indicators", {{"L1P1", {{"value", 1e6}}}}}}}});
  EXPECT_DOUBLE_EQ(restored->total, 100);
}

TEST(IndustryBrainInput, BadInputsAreRefusedWithPointers) {
  struct Case {
    json indicators;
    std::string pointer;
  };
  std::vector<Case> cases = {
      {{{"L9P9", {{"value", 1}}}}, "/payload/indicators/L9P9"},
      {{{"L1P1", {{"value", -1}}}}, "/payload/indicators/L1P1/value"},
      {{{"L1P1", {{"value", "12"}}}}, "/payload/indicators/L1P1/value"},
      {{{"L1P1", {{"grade", "A"}}}}, "/payload/indicators/L1P1/grade"},
      {{{"L1P3", {{"value", 3}}}}, "/payload/indicators/L1P3/value"},
      {{{"L1P3", {{"grade", "E"}}}}, "/payload/indicators/L1P3/grade"},
      {{{"L5P5", {{"value", 6}}}}, "/payload/indicators/L5P5/value"},
      {{{"L5P5", {{"value", 0}}}}, "/payload/indicators/L5P5/value"},
  };
  for (const auto& c : cases) {
    auto r = score_industry_brain(ib(), ib_model(), json{{"indicators", c.indicators}});
    ASSERT_FALSE(r.has_value()) << c.pointer;
    EXPECT_EQ(r.error().front().pointer, c.pointer);
  }
  auto bad_verdict = score_industry_brain(ib(), ib_model(), ib_full_payload(),
                                          {{"city", {{"indicators", {{"L2P2", {{"value", -3}}}}}}}});
  ASSERT_FALSE(bad_verdict.has_value());
  EXPECT_EQ(bad_verdict.error().front().pointer, "/verified/indicators/L2P2/value");
}
