// The rules of expert review (CONTRACT §8): conflicts of interest, the assignment of a panel and
// what a re-assignment keeps, the panel's result, and the hold on the province's approve.
#include <gtest/gtest.h>

#include "panel.hpp"
#include "schemas_data.hpp"
#include "sdp/uscc.hpp"

using namespace sdp;
using namespace sdp::workflow;
using nlohmann::json;

namespace {

const std::string kOrg = "91370102MA3C00000B";    // the applicant, in 济南 (370100)
const std::string kOther = "91350100M000100Y43";  // another org
const std::string kJinan = "370100";

Expert expert(std::string sub, std::optional<std::string> employer, std::string home,
              std::vector<Kind> kinds = {Kind::morning_star}) {
  return {sub, "专家" + sub, std::move(employer), std::move(home), std::move(kinds)};
}

std::map<std::string, Expert> pool_of(std::initializer_list<Expert> experts) {
  std::map<std::string, Expert> out;
  for (const auto& e : experts) out.emplace(e.sub, e);
  return out;
}

const auto kNow = Clock::now();
const std::string kTomorrowPlus = rfc3339(kNow + std::chrono::hours(72));

}  // namespace

TEST(Panel, AConflictIsTheApplicantAsEmployerOrAHomeRegionInTheApplicantsCity) {
  EXPECT_EQ(conflict_of(expert("e1", kOrg, "370202"), kOrg, kJinan)->reason, "employer");
  EXPECT_NE(conflict_of(expert("e1", kOrg, "370202"), kOrg, kJinan)->words.zh.find("专家专家e1（e1）"),
            std::string::npos)
      << "the words name the expert";
  EXPECT_EQ(conflict_of(expert("e2", kOther, "370102"), kOrg, kJinan)->reason, "home_region") << "a county of 济南";
  EXPECT_EQ(conflict_of(expert("e3", std::nullopt, "370100"), kOrg, kJinan)->reason, "home_region") << "济南 itself";
  EXPECT_EQ(conflict_of(expert("e4", std::nullopt, "370116"), kOrg, kJinan)->reason, "home_region") << "莱芜区";
  EXPECT_FALSE(conflict_of(expert("e5", kOther, "370202"), kOrg, kJinan)) << "青岛 is another city";
  EXPECT_FALSE(conflict_of(expert("e6", std::nullopt, "370200"), kOrg, kJinan));
  EXPECT_TRUE(in_city("370102", "370100"));
  EXPECT_FALSE(in_city("370202", "370100"));
}

TEST(Panel, AnAssignmentRefusesEachUnfitExpertByNameAndReason) {
  auto pool =
      pool_of({expert("a", kOther, "370202"), expert("b", kOrg, "370202"), expert("c", std::nullopt, "370102"),
               expert("d", std::nullopt, "370302", {Kind::industry_brain}), expert("e", std::nullopt, "370302")});
  auto r = plan_panel({"a", "b", "c", "d", "zz"}, kTomorrowPlus, pool, {}, {}, Kind::morning_star, kOrg, kJinan, kNow);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ProblemKind::rule);
  std::map<std::string, std::string> by_pointer;
  for (const auto& p : r.error().errors) by_pointer[p.pointer] = p.message_zh;
  EXPECT_FALSE(by_pointer.contains("/experts/0"));
  EXPECT_NE(by_pointer["/experts/1"].find("工作单位即申报单位"), std::string::npos);
  EXPECT_NE(by_pointer["/experts/2"].find("申报单位所在市"), std::string::npos);
  EXPECT_NE(by_pointer["/experts/3"].find("晨星工厂"), std::string::npos) << "of another kind";
  EXPECT_NE(by_pointer["/experts/4"].find("专家库中没有专家 zz"), std::string::npos);
  EXPECT_NE(r.error().detail.zh.find("专家b"), std::string::npos) << "the detail names the first refused";
}

TEST(Panel, DuplicatesTheSizeAndTheDueDateAreChecked) {
  auto pool = pool_of({expert("a", {}, "370202"), expert("b", {}, "370202"), expert("c", {}, "370202")});
  auto twice = plan_panel({"a", "b", "a"}, kTomorrowPlus, pool, {}, {}, Kind::morning_star, kOrg, kJinan, kNow);
  ASSERT_FALSE(twice.has_value());
  EXPECT_EQ(twice.error().kind, ProblemKind::invalid);
  EXPECT_EQ(twice.error().errors.at(0).pointer, "/experts/2");
  EXPECT_EQ(plan_panel({"a", "b"}, kTomorrowPlus, pool, {}, {}, Kind::morning_star, kOrg, kJinan, kNow).error().kind,
            ProblemKind::invalid);
  EXPECT_EQ(plan_panel({"a", "b", "c"}, "next week", pool, {}, {}, Kind::morning_star, kOrg, kJinan, kNow).error().kind,
            ProblemKind::invalid);
  auto past = plan_panel({"a", "b", "c"}, rfc3339(kNow - std::chrono::hours(1)), pool, {}, {}, Kind::morning_star, kOrg,
                         kJinan, kNow);
  ASSERT_FALSE(past.has_value());
  EXPECT_EQ(past.error().kind, ProblemKind::rule);
  EXPECT_EQ(past.error().errors.at(0).pointer, "/due_at");
  EXPECT_TRUE(plan_panel({"a", "b", "c"}, kTomorrowPlus, pool, {}, {}, Kind::morning_star, kOrg, kJinan, kNow));
}

TEST(Panel, AReassignmentReplacesThoseWhoHaveNotReviewedAndKeepsThoseWhoHave) {
  auto pool = pool_of({expert("a", {}, "370202"), expert("b", {}, "370202"), expert("c", {}, "370202"),
                       expert("d", {}, "370202"), expert("e", {}, "370202")});
  // a and b reviewed, c did not; the new panel names b, d, e: a stays (reviewed), c goes.
  auto r = plan_panel({"b", "d", "e"}, kTomorrowPlus, pool, {"a", "b", "c"}, {"a", "b"}, Kind::morning_star, kOrg,
                      kJinan, kNow);
  ASSERT_TRUE(r.has_value()) << r.error().title.en;
  EXPECT_EQ(r->add, (std::vector<std::string>{"d", "e"}));
  EXPECT_EQ(r->remove, (std::vector<std::string>{"c"}));
  // One who has reviewed is not checked again, even if its conflict were found only now.
  auto conflicted = pool;
  conflicted.at("a").employer = kOrg;
  EXPECT_TRUE(
      plan_panel({"a", "d", "e"}, kTomorrowPlus, conflicted, {"a"}, {"a"}, Kind::morning_star, kOrg, kJinan, kNow));
}

TEST(Panel, TheResultIsTheMeanTrimmedOfTheHighestAndLowestFromFiveReviews) {
  EXPECT_EQ(panel_result({}), (json{{"count", 0}, {"mean", nullptr}, {"trimmed_mean", nullptr}}));
  auto four = panel_result({80, 90, 70, 60});
  EXPECT_EQ(four["count"], 4);
  EXPECT_DOUBLE_EQ(four["mean"].get<double>(), 75.0);
  EXPECT_DOUBLE_EQ(four["trimmed_mean"].get<double>(), 75.0) << "nothing is dropped below five";
  auto five = panel_result({95, 80, 82, 78, 40});
  EXPECT_EQ(five["count"], 5);
  EXPECT_DOUBLE_EQ(five["mean"].get<double>(), 75.0);
  EXPECT_DOUBLE_EQ(five["trimmed_mean"].get<double>(), 80.0) << "(80 + 82 + 78) / 3, 95 and 40 dropped";
  auto ties = panel_result({70, 70, 70, 70, 70, 100});
  EXPECT_DOUBLE_EQ(ties["trimmed_mean"].get<double>(), 70.0) << "one of the lowest, not every one";
  EXPECT_DOUBLE_EQ(panel_result({85.5, 90, 70})["mean"].get<double>(), 81.83) << "two places";
}

TEST(Panel, AnIncompletePanelHoldsTheApproveOnlyBeforeItsDueDate) {
  const auto due = kNow + std::chrono::hours(1);
  EXPECT_TRUE(panel_pending(5, 4, due, kNow));
  EXPECT_FALSE(panel_pending(5, 5, due, kNow)) << "complete";
  EXPECT_FALSE(panel_pending(5, 1, due, due + std::chrono::seconds(1))) << "past its due date";
  EXPECT_FALSE(panel_pending(0, 0, std::nullopt, kNow)) << "no panel: the province approves as before";
}

TEST(Panel, AReviewIsAScoreFrom0To100AnOpinionAndNotesOnItemsOfTheCatalogue) {
  const std::set<std::string> ids{"MS01", "MS02"};
  EXPECT_TRUE(review_problems(0, "可以", nullptr, ids).empty());
  EXPECT_TRUE(review_problems(100, "可以", nullptr, ids).empty());
  EXPECT_EQ(review_problems(100.5, "可以", nullptr, ids).at(0).pointer, "/score");
  EXPECT_EQ(review_problems(-1, "可以", nullptr, ids).at(0).pointer, "/score");
  EXPECT_EQ(review_problems(50, "  \n", nullptr, ids).at(0).pointer, "/opinion");
  const json items = {{"MS01", "好"}, {"XX9", "?"}};
  auto p = review_problems(50, "可以", &items, ids);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].pointer, "/items/XX9");
}

TEST(Panel, APoolExpertNeedsANameAValidEmployerCodeARegionOfShandongAndAKind) {
  const auto& regions = fixtures::regions();
  EXPECT_TRUE(expert_problems(expert("a", kOrg, "370102"), regions).empty());
  EXPECT_TRUE(expert_problems(expert("a", std::nullopt, "370200"), regions).empty()) << "a city code";
  auto bad = expert_problems({"a", " ", std::string("91370102MA3C00000A"), "110101", {}}, regions);
  std::set<std::string> pointers;
  for (const auto& p : bad) pointers.insert(p.pointer);
  EXPECT_EQ(pointers, (std::set<std::string>{"/name", "/employer", "/home_region", "/kinds"}));
  EXPECT_FALSE(expert_problems(expert("a", std::nullopt, "370000"), regions).empty()) << "the province is no home";
}

TEST(ResidentId, TheCheckCharacterAndTheBirthDateAreVerified) {
  EXPECT_TRUE(valid_resident_id("11010519491231002X"));  // GB 11643-1999's example
  EXPECT_TRUE(valid_resident_id("370102199003071238"));
  EXPECT_FALSE(valid_resident_id("110105194912310021")) << "wrong check character";
  EXPECT_FALSE(valid_resident_id("11010519491231002x")) << "the check X is upper-case";
  EXPECT_FALSE(valid_resident_id("1101051949123100")) << "too short";
  EXPECT_FALSE(valid_resident_id("110105194913310021")) << "no 13th month, though the check character fits";
  EXPECT_FALSE(valid_resident_id("匿名匿名匿名"));
}
