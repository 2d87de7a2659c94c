// City quotas (推荐名额, CONTRACT §6) without a database: the arithmetic of places, the city's
// ranking, a quota never below use, the quota in the plans of a city approve and a resubmission,
// and the validity of an approved rating.
#include <gtest/gtest.h>

#include "plan.hpp"
#include "quota.hpp"
#include "schemas_data.hpp"

using namespace sdp;
using namespace sdp::workflow;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

std::chrono::system_clock::time_point at(int y, unsigned m, unsigned d, int hour_utc = 0) {
  return std::chrono::sys_days{std::chrono::year{y} / m / d} + std::chrono::hours(hour_utc);
}

using fixtures::regions;
using fixtures::scorer;

RoundRow round_with(std::map<std::string, int> quotas) {
  RoundRow r;
  r.id = "0190a0b0-0000-7000-8000-0000000000aa";
  r.title = "2026年度晨星工厂申报";
  r.opens_at = at(2026, 11, 1);
  r.closes_at = at(2026, 12, 1);
  r.quotas = std::move(quotas);
  r.validity_years = 3;
  return r;
}

Row row(State state) {
  Row r;
  r.id = "0190a0b0-0000-7000-8000-000000000001";
  r.number = "MSF-2026-370102-000001";
  r.round = "0190a0b0-0000-7000-8000-0000000000aa";
  r.org = "91370102MA3C00000B";
  r.org_name = "济南某机械有限公司";
  r.region = "370102";
  r.city = "370100";
  r.title = "济南某机械厂";
  r.contact = {"张三", "13800000000", std::nullopt};  // submit requires a contact's name and phone
  json criteria = json::object();
  for (const auto& c : scorer().morning_star_catalog().criteria) criteria[c.id] = {{"met", true}};
  r.payload = {{"claimed_level", 5}, {"criteria", criteria}};
  r.state = state;
  r.version = 4;
  r.submitted_version = 2;
  r.decided = true;
  return r;
}

Circumstances given(std::map<std::string, int> quotas, std::optional<int> recommended) {
  Circumstances g{scorer(), {}, at(2026, 11, 26, 1), round_with(std::move(quotas))};
  g.recommended = recommended;
  return g;
}

const Actor kCity{"r-2", Role::reviewer, "", Tier::city, "370100"};
const Actor kApplicant{"u-1", Role::applicant, "91370102MA3C00000B", std::nullopt, ""};

Result<Change> city_approves(const Circumstances& g) {
  auto r = row(State::city_review);
  return plan(r, standing(kCity, regions(), r), cmd::DecideDeclaration{kCity, r.id, r.version, Decision::approve, ""},
              g);
}

}  // namespace

TEST(Quota, ACityHoldsAPlaceAtTheProvinceInPublicityAndOnceApproved) {
  for (auto s : {State::province_review, State::publicity, State::approved}) EXPECT_TRUE(recommended(s));
  for (auto s :
       {State::draft, State::county_review, State::city_review, State::returned, State::rejected, State::withdrawn})
    EXPECT_FALSE(recommended(s));
  EXPECT_EQ(place_change(State::city_review, State::province_review), Place::take);
  EXPECT_EQ(place_change(State::returned, State::province_review), Place::take);
  EXPECT_EQ(place_change(State::province_review, State::returned), Place::free);
  EXPECT_EQ(place_change(State::publicity, State::rejected), Place::free);
  EXPECT_EQ(place_change(State::province_review, State::publicity), Place::keep);
  EXPECT_EQ(place_change(State::publicity, State::approved), Place::keep);
  EXPECT_EQ(place_change(State::city_review, State::returned), Place::keep);
}

TEST(Quota, TheRoundIsLockedForEveryStateFromWhichAPlaceMayMove) {
  constexpr std::optional<Decision> kSubmit;
  EXPECT_TRUE(may_move_a_place(State::city_review, std::nullopt, Decision::approve)) << "the city recommends";
  EXPECT_FALSE(may_move_a_place(State::city_review, std::nullopt, Decision::return_));
  EXPECT_FALSE(may_move_a_place(State::city_review, std::nullopt, Decision::reject));
  EXPECT_FALSE(may_move_a_place(State::province_review, std::nullopt, Decision::approve)) << "into 公示: kept";
  EXPECT_TRUE(may_move_a_place(State::province_review, std::nullopt, Decision::return_));
  EXPECT_TRUE(may_move_a_place(State::province_review, std::nullopt, Decision::reject));
  EXPECT_TRUE(may_move_a_place(State::publicity, std::nullopt, Decision::reject)) << "an objection upheld";
  EXPECT_TRUE(may_move_a_place(State::returned, Tier::province, kSubmit));
  EXPECT_FALSE(may_move_a_place(State::returned, Tier::city, kSubmit)) << "back to the city: no place taken";
  EXPECT_FALSE(may_move_a_place(State::county_review, std::nullopt, Decision::approve));
  EXPECT_FALSE(may_move_a_place(State::draft, std::nullopt, kSubmit));
}

TEST(Quota, TheLastPlaceIsTakenAndThenTheQuotaIsExhaustedWithItsCounts) {
  EXPECT_FALSE(quota_refusal({{"370100", 20}}, "370100", 19).has_value());
  auto p = quota_refusal({{"370100", 20}}, "370100", 20);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->kind, ProblemKind::rule);
  EXPECT_EQ(p->detail.en, "quota exhausted: 20 of 20 used");
  EXPECT_EQ(p->detail.zh, "推荐名额已用完：已用 20 个，共 20 个");
  EXPECT_EQ(quota_refusal({{"370100", 0}}, "370100", 0)->detail.en, "quota exhausted: 0 of 0 used");
}

TEST(Quota, ACityTheRoundGivesNoQuotaHasNoPlacesButARoundWithoutQuotasHasNoLimit) {
  auto p = quota_refusal({{"370200", 5}}, "370100", 0);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->kind, ProblemKind::rule);
  EXPECT_NE(p->detail.en.find("no quota for this city in the round"), std::string::npos) << p->detail.en;
  EXPECT_FALSE(p->detail.zh.empty());
  EXPECT_FALSE(quota_refusal({}, "370100", 1000).has_value());
}

TEST(Quota, AQuotaMayNotGoBelowWhatItsCityUses) {
  EXPECT_TRUE(quotas_below_use({{"370100", 3}}, {{"370100", 3}}).empty());
  auto below = quotas_below_use({{"370100", 2}, {"370200", 9}}, {{"370100", 3}, {"370200", 1}});
  ASSERT_EQ(below.size(), 1u);
  EXPECT_EQ(below[0].pointer, "/quotas/370100");
  EXPECT_EQ(below[0].message, "370100 has already used 3 places; its quota cannot be 2");
  auto dropped = quotas_below_use({{"370200", 9}}, {{"370100", 1}});
  ASSERT_EQ(dropped.size(), 1u) << "leaving a city out of the quotas is giving it 0 places";
  EXPECT_EQ(dropped[0].pointer, "/quotas/370100");
  EXPECT_TRUE(quotas_below_use({}, {{"370100", 4}}).empty()) << "no quotas at all: no limit";
}

TEST(Quota, ThePatchOfARoundNamesTheCityAndTheCounts) {
  cmd::UpdateRound u;
  u.actor = {"a-1", Role::admin, "", std::nullopt, ""};
  u.expected_version = 1;
  u.quotas = std::map<std::string, int>{{"370100", 1}};
  auto r = plan_update_round(round_with({{"370100", 5}}), u, regions(), {{"370100", 2}});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ProblemKind::rule);
  EXPECT_EQ(r.error().errors.at(0).pointer, "/quotas/370100");
  EXPECT_NE(r.error().detail.en.find("370100 has already used 2"), std::string::npos) << r.error().detail.en;
  u.quotas = std::map<std::string, int>{{"370100", 2}};
  EXPECT_TRUE(plan_update_round(round_with({{"370100", 5}}), u, regions(), {{"370100", 2}}).has_value());
}

TEST(Quota, ACityApproveNeedsAFreePlace) {
  auto ok = city_approves(given({{"370100", 2}}, 1));
  ASSERT_TRUE(ok.has_value()) << ok.error().title.en;
  EXPECT_EQ(ok->row.state, State::province_review);
  auto full = city_approves(given({{"370100", 2}}, 2));
  ASSERT_FALSE(full.has_value());
  EXPECT_EQ(full.error().kind, ProblemKind::rule);
  EXPECT_EQ(full.error().detail.en, "quota exhausted: 2 of 2 used");
  auto uncounted = city_approves(given({{"370100", 2}}, std::nullopt));
  ASSERT_FALSE(uncounted.has_value()) << "never approved on a count not taken";
  EXPECT_TRUE(city_approves(given({}, std::nullopt)).has_value()) << "a round without quotas";
}

TEST(Quota, AResubmissionAfterTheProvincesReturnNeedsAFreePlaceAgain) {
  auto r = row(State::returned);
  r.returned_by = Tier::province;
  auto submit = [&](const Circumstances& g) {
    return plan(r, standing(kApplicant, regions(), r), cmd::SubmitDeclaration{kApplicant, r.id, std::nullopt}, g);
  };
  auto full = submit(given({{"370100", 1}}, 1));
  ASSERT_FALSE(full.has_value());
  EXPECT_EQ(full.error().detail.en, "quota exhausted: 1 of 1 used");
  auto ok = submit(given({{"370100", 1}}, 0));
  ASSERT_TRUE(ok.has_value()) << ok.error().title.en;
  EXPECT_EQ(ok->row.state, State::province_review);
  r.returned_by = Tier::city;  // back to the city, which decides again: no place taken yet
  EXPECT_TRUE(submit(given({{"370100", 1}}, 1)).has_value());
}

TEST(Ranking, ExactlyTheCurrentRecommendationsEachOnce) {
  const std::vector<std::string> current{"a", "b", "c"};
  EXPECT_FALSE(ranking_refusal({"c", "a", "b"}, current).has_value());
  EXPECT_FALSE(ranking_refusal({}, {}).has_value());
  auto p = ranking_refusal({"c", "x", "a", "c"}, current);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->kind, ProblemKind::rule);
  EXPECT_EQ(p->detail.en, "1 missing, 1 unknown, 1 listed twice");
  std::vector<std::string> pointers;
  for (const auto& e : p->errors) pointers.push_back(e.pointer + " " + e.message);
  EXPECT_EQ(pointers, (std::vector<std::string>{"/ids/1 x is not a recommendation of this city in the round",
                                                "/ids/3 c is listed twice",
                                                "/ids missing b, a recommendation of this city in the round"}));
}

TEST(Validity, TheApprovalDateInChinaPlusTheRoundsYears) {
  EXPECT_EQ(valid_until(at(2026, 12, 3, 2), 3), "2029-12-03");
  EXPECT_EQ(valid_until(at(2026, 12, 31, 16), 3), "2030-01-01") << "00:00 on 1 January in Beijing";
  EXPECT_EQ(valid_until(at(2026, 12, 31, 15) + 59min, 3), "2029-12-31");
  EXPECT_EQ(valid_until(at(2028, 2, 29, 4), 3), "2031-02-28") << "29 February, in a year that has none";
  EXPECT_EQ(valid_until(at(2028, 2, 29, 4), 4), "2032-02-29");
  EXPECT_EQ(valid_until(at(2028, 2, 28, 16), 1), "2029-02-28") << "already the 29th in Beijing";
}

TEST(Validity, TheEndOfPublicitySetsValidUntilFromTheRound) {
  auto r = row(State::publicity);
  r.publicity_ends_at = "2026-11-25 00:00:00.000000";
  auto c = plan_end_publicity(r, given({}, std::nullopt));
  ASSERT_TRUE(c.has_value()) << c.error().title.en;
  EXPECT_EQ(c->row.state, State::approved);
  EXPECT_EQ(c->row.valid_until, "2029-11-26");
  EXPECT_EQ(c->row.to_json(regions())["valid_until"], "2029-11-26");
  EXPECT_TRUE(row(State::draft).to_json(regions())["valid_until"].is_null());
}
