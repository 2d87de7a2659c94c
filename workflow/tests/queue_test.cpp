// A reviewer's queue without a database: working days left over the 2026 National Day week, the
// SQL each filter and the escalation make, and what each item carries.
#include <gtest/gtest.h>

#include <fstream>

#include "queue.hpp"
#include "sdp/build_info.hpp"
#include "sdp/time.hpp"

using namespace sdp;
using namespace sdp::workflow;
using namespace std::chrono;
using nlohmann::json;

namespace {

const std::string kDir = build_info::kSchemasDir;

const WorkingDays& calendar() {
  static const auto c = WorkingDays::from_file(std::filesystem::path(kDir) / "calendar" / "working_days.json");
  return c;
}
const RegionCatalog& regions() {
  static auto r = RegionCatalog::from_file(kDir + "/regions/shandong.json");
  return r;
}

Actor reviewer(Tier tier, std::string region) { return {"r-1", Role::reviewer, "", tier, std::move(region)}; }

// An instant at hh:mm on a date, Beijing time.
system_clock::time_point beijing(const char* date, int hh = 10, int mm = 0) {
  return sys_days{*parse_date(date)} + hours(hh) + minutes(mm) - hours(8);
}
// The due_at of a declaration due on `date`: the end of that day, Beijing time.
system_clock::time_point due_end_of(const char* date) { return sys_days{*parse_date(date)} + days{1} - hours(8); }

std::optional<int> left(const char* today, const char* due) {
  return working_days_left(calendar(), beijing(today), due_end_of(due));
}

cmd::PendingReviews queue_of(Actor actor) {
  cmd::PendingReviews c;
  c.actor = std::move(actor);
  return c;
}

const auto kNow = beijing("2026-10-12");

}  // namespace

// 2026: 中秋 25–27 Sep, 国庆 1–7 Oct; Sunday 20 Sep and Saturday 10 Oct are make-up working days.
TEST(WorkingDaysLeft, CountsTheWorkingDaysToTheDueDayAcrossNationalDay) {
  EXPECT_EQ(left("2026-09-30", "2026-09-30"), 0) << "the due day";
  EXPECT_EQ(left("2026-09-29", "2026-09-30"), 1);
  // From Monday 28 Sep to Friday 9 Oct: 29, 30 Sep, 8 and 9 Oct; the holiday week counts nothing.
  EXPECT_EQ(left("2026-09-28", "2026-10-09"), 4);
  EXPECT_EQ(left("2026-10-01", "2026-10-09"), 2) << "on a holiday, the days after it";
  EXPECT_EQ(left("2026-10-07", "2026-10-10"), 3) << "Saturday 10 Oct is worked";
  EXPECT_EQ(left("2026-09-24", "2026-09-28"), 1) << "Mid-Autumn: 25 Sep is a holiday, 28 Sep the next working day";
}

TEST(WorkingDaysLeft, IsNegativeOnceOverdueAndNeverZero) {
  EXPECT_EQ(left("2026-10-03", "2026-09-30"), -1) << "overdue during the holiday: no working day since, still -1";
  EXPECT_EQ(left("2026-10-08", "2026-09-30"), -1);
  EXPECT_EQ(left("2026-10-09", "2026-09-30"), -2);
  EXPECT_EQ(left("2026-10-10", "2026-09-30"), -3) << "the make-up Saturday counts";
  EXPECT_EQ(left("2026-10-11", "2026-09-30"), -3) << "Sunday 11 Oct does not";
  EXPECT_EQ(left("2026-10-12", "2026-09-30"), -4);
}

TEST(WorkingDaysLeft, TheDueDayEndsAtMidnightBeijingTime) {
  const auto due = due_end_of("2026-09-30");
  EXPECT_EQ(working_days_left(calendar(), beijing("2026-09-30", 23, 59), due), 0);
  EXPECT_EQ(working_days_left(calendar(), due, due), -1);
  // The due_at the workflow writes for 5 working days from Thursday 24 Sep is Friday 9 Oct's end.
  const auto written = calendar().due_at(beijing("2026-09-24"), 5);
  EXPECT_EQ(written, due_end_of("2026-10-09"));
  EXPECT_EQ(working_days_left(calendar(), beijing("2026-09-24"), written), 5);
}

TEST(WorkingDaysLeft, NothingWhenTheCalendarLacksAYearInBetween) {
  auto table = json::parse(std::ifstream(std::filesystem::path(kDir) / "calendar" / "working_days.json"));
  table["years"] = json{{"2026", table["years"]["2026"]}};
  const auto only_2026 = WorkingDays::from_json(table);
  EXPECT_EQ(working_days_left(only_2026, beijing("2026-12-30"), due_end_of("2026-12-31")), 1);
  EXPECT_EQ(working_days_left(only_2026, beijing("2026-12-30"), due_end_of("2027-01-05")), std::nullopt);
  EXPECT_EQ(working_days_left(only_2026, beijing("2027-01-04"), due_end_of("2026-12-31")), std::nullopt);
}

TEST(QueueQuery, IsTheCallersTierInItsJurisdiction) {
  auto county = queue_query(queue_of(reviewer(Tier::county, "370102")), regions(), kNow);
  ASSERT_TRUE(county);
  EXPECT_EQ(county->where, " WHERE d.state = ? AND d.region = ?");
  EXPECT_EQ(county->params.size(), 2u);
  EXPECT_EQ(county->key, "d.arrived_at");
  EXPECT_EQ(county->page_index, "ix_queue_region_arrived");
  auto city = queue_query(queue_of(reviewer(Tier::city, "370100")), regions(), kNow);
  EXPECT_EQ(city->where, " WHERE d.state = ? AND d.city = ?");
  auto province = queue_query(queue_of(reviewer(Tier::province, "370000")), regions(), kNow);
  EXPECT_EQ(province->where, " WHERE d.state = ?");
  EXPECT_EQ(std::get<std::string>(province->params[0].value), "province_review");
  EXPECT_EQ(province->page_index, "ix_queue_arrived");
  EXPECT_EQ(city->page_index, "ix_queue_city_arrived");
}

TEST(QueueQuery, EveryFilterNarrowsItParameterised) {
  auto c = queue_of(reviewer(Tier::city, "370100"));
  c.county = "370102";
  c.round = "01a233fa-673a-7f1f-a6ad-83516a9adfe1";
  c.kind = Kind::industry_brain;
  c.q = "50%_off\\";
  c.sort = cmd::QueueSort::due_at;
  auto q = queue_query(c, regions(), kNow);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->where, " WHERE d.state = ? AND d.region = ? AND d.round_id = ? AND d.kind = ? AND d.search_text LIKE ?")
      << "the county, checked to be the city's, in place of the city";
  EXPECT_EQ(std::get<std::string>(q->params.back().value), "%50\\%\\_off\\\\%");
  EXPECT_EQ(q->key, "d.due_key");
  after(*q, {"2026-10-09 16:00:00.000000", c.round.value(), "due_at"});
  EXPECT_TRUE(q->where.ends_with(" AND (d.due_key > ? OR (d.due_key = ? AND d.id > ?))"));
  EXPECT_EQ(q->params.size(), 8u);
  EXPECT_EQ(q->page_index, "ix_queue_round_arrived") << "only the arrived indexes hold search_text (0014)";
  EXPECT_EQ(q->count_index, "ix_queue_round_arrived");
  c.q.reset();
  q = queue_query(c, regions(), kNow);
  EXPECT_EQ(q->page_index, "ix_queue_round_due") << "without a search, the index in the page's order";
  EXPECT_EQ(q->count_index, "ix_queue_round_due") << "and a total on the narrower due index";
}

TEST(QueueQuery, OverdueAddsTheTierBelowsOverdueForCityAndProvince) {
  auto c = queue_of(reviewer(Tier::city, "370100"));
  c.overdue = true;
  auto city = queue_query(c, regions(), kNow);
  EXPECT_EQ(city->where, " WHERE d.state IN (?, ?) AND d.city = ? AND d.due_key <= ?");
  EXPECT_EQ(std::get<std::string>(city->params[1].value), "county_review");
  EXPECT_EQ(std::get<std::string>(city->params[3].value), db_time(kNow));
  EXPECT_EQ(city->count_index, "ix_queue_city_due") << "the overdue range";
  EXPECT_EQ(city->page_index, "ix_queue_city_due") << "the overdue range, then its entries sorted";
  c.actor = reviewer(Tier::province, "370000");
  auto province = queue_query(c, regions(), kNow);
  EXPECT_EQ(province->where, " WHERE d.state IN (?, ?) AND d.due_key <= ?");
  EXPECT_EQ(std::get<std::string>(province->params[1].value), "city_review");
  c.actor = reviewer(Tier::county, "370102");
  auto county = queue_query(c, regions(), kNow);
  EXPECT_EQ(county->where, " WHERE d.state = ? AND d.region = ? AND d.due_key <= ?") << "no tier below a county";
}

TEST(QueueQuery, ACountyOutsideTheJurisdictionIsRefused) {
  auto c = queue_of(reviewer(Tier::city, "370100"));
  c.county = "370202";  // 青岛市市南区
  auto q = queue_query(c, regions(), kNow);
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().kind, ProblemKind::rule);
  EXPECT_EQ(q.error().errors.at(0).pointer, "/query/county");
  c.actor = reviewer(Tier::county, "370102");
  c.county = "370103";
  EXPECT_FALSE(queue_query(c, regions(), kNow)) << "a county reviewer has only its own";
  c.county = "370102";
  EXPECT_TRUE(queue_query(c, regions(), kNow));
  c.actor = reviewer(Tier::province, "370000");
  c.county = "370202";
  EXPECT_TRUE(queue_query(c, regions(), kNow));
}

TEST(QueueQuery, ACursorOfAnotherSortIsRefused) {
  auto c = queue_of(reviewer(Tier::province, "370000"));
  const std::string id = "01a233fa-673a-7f1f-a6ad-83516a9adfe1";
  c.cursor = PageCursor{"2026-10-09 16:00:00.000000", id, "due_at"};
  auto q = queue_query(c, regions(), kNow);
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().kind, ProblemKind::rule);
  EXPECT_EQ(q.error().errors.at(0).pointer, "/query/cursor");
  c.cursor = PageCursor{"2026-10-09 16:00:00.000000", id, ""};  // a list's, or the queue's before sorts
  EXPECT_FALSE(queue_query(c, regions(), kNow));
  c.sort = cmd::QueueSort::due_at;
  EXPECT_FALSE(queue_query(c, regions(), kNow));
  c.cursor->sort = "due_at";
  EXPECT_TRUE(queue_query(c, regions(), kNow));
}

TEST(QueueItem, CarriesDaysLeftOverdueEscalationAndTheClaimedLevelOrTotal) {
  Row row;
  row.id = "01a233fa-673a-7f1f-a6ad-83516a9adfe1";
  row.number = "MSF-2026-370102-000001";
  row.region = "370102";
  row.city = "370100";
  row.state = State::county_review;
  row.payload = json::object();                                    // the queue's select carries none
  row.score = {{"claimed_level", 3}, {"self_assessed_level", 2}};  // the submitted score has the claim
  row.arrived_at = "2026-09-24 02:00:00.000000";
  row.due_at = "2026-09-30 16:00:00.000000";  // the end of 30 Sep, Beijing time
  row.created_at = row.updated_at = *row.arrived_at;
  auto item = queue_item(row, regions(), calendar(), Tier::city, beijing("2026-10-09"));
  EXPECT_EQ(item["working_days_left"], -2);
  EXPECT_EQ(item["overdue"], true);
  EXPECT_EQ(item["escalated"], true);
  EXPECT_EQ(item["claimed_level"], 3);
  EXPECT_TRUE(item["score_total"].is_null());
  EXPECT_EQ(item["due_at"], "2026-09-30T16:00:00.000Z");
  EXPECT_FALSE(item.contains("payload")) << "a list row, not the content";
  EXPECT_EQ(item["number"], row.number);

  item = queue_item(row, regions(), calendar(), Tier::county, beijing("2026-09-29"));
  EXPECT_EQ(item["working_days_left"], 1);
  EXPECT_EQ(item["overdue"], false);
  EXPECT_EQ(item["escalated"], false);

  row.kind = Kind::industry_brain;
  row.payload = {{"cluster_name", "济南软件集群"}};
  row.score = {{"total", 82.5}};
  row.due_at.reset();
  item = queue_item(row, regions(), calendar(), Tier::county, beijing("2026-09-29"));
  EXPECT_TRUE(item["working_days_left"].is_null());
  EXPECT_EQ(item["overdue"], false);
  EXPECT_TRUE(item["claimed_level"].is_null());
  EXPECT_EQ(item["score_total"], 82.5);
}

TEST(QueueItem, TheCursorHoldsTheSortKey) {
  Row row;
  row.id = "01a233fa-673a-7f1f-a6ad-83516a9adfe1";
  row.arrived_at = "2026-09-24 02:00:00.000000";
  EXPECT_EQ(cursor_of(row, cmd::QueueSort::arrived_at), (PageCursor{*row.arrived_at, row.id, "arrived_at"}));
  EXPECT_EQ(cursor_of(row, cmd::QueueSort::due_at), (PageCursor{kNoDueKey, row.id, "due_at"}));
  row.due_at = "2026-09-30 16:00:00.000000";
  EXPECT_EQ(cursor_of(row, cmd::QueueSort::due_at), (PageCursor{*row.due_at, row.id, "due_at"}));
}
