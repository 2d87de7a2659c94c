// What changed between two content versions (issue 15): items whose claim or evidence changed,
// the title, org_name and contact; and the history's bounded list of pointers.
#include <gtest/gtest.h>

#include "diff.hpp"

using namespace sdp;
using namespace sdp::workflow;
using nlohmann::json;

namespace {
Content ms(json criteria, int claimed = 2) {
  return {"某工厂晨星工厂申报",
          "济南某机械有限公司",
          {"张三", "13800000000", std::nullopt},
          {{"claimed_level", claimed}, {"criteria", std::move(criteria)}}};
}
}  // namespace

TEST(Diff, ItemsWhoseClaimOrEvidenceChangedFieldByField) {
  auto before =
      ms({{"MS01", {{"met", true}}}, {"MS05", {{"met", false}}}, {"MS07", {{"met", true}, {"evidence", "a"}}}});
  auto after = ms({{"MS01", {{"met", true}}},
                   {"MS05", {{"met", true}, {"evidence", "见附件"}}},
                   {"MS07", {{"met", true}, {"evidence", "b"}}}},
                  3);
  auto changes = content_changes(Kind::morning_star, before, after);
  ASSERT_EQ(changes.size(), 4u);
  EXPECT_EQ(changes[0].to_json(), (json{{"pointer", "/payload/claimed_level"},
                                        {"item", nullptr},
                                        {"field", "claimed_level"},
                                        {"before", 2},
                                        {"after", 3}}));
  EXPECT_EQ(changes[1].to_json(), (json{{"pointer", "/payload/criteria/MS05"},
                                        {"item", "MS05"},
                                        {"field", "met"},
                                        {"before", false},
                                        {"after", true}}));
  EXPECT_EQ(changes[2].field, "evidence");
  EXPECT_EQ(changes[2].after, "见附件");
  EXPECT_EQ(changes[3].pointer, "/payload/criteria/MS07");
  EXPECT_EQ(history_changes(changes),
            (json{{"changes", {"/payload/claimed_level", "/payload/criteria/MS05", "/payload/criteria/MS07"}}}));
}

TEST(Diff, ALeftOutItemIsAnUnmetOneAndNothingChangedIsNoChange) {
  auto before = ms({{"MS01", {{"met", false}}}});
  auto after = ms(json::object());
  EXPECT_TRUE(content_changes(Kind::morning_star, before, after).empty());
  EXPECT_EQ(history_changes({}), (json{{"changes", json::array()}}));
}

TEST(Diff, TitleOrgNameContactAndIndustryBrainInputs) {
  Content before{"集群申报", std::nullopt, {"", "", std::nullopt}, {{"indicators", {{"L1P1", {{"value", 100}}}}}}};
  Content after{
      "集群申报（修改）",
      "某运营公司",
      {"李四", "13900000000", "li@example.cn"},
      {{"cluster_name", "济南集群"}, {"indicators", {{"L1P1", {{"value", 150}}}, {"L1P3", {{"grade", "B"}}}}}}};
  auto changes = content_changes(Kind::industry_brain, before, after);
  std::vector<std::string> fields;
  for (const auto& c : changes) fields.push_back(c.pointer + " " + c.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"/title title", "/org_name org_name", "/contact contact",
                                              "/payload/cluster_name cluster_name", "/payload/indicators/L1P1 value",
                                              "/payload/indicators/L1P3 grade"}));
  EXPECT_EQ(changes[1].before, nullptr);
  EXPECT_EQ(changes[4].before, 100);
  EXPECT_EQ(changes[4].after, 150);
}

TEST(Diff, TheHistoryListIsBoundedAndSaysSo) {
  json before = json::object(), after = json::object();
  for (int i = 1; i <= 72; ++i) {
    char id[8];
    std::snprintf(id, sizeof id, "MS%02d", i);
    after[id] = {{"met", true}, {"evidence", "e"}};
  }
  auto changes = content_changes(Kind::morning_star, ms(before), ms(after));
  EXPECT_EQ(changes.size(), 144u) << "met and evidence of each";
  auto h = history_changes(changes, 50);
  EXPECT_EQ(h["changes"].size(), 50u) << "each pointer once, at most 50";
  EXPECT_EQ(h["changes_truncated"], true);
  EXPECT_FALSE(history_changes(changes).contains("changes_truncated")) << "72 items are under 100";
}
