// The workflow service against real MariaDB and JetStream, through its typed commands (cmd::call):
// every path of a declaration, the score in every reply, the version guard, racing decisions, and
// an outbox that loses nothing when the relay or NATS dies.
#include <gtest/gtest.h>

#include <signal.h>

#include <atomic>
#include <fstream>
#include <latch>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "actors.hpp"
#include "declarations.hpp"
#include "outbox.hpp"
#include "rounds.hpp"
#include "sdp/build_info.hpp"
#include "sdp/command_bus.hpp"
#include "sdp/event.hpp"
#include "sdp/nats.hpp"
#include "test_env.hpp"
#include "tokens.hpp"

using namespace sdp;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

using namespace test::actors;  // commands carry the token's claims as the actor

// A create command from the API's body {kind, region, title, contact, payload}, through the codec.
cmd::CreateDeclaration creation(const Actor& actor, const json& body) {
  return *cmd::from_json(json{{"actor", actor.to_json()}, {"body", body}}, cmd::Tag<cmd::CreateDeclaration>{});
}
cmd::UpdateDeclaration edit(const Actor& actor, const json& d, const json& body) {
  return *cmd::from_json(
      json{{"actor", actor.to_json()}, {"id", d["id"]}, {"expected_version", d["version"]}, {"body", body}},
      cmd::Tag<cmd::UpdateDeclaration>{});
}
cmd::DecideDeclaration decision(const Actor& actor, const json& d, Decision decision, const std::string& comment = "",
                                std::optional<json> verified = std::nullopt) {
  return {actor, d["id"], d["version"], decision, comment, std::move(verified)};
}

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

cmd::CreateRound round_creation(const Actor& actor, const json& body) {
  return *cmd::from_json(json{{"actor", actor.to_json()}, {"body", body}}, cmd::Tag<cmd::CreateRound>{});
}

json new_declaration(const std::string& kind = "morning_star", const std::string& region = "370102") {
  return {{"kind", kind},
          {"org_name", "济南某精密制造有限公司"},
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

// Workflow's settings in a Stack: timers every 100 ms, the clock at `at` when given.
std::map<std::string, std::string> workflow_settings(std::optional<std::chrono::system_clock::time_point> at) {
  std::map<std::string, std::string> s{{"SDP_PUBLICITY_POLL_MS", "100"}};
  if (at) s["SDP_CLOCK_OFFSET_SECONDS"] = test::clock_offset_to(*at);
  return s;
}

// The workflow binary on a real NATS and MariaDB; scores are its own (no scoring service needed).
// With `at`, workflow's clock starts there (SDP_CLOCK_OFFSET_SECONDS) and the rounds open around it.
struct Stack {
  std::optional<std::chrono::system_clock::time_point> at;
  test::NatsServer nats;
  test::ServiceUnderTest workflow{"workflow", nats, workflow_settings(at)};
  nats::Connection client{client_options(nats)};
  nats::Topology topology = nats::Topology::from_file(std::string(build_info::kSchemasDir) + "/nats/topology.json");

  std::map<std::string, std::string> rounds;  // kind -> an open round of it

  explicit Stack(std::optional<std::chrono::system_clock::time_point> clock_at = std::nullopt) : at(clock_at) {
    EXPECT_TRUE(workflow.wait_ready()) << workflow.process->log_text();
    for (const char* kind : {"morning_star", "industry_brain"}) {
      auto r = call(round_creation(
          admin(), test::open_round_body(kind, std::chrono::hours(24), std::chrono::hours(24 * 30), at)));
      EXPECT_TRUE(r.has_value()) << why(r);
      if (r) rounds[kind] = r->id;
    }
  }
  // The body in the open round of its kind, unless it names one.
  json in_round(json body) {
    if (!body.contains("round")) body["round"] = rounds[body.value("kind", "morning_star")];
    return body;
  }

  template <class C>
  Result<typename C::Reply> call(const C& command) {
    return cmd::call(
        topology, [this](const std::string& s, const std::string& b) { return client.request(s, b); }, command);
  }
  // A message as it is, for what the codec refuses.
  Result<json> raw(const std::string& service, const std::string& verb, const std::string& text) {
    return cmd::decode_reply_json(client.request(topology.command(service, verb), text), service);
  }
  json create(const Actor& actor = applicant(), const json& body = new_declaration()) {
    auto r = call(creation(actor, in_round(body)));
    EXPECT_TRUE(r.has_value()) << why(r);
    return r ? r->body : json();
  }
  Result<cmd::Declaration> submit(const Actor& actor, const json& d) {
    return call(cmd::SubmitDeclaration{actor, d["id"], d["version"]});
  }
  Result<cmd::Declaration> withdraw(const Actor& actor, const json& d) {
    return call(cmd::WithdrawDeclaration{actor, d["id"], d["version"]});
  }
  Result<cmd::Declaration> update(const Actor& actor, const json& d, const json& body) {
    return call(edit(actor, d, body));
  }
  Result<cmd::Declaration> decide(const Actor& actor, const json& d, const std::string& verb,
                                  const std::string& comment = "", std::optional<json> verified = std::nullopt) {
    return call(decision(actor, d, *parse_decision(verb), comment, std::move(verified)));
  }
  Result<cmd::Declaration> get(const Actor& actor, const json& d) {
    auto got = call(cmd::GetDeclaration{actor, d["id"]});
    if (!got) return refuse(std::move(got.error()));
    return cmd::Declaration{got->id, got->version, json::parse(got->json)};
  }
  Result<cmd::Document> history(const Actor& actor, const json& d) {
    return call(cmd::DeclarationHistory{actor, d["id"]});
  }
  Result<cmd::Document> list(const Actor& actor, int limit = 20) {
    cmd::ListDeclarations l;
    l.actor = actor;
    l.limit = limit;
    return call(l);
  }
  Result<cmd::Document> pending(const Actor& actor) {
    cmd::PendingReviews p;
    p.actor = actor;
    p.limit = 50;
    auto page = call(p);
    if (!page) return refuse(std::move(page.error()));
    return cmd::Document{json::parse(page->json)};
  }
  Result<cmd::Document> stats(const Actor& actor) { return call(cmd::Statistics{actor}); }
  // Workflow stopped and started again with its clock at `t` (the timers then catch up).
  void move_clock_to(std::chrono::system_clock::time_point t) {
    workflow.restart({{"SDP_CLOCK_OFFSET_SECONDS", test::clock_offset_to(t)}});
    EXPECT_TRUE(workflow.wait_ready()) << workflow.process->log_text();
  }
};

// A Workflow in this process on a database of its own, for tests that stop NATS under it.
const WorkingDays& calendar() {
  static const auto table =
      WorkingDays::from_file(std::filesystem::path(build_info::kSchemasDir) / "calendar" / "working_days.json");
  return table;
}

struct InProcess {
  test::TestDatabase db{"wf_inproc"};
  db::Pool pool{db.options(4)};
  scoring::Scorer scorer = scoring::Scorer::load(build_info::kSchemasDir, "2026.1", "2026.1");
  RegionCatalog regions = RegionCatalog::from_file(std::string(build_info::kSchemasDir) + "/regions/shandong.json");
  workflow::Workflow wf{pool, scorer, regions, calendar(), {}, nullptr};

  std::string round;

  InProcess() {
    db::migrate(pool, std::filesystem::path(build_info::kSchemasDir) / "sql" / "workflow");
    auto r = wf.create_round(round_creation(admin(), test::open_round_body("morning_star")));
    EXPECT_TRUE(r.has_value()) << why(r);
    if (r) round = r->id;
  }
  json create() {
    auto body = new_declaration();
    body["round"] = round;
    auto r = wf.create(creation(applicant(), body));
    EXPECT_TRUE(r.has_value()) << why(r);
    return r ? r->body : json();
  }
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
  Stack s(test::beijing_2026(6, 1, 10));  // Monday 1 June 2026, 10:00 in Beijing
  EventLog log(s.client);
  auto d = s.create();
  EXPECT_EQ(d["state"], "draft");
  EXPECT_EQ(d["version"], 1);
  EXPECT_TRUE(d["number"].get<std::string>().starts_with("MSF-"));
  EXPECT_TRUE(d["number"].get<std::string>().ends_with("-370102-000001")) << d["number"];
  EXPECT_EQ(d["city"], "370100");

  auto r = s.submit(applicant(), d);
  ASSERT_TRUE(r.has_value()) << why(r);
  d = r->body;
  EXPECT_EQ(d["state"], "county_review");

  r = s.decide(reviewer("county", "370102"), d, "approve", "材料齐全", json{{"criteria", {{"MS01", true}}}});
  ASSERT_TRUE(r.has_value()) << why(r);
  d = r->body;
  EXPECT_EQ(d["state"], "city_review");
  r = s.decide(reviewer("city", "370100"), d, "approve", "同意");
  ASSERT_TRUE(r.has_value()) << why(r);
  d = r->body;
  EXPECT_EQ(d["state"], "province_review");

  auto start = std::chrono::steady_clock::now();
  r = s.decide(reviewer("province", "370000"), d, "approve", "同意公示", json{{"criteria", {{"MS02", true}}}});
  auto round_trip = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::cout << "decision round trip (province approve over NATS, committed): " << round_trip << " ms\n";
  RecordProperty("decision_round_trip_ms", std::to_string(round_trip));
  ASSERT_TRUE(r.has_value()) << why(r);
  d = r->body;
  EXPECT_EQ(d["state"], "publicity");
  EXPECT_FALSE(d["publicity_ends_at"].is_null());
  EXPECT_EQ(d["score"]["verified_level"], 5) << "the decision's reply has its score";
  // 公示 lasts the round's 5 working days: Tue 2 … Fri 5 and Mon 8 June.
  EXPECT_EQ(d["publicity_ends_at"], "2026-06-08T16:00:00.000Z");

  // The timer ends publicity by itself once workflow's clock has passed its end.
  s.move_clock_to(test::utc_time(d["publicity_ends_at"]) + 1min);
  ASSERT_TRUE(test::eventually([&] { return s.get(applicant(), d)->body["state"] == "approved"; }, 15s));
  auto final_d = s.get(applicant(), d)->body;
  EXPECT_EQ(final_d["version"], 6);

  auto h = s.history(applicant(), d);
  ASSERT_TRUE(h.has_value());
  EXPECT_TRUE(h->body["chain_valid"].get<bool>());
  std::vector<std::string> actions;
  for (const auto& e : h->body["items"]) actions.push_back(e["action"]);
  EXPECT_EQ(actions, (std::vector<std::string>{"create", "submit", "approve", "approve", "approve", "end_publicity"}));
  EXPECT_EQ(h->body["items"][2]["actor"]["tier"], "county");
  EXPECT_EQ(h->body["items"][5]["actor"]["role"], "system");

  // Every step reached the stream, in order, with no scoring request in it.
  ASSERT_TRUE(test::eventually([&] { return log.of(d["id"]).size() == 6; }));
  std::vector<std::string> types;
  int64_t last_version = 0;
  for (const auto& e : log.of(d["id"])) {
    types.push_back(e["type"]);
    EXPECT_GT(e["version"].get<int64_t>(), last_version);
    EXPECT_FALSE(e["data"].contains("scoring")) << e.dump();
    last_version = e["version"];
  }
  EXPECT_EQ(types,
            (std::vector<std::string>{"declaration.created", "declaration.submitted", "declaration.approved",
                                      "declaration.approved", "declaration.approved", "declaration.publicity_ended"}));
  // The score is the one of the last version that was scored: the province's verdict.
  EXPECT_EQ(final_d["score"]["self_assessed_level"], 5);
  EXPECT_EQ(final_d["score"]["verified_level"], 5);
  EXPECT_EQ(final_d["score_version"], 5);
}

TEST(Workflow, TheScoreIsInEveryReplyThatChangesItAndInGetAtOnce) {
  Stack s;
  auto d = s.create();
  EXPECT_EQ(d["score"]["self_assessed_level"], 5) << "scored in the create's transaction";
  EXPECT_EQ(d["score_version"], 1);
  EXPECT_EQ(s.get(applicant(), d)->body["score"], d["score"]);

  auto edited = new_declaration();
  edited["payload"]["criteria"].erase("MS03");  // 全面质量管理, starred from level 3
  auto u = s.update(applicant(), d,
                    {{"title", edited["title"]}, {"contact", edited["contact"]}, {"payload", edited["payload"]}});
  ASSERT_TRUE(u.has_value()) << why(u);
  d = u->body;
  EXPECT_EQ(d["score"]["self_assessed_level"], 2);
  EXPECT_EQ(d["score_version"], 2);
  EXPECT_EQ(s.get(applicant(), d)->body["score"]["self_assessed_level"], 2);

  d = s.submit(applicant(), d)->body;
  EXPECT_EQ(d["score_version"], 3) << "scored with the model in force at submission";
  const auto county = reviewer("county", "370102");
  auto seen = s.get(county, d);
  ASSERT_TRUE(seen.has_value()) << why(seen);
  EXPECT_EQ(seen->body["score"]["self_assessed_level"], 2) << "the reviewer sees the submitted score at once";

  auto r = s.decide(county, d, "approve", "核验", json{{"criteria", {{"MS01", false}}}});
  ASSERT_TRUE(r.has_value()) << why(r);
  EXPECT_EQ(r->body["score"]["verified_level"], 0);
  EXPECT_EQ(r->body["score_version"], r->body["version"]);
  EXPECT_EQ(s.get(county, d)->body["score"]["verified_level"], 0);
  EXPECT_EQ(s.get(applicant(), d)->body["score"]["verified_level"], 0);
  auto stats = s.stats(county);
  EXPECT_EQ(stats->body["morning_star_levels"], (json{{"0", 1}})) << stats->body.dump();
}

TEST(Workflow, AReturnGoesBackToTheTierThatReturnedIt) {
  Stack s;
  auto d = s.submit(applicant(), s.create())->body;
  d = s.decide(reviewer("county", "370102"), d, "approve")->body;
  auto missing_comment = s.decide(reviewer("city", "370100"), d, "return", "  ");
  ASSERT_EQ(refusal(missing_comment), ProblemKind::invalid);
  EXPECT_EQ(missing_comment.error().errors.at(0).pointer, "/comment");
  auto r = s.decide(reviewer("city", "370100"), d, "return", "请补充设备联网证明材料");
  ASSERT_TRUE(r.has_value()) << why(r);
  d = r->body;
  EXPECT_EQ(d["state"], "returned");
  EXPECT_EQ(d["returned_by"], "city");

  auto fixed = new_declaration();
  fixed["payload"]["criteria"]["MS09"]["evidence"] = "补充：设备联网清单";
  r = s.update(applicant(), d,
               {{"title", fixed["title"]}, {"contact", fixed["contact"]}, {"payload", fixed["payload"]}});
  ASSERT_TRUE(r.has_value()) << why(r);
  d = r->body;
  EXPECT_EQ(d["payload"]["criteria"]["MS09"]["evidence"], "补充：设备联网清单");
  r = s.submit(applicant(), d);
  ASSERT_TRUE(r.has_value()) << why(r);
  EXPECT_EQ(r->body["state"], "city_review");
  EXPECT_TRUE(r->body["returned_by"].is_null());
  // The county, having decided already, no longer has it in its queue; the city does.
  auto county = s.pending(reviewer("county", "370102"));
  auto city = s.pending(reviewer("city", "370100"));
  EXPECT_EQ(county->body["items"].size(), 0u);
  ASSERT_EQ(city->body["items"].size(), 1u);
  EXPECT_EQ(city->body["items"][0]["id"], d["id"]);
}

TEST(Workflow, RejectAndWithdraw) {
  Stack s;
  auto rejected = s.submit(applicant(), s.create())->body;
  auto r = s.decide(reviewer("county", "370102"), rejected, "reject", "不符合申报条件");
  ASSERT_TRUE(r.has_value()) << why(r);
  EXPECT_EQ(r->body["state"], "rejected");
  EXPECT_EQ(refusal(s.submit(applicant(), r->body)), ProblemKind::conflict);

  auto draft = s.create();
  EXPECT_EQ(s.withdraw(applicant(), draft)->body["state"], "withdrawn");

  auto early = s.submit(applicant(), s.create())->body;
  EXPECT_EQ(s.withdraw(applicant(), early)->body["state"], "withdrawn");

  auto late = s.submit(applicant(), s.create())->body;
  late = s.decide(reviewer("county", "370102"), late, "return", "补正")->body;
  late = s.submit(applicant(), late)->body;
  EXPECT_EQ(late["state"], "county_review");
  auto refused = s.withdraw(applicant(), late);
  EXPECT_EQ(refusal(refused), ProblemKind::conflict) << why(refused);
}

TEST(Workflow, AStaleVersionIsRefusedAndVisibilityHolds) {
  Stack s;
  auto d = s.create();
  auto body = new_declaration();
  json update = {{"title", "改名"}, {"contact", body["contact"]}, {"payload", body["payload"]}};
  auto first = s.update(applicant(), d, update);
  ASSERT_TRUE(first.has_value()) << why(first);
  auto stale = s.update(applicant(), d, update);  // still says version 1
  EXPECT_EQ(refusal(stale), ProblemKind::precondition_failed);
  // An edit must name its version: the codec refuses one without (the gateway answers 428 before).
  auto no_version =
      s.raw("workflow", "update", json{{"actor", applicant().to_json()}, {"id", d["id"]}, {"body", update}}.dump());
  EXPECT_FALSE(no_version.has_value());

  // Others see nothing: not_found, never forbidden; a draft is the applicant's alone, even in jurisdiction.
  EXPECT_EQ(refusal(s.get(applicant(kOtherOrg), d)), ProblemKind::not_found);
  EXPECT_EQ(refusal(s.get(reviewer("city", "370100"), d)), ProblemKind::not_found);
  EXPECT_EQ(refusal(s.get(admin(), d)), ProblemKind::not_found);
  EXPECT_EQ(refusal(s.update(applicant(kOtherOrg), first->body, update)), ProblemKind::not_found);
  EXPECT_EQ(s.list(applicant(), 10)->body["items"].size(), 1u);
  EXPECT_EQ(s.list(applicant(kOtherOrg), 10)->body["items"].size(), 0u);
  // Once submitted, reviewers in jurisdiction and admins see it; the others still do not.
  auto sub = s.submit(applicant(), first->body)->body;
  EXPECT_EQ(refusal(s.get(reviewer("county", "370103"), d)), ProblemKind::not_found);
  EXPECT_EQ(refusal(s.get(reviewer("city", "370200"), d)), ProblemKind::not_found);
  EXPECT_TRUE(s.get(reviewer("city", "370100"), d).has_value());
  EXPECT_TRUE(s.get(admin(), d).has_value());
  // An applicant deciding is a role that may never do it.
  EXPECT_EQ(refusal(s.decide(applicant(), sub, "approve")), ProblemKind::forbidden);
  // The wrong tier in jurisdiction: a conflict with the state.
  EXPECT_EQ(refusal(s.decide(reviewer("city", "370100"), sub, "approve")), ProblemKind::conflict);
}

TEST(Workflow, ReviewersSeeOnlyWhatWasSubmitted) {
  Stack s;
  const auto county = reviewer("county", "370102");
  auto ids_of = [&](const Actor& actor) {
    std::set<std::string> out;
    auto page = s.list(actor, 100);  // kept: the loop must not walk a destroyed temporary
    for (const auto& item : page->body["items"]) out.insert(item["id"]);
    return out;
  };

  // A draft, and a draft withdrawn before it was ever submitted: the applicant's alone.
  auto draft = s.create();
  auto withdrawn = s.withdraw(applicant(), s.create())->body;
  ASSERT_EQ(withdrawn["state"], "withdrawn");
  for (const auto& who : {county, reviewer("province", "370000"), admin()}) {
    for (const auto& d : {draft, withdrawn}) {
      EXPECT_EQ(refusal(s.get(who, d)), ProblemKind::not_found) << who.to_json() << " sees " << d["state"];
      EXPECT_EQ(refusal(s.history(who, d)), ProblemKind::not_found)
          << who.to_json() << " reads the history of " << d["state"];
      EXPECT_FALSE(ids_of(who).contains(d["id"])) << who.to_json() << " lists " << d["state"];
    }
  }
  EXPECT_EQ(ids_of(applicant()).size(), 2u);
  auto stats = s.stats(county)->body;
  EXPECT_FALSE(stats["by_state"].contains("draft")) << stats.dump();
  EXPECT_FALSE(stats["by_state"].contains("withdrawn")) << stats.dump();
  EXPECT_EQ(stats["by_kind"].size(), 0u) << stats.dump();
  EXPECT_EQ(s.stats(admin())->body["by_city"].size(), 0u);

  // Submitted, returned, then edited: reviewers keep seeing what was submitted until it is resubmitted.
  auto original = new_declaration();
  auto d = s.submit(applicant(), s.create(applicant(), original))->body;
  EXPECT_TRUE(s.get(county, d).has_value());
  d = s.decide(county, d, "return", "请补充设备联网证明材料")->body;
  ASSERT_EQ(d["state"], "returned");
  auto edited = new_declaration();
  edited["title"] = "修改中的标题";
  edited["payload"] = {{"claimed_level", 1}, {"criteria", json::object()}};  // every item left out: level 0
  auto r = s.update(applicant(), d,
                    {{"title", edited["title"]}, {"contact", edited["contact"]}, {"payload", edited["payload"]}});
  ASSERT_TRUE(r.has_value()) << why(r);
  d = r->body;
  EXPECT_EQ(s.get(applicant(), d)->body["title"], "修改中的标题");
  // The edit's score reaches the applicant at once; the reviewer keeps the score of the submitted content.
  EXPECT_EQ(s.get(applicant(), d)->body["score_version"], d["version"]);
  EXPECT_EQ(s.get(applicant(), d)->body["score"]["claimed_level"], 1);
  for (const auto& who : {county, admin()}) {
    auto seen = s.get(who, d);
    ASSERT_TRUE(seen.has_value()) << why(seen);
    EXPECT_EQ(seen->body["state"], "returned");
    EXPECT_EQ(seen->body["title"], original["title"]) << who.to_json();
    EXPECT_EQ(seen->body["payload"], original["payload"]) << who.to_json();
    EXPECT_EQ(seen->body["score"]["claimed_level"], 3) << seen->body["score"].dump();
    json listed;
    auto page = s.list(who, 100);
    for (const auto& item : page->body["items"])
      if (item["id"] == d["id"]) listed = item;
    EXPECT_EQ(listed["title"], original["title"]) << who.to_json();
    EXPECT_EQ(listed["payload"], original["payload"]) << who.to_json();
  }
  // The history is the whole chain for the reviewer (its entries are actions, not content).
  auto h = s.history(county, d);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->body["items"].size(), 4u);  // create, submit, return, update
  EXPECT_TRUE(h->body["chain_valid"].get<bool>());
  // A returned declaration awaits no decision: a conflict, whatever the reviewer read.
  EXPECT_EQ(refusal(s.decide(county, s.get(county, d)->body, "approve")), ProblemKind::conflict);
  stats = s.stats(county)->body;
  EXPECT_EQ(stats["by_state"], (json{{"returned", 1}})) << stats.dump();
  EXPECT_EQ(stats["morning_star_levels"], (json{{"5", 1}})) << "the level submitted, not the edit's: " << stats.dump();

  // Resubmitted: now the reviewer sees the new content and its score.
  d = s.submit(applicant(), d)->body;
  ASSERT_EQ(d["state"], "county_review");
  auto seen = s.get(county, d)->body;
  EXPECT_EQ(seen["title"], "修改中的标题");
  EXPECT_EQ(seen["payload"]["claimed_level"], 1);
  EXPECT_EQ(seen["version"], d["version"]);
  EXPECT_EQ(seen["score"]["claimed_level"], 1) << seen["score"].dump();
  EXPECT_TRUE(s.decide(county, seen, "approve").has_value());
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

  {  // one entry's hash told apart, to see that the head is the last entry's
    auto c = pool.acquire();
    c->execute("UPDATE declaration_history SET hash = 'last' WHERE declaration_id = ? AND seq = 3", {in_review});
  }
  db::migrate(pool, all);
  {  // Migration 0022: each row keeps its chain's head, the last entry's seq and hash.
    auto c = pool.acquire();
    std::map<std::string, std::pair<int64_t, std::string>> heads;
    for (auto r = c->query("SELECT id, history_seq, history_head FROM declarations"); r.next();)
      heads[r.str("id")] = {r.i64("history_seq"), r.str("history_head")};
    EXPECT_EQ(heads[draft], std::make_pair(int64_t{2}, std::string("h")));
    EXPECT_EQ(heads[edited], std::make_pair(int64_t{4}, std::string("h")));
    EXPECT_EQ(heads[in_review], std::make_pair(int64_t{3}, std::string("last")));
  }
  auto scorer = scoring::Scorer::load(build_info::kSchemasDir, "2026.1", "2026.1");
  auto regions = RegionCatalog::from_file(std::string(build_info::kSchemasDir) + "/regions/shandong.json");
  workflow::Workflow wf{pool, scorer, regions, calendar(), {}, nullptr};
  auto get = [&](const Actor& actor, const std::string& id) -> Result<cmd::Declaration> {
    auto got = wf.get({actor, id});
    if (!got) return refuse(std::move(got.error()));
    return cmd::Declaration{got->id, got->version, json::parse(got->json)};
  };
  const auto county = reviewer("county", "370102");
  EXPECT_EQ(refusal(get(county, draft)), ProblemKind::not_found);
  EXPECT_EQ(get(applicant(), draft)->body["title"], "草稿二");
  auto seen = get(county, edited)->body;
  EXPECT_EQ(seen["title"], "提交的");
  EXPECT_TRUE(seen["score"].is_null()) << "the edit's score is not the submitted content's: " << seen["score"];
  EXPECT_EQ(get(applicant(), edited)->body["title"], "修改中");
  seen = get(county, in_review)->body;
  EXPECT_EQ(seen["title"], "提交的");
  EXPECT_EQ(seen["score_version"], 3);
  auto stats = wf.stats({county})->body;
  EXPECT_EQ(stats["by_state"], (json{{"returned", 1}, {"county_review", 1}})) << stats.dump();
  EXPECT_EQ(stats["morning_star_levels"], (json{{"4", 1}, {"none", 1}})) << stats.dump();

  // Migration 0005: the declarations made before rounds are in one round of their kind and year, none lost.
  auto rounds = wf.list_rounds({admin()});
  ASSERT_TRUE(rounds.has_value()) << why(rounds);
  ASSERT_EQ(rounds->body["items"].size(), 1u) << rounds->body.dump();
  const auto& round = rounds->body["items"][0];
  EXPECT_EQ(round["kind"], "morning_star");
  EXPECT_EQ(round["state"], "open") << "it spans this year: " << round.dump();
  for (const auto& id : {draft, edited, in_review}) EXPECT_EQ(get(applicant(), id)->body["round"], round["id"]) << id;

  // Migration 0006: one at a tier arrived at its last change; a draft or a returned one is at none.
  seen = get(county, in_review)->body;
  EXPECT_FALSE(seen["arrived_at"].is_null()) << seen.dump();
  EXPECT_EQ(seen["arrived_at"], seen["updated_at"]);
  EXPECT_TRUE(get(applicant(), draft)->body["arrived_at"].is_null());
  EXPECT_TRUE(get(applicant(), edited)->body["arrived_at"].is_null());
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
  cases.push_back({c4, "/title"});  // the command's codec: structural
  auto c5 = base;
  c5["kind"] = "smart_city";
  cases.push_back({c5, "/kind"});
  for (const auto& c : cases) {
    auto r =
        s.raw("workflow", "create", json{{"actor", applicant().to_json()}, {"body", s.in_round(c.declaration)}}.dump());
    ASSERT_EQ(refusal(r), ProblemKind::invalid) << c.pointer;
    EXPECT_EQ(r.error().errors.at(0).pointer, c.pointer) << r.error().to_json();
    EXPECT_FALSE(r.error().errors[0].message_zh.empty()) << c.pointer;
  }
  EXPECT_EQ(refusal(s.call(creation(reviewer("county", "370102"), s.in_round(base)))), ProblemKind::forbidden);

  // An incomplete 产业大脑 declaration can be saved but not submitted; every gap is listed.
  auto partial = new_declaration("industry_brain");
  partial["payload"]["indicators"].erase("L2P3");
  partial["payload"]["indicators"].erase("L5P1");
  auto d = s.create(applicant(), partial);
  auto r = s.submit(applicant(), d);
  ASSERT_EQ(refusal(r), ProblemKind::invalid);
  std::set<std::string> pointers;
  for (const auto& e : r.error().errors) pointers.insert(e.pointer);
  EXPECT_EQ(pointers, (std::set<std::string>{"/payload/indicators/L2P3", "/payload/indicators/L5P1"}));
}

// Issue 13: a command message is strict JSON; a key given twice is refused, not read as the last one.
TEST(Workflow, CommandsWithARepeatedKeyOrNestedTooDeepAreRefused) {
  Stack s;
  test::ServiceUnderTest scoring{"scoring", s.nats};
  ASSERT_TRUE(scoring.wait_ready()) << scoring.process->log_text();
  const auto body = new_declaration().dump();
  const auto other = applicant("91350100M000100Y43").to_json().dump();
  auto twice =
      s.raw("workflow", "create",
            R"({"actor":)" + applicant().to_json().dump() + R"(,"body":)" + body + R"(,"actor":)" + other + "}");
  ASSERT_EQ(refusal(twice), ProblemKind::invalid);
  EXPECT_EQ(twice.error().errors.at(0).pointer, "/actor") << twice.error().to_json();
  std::string deep = new_declaration().dump();
  deep = deep.substr(0, deep.size() - 1) + R"(,"extra":)" + std::string(70000, '[') + std::string(70000, ']') + "}";
  auto too_deep =
      s.raw("workflow", "create", R"({"actor":)" + applicant().to_json().dump() + R"(,"body":)" + deep + "}");
  ASSERT_EQ(refusal(too_deep), ProblemKind::invalid);
  std::string pointer = "/body/extra";
  for (int i = 0; i < 62; ++i) pointer += "/0";  // the 65th level
  EXPECT_EQ(too_deep.error().errors.at(0).pointer, pointer);
  auto preview = s.raw("scoring", "preview",
                       R"({"body":{"kind":"morning_star","payload":{"claimed_level":1},"kind":"industry_brain"}})");
  ASSERT_EQ(refusal(preview), ProblemKind::invalid);
  EXPECT_EQ(preview.error().errors.at(0).pointer, "/body/kind") << preview.error().to_json();
  // Nothing was created by either.
  for (const auto& actor : {applicant(), applicant("91350100M000100Y43")})
    EXPECT_EQ(s.list(actor)->body["items"].size(), 0u);
}

TEST(Workflow, MorningStarAtVerifiedLevelZeroCannotBeApprovedByTheProvince) {
  Stack s;
  auto d = s.submit(applicant(), s.create())->body;
  d = s.decide(reviewer("county", "370102"), d, "approve", "", json{{"criteria", {{"MS01", false}}}})->body;
  d = s.decide(reviewer("city", "370100"), d, "approve")->body;
  auto r = s.decide(reviewer("province", "370000"), d, "approve");
  EXPECT_EQ(refusal(r), ProblemKind::rule) << why(r);
  // The province's own verdict can restore the item, and then it may approve.
  r = s.decide(reviewer("province", "370000"), d, "approve", "复核属实", json{{"criteria", {{"MS01", true}}}});
  ASSERT_TRUE(r.has_value()) << why(r);
  EXPECT_EQ(r->body["state"], "publicity");
}

TEST(Workflow, ConcurrentDecisionsHaveExactlyOneWinner) {
  Stack s;
  for (int round = 0; round < 5; ++round) {
    auto d = s.submit(applicant(), s.create())->body;
    std::vector<std::optional<ProblemKind>> outcomes(6);
    std::vector<std::thread> racers;
    for (int i = 0; i < 6; ++i)
      racers.emplace_back([&, i] {
        nats::Connection c(client_options(s.nats));
        test::eventually([&] { return c.connected(); });
        auto command = decision(reviewer("county", "370102"), d, i % 2 ? Decision::approve : Decision::reject, "并发");
        outcomes[i] = refusal(cmd::call(
            s.topology, [&](const std::string& subject, const std::string& b) { return c.request(subject, b); },
            command));
      });
    for (auto& t : racers) t.join();
    int winners = 0;
    for (const auto& o : outcomes) {
      winners += !o.has_value();
      EXPECT_TRUE(!o || *o == ProblemKind::precondition_failed) << name(*o);
    }
    EXPECT_EQ(winners, 1);
    EXPECT_EQ(s.history(admin(), d)->body["items"].size(), 3u);  // create, submit, one decision
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

int64_t rows_of(db::Pool& pool, const std::string& sql, std::initializer_list<db::Param> params = {}) {
  auto c = pool.acquire();
  auto r = c->query(sql, params);
  r.next();
  return r.i64("n");
}

// What `run` answers in two threads that start it at once: twins under one request key.
template <class F>
std::vector<std::optional<std::invoke_result_t<F>>> twice_at_once(F run) {
  std::vector<std::optional<std::invoke_result_t<F>>> twins(2);
  std::atomic<int> ready{0};
  std::vector<std::thread> racers;
  for (int i = 0; i < 2; ++i)
    racers.emplace_back([&, i] {
      ++ready;
      while (ready < 2) std::this_thread::yield();
      twins[i] = run();
    });
  for (auto& t : racers) t.join();
  return twins;
}

// The applicant's creation in the fixture's round under the request key of 64 `digit`s.
cmd::CreateDeclaration keyed_creation(const InProcess& p, char digit) {
  auto body = new_declaration();
  body["round"] = p.round;
  auto command = creation(applicant(), body);
  command.request_key = std::string(64, digit);
  return command;
}

// A creation re-run under its request key (the gateway took over an abandoned Idempotency-Key
// claim) answers the first declaration and writes nothing, even when the two run at once.
TEST(Workflow, TwoCreationsUnderOneRequestKeyMakeOneDeclaration) {
  InProcess p;
  auto command = keyed_creation(p, '1');
  auto first = p.wf.create(command);
  ASSERT_TRUE(first.has_value()) << why(first);
  auto again = p.wf.create(command);
  ASSERT_TRUE(again.has_value()) << why(again);
  EXPECT_EQ(again->id, first->id);
  EXPECT_EQ(again->body, first->body) << "the same reply as the creation's";
  EXPECT_EQ(rows_of(p.pool, "SELECT COUNT(*) AS n FROM declarations"), 1);
  EXPECT_EQ(rows_of(p.pool, "SELECT COUNT(*) AS n FROM declaration_history WHERE declaration_id = ?", {first->id}), 1);
  EXPECT_EQ(rows_of(p.pool, "SELECT COUNT(*) AS n FROM outbox"), 1);

  command.request_key = std::string(64, '2');
  auto twins = twice_at_once([&] { return p.wf.create(command); });
  ASSERT_TRUE(twins[0]->has_value()) << why(*twins[0]);
  ASSERT_TRUE(twins[1]->has_value()) << why(*twins[1]);
  EXPECT_EQ((*twins[0])->id, (*twins[1])->id);
  EXPECT_NE((*twins[0])->id, first->id);
  EXPECT_EQ(rows_of(p.pool, "SELECT COUNT(*) AS n FROM declarations"), 2);

  command.request_key.reset();  // without a key, as before: another declaration
  EXPECT_NE(p.wf.create(command)->id, first->id);
  EXPECT_EQ(rows_of(p.pool, "SELECT COUNT(*) AS n FROM declarations"), 3);
}

// An Idempotency-Key lives 24 hours (CONTRACT §3): after that, its request key creates anew.
TEST(Workflow, ARequestKeyOlderThanADayCreatesAnew) {
  InProcess p;
  auto command = keyed_creation(p, '3');
  auto first = p.wf.create(command);
  ASSERT_TRUE(first.has_value()) << why(first);
  workflow::Workflow tomorrow{p.pool, p.scorer, p.regions, calendar(), {std::chrono::hours(25)}, nullptr};
  auto later = tomorrow.create(command);
  ASSERT_TRUE(later.has_value()) << why(later);
  EXPECT_NE(later->id, first->id);
  EXPECT_EQ(tomorrow.create(command)->id, later->id);
}

TEST(Workflow, ARoundAndAnExpertCreatedTwiceUnderOneRequestKeyAreCreatedOnce) {
  InProcess p;
  auto round = round_creation(admin(), test::open_round_body("industry_brain"));
  round.request_key = std::string(64, '4');
  auto first = p.wf.create_round(round);
  ASSERT_TRUE(first.has_value()) << why(first);
  auto again = p.wf.create_round(round);
  ASSERT_TRUE(again.has_value()) << why(again);
  EXPECT_EQ(again->id, first->id);
  EXPECT_EQ(again->body, first->body);
  EXPECT_EQ(rows_of(p.pool, "SELECT COUNT(*) AS n FROM rounds"), 2);  // the fixture's and this one

  cmd::CreateExpert expert{admin(), "expert-idem-1", "张专家", std::nullopt, "370102", {Kind::morning_star}};
  expert.request_key = std::string(64, '5');
  auto added = p.wf.create_expert(expert);
  ASSERT_TRUE(added.has_value()) << why(added);
  auto re_added = p.wf.create_expert(expert);
  ASSERT_TRUE(re_added.has_value()) << why(re_added);
  EXPECT_EQ(re_added->body, added->body);
  expert.request_key = std::string(64, '6');  // another request for the same expert is refused
  EXPECT_EQ(refusal(p.wf.create_expert(expert)), ProblemKind::conflict);
}

// Runs `run` twice: both succeed, and the second answers the first's reply (version and body).
template <class F>
std::invoke_result_t<F> answered_twice(F run) {
  auto first = run();
  auto again = run();
  EXPECT_TRUE(again.has_value()) << why(again);
  if (first && again) {
    EXPECT_EQ(again->version, first->version);
    EXPECT_EQ(again->body, first->body) << "the same reply as the first";
  }
  return first;
}

// A change under a request key (the gateway's 503 released the Idempotency-Key while workflow made
// the change, and the client retried) answers its first reply and is done once; without the key the
// same command meets the state it made, as before.
TEST(Workflow, AChangeUnderARequestKeyAnswersItsFirstReplyAndIsDoneOnce) {
  InProcess p;
  auto d = p.create();
  const std::string id = d["id"];
  auto count = [&](const std::string& sql) { return rows_of(p.pool, sql, {id}); };
  cmd::SubmitDeclaration submit{applicant(), id, std::nullopt, std::string(64, '7')};
  auto submitted = answered_twice([&] { return p.wf.submit(submit); });
  ASSERT_TRUE(submitted.has_value()) << why(submitted);
  EXPECT_EQ(submitted->body["state"], "county_review");
  EXPECT_EQ(count("SELECT COUNT(*) AS n FROM declaration_history WHERE declaration_id = ? AND "
                  "JSON_VALUE(entry, '$.action') = 'submit'"),
            1);
  EXPECT_EQ(
      count("SELECT COUNT(*) AS n FROM outbox WHERE declaration_id = ? AND subject LIKE '%declaration.submitted'"), 1);
  submit.request_key.reset();
  EXPECT_EQ(refusal(p.wf.submit(submit)), ProblemKind::conflict);

  // A decision names its version (If-Match): the retry's stale version is answered, not refused.
  auto county = reviewer("county", "370102");
  cmd::DecideDeclaration decide{county, id,           submitted->version,  Decision::approve,
                                "同意", std::nullopt, std::string(64, '8')};
  auto decided = answered_twice([&] { return p.wf.decide(decide); });
  ASSERT_TRUE(decided.has_value()) << why(decided);
  EXPECT_EQ(decided->body["state"], "city_review");
  EXPECT_EQ(count("SELECT COUNT(*) AS n FROM declaration_history WHERE declaration_id = ?"), 3);
  const auto events = count("SELECT COUNT(*) AS n FROM outbox WHERE declaration_id = ?");
  decide.request_key.reset();
  EXPECT_EQ(refusal(p.wf.decide(decide)), ProblemKind::precondition_failed);

  // A refusal is not recorded: the key's retry runs again.
  decide.request_key = std::string(64, '9');
  EXPECT_EQ(refusal(p.wf.decide(decide)), ProblemKind::precondition_failed);
  EXPECT_EQ(rows_of(p.pool, "SELECT COUNT(*) AS n FROM command_replies WHERE request_key = ?", {*decide.request_key}),
            0);
  EXPECT_EQ(count("SELECT COUNT(*) AS n FROM outbox WHERE declaration_id = ?"), events);
}

// Twins under one request key at once: the one that waited for the other's lock answers its reply.
TEST(Workflow, TwoChangesAtOnceUnderOneRequestKeyAnswerOneReply) {
  InProcess p;
  auto d = p.create();
  cmd::SubmitDeclaration submit{applicant(), d["id"], d["version"].get<int64_t>(), std::string(64, 'b')};
  auto twins = twice_at_once([&] { return p.wf.submit(submit); });
  ASSERT_TRUE(twins[0]->has_value()) << why(*twins[0]);
  ASSERT_TRUE(twins[1]->has_value()) << why(*twins[1]);
  EXPECT_EQ((*twins[0])->body, (*twins[1])->body);
  EXPECT_EQ(rows_of(p.pool,
                    "SELECT COUNT(*) AS n FROM declaration_history WHERE declaration_id = ? AND "
                    "JSON_VALUE(entry, '$.action') = 'submit'",
                    {d["id"].get<std::string>()}),
            1);
}

TEST(Workflow, ListsPageWithCursorsAndStatsCount) {
  Stack s;
  std::set<std::string> created;
  for (int i = 0; i < 7; ++i) created.insert(s.create()["id"].get<std::string>());
  std::set<std::string> seen;
  std::optional<PageCursor> cursor;
  int pages = 0;
  do {
    cmd::ListDeclarations l;
    l.actor = applicant();
    l.limit = 3;
    l.cursor = cursor;
    auto r = s.call(l);
    ASSERT_TRUE(r.has_value()) << why(r);
    for (const auto& item : r->body["items"]) EXPECT_TRUE(seen.insert(item["id"].get<std::string>()).second);
    cursor = r->body["next_cursor"].is_null() ? std::nullopt : decode_cursor(r->body["next_cursor"].get<std::string>());
    EXPECT_TRUE(r->body["next_cursor"].is_null() || cursor) << "a cursor the platform can read back";
    ++pages;
  } while (cursor && pages < 10);
  EXPECT_EQ(seen, created);
  EXPECT_EQ(pages, 3);
  // The codec refuses what no cursor or limit can be (the gateway refused it before).
  auto actor = applicant().to_json();
  EXPECT_EQ(refusal(s.raw("workflow", "list", json{{"actor", actor}, {"query", {{"cursor", "garbage!"}}}}.dump())),
            ProblemKind::invalid);
  EXPECT_EQ(refusal(s.raw("workflow", "list", json{{"actor", actor}, {"query", {{"limit", 1000}}}}.dump())),
            ProblemKind::invalid);
  // Statistics count the submitted ones only.
  for (auto id : std::vector<std::string>(created.begin(), std::next(created.begin(), 2)))
    EXPECT_TRUE(s.call(cmd::SubmitDeclaration{applicant(), id, std::nullopt}).has_value());
  auto stats = s.stats(reviewer("city", "370100"));
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(stats->body["by_state"], (json{{"county_review", 2}})) << stats->body.dump();
  EXPECT_EQ(stats->body["by_city"]["370100"]["count"], 2);
  EXPECT_EQ(refusal(s.stats(applicant())), ProblemKind::forbidden);
  EXPECT_EQ(refusal(s.pending(applicant())), ProblemKind::forbidden) << "only reviewers have a pending queue";
  EXPECT_EQ(s.stats(reviewer("city", "370200"))->body["by_state"].size(), 0u);
}

TEST(Workflow, ARelayKilledMidBatchLosesNothing) {
  test::NatsServer nats;
  InProcess local;
  // 400 changes committed while no relay runs: their events wait in the outbox.
  for (int i = 0; i < 400; ++i) ASSERT_FALSE(local.create().is_null());
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
    auto d = local.create();
    ASSERT_FALSE(d.is_null()) << "a change must commit with NATS down";
    auto s = local.wf.submit({applicant(), d["id"], std::nullopt});
    ASSERT_TRUE(s.has_value()) << why(s);
    ids.push_back(d["id"]);
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

// A Workflow in process whose clock is at `t`.
workflow::Settings clock_at(std::chrono::system_clock::time_point t) {
  return {std::chrono::duration_cast<std::chrono::seconds>(t - std::chrono::system_clock::now())};
}

TEST(Workflow, PublicityEndsOnceEvenWithTwoInstances) {
  test::NatsServer nats;
  InProcess local;
  // Walk one declaration to publicity in process, on Monday 1 June 2026.
  const auto monday = test::beijing_2026(6, 1, 10);
  workflow::Workflow wf(local.pool, local.scorer, local.regions, calendar(), clock_at(monday), nullptr);
  auto round = wf.create_round(round_creation(admin(), test::open_round_body("morning_star", 24h, 24h * 30, monday)));
  ASSERT_TRUE(round.has_value()) << why(round);
  auto body = new_declaration();
  body["round"] = round->id;
  auto d = wf.create(creation(applicant(), body))->body;
  auto step = [&](const Result<cmd::Declaration>& r) {
    EXPECT_TRUE(r.has_value()) << why(r);
    if (r) d = r->body;
  };
  step(wf.submit({applicant(), d["id"], d["version"]}));
  step(wf.decide(decision(reviewer("county", "370102"), d, Decision::approve)));
  step(wf.decide(decision(reviewer("city", "370100"), d, Decision::approve)));
  step(wf.decide(decision(reviewer("province", "370000"), d, Decision::approve)));
  ASSERT_EQ(d["state"], "publicity");
  EXPECT_EQ(wf.end_due_publicity(), 0) << "not before its end";
  // Four instances whose clock is past the end of 公示 (5 working days: Monday 8 June) run the timer at once.
  workflow::Workflow later(local.pool, local.scorer, local.regions, calendar(),
                           clock_at(test::utc_time(d["publicity_ends_at"]) + 1s), nullptr);
  std::atomic<int> ended{0};
  std::vector<std::thread> timers;
  for (int i = 0; i < 4; ++i) timers.emplace_back([&] { ended += later.end_due_publicity(); });
  for (auto& t : timers) t.join();
  EXPECT_EQ(ended.load(), 1);
  auto h = wf.history({admin(), d["id"]});
  EXPECT_EQ(h->body["items"].size(), 6u);
  EXPECT_TRUE(h->body["chain_valid"].get<bool>());
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
      auto round = cmd::decode_reply<cmd::Round>(
          client.request(topology.command("workflow", "create_round"),
                         cmd::encode_request(round_creation(admin(), test::open_round_body("industry_brain")))),
          "workflow");
      EXPECT_TRUE(round.has_value()) << why(round);
      auto body = new_declaration("industry_brain");
      body["round"] = round ? round->id : "";
      for (int i = 0; i < 100; ++i)
        client.request(topology.command("workflow", "create"), cmd::encode_request(creation(applicant(), body)));
      std::vector<std::thread> readers;
      for (int t = 0; t < 8; ++t)
        readers.emplace_back([&] {
          nats::Connection c(client_options(nats));
          test::eventually([&] { return c.connected(); });
          cmd::ListDeclarations page;
          page.actor = applicant();
          page.limit = 100;
          for (int i = 0; i < 40; ++i) c.request(topology.command("workflow", "list"), cmd::encode_request(page));
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

// CONTRACT §6: rounds over the codec, and the window a declaration is created and first submitted in.
TEST(Workflow, RoundsAreCreatedListedReadAndPatchedByTheAdminAlone) {
  Stack s;
  auto body = test::open_round_body("morning_star");
  EXPECT_EQ(refusal(s.call(round_creation(applicant(), body))), ProblemKind::forbidden);
  EXPECT_EQ(refusal(s.call(round_creation(reviewer("province", "370000"), body))), ProblemKind::forbidden);
  auto backwards = body;
  backwards["closes_at"] = body["opens_at"];
  auto b = s.call(round_creation(admin(), backwards));
  ASSERT_EQ(refusal(b), ProblemKind::invalid);
  EXPECT_EQ(b.error().errors.at(0).pointer, "/closes_at");

  auto created = s.call(round_creation(admin(), body));
  ASSERT_TRUE(created.has_value()) << why(created);
  EXPECT_EQ(created->version, 1);
  EXPECT_EQ(created->body["state"], "open");
  EXPECT_EQ(created->body["quotas"], body["quotas"]);

  auto got = s.call(cmd::GetRound{applicant(), created->id});
  ASSERT_TRUE(got.has_value()) << why(got);
  EXPECT_EQ(got->body, created->body) << "any role reads a round";
  EXPECT_EQ(refusal(s.call(cmd::GetRound{applicant(), "00000000-0000-7000-8000-000000000000"})),
            ProblemKind::not_found);

  auto later = test::open_round_body("morning_star", -std::chrono::hours(24 * 10), std::chrono::hours(24 * 40));
  ASSERT_TRUE(s.call(round_creation(admin(), later)).has_value());
  auto open = s.call(cmd::ListRounds{reviewer("county", "370102"), Kind::morning_star, cmd::RoundState::open});
  ASSERT_TRUE(open.has_value()) << why(open);
  std::set<std::string> open_ids;
  for (const auto& r : open->body["items"]) open_ids.insert(r["id"].get<std::string>());
  EXPECT_TRUE(open_ids.contains(created->id));
  EXPECT_EQ(open_ids.size(), 2u) << "the stack's own round and this one; the scheduled one is not open";
  auto scheduled = s.call(cmd::ListRounds{applicant(), std::nullopt, cmd::RoundState::scheduled});
  ASSERT_EQ(scheduled->body["items"].size(), 1u);
  EXPECT_EQ(scheduled->body["items"][0]["state"], "scheduled");

  cmd::UpdateRound patch{admin(), created->id, 1};
  patch.title = "2026年度晨星工厂申报（延期）";
  patch.closes_at = test::rfc3339_from_now(std::chrono::hours(24 * 60));
  auto patched = s.call(patch);
  ASSERT_TRUE(patched.has_value()) << why(patched);
  EXPECT_EQ(patched->version, 2);
  EXPECT_EQ(patched->body["title"], "2026年度晨星工厂申报（延期）");
  EXPECT_EQ(patched->body["opens_at"], created->body["opens_at"]) << "only what the patch names changes";
  EXPECT_EQ(s.call(cmd::GetRound{admin(), created->id})->body["title"], "2026年度晨星工厂申报（延期）");
  EXPECT_EQ(refusal(s.call(patch)), ProblemKind::precondition_failed) << "version 1 is stale now";
  patch.actor = applicant();
  patch.expected_version = 2;
  EXPECT_EQ(refusal(s.call(patch)), ProblemKind::forbidden);
}

TEST(Workflow, DeclaringOutsideTheWindowIsAConflictAndTheKindIsTheRounds) {
  Stack s;
  auto closed = s.call(round_creation(
      admin(), test::open_round_body("morning_star", std::chrono::hours(24 * 30), -std::chrono::hours(1))));
  ASSERT_TRUE(closed.has_value()) << why(closed);
  EXPECT_EQ(closed->body["state"], "closed");
  auto body = new_declaration();
  body["round"] = closed->id;
  auto late = s.call(creation(applicant(), body));
  ASSERT_EQ(refusal(late), ProblemKind::conflict);
  EXPECT_NE(late.error().detail.zh.find("已截止"), std::string::npos) << late.error().detail.zh;

  // The kind comes from the round; another kind is invalid at /kind.
  auto wrong = new_declaration("industry_brain");
  wrong["round"] = s.rounds["morning_star"];
  auto w = s.call(creation(applicant(), wrong));
  ASSERT_EQ(refusal(w), ProblemKind::invalid);
  EXPECT_EQ(w.error().errors.at(0).pointer, "/kind");
  auto unknown = new_declaration();
  unknown["round"] = "00000000-0000-7000-8000-000000000000";
  auto u = s.call(creation(applicant(), unknown));
  ASSERT_EQ(refusal(u), ProblemKind::invalid);
  EXPECT_EQ(u.error().errors.at(0).pointer, "/round");

  // Created in the window, then the window closes: the first submission is a conflict.
  auto open = s.call(round_creation(admin(), test::open_round_body("morning_star")));
  auto kindless = new_declaration();
  kindless.erase("kind");
  kindless["round"] = open->id;
  auto d = s.create(applicant(), kindless);
  EXPECT_EQ(d["kind"], "morning_star");
  EXPECT_EQ(d["round"], open->id);
  EXPECT_EQ(d["org_name"], "济南某精密制造有限公司");
  cmd::UpdateRound shut{admin(), open->id, 1};
  shut.opens_at = test::rfc3339_from_now(-std::chrono::hours(48));
  shut.closes_at = test::rfc3339_from_now(-std::chrono::hours(1));
  ASSERT_TRUE(s.call(shut).has_value());
  EXPECT_EQ(refusal(s.submit(applicant(), d)), ProblemKind::conflict);

  // Without org_name a submission lists the gap.
  auto nameless = new_declaration();
  nameless.erase("org_name");
  auto n = s.create(applicant(), nameless);
  auto r = s.submit(applicant(), n);
  ASSERT_EQ(refusal(r), ProblemKind::invalid);
  EXPECT_EQ(r.error().errors.at(0).pointer, "/org_name");
}

// ---- city quotas (推荐名额, CONTRACT §6) ----
namespace {

// A round of 晨星工厂 with `quotas`, opened by the admin.
std::string quota_round(Stack& s, const json& quotas) {
  auto body = test::open_round_body("morning_star", std::chrono::hours(24), std::chrono::hours(24 * 30), s.at);
  body["quotas"] = quotas;
  auto r = s.call(round_creation(admin(), body));
  EXPECT_TRUE(r.has_value()) << why(r);
  return r ? r->id : "";
}

// A declaration of 历下区 in `round`, submitted and approved by the county: awaiting 济南's recommendation.
json at_city(Stack& s, const std::string& round) {
  auto body = new_declaration();
  body["round"] = round;
  auto d = s.submit(applicant(), s.create(applicant(), body));
  EXPECT_TRUE(d.has_value()) << why(d);
  auto c = s.decide(reviewer("county", "370102"), d->body, "approve", "同意");
  EXPECT_TRUE(c.has_value()) << why(c);
  return c ? c->body : json();
}

Result<cmd::Document> ranking(Stack& s, const std::string& round, const Actor& actor) {
  return s.call(cmd::GetRecommendations{actor, round, "370100"});
}

std::vector<std::string> ranked_ids(Stack& s, const std::string& round) {
  std::vector<std::string> out;
  auto r = ranking(s, round, reviewer("province", "370000"));
  EXPECT_TRUE(r.has_value()) << why(r);
  if (!r) return out;
  int rank = 0;
  for (const auto& item : r->body["items"]) {
    EXPECT_EQ(item["recommendation_rank"], ++rank) << "ranks 1…n without a gap";
    out.push_back(item["id"]);
  }
  return out;
}

}  // namespace

TEST(Workflow, TwoCityApprovalsOfTheLastPlaceHaveExactlyOneWinner) {
  Stack s;
  for (int attempt = 0; attempt < 12; ++attempt) {
    const auto round = quota_round(s, {{"370100", 2}});
    ASSERT_TRUE(s.decide(reviewer("city", "370100"), at_city(s, round), "approve", "推荐").has_value());
    const std::vector<json> racing{at_city(s, round), at_city(s, round)};  // one place left, two approvals
    std::vector<std::optional<Result<cmd::Declaration>>> outcomes(2);
    std::latch start(2);
    std::vector<std::thread> racers;
    for (int i = 0; i < 2; ++i)
      racers.emplace_back([&, i] {
        nats::Connection c(client_options(s.nats));
        test::eventually([&] { return c.connected(); });
        auto command = decision(reviewer("city", "370100"), racing[i], Decision::approve, "推荐");
        start.arrive_and_wait();
        outcomes[i] = cmd::call(
            s.topology, [&](const std::string& subject, const std::string& b) { return c.request(subject, b); },
            command);
      });
    for (auto& t : racers) t.join();
    int winners = 0;
    for (const auto& o : outcomes) {
      ASSERT_TRUE(o.has_value());
      if (o->has_value()) {
        ++winners;
        EXPECT_EQ((*o)->body["state"], "province_review");
        EXPECT_EQ((*o)->body["recommendation_rank"], 2);
      } else {
        EXPECT_EQ(o->error().kind, ProblemKind::rule) << why(*o);
        EXPECT_EQ(o->error().detail.en, "quota exhausted: 2 of 2 used");
      }
    }
    EXPECT_EQ(winners, 1) << "attempt " << attempt;
    auto got = s.call(cmd::GetRound{admin(), round});
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->body["counts"]["cities"]["370100"], (json{{"recommended", 2}, {"quota", 2}}));
  }
}

TEST(Workflow, AFreedPlaceIsRecommendedAgainAndTheRanksCloseTheGap) {
  Stack s(test::beijing_2026(6, 1, 10));  // Monday 1 June 2026, 10:00 in Beijing
  const auto round = quota_round(s, {{"370100", 2}, {"370200", 5}});
  const auto city = reviewer("city", "370100");
  const auto province = reviewer("province", "370000");
  auto a = s.decide(city, at_city(s, round), "approve", "推荐")->body;
  auto b = s.decide(city, at_city(s, round), "approve", "推荐")->body;
  auto c = at_city(s, round);
  EXPECT_EQ(a["recommendation_rank"], 1);
  EXPECT_EQ(b["recommendation_rank"], 2);
  auto full = s.decide(city, c, "approve", "推荐");
  ASSERT_FALSE(full.has_value());
  EXPECT_EQ(full.error().kind, ProblemKind::rule);
  EXPECT_EQ(full.error().detail.zh, "推荐名额已用完：已用 2 个，共 2 个");

  // The province returns the first: its place is free, the second moves up, the third takes the place.
  a = s.decide(province, a, "return", "请补充佐证材料")->body;
  EXPECT_TRUE(a["recommendation_rank"].is_null());
  EXPECT_EQ(s.get(province, b)->body["recommendation_rank"], 1);
  c = s.decide(city, c, "approve", "推荐")->body;
  EXPECT_EQ(c["recommendation_rank"], 2);
  EXPECT_TRUE(s.get(applicant(), c)->body["recommendation_rank"].is_null()) << "the ranking is the reviewers'";

  // Back to the province after its return needs a place again; the quota cannot drop below its use.
  auto resubmitted = s.submit(applicant(), s.get(applicant(), a)->body);
  ASSERT_FALSE(resubmitted.has_value());
  EXPECT_EQ(resubmitted.error().detail.en, "quota exhausted: 2 of 2 used");
  auto r = s.call(cmd::GetRound{admin(), round});
  cmd::UpdateRound patch;
  patch.actor = admin();
  patch.id = round;
  patch.expected_version = r->version;
  patch.quotas = std::map<std::string, int>{{"370100", 1}, {"370200", 5}};
  auto lowered = s.call(patch);
  ASSERT_FALSE(lowered.has_value());
  EXPECT_EQ(lowered.error().kind, ProblemKind::rule);
  EXPECT_EQ(lowered.error().errors.at(0).pointer, "/quotas/370100");
  EXPECT_EQ(lowered.error().errors.at(0).message, "370100 has already used 2 places; its quota cannot be 1");
  patch.quotas = std::map<std::string, int>{{"370100", 3}, {"370200", 5}};
  ASSERT_TRUE(s.call(patch).has_value());
  resubmitted = s.submit(applicant(), s.get(applicant(), a)->body);
  ASSERT_TRUE(resubmitted.has_value()) << why(resubmitted);
  EXPECT_EQ(resubmitted->body["state"], "province_review");
  EXPECT_EQ(ranked_ids(s, round), (std::vector<std::string>{b["id"], c["id"], a["id"]}));

  // The city ranks exactly its recommendations.
  const std::vector<std::string> order{a["id"], c["id"], b["id"]};
  auto ranked = s.call(cmd::RankRecommendations{city, round, "370100", order});
  ASSERT_TRUE(ranked.has_value()) << why(ranked);
  EXPECT_EQ(ranked->body["used"], 3);
  EXPECT_EQ(ranked->body["quota"], 3);
  EXPECT_EQ(ranked_ids(s, round), order);
  auto partial = s.call(cmd::RankRecommendations{city, round, "370100", {a["id"], c["id"]}});
  ASSERT_FALSE(partial.has_value());
  EXPECT_EQ(partial.error().kind, ProblemKind::rule);
  EXPECT_EQ(partial.error().errors.at(0).pointer, "/ids");
  EXPECT_EQ(refusal(s.call(cmd::RankRecommendations{province, round, "370100", order})), ProblemKind::forbidden);
  EXPECT_EQ(refusal(s.call(cmd::RankRecommendations{reviewer("city", "370200"), round, "370100", order})),
            ProblemKind::not_found);
  EXPECT_EQ(refusal(ranking(s, round, reviewer("city", "370200"))), ProblemKind::not_found);
  EXPECT_EQ(refusal(ranking(s, round, reviewer("county", "370102"))), ProblemKind::forbidden);
  EXPECT_EQ(refusal(ranking(s, round, applicant())), ProblemKind::forbidden);

  // A rejection frees a place too and closes the gap.
  ASSERT_TRUE(s.decide(province, s.get(province, c)->body, "reject", "不符合条件").has_value());
  EXPECT_EQ(ranked_ids(s, round), (std::vector<std::string>{a["id"], b["id"]}));

  // The round's counts and its statistics.
  auto counts = s.call(cmd::GetRound{applicant(), round})->body["counts"];
  EXPECT_EQ(counts["declared"], 3);
  EXPECT_EQ(counts["submitted"], 3);
  EXPECT_EQ(counts["cities"]["370100"], (json{{"recommended", 2}, {"quota", 3}}));
  EXPECT_EQ(counts["cities"]["370200"], (json{{"recommended", 0}, {"quota", 5}}));
  auto stats = s.call(cmd::Statistics{reviewer("city", "370100"), round});
  ASSERT_TRUE(stats.has_value()) << why(stats);
  const auto& fig = stats->body["round"];
  EXPECT_EQ(fig["declared"], 3);
  EXPECT_EQ(fig["submitted"], 3);
  EXPECT_EQ(fig["at_tier"], (json{{"county_review", 0}, {"city_review", 0}, {"province_review", 2}}));
  EXPECT_EQ(fig["recommended"]["370100"]["recommended"], 2);
  EXPECT_EQ(fig["recommended"]["370100"]["quota"], 3);
  EXPECT_FALSE(fig["recommended"].contains("370200")) << "another city's quota is not 济南's business";
  EXPECT_EQ(stats->body["by_state"]["rejected"], 1);
  EXPECT_EQ(refusal(s.call(cmd::Statistics{admin(), "0190a0b0-0000-7000-8000-00000000dead"})), ProblemKind::not_found);

  // Approved after publicity: valid for the round's three years, and listed as expiring before then.
  auto in_publicity = s.decide(province, s.get(province, a)->body, "approve", "同意公示");
  ASSERT_TRUE(in_publicity.has_value()) << why(in_publicity);
  // 公示 of five working days from Monday 1 June ends with Monday 8 June in Beijing; the timer ends it
  // once workflow's clock has passed that, on 9 June, the day the rating's three years start.
  EXPECT_EQ(in_publicity->body["publicity_ends_at"], "2026-06-08T16:00:00.000Z");
  s.move_clock_to(test::utc_time(in_publicity->body["publicity_ends_at"]) + 1min);
  ASSERT_TRUE(test::eventually([&] { return s.get(applicant(), a)->body["state"] == "approved"; }, 15s));
  const auto until = s.get(province, a)->body["valid_until"];
  ASSERT_TRUE(until.is_string()) << until;
  EXPECT_EQ(until, "2029-06-09");
  EXPECT_EQ(s.get(province, a)->body["recommendation_rank"], 1) << "an approved rating keeps its place";
  EXPECT_EQ(s.call(cmd::Statistics{admin(), round})->body["round"]["approved_by_level"], (json{{"5", 1}}));
  auto expiring = [&](const std::string& before) {
    cmd::ListDeclarations l;
    l.actor = reviewer("province", "370000");
    l.valid_until_before = before;
    std::vector<std::string> ids;
    const auto listed = s.call(l);  // named: iterating a member of a temporary would dangle
    EXPECT_TRUE(listed.has_value()) << why(listed);
    if (listed)
      for (const auto& item : listed->body["items"]) ids.push_back(item["id"]);
    return ids;
  };
  EXPECT_EQ(expiring("2100-01-01"), (std::vector<std::string>{a["id"]}));
  EXPECT_TRUE(expiring(until.get<std::string>()).empty()) << "valid through that day";
}

TEST(Workflow, TheMigrationToQuotasRanksTheRecommendationsMadeBeforeAndDatesTheApprovedOnes) {
  // A database at migration 0005, with a round and declarations as the workflow wrote them then.
  test::TestDatabase database("wf_quotas");
  db::Pool pool(database.options(2));
  const auto all = std::filesystem::path(build_info::kSchemasDir) / "sql" / "workflow";
  const auto before = test::temp_dir("wf-migrations-0005");
  for (const auto& entry : std::filesystem::directory_iterator(all))
    if (entry.path().filename().string() <= "0005_rounds.sql")
      std::filesystem::copy_file(entry.path(), before / entry.path().filename());
  db::migrate(pool, before);
  const std::string round = "00000000-0000-7000-8000-0000000000aa";
  auto c = pool.acquire();
  c->execute(
      "INSERT INTO rounds VALUES (?, 'morning_star', 2026, '2026年度晨星工厂申报', '2026-01-01 00:00:00', "
      "'2027-01-01 00:00:00', '{\"county\": 5, \"city\": 10, \"province\": 15}', '{\"370100\": 5}', 5, 3, 1, "
      "UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))",
      {round});
  auto insert = [&](const std::string& id, const std::string& state, const std::string& updated_at) {
    c->execute(
        "INSERT INTO declarations (id, number, kind, round_id, org, region, city, title, contact, payload, state, "
        "version, created_by, created_at, updated_at, submitted_version) VALUES (?, ?, 'morning_star', ?, ?, "
        "'370102', '370100', 't', '{}', '{}', ?, 3, 'u', '2026-03-01 00:00:00', ?, 1)",
        {id, "MSF-2026-370102-" + id.substr(30), round, kOrg, state, updated_at});
  };
  const std::string later = "00000000-0000-7000-8000-000000000001", approved = "00000000-0000-7000-8000-000000000002",
                    at_city = "00000000-0000-7000-8000-000000000003";
  insert(later, "province_review", "2026-05-02 00:00:00");
  insert(approved, "approved", "2026-12-31 17:00:00");  // 2027-01-01 01:00 in Beijing
  insert(at_city, "city_review", "2026-04-01 00:00:00");
  db::migrate(pool, all);
  auto rank_and_validity = [&](const std::string& id) {
    auto r = c->query("SELECT recommendation_rank, valid_until FROM declarations WHERE id = ?", {id});
    r.next();
    return json{{"rank", r.is_null("recommendation_rank") ? json() : json(r.i64("recommendation_rank"))},
                {"valid_until", r.is_null("valid_until") ? json() : json(r.str("valid_until"))}};
  };
  EXPECT_EQ(rank_and_validity(later), (json{{"rank", 1}, {"valid_until", nullptr}}));
  EXPECT_EQ(rank_and_validity(approved), (json{{"rank", 2}, {"valid_until", "2030-01-01"}}));
  EXPECT_EQ(rank_and_validity(at_city), (json{{"rank", nullptr}, {"valid_until", nullptr}}));
}

// CONTRACT §6: deadline reminders are timers in the rows, so they survive restarts and fire once.
namespace {
std::vector<std::string> reminders_in(EventLog& log, const std::string& id) {
  std::vector<std::string> out;
  for (const auto& e : log.of(id))
    if (e["type"] == "declaration.reminder") out.push_back(e["data"]["reminder"].get<std::string>());
  return out;
}
}  // namespace

TEST(Workflow, AReminderFallingDueWhileWorkflowIsStoppedIsSentOnceAfterTheRestart) {
  // Submitted at 10:00 on Monday 28 September 2026: the county's 5 working days end with the make-up
  // Saturday 10 October (1-7 October are the National Day holidays).
  Stack s(test::beijing_2026(9, 28, 10));
  EventLog log(s.client);
  auto d = s.submit(applicant(), s.create())->body;
  ASSERT_EQ(d["due_at"], "2026-10-10T16:00:00.000Z");
  std::this_thread::sleep_for(500ms);  // a few passes of the timer: nothing is due yet
  EXPECT_TRUE(reminders_in(log, d["id"]).empty());

  // The due-soon point (00:00 on 10 October) passes while workflow is down; it is sent after the restart.
  s.move_clock_to(test::beijing_2026(10, 10, 9));
  ASSERT_TRUE(test::eventually([&] { return !reminders_in(log, d["id"]).empty(); }, 15s));
  s.move_clock_to(test::beijing_2026(10, 10, 9, 30));  // restarted again before the due date
  std::this_thread::sleep_for(700ms);
  EXPECT_EQ(reminders_in(log, d["id"]), std::vector<std::string>{"due_soon"}) << "sent once across restarts";

  s.move_clock_to(test::beijing_2026(10, 12, 9));
  ASSERT_TRUE(test::eventually([&] { return reminders_in(log, d["id"]).size() == 2; }, 15s));
  s.move_clock_to(test::beijing_2026(10, 13, 9));
  std::this_thread::sleep_for(700ms);
  EXPECT_EQ(reminders_in(log, d["id"]), (std::vector<std::string>{"due_soon", "overdue"}));
  for (const auto& e : log.of(d["id"]))
    if (e["type"] == "declaration.reminder") {
      EXPECT_EQ(e["data"]["tier"], "county");
      EXPECT_EQ(e["data"]["due_at"], "2026-10-10T16:00:00.000Z");
      EXPECT_EQ(e["version"], d["version"]) << "a reminder is not a step of the declaration";
    }
  auto h = s.history(applicant(), d);
  EXPECT_EQ(h->body["items"].size(), 2u) << "create and submit; reminders are not in the history";
}

TEST(Workflow, TwoInstancesRunningTheReminderTimerSendEachReminderOnce) {
  InProcess local;
  const auto monday = test::beijing_2026(9, 28, 10);
  workflow::Workflow wf(local.pool, local.scorer, local.regions, calendar(), clock_at(monday), nullptr);
  auto round = wf.create_round(round_creation(admin(), test::open_round_body("morning_star", 24h, 24h * 30, monday)));
  ASSERT_TRUE(round.has_value()) << why(round);
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    auto body = new_declaration();
    body["round"] = round->id;
    auto d = wf.create(creation(applicant(), body))->body;
    auto submitted = wf.submit({applicant(), d["id"], d["version"]});
    ASSERT_TRUE(submitted.has_value()) << why(submitted);
    ids.push_back(d["id"]);
  }
  // One declaration from before deadlines (migration 0006 left its due date open): the timer computes it.
  {
    auto c = local.pool.acquire();
    c->execute("UPDATE declarations SET due_at = NULL, next_reminder_at = NULL WHERE id = ?", {ids.back()});
  }
  EXPECT_EQ(wf.fix_open_deadlines(), 1);
  EXPECT_EQ(wf.fix_open_deadlines(), 0);
  EXPECT_EQ(wf.send_due_reminders(), 0) << "nothing due on the day of arrival";

  auto race = [&](std::chrono::system_clock::time_point t) {
    workflow::Workflow a(local.pool, local.scorer, local.regions, calendar(), clock_at(t), nullptr);
    workflow::Workflow b(local.pool, local.scorer, local.regions, calendar(), clock_at(t), nullptr);
    std::atomic<int> sent{0};
    std::vector<std::thread> timers;
    for (auto* w : {&a, &b, &a, &b})
      timers.emplace_back([&sent, w] {
        for (int pass = 0; pass < 3; ++pass) sent += w->send_due_reminders();
      });
    for (auto& t : timers) t.join();
    return sent.load();
  };
  EXPECT_EQ(race(test::beijing_2026(10, 10, 9)), 20) << "each due-soon reminder once";
  EXPECT_EQ(race(test::beijing_2026(10, 10, 12)), 0);
  EXPECT_EQ(race(test::beijing_2026(10, 11, 9)), 20) << "each overdue reminder once";
  EXPECT_EQ(race(test::beijing_2026(10, 20, 9)), 0);

  std::map<std::string, std::vector<std::string>> stages;
  auto c = local.pool.acquire();
  for (auto r = c->query("SELECT declaration_id, body FROM outbox ORDER BY id"); r.next();) {
    auto e = json::parse(r.str("body"));
    if (e["type"] == "declaration.reminder") stages[r.str("declaration_id")].push_back(e["data"]["reminder"]);
  }
  ASSERT_EQ(stages.size(), 20u);
  for (const auto& id : ids) EXPECT_EQ(stages[id], (std::vector<std::string>{"due_soon", "overdue"})) << id;
}
