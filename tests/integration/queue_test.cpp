// The reviewer's queue (CONTRACT §6) on a real MariaDB, through workflow's own code: q=, round=,
// kind=, county=, overdue=, both sorts and their cursors, total, the escalation of overdue
// declarations to the tier above, jurisdiction, and the plan of every shape of its query (EXPLAIN:
// an index, never a full scan).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <tuple>

#include "actors.hpp"
#include "declarations.hpp"
#include "queue.hpp"
#include "rounds.hpp"
#include "sdp/build_info.hpp"
#include "sdp/time.hpp"
#include "test_env.hpp"
#include "tokens.hpp"

using namespace sdp;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

using namespace test::actors;  // commands carry the token's claims as the actor

const WorkingDays& calendar() {
  static const auto table =
      WorkingDays::from_file(std::filesystem::path(build_info::kSchemasDir) / "calendar" / "working_days.json");
  return table;
}

json payload(const std::string& kind, int claimed) {
  if (kind == "morning_star") return {{"claimed_level", claimed}, {"criteria", json::object()}};
  auto catalogue = json::parse(std::ifstream(std::string(build_info::kSchemasDir) + "/catalogs/industry_brain.json"));
  json indicators = json::object();
  for (const auto& i : catalogue["indicators"]) {
    auto id = i["id"].get<std::string>();
    indicators[id] = i["input"] == "grade" ? json{{"grade", "B"}} : json{{"value", id == "L5P5" ? 3 : 120}};
  }
  return {{"cluster_name", "济南智能制造产业集群"}, {"indicators", indicators}};
}

// A workflow in this process on a database of its own: declarations made and submitted through
// it, then placed (state, arrival, due date) by SQL so that every case is exact.
struct Queue {
  test::TestDatabase db{"wf_queue"};
  db::Pool pool{db.options(4)};
  scoring::Scorer scorer = scoring::Scorer::load(build_info::kSchemasDir, "2026.1", "2026.1");
  RegionCatalog regions = RegionCatalog::from_file(std::string(build_info::kSchemasDir) + "/regions/shandong.json");
  workflow::Workflow wf{pool, scorer, regions, calendar(), {}, nullptr};
  std::string round_a, round_b, round_ib;

  Queue() {
    db::migrate(pool, std::filesystem::path(build_info::kSchemasDir) / "sql" / "workflow");
    round_a = round("morning_star");
    round_b = round("morning_star");
    round_ib = round("industry_brain");
  }
  std::string round(const std::string& kind) {
    auto r = wf.create_round(*cmd::from_json(json{{"actor", admin().to_json()}, {"body", test::open_round_body(kind)}},
                                             cmd::Tag<cmd::CreateRound>{}));
    EXPECT_TRUE(r.has_value()) << why(r);
    return r ? r->id : "";
  }
  // Made and submitted (to county_review), then placed.
  std::string declare(const std::string& region, const std::string& title, const std::string& org_name,
                      const std::string& round, const std::string& state, const std::string& arrived_at,
                      std::optional<std::string> due_at, const std::string& org = kOrg, int claimed = 3) {
    const std::string kind = round == round_ib ? "industry_brain" : "morning_star";
    json body = {{"round", round},
                 {"region", region},
                 {"title", title},
                 {"org_name", org_name},
                 {"contact", {{"name", "王经理"}, {"phone", "0531-88880000"}}},
                 {"payload", payload(kind, claimed)}};
    auto made = wf.create(
        *cmd::from_json(json{{"actor", applicant(org).to_json()}, {"body", body}}, cmd::Tag<cmd::CreateDeclaration>{}));
    EXPECT_TRUE(made.has_value()) << why(made);
    if (!made) return "";
    auto submitted = wf.submit(cmd::SubmitDeclaration{applicant(org), made->id, made->version});
    EXPECT_TRUE(submitted.has_value()) << why(submitted);
    auto c = pool.acquire();
    c->execute("UPDATE declarations SET state = ?, arrived_at = ?, due_at = ? WHERE id = ?",
               {state, arrived_at, due_at ? db::Param(*due_at) : db::Param(nullptr), made->id});
    workflow::recount_queues(pool);  // moved by SQL, not by apply
    return made->id;
  }
  cmd::Document pending(cmd::PendingReviews p) {
    auto r = wf.pending(p);
    EXPECT_TRUE(r.has_value()) << why(r);
    return r ? cmd::Document{json::parse(r->json)} : cmd::Document{json::object()};
  }
};

cmd::PendingReviews of(const Actor& a) {
  cmd::PendingReviews p;
  p.actor = a;
  p.limit = 100;
  return p;
}

std::vector<std::string> ids(const cmd::Document& d) {
  std::vector<std::string> out;
  for (const auto& i : d.body["items"]) out.push_back(i["id"]);
  return out;
}

// Every page of the queue, following next_cursor; each page's total must be the same.
std::vector<std::string> all_pages(Queue& s, cmd::PendingReviews p, int64_t& total) {
  std::vector<std::string> out;
  total = -1;
  for (int guard = 0; guard < 100; ++guard) {
    auto page = s.pending(p);
    if (total >= 0) {
      EXPECT_EQ(page.body["total"], total) << "the total is of every page";
    }
    total = page.body["total"];
    for (const auto& i : page.body["items"]) out.push_back(i["id"]);
    if (page.body["next_cursor"].is_null()) break;
    p.cursor = decode_cursor(page.body["next_cursor"].get<std::string>());
  }
  return out;
}

std::string from_now(std::chrono::system_clock::duration d) { return db_time(std::chrono::system_clock::now() + d); }

}  // namespace

TEST(Queue, SearchesNumberOrgNameAndTitleAndNarrowsByRoundKindAndCounty) {
  Queue s;
  const auto arrived = from_now(-48h);
  auto a = s.declare("370102", "历下智能工厂建设", "济南明湖精密制造有限公司", s.round_a, "city_review", arrived, {});
  auto b = s.declare("370103", "市中区数字化车间", "济南泉城Robotics有限公司", s.round_b, "city_review", arrived, {},
                     kOtherOrg);
  auto c = s.declare("370102", "满分100%_示范", "山东示范企业", s.round_ib, "city_review", arrived, {});
  auto other_city =
      s.declare("370202", "青岛智能工厂", "济南明湖精密制造有限公司", s.round_a, "city_review", arrived, {});
  auto at_county =
      s.declare("370102", "历下智能工厂二期", "济南明湖精密制造有限公司", s.round_a, "county_review", arrived, {});
  (void)other_city, (void)at_county;
  const Actor city = reviewer("city", "370100");
  auto search = [&](std::string q) {
    auto p = of(city);
    p.q = *cmd::search_term(q);
    return s.pending(p);
  };

  auto all = s.pending(of(city));
  EXPECT_EQ(all.body["total"], 3) << "its tier in its city only";
  const auto all_ids = ids(all);
  EXPECT_EQ(std::set<std::string>(all_ids.begin(), all_ids.end()), (std::set<std::string>{a, b, c}));

  auto got = s.wf.get({admin(), a});
  ASSERT_TRUE(got.has_value()) << why(got);
  const std::string a_number = json::parse(got->json)["number"];
  ASSERT_TRUE(a_number.starts_with("MSF-2026-370102-")) << a_number;
  EXPECT_EQ(ids(search(a_number)), std::vector<std::string>{a}) << "the whole number";
  EXPECT_EQ(search("msf-2026-3701").body["total"], 2) << "a number prefix: Jinan's 晨星工厂 (not c, an IBR-)";
  EXPECT_EQ(search(" " + a_number + " ").body["total"], 1) << "trimmed";
  EXPECT_EQ(ids(search("泉城")), std::vector<std::string>{b}) << "an org_name substring";
  EXPECT_EQ(ids(search("robotics")), std::vector<std::string>{b}) << "Latin letters in any case";
  EXPECT_EQ(ids(search("ROBOTICS")), std::vector<std::string>{b});
  EXPECT_EQ(ids(search("数字化车间")), std::vector<std::string>{b}) << "a title substring";
  EXPECT_EQ(ids(search("91350100m0001")), std::vector<std::string>{b}) << "the org's USCC, lower-cased too";
  EXPECT_EQ(ids(search("100%_")), std::vector<std::string>{c}) << "% and _ are themselves";
  EXPECT_EQ(search("%").body["total"], 1);
  EXPECT_EQ(search("_").body["total"], 1);
  EXPECT_EQ(search("有限公司历下").body["total"], 0) << "never across two fields (org_name, then title)";
  EXPECT_EQ(search("青岛").body["total"], 0) << "another city's stays hidden";

  auto p = of(city);
  p.round = s.round_b;
  EXPECT_EQ(ids(s.pending(p)), std::vector<std::string>{b});
  p = of(city);
  p.kind = Kind::industry_brain;
  auto ib = s.pending(p);
  EXPECT_EQ(ids(ib), std::vector<std::string>{c});
  EXPECT_TRUE(ib.body["items"][0]["claimed_level"].is_null());
  EXPECT_TRUE(ib.body["items"][0]["score_total"].is_number());
  p = of(city);
  p.county = "370102";
  auto county = s.pending(p);
  EXPECT_EQ(county.body["total"], 2);
  p.q = "明湖";
  EXPECT_EQ(ids(s.pending(p)), std::vector<std::string>{a}) << "filters combine";
  EXPECT_EQ(s.pending(p).body["items"][0]["claimed_level"], 3);
  EXPECT_EQ(s.pending(p).body["items"][0]["org_name"], "济南明湖精密制造有限公司");
  EXPECT_EQ(s.pending(p).body["items"][0]["round"], s.round_a);
}

TEST(Queue, BothSortsPageByTheirOwnKeyWithTheTotalOnEveryPage) {
  Queue s;
  // Arrivals: two at the same instant (id breaks the tie); due dates: two alike, two none.
  const auto t0 = from_now(-96h), t1 = from_now(-72h), t2 = from_now(-48h);
  const auto d0 = from_now(24h), d1 = from_now(48h);
  std::vector<std::string> made = {
      s.declare("370102", "甲", "甲公司", s.round_a, "county_review", t1, d1),
      s.declare("370102", "乙", "乙公司", s.round_a, "county_review", t0, {}),
      s.declare("370102", "丙", "丙公司", s.round_a, "county_review", t2, d0),
      s.declare("370102", "丁", "丁公司", s.round_a, "county_review", t1, d0),
      s.declare("370102", "戊", "戊公司", s.round_a, "county_review", t2, {}),
  };
  const Actor county = reviewer("county", "370102");
  std::map<std::string, std::pair<std::string, std::optional<std::string>>> when = {
      {made[0], {t1, d1}}, {made[1], {t0, {}}}, {made[2], {t2, d0}}, {made[3], {t1, d0}}, {made[4], {t2, {}}}};
  auto arrived_order = made, due_order = made;
  std::ranges::sort(arrived_order, [&](const auto& x, const auto& y) {
    return std::tie(when[x].first, x) < std::tie(when[y].first, y);
  });
  std::ranges::sort(due_order, [&](const auto& x, const auto& y) {
    auto key = [&](const std::string& id) { return std::tuple(!when[id].second, when[id].second.value_or(""), id); };
    return key(x) < key(y);
  });

  auto p = of(county);
  p.limit = 2;
  int64_t total = 0;
  EXPECT_EQ(all_pages(s, p, total), arrived_order) << "oldest arrival first, by default";
  EXPECT_EQ(total, 5);
  p.sort = cmd::QueueSort::due_at;
  EXPECT_EQ(all_pages(s, p, total), due_order) << "nearest due date first, none last";
  EXPECT_EQ(total, 5);
  p.limit = 1;
  EXPECT_EQ(all_pages(s, p, total), due_order) << "pages of one, across the no-due-date tail";

  // A cursor of one sort is refused with another.
  p.limit = 2;
  p.sort = cmd::QueueSort::arrived_at;
  auto first = s.pending(p);
  p.cursor = decode_cursor(first.body["next_cursor"].get<std::string>());
  p.sort = cmd::QueueSort::due_at;
  auto refused = s.wf.pending(p);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ProblemKind::rule);
}

TEST(Queue, OverdueIsShownToTheTierAboveAsEscalated) {
  Queue s;
  const auto arrived = from_now(-240h);
  const auto past = from_now(-1h), future = from_now(72h);
  auto county_late = s.declare("370102", "县级逾期", "甲公司", s.round_a, "county_review", arrived, past);
  auto county_on_time = s.declare("370102", "县级未逾期", "乙公司", s.round_a, "county_review", arrived, future);
  auto city_late = s.declare("370103", "市级逾期", "丙公司", s.round_a, "city_review", arrived, past);
  auto city_on_time = s.declare("370103", "市级未逾期", "丁公司", s.round_a, "city_review", arrived, future);
  auto city_open = s.declare("370103", "市级无时限", "戊公司", s.round_a, "city_review", arrived, {});
  auto qingdao_county_late = s.declare("370202", "青岛县级逾期", "己公司", s.round_a, "county_review", arrived, past);
  auto qingdao_city_late = s.declare("370202", "青岛市级逾期", "庚公司", s.round_a, "city_review", arrived, past);
  auto province_late = s.declare("370202", "省级逾期", "辛公司", s.round_a, "province_review", arrived, past);
  (void)county_on_time;

  auto set_of = [](const cmd::Document& d) {
    auto v = ids(d);
    return std::set<std::string>(v.begin(), v.end());
  };
  const Actor city = reviewer("city", "370100");
  EXPECT_EQ(set_of(s.pending(of(city))), (std::set<std::string>{city_late, city_on_time, city_open}))
      << "without overdue=true: the caller's tier only";
  auto p = of(city);
  p.overdue = true;
  auto overdue = s.pending(p);
  EXPECT_EQ(set_of(overdue), (std::set<std::string>{city_late, county_late})) << "not Qingdao's, not on time";
  EXPECT_EQ(overdue.body["total"], 2);
  for (const auto& i : overdue.body["items"]) {
    EXPECT_EQ(i["overdue"], true);
    EXPECT_LE(i["working_days_left"].get<int>(), 0);
    EXPECT_EQ(i["escalated"], i["id"] == county_late) << i["id"];
  }

  const Actor province = reviewer("province", "370000");
  p.actor = province;
  auto escalated = s.pending(p);
  EXPECT_EQ(set_of(escalated), (std::set<std::string>{province_late, city_late, qingdao_city_late}))
      << "the city tier's overdue, not the county tier's";
  p.kind = Kind::morning_star;
  p.county = "370202";
  EXPECT_EQ(set_of(s.pending(p)), (std::set<std::string>{province_late, qingdao_city_late}));

  const Actor county = reviewer("county", "370102");
  p = of(county);
  p.overdue = true;
  EXPECT_EQ(ids(s.pending(p)), std::vector<std::string>{county_late});
  (void)qingdao_county_late;

  // Seen, not decided: the state machine keeps the decision with the current tier.
  auto row = s.wf.get({city, county_late});
  ASSERT_TRUE(row.has_value()) << why(row);
  auto decided = s.wf.decide({city, county_late, row->version, Decision::approve, "", std::nullopt});
  ASSERT_FALSE(decided);
  EXPECT_EQ(decided.error().kind, ProblemKind::conflict);
}

TEST(Queue, NothingOutsideTheJurisdictionAndNoCountyOutsideIt) {
  Queue s;
  const auto arrived = from_now(-24h);
  auto jinan = s.declare("370102", "济南", "甲公司", s.round_a, "city_review", arrived, {});
  auto qingdao = s.declare("370202", "青岛", "甲公司", s.round_a, "city_review", arrived, {});
  EXPECT_EQ(ids(s.pending(of(reviewer("city", "370100")))), std::vector<std::string>{jinan});
  EXPECT_EQ(ids(s.pending(of(reviewer("city", "370200")))), std::vector<std::string>{qingdao});
  auto p = of(reviewer("city", "370100"));
  p.q = "青岛";
  EXPECT_EQ(s.pending(p).body["total"], 0);
  p.q.reset();
  p.county = "370202";
  auto outside = s.wf.pending(p);
  ASSERT_FALSE(outside);
  EXPECT_EQ(outside.error().kind, ProblemKind::rule);
  EXPECT_EQ(outside.error().errors.at(0).pointer, "/query/county");
  EXPECT_EQ(outside.error().errors.at(0).message_zh, "该县（市、区）不在您的管辖范围内");
  p = of(reviewer("county", "370102"));
  p.county = "370103";
  EXPECT_FALSE(s.wf.pending(p)) << "a county reviewer has only its own county";
  EXPECT_EQ(s.pending(of(reviewer("county", "370102"))).body["total"], 0) << "city_review is not the county's";
  auto stranger = of(reviewer("city", "110100"));  // not a city of Shandong
  EXPECT_EQ(s.pending(stranger).body["total"], 0);
  EXPECT_EQ(s.wf.pending(of(applicant())).error().kind, ProblemKind::forbidden);
}

// Every shape of the queue's query (jurisdiction × filter × sort × cursor) on an index, never a full
// scan, on enough rows for the optimizer to choose as it would in production. Prints the plans
// docs/performance.md shows.
TEST(Queue, EveryShapeOfTheQueryUsesAnIndex) {
  Queue s;
  auto c = s.pool.acquire();
  // 6,000 submitted declarations spread over four counties of two cities, three rounds and the
  // states, a tenth without a due date, some overdue (the same shape bench/queue.sh loads).
  c->execute(
      "INSERT INTO declarations (id, number, kind, round_id, org, org_name, region, city, title, contact, payload, "
      "state, version, decided, created_by, created_at, updated_at, submitted_version, arrived_at, due_at) "
      "SELECT UUID(), CONCAT(IF(seq % 3 = 2, 'IBR', 'MSF'), '-2025-', r, '-', LPAD(seq, 6, '0')), "
      "IF(seq % 3 = 2, 'industry_brain', 'morning_star'), ELT(1 + seq % 3, ?, ?, ?), ?, CONCAT('企业', seq, "
      "'有限公司'), "
      "r, CONCAT(LEFT(r, 4), '00'), CONCAT('申报', seq), '{\"name\": \"王\", \"phone\": \"1\"}', "
      "'{\"claimed_level\": 3, \"criteria\": {}}', ELT(1 + seq % 10, 'province_review', 'province_review', "
      "'province_review', 'province_review', 'province_review', 'city_review', 'city_review', 'county_review', "
      "'approved', 'draft'), 2, 0, 'bulk', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), 1, "
      "UTC_TIMESTAMP(6) - INTERVAL CAST(seq AS SIGNED) MINUTE, IF(seq % 10 = 3, NULL, UTC_TIMESTAMP(6) + INTERVAL "
      "CAST(seq % 30 AS SIGNED) - 5 DAY) "
      "FROM (SELECT seq, ELT(1 + seq % 4, '370102', '370103', '370202', '370203') AS r FROM seq_1_to_6000) g",
      {s.round_a, s.round_b, s.round_ib, kOrg});
  c->execute(
      "INSERT INTO declaration_versions (declaration_id, version, title, contact, payload, created_at) "
      "SELECT id, 1, title, contact, payload, created_at FROM declarations WHERE created_by = 'bulk'");
  workflow::recount_queues(s.pool);
  for (auto analysed = c->query("ANALYZE TABLE declarations"); analysed.next();) {}

  struct Shape {
    std::string name;
    cmd::PendingReviews command;
  };
  std::vector<Shape> shapes;
  const PageCursor arrived{from_now(-1000min), "00000000-0000-0000-0000-000000000000", "arrived_at"};
  const PageCursor due{from_now(48h), "00000000-0000-0000-0000-000000000000", "due_at"};
  for (const auto& [who, actor] : {std::pair{"province", reviewer("province", "370000")},
                                   {"city", reviewer("city", "370100")},
                                   {"county", reviewer("county", "370102")}}) {
    auto add = [&, who = std::string(who), actor = actor](const std::string& what,
                                                          const std::function<void(cmd::PendingReviews&)>& set) {
      auto p = of(actor);
      p.limit = 20;
      set(p);
      shapes.push_back({who + " " + what, p});
    };
    add("no filter", [](auto&) {});
    add("q=number prefix", [](auto& p) { p.q = "msf-2025-370102-0001"; });
    add("q=org_name", [](auto& p) { p.q = "企业123"; });
    add("round=", [&](auto& p) { p.round = s.round_b; });
    add("kind=", [](auto& p) { p.kind = Kind::industry_brain; });
    if (std::string(who) != "county") add("county=", [](auto& p) { p.county = "370102"; });
    add("overdue=true", [](auto& p) { p.overdue = true; });
    add("sort=due_at", [](auto& p) { p.sort = cmd::QueueSort::due_at; });
    add("cursor", [&](auto& p) { p.cursor = arrived; });
    add("sort=due_at cursor", [&](auto& p) {
      p.sort = cmd::QueueSort::due_at;
      p.cursor = due;
    });
    add("round= q= sort=due_at", [&](auto& p) {
      p.round = s.round_a;
      p.q = "企业";
      p.sort = cmd::QueueSort::due_at;
    });
  }
  const auto now = std::chrono::system_clock::now();
  for (const auto& shape : shapes) {
    auto statements = s.wf.pending_statements(shape.command, now);
    ASSERT_TRUE(statements.has_value()) << shape.name;
    for (const auto& [what, st] : {std::pair{"total", &statements->count}, {"page", &statements->page}}) {
      auto plan = c->query("EXPLAIN " + st->sql, st->params);
      std::string line;
      while (plan.next()) {
        const std::string table = plan.str("table");
        if (table.starts_with("<derived")) continue;  // the page's ids, at most limit + 1 rows
        const std::string type = plan.str("type");
        const auto key = plan.opt_str("key");
        EXPECT_TRUE(key.has_value()) << shape.name << " (" << what << "): no index on " << table;
        EXPECT_NE(type, "ALL") << shape.name << " (" << what << "): a full scan of " << table;
        const std::string extra = plan.opt_str("Extra").value_or("");
        // A page in its index's order stops at limit + 1 rows; only an escalated one (two states)
        // and a search in due_at order (the arrived index's matches) sort.
        const bool sorts = shape.command.overdue || (shape.command.q && shape.command.sort == cmd::QueueSort::due_at);
        if (std::string(what) == "page" && !sorts && plan.str("select_type") == "DERIVED") {
          EXPECT_EQ(extra.find("filesort"), std::string::npos) << shape.name << ": " << extra;
        }
        if (table == "d" && (std::string(what) == "total" || plan.str("select_type") == "DERIVED"))
          line = type + " | " + key.value_or("NULL") + " | " + plan.opt_str("rows").value_or("?") + " | " + extra;
      }
      std::cout << "| " << shape.name << " | " << what << " | " << line << " |\n";
    }
  }
  // And the plans answer what they should.
  int64_t expected = 0;
  for (int seq = 1; seq <= 6000; ++seq)
    expected += seq % 10 < 5 && seq % 4 == 0 && seq % 3 != 2 && seq >= 100 && seq < 200 ? 1 : 0;
  auto p = of(reviewer("province", "370000"));
  EXPECT_EQ(s.pending(p).body["total"], 3000);
  p.q = "msf-2025-370102-0001";
  EXPECT_EQ(s.pending(p).body["total"], expected);
  EXPECT_GT(expected, 0);
}

// The totals of unfiltered queues come from queue_counts (migration 0021), changed by apply with
// every move: after submits, approvals, a return and its resubmission, a rejection and a
// withdrawal through the workflow, every reviewer's total is the number of rows awaiting it, and
// the counts are those of the rows.
TEST(Queue, TheTotalsFollowEveryChangeThroughTheTiers) {
  Queue s;
  auto make = [&](const std::string& region) {
    json body = {{"round", s.round_a},
                 {"region", region},
                 {"title", "计数"},
                 {"org_name", "计数企业"},
                 {"contact", {{"name", "王经理"}, {"phone", "0531-88880000"}}},
                 {"payload", payload("morning_star", 3)}};
    auto made = s.wf.create(*cmd::from_json(json{{"actor", applicant(kOrg).to_json()}, {"body", body}},
                                            cmd::Tag<cmd::CreateDeclaration>{}));
    EXPECT_TRUE(made.has_value()) << why(made);
    auto submitted = s.wf.submit(cmd::SubmitDeclaration{applicant(kOrg), made->id, made->version});
    EXPECT_TRUE(submitted.has_value()) << why(submitted);
    return *submitted;
  };
  auto decide = [&](const cmd::Declaration& d, const Actor& who, Decision decision) {
    auto r = s.wf.decide(cmd::DecideDeclaration{who, d.id, d.version, decision, "计数", std::nullopt});
    EXPECT_TRUE(r.has_value()) << why(r);
    return *r;
  };
  const auto county_a = reviewer("county", "370102"), county_b = reviewer("county", "370103"),
             county_c = reviewer("county", "370202"), jinan = reviewer("city", "370100"),
             qingdao = reviewer("city", "370200"), province = reviewer("province", "370000");
  std::vector<cmd::Declaration> a, b;
  for (int i = 0; i < 6; ++i) a.push_back(make("370102"));
  for (int i = 0; i < 3; ++i) b.push_back(make("370103"));
  auto c = make("370202");
  for (int i = 0; i < 4; ++i) a[i] = decide(a[i], county_a, Decision::approve);         // 4 to Jinan
  a[0] = decide(a[0], jinan, Decision::approve);                                        // 1 to the province
  a[1] = decide(a[1], jinan, Decision::return_);                                        // returned by the city
  a[1] = *s.wf.submit(cmd::SubmitDeclaration{applicant(kOrg), a[1].id, a[1].version});  // and resubmitted
  b[0] = decide(b[0], county_b, Decision::reject);
  EXPECT_TRUE(s.wf.withdraw(cmd::WithdrawDeclaration{applicant(kOrg), b[1].id, b[1].version}).has_value());
  c = decide(c, county_c, Decision::approve);

  // What each reviewer awaits (a resubmission goes back to the tier that returned it).
  for (const auto& [who, total] : std::vector<std::pair<Actor, int>>{{county_a, 2},  // a[4], a[5]
                                                                     {county_b, 1},  // b[2]
                                                                     {county_c, 0},
                                                                     {jinan, 3},  // a[1], a[2], a[3]
                                                                     {qingdao, 1},
                                                                     {province, 1}}) {
    auto p = of(who);
    p.limit = 1;  // a page short of the queue: its total is counted, not the page's length
    EXPECT_EQ(s.pending(p).body["total"], total) << name(*who.tier) << " " << who.region;
    p.county = who.tier == Tier::county ? std::optional(who.region) : std::nullopt;  // county= counts the same rows
    if (p.county) EXPECT_EQ(s.pending(p).body["total"], total) << who.region;
  }
  // And the counts are the rows', state by state and county by county.
  auto db = s.pool.acquire();
  auto by_county = [&](const std::string& sql) {
    std::map<std::string, int64_t> out;
    for (auto r = db->query(sql); r.next();)
      if (r.i64("n") != 0) out[r.str("state") + " " + r.str("region")] = r.i64("n");
    return out;
  };
  const auto counts = by_county("SELECT state, region, SUM(n) AS n FROM queue_counts GROUP BY state, region");
  EXPECT_EQ(counts, by_county("SELECT state, region, COUNT(*) AS n FROM declarations WHERE state IN "
                              "('county_review', 'city_review', 'province_review') GROUP BY state, region"));
  EXPECT_EQ(counts.size(), 5u);  // 370102 and 370103 at the county, 370102 and 370202 at the city, the province's
}
