// The exports' pure part (CONTRACT §9): CSV quoting, BOM, CRLF and formula neutralising; an .xlsx
// written by to_xlsx read back with Debian's openpyxl (header row, numbers as numbers, times as
// Excel datetimes in China Standard Time, the frozen header); column lists of each export.
#include "exports.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "spreadsheets.hpp"

using namespace sdp::gateway::exports;
using nlohmann::json;
using sdp::test::parse_csv;
using sdp::test::read_xlsx;

namespace {

const auto kCreated = std::chrono::sys_days{std::chrono::year{2026} / 12 / 3} + std::chrono::hours(6);

json pending_item() {
  return json::parse(R"json({
    "id": "0192f0a0-0000-7000-8000-000000000001", "number": "MSF-2026-370102-000001", "kind": "morning_star",
    "org": "91370102MA3C00000B", "org_name": "济南历下智能制造有限公司", "region": "370102", "region_name": "历下区",
    "city": "370100", "city_name": "济南市", "title": "=HYPERLINK(\"http://evil\",\"点我\")",
    "contact": {"name": "王伟", "phone": "+8613912345678"}, "state": "county_review",
    "arrived_at": "2026-12-02T16:30:00.250Z", "due_at": "2026-12-09T16:00:00.000Z", "working_days_left": -1,
    "overdue": true, "escalated": false, "claimed_level": 3, "score_total": null})json");
}

const json* cell(const json& dump, size_t row, size_t col) { return &dump["sheets"][0]["rows"][row][col]; }

size_t column(const Table& t, std::string_view header) {
  for (size_t i = 0; i < t.headers.size(); ++i)
    if (t.headers[i] == header) return i;
  ADD_FAILURE() << "no column " << header;
  return 0;
}

}  // namespace

TEST(Exports, CsvHasBomCrlfAndQuotesByRfc4180) {
  Table t{"t", {"标题", "备注"}, {{std::string("a,b"), std::string("他说\"好\"")}, {std::string("两行\n文字"), 12.5}}};
  const auto csv = to_csv(t);
  ASSERT_TRUE(csv.starts_with("\xEF\xBB\xBF"));
  EXPECT_EQ(csv.substr(3), "标题,备注\r\n\"a,b\",\"他说\"\"好\"\"\"\r\n\"两行\n文字\",12.5\r\n");
  auto back = parse_csv(csv);
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[1][1], "他说\"好\"");
  EXPECT_EQ(back[2][0], "两行\n文字");
}

TEST(Exports, CsvNeutralisesFormulasInTextButNotNumbers) {
  Table t{"t",
          {"a"},
          {{std::string("=1+1")},
           {std::string("+86 139")},
           {std::string("-2")},
           {std::string("@SUM(A1)")},
           {std::string("\tx")},
           {std::string("\rx")},
           {-1.0},
           {std::string("安全")}}};
  auto rows = parse_csv(to_csv(t));
  ASSERT_EQ(rows.size(), 9u);
  EXPECT_EQ(rows[1][0], "'=1+1");
  EXPECT_EQ(rows[2][0], "'+86 139");
  EXPECT_EQ(rows[3][0], "'-2");
  EXPECT_EQ(rows[4][0], "'@SUM(A1)");
  EXPECT_EQ(rows[5][0], "'\tx");
  EXPECT_EQ(rows[6][0], "'\rx");
  EXPECT_EQ(rows[7][0], "-1");  // a number cell is a number, not text a formula could hide in
  EXPECT_EQ(rows[8][0], "安全");
}

TEST(Exports, CsvTimesAreChinaStandardTimeAndDaysAsTheyAre) {
  Table t{"t", {"到达时间", "有效期至", "空"}, {std::vector<Cell>(3)}};
  t.rows[0][0] = *instant_of("2026-12-02T16:30:00.250Z");
  t.rows[0][1] = Day{std::chrono::year{2029} / 12 / 31};
  auto rows = parse_csv(to_csv(t));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1], (std::vector<std::string>{"2026-12-03 00:30:00", "2029-12-31", ""}));
}

TEST(Exports, ReadsTheApiTimes) {
  auto a = instant_of("2026-12-02T16:30:00.250Z");
  auto b = instant_of("2026-12-03T00:30:00.25+08:00");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
  EXPECT_FALSE(instant_of("2026-13-02T16:30:00Z"));
  EXPECT_FALSE(instant_of("2026-12-02 16:30"));
  EXPECT_FALSE(instant_of("2026-12-02T16:30:00.Z"));
  EXPECT_FALSE(instant_of("2026-12-02T16:30:00Zjunk"));
}

TEST(Exports, WidthCountsCjkAsTwo) {
  EXPECT_EQ(display_width("abc"), 3u);
  EXPECT_EQ(display_width("申报编号"), 8u);
  EXPECT_EQ(display_width("县（市、区）"), 12u);
}

TEST(Exports, FileNamesCarryTheChinaDay) {
  // 20:00 UTC on 2 December is already 3 December in Beijing.
  const auto t = std::chrono::sys_days{std::chrono::year{2026} / 12 / 2} + std::chrono::hours(20);
  EXPECT_EQ(file_name("待审核申报", t, Format::xlsx), "待审核申报-2026-12-03.xlsx");
  EXPECT_EQ(file_name("stats", t, Format::csv), "stats-2026-12-03.csv");
  EXPECT_EQ(content_type(Format::csv), "text/csv; charset=utf-8");
}

TEST(Exports, PendingColumnsComeFromTheQueueItems) {
  auto t = pending_table(json::array({pending_item()}));
  EXPECT_EQ(t.headers.front(), "申报编号");
  ASSERT_EQ(t.rows.size(), 1u);
  const auto& row = t.rows[0];
  EXPECT_EQ(std::get<std::string>(row[column(t, "申报类型")]), "晨星工厂");
  EXPECT_EQ(std::get<std::string>(row[column(t, "县（市、区）")]), "历下区");
  EXPECT_EQ(std::get<std::string>(row[column(t, "状态")]), "县级审核");
  EXPECT_EQ(std::get<double>(row[column(t, "申报等级")]), 3.0);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(row[column(t, "得分")]));
  EXPECT_EQ(std::get<double>(row[column(t, "剩余工作日")]), -1.0);
  EXPECT_EQ(std::get<std::string>(row[column(t, "是否逾期")]), "是");
  EXPECT_EQ(std::get<Instant>(row[column(t, "到达时间")]), *instant_of("2026-12-02T16:30:00.250Z"));
  EXPECT_EQ(std::get<std::string>(row[column(t, "联系电话")]), "+8613912345678");
}

TEST(Exports, RecommendationsInTheirRankOrderAndStatsOneRowPerCount) {
  auto rec = recommendations_table(json::parse(R"({"city": "370100", "city_name": "济南市", "items": [
      {"recommendation_rank": 1, "number": "IBR-2026-370102-000002", "kind": "industry_brain", "org_name": "甲",
       "title": "集群", "state": "province_review", "claimed_level": null, "verified_level": null, "total": 81.25},
      {"recommendation_rank": 2, "number": "MSF-2026-370102-000001", "kind": "morning_star", "org_name": "乙",
       "title": "工厂", "state": "publicity", "claimed_level": 2, "verified_level": 2, "total": null}]})"));
  EXPECT_EQ(rec.sheet, "济南市推荐汇总表");
  ASSERT_EQ(rec.rows.size(), 2u);
  EXPECT_EQ(std::get<double>(rec.rows[0][0]), 1.0);
  EXPECT_EQ(std::get<double>(rec.rows[0][column(rec, "得分")]), 81.25);
  EXPECT_EQ(std::get<std::string>(rec.rows[1][column(rec, "状态")]), "公示");

  auto stats = stats_table(json::parse(R"({"by_state": {"city_review": 2, "county_review": 3},
      "by_kind": {"morning_star": 5}, "by_city": {"370100": {"name": "济南市", "count": 5}},
      "morning_star_levels": {"0": 1, "3": 4},
      "round": {"declared": 7, "submitted": 5, "at_tier": {"county_review": 3, "city_review": 2, "province_review": 0},
                "recommended": {"370100": {"name": "济南市", "recommended": 0, "quota": 20}},
                "approved_by_level": {}}})"));
  auto rows = parse_csv(to_csv(stats));
  EXPECT_EQ(rows[0], (std::vector<std::string>{"分类", "项目", "代码", "数量", "名额"}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{"按状态", "县级审核", "county_review", "3", ""}));  // the states' order
  EXPECT_EQ(rows[2], (std::vector<std::string>{"按状态", "市级审核", "city_review", "2", ""}));
  EXPECT_EQ(rows[3], (std::vector<std::string>{"按类型", "晨星工厂", "morning_star", "5", ""}));
  EXPECT_EQ(rows[4], (std::vector<std::string>{"按城市", "济南市", "370100", "5", ""}));
  EXPECT_EQ(rows[5], (std::vector<std::string>{"晨星工厂等级", "未达一级", "0", "1", ""}));
  EXPECT_EQ(rows.back(), (std::vector<std::string>{"本批次推荐", "济南市", "370100", "0", "20"}));
}

TEST(Exports, XlsxReadsBackWithOpenpyxl) {
  auto t = pending_table(json::array({pending_item(), pending_item()}));
  t.rows[1][column(t, "申报等级")] = std::monostate{};
  t.rows[1][column(t, "得分")] = 87.5;
  const auto bytes = to_xlsx(t, kCreated);
  ASSERT_TRUE(bytes.starts_with("PK"));
  const auto dump = read_xlsx(bytes);
  const auto& sheet = dump["sheets"][0];
  EXPECT_EQ(sheet["title"], "待审核申报");
  EXPECT_EQ(sheet["freeze_panes"], "A2");  // the header row stays when scrolling
  EXPECT_EQ(sheet["auto_filter"], "A1:Q3");
  ASSERT_EQ(sheet["rows"].size(), 3u);
  for (size_t c = 0; c < t.headers.size(); ++c) {
    EXPECT_EQ((*cell(dump, 0, c))["value"], t.headers[c]);
    EXPECT_EQ((*cell(dump, 0, c))["type"], "text");
  }
  const auto level = column(t, "申报等级"), score = column(t, "得分"), arrived = column(t, "到达时间"),
             left = column(t, "剩余工作日"), title = column(t, "标题");
  EXPECT_EQ(*cell(dump, 1, level), (json{{"type", "number"}, {"value", 3}, {"format", "General"}}));
  EXPECT_EQ((*cell(dump, 1, left))["value"], -1);
  EXPECT_EQ((*cell(dump, 2, level))["type"], "empty");
  EXPECT_EQ((*cell(dump, 2, score))["value"], 87.5);
  // 16:30:00.250 UTC is 00:30:00 (whole seconds) the next day in Beijing, a real Excel datetime with a date format.
  EXPECT_EQ((*cell(dump, 1, arrived))["type"], "datetime");
  EXPECT_EQ((*cell(dump, 1, arrived))["value"], "2026-12-03T00:30:00");
  EXPECT_EQ((*cell(dump, 1, arrived))["format"], "yyyy-mm-dd hh:mm");
  // A formula-looking title is a string cell, never a formula.
  EXPECT_EQ(*cell(dump, 1, title),
            (json{{"type", "text"}, {"value", "=HYPERLINK(\"http://evil\",\"点我\")"}, {"format", "General"}}));
  // Columns fit their text: the company's name (12 CJK = 24) is wider than the level's header.
  const auto& widths = sheet["widths"];
  EXPECT_GE(widths["C"].get<double>(), 24.0);
  EXPECT_LT(widths["I"].get<double>(), widths["C"].get<double>());
  EXPECT_EQ(dump["title"], "待审核申报");
}

TEST(Exports, XlsxDaysAreDatesAndTheSameTableGivesTheSameFile) {
  Table t{"申报列表", {"有效期至"}, {{Day{std::chrono::year{2029} / 2 / 28}}}};
  const auto a = to_xlsx(t, kCreated), b = to_xlsx(t, kCreated);
  EXPECT_EQ(a, b);
  const auto dump = read_xlsx(a);
  EXPECT_EQ((*cell(dump, 1, 0))["type"], "datetime");
  EXPECT_EQ((*cell(dump, 1, 0))["value"], "2029-02-28T00:00:00");
  EXPECT_EQ((*cell(dump, 1, 0))["format"], "yyyy-mm-dd");
}

TEST(Exports, XlsxLeavesNoTemporaryFilesBehind) {
  auto count = [] {
    size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(std::filesystem::temp_directory_path()))
      n += e.path().filename().string().starts_with("sdp-export-");
    return n;
  };
  const auto before = count();
  (void)to_xlsx(pending_table(json::array({pending_item()})), kCreated);
  EXPECT_EQ(count(), before);
}

TEST(Exports, AnEmptyExportStillHasItsHeader) {
  const auto dump = read_xlsx(to_xlsx(declarations_table(json::array()), kCreated));
  ASSERT_EQ(dump["sheets"][0]["rows"].size(), 1u);
  EXPECT_EQ((*cell(dump, 0, 0))["value"], "申报编号");
  EXPECT_EQ(parse_csv(to_csv(declarations_table(json::array()))).size(), 1u);
}

// A thousand queue rows: both files whole, in a time a person waits for (printed for the docs).
TEST(Exports, AThousandRowsReadBackWhole) {
  json items = json::array();
  for (int i = 0; i < 1000; ++i) {
    auto item = pending_item();
    item["number"] = "MSF-2026-370102-" + std::to_string(100000 + i);
    items.push_back(std::move(item));
  }
  const auto start = std::chrono::steady_clock::now();
  const auto table = pending_table(items);
  const auto xlsx = to_xlsx(table, kCreated);
  const auto xlsx_done = std::chrono::steady_clock::now();
  const auto csv = to_csv(table);
  const auto csv_done = std::chrono::steady_clock::now();
  auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
  std::printf("1000 rows: xlsx %zu bytes in %lld ms, csv %zu bytes in %lld ms\n", xlsx.size(),
              static_cast<long long>(ms(xlsx_done - start)), csv.size(),
              static_cast<long long>(ms(csv_done - xlsx_done)));
  const auto dump = read_xlsx(xlsx);
  ASSERT_EQ(dump["sheets"][0]["rows"].size(), 1001u);
  EXPECT_EQ((*cell(dump, 1000, 0))["value"], "MSF-2026-370102-100999");
  EXPECT_EQ(parse_csv(csv).size(), 1001u);
}
