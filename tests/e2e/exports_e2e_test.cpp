// Spreadsheet and CSV exports over HTTP against the real gateway, workflow, scoring and notify
// (CONTRACT §9): each export's rows are the JSON route's rows for the same caller and filters, every
// page of them (an .xlsx read back with Debian's openpyxl, a CSV parsed by RFC 4180); a reviewer of
// another county gets none of this one's; a caller the JSON route refuses is refused the same way;
// beyond the row cap the answer is 422.
#include <gtest/gtest.h>

#include <algorithm>

#include "rounds.hpp"
#include "spreadsheets.hpp"
#include "stack.hpp"
#include "test_env.hpp"

using namespace sdp;
using nlohmann::json;
using test::if_match;

namespace {

const std::string& kOrg = test::kApplicantOrg;  // 历下区 (370102), 济南 (370100)
const std::string kZh = "Accept-Language: zh-CN,zh;q=0.9";
constexpr int kCap = 110;  // SDP_GATEWAY_EXPORT_MAX_ROWS here: above one JSON page of 100

struct Exports : test::Stack {
  Exports() : test::Stack({.gateway = {{"SDP_GATEWAY_EXPORT_MAX_ROWS", std::to_string(kCap)}}}) {}

  test::HttpReply call(const std::string& path, const std::string& token) {
    return send("GET", path, token, std::nullopt, {kZh});
  }
  json create(const std::string& title, const std::string& region = "370102", int claimed = 1) {
    auto r = send("POST", "/v1/declarations", applicant(),
                  json{{"round", rounds["morning_star"]},
                       {"region", region},
                       {"title", title},
                       {"org_name", "济南历下智能制造有限公司"},
                       {"contact", {{"name", "王伟"}, {"phone", "13912345678"}}},
                       {"payload", {{"claimed_level", claimed}, {"criteria", json::object()}}}});
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json();
  }
  json submitted(const std::string& title, const std::string& region = "370102", int claimed = 1) {
    auto d = create(title, region, claimed);
    auto r = send("POST", "/v1/declarations/" + d["id"].get<std::string>() + "/submit", applicant());
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json();
  }
  json approve(const json& d, const std::string& token) {
    auto r = send("POST", "/v1/declarations/" + d["id"].get<std::string>() + "/decisions", token,
                  json{{"decision", "approve"}, {"comment", "同意"}}, {if_match(d)});
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json();
  }
  // Every item of a JSON list, its cursor walked at its default page size.
  json walk(const std::string& path, const std::string& token) {
    json items = json::array();
    std::string cursor;
    for (int pages = 0; pages < 50; ++pages) {
      const auto sep = path.find('?') == std::string::npos ? "?" : "&";
      auto r = call(path + (cursor.empty() ? "" : sep + std::string("cursor=") + cursor), token);
      EXPECT_EQ(r.status, 200) << r.body;
      auto page = r.json();
      for (auto& i : page["items"]) items.push_back(i);
      if (!page["next_cursor"].is_string()) break;
      cursor = page["next_cursor"].get<std::string>();
    }
    return items;
  }
};

// The values of one column of a parsed CSV (below its header), found by the header's name.
std::vector<std::string> csv_column(const std::vector<std::vector<std::string>>& rows, const std::string& header) {
  std::vector<std::string> out;
  if (rows.empty()) return out;
  auto at = std::find(rows[0].begin(), rows[0].end(), header);
  EXPECT_NE(at, rows[0].end()) << header;
  if (at == rows[0].end()) return out;
  const auto c = static_cast<size_t>(at - rows[0].begin());
  for (size_t r = 1; r < rows.size(); ++r) out.push_back(rows[r].at(c));
  return out;
}

// The cells of one column of an xlsx dump (below its header).
std::vector<json> xlsx_column(const json& dump, const std::string& header) {
  std::vector<json> out;
  const auto& rows = dump["sheets"][0]["rows"];
  size_t c = 0;
  for (; c < rows[0].size(); ++c)
    if (rows[0][c]["value"] == header) break;
  EXPECT_LT(c, rows[0].size()) << header;
  for (size_t r = 1; r < rows.size() && c < rows[0].size(); ++r) out.push_back(rows[r][c]);
  return out;
}

std::vector<std::string> strings(const json& items, const std::string& key) {
  std::vector<std::string> out;
  for (const auto& i : items) out.push_back(i[key].get<std::string>());
  return out;
}

std::vector<std::string> values(const std::vector<json>& cells) {
  std::vector<std::string> out;
  for (const auto& c : cells) out.push_back(c["value"].is_string() ? c["value"].get<std::string>() : c["value"].dump());
  return out;
}

// "2026-12-02T16:30:00.250Z" as the export shows it: Beijing time, whole seconds, without a zone.
std::string beijing(const std::string& rfc3339) {
  const auto t = std::chrono::floor<std::chrono::seconds>(test::utc_time(rfc3339)) + std::chrono::hours(8);
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss hms{t - day};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

void expect_attachment(const test::HttpReply& r, const std::string& type, const std::string& encoded_name) {
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("content-type"), type);
  EXPECT_EQ(r.header("cache-control"), "no-store");
  const auto cd = r.header("content-disposition");
  EXPECT_TRUE(cd.starts_with("attachment; filename=\"")) << cd;
  EXPECT_NE(cd.find("filename*=UTF-8''" + encoded_name), std::string::npos) << cd;
}

const std::string kXlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const std::string kCsv = "text/csv; charset=utf-8";

}  // namespace

TEST(ExportsE2E, EachExportHasTheJsonRowsOfTheSameCallerAndFilters) {
  Exports s;
  // 25 in 历下区: more than one JSON page of 20. One with a formula-looking, comma-holding title.
  std::vector<json> lixia;
  for (int i = 0; i < 24; ++i) lixia.push_back(s.submitted("历下区第" + std::to_string(i + 1) + "号晨星工厂申报"));
  lixia.push_back(s.submitted("=1+1, \"引号\" 申报", "370102", 2));
  const auto shizhong = s.submitted("市中区晨星工厂申报", "370103");
  const auto county = s.reviewer("county", "370102");

  // The queue: every page of the JSON route, in its order, is every row of both files.
  const auto json_rows = s.walk("/v1/reviews/pending", county);
  ASSERT_EQ(json_rows.size(), 25u);
  auto csv = s.call("/v1/reviews/pending.csv", county);
  // 待审核申报 percent-encoded, as RFC 5987 has it
  expect_attachment(csv, kCsv, "%E5%BE%85%E5%AE%A1%E6%A0%B8%E7%94%B3%E6%8A%A5-");
  EXPECT_TRUE(csv.body.starts_with("\xEF\xBB\xBF"));
  EXPECT_NE(csv.body.find("\r\n"), std::string::npos);
  EXPECT_EQ(csv.header("x-export-rows"), "25");
  const auto csv_rows = test::parse_csv(csv.body);
  EXPECT_EQ(csv_column(csv_rows, "申报编号"), strings(json_rows, "number"));
  EXPECT_EQ(csv_column(csv_rows, "状态"), std::vector<std::string>(25, "县级审核"));
  auto titles = strings(json_rows, "title");
  for (auto& t : titles)
    if (t.starts_with("=")) t = "'" + t;  // neutralised in CSV, as OWASP advises
  EXPECT_EQ(csv_column(csv_rows, "标题"), titles);

  auto xlsx = s.call("/v1/reviews/pending.xlsx", county);
  expect_attachment(xlsx, kXlsx, "%E5%BE%85%E5%AE%A1%E6%A0%B8%E7%94%B3%E6%8A%A5-");
  ASSERT_TRUE(xlsx.body.starts_with("PK"));
  const auto dump = test::read_xlsx(xlsx.body);
  EXPECT_EQ(dump["sheets"][0]["freeze_panes"], "A2");
  EXPECT_EQ(values(xlsx_column(dump, "申报编号")), strings(json_rows, "number"));
  EXPECT_EQ(values(xlsx_column(dump, "标题")), strings(json_rows, "title"));  // a text cell, never a formula
  const auto arrived = xlsx_column(dump, "到达时间");
  const auto due = xlsx_column(dump, "办理期限");
  const auto level = xlsx_column(dump, "申报等级");
  ASSERT_EQ(arrived.size(), json_rows.size());
  for (size_t i = 0; i < json_rows.size(); ++i) {
    EXPECT_EQ(arrived[i]["type"], "datetime");
    EXPECT_EQ(arrived[i]["value"], beijing(json_rows[i]["arrived_at"]));
    EXPECT_EQ(due[i]["value"], beijing(json_rows[i]["due_at"]));
    EXPECT_EQ(level[i], (json{{"type", "number"}, {"value", json_rows[i]["claimed_level"]}, {"format", "General"}}));
  }

  // The same filters give the same rows: a search, nearest due date first.
  const std::string filtered = "?q=%E6%99%A8%E6%98%9F&sort=due_at&kind=morning_star";  // q=晨星
  const auto json_filtered = s.walk("/v1/reviews/pending" + filtered, county);
  ASSERT_EQ(json_filtered.size(), 24u);
  EXPECT_EQ(csv_column(test::parse_csv(s.call("/v1/reviews/pending.csv" + filtered, county).body), "申报编号"),
            strings(json_filtered, "number"));
  // Refused where the JSON route refuses, with the same status.
  EXPECT_EQ(s.call("/v1/reviews/pending.xlsx?sort=nearest", county).status, 400);
  EXPECT_EQ(s.call("/v1/reviews/pending.csv?limit=5", county).status, 400);  // no pages in an export
  EXPECT_EQ(s.call("/v1/reviews/pending.csv?county=370103", county).status,
            s.call("/v1/reviews/pending?county=370103", county).status);

  // Another county's reviewer sees its one row, none of 历下区's; another city's nothing.
  auto other = test::parse_csv(s.call("/v1/reviews/pending.csv", s.reviewer("county", "370103")).body);
  EXPECT_EQ(csv_column(other, "申报编号"), (std::vector<std::string>{shizhong["number"].get<std::string>()}));
  auto qingdao = test::read_xlsx(s.call("/v1/reviews/pending.xlsx", s.reviewer("county", "370202")).body);
  EXPECT_EQ(qingdao["sheets"][0]["rows"].size(), 1u);  // the header alone
  // The applicant has no queue: 403 as on the JSON route.
  EXPECT_EQ(s.call("/v1/reviews/pending", s.applicant()).status, 403);
  EXPECT_EQ(s.call("/v1/reviews/pending.xlsx", s.applicant()).status, 403);
  EXPECT_EQ(s.call("/v1/reviews/pending.csv", s.applicant()).status, 403);
  EXPECT_EQ(s.call("/v1/reviews/pending.csv", "").status, 401);

  // Declarations: the applicant's own and a reviewer's, with a filter, as the list has them.
  for (const auto& [path, token] : std::vector<std::pair<std::string, std::string>>{
           {"/v1/declarations", s.applicant()},
           {"/v1/declarations?state=county_review&kind=morning_star", county},
           {"/v1/declarations", s.reviewer("county", "370103")},
           {"/v1/declarations", s.reviewer("county", "370202")}}) {
    SCOPED_TRACE(path);
    const auto expected = s.walk(path, token);
    const auto q = path.find('?');
    const auto base = path.substr(0, q), query = q == std::string::npos ? "" : path.substr(q);
    auto c = s.call(base + ".csv" + query, token);
    expect_attachment(c, kCsv, "%E7%94%B3%E6%8A%A5%E5%88%97%E8%A1%A8-");  // 申报列表
    EXPECT_EQ(csv_column(test::parse_csv(c.body), "申报编号"), strings(expected, "number"));
    auto x = test::read_xlsx(s.call(base + ".xlsx" + query, token).body);
    EXPECT_EQ(values(xlsx_column(x, "申报编号")), strings(expected, "number"));
    EXPECT_EQ(values(xlsx_column(x, "县（市、区）")), strings(expected, "region_name"));
  }

  // Recommendations: two approved up by the county and the city, ranked in reverse.
  const auto city = s.reviewer("city", "370100");
  auto first = s.approve(s.approve(lixia[0], county), city);
  auto second = s.approve(s.approve(lixia[24], county), city);
  const std::string round = s.rounds["morning_star"];
  auto ranked = s.send("PUT", "/v1/rounds/" + round + "/recommendations/370100", city,
                       json{{"ids", {second["id"], first["id"]}}});
  ASSERT_EQ(ranked.status, 200) << ranked.body;
  const auto rec_json = s.call("/v1/rounds/" + round + "/recommendations/370100", city).json();
  ASSERT_EQ(rec_json["items"].size(), 2u);
  const auto rec_numbers = strings(rec_json["items"], "number");
  EXPECT_EQ(rec_numbers.front(), second["number"]);
  // A city reviewer's own city by default; the province names it.
  auto rec_csv = s.call("/v1/rounds/" + round + "/recommendations.csv", city);
  expect_attachment(rec_csv, kCsv, "%E6%8E%A8%E8%8D%90%E6%B1%87%E6%80%BB%E8%A1%A8-");  // 推荐汇总表
  const auto rec_rows = test::parse_csv(rec_csv.body);
  EXPECT_EQ(csv_column(rec_rows, "申报编号"), rec_numbers);
  EXPECT_EQ(csv_column(rec_rows, "推荐排名"), (std::vector<std::string>{"1", "2"}));
  const auto province = s.reviewer("province", "370000");
  auto rec_xlsx = s.call("/v1/rounds/" + round + "/recommendations.xlsx?city=370100", province);
  expect_attachment(rec_xlsx, kXlsx, "%E6%8E%A8%E8%8D%90%E6%B1%87%E6%80%BB%E8%A1%A8-");
  const auto rec_dump = test::read_xlsx(rec_xlsx.body);
  EXPECT_EQ(rec_dump["sheets"][0]["title"], "济南市推荐汇总表");
  EXPECT_EQ(values(xlsx_column(rec_dump, "申报编号")), rec_numbers);
  EXPECT_EQ(xlsx_column(rec_dump, "推荐排名")[0]["type"], "number");
  EXPECT_EQ(s.call("/v1/rounds/" + round + "/recommendations.csv", province).status, 400);              // which city?
  EXPECT_EQ(s.call("/v1/rounds/" + round + "/recommendations.csv?city=370102", province).status, 400);  // a county
  // Whoever the JSON route refuses is refused the same: a county (403), another city (404), the applicant.
  for (const auto& token : {county, s.reviewer("city", "370200"), s.applicant()})
    EXPECT_EQ(s.call("/v1/rounds/" + round + "/recommendations.xlsx?city=370100", token).status,
              s.call("/v1/rounds/" + round + "/recommendations/370100", token).status);
  EXPECT_EQ(s.call("/v1/rounds/" + round + "/recommendations.csv", county).status, 403);

  // Statistics: one row per count of the JSON route's, for the caller's jurisdiction.
  for (const auto& path : {std::string("/v1/stats"), "/v1/stats?round=" + round}) {
    SCOPED_TRACE(path);
    const auto q = path.find('?');
    const auto query = q == std::string::npos ? "" : path.substr(q);
    const auto stats = s.call(path, city).json();
    auto c = s.call("/v1/stats.csv" + query, city);
    expect_attachment(c, kCsv, "%E7%BB%9F%E8%AE%A1-");  // 统计
    const auto rows = test::parse_csv(c.body);
    ASSERT_FALSE(rows.empty());
    EXPECT_EQ(rows[0], (std::vector<std::string>{"分类", "项目", "代码", "数量", "名额"}));
    std::map<std::string, std::string> by_state;
    for (const auto& r : rows)
      if (r[0] == "按状态") by_state[r[2]] = r[3];
    std::map<std::string, std::string> expected;
    for (const auto& [state, n] : stats["by_state"].items()) expected[state] = n.dump();
    EXPECT_EQ(by_state, expected);
    auto x = test::read_xlsx(s.call("/v1/stats.xlsx" + query, city).body);
    EXPECT_EQ(x["sheets"][0]["rows"].size(), rows.size());
  }
  EXPECT_EQ(s.call("/v1/stats.xlsx", s.applicant()).status, 403);
  EXPECT_EQ(s.call("/v1/stats.csv?round=00000000-0000-7000-8000-000000000000", city).status, 404);
}

TEST(ExportsE2E, WalksBeyondOneJsonPageAndRefusesBeyondTheCap) {
  Exports s;
  for (int i = 0; i < 105; ++i) s.create("草稿 " + std::to_string(i + 1));
  // 105 rows: more than the largest JSON page (100), all of them, newest first as the list.
  const auto expected = s.walk("/v1/declarations?limit=100", s.applicant());
  ASSERT_EQ(expected.size(), 105u);
  auto csv = s.call("/v1/declarations.csv", s.applicant());
  EXPECT_EQ(csv_column(test::parse_csv(csv.body), "申报编号"), strings(expected, "number"));
  auto xlsx = s.call("/v1/declarations.xlsx", s.applicant());
  EXPECT_EQ(xlsx.header("x-export-rows"), "105");
  EXPECT_EQ(values(xlsx_column(test::read_xlsx(xlsx.body), "申报编号")), strings(expected, "number"));
  // Past the cap: refused as a whole, in Chinese, rather than a file silently cut short.
  for (int i = 0; i < kCap - 105 + 1; ++i) s.create("更多草稿 " + std::to_string(i + 1));
  for (const auto* path : {"/v1/declarations.csv", "/v1/declarations.xlsx"}) {
    auto r = s.call(path, s.applicant());
    EXPECT_EQ(r.status, 422) << r.body;
    EXPECT_EQ(r.header("content-type"), "application/problem+json");
    EXPECT_NE(r.json()["detail"].get<std::string>().find(std::to_string(kCap)), std::string::npos) << r.body;
  }
  // A filter that leaves fewer rows exports again.
  EXPECT_EQ(s.call("/v1/declarations.csv?state=county_review", s.applicant()).status, 200);
}
