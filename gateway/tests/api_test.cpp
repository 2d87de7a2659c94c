// The route table without a network: each route's request becomes the right typed command (actor
// from the token, id, If-Match, query, body), input is refused at the edge before any call, and
// each problem a service answers becomes its status and problem+json in the asked language.
#include <gtest/gtest.h>

#include "api.hpp"
#include "sdp/build_info.hpp"
#include "sdp/error.hpp"
#include "tokens.hpp"

using namespace sdp;
using namespace sdp::gateway;
using nlohmann::json;
using test::TokenMinter;

namespace {

const std::string kOrg = "91370102MA3C00000B";
const std::string kId = "0190f5a2-0000-7000-8000-000000000001";
const std::string kSchemas = build_info::kSchemasDir;

json create_body() {
  return {{"kind", "morning_star"},
          {"round", "0190a0b0-0000-7000-8000-0000000000aa"},
          {"org_name", "济南某公司"},
          {"region", "370102"},
          {"title", "济南某公司晨星工厂申报"},
          {"contact", {{"name", "李工"}, {"phone", "13800000000"}, {"email", "li@example.cn"}}},
          {"payload", {{"claimed_level", 2}}}};
}

cmd::Declaration declaration(int64_t version) {
  return {kId, version, {{"id", kId}, {"version", version}, {"state", "draft"}}};
}

const TokenMinter& minter() {  // keys are slow to make: one pair for every test
  static TokenMinter m;
  return m;
}

class ApiTest : public ::testing::Test {
 protected:
  KeySet keys = KeySet::from_pem_files({minter().rsa_public_pem()});
  RegionCatalog regions = RegionCatalog::from_file(kSchemas + "/regions/shandong.json");
  nats::Topology topology = nats::Topology::from_file(kSchemas + "/nats/topology.json");
  ApiSchemas schemas = ApiSchemas::load(kSchemas);
  CatalogDocuments catalogs;
  std::vector<std::string> subjects;  // every command sent, in order
  std::function<std::string(const std::string& body)> service = [](const std::string&) -> std::string {
    throw Error(ErrorSource::nats, "no service in this test", 0, true);
  };
  Api api{deps()};

  ApiDeps deps() {
    JwtPolicy policy{minter().issuer, minter().audience, std::chrono::seconds(30)};
    auto send = [this](const std::string& subject, const std::string& body) {
      subjects.push_back(subject);
      return service(body);
    };
    auto now = [] {
      return static_cast<int64_t>(
          std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
              .count());
    };
    return {keys, std::move(policy), regions, topology, schemas, catalogs, "{}", send, now};
  }

  Actor applicant() const { return {"u-91370102", Role::applicant, kOrg, std::nullopt, ""}; }
  Actor county() const { return {"county-370102", Role::reviewer, "", Tier::county, "370102"}; }
  Actor city() const { return {"city-370100", Role::reviewer, "", Tier::city, "370100"}; }
  std::string token(const Actor& a) const {
    json claims = a.role == Role::applicant ? TokenMinter::applicant(a.org)
                  : a.role == Role::admin   ? TokenMinter::admin()
                                            : TokenMinter::reviewer(std::string(name(*a.tier)), a.region);
    return minter().token(claims);
  }

  // The service answers command C with `handler`, as a real one would: the common codec both ways.
  template <class C, class Handler>
  void answer(Handler handler) {
    service = [handler](const std::string& body) { return cmd::answer<C>(body, handler); };
  }
  // The command of type C the gateway sent for a request, answered with `reply`.
  template <class C>
  std::optional<C> sent(const http::Request& request, typename C::Reply reply, http::Response* response = nullptr) {
    std::optional<C> got;
    answer<C>([&](const C& c) -> Result<typename C::Reply> {
      got = c;
      return reply;
    });
    auto r = api.handle(request);
    service = [](const std::string&) -> std::string { throw Error(ErrorSource::nats, "answered once", 0, true); };
    if (response) *response = r;
    EXPECT_EQ(subjects.size(), 1u) << r.body;
    if (!subjects.empty()) {
      EXPECT_EQ(subjects.back(), topology.command(std::string(C::service), std::string(C::verb)));
    }
    return got;
  }

  http::Request request(std::string method, std::string target, const std::string& bearer = "",
                        std::optional<json> body = std::nullopt, std::map<std::string, std::string> headers = {}) {
    http::Request r{std::move(method), std::move(target), {}, body ? body->dump() : "", "127.0.0.1"};
    if (!bearer.empty()) r.headers["Authorization"] = "Bearer " + bearer;
    if (body) r.headers["Content-Type"] = "application/json";
    for (auto& [k, v] : headers) r.headers[k] = v;
    return r;
  }
};

json body_of(const http::Response& r) { return json::parse(r.body); }

bool has_chinese(const std::string& text) {  // U+4E00..U+9FFF: E4 B8 80 .. E9 BF BF in UTF-8
  return std::ranges::any_of(text, [](char c) { return static_cast<unsigned char>(c) >= 0xE4; });
}

std::set<std::string> pointers(const http::Response& r) {
  std::set<std::string> out;
  for (const auto& e : body_of(r).value("errors", json::array())) out.insert(e["pointer"].get<std::string>());
  return out;
}

}  // namespace

TEST_F(ApiTest, CreateSendsTheCallerAndTheBodyAndAnswers201WithLocationAndETag) {
  http::Response r;
  auto c = sent<cmd::CreateDeclaration>(request("POST", "/v1/declarations", token(applicant()), create_body()),
                                        declaration(1), &r);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->actor, applicant());
  EXPECT_EQ(c->kind, Kind::morning_star);
  EXPECT_EQ(c->region, "370102");
  EXPECT_EQ(c->round, "0190a0b0-0000-7000-8000-0000000000aa");
  EXPECT_EQ(c->org_name, "济南某公司");
  EXPECT_EQ(c->title, "济南某公司晨星工厂申报");
  EXPECT_EQ(c->contact, (cmd::Contact{"李工", "13800000000", "li@example.cn"}));
  EXPECT_EQ(c->payload, (json{{"claimed_level", 2}}));
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.headers["Location"], "/v1/declarations/" + kId);
  EXPECT_EQ(r.headers["ETag"], "\"1\"");
  EXPECT_EQ(body_of(r)["id"], kId);
}

TEST_F(ApiTest, UpdateAndDecisionCarryTheIdTheVersionOfIfMatchAndTheBody) {
  auto update = create_body();
  update.erase("kind");
  update.erase("region");
  update.erase("round");
  update["contact"].erase("email");
  http::Response r;
  auto u = sent<cmd::UpdateDeclaration>(
      request("PUT", "/v1/declarations/" + kId, token(applicant()), update, {{"If-Match", "W/\"3\""}}), declaration(4),
      &r);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->actor, applicant());
  EXPECT_EQ(u->id, kId);
  EXPECT_EQ(u->expected_version, 3);
  EXPECT_EQ(u->contact, (cmd::Contact{"李工", "13800000000", std::nullopt}));
  EXPECT_EQ(u->payload, (json{{"claimed_level", 2}}));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["ETag"], "\"4\"");
  EXPECT_EQ(r.headers.count("Location"), 0u);

  subjects.clear();
  json decision = {{"decision", "return"}, {"comment", "请补充材料"}, {"verified", {{"criteria", {{"MS01", false}}}}}};
  auto d = sent<cmd::DecideDeclaration>(
      request("POST", "/v1/declarations/" + kId + "/decisions", token(county()), decision, {{"If-Match", "\"4\""}}),
      declaration(5));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->actor, county());
  EXPECT_EQ(d->expected_version, 4);
  EXPECT_EQ(d->decision, Decision::return_);
  EXPECT_EQ(d->comment, "请补充材料");
  EXPECT_EQ(d->verified, (json{{"criteria", {{"MS01", false}}}}));
}

TEST_F(ApiTest, SubmitAndWithdrawTakeAnOptionalIfMatchAndAnOptionalJsonBody) {
  auto s = sent<cmd::SubmitDeclaration>(request("POST", "/v1/declarations/" + kId + "/submit", token(applicant())),
                                        declaration(2));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->id, kId);
  EXPECT_EQ(s->expected_version, std::nullopt);
  subjects.clear();
  auto w = sent<cmd::WithdrawDeclaration>(
      request("POST", "/v1/declarations/" + kId + "/withdraw", token(applicant()), json::object(), {{"If-Match", "2"}}),
      declaration(3));
  ASSERT_TRUE(w);
  EXPECT_EQ(w->expected_version, 2);
  // A body that is sent must be JSON.
  subjects.clear();
  auto bad = request("POST", "/v1/declarations/" + kId + "/submit", token(applicant()), json::object());
  bad.body = "{not json";
  auto r = api.handle(bad);
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(subjects.empty());
}

TEST_F(ApiTest, ReadsOfOneDeclarationCarryTheCallerAndTheId) {
  http::Response r;
  auto g = sent<cmd::GetDeclaration>(request("GET", "/v1/declarations/" + kId, token(county())),
                                     cmd::serialized(declaration(7)), &r);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->actor, county());
  EXPECT_EQ(g->id, kId);
  EXPECT_EQ(r.headers["ETag"], "\"7\"") << "the version came beside the bytes, which are passed through";
  EXPECT_EQ(body_of(r), declaration(7).body);
  subjects.clear();
  auto h = sent<cmd::DeclarationHistory>(request("GET", "/v1/declarations/" + kId + "/history", token(applicant())),
                                         cmd::Document{{{"items", json::array()}}}, &r);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->id, kId);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.count("ETag"), 0u);  // a document, not a declaration
  EXPECT_EQ(body_of(r), (json{{"items", json::array()}}));
}

TEST_F(ApiTest, ListsCarryTheirQueryDecoded) {
  const PageCursor cursor{"2026-11-26 09:30:00.123456", kId};
  auto l = sent<cmd::ListDeclarations>(
      request("GET", "/v1/declarations?state=returned&kind=industry_brain&limit=5&cursor=" + encode_cursor(cursor),
              token(applicant())),
      cmd::Document{{{"items", json::array()}, {"next_cursor", nullptr}}});
  ASSERT_TRUE(l);
  EXPECT_EQ(l->actor, applicant());
  EXPECT_EQ(l->state, State::returned);
  EXPECT_EQ(l->kind, Kind::industry_brain);
  EXPECT_EQ(l->limit, 5);
  EXPECT_EQ(l->cursor, cursor);

  subjects.clear();
  auto p = sent<cmd::PendingReviews>(request("GET", "/v1/reviews/pending?region=370102", token(county())),
                                     cmd::serialized(cmd::Document{{{"items", json::array()}}}));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->actor, county());
  EXPECT_EQ(p->county, "370102");
  EXPECT_EQ(p->kind, std::nullopt);
  EXPECT_EQ(p->limit, cmd::kDefaultPageSize);
  EXPECT_EQ(p->cursor, std::nullopt);
  EXPECT_EQ(p->sort, cmd::QueueSort::arrived_at);

  subjects.clear();
  const PageCursor due{"2026-10-09 16:00:00.000000", "0190f5a2-0000-7000-8000-000000000001", "due_at"};
  p = sent<cmd::PendingReviews>(
      request("GET",
              "/v1/reviews/pending?q=%20%20MSF-2026%E3%80%80&round=0190f5a2-0000-7000-8000-000000000001&county=370102"
              "&overdue=true&sort=due_at&kind=morning_star&cursor=" +
                  encode_cursor(due),
              token(city())),
      cmd::serialized(cmd::Document{{{"items", json::array()}}}));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->q, "msf-2026") << "trimmed (an ideographic space too) and lower-cased at the edge";
  EXPECT_EQ(p->round, "0190f5a2-0000-7000-8000-000000000001");
  EXPECT_EQ(p->county, "370102");
  EXPECT_TRUE(p->overdue);
  EXPECT_EQ(p->sort, cmd::QueueSort::due_at);
  EXPECT_EQ(p->kind, Kind::morning_star);
  EXPECT_EQ(p->cursor, due);

  subjects.clear();
  p = sent<cmd::PendingReviews>(request("GET", "/v1/reviews/pending?q=+&overdue=false", token(city())),
                                cmd::serialized(cmd::Document{{{"items", json::array()}}}));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->q, std::nullopt) << "a search of spaces is no search";
  EXPECT_FALSE(p->overdue);

  subjects.clear();
  auto i = sent<cmd::Inbox>(request("GET", "/v1/notifications?limit=100", token(applicant())),
                            cmd::Document{{{"items", json::array()}}});
  ASSERT_TRUE(i);
  EXPECT_EQ(i->limit, 100);
}

TEST_F(ApiTest, NotifyScoringAndStatisticsRoutesBuildTheirCommands) {
  auto m = sent<cmd::MarkRead>(request("POST", "/v1/notifications/" + kId + "/read", token(applicant())),
                               cmd::Document{{{"id", kId}, {"read", true}}});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->id, kId);
  EXPECT_EQ(m->actor, applicant());
  subjects.clear();
  EXPECT_TRUE(sent<cmd::GetWebhook>(request("GET", "/v1/webhook", token(applicant())), cmd::Document{json::object()}));
  subjects.clear();
  auto w = sent<cmd::SetWebhook>(request("PUT", "/v1/webhook", token(applicant()),
                                         json{{"url", "https://example.cn/hook"}, {"secret", "0123456789abcdef"}}),
                                 cmd::Document{json::object()});
  ASSERT_TRUE(w);
  EXPECT_EQ(w->url, "https://example.cn/hook");
  EXPECT_EQ(w->secret, "0123456789abcdef");
  subjects.clear();
  auto s = sent<cmd::Statistics>(request("GET", "/v1/stats", token(county())), cmd::Document{json::object()});
  ASSERT_TRUE(s);
  EXPECT_EQ(s->actor, county());
  subjects.clear();
  http::Response r;
  auto p = sent<cmd::PreviewScore>(request("POST", "/v1/scoring/preview", token(applicant()),
                                           json{{"kind", "industry_brain"}, {"payload", {{"cluster_name", "集群"}}}}),
                                   cmd::Document{{{"total", 12.5}}}, &r);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->kind, Kind::industry_brain);
  EXPECT_EQ(p->payload, (json{{"cluster_name", "集群"}}));
  EXPECT_EQ(p->verified, std::nullopt);
  EXPECT_EQ(body_of(r), (json{{"total", 12.5}}));
}

// The one mapping of CONTRACT §3, and each problem's words in the language asked for.
TEST_F(ApiTest, EachProblemKindIsItsStatusWithLocalizedWords) {
  const std::vector<std::tuple<ProblemKind, int, std::string>> kinds = {
      {ProblemKind::invalid, 400, "/problems/validation"},
      {ProblemKind::unauthenticated, 401, "/problems/unauthorized"},
      {ProblemKind::forbidden, 403, "/problems/forbidden"},
      {ProblemKind::not_found, 404, "/problems/not-found"},
      {ProblemKind::conflict, 409, "/problems/conflict"},
      {ProblemKind::precondition_failed, 412, "/problems/precondition-failed"},
      {ProblemKind::rule, 422, "/problems/rule-violation"},
      {ProblemKind::precondition_required, 428, "/problems/precondition-required"},
      {ProblemKind::unavailable, 503, "/problems/unavailable"},
  };
  for (const auto& [kind, status, type] : kinds) {
    SCOPED_TRACE(std::string(name(kind)));
    EXPECT_EQ(http_status(kind), status);
    answer<cmd::Statistics>([kind](const cmd::Statistics&) -> Result<cmd::Document> {
      return refuse({kind, {"Refused", "被拒绝"}, {"because", "原因"}, {{"/x", "wrong", "有误"}}});
    });
    auto en = api.handle(request("GET", "/v1/stats", token(county())));
    EXPECT_EQ(en.status, status);
    EXPECT_EQ(en.headers["Content-Type"], "application/problem+json");
    EXPECT_EQ(body_of(en), (json{{"type", type},
                                 {"status", status},
                                 {"title", "Refused"},
                                 {"detail", "because"},
                                 {"errors", {{{"pointer", "/x"}, {"message", "wrong"}}}}}));
    auto zh = request("GET", "/v1/stats", token(county()));
    zh.headers["Accept-Language"] = "zh-CN,zh;q=0.9";
    EXPECT_EQ(body_of(api.handle(zh)), (json{{"type", type},
                                             {"status", status},
                                             {"title", "被拒绝"},
                                             {"detail", "原因"},
                                             {"errors", {{{"pointer", "/x"}, {"message", "有误"}}}}}));
    EXPECT_EQ(en.headers.count("Retry-After"), status == 503 ? 1u : 0u);
  }
}

TEST_F(ApiTest, AServiceThatDoesNotAnswerIs503WithRetryAfter) {
  auto r = api.handle(request("POST", "/v1/declarations", token(applicant()), create_body()));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.headers["Retry-After"], "1");
  EXPECT_EQ(body_of(r)["type"], "/problems/unavailable");
  EXPECT_NE(body_of(r)["detail"].get<std::string>().find("workflow"), std::string::npos) << r.body;
  // A reply that is not one the codec reads is the same: nothing known was done.
  service = [](const std::string&) { return std::string("{\"status\":200}"); };
  EXPECT_EQ(api.handle(request("GET", "/v1/stats", token(county()))).status, 503);
}

TEST_F(ApiTest, ARequiredIfMatchMissingIs428BeforeAnyCall) {
  auto update = create_body();
  update.erase("kind");
  update.erase("region");
  update.erase("round");
  auto r = api.handle(request("PUT", "/v1/declarations/" + kId, token(applicant()), update));
  EXPECT_EQ(r.status, 428);
  EXPECT_EQ(body_of(r)["title"], "If-Match required");
  r = api.handle(
      request("POST", "/v1/declarations/" + kId + "/decisions", token(county()), json{{"decision", "approve"}}));
  EXPECT_EQ(r.status, 428);
  r = api.handle(request("PUT", "/v1/declarations/" + kId, token(applicant()), update, {{"If-Match", "yesterday"}}));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(pointers(r), std::set<std::string>{"/headers/If-Match"});
  EXPECT_TRUE(subjects.empty());
}

TEST_F(ApiTest, BadQueriesAreRefusedAtTheirPointerBeforeAnyCall) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/v1/declarations?cursor=AAAA", "/query/cursor"},
      {"/v1/declarations?cursor=%3Cscript%3E", "/query/cursor"},
      {"/v1/declarations?limit=0", "/query/limit"},
      {"/v1/declarations?limit=101", "/query/limit"},
      {"/v1/declarations?limit=ten", "/query/limit"},
      {"/v1/declarations?state=pending", "/query/state"},
      {"/v1/declarations?kind=smart_city", "/query/kind"},
      {"/v1/declarations?sort=asc", "/query/sort"},
      {"/v1/declarations?region=370102", "/query/region"},     // lists take no region
      {"/v1/reviews/pending?region=370100", "/query/region"},  // a city, not a county
      {"/v1/reviews/pending?county=370100", "/query/county"},
      {"/v1/reviews/pending?county=110101", "/query/county"},  // Beijing's
      {"/v1/reviews/pending?county=370102&region=370103", "/query/region"},
      {"/v1/reviews/pending?q=" + std::string(51, 'x'), "/query/q"},
      {"/v1/reviews/pending?q=%0A", "/query/q"},
      {"/v1/reviews/pending?q=%FF", "/query/q"},
      {"/v1/reviews/pending?round=2026", "/query/round"},
      {"/v1/reviews/pending?round=0190F5A2-0000-7000-8000-000000000001", "/query/round"},
      {"/v1/reviews/pending?overdue=1", "/query/overdue"},
      {"/v1/reviews/pending?sort=number", "/query/sort"},
      {"/v1/reviews/pending?sort=due_at&limit=0", "/query/limit"},
      {"/v1/declarations?cursor=" +
           encode_cursor({"2026-10-09 16:00:00", "0190f5a2-0000-7000-8000-000000000001", "due_at"}),
       "/query/cursor"},  // the queue's
      {"/v1/notifications?state=draft", "/query/state"},
  };
  for (const auto& [target, pointer] : cases) {
    auto r = api.handle(request("GET", target, token(county())));
    EXPECT_EQ(r.status, 400) << target;
    EXPECT_EQ(pointers(r), std::set<std::string>{pointer}) << target << ": " << r.body;
  }
  EXPECT_TRUE(subjects.empty());
}

TEST_F(ApiTest, TheGatewaysOwnRefusalsComeBeforeAnyCall) {
  auto create = [&](std::map<std::string, std::string> headers, const std::string& bearer) {
    return api.handle(request("POST", "/v1/declarations", bearer, create_body(), std::move(headers)));
  };
  auto no_token = create({}, "");
  EXPECT_EQ(no_token.status, 401);
  EXPECT_EQ(no_token.headers["WWW-Authenticate"], "Bearer error=\"invalid_token\"");
  EXPECT_EQ(create({}, "x.y.z").status, 401);
  EXPECT_EQ(create({{"Content-Type", "text/plain"}}, token(applicant())).status, 415);
  EXPECT_EQ(create({{"Idempotency-Key", "a b"}}, token(applicant())).status, 400);
  auto bad_body = create_body();
  bad_body["title"] = 7;
  auto invalid = api.handle(request("POST", "/v1/declarations", token(applicant()), bad_body));
  EXPECT_EQ(invalid.status, 400);
  EXPECT_EQ(pointers(invalid), std::set<std::string>{"/title"});
  EXPECT_EQ(body_of(invalid)["title"], "The request is not valid");
  EXPECT_EQ(api.handle(request("GET", "/v1/declarations/12345", token(applicant()))).status, 404);
  EXPECT_EQ(api.handle(request("GET", "/v1/nothing", token(applicant()))).status, 404);
  auto wrong_method = api.handle(request("PATCH", "/v1/declarations/" + kId, token(applicant())));
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_EQ(wrong_method.headers["Allow"], "GET, PUT, DELETE");
  EXPECT_TRUE(subjects.empty());
}

// Every problem the gateway writes itself has its Chinese words too.
TEST_F(ApiTest, TheGatewaysOwnRefusalsAreChineseWhenAsked) {
  std::vector<http::Request> requests = {
      request("GET", "/v1/stats"),
      request("GET", "/v1/stats", "x.y.z"),
      request("GET", "/v1/nothing"),
      request("DELETE", "/v1/stats"),
      request("POST", "/v1/declarations", token(applicant()), json{{"title", 7}}),
      request("GET", "/v1/declarations?limit=0&sort=1", token(applicant())),
      request("PUT", "/v1/webhook", token(applicant()), json{{"url", "https://x.cn/h"}, {"secret", "0123456789abcdef"}},
              {{"Content-Type", "text/plain"}}),
  };
  for (auto& r : requests) {
    r.headers["Accept-Language"] = "zh";
    auto j = body_of(api.handle(r));
    EXPECT_TRUE(has_chinese(j["title"].get<std::string>())) << r.target << ": " << j;
    if (j.contains("detail")) {
      EXPECT_TRUE(has_chinese(j["detail"].get<std::string>())) << r.target << ": " << j;
    }
    for (const auto& e : j.value("errors", json::array()))
      EXPECT_TRUE(has_chinese(e["message"].get<std::string>())) << r.target << ": " << e;
  }
}

TEST_F(ApiTest, RoundRoutesSendTheirTypedCommands) {
  const Actor admin{"a-1", Role::admin, "", std::nullopt, ""};
  json body = {{"kind", "industry_brain"},
               {"year", 2026},
               {"title", "2026年度产业大脑申报"},
               {"opens_at", "2026-03-01T00:00:00+08:00"},
               {"closes_at", "2026-04-01T00:00:00+08:00"},
               {"quotas", {{"370100", 1}}}};
  const cmd::Round round{"r-1", 1, json{{"id", "r-1"}, {"version", 1}}};
  http::Response created;
  auto c = sent<cmd::CreateRound>(request("POST", "/v1/rounds", token(admin), body), round, &created);
  EXPECT_EQ(created.status, 201);
  EXPECT_EQ(created.headers["Location"], "/v1/rounds/r-1");
  EXPECT_EQ(created.headers["ETag"], "\"1\"");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->kind, Kind::industry_brain);
  EXPECT_EQ(c->quotas, (std::map<std::string, int>{{"370100", 1}}));
  EXPECT_EQ(c->review_working_days, (cmd::ReviewDays{5, 10, 15})) << "the contract's defaults";
  subjects.clear();
  auto l = sent<cmd::ListRounds>(request("GET", "/v1/rounds?state=open&kind=morning_star", token(admin)),
                                 cmd::Document{json{{"items", json::array()}}});
  ASSERT_TRUE(l);
  EXPECT_EQ(l->state, cmd::RoundState::open);
  EXPECT_EQ(l->kind, Kind::morning_star);
  subjects.clear();
  auto u = sent<cmd::UpdateRound>(request("PATCH", "/v1/rounds/0190a0b0-0000-7000-8000-0000000000aa", token(admin),
                                          json{{"title", "新"}}, {{"If-Match", "\"3\""}}),
                                  round);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->expected_version, 3);
  EXPECT_EQ(u->title, "新");
  EXPECT_FALSE(u->closes_at);
}

TEST_F(ApiTest, PublicRoutesNeedNoToken) {
  auto config = api.handle(request("GET", "/v1/console/config"));
  EXPECT_EQ(config.status, 200);
  EXPECT_EQ(body_of(config), (json{{"dev_sign_in", false}, {"sign_in_url", nullptr}}));
  EXPECT_EQ(api.handle(request("GET", "/v1/openapi.json")).body, "{}");
  EXPECT_EQ(api.handle(request("POST", "/v1/dev/sign-in", "", json{{"role", "admin"}})).status, 404);  // off
  EXPECT_TRUE(subjects.empty());
}

// CONTRACT §8: the experts' and objections' routes send their typed commands; an objection is
// checked at the edge (no call for an anonymous one), its number must be one, and the pool for the
// development sign-in is there only while that is on.
TEST_F(ApiTest, ExpertAndObjectionRoutesSendTheirTypedCommandsAndCheckAtTheEdge) {
  const Actor province{"p-1", Role::reviewer, "", Tier::province, "370000"};
  const cmd::Document panel{{{"experts", json::array()}}};
  auto assign =
      sent<cmd::AssignPanel>(request("PUT", "/v1/declarations/" + kId + "/panel", token(province),
                                     json{{"experts", {"E01", "E02", "E03"}}, {"due_at", "2026-07-01T18:00:00+08:00"}}),
                             panel);
  ASSERT_TRUE(assign);
  EXPECT_EQ(assign->actor.tier, Tier::province);
  EXPECT_EQ(assign->actor.region, "370000");
  EXPECT_EQ(assign->id, kId);
  EXPECT_EQ(assign->experts, (std::vector<std::string>{"E01", "E02", "E03"}));
  EXPECT_EQ(assign->due_at, "2026-07-01T18:00:00+08:00");
  subjects.clear();
  const std::string expert = minter().token({{"sub", "E01"}, {"role", "expert"}});
  http::Response r;
  auto review =
      sent<cmd::SubmitExpertReview>(request("POST", "/v1/declarations/" + kId + "/expert-reviews", expert,
                                            json{{"score", 86.5}, {"opinion", "符合"}, {"items", {{"MS01", "好"}}}}),
                                    panel, &r);
  ASSERT_TRUE(review);
  EXPECT_EQ(review->actor.role, Role::expert);
  EXPECT_EQ(review->actor.sub, "E01");
  EXPECT_DOUBLE_EQ(review->score, 86.5);
  EXPECT_EQ(review->items, (json{{"MS01", "好"}}));
  EXPECT_EQ(r.status, 201);
  subjects.clear();
  EXPECT_EQ(api.handle(request("POST", "/v1/declarations/" + kId + "/expert-reviews", expert,
                               json{{"score", 101}, {"opinion", "x"}}))
                .status,
            400)
      << "bounded at the edge";
  auto listed = sent<cmd::ListObjections>(request("GET", "/v1/objections?state=open&limit=5", token(province)),
                                          cmd::Document{{{"items", json::array()}}});
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->state, cmd::ObjectionState::open);
  EXPECT_EQ(listed->limit, 5);
  subjects.clear();
  EXPECT_EQ(pointers(api.handle(request("GET", "/v1/objections?state=closed", token(province)))),
            std::set<std::string>{"/query/state"});

  const json objection = {{"name", "张三"}, {"org", kOrg}, {"phone", "13800000000"}, {"content", "有异议"}};
  auto filed =
      sent<cmd::FileObjection>(request("POST", "/v1/public/notices/MSF-2026-370102-000001/objections", "", objection),
                               cmd::Document{{{"id", kId}}}, &r);
  ASSERT_TRUE(filed);
  EXPECT_EQ(filed->number, "MSF-2026-370102-000001");
  EXPECT_EQ(filed->org, kOrg);
  EXPECT_FALSE(filed->id_number);
  EXPECT_EQ(r.status, 201);
  subjects.clear();
  auto anonymous = objection;
  anonymous["name"] = "匿名";
  auto refused = api.handle(request("POST", "/v1/public/notices/MSF-2026-370102-000001/objections", "", anonymous,
                                    {{"Accept-Language", "zh"}}));
  EXPECT_EQ(refused.status, 400);
  EXPECT_TRUE(has_chinese(refused.body)) << refused.body;
  EXPECT_EQ(api.handle(request("POST", "/v1/public/notices/not-a-number/objections", "", objection)).status, 404);
  EXPECT_EQ(api.handle(request("GET", "/v1/dev/experts")).status, 404) << "development sign-in is off";
  EXPECT_TRUE(subjects.empty()) << "none of these reached a service";
}
