// The workflow service against real MariaDB and JetStream: every path of a declaration, the
// version guard, racing decisions, and an outbox that loses nothing when the relay or NATS dies.
#include <gtest/gtest.h>

#include <signal.h>

#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "declarations.hpp"
#include "outbox.hpp"
#include "sdp/build_info.hpp"
#include "sdp/event.hpp"
#include "sdp/nats.hpp"
#include "test_env.hpp"
#include "tokens.hpp"

using namespace sdp;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const std::string kOrg = "91370102MA3C00000B";
const std::string kOtherOrg = "91350100M000100Y43";

// Commands carry the token's claims as the actor: the same shape the test tokens have.
json applicant(const std::string& org = kOrg) { return test::TokenMinter::applicant(org); }
json reviewer(const std::string& tier, const std::string& region) { return test::TokenMinter::reviewer(tier, region); }
json admin() { return test::TokenMinter::admin(); }

json all_met_payload(int claimed = 3) {
  auto catalogue = json::parse(std::ifstream(std::string(build_info::kSchemasDir) + "/catalogs/morning_star.json"));
  json criteria = json::object();
  for (const auto& c : catalogue["criteria"])
    criteria[c["id"].get<std::string>()] = {{"met", true}, {"evidence", "现场核查记录"}};
  return {{"claimed_level", claimed}, {"criteria", criteria}};
}

json ib_full_payload() {
  auto catalogue = json::parse(std::ifstream(std::string(build_info::kSchemasDir) + "/catalogs/industry_brain.json"));
  json indicators = json::object();
  for (const auto& i : catalogue["indicators"]) {
    auto id = i["id"].get<std::string>();
    indicators[id] = i["input"] == "grade" ? json{{"grade", "B"}} : json{{"value", id == "L5P5" ? 3 : 120}};
  }
  return {{"cluster_name", "济南智能制造产业集群"}, {"indicators", indicators}};
}

json new_declaration(const std::string& kind = "morning_star", const std::string& region = "370102") {
  return {{"kind", kind},
          {"region", region},
          {"title", kind == "morning_star" ? "济南某精密制造有限公司晨星工厂申报" : "济南智能制造产业大脑申报"},
          {"contact", {{"name", "王经理"}, {"phone", "0531-88880000"}, {"email", "wang@example.cn"}}},
          {"payload", kind == "morning_star" ? all_met_payload() : ib_full_payload()}};
}

// Events on the stream, read through a consumer of the test's own.
struct EventLog {
  nats::Connection& nats;
  std::mutex mutex;
  std::vector<json> events;
  std::unique_ptr<nats::PullConsumer> reader;
  std::jthread thread;

  explicit EventLog(nats::Connection& c, const std::string& durable = "test-events") : nats(c) {
    nats::ConsumerSpec spec{"SDP_EVENTS", durable, "sdp.events.declaration.>", 5s, 3, {}, 10000, "sdp.dlq.test"};
    nats.ensure_consumer(spec);
    reader = std::make_unique<nats::PullConsumer>(
        nats, spec,
        [this](const nats::Message& m) {
          std::lock_guard l(mutex);
          events.push_back(json::parse(m.data));
          return nats::Disposition::ack();
        },
        256);
    thread = std::jthread([this](std::stop_token st) { reader->run(st); });
  }
  std::vector<json> of(const std::string& declaration) {
    std::lock_guard l(mutex);
    std::vector<json> out;
    for (const auto& e : events)
      if (e["declaration_id"] == declaration) out.push_back(e);
    return out;
  }
  size_t size() {
    std::lock_guard l(mutex);
    return events.size();
  }
  std::set<std::string> ids() {
    std::lock_guard l(mutex);
    std::set<std::string> out;
    for (const auto& e : events) out.insert(e["id"].get<std::string>());
    return out;
  }
};

nats::Options client_options(const test::NatsServer& server) {
  nats::Options o;
  o.url = server.url();
  o.reconnect_wait = 50ms;
  o.request_timeout = 5000ms;
  return o;
}

// The workflow binary, with the scoring binary beside it so scores come back.
struct Stack {
  test::NatsServer nats;
  test::ServiceUnderTest workflow{"workflow", nats, {{"SDP_PUBLICITY_SECONDS", "2"}, {"SDP_PUBLICITY_POLL_MS", "100"}}};
  test::ServiceUnderTest scoring{"scoring", nats};
  nats::Connection client{client_options(nats)};
  nats::Topology topology = nats::Topology::from_file(std::string(build_info::kSchemasDir) + "/nats/topology.json");

  Stack() {
    EXPECT_TRUE(workflow.wait_ready()) << workflow.process->log_text();
    EXPECT_TRUE(scoring.wait_ready()) << scoring.process->log_text();
  }

  json call(const std::string& verb, json request) {
    return json::parse(client.request(topology.command("workflow", verb), request.dump()));
  }
  json create(const json& actor = applicant(), const json& body = new_declaration()) {
    auto r = call("create", {{"actor", actor}, {"declaration", body}});
    EXPECT_EQ(r["status"], 201) << r.dump();
    return r["body"];
  }
  json act(const std::string& verb, const json& actor, const json& d, json body = json::object()) {
    json req = {{"actor", actor}, {"id", d["id"]}, {"expected_version", d["version"]}, {"body", body}};
    return call(verb, req);
  }
  json decide(const json& actor, const json& d, const std::string& decision, const std::string& comment = "",
              json verified = nullptr) {
    json body = {{"decision", decision}, {"comment", comment}};
    if (!verified.is_null()) body["verified"] = verified;
    return act("decide", actor, d, body);
  }
  json get(const json& actor, const json& d) { return call("get", {{"actor", actor}, {"id", d["id"]}}); }
};

// A Workflow in this process on a database of its own, for tests that stop NATS under it.
struct InProcess {
  test::TestDatabase db{"wf_inproc"};
  db::Pool pool{db.options(4)};
  scoring::Scorer scorer = scoring::Scorer::load(build_info::kSchemasDir, "2026.1", "2026.1");
  RegionCatalog regions = RegionCatalog::from_file(std::string(build_info::kSchemasDir) + "/regions/shandong.json");
  workflow::Schemas schemas = workflow::Schemas::load(build_info::kSchemasDir);
  workflow::Workflow wf{pool, scorer, regions, schemas, {}, nullptr};

  InProcess() { db::migrate(pool, std::filesystem::path(build_info::kSchemasDir) / "sql" / "workflow"); }
  int64_t unsent() {
    auto c = pool.acquire();
    auto r = c->query("SELECT COUNT(*) AS n FROM outbox WHERE sent_at IS NULL");
    r.next();
    return r.i64("n");
  }
  std::vector<std::string> outbox_ids() {
    std::vector<std::string> out;
    auto c = pool.acquire();
    for (auto r = c->query("SELECT event_id FROM outbox ORDER BY id"); r.next();) out.push_back(r.str("event_id"));
    return out;
  }
};

}  // namespace

TEST(Workflow, TheFullPathToApprovedThroughPublicity) {
  Stack s;
  EventLog log(s.client);
  auto d = s.create();
  EXPECT_EQ(d["state"], "draft");
  EXPECT_EQ(d["version"], 1);
  EXPECT_TRUE(d["number"].get<std::string>().starts_with("MSF-"));
  EXPECT_TRUE(d["number"].get<std::string>().ends_with("-370102-000001")) << d["number"];
  EXPECT_EQ(d["city"], "370100");

  auto r = s.act("submit", applicant(), d);
  ASSERT_EQ(r["status"], 200) << r.dump();
  d = r["body"];
  EXPECT_EQ(d["state"], "county_review");

  r = s.decide(reviewer("county", "370102"), d, "approve", "材料齐全", {{"criteria", {{"MS01", true}}}});
  ASSERT_EQ(r["status"], 200) << r.dump();
  d = r["body"];
  EXPECT_EQ(d["state"], "city_review");
  r = s.decide(reviewer("city", "370100"), d, "approve", "同意");
  ASSERT_EQ(r["status"], 200) << r.dump();
  d = r["body"];
  EXPECT_EQ(d["state"], "province_review");

  auto start = std::chrono::steady_clock::now();
  r = s.decide(reviewer("province", "370000"), d, "approve", "同意公示", {{"criteria", {{"MS02", true}}}});
  auto round_trip = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::cout << "decision round trip (province approve over NATS, committed): " << round_trip << " ms\n";
  RecordProperty("decision_round_trip_ms", std::to_string(round_trip));
  ASSERT_EQ(r["status"], 200) << r.dump();
  d = r["body"];
  EXPECT_EQ(d["state"], "publicity");
  EXPECT_FALSE(d["publicity_ends_at"].is_null());

  // The timer ends publicity by itself.
  ASSERT_TRUE(test::eventually([&] { return s.get(applicant(), d)["body"]["state"] == "approved"; }, 15s));
  auto final_d = s.get(applicant(), d)["body"];
  EXPECT_EQ(final_d["version"], 6);

  auto h = s.call("history", {{"actor", applicant()}, {"id", d["id"]}});
  ASSERT_EQ(h["status"], 200);
  EXPECT_TRUE(h["body"]["chain_valid"].get<bool>());
  std::vector<std::string> actions;
  for (const auto& e : h["body"]["items"]) actions.push_back(e["action"]);
  EXPECT_EQ(actions, (std::vector<std::string>{"create", "submit", "approve", "approve", "approve", "end_publicity"}));
  EXPECT_EQ(h["body"]["items"][2]["actor"]["tier"], "county");
  EXPECT_EQ(h["body"]["items"][5]["actor"]["role"], "system");

  // Every step reached the stream, in order.
  ASSERT_TRUE(test::eventually([&] { return log.of(d["id"]).size() == 6; }));
  std::vector<std::string> types;
  int64_t last_version = 0;
  for (const auto& e : log.of(d["id"])) {
    types.push_back(e["type"]);
    EXPECT_GT(e["version"].get<int64_t>(), last_version);
    last_version = e["version"];
  }
  EXPECT_EQ(types,
            (std::vector<std::string>{"declaration.created", "declaration.submitted", "declaration.approved",
                                      "declaration.approved", "declaration.approved", "declaration.publicity_ended"}));
  // And the score came back from the scoring service, for the latest version that asked for one.
  ASSERT_TRUE(test::eventually([&] { return !s.get(applicant(), d)["body"]["score"].is_null(); }));
  auto score = s.get(applicant(), d)["body"]["score"];
  EXPECT_EQ(score["self_assessed_level"], 5);
  ASSERT_TRUE(test::eventually([&] { return s.get(applicant(), d)["body"]["score"]["verified_level"] == 5; }));
}

TEST(Workflow, AReturnGoesBackToTheTierThatReturnedIt) {
  Stack s;
  auto d = s.act("submit", applicant(), s.create())["body"];
  d = s.decide(reviewer("county", "370102"), d, "approve")["body"];
  auto missing_comment = s.decide(reviewer("city", "370100"), d, "return", "  ");
  EXPECT_EQ(missing_comment["status"], 400);
  EXPECT_EQ(missing_comment["errors"][0]["pointer"], "/comment");
  auto r = s.decide(reviewer("city", "370100"), d, "return", "请补充设备联网证明材料");
  ASSERT_EQ(r["status"], 200) << r.dump();
  d = r["body"];
  EXPECT_EQ(d["state"], "returned");
  EXPECT_EQ(d["returned_by"], "city");

  auto fixed = new_declaration();
  fixed["payload"]["criteria"]["MS09"]["evidence"] = "补充：设备联网清单";
  r = s.act("update", applicant(), d,
            {{"title", fixed["title"]}, {"contact", fixed["contact"]}, {"payload", fixed["payload"]}});
  ASSERT_EQ(r["status"], 200) << r.dump();
  d = r["body"];
  EXPECT_EQ(d["payload"]["criteria"]["MS09"]["evidence"], "补充：设备联网清单");
  r = s.act("submit", applicant(), d);
  ASSERT_EQ(r["status"], 200) << r.dump();
  EXPECT_EQ(r["body"]["state"], "city_review");
  EXPECT_TRUE(r["body"]["returned_by"].is_null());
  // The county, having decided already, no longer has it in its queue; the city does.
  auto county = s.call("pending", {{"actor", reviewer("county", "370102")}, {"limit", 50}});
  auto city = s.call("pending", {{"actor", reviewer("city", "370100")}, {"limit", 50}});
  EXPECT_EQ(county["body"]["items"].size(), 0u);
  ASSERT_EQ(city["body"]["items"].size(), 1u);
  EXPECT_EQ(city["body"]["items"][0]["id"], d["id"]);
}

TEST(Workflow, RejectAndWithdraw) {
  Stack s;
  auto rejected = s.act("submit", applicant(), s.create())["body"];
  auto r = s.decide(reviewer("county", "370102"), rejected, "reject", "不符合申报条件");
  ASSERT_EQ(r["status"], 200);
  EXPECT_EQ(r["body"]["state"], "rejected");
  EXPECT_EQ(s.act("submit", applicant(), r["body"])["status"], 409);

  auto draft = s.create();
  EXPECT_EQ(s.act("withdraw", applicant(), draft)["body"]["state"], "withdrawn");

  auto early = s.act("submit", applicant(), s.create())["body"];
  EXPECT_EQ(s.act("withdraw", applicant(), early)["body"]["state"], "withdrawn");

  auto late = s.act("submit", applicant(), s.create())["body"];
  late = s.decide(reviewer("county", "370102"), late, "return", "补正")["body"];
  late = s.act("submit", applicant(), late)["body"];
  EXPECT_EQ(late["state"], "county_review");
  auto refused = s.act("withdraw", applicant(), late);
  EXPECT_EQ(refused["status"], 409) << refused.dump();
}

TEST(Workflow, AStaleVersionIsRefusedAndVisibilityHolds) {
  Stack s;
  auto d = s.create();
  auto body = new_declaration();
  json update = {{"title", "改名"}, {"contact", body["contact"]}, {"payload", body["payload"]}};
  auto first = s.act("update", applicant(), d, update);
  ASSERT_EQ(first["status"], 200);
  auto stale = s.act("update", applicant(), d, update);  // still says version 1
  EXPECT_EQ(stale["status"], 412);
  auto no_version = s.call("update", {{"actor", applicant()}, {"id", d["id"]}, {"body", update}});
  EXPECT_EQ(no_version["status"], 428);

  // Others see nothing: 404, never 403; a draft is the applicant's alone, even in jurisdiction.
  EXPECT_EQ(s.get(applicant(kOtherOrg), d)["status"], 404);
  EXPECT_EQ(s.get(reviewer("city", "370100"), d)["status"], 404);
  EXPECT_EQ(s.get(admin(), d)["status"], 404);
  EXPECT_EQ(s.act("update", applicant(kOtherOrg), first["body"], update)["status"], 404);
  auto mine = s.call("list", {{"actor", applicant()}, {"limit", 10}});
  auto theirs = s.call("list", {{"actor", applicant(kOtherOrg)}, {"limit", 10}});
  EXPECT_EQ(mine["body"]["items"].size(), 1u);
  EXPECT_EQ(theirs["body"]["items"].size(), 0u);
  // Once submitted, reviewers in jurisdiction and admins see it; the others still do not.
  auto sub = s.act("submit", applicant(), first["body"])["body"];
  EXPECT_EQ(s.get(reviewer("county", "370103"), d)["status"], 404);
  EXPECT_EQ(s.get(reviewer("city", "370200"), d)["status"], 404);
  EXPECT_EQ(s.get(reviewer("city", "370100"), d)["status"], 200);
  EXPECT_EQ(s.get(admin(), d)["status"], 200);
  // An applicant deciding is a role that may never do it: 403.
  EXPECT_EQ(s.decide(applicant(), sub, "approve")["status"], 403);
  // The wrong tier in jurisdiction: 409.
  EXPECT_EQ(s.decide(reviewer("city", "370100"), sub, "approve")["status"], 409);
}

TEST(Workflow, ReviewersSeeOnlyWhatWasSubmitted) {
  Stack s;
  const auto county = reviewer("county", "370102");
  auto ids_of = [&](const json& actor) {
    std::set<std::string> out;
    auto r = s.call("list", {{"actor", actor}, {"limit", 100}});
    for (const auto& item : r["body"]["items"]) out.insert(item["id"]);
    return out;
  };
  auto history = [&](const json& actor, const json& d) {
    return s.call("history", {{"actor", actor}, {"id", d["id"]}});
  };

  // A draft, and a draft withdrawn before it was ever submitted: the applicant's alone.
  auto draft = s.create();
  auto withdrawn = s.act("withdraw", applicant(), s.create())["body"];
  ASSERT_EQ(withdrawn["state"], "withdrawn");
  for (const auto& who : {county, reviewer("province", "370000"), admin()}) {
    for (const auto& d : {draft, withdrawn}) {
      EXPECT_EQ(s.get(who, d)["status"], 404) << who.dump() << " sees " << d["state"];
      EXPECT_EQ(history(who, d)["status"], 404) << who.dump() << " reads the history of " << d["state"];
      EXPECT_FALSE(ids_of(who).contains(d["id"])) << who.dump() << " lists " << d["state"];
    }
  }
  EXPECT_EQ(ids_of(applicant()).size(), 2u);
  auto stats = s.call("stats", {{"actor", county}})["body"];
  EXPECT_FALSE(stats["by_state"].contains("draft")) << stats.dump();
  EXPECT_FALSE(stats["by_state"].contains("withdrawn")) << stats.dump();
  EXPECT_EQ(stats["by_kind"].size(), 0u) << stats.dump();
  EXPECT_EQ(s.call("stats", {{"actor", admin()}})["body"]["by_city"].size(), 0u);

  // Submitted, returned, then edited: reviewers keep seeing what was submitted until it is resubmitted.
  auto original = new_declaration();
  auto d = s.act("submit", applicant(), s.create(applicant(), original))["body"];
  EXPECT_EQ(s.get(county, d)["status"], 200);
  d = s.decide(county, d, "return", "请补充设备联网证明材料")["body"];
  ASSERT_EQ(d["state"], "returned");
  auto edited = new_declaration();
  edited["title"] = "修改中的标题";
  edited["payload"] = {{"claimed_level", 1}, {"criteria", json::object()}};  // every item left out: level 0
  auto r = s.act("update", applicant(), d,
                 {{"title", edited["title"]}, {"contact", edited["contact"]}, {"payload", edited["payload"]}});
  ASSERT_EQ(r["status"], 200) << r.dump();
  d = r["body"];
  EXPECT_EQ(s.get(applicant(), d)["body"]["title"], "修改中的标题");
  // The edit's score reaches the applicant; the reviewer keeps the score of the submitted content.
  ASSERT_TRUE(test::eventually([&] { return s.get(applicant(), d)["body"]["score_version"] == d["version"]; }));
  EXPECT_EQ(s.get(applicant(), d)["body"]["score"]["claimed_level"], 1);
  for (const auto& who : {county, admin()}) {
    test::eventually([&] { return !s.get(who, d)["body"]["score"].is_null(); });
    auto seen = s.get(who, d);
    ASSERT_EQ(seen["status"], 200) << seen.dump();
    EXPECT_EQ(seen["body"]["state"], "returned");
    EXPECT_EQ(seen["body"]["title"], original["title"]) << who.dump();
    EXPECT_EQ(seen["body"]["payload"], original["payload"]) << who.dump();
    EXPECT_EQ(seen["body"]["score"]["claimed_level"], 3) << seen["body"]["score"].dump();
    json listed;
    auto list = s.call("list", {{"actor", who}, {"limit", 100}});
    for (const auto& item : list["body"]["items"])
      if (item["id"] == d["id"]) listed = item;
    EXPECT_EQ(listed["title"], original["title"]) << who.dump();
    EXPECT_EQ(listed["payload"], original["payload"]) << who.dump();
  }
  // The history is the whole chain for the reviewer (its entries are actions, not content).
  auto h = history(county, d);
  ASSERT_EQ(h["status"], 200);
  EXPECT_EQ(h["body"]["items"].size(), 4u);  // create, submit, return, update
  EXPECT_TRUE(h["body"]["chain_valid"].get<bool>());
  // A returned declaration awaits no decision: 409, whatever the reviewer read.
  EXPECT_EQ(s.decide(county, s.get(county, d)["body"], "approve")["status"], 409);
  stats = s.call("stats", {{"actor", county}})["body"];
  EXPECT_EQ(stats["by_state"], (json{{"returned", 1}})) << stats.dump();
  EXPECT_EQ(stats["morning_star_levels"], (json{{"5", 1}})) << "the level submitted, not the edit's: " << stats.dump();

  // Resubmitted: now the reviewer sees the new content and, once scored, its score.
  d = s.act("submit", applicant(), d)["body"];
  ASSERT_EQ(d["state"], "county_review");
  auto seen = s.get(county, d)["body"];
  EXPECT_EQ(seen["title"], "修改中的标题");
  EXPECT_EQ(seen["payload"]["claimed_level"], 1);
  EXPECT_EQ(seen["version"], d["version"]);
  ASSERT_TRUE(test::eventually([&] { return s.get(county, d)["body"]["score"]["claimed_level"] == 1; }))
      << s.get(county, d)["body"]["score"].dump();
  EXPECT_EQ(s.decide(county, seen, "approve")["status"], 200);
  EXPECT_EQ(ids_of(county), (std::set<std::string>{d["id"]}));
}

TEST(Workflow, TheMigrationToSubmittedVersionsReadsWhatWasSubmittedFromTheRecord) {
  // A database at migration 0002, with rows written as the workflow wrote them then.
  test::TestDatabase database("wf_backfill");
  db::Pool pool(database.options(2));
  const auto all = std::filesystem::path(build_info::kSchemasDir) / "sql" / "workflow";
  const auto before = test::temp_dir("wf-migrations");
  for (const char* f : {"0001_processed_events.sql", "0002_declarations.sql"})
    std::filesystem::copy_file(all / f, before / f);
  db::migrate(pool, before);
  auto insert = [&](const std::string& id, const std::string& state, int version, std::optional<int> score_version,
                    const std::vector<std::pair<int, std::string>>& contents, const std::vector<std::string>& actions) {
    auto c = pool.acquire();
    c->execute(
        "INSERT INTO declarations (id, number, kind, org, region, city, title, contact, payload, state, version, "
        "score, score_version, level_reached, created_by, created_at, updated_at) VALUES (?, ?, 'morning_star', ?, "
        "'370102', '370100', ?, '{}', '{}', ?, ?, ?, ?, ?, 'u', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))",
        {id, "MSF-2026-370102-" + id.substr(30), kOrg, contents.back().second, state, version,
         score_version ? db::Param(json{{"claimed_level", *score_version}}.dump()) : db::Param(nullptr), score_version,
         score_version ? db::Param(4) : db::Param(nullptr)});
    for (const auto& [v, title] : contents)
      c->execute("INSERT INTO declaration_versions VALUES (?, ?, ?, '{}', '{}', UTC_TIMESTAMP(6))", {id, v, title});
    for (size_t i = 0; i < actions.size(); ++i)
      c->execute("INSERT INTO declaration_history VALUES (?, ?, ?, 'h')",
                 {id, static_cast<int>(i + 1), json{{"action", actions[i]}}.dump()});
  };
  const std::string draft = "00000000-0000-7000-8000-000000000001", edited = "00000000-0000-7000-8000-000000000002",
                    in_review = "00000000-0000-7000-8000-000000000003";
  insert(draft, "draft", 2, 2, {{1, "草稿"}, {2, "草稿二"}}, {"create", "update"});
  insert(edited, "returned", 4, 4, {{1, "提交的"}, {4, "修改中"}}, {"create", "submit", "return", "update"});
  insert(in_review, "county_review", 3, 3, {{1, "初稿"}, {2, "提交的"}}, {"create", "update", "submit"});

  db::migrate(pool, all);
  auto scorer = scoring::Scorer::load(build_info::kSchemasDir, "2026.1", "2026.1");
  auto regions = RegionCatalog::from_file(std::string(build_info::kSchemasDir) + "/regions/shandong.json");
  auto schemas = workflow::Schemas::load(build_info::kSchemasDir);
  workflow::Workflow wf{pool, scorer, regions, schemas, {}, nullptr};
  auto get = [&](const json& actor, const std::string& id) { return wf.handle("get", {{"actor", actor}, {"id", id}}); };
  const auto county = reviewer("county", "370102");
  EXPECT_EQ(get(county, draft)["status"], 404);
  EXPECT_EQ(get(applicant(), draft)["body"]["title"], "草稿二");
  auto seen = get(county, edited)["body"];
  EXPECT_EQ(seen["title"], "提交的");
  EXPECT_TRUE(seen["score"].is_null()) << "the edit's score is not the submitted content's: " << seen["score"];
  EXPECT_EQ(get(applicant(), edited)["body"]["title"], "修改中");
  seen = get(county, in_review)["body"];
  EXPECT_EQ(seen["title"], "提交的");
  EXPECT_EQ(seen["score_version"], 3);
  auto stats = wf.handle("stats", {{"actor", county}})["body"];
  EXPECT_EQ(stats["by_state"], (json{{"returned", 1}, {"county_review", 1}})) << stats.dump();
  EXPECT_EQ(stats["morning_star_levels"], (json{{"4", 1}, {"none", 1}})) << stats.dump();
}

TEST(Workflow, BadInputIsRefusedWithPointers) {
  Stack s;
  struct Case {
    json declaration;
    std::string pointer;
  };
  auto base = new_declaration();
  std::vector<Case> cases;
  auto c1 = base;
  c1["region"] = "110101";
  cases.push_back({c1, "/region"});  // Beijing
  auto c2 = base;
  c2["region"] = "370100";
  cases.push_back({c2, "/region"});  // a city, not a county
  auto c3 = base;
  c3["payload"] = {{"criteria", {{"MS99", {{"met", true}}}}}};
  cases.push_back({c3, "/payload/criteria/MS99"});
  auto c4 = base;
  c4.erase("title");
  cases.push_back({c4, "/title"});
  auto c5 = base;
  c5["kind"] = "smart_city";
  cases.push_back({c5, "/kind"});
  for (const auto& c : cases) {
    auto r = s.call("create", {{"actor", applicant()}, {"declaration", c.declaration}});
    EXPECT_EQ(r["status"], 400) << c.pointer;
    EXPECT_EQ(r["errors"][0]["pointer"], c.pointer) << r.dump();
  }
  auto reviewer_create = s.call("create", {{"actor", reviewer("county", "370102")}, {"declaration", base}});
  EXPECT_EQ(reviewer_create["status"], 403);
  auto forged = s.call("create", {{"actor", applicant("91370102MA3C00000A")}, {"declaration", base}});
  EXPECT_EQ(forged["status"], 401);

  // An incomplete 产业大脑 declaration can be saved but not submitted; every gap is listed.
  auto partial = new_declaration("industry_brain");
  partial["payload"]["indicators"].erase("L2P3");
  partial["payload"]["indicators"].erase("L5P1");
  auto d = s.create(applicant(), partial);
  auto r = s.act("submit", applicant(), d);
  ASSERT_EQ(r["status"], 400);
  std::set<std::string> pointers;
  for (const auto& e : r["errors"]) pointers.insert(e["pointer"]);
  EXPECT_EQ(pointers, (std::set<std::string>{"/payload/indicators/L2P3", "/payload/indicators/L5P1"}));
}

// Issue 13: a command message is strict JSON; a key given twice is refused, not read as the last one.
TEST(Workflow, CommandsWithARepeatedKeyOrNestedTooDeepAreRefused) {
  Stack s;
  auto raw = [&](const std::string& service, const std::string& verb, const std::string& text) {
    return json::parse(s.client.request(s.topology.command(service, verb), text));
  };
  const auto body = new_declaration().dump();
  const auto other = applicant("91350100M000100Y43").dump();
  auto twice = raw("workflow", "create",
                   R"({"actor":)" + applicant().dump() + R"(,"declaration":)" + body + R"(,"actor":)" + other + "}");
  EXPECT_EQ(twice["status"], 400) << twice.dump();
  EXPECT_EQ(twice["errors"][0]["pointer"], "/actor") << twice.dump();
  std::string deep = new_declaration().dump();
  deep = deep.substr(0, deep.size() - 1) + R"(,"extra":)" + std::string(70000, '[') + std::string(70000, ']') + "}";
  auto too_deep = raw("workflow", "create", R"({"actor":)" + applicant().dump() + R"(,"declaration":)" + deep + "}");
  EXPECT_EQ(too_deep["status"], 400) << too_deep.dump().substr(0, 300);
  std::string pointer = "/declaration/extra";
  for (int i = 0; i < 62; ++i) pointer += "/0";  // the 65th level
  EXPECT_EQ(too_deep["errors"][0]["pointer"], pointer);
  auto preview =
      raw("scoring", "preview", R"({"kind":"morning_star","payload":{"claimed_level":1},"kind":"industry_brain"})");
  EXPECT_EQ(preview["status"], 400) << preview.dump();
  EXPECT_EQ(preview["errors"][0]["pointer"], "/kind") << preview.dump();
  // Nothing was created by either.
  for (const auto& actor : {applicant(), applicant("91350100M000100Y43")})
    EXPECT_EQ(s.call("list", {{"actor", actor}})["body"]["items"].size(), 0u);
}

TEST(Workflow, MorningStarAtVerifiedLevelZeroCannotBeApprovedByTheProvince) {
  Stack s;
  auto d = s.act("submit", applicant(), s.create())["body"];
  d = s.decide(reviewer("county", "370102"), d, "approve", "", {{"criteria", {{"MS01", false}}}})["body"];
  d = s.decide(reviewer("city", "370100"), d, "approve")["body"];
  auto r = s.decide(reviewer("province", "370000"), d, "approve");
  EXPECT_EQ(r["status"], 422) << r.dump();
  // The province's own verdict can restore the item, and then it may approve.
  r = s.decide(reviewer("province", "370000"), d, "approve", "复核属实", {{"criteria", {{"MS01", true}}}});
  EXPECT_EQ(r["status"], 200) << r.dump();
  EXPECT_EQ(r["body"]["state"], "publicity");
}

TEST(Workflow, ConcurrentDecisionsHaveExactlyOneWinner) {
  Stack s;
  for (int round = 0; round < 5; ++round) {
    auto d = s.act("submit", applicant(), s.create())["body"];
    std::vector<int> statuses(6);
    std::vector<std::thread> racers;
    for (int i = 0; i < 6; ++i)
      racers.emplace_back([&, i] {
        nats::Connection c(client_options(s.nats));
        test::eventually([&] { return c.connected(); });
        auto decision = i % 2 ? "approve" : "reject";
        json req = {{"actor", reviewer("county", "370102")},
                    {"id", d["id"]},
                    {"expected_version", d["version"]},
                    {"body", {{"decision", decision}, {"comment", "并发"}}}};
        statuses[i] = json::parse(c.request(s.topology.command("workflow", "decide"), req.dump()))["status"];
      });
    for (auto& t : racers) t.join();
    int winners = 0;
    for (int st : statuses) {
      winners += st == 200;
      EXPECT_TRUE(st == 200 || st == 412) << st;
    }
    EXPECT_EQ(winners, 1);
    auto h = s.call("history", {{"actor", admin()}, {"id", d["id"]}});
    EXPECT_EQ(h["body"]["items"].size(), 3u);  // create, submit, one decision
  }
}

TEST(Workflow, NumbersAreSequentialPerKindYearAndRegion) {
  Stack s;
  auto a = s.create(applicant(), new_declaration("morning_star", "370102"));
  auto b = s.create(applicant(), new_declaration("morning_star", "370102"));
  auto c = s.create(applicant(), new_declaration("industry_brain", "370102"));
  auto d = s.create(applicant(), new_declaration("morning_star", "370116"));
  EXPECT_TRUE(a["number"].get<std::string>().ends_with("370102-000001"));
  EXPECT_TRUE(b["number"].get<std::string>().ends_with("370102-000002"));
  EXPECT_TRUE(c["number"].get<std::string>().starts_with("IBR-"));
  EXPECT_TRUE(c["number"].get<std::string>().ends_with("370102-000001"));
  EXPECT_TRUE(d["number"].get<std::string>().ends_with("370116-000001"));
  EXPECT_EQ(d["city"], "370100");  // 莱芜区 is in 济南
}

TEST(Workflow, ListsPageWithCursorsAndStatsCount) {
  Stack s;
  std::set<std::string> created;
  for (int i = 0; i < 7; ++i) created.insert(s.create()["id"].get<std::string>());
  std::set<std::string> seen;
  json cursor = nullptr;
  int pages = 0;
  do {
    json req = {{"actor", applicant()}, {"limit", 3}};
    if (!cursor.is_null()) req["cursor"] = cursor;
    auto r = s.call("list", req);
    ASSERT_EQ(r["status"], 200) << r.dump();
    for (const auto& item : r["body"]["items"]) EXPECT_TRUE(seen.insert(item["id"].get<std::string>()).second);
    cursor = r["body"]["next_cursor"];
    ++pages;
  } while (!cursor.is_null() && pages < 10);
  EXPECT_EQ(seen, created);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(s.call("list", {{"actor", applicant()}, {"cursor", "garbage!"}})["status"], 400);
  EXPECT_EQ(s.call("list", {{"actor", applicant()}, {"limit", 1000}})["status"], 400);
  // Statistics count the submitted ones only.
  for (auto id : std::vector<std::string>(created.begin(), std::next(created.begin(), 2)))
    EXPECT_EQ(s.call("submit", {{"actor", applicant()}, {"id", id}})["status"], 200);
  auto stats = s.call("stats", {{"actor", reviewer("city", "370100")}});
  ASSERT_EQ(stats["status"], 200);
  EXPECT_EQ(stats["body"]["by_state"], (json{{"county_review", 2}})) << stats.dump();
  EXPECT_EQ(stats["body"]["by_city"]["370100"]["count"], 2);
  EXPECT_EQ(s.call("stats", {{"actor", applicant()}})["status"], 403);
  EXPECT_EQ(s.call("stats", {{"actor", reviewer("city", "370200")}})["body"]["by_state"].size(), 0u);
}

TEST(Workflow, ARelayKilledMidBatchLosesNothing) {
  test::NatsServer nats;
  InProcess local;
  // 400 changes committed while no relay runs: their events wait in the outbox.
  for (int i = 0; i < 400; ++i) {
    auto r = local.wf.handle("create", {{"actor", applicant()}, {"declaration", new_declaration()}});
    ASSERT_EQ(r["status"], 201);
  }
  ASSERT_EQ(local.unsent(), 400);
  std::map<std::string, std::string> same_db = {{"SDP_DB_NAME", local.db.name()},
                                                {"SDP_DB_USER", local.db.user()},
                                                {"SDP_DB_PASSWORD", local.db.password()},
                                                {"SDP_OUTBOX_BATCH", "50"}};
  {
    test::ServiceUnderTest relay("workflow", nats, same_db);
    // Killed without warning as soon as the relay has made progress, but before it is done.
    ASSERT_TRUE(test::eventually([&] { return local.unsent() < 400; }, 20s, 1ms));
    relay.process->stop(SIGKILL);
  }
  auto left = local.unsent();
  std::cout << "unsent when the relay was killed: " << left << " of 400\n";
  EXPECT_GT(left, 0);
  test::ServiceUnderTest restarted("workflow", nats, same_db);
  ASSERT_TRUE(test::eventually([&] { return local.unsent() == 0; }, 30s));

  nats::Connection client(client_options(nats));
  EventLog log(client, "test-all");
  ASSERT_TRUE(test::eventually([&] { return log.size() >= 400; }, 20s));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(log.size(), 400u) << "a republished event was not dropped as a duplicate";
  auto expected = local.outbox_ids();
  EXPECT_EQ(log.ids(), std::set<std::string>(expected.begin(), expected.end()));
}

TEST(Workflow, ChangesCommitWhileNatsIsDownAndEveryEventGoesOutInOrderWhenItReturns) {
  test::NatsServer nats;
  InProcess local;
  nats::Connection connection(client_options(nats));
  ASSERT_TRUE(test::eventually([&] { return connection.connected(); }));
  connection.ensure(nats::Topology::from_file(std::string(build_info::kSchemasDir) + "/nats/topology.json"));
  workflow::OutboxRelay relay(local.pool, connection, 20);
  std::jthread relay_thread([&](std::stop_token st) { relay.run(st); });

  nats.stop();
  ASSERT_TRUE(test::eventually([&] { return !connection.connected(); }));
  std::vector<std::string> ids;
  for (int i = 0; i < 10; ++i) {
    auto d = local.wf.handle("create", {{"actor", applicant()}, {"declaration", new_declaration()}});
    ASSERT_EQ(d["status"], 201) << "a change must commit with NATS down";
    auto s = local.wf.handle("submit", {{"actor", applicant()}, {"id", d["body"]["id"]}});
    ASSERT_EQ(s["status"], 200);
    ids.push_back(d["body"]["id"]);
    relay.notify();
  }
  EXPECT_EQ(local.unsent() > 0, true);
  nats.start();
  ASSERT_TRUE(test::eventually([&] { return local.unsent() == 0; }, 30s)) << local.unsent() << " still unsent";

  EventLog log(connection, "test-after-outage");
  ASSERT_TRUE(test::eventually([&] { return log.size() >= 20; }, 20s));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(log.size(), 20u);
  for (const auto& id : ids) {
    auto events = log.of(id);
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0]["type"], "declaration.created");
    EXPECT_EQ(events[1]["type"], "declaration.submitted");
  }
}

TEST(Workflow, AScoreForAnOlderVersionNeverReplacesANewerOne) {
  InProcess local;
  auto d = local.wf.handle("create", {{"actor", applicant()}, {"declaration", new_declaration()}})["body"];
  json newer = {{"self_assessed_level", 4}, {"verified_level", nullptr}, {"model", {{"version", "2026.1"}}}};
  json older = {{"self_assessed_level", 1}, {"verified_level", nullptr}, {"model", {{"version", "2026.1"}}}};
  EXPECT_TRUE(local.wf.attach_score("e-new", d["id"], 3, newer));
  EXPECT_TRUE(local.wf.attach_score("e-old", d["id"], 2, older));
  EXPECT_FALSE(local.wf.attach_score("e-new", d["id"], 3, newer));  // a duplicate delivery
  auto got = local.wf.handle("get", {{"actor", applicant()}, {"id", d["id"]}});
  EXPECT_EQ(got["body"]["score"]["self_assessed_level"], 4);
}

TEST(Workflow, PublicityEndsOnceEvenWithTwoInstances) {
  test::NatsServer nats;
  InProcess local;
  // Walk one declaration to publicity in process, with a publicity of one second.
  workflow::Settings quick;
  quick.publicity = std::chrono::seconds(1);
  workflow::Workflow wf(local.pool, local.scorer, local.regions, local.schemas, quick, nullptr);
  auto d = wf.handle("create", {{"actor", applicant()}, {"declaration", new_declaration()}})["body"];
  auto step = [&](const std::string& verb, const json& actor, json body = json::object()) {
    auto r = wf.handle(verb, {{"actor", actor}, {"id", d["id"]}, {"expected_version", d["version"]}, {"body", body}});
    EXPECT_EQ(r["status"], 200) << r.dump();
    d = r["body"];
  };
  step("submit", applicant());
  step("decide", reviewer("county", "370102"), {{"decision", "approve"}});
  step("decide", reviewer("city", "370100"), {{"decision", "approve"}});
  step("decide", reviewer("province", "370000"), {{"decision", "approve"}});
  ASSERT_EQ(d["state"], "publicity");
  std::this_thread::sleep_for(1100ms);
  std::atomic<int> ended{0};
  std::vector<std::thread> timers;
  for (int i = 0; i < 4; ++i) timers.emplace_back([&] { ended += wf.end_due_publicity(); });
  for (auto& t : timers) t.join();
  EXPECT_EQ(ended.load(), 1);
  auto h = wf.handle("history", {{"actor", admin()}, {"id", d["id"]}});
  EXPECT_EQ(h["body"]["items"].size(), 6u);
  EXPECT_TRUE(h["body"]["chain_valid"].get<bool>());
}

TEST(Workflow, FreedHeapGoesBackToTheSystemAfterABurst) {
  // The same burst of large list replies, answered by 8 handler threads, with and without the
  // periodic malloc_trim: what the arenas freed must not stay resident once the burst is over.
  auto resident_after_burst = [](const std::string& trim_seconds) {
    test::NatsServer nats;
    test::ServiceUnderTest workflow("workflow", nats, {{"SDP_MALLOC_TRIM_SECONDS", trim_seconds}});
    EXPECT_TRUE(workflow.wait_ready()) << workflow.process->log_text();
    nats::Topology topology = nats::Topology::from_file(std::string(build_info::kSchemasDir) + "/nats/topology.json");
    {
      nats::Connection client{client_options(nats)};
      for (int i = 0; i < 100; ++i)
        client.request(topology.command("workflow", "create"),
                       json{{"actor", applicant()}, {"declaration", new_declaration("industry_brain")}}.dump());
      std::vector<std::thread> readers;
      for (int t = 0; t < 8; ++t)
        readers.emplace_back([&] {
          nats::Connection c(client_options(nats));
          test::eventually([&] { return c.connected(); });
          for (int i = 0; i < 40; ++i)
            c.request(topology.command("workflow", "list"), json{{"actor", applicant()}, {"limit", 100}}.dump());
        });
      for (auto& r : readers) r.join();
    }
    std::this_thread::sleep_for(2500ms);  // two passes of a one-second trim
    std::ifstream status("/proc/" + std::to_string(workflow.process->pid()) + "/status");
    long kb = 0;
    for (std::string key; status >> key;)
      if (key == "VmRSS:") status >> kb;
    return kb;
  };
  const long kept = resident_after_burst("0"), trimmed = resident_after_burst("1");
  std::cout << "resident after the burst: " << kept / 1024 << " MB untrimmed, " << trimmed / 1024 << " MB trimmed\n";
  EXPECT_LT(trimmed, kept - 4 * 1024) << "freed memory stayed resident: " << trimmed << " kB vs " << kept << " kB";
}
