// Working days over the State Council's table (schemas/calendar/working_days.json), across the 2026
// Spring Festival and National Day weeks and their make-up Saturdays and Sundays.
#include <gtest/gtest.h>

#include <fstream>

#include "sdp/build_info.hpp"
#include "sdp/error.hpp"
#include "sdp/working_days.hpp"

using namespace sdp;
using nlohmann::json;

namespace {

const WorkingDays& calendar() {
  static const auto w =
      WorkingDays::from_file(std::filesystem::path(build_info::kSchemasDir) / "calendar" / "working_days.json");
  return w;
}

Date d(const char* text) { return *parse_date(text); }

std::string error_of(const json& table) {
  try {
    WorkingDays::from_json(table);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(WorkingDays, TheSpringFestivalWeekOf2026) {
  EXPECT_TRUE(calendar().is_working_day(d("2026-02-13")));   // Friday
  EXPECT_TRUE(calendar().is_working_day(d("2026-02-14")));   // Saturday, worked (调休)
  EXPECT_FALSE(calendar().is_working_day(d("2026-02-16")));  // Monday, 春节
  EXPECT_FALSE(calendar().is_working_day(d("2026-02-23")));  // Monday, the last day off
  EXPECT_TRUE(calendar().is_working_day(d("2026-02-24")));
  EXPECT_TRUE(calendar().is_working_day(d("2026-02-28")));  // Saturday, worked
  // A declaration arriving on the Friday before, with 3 working days: Saturday, then after the holiday.
  EXPECT_EQ(calendar().after(d("2026-02-13"), 1), d("2026-02-14"));
  EXPECT_EQ(calendar().after(d("2026-02-13"), 3), d("2026-02-25"));
  EXPECT_EQ(calendar().between(d("2026-02-13"), d("2026-02-28")), 6);  // 14, 24, 25, 26, 27, 28
}

TEST(WorkingDays, PublicityOfFiveWorkingDaysOverNationalDay2026) {
  EXPECT_TRUE(calendar().is_working_day(d("2026-09-20")));   // Sunday, worked
  EXPECT_FALSE(calendar().is_working_day(d("2026-09-25")));  // Friday, 中秋节
  EXPECT_FALSE(calendar().is_working_day(d("2026-10-07")));
  // Approved on Wednesday 30 September: 8, 9, 10 (Saturday, worked), 12, 13 October.
  EXPECT_EQ(calendar().after(d("2026-09-30"), 5), d("2026-10-13"));
  EXPECT_EQ(calendar().between(d("2026-09-30"), d("2026-10-13")), 5);
}

TEST(WorkingDays, AcrossTheTurnOfTheYear) {
  EXPECT_FALSE(calendar().is_working_day(d("2026-01-01")));
  EXPECT_FALSE(calendar().is_working_day(d("2026-01-03")));  // Saturday, 元旦
  EXPECT_TRUE(calendar().is_working_day(d("2026-01-04")));   // Sunday, worked
  EXPECT_EQ(calendar().after(d("2025-12-31"), 1), d("2026-01-04"));
  EXPECT_EQ(calendar().between(d("2026-01-01"), d("2026-01-01")), 0);
  EXPECT_EQ(calendar().between(d("2026-01-05"), d("2026-01-01")), 0);
}

TEST(WorkingDays, ADeadlineEndsWithItsLastWorkingDayInChinaStandardTime) {
  using namespace std::chrono;
  // Friday 13 February 2026 at 10:00 in Beijing (02:00 UTC), 3 working days: the end of Wednesday 25th.
  const auto arrival = sys_days{d("2026-02-13")} + hours(2);
  EXPECT_EQ(calendar().due_at(arrival, 3), sys_days{d("2026-02-25")} + hours(16));
  // 23:30 UTC on Thursday 12th is already Friday 13th in Beijing.
  EXPECT_EQ(calendar().due_at(sys_days{d("2026-02-12")} + hours(23) + minutes(30), 3),
            sys_days{d("2026-02-25")} + hours(16));
  // 15:59 UTC on Thursday 12th is still Thursday in Beijing: Friday 13th counts.
  EXPECT_EQ(calendar().due_at(sys_days{d("2026-02-12")} + hours(15) + minutes(59), 3),
            sys_days{d("2026-02-24")} + hours(16));
}

TEST(WorkingDays, AYearTheTableLacksIsAnErrorNamingIt) {
  EXPECT_TRUE(calendar().covers(2026));
  EXPECT_FALSE(calendar().covers(2031));
  try {
    calendar().is_working_day(d("2031-03-03"));
    FAIL() << "a day of a year without its notice was counted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no holidays for 2031"), std::string::npos) << e.what();
  }
  EXPECT_THROW(calendar().require(2025, 2031), Error);
  EXPECT_NO_THROW(calendar().require(2025, 2026));
}

TEST(WorkingDays, ADeadlineRunningIntoAYearTheTableLacksIsLeftOpenNotGuessed) {
  using namespace std::chrono;
  auto table =
      json::parse(std::ifstream(std::filesystem::path(build_info::kSchemasDir) / "calendar" / "working_days.json"));
  table["years"] = json{{"2026", table["years"]["2026"]}};
  const WorkingDays only_2026 = WorkingDays::from_json(table);
  // 10:00 on Monday 14 December 2026 in Beijing: 5 working days end on Monday 21st, inside the table.
  const auto arrival = sys_days{d("2026-12-14")} + hours(2);
  EXPECT_EQ(only_2026.due_at_if_known(arrival, 5), sys_days{d("2026-12-21")} + hours(16));
  EXPECT_EQ(only_2026.due_at_if_known(arrival, 5), only_2026.due_at(arrival, 5));
  // 15 working days would end in January 2027, which this table does not hold.
  EXPECT_EQ(only_2026.due_at_if_known(arrival, 15), std::nullopt);
  EXPECT_THROW(only_2026.due_at(arrival, 15), Error);
}

TEST(WorkingDays, ATranscriptionSlipStopsTheLoadWithItsPlace) {
  auto year = [](json holidays, json workdays) {
    return json{{"years", {{"2026", {{"source", "test"}, {"holidays", holidays}, {"workdays", workdays}}}}}};
  };
  const json spring = {{{"name", "春节"}, {"from", "2026-02-15"}, {"to", "2026-02-23"}}};
  EXPECT_EQ(error_of(year(spring, {"2026-02-14"})), "");
  EXPECT_NE(error_of(year(spring, {"2026-02-13"})).find("workdays[0]: 2026-02-13 is a weekday"), std::string::npos);
  EXPECT_NE(error_of(year(spring, {"2026-02-15"})).find("is also a holiday"), std::string::npos);
  EXPECT_NE(error_of(year(spring, {"2027-02-13"})).find("is not in 2026"), std::string::npos);
  EXPECT_NE(error_of(year({{{"name", "x"}, {"from", "2026-02-30"}, {"to", "2026-03-01"}}}, json::array()))
                .find("holidays[0].from: not a date"),
            std::string::npos);
  EXPECT_NE(error_of(year({{{"name", "x"}, {"from", "2026-03-02"}, {"to", "2026-03-01"}}}, json::array()))
                .find("ends before it begins"),
            std::string::npos);
  EXPECT_NE(error_of(json{{"years", json::object()}}).find("at least one year"), std::string::npos);
}
