// The scoring service's pure cores: which events become score events, and the preview reply.
#include <gtest/gtest.h>

#include "scoring_service.hpp"
#include "sdp/build_info.hpp"

using namespace sdp;
using namespace sdp::scoring;
using nlohmann::json;

namespace {
const Scorer& scorer() {
  static auto s = Scorer::load(build_info::kSchemasDir, "2026.1", "2026.1");
  return s;
}
const JsonSchema& request_schema() {
  static auto s = JsonSchema::from_file(std::string(build_info::kSchemasDir) + "/events/scoring_request.schema.json");
  return s;
}
Event event_with(json data) {
  return Event{"0190a0b0-0000-7000-8000-000000000001",
               "declaration.submitted",
               "d-1",
               4,
               "2026-11-26T00:00:00.000Z",
               {{"role", "applicant"}},
               std::move(data)};
}
}  // namespace

TEST(ScoreEventFor, NoScoringRequestMeansNothingToDo) {
  auto r = score_event_for(scorer(), request_schema(), event_with({{"state", "withdrawn"}}), "t");
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->has_value());
}

TEST(ScoreEventFor, TheScoreEventCarriesTheSourceAndAStableId) {
  auto source = event_with({{"scoring", {{"kind", "industry_brain"}, {"payload", {{"indicators", json::object()}}}}}});
  auto a = score_event_for(scorer(), request_schema(), source, "2026-11-26T01:00:00.000Z");
  auto b = score_event_for(scorer(), request_schema(), source, "2026-11-26T02:00:00.000Z");
  ASSERT_TRUE(a.has_value() && a->has_value());
  const auto& e = **a;
  EXPECT_EQ(e.type, "score.computed");
  EXPECT_EQ(e.subject(), "sdp.events.score.computed");
  EXPECT_EQ(e.declaration_id, "d-1");
  EXPECT_EQ(e.version, 4);
  EXPECT_EQ(e.data["source_event_id"], source.id);
  EXPECT_EQ(e.id, (**b).id) << "a re-score must be a JetStream duplicate";
  EXPECT_LE(e.id.size(), 64u);
  auto other = source;
  other.id = "0190a0b0-0000-7000-8000-000000000002";
  EXPECT_NE(e.id, (**score_event_for(scorer(), request_schema(), other, "t")).id);
}

TEST(ScoreEventFor, UnscorableEventsSayWhy) {
  struct Case {
    json scoring;
    std::string reason;
  } cases[] = {
      {{{"kind", "smart_city"}, {"payload", json::object()}}, "data.scoring/kind"},
      {{{"kind", "morning_star"}}, "data.scoring/payload"},
      {{{"kind", "morning_star"}, {"payload", {{"criteria", {{"MS99", {{"met", true}}}}}}}}, "/payload/criteria/MS99"},
      {{{"kind", "morning_star"},
        {"payload", json::object()},
        {"verdicts", {{{"tier", "village"}, {"verified", json::object()}}}}},
       "data.scoring/verdicts/0/tier"},
  };
  for (const auto& c : cases) {
    auto r = score_event_for(scorer(), request_schema(), event_with({{"scoring", c.scoring}}), "t");
    ASSERT_FALSE(r.has_value()) << c.reason;
    EXPECT_NE(r.error().find(c.reason), std::string::npos) << r.error();
  }
}

TEST(Preview, AnswersWithTheScoreOrThePointers) {
  auto ok = preview(scorer(), {{"kind", "morning_star"}, {"payload", {{"claimed_level", 2}}}});
  EXPECT_EQ(ok["status"], 200);
  EXPECT_EQ(ok["body"]["self_assessed_level"], 0);
  EXPECT_EQ(ok["body"]["claimed_level_reached"], false);
  auto no_kind = preview(scorer(), {{"payload", json::object()}});
  EXPECT_EQ(no_kind["status"], 400);
  EXPECT_EQ(no_kind["errors"][0]["pointer"], "/kind");
  auto not_object = preview(scorer(), json::parse("[1]"));
  EXPECT_EQ(not_object["status"], 400);
  auto bad = preview(scorer(), {{"kind", "morning_star"}, {"payload", {{"claimed_level", 9}}}});
  EXPECT_EQ(bad["errors"][0]["pointer"], "/payload/claimed_level");
  auto with_verdict = preview(
      scorer(),
      {{"kind", "morning_star"}, {"payload", {{"claimed_level", 1}}}, {"verified", {{"criteria", {{"MS01", true}}}}}});
  EXPECT_EQ(with_verdict["body"]["verified_level"], 0);
}
