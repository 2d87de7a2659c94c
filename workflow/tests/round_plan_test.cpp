// Rounds' pure core (CONTRACT §6): the state from the clock, RFC 3339 times, and the rules of
// creating and patching a round.
#include <gtest/gtest.h>

#include "round_plan.hpp"
#include "sdp/build_info.hpp"

using namespace sdp;
using namespace sdp::workflow;
using namespace std::chrono_literals;

namespace {

const RegionCatalog& regions() {
  static auto r = RegionCatalog::from_file(std::string(build_info::kSchemasDir) + "/regions/shandong.json");
  return r;
}

const Actor kAdmin{"a-1", Role::admin, "", std::nullopt, ""};
const Actor kApplicant{"u-1", Role::applicant, "91370102MA3C00000B", std::nullopt, ""};

cmd::CreateRound creation(const Actor& actor = kAdmin) {
  cmd::CreateRound c;
  c.actor = actor;
  c.kind = Kind::morning_star;
  c.year = 2026;
  c.title = "2026年度晨星工厂申报";
  c.opens_at = "2026-03-01T00:00:00+08:00";
  c.closes_at = "2026-04-01T00:00:00+08:00";
  c.quotas = {{"370100", 20}, {"370200", 20}};
  return c;
}

RoundRow created() { return *plan_create_round(creation(), regions()); }

cmd::UpdateRound patch(int64_t version = 1) {
  cmd::UpdateRound u;
  u.actor = kAdmin;
  u.id = "r-1";
  u.expected_version = version;
  return u;
}

}  // namespace

TEST(RoundTimes, Rfc3339WithOffsetsAndFractions) {
  auto a = parse_rfc3339("2026-03-01T00:00:00+08:00");
  auto b = parse_rfc3339("2026-02-28T16:00:00Z");
  auto c = parse_rfc3339("2026-02-28T16:00:00.250Z");
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(*c, *b) << "fractions are accepted (and dropped)";
  EXPECT_EQ(rfc3339(*a), "2026-02-28T16:00:00.000Z");
  for (const char* bad : {"2026-03-01", "2026-03-01T00:00:00", "2026-02-30T00:00:00Z", "2026-03-01T25:00:00Z",
                          "2026-03-01T00:00:00+0800", "x2026-03-01T00:00:00Z"})
    EXPECT_FALSE(parse_rfc3339(bad)) << bad;
}

TEST(RoundState, ScheduledThenOpenFromOpensAtThenClosedFromClosesAt) {
  auto r = created();
  EXPECT_EQ(round_state(r, r.opens_at - 1s), cmd::RoundState::scheduled);
  EXPECT_EQ(round_state(r, r.opens_at), cmd::RoundState::open);
  EXPECT_EQ(round_state(r, r.closes_at - 1s), cmd::RoundState::open);
  EXPECT_EQ(round_state(r, r.closes_at), cmd::RoundState::closed);
  EXPECT_EQ(r.to_json(r.opens_at)["state"], "open");
  EXPECT_FALSE(outside_window(r, r.opens_at));
  auto early = outside_window(r, r.opens_at - 1s);
  ASSERT_TRUE(early);
  EXPECT_EQ(early->kind, ProblemKind::conflict);
  EXPECT_NE(early->detail.zh.find("2026-03-01 00:00"), std::string::npos) << early->detail.zh;
  EXPECT_NE(early->detail.zh.find("尚未开始"), std::string::npos);
  auto late = outside_window(r, r.closes_at);
  ASSERT_TRUE(late);
  EXPECT_NE(late->detail.zh.find("已截止"), std::string::npos);
  EXPECT_NE(late->detail.en.find("2026-03-31T16:00:00.000Z"), std::string::npos) << late->detail.en;
}

TEST(PlanCreateRound, AnAdminOpensARoundWithTheContractsDefaults) {
  auto r = plan_create_round(creation(), regions());
  ASSERT_TRUE(r) << r.error().title.en;
  EXPECT_EQ(r->version, 1);
  EXPECT_EQ(r->review_working_days, (cmd::ReviewDays{5, 10, 15}));
  EXPECT_EQ(r->publicity_working_days, 5);
  EXPECT_EQ(r->validity_years, 3);
  EXPECT_EQ(r->quotas.at("370200"), 20);
}

TEST(PlanCreateRound, OnlyAnAdmin) {
  auto r = plan_create_round(creation(kApplicant), regions());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ProblemKind::forbidden);
  EXPECT_FALSE(r.error().title.zh.empty());
}

TEST(PlanCreateRound, ClosingBeforeOpeningIsInvalidAtClosesAt) {
  auto c = creation();
  c.closes_at = c.opens_at;
  auto r = plan_create_round(c, regions());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ProblemKind::invalid);
  EXPECT_EQ(r.error().errors.at(0).pointer, "/closes_at");
  EXPECT_FALSE(r.error().errors[0].message_zh.empty());
}

TEST(PlanCreateRound, AQuotaOfSomethingNotACityIsInvalid) {
  auto c = creation();
  c.quotas["370102"] = 1;  // a county
  auto r = plan_create_round(c, regions());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().errors.at(0).pointer, "/quotas/370102");
}

TEST(PlanUpdateRound, OnlyWhatThePatchNamesChangesAndTheVersionMovesOn) {
  auto round = created();
  auto u = patch();
  u.closes_at = "2026-04-15T00:00:00+08:00";
  u.quotas = std::map<std::string, int>{{"370100", 25}};
  auto r = plan_update_round(round, u, regions());
  ASSERT_TRUE(r) << r.error().title.en;
  EXPECT_EQ(r->version, 2);
  EXPECT_EQ(r->title, round.title);
  EXPECT_EQ(r->opens_at, round.opens_at);
  EXPECT_EQ(rfc3339(r->closes_at), "2026-04-14T16:00:00.000Z");
  EXPECT_EQ(r->quotas, (std::map<std::string, int>{{"370100", 25}})) << "quotas are replaced as a whole";
  EXPECT_EQ(r->review_working_days, round.review_working_days);
}

TEST(PlanUpdateRound, AStaleVersionIsPreconditionFailed) {
  auto r = plan_update_round(created(), patch(7), regions());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ProblemKind::precondition_failed);
  EXPECT_FALSE(r.error().detail.zh.empty());
}

TEST(PlanUpdateRound, OnlyAnAdmin) {
  auto u = patch();
  u.actor = kApplicant;
  auto r = plan_update_round(created(), u, regions());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ProblemKind::forbidden);
}

TEST(PlanUpdateRound, MovingOpensAtPastClosesAtIsInvalid) {
  auto u = patch();
  u.opens_at = "2026-05-01T00:00:00+08:00";
  auto r = plan_update_round(created(), u, regions());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ProblemKind::invalid);
  EXPECT_EQ(r.error().errors.at(0).pointer, "/closes_at");
}
