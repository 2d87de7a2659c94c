// Every verb's plan (CONTRACT §2, §3), without a database; each planned event's data is checked
// against schemas/events/declaration.schema.json, as its producer must.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "plan.hpp"
#include "schemas_data.hpp"
#include "sdp/build_info.hpp"
#include "sdp/json_schema.hpp"
#include "sdp/time.hpp"

using namespace sdp;
using namespace sdp::workflow;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const std::string kDir = build_info::kSchemasDir;
const std::string kOrg = "91370102MA3C00000B";

using fixtures::regions;
using fixtures::scorer;

const auto kNow = std::chrono::sys_days{std::chrono::year{2026} / 11 / 26} + 9h;

Actor applicant(std::string org = kOrg) { return {"u-1", Role::applicant, std::move(org), std::nullopt, ""}; }
Actor reviewer(Tier tier, std::string region) { return {"r-1", Role::reviewer, "", tier, std::move(region)}; }
const Actor kCounty = reviewer(Tier::county, "370102");
const Actor kCity = reviewer(Tier::city, "370100");
const Actor kProvince = reviewer(Tier::province, "370000");

json all_met() {
  json criteria = json::object();
  for (const auto& c : scorer().morning_star_catalog().criteria) criteria[c.id] = {{"met", true}};
  return {{"claimed_level", 5}, {"criteria", criteria}};
}

Row row(State state, Kind kind = Kind::morning_star) {
  Row r;
  r.id = "0190a0b0-0000-7000-8000-000000000001";
  r.number = (kind == Kind::morning_star ? "MSF" : "IBR") + std::string("-2026-370102-000001");
  r.kind = kind;
  r.round = "0190a0b0-0000-7000-8000-0000000000aa";
  r.org = kOrg;
  r.org_name = "济南某机械有限公司";
  r.region = "370102";
  r.city = "370100";
  r.title = "济南某机械厂";
  r.contact = {"张三", "13800000000", "zhang@example.com"};
  r.payload = kind == Kind::morning_star ? all_met() : json{{"indicators", json::object()}};
  r.state = state;
  r.version = 3;
  if (state != State::draft) r.submitted_version = 2;
  if (state == State::returned) r.returned_by = Tier::county;
  r.created_at = r.updated_at = "2026-11-20 08:00:00.000000";
  return r;
}

// A round open from 2026-11-01 to 2026-12-01 (kNow is inside it).
RoundRow open_round(Kind kind = Kind::morning_star) {
  RoundRow r;
  r.id = "0190a0b0-0000-7000-8000-0000000000aa";
  r.kind = kind;
  r.year = 2026;
  r.title = "2026年度晨星工厂申报";
  r.opens_at = std::chrono::sys_days{std::chrono::year{2026} / 11 / 1};
  r.closes_at = std::chrono::sys_days{std::chrono::year{2026} / 12 / 1};
  return r;
}

const WorkingDays& calendar() {
  static auto c = WorkingDays::from_file(std::filesystem::path(kDir) / "calendar" / "working_days.json");
  return c;
}

Circumstances given(std::vector<scoring::Verdict> verdicts = {}) {
  return {scorer(), std::move(verdicts), kNow, open_round(), &calendar()};
}

// The end of a day in Beijing (24:00 China Standard Time) as the row's UTC text.
std::string end_of_beijing_day(int month, int day) {
  return db_time(std::chrono::sys_days{std::chrono::year{2026} / month / day} + 16h);
}

// The event data a plan would publish must be what its consumers were promised.
void expect_valid_data(const std::string& type, const json& data) {
  static auto schema = JsonSchema::from_file(kDir + "/events/declaration.schema.json");
  auto problems = schema.validate(data);
  EXPECT_TRUE(problems.empty()) << type << " " << data.dump() << ": "
                                << (problems.empty() ? "" : problems[0].pointer + " " + problems[0].message);
}
void expect_valid_event(const Change& c) {
  expect_valid_data(c.event_type, c.event_data);
  EXPECT_EQ(c.event_data["from"], name(c.from));
  EXPECT_EQ(c.event_data["to"], name(c.row.state));
}

Result<Change> update(const Row& r, const Actor& a, json payload, std::optional<int64_t> version = std::nullopt) {
  cmd::UpdateDeclaration u{a,
                           r.id,
                           version.value_or(r.version),
                           "新标题",
                           std::nullopt,
                           cmd::Contact{"李四", "13900000000", std::nullopt},
                           std::move(payload)};
  return plan(r, standing(a, regions(), r), u, given());
}
Result<Change> submit(const Row& r, const Actor& a = applicant()) {
  return plan(r, standing(a, regions(), r), cmd::SubmitDeclaration{a, r.id, std::nullopt}, given());
}
Result<Change> withdraw(const Row& r, const Actor& a = applicant()) {
  return plan(r, standing(a, regions(), r), cmd::WithdrawDeclaration{a, r.id, r.version}, given());
}
Result<Change> decide(const Row& r, const Actor& a, Decision d, std::string comment = "",
                      std::optional<json> verified = std::nullopt, std::vector<scoring::Verdict> verdicts = {}) {
  cmd::DecideDeclaration c{a, r.id, r.version, d, std::move(comment), std::move(verified)};
  return plan(r, standing(a, regions(), r), c, given(std::move(verdicts)));
}

cmd::CreateDeclaration creation(std::string region, json payload) {
  return {applicant(),    Kind::morning_star,   "0190a0b0-0000-7000-8000-0000000000aa", std::move(region),
          "济南某机械厂", "济南某机械有限公司", {"张三", "13800000000", std::nullopt},  std::move(payload)};
}

}  // namespace

// ---- create ----
TEST(PlanCreate, ADraftOfACountyOfShandongWithItsScore) {
  auto r = plan_create(applicant(), creation("370102", all_met()), open_round(), scorer(), regions(), kNow);
  ASSERT_TRUE(r.has_value()) << r.error().title.en;
  EXPECT_EQ(r->state, State::draft);
  EXPECT_EQ(r->version, 1);
  EXPECT_EQ(r->org, kOrg);
  EXPECT_EQ(r->city, "370100");
  EXPECT_EQ(r->score["self_assessed_level"], 5) << "scored at once, in the same transaction";
  EXPECT_EQ(r->score_version, 1);
  r->number = "MSF-2026-370102-000001";
  static auto schema = JsonSchema::from_file(kDir + "/events/declaration.schema.json");
  EXPECT_TRUE(schema.validate(event_data(*r, std::nullopt)).empty()) << event_data(*r, std::nullopt).dump();
  EXPECT_EQ(event_data(*r, std::nullopt)["from"], "");
}

TEST(PlanCreate, ARegionOutsideShandongOrACityCodeIsInvalid) {
  for (const char* region : {"110101", "370100", "370000"}) {
    auto r = plan_create(applicant(), creation(region, json::object()), open_round(), scorer(), regions(), kNow);
    ASSERT_FALSE(r.has_value()) << region;
    EXPECT_EQ(r.error().kind, ProblemKind::invalid);
    EXPECT_EQ(r.error().errors.at(0).pointer, "/region");
    EXPECT_FALSE(r.error().errors[0].message_zh.empty());
  }
}

TEST(PlanCreate, AnUnknownCriterionIsInvalidWithItsPointer) {
  auto r = plan_create(applicant(), creation("370102", {{"criteria", {{"MS99", {{"met", true}}}}}}), open_round(),
                       scorer(), regions(), kNow);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ProblemKind::invalid);
  EXPECT_EQ(r.error().errors.at(0).pointer, "/payload/criteria/MS99");
}

TEST(PlanCreate, OnlyAnApplicantCreates) {
  auto r = plan_create(kCounty, creation("370102", json::object()), open_round(), scorer(), regions(), kNow);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ProblemKind::forbidden);
}

// ---- update ----
TEST(PlanUpdate, TheOwnerEditsADraftAndTheScoreIsRecomputed) {
  auto c = update(row(State::draft), applicant(), {{"claimed_level", 1}, {"criteria", json::object()}});
  ASSERT_TRUE(c.has_value()) << c.error().title.en;
  EXPECT_EQ(c->row.version, 4);
  EXPECT_EQ(c->planned_on, 3);
  EXPECT_EQ(c->row.title, "新标题");
  EXPECT_TRUE(c->content_changed);
  EXPECT_TRUE(c->rescored);
  EXPECT_EQ(c->row.score["self_assessed_level"], 0);
  EXPECT_EQ(c->row.score["claimed_level"], 1);
  EXPECT_EQ(c->row.score_version, 4);
  EXPECT_FALSE(c->submits) << "reviewers keep seeing what was submitted";
  EXPECT_EQ(c->event_type, "declaration.updated");
  expect_valid_event(*c);
  auto returned = update(row(State::returned), applicant(), all_met());
  ASSERT_TRUE(returned.has_value());
  EXPECT_EQ(returned->row.state, State::returned);
  EXPECT_EQ(returned->row.returned_by, Tier::county);
}

TEST(PlanUpdate, OnlyTheOwnerOnlyInDraftOrReturned) {
  auto other = update(row(State::draft), applicant("91370102MA3C00001X"), all_met());
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().kind, ProblemKind::not_found) << "another org's declaration does not exist for it";
  auto draft_by_reviewer = update(row(State::draft), kCounty, all_met());
  EXPECT_EQ(draft_by_reviewer.error().kind, ProblemKind::not_found) << "a draft is the applicant's alone";
  auto by_reviewer = update(row(State::county_review), kCounty, all_met());
  EXPECT_EQ(by_reviewer.error().kind, ProblemKind::forbidden);
  for (auto s : {State::county_review, State::publicity, State::approved, State::withdrawn}) {
    auto late = update(row(s), applicant(), all_met());
    ASSERT_FALSE(late.has_value()) << name(s);
    EXPECT_EQ(late.error().kind, ProblemKind::conflict) << name(s);
    EXPECT_FALSE(late.error().title.zh.empty());
  }
}

TEST(PlanUpdate, ThePayloadIsCheckedAgainstTheModel) {
  auto bad = update(row(State::draft), applicant(), {{"claimed_level", 9}});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().kind, ProblemKind::invalid);
  EXPECT_EQ(bad.error().errors.at(0).pointer, "/payload/claimed_level");
}

TEST(PlanUpdate, TheVersionGuard) {
  auto stale = update(row(State::draft), applicant(), all_met(), 2);
  ASSERT_FALSE(stale.has_value());
  EXPECT_EQ(stale.error().kind, ProblemKind::precondition_failed);
  EXPECT_NE(stale.error().detail.en.find("version 2"), std::string::npos) << stale.error().detail.en;
  auto r = row(State::draft);
  auto withdraw_stale =
      plan(r, standing(applicant(), regions(), r), cmd::WithdrawDeclaration{applicant(), r.id, 1}, given());
  EXPECT_EQ(withdraw_stale.error().kind, ProblemKind::precondition_failed);
  auto decide_stale = plan(row(State::county_review), standing(kCounty, regions(), row(State::county_review)),
                           cmd::DecideDeclaration{kCounty, r.id, 7, Decision::approve, "", std::nullopt}, given());
  EXPECT_EQ(decide_stale.error().kind, ProblemKind::precondition_failed);
}

// ---- submit ----
TEST(PlanSubmit, FromDraftToTheCounty) {
  auto c = submit(row(State::draft));
  ASSERT_TRUE(c.has_value()) << c.error().title.en;
  EXPECT_EQ(c->row.state, State::county_review);
  EXPECT_TRUE(c->submits);
  EXPECT_TRUE(c->rescored);
  EXPECT_EQ(c->level, 5) << "the statistics' level of what was submitted";
  EXPECT_EQ(c->event_type, "declaration.submitted");
  EXPECT_EQ(c->event_data["arrives_at"], "county");
  expect_valid_event(*c);
}

TEST(PlanSubmit, FromReturnedBackToTheTierThatReturnedIt) {
  for (auto tier : {Tier::county, Tier::city, Tier::province}) {
    auto r = row(State::returned);
    r.returned_by = tier;
    auto c = submit(r);
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(c->row.state, review_state(tier));
    EXPECT_EQ(c->row.returned_by, std::nullopt);
    EXPECT_EQ(c->event_data["arrives_at"], name(tier));
    expect_valid_event(*c);
  }
}

TEST(PlanSubmit, AnIndustryBrainDeclarationListsEveryGapWithItsPointer) {
  auto c = submit(row(State::draft, Kind::industry_brain));
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().kind, ProblemKind::invalid);
  std::set<std::string> pointers;
  for (const auto& e : c.error().errors) pointers.insert(e.pointer);
  EXPECT_TRUE(pointers.contains("/payload/indicators/L1P1"));
  EXPECT_TRUE(pointers.contains("/payload/cluster_name"));
  EXPECT_EQ(submission_gaps(row(State::draft, Kind::industry_brain), scorer()).size(), 33u) << "32 indicators, a name";
}

// Issue 15: one round of errors. An empty industry_brain draft (a title alone) gets every gap in one
// reply: org_name, the contact's name and phone ("required", not "malformed"), the cluster's name
// and all 32 indicators, an empty input counting as missing; and a decimal count saved before the
// rule is in the same list.
TEST(PlanSubmit, AnEmptyDraftGetsEveryGapAtOnce) {
  auto r = row(State::draft, Kind::industry_brain);
  r.org_name = "";
  r.contact = {"", "", std::nullopt};
  r.payload = {{"indicators", {{"L1P1", json::object()}, {"L1P2", {{"value", 2.5}}}}}};
  auto c = submit(r);
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().kind, ProblemKind::invalid);
  std::map<std::string, std::string> zh;
  for (const auto& e : c.error().errors) zh[e.pointer] += e.message_zh;
  EXPECT_EQ(zh["/org_name"], "企业名称不能为空，提交前须填写");
  EXPECT_EQ(zh["/contact/name"], "联系人姓名不能为空");
  EXPECT_EQ(zh["/contact/phone"], "联系电话不能为空");
  EXPECT_TRUE(zh.contains("/payload/cluster_name"));
  EXPECT_NE(zh["/payload/indicators/L1P1"].find("提交前须填写 L1P1"), std::string::npos) << "an empty input is a gap";
  EXPECT_NE(zh["/payload/indicators/L1P2/value"].find("必须是整数（单位：个）"), std::string::npos)
      << zh["/payload/indicators/L1P2/value"];
  int indicators = 0;
  for (const auto& [pointer, _] : zh) indicators += pointer.starts_with("/payload/indicators/L") ? 1 : 0;
  EXPECT_EQ(indicators, 32) << "31 missing or empty, and L1P2's decimal";
  EXPECT_EQ(c.error().errors.size(), 3u + 1u + 32u);
}

TEST(PlanUpdate, ADraftMayBeATitleAloneAndWhatIsLeftOutStays) {
  auto r = row(State::draft);
  cmd::UpdateDeclaration u{applicant(), r.id, r.version, "只改标题", std::nullopt, std::nullopt, std::nullopt};
  auto c = plan(r, standing(applicant(), regions(), r), u, given());
  ASSERT_TRUE(c.has_value()) << c.error().title.en;
  EXPECT_EQ(c->row.title, "只改标题");
  EXPECT_EQ(c->row.contact, r.contact);
  EXPECT_EQ(c->row.payload, r.payload);
  EXPECT_EQ(c->history_extra, (json{{"changes", {"/title"}}}));
}

TEST(PlanUpdate, TheHistoryEntrySaysWhatChanged) {
  auto r = row(State::draft);
  auto payload = r.payload;
  payload["criteria"]["MS05"]["met"] = false;
  payload["criteria"]["MS07"]["evidence"] = "见附件 3";
  auto c = update(r, applicant(), payload);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->history_extra,
            (json{{"changes", {"/title", "/contact", "/payload/criteria/MS05", "/payload/criteria/MS07"}}}));
}

TEST(PlanSubmit, AResubmissionSaysWhatChangedSinceTheReturn) {
  auto r = row(State::returned);
  auto g = given();
  g.last_submitted = content_of(r);
  g.last_submitted->payload["criteria"]["MS12"]["met"] = false;  // the returned version lacked MS12
  auto c = plan(r, standing(applicant(), regions(), r), cmd::SubmitDeclaration{applicant(), r.id, std::nullopt}, g);
  ASSERT_TRUE(c.has_value()) << c.error().title.en;
  EXPECT_EQ(c->history_extra, (json{{"changes", {"/payload/criteria/MS12"}}}));
  auto first = submit(row(State::draft));
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(first->history_extra.empty()) << "a first submission compares with nothing";
}

TEST(PlanDelete, OnlyTheOwnersDraftNeverSubmittedAtItsVersion) {
  auto draft = row(State::draft);
  auto del = [&](const Row& r, const Actor& a, int64_t version) {
    return plan_delete(r, standing(a, regions(), r), cmd::DeleteDeclaration{a, r.id, version});
  };
  EXPECT_TRUE(del(draft, applicant(), draft.version).has_value());
  EXPECT_EQ(del(draft, applicant(), draft.version - 1).error().kind, ProblemKind::precondition_failed);
  EXPECT_EQ(del(draft, applicant("91350100M000100Y43"), draft.version).error().kind, ProblemKind::not_found);
  EXPECT_EQ(del(draft, kCounty, draft.version).error().kind, ProblemKind::not_found) << "a draft is the applicant's";
  auto returned = row(State::returned);
  EXPECT_EQ(del(returned, applicant(), returned.version).error().kind, ProblemKind::conflict);
  EXPECT_EQ(del(returned, kCounty, returned.version).error().kind, ProblemKind::forbidden);
  auto data = deleted_event_data(draft);
  EXPECT_EQ(data["from"], "draft");
  EXPECT_EQ(data["to"], "deleted");
  expect_valid_data("declaration.deleted", data);
}

// ---- rounds (CONTRACT §6) ----
TEST(PlanCreate, TheDeclarationTakesItsRoundsKindAndNamesIt) {
  auto c = creation("370102", json::object());
  c.kind.reset();
  auto r = plan_create(applicant(), c, open_round(), scorer(), regions(), kNow);
  ASSERT_TRUE(r.has_value()) << r.error().title.en;
  EXPECT_EQ(r->kind, Kind::morning_star);
  EXPECT_EQ(r->round, open_round().id);
  EXPECT_EQ(r->org_name, "济南某机械有限公司");
  EXPECT_EQ(r->to_json(regions())["round"], open_round().id);
  EXPECT_EQ(r->to_json(regions())["org_name"], "济南某机械有限公司");
}

TEST(PlanCreate, AKindOtherThanTheRoundsIsInvalidAtKind) {
  auto r = plan_create(applicant(), creation("370102", json::object()), open_round(Kind::industry_brain), scorer(),
                       regions(), kNow);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ProblemKind::invalid);
  EXPECT_EQ(r.error().errors.at(0).pointer, "/kind");
  EXPECT_FALSE(r.error().errors[0].message_zh.empty());
}

TEST(PlanCreate, OutsideTheWindowIsAConflictNamingTheDates) {
  for (auto at : {open_round().opens_at - 1s, open_round().closes_at, open_round().closes_at + 24h}) {
    auto r = plan_create(applicant(), creation("370102", json::object()), open_round(), scorer(), regions(), at);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().kind, ProblemKind::conflict);
    EXPECT_NE(r.error().detail.en.find("2026-11-01T00:00:00.000Z"), std::string::npos) << r.error().detail.en;
    EXPECT_NE(r.error().detail.zh.find("2026-12-01 08:00"), std::string::npos) << r.error().detail.zh;
  }
  EXPECT_TRUE(plan_create(applicant(), creation("370102", json::object()), open_round(), scorer(), regions(),
                          open_round().opens_at)
                  .has_value())
      << "opens_at itself is inside";
}

TEST(PlanSubmit, AFirstSubmissionOutsideTheWindowIsAConflict) {
  auto g = given();
  g.now = open_round().closes_at + 1h;
  auto r = row(State::draft);
  auto c = plan(r, standing(applicant(), regions(), r), cmd::SubmitDeclaration{applicant(), r.id, std::nullopt}, g);
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().kind, ProblemKind::conflict);
}

TEST(PlanSubmit, AResubmissionAfterAReturnIsNotBoundByTheWindow) {
  auto g = given();
  g.now = open_round().closes_at + 1h;
  auto r = row(State::returned);
  auto c = plan(r, standing(applicant(), regions(), r), cmd::SubmitDeclaration{applicant(), r.id, std::nullopt}, g);
  ASSERT_TRUE(c.has_value()) << c.error().title.en;
  EXPECT_EQ(c->row.state, State::county_review);
}

TEST(PlanSubmit, TheOrgNameIsRequired) {
  auto r = row(State::draft);
  r.org_name.reset();
  auto c = submit(r);
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().kind, ProblemKind::invalid);
  EXPECT_EQ(c.error().errors.at(0).pointer, "/org_name");
  EXPECT_EQ(c.error().errors.at(0).message_zh, "企业名称不能为空，提交前须填写");
}

TEST(PlanSubmit, AMorningStarDeclarationNeedsItsClaimedLevel) {
  auto r = row(State::draft);
  r.payload.erase("claimed_level");
  auto c = submit(r);
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().errors.at(0).pointer, "/payload/claimed_level");
  r.payload = {{"claimed_level", 1}};  // an item left out counts as not met
  EXPECT_TRUE(submit(r).has_value());
}

TEST(PlanSubmit, OnlyTheOwnerFromDraftOrReturned) {
  EXPECT_EQ(submit(row(State::county_review)).error().kind, ProblemKind::conflict);
  EXPECT_EQ(submit(row(State::county_review), kCounty).error().kind, ProblemKind::forbidden);
}

// ---- withdraw ----
TEST(PlanWithdraw, TheThreeAllowedCases) {
  for (auto s : {State::draft, State::returned, State::county_review}) {
    auto c = withdraw(row(s));
    ASSERT_TRUE(c.has_value()) << name(s);
    EXPECT_EQ(c->row.state, State::withdrawn);
    EXPECT_EQ(c->event_type, "declaration.withdrawn");
    EXPECT_FALSE(c->rescored);
    expect_valid_event(*c);
  }
}

TEST(PlanWithdraw, AndTheRefusals) {
  auto decided = row(State::county_review);
  decided.decided = true;
  EXPECT_EQ(withdraw(decided).error().kind, ProblemKind::conflict) << "a decision was made since the submission";
  for (auto s : {State::city_review, State::publicity, State::approved, State::rejected})
    EXPECT_EQ(withdraw(row(s)).error().kind, ProblemKind::conflict) << name(s);
  EXPECT_EQ(withdraw(row(State::county_review), kCounty).error().kind, ProblemKind::forbidden);
  EXPECT_EQ(withdraw(row(State::draft), applicant("91370102MA3C00001X")).error().kind, ProblemKind::not_found);
}

// ---- decide ----
TEST(PlanDecide, ApproveMovesUpOneTier) {
  auto county = decide(row(State::county_review), kCounty, Decision::approve, "材料齐全");
  ASSERT_TRUE(county.has_value()) << county.error().title.en;
  EXPECT_EQ(county->row.state, State::city_review);
  EXPECT_TRUE(county->row.decided);
  EXPECT_EQ(county->event_type, "declaration.approved");
  EXPECT_EQ(county->event_data["tier"], "county");
  EXPECT_EQ(county->event_data["comment"], "材料齐全");
  EXPECT_EQ(county->event_data["arrives_at"], "city");
  expect_valid_event(*county);
  auto city = decide(row(State::city_review), kCity, Decision::approve);
  EXPECT_EQ(city->row.state, State::province_review);
  auto province = decide(row(State::province_review), kProvince, Decision::approve);
  ASSERT_TRUE(province.has_value()) << province.error().title.en;
  EXPECT_EQ(province->row.state, State::publicity);
  // 公示: the round's 5 working days after Thursday 26 November (Fri 27, Mon 30, Tue 1, Wed 2, Thu 3).
  EXPECT_EQ(province->row.publicity_ends_at, end_of_beijing_day(12, 3));
  EXPECT_EQ(province->event_data["publicity_ends_at"], "2026-12-03T16:00:00.000Z");
  expect_valid_event(*province);
}

TEST(PlanDecide, OnlyTheCurrentTierInItsJurisdiction) {
  EXPECT_EQ(decide(row(State::county_review), kCity, Decision::approve).error().kind, ProblemKind::conflict);
  auto elsewhere = reviewer(Tier::county, "370203");  // 青岛市市北区
  EXPECT_EQ(decide(row(State::county_review), elsewhere, Decision::approve).error().kind, ProblemKind::not_found);
  EXPECT_EQ(decide(row(State::county_review), reviewer(Tier::city, "370200"), Decision::approve).error().kind,
            ProblemKind::not_found);
  EXPECT_EQ(decide(row(State::county_review), applicant(), Decision::approve).error().kind, ProblemKind::forbidden);
  EXPECT_EQ(decide(row(State::approved), kProvince, Decision::reject).error().kind, ProblemKind::conflict);
}

TEST(PlanDecide, AReturnNeedsACommentAndRemembersTheTier) {
  auto bare = decide(row(State::city_review), kCity, Decision::return_, "  \n");
  ASSERT_FALSE(bare.has_value());
  EXPECT_EQ(bare.error().kind, ProblemKind::invalid);
  EXPECT_EQ(bare.error().errors.at(0).pointer, "/comment");
  auto r = decide(row(State::city_review), kCity, Decision::return_, "请补充佐证材料");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->row.state, State::returned);
  EXPECT_EQ(r->row.returned_by, Tier::city);
  EXPECT_EQ(r->event_type, "declaration.returned");
  expect_valid_event(*r);
}

TEST(PlanDecide, Reject) {
  auto r = decide(row(State::county_review), kCounty, Decision::reject, "不符合条件");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->row.state, State::rejected);
  EXPECT_EQ(r->event_type, "declaration.rejected");
  expect_valid_event(*r);
}

TEST(PlanDecide, AnObjectionDuringPublicity) {
  auto p = row(State::publicity);
  p.publicity_ends_at = "2026-11-30 09:00:00.000000";
  auto r = decide(p, kProvince, Decision::return_, "公示期间收到异议");
  ASSERT_TRUE(r.has_value()) << r.error().title.en;
  EXPECT_EQ(r->row.state, State::returned);
  EXPECT_EQ(r->row.returned_by, Tier::province);
  EXPECT_EQ(r->row.publicity_ends_at, std::nullopt);
  expect_valid_event(*r);
  EXPECT_EQ(decide(p, kProvince, Decision::reject, "异议成立")->row.state, State::rejected);
  EXPECT_EQ(decide(p, kProvince, Decision::approve).error().kind, ProblemKind::conflict);
  EXPECT_EQ(decide(p, kCity, Decision::reject, "x").error().kind, ProblemKind::conflict);
}

TEST(PlanDecide, AVerdictIsCheckedKeptAndRescores) {
  auto bad = decide(row(State::county_review), kCounty, Decision::approve, "", json{{"criteria", {{"MS99", true}}}});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().kind, ProblemKind::invalid);
  EXPECT_EQ(bad.error().errors.at(0).pointer.rfind("/verified", 0), 0u);
  auto c = decide(row(State::county_review), kCounty, Decision::approve, "",
                  json{{"criteria", {{"MS01", true}, {"MS03", false}}}});
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->verdict, (json{{"criteria", {{"MS01", true}, {"MS03", false}}}}));
  EXPECT_TRUE(c->rescored);
  EXPECT_EQ(c->row.score["verified_level"], 2);
  EXPECT_EQ(c->level, 2);
  EXPECT_EQ(c->row.score_version, c->row.version);
  auto without = decide(row(State::county_review), kCounty, Decision::approve);
  EXPECT_FALSE(without->rescored);
  EXPECT_FALSE(without->verdict.has_value());
}

TEST(PlanDecide, TheProvinceCannotApproveAMorningStarDeclarationAtVerifiedLevelZero) {
  std::vector<scoring::Verdict> county_says_no{{"county", {{"criteria", {{"MS01", false}}}}}};
  auto r = decide(row(State::province_review), kProvince, Decision::approve, "", std::nullopt, county_says_no);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ProblemKind::rule);
  EXPECT_FALSE(r.error().title.zh.empty());
  // Its own verdict on the item replaces the county's: level 5 again.
  auto restored = decide(row(State::province_review), kProvince, Decision::approve, "",
                         json{{"criteria", {{"MS01", true}}}}, county_says_no);
  ASSERT_TRUE(restored.has_value()) << restored.error().title.en;
  EXPECT_EQ(restored->row.state, State::publicity);
  EXPECT_EQ(restored->row.score["verified_level"], 5);
  auto ib = decide(row(State::province_review, Kind::industry_brain), kProvince, Decision::approve);
  EXPECT_TRUE(ib.has_value()) << "产业大脑 has no level";
}

// ---- end of publicity ----
// kNow is Thursday 26 November 2026, 17:00 in Beijing; the round gives the county 5 working days,
// the city 10 and the province 15 (the defaults of cmd::ReviewDays).
TEST(PlanDeadlines, ArrivingAtATierStartsItsWorkingDays) {
  auto c = submit(row(State::draft));
  ASSERT_TRUE(c) << c.error().title.en;
  EXPECT_EQ(c->row.arrived_at, db_time(kNow));
  EXPECT_EQ(c->row.due_at, end_of_beijing_day(12, 3));  // Fri 27, Mon 30, Tue 1, Wed 2, Thu 3
  EXPECT_EQ(c->event_data["arrives_at"], "county");
  EXPECT_EQ(c->event_data["due_at"], api_time(end_of_beijing_day(12, 3)));
  expect_valid_event(*c);

  auto at_county = row(State::county_review);
  at_county.arrived_at = "2026-11-20 08:00:00.000000";
  at_county.due_at = end_of_beijing_day(11, 27);
  auto up = decide(at_county, kCounty, Decision::approve);
  ASSERT_TRUE(up) << up.error().title.en;
  EXPECT_EQ(up->row.arrived_at, db_time(kNow));
  EXPECT_EQ(up->row.due_at, end_of_beijing_day(12, 10));  // ten working days for the city
}

TEST(PlanDeadlines, AReturnKeepsTheReturningTiersDueDateAndLeavingTheTiersEndsIt) {
  auto at_city = row(State::city_review);
  at_city.arrived_at = "2026-11-20 08:00:00.000000";
  at_city.due_at = end_of_beijing_day(12, 4);
  auto back = decide(at_city, kCity, Decision::return_, "请补充材料");
  ASSERT_TRUE(back) << back.error().title.en;
  EXPECT_EQ(back->row.due_at, end_of_beijing_day(12, 4));
  EXPECT_FALSE(back->event_data.contains("due_at"));

  auto no = decide(at_city, kCity, Decision::reject, "不符合条件");
  ASSERT_TRUE(no) << no.error().title.en;
  EXPECT_EQ(no->row.due_at, std::nullopt);
  EXPECT_EQ(no->row.arrived_at, std::nullopt);
}

TEST(PlanDeadlines, WithoutTheCalendarsYearTheDeadlineIsLeftOpen) {
  auto table = json::parse(std::ifstream(std::filesystem::path(kDir) / "calendar" / "working_days.json"));
  table["years"].erase("2026");
  const auto without_2026 = WorkingDays::from_json(table);
  auto circumstances = given();
  circumstances.calendar = &without_2026;
  auto d = row(State::draft);
  auto c =
      plan(d, standing(applicant(), regions(), d), cmd::SubmitDeclaration{applicant(), d.id, d.version}, circumstances);
  ASSERT_TRUE(c) << c.error().title.en;
  EXPECT_EQ(c->row.arrived_at, db_time(kNow));
  EXPECT_EQ(c->row.due_at, std::nullopt);
  expect_valid_event(*c);
}

TEST(PlanEndPublicity, WhenItsTimeIsUp) {
  auto p = row(State::publicity);
  p.publicity_ends_at = db_time(kNow - 1s);
  auto c = plan_end_publicity(p, given());
  ASSERT_TRUE(c.has_value()) << c.error().title.en;
  EXPECT_EQ(c->row.state, State::approved);
  EXPECT_EQ(c->actor.role, Role::system);
  EXPECT_EQ(c->event_type, "declaration.publicity_ended");
  EXPECT_EQ(c->row.publicity_ends_at, p.publicity_ends_at) << "the approved declaration keeps its publicity's end";
  expect_valid_event(*c);
  p.publicity_ends_at = db_time(kNow + 1s);
  EXPECT_EQ(plan_end_publicity(p, given()).error().kind, ProblemKind::conflict);
  EXPECT_EQ(plan_end_publicity(row(State::returned), given()).error().kind, ProblemKind::conflict);
}

// ---- visibility ----
TEST(Shown, ADraftIsTheApplicantsAloneAndAReviewerSeesItsJurisdiction) {
  auto draft = row(State::draft);
  EXPECT_TRUE(shown(standing(applicant(), regions(), draft), draft));
  EXPECT_FALSE(shown(standing(kProvince, regions(), draft), draft));
  auto submitted = row(State::county_review);
  EXPECT_TRUE(shown(standing(kCounty, regions(), submitted), submitted));
  EXPECT_TRUE(shown(standing(kCity, regions(), submitted), submitted));
  EXPECT_FALSE(shown(standing(reviewer(Tier::city, "370200"), regions(), submitted), submitted));
  Actor admin{"a-1", Role::admin, "", std::nullopt, ""};
  EXPECT_TRUE(shown(standing(admin, regions(), submitted), submitted));
  EXPECT_FALSE(shown(standing(applicant("91370102MA3C00001X"), regions(), submitted), submitted));
}

// ---- deadline timers, resubmission and 公示 in working days (CONTRACT §6) ----
namespace {
// An instant in Beijing (China Standard Time) on a day of 2026.
std::chrono::system_clock::time_point beijing(int month, int day, int hour) {
  return std::chrono::sys_days{std::chrono::year{2026} / month / day} + std::chrono::hours(hour) - 8h;
}
// The change of a plan made at `now`, with the round's deadlines.
Circumstances given_at(std::chrono::system_clock::time_point now, RoundRow round = open_round()) {
  auto g = given();
  g.now = now;
  g.round = std::move(round);
  return g;
}
// A round taking declarations all through 2026, for first submissions on any day of it.
RoundRow all_year() {
  auto r = open_round();
  r.opens_at = std::chrono::sys_days{std::chrono::year{2026} / 1 / 1} - 8h;
  r.closes_at = std::chrono::sys_days{std::chrono::year{2027} / 1 / 1} - 8h;
  return r;
}
void expect_valid_reminder(const Reminder& r) {
  ASSERT_TRUE(r.event_type.has_value());
  expect_valid_data(*r.event_type, r.event_data);
  EXPECT_EQ(r.event_data["from"], name(r.row.state)) << "a reminder is no change: from and to are its state";
  EXPECT_EQ(r.event_data["to"], name(r.row.state));
}
}  // namespace

TEST(PlanReminders, OverTheNationalDayWeekDueSoonAtTheStartOfTheLastWorkingDayThenOverdue) {
  // Arriving at the county at 10:00 on Monday 28 September: 5 working days are Tue 29, Wed 30, then
  // (1-7 October off) Thu 8, Fri 9 and the make-up Saturday 10 October.
  auto d = row(State::draft);
  auto c = plan(d, standing(applicant(), regions(), d), cmd::SubmitDeclaration{applicant(), d.id, d.version},
                given_at(beijing(9, 28, 10), all_year()));
  ASSERT_TRUE(c) << c.error().title.en;
  EXPECT_EQ(c->row.due_at, end_of_beijing_day(10, 10));
  EXPECT_EQ(c->row.next_reminder_at, db_time(beijing(10, 10, 0))) << "the start of the last working day";
  EXPECT_EQ(c->row.reminders_sent, 0);

  Row at_county = c->row;
  EXPECT_EQ(plan_reminder(at_county, beijing(10, 9, 23)), std::nullopt) << "not yet";
  auto soon = plan_reminder(at_county, beijing(10, 10, 0));
  ASSERT_TRUE(soon.has_value());
  EXPECT_EQ(soon->event_type, "declaration.reminder");
  EXPECT_EQ(soon->event_data["reminder"], "due_soon");
  EXPECT_EQ(soon->event_data["tier"], "county");
  EXPECT_EQ(soon->event_data["due_at"], "2026-10-10T16:00:00.000Z");
  EXPECT_EQ(soon->row.reminders_sent, 1);
  EXPECT_EQ(soon->row.next_reminder_at, end_of_beijing_day(10, 10)) << "the next one at the due date";
  EXPECT_EQ(soon->row.version, at_county.version) << "a reminder is not a step";
  expect_valid_reminder(*soon);
  // Planned again on the row it wrote (another instance, a later pass): nothing until due_at.
  EXPECT_EQ(plan_reminder(soon->row, beijing(10, 10, 12)), std::nullopt);

  auto late = plan_reminder(soon->row, beijing(10, 11, 0));
  ASSERT_TRUE(late.has_value());
  EXPECT_EQ(late->event_data["reminder"], "overdue");
  EXPECT_EQ(late->row.reminders_sent, 2);
  EXPECT_EQ(late->row.next_reminder_at, std::nullopt) << "nothing more to send";
  expect_valid_reminder(*late);
  EXPECT_EQ(plan_reminder(late->row, beijing(10, 20, 0)), std::nullopt) << "each reminder once";
}

TEST(PlanReminders, OverTheSpringFestivalAndWithOneWorkingDayOnlyTheOverdue) {
  // At the city from 15:00 on Thursday 12 February: Fri 13, the make-up Saturday 14, (15-23 off),
  // Tue 24 … Fri 27, the make-up Saturday 28, Mon 2, Tue 3 and Wed 4 March are its 10 working days.
  auto at_county = row(State::county_review);
  auto up = plan(at_county, standing(kCounty, regions(), at_county),
                 cmd::DecideDeclaration{kCounty, at_county.id, at_county.version, Decision::approve, "", std::nullopt},
                 given_at(beijing(2, 12, 15)));
  ASSERT_TRUE(up) << up.error().title.en;
  EXPECT_EQ(up->row.due_at, end_of_beijing_day(3, 4));
  EXPECT_EQ(up->row.next_reminder_at, db_time(beijing(3, 4, 0)));
  EXPECT_EQ(up->row.reminders_sent, 0) << "reset on arriving at a new tier";

  // A round giving the county one working day: due at the end of the make-up Saturday 14 February;
  // there is no working day before the last to remind on, so the first reminder is the overdue one.
  auto quick = all_year();
  quick.review_working_days.county = 1;
  auto d = row(State::draft);
  auto c = plan(d, standing(applicant(), regions(), d), cmd::SubmitDeclaration{applicant(), d.id, d.version},
                given_at(beijing(2, 13, 9), quick));
  ASSERT_TRUE(c) << c.error().title.en;
  EXPECT_EQ(c->row.due_at, end_of_beijing_day(2, 14));
  EXPECT_EQ(c->row.next_reminder_at, c->row.due_at);
  EXPECT_EQ(plan_reminder(c->row, beijing(2, 14, 12)), std::nullopt);
  auto late = plan_reminder(c->row, beijing(2, 15, 0));
  ASSERT_TRUE(late.has_value());
  EXPECT_EQ(late->event_data["reminder"], "overdue");
}

TEST(PlanReminders, BothDueWhileTheTimerWasStoppedOnlyTheOverdueIsSentAndLeavingTheTierStopsThem) {
  auto at_county = row(State::county_review);
  at_county.arrived_at = db_time(beijing(9, 28, 10));
  at_county.due_at = end_of_beijing_day(10, 10);
  at_county.next_reminder_at = db_time(beijing(10, 10, 0));
  auto r = plan_reminder(at_county, beijing(10, 12, 9));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->event_data["reminder"], "overdue") << "a due-soon reminder after the due date would mislead";
  EXPECT_EQ(r->row.reminders_sent, 2);

  auto back = decide(at_county, kCounty, Decision::return_, "请补充材料");
  ASSERT_TRUE(back) << back.error().title.en;
  EXPECT_EQ(back->row.next_reminder_at, std::nullopt) << "a returned declaration is the applicant's";
  EXPECT_EQ(back->row.due_at, at_county.due_at);
  // A row whose timer is left over where no reminder applies: the timer stops, nothing is sent.
  auto stray = back->row;
  stray.next_reminder_at = db_time(beijing(10, 1, 0));
  auto none = plan_reminder(stray, beijing(10, 12, 9));
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->event_type.has_value());
  EXPECT_EQ(none->row.next_reminder_at, std::nullopt);
}

TEST(PlanPublicity, LastsTheRoundsWorkingDaysOverTheNationalDayWeek) {
  // Approved by the province at 10:00 on Wednesday 30 September: 5 working days are Thu 8, Fri 9,
  // the make-up Saturday 10, Mon 12 and Tue 13 October.
  auto at_province = row(State::province_review);
  cmd::DecideDeclaration approve{kProvince,         at_province.id, at_province.version,
                                 Decision::approve, "同意公示",     std::nullopt};
  auto c = plan(at_province, standing(kProvince, regions(), at_province), approve, given_at(beijing(9, 30, 10)));
  ASSERT_TRUE(c) << c.error().title.en;
  EXPECT_EQ(c->row.publicity_ends_at, end_of_beijing_day(10, 13));
  EXPECT_EQ(c->event_data["publicity_ends_at"], "2026-10-13T16:00:00.000Z");
  expect_valid_event(*c);

  auto three = open_round();
  three.publicity_working_days = 3;
  auto shorter =
      plan(at_province, standing(kProvince, regions(), at_province), approve, given_at(beijing(9, 30, 10), three));
  EXPECT_EQ(shorter->row.publicity_ends_at, end_of_beijing_day(10, 10));

  // Without the year in the calendar it stays open (the timer sets it later), and the event says nothing.
  auto table = json::parse(std::ifstream(std::filesystem::path(kDir) / "calendar" / "working_days.json"));
  table["years"].erase("2026");
  const auto without_2026 = WorkingDays::from_json(table);
  auto g = given_at(beijing(9, 30, 10));
  g.calendar = &without_2026;
  auto open = plan(at_province, standing(kProvince, regions(), at_province), approve, g);
  ASSERT_TRUE(open) << open.error().title.en;
  EXPECT_EQ(open->row.publicity_ends_at, std::nullopt);
  EXPECT_FALSE(open->event_data.contains("publicity_ends_at"));
  expect_valid_event(*open);
}

TEST(PlanOpenDeadlines, AreComputedOnceTheCalendarCoversThem) {
  auto at_city = row(State::city_review);
  at_city.arrived_at = db_time(beijing(2, 12, 15));
  auto fixed = plan_open_deadline(at_city, open_round(), calendar());
  ASSERT_TRUE(fixed.has_value());
  EXPECT_EQ(fixed->due_at, end_of_beijing_day(3, 4));
  EXPECT_EQ(fixed->next_reminder_at, db_time(beijing(3, 4, 0)));
  EXPECT_EQ(fixed->version, at_city.version);
  EXPECT_EQ(plan_open_deadline(*fixed, open_round(), calendar()), std::nullopt) << "no longer open";

  auto table = json::parse(std::ifstream(std::filesystem::path(kDir) / "calendar" / "working_days.json"));
  table["years"].erase("2026");
  EXPECT_EQ(plan_open_deadline(at_city, open_round(), WorkingDays::from_json(table)), std::nullopt)
      << "still unknown: left open";

  // 公示 counts from the province's approval, the row's last change.
  auto publicity = row(State::publicity);
  publicity.updated_at = db_time(beijing(9, 30, 10));
  auto ends = plan_open_deadline(publicity, open_round(), calendar());
  ASSERT_TRUE(ends.has_value());
  EXPECT_EQ(ends->publicity_ends_at, end_of_beijing_day(10, 13));
  EXPECT_EQ(plan_open_deadline(row(State::approved), open_round(), calendar()), std::nullopt);
}

TEST(PlanResubmit, AfterTheRoundClosesUntilTheReturningTiersDueDate) {
  // The round closed on 1 December; the city returned it with its due date at the end of 4 December.
  auto returned = row(State::returned);
  returned.returned_by = Tier::city;
  returned.due_at = end_of_beijing_day(12, 4);
  auto resubmit = [&](std::chrono::system_clock::time_point now, const Row& r) {
    return plan(r, standing(applicant(), regions(), r), cmd::SubmitDeclaration{applicant(), r.id, r.version},
                given_at(now));
  };
  auto in_time = resubmit(beijing(12, 4, 23), returned);
  ASSERT_TRUE(in_time) << in_time.error().title.en;
  EXPECT_EQ(in_time->row.state, State::city_review);

  auto late = resubmit(beijing(12, 5, 0), returned);
  ASSERT_FALSE(late.has_value());
  EXPECT_EQ(late.error().kind, ProblemKind::conflict);
  EXPECT_NE(late.error().detail.en.find("2026-12-01T00:00:00.000Z"), std::string::npos) << late.error().detail.en;
  EXPECT_NE(late.error().detail.en.find("2026-12-04T16:00:00.000Z"), std::string::npos) << late.error().detail.en;
  EXPECT_NE(late.error().detail.zh.find("2026-12-05 00:00（北京时间）已过"), std::string::npos)
      << late.error().detail.zh;
  EXPECT_NE(late.error().detail.zh.find("市级"), std::string::npos) << late.error().detail.zh;

  // Before closes_at the due date does not bind; a due date not yet known does not refuse.
  auto overdue_in_window = returned;
  overdue_in_window.due_at = end_of_beijing_day(11, 20);
  EXPECT_TRUE(resubmit(beijing(11, 27, 9), overdue_in_window).has_value());
  auto unknown = returned;
  unknown.due_at.reset();
  EXPECT_TRUE(resubmit(beijing(12, 20, 9), unknown).has_value());
}
