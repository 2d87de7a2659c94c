// The gateway over real HTTP, in front of the real workflow and scoring binaries: every endpoint,
// the authorisation matrix, bad input, versions, idempotency keys, slow clients and a dependency
// that is down.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <thread>

#include "rounds.hpp"
#include "sdp/build_info.hpp"
#include "sdp/crypto.hpp"
#include "sdp/db.hpp"
#include "stack.hpp"
#include "test_env.hpp"
#include "tokens.hpp"

using namespace sdp;
using namespace std::chrono_literals;
using nlohmann::json;
using test::if_match;
using test::TokenMinter;

namespace {

const std::string& kOrg = test::kApplicantOrg;
const std::string kOtherOrg = "91350100M000100Y43";

json all_met(int claimed = 3) {
  auto catalogue = json::parse(std::ifstream(std::string(build_info::kSchemasDir) + "/catalogs/morning_star.json"));
  json criteria = json::object();
  for (const auto& c : catalogue["criteria"]) criteria[c["id"].get<std::string>()] = {{"met", true}};
  return {{"claimed_level", claimed}, {"criteria", criteria}};
}

// The open round of each kind of the platform running now (one Platform at a time per test).
std::map<std::string, std::string> g_rounds;

json declaration_body(const std::string& region = "370102") {
  return {{"kind", "morning_star"},
          {"round", g_rounds["morning_star"]},
          {"org_name", "历下区某智能装备有限公司"},
          {"region", region},
          {"title", "历下区某智能装备有限公司晨星工厂申报"},
          {"contact", {{"name", "李工"}, {"phone", "13800000000"}, {"email", "li@example.cn"}}},
          {"payload", all_met()}};
}

struct Platform : test::Stack {
  Platform() : test::Stack({.gateway = {{"SDP_HTTP_READ_TIMEOUT_MS", "2000"}, {"SDP_GATEWAY_DEADLINE_MS", "1500"}}}) {
    g_rounds = rounds;
  }

  json create(const std::string& org = kOrg, const json& body = declaration_body()) {
    auto r = send("POST", "/v1/declarations", applicant(org), body);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json();
  }
  json submitted(const std::string& org = kOrg) {
    auto d = create(org);
    auto r = send("POST", "/v1/declarations/" + d["id"].get<std::string>() + "/submit", applicant(org));
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json();
  }
};

}  // namespace

TEST(GatewayE2E, EveryEndpointOverHttp) {
  Platform p;
  auto applicant = p.applicant();
  // Catalogues and the OpenAPI document, no token needed.
  auto ms = p.send("GET", "/v1/catalogs/morning-star", "");
  EXPECT_EQ(ms.status, 200);
  EXPECT_EQ(ms.json()["criteria"].size(), 72u);
  EXPECT_EQ(p.send("GET", "/v1/catalogs/industry-brain", "").json()["indicators"].size(), 32u);
  EXPECT_EQ(p.send("GET", "/v1/openapi.json", "").json()["openapi"], "3.0.3");
  EXPECT_EQ(p.send("GET", "/v1/catalogs/regions", "").json()["cities"].size(), 16u);
  // Without configuration there is no console and no development sign-in.
  EXPECT_EQ(p.send("GET", "/v1/console/config", "").json(), (json{{"dev_sign_in", false}, {"sign_in_url", nullptr}}));
  EXPECT_EQ(p.send("POST", "/v1/dev/sign-in", "", json{{"role", "admin"}}).status, 404);
  EXPECT_EQ(p.send("GET", "/", "").status, 404);

  // Create: 201 with Location and ETag.
  auto created = p.send("POST", "/v1/declarations", applicant, declaration_body());
  ASSERT_EQ(created.status, 201) << created.body;
  auto d = created.json();
  auto id = d["id"].get<std::string>();
  EXPECT_EQ(created.header("location"), "/v1/declarations/" + id);
  EXPECT_EQ(created.header("etag"), "\"1\"");
  EXPECT_FALSE(created.header("x-request-id").empty());

  auto got = p.send("GET", "/v1/declarations/" + id, applicant);
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.header("etag"), "\"1\"");

  auto body = declaration_body();
  body.erase("kind");
  body.erase("region");
  body.erase("round");
  body["title"] = "修改后的标题";
  auto put = p.send("PUT", "/v1/declarations/" + id, applicant, body, {"If-Match: \"1\""});
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.header("etag"), "\"2\"");
  EXPECT_EQ(put.json()["title"], "修改后的标题");

  auto sub = p.send("POST", "/v1/declarations/" + id + "/submit", applicant);
  ASSERT_EQ(sub.status, 200) << sub.body;
  d = sub.json();
  EXPECT_EQ(d["state"], "county_review");

  auto county = p.reviewer("county", "370102");
  auto pending = p.send("GET", "/v1/reviews/pending?limit=10", county);
  ASSERT_EQ(pending.status, 200);
  EXPECT_EQ(pending.json()["items"][0]["id"], id);
  auto decided =
      p.send("POST", "/v1/declarations/" + id + "/decisions", county,
             json{{"decision", "approve"}, {"comment", "同意"}, {"verified", {{"criteria", {{"MS01", true}}}}}},
             {if_match(d)});
  ASSERT_EQ(decided.status, 200) << decided.body;
  EXPECT_EQ(decided.json()["state"], "city_review");

  auto history = p.send("GET", "/v1/declarations/" + id + "/history", applicant);
  ASSERT_EQ(history.status, 200);
  EXPECT_EQ(history.json()["items"].size(), 4u);
  EXPECT_TRUE(history.json()["chain_valid"].get<bool>());

  auto list = p.send("GET", "/v1/declarations?state=city_review&kind=morning_star&limit=5", applicant);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.json()["items"].size(), 1u);

  auto stats = p.send("GET", "/v1/stats", p.reviewer("province", "370000"));
  ASSERT_EQ(stats.status, 200);
  EXPECT_EQ(stats.json()["by_state"]["city_review"], 1);

  auto preview =
      p.send("POST", "/v1/scoring/preview", applicant, json{{"kind", "morning_star"}, {"payload", all_met(5)}});
  ASSERT_EQ(preview.status, 200) << preview.body;
  EXPECT_EQ(preview.json()["self_assessed_level"], 5);

  auto draft = p.create();
  auto withdrawn = p.send("POST", "/v1/declarations/" + draft["id"].get<std::string>() + "/withdraw", applicant);
  EXPECT_EQ(withdrawn.status, 200);
  EXPECT_EQ(withdrawn.json()["state"], "withdrawn");

  // The inbox (served by notify), with a read flag the caller can set: the state changes (submitted,
  // approved, withdrawn), not the creations and the save (issue 15).
  ASSERT_TRUE(test::eventually(
      [&] { return p.send("GET", "/v1/notifications?limit=50", applicant).json()["items"].size() >= 3; }));
  auto inbox = p.send("GET", "/v1/notifications?limit=2", applicant);
  ASSERT_EQ(inbox.status, 200) << inbox.body;
  EXPECT_EQ(inbox.json()["items"].size(), 2u);
  EXPECT_EQ(inbox.json()["unread"], 3);
  EXPECT_FALSE(inbox.json()["next_cursor"].is_null());
  auto first = inbox.json()["items"][0]["id"].get<std::string>();
  EXPECT_EQ(p.send("POST", "/v1/notifications/" + first + "/read", county).status, 404);
  EXPECT_EQ(p.send("POST", "/v1/notifications/" + first + "/read", applicant).status, 200);
  EXPECT_TRUE(p.send("GET", "/v1/notifications?limit=1", applicant).json()["items"][0]["read"].get<bool>());
  auto county_inbox = p.send("GET", "/v1/notifications", county).json()["items"];
  EXPECT_GE(county_inbox.size(), 1u);
  EXPECT_EQ(p.send("GET", "/v1/webhook", applicant).status, 404);  // none registered yet
  auto hook =
      p.send("PUT", "/v1/webhook", applicant, json{{"url", "http://127.0.0.1:9/hook"}, {"secret", "0123456789abcdef"}});
  EXPECT_EQ(hook.status, 200) << hook.body;
  EXPECT_EQ(hook.body.find("0123456789abcdef"), std::string::npos) << "the secret is never returned";
  auto registered = p.send("GET", "/v1/webhook", applicant);
  EXPECT_EQ(registered.status, 200) << registered.body;
  EXPECT_EQ(registered.json()["url"], "http://127.0.0.1:9/hook");
  EXPECT_EQ(registered.body.find("0123456789abcdef"), std::string::npos) << "nor shown again";

  // Operator endpoints.
  EXPECT_EQ(p.send("GET", "/healthz", "").status, 200);
  EXPECT_EQ(p.send("GET", "/readyz", "").status, 200);
  auto metrics = p.send("GET", "/metrics", "");
  EXPECT_NE(metrics.body.find("sdp_http_requests_total{method=\"POST\",route=\"/v1/declarations\",status=\"201\"}"),
            std::string::npos)
      << metrics.body.substr(0, 2000);
  EXPECT_NE(metrics.body.find("sdp_http_request_seconds_bucket"), std::string::npos);
  // One JSON access-log line per request, with its id.
  EXPECT_NE(p.gateway->process->log_text().find("\"request_id\":\"" + created.header("x-request-id") + "\""),
            std::string::npos);
}

TEST(GatewayE2E, TheAuthorisationMatrix) {
  Platform p;
  auto d = p.submitted();  // in county_review, region 370102 (历下区, 济南市), org kOrg
  auto id = d["id"].get<std::string>();
  auto path = "/v1/declarations/" + id;

  struct Who {
    const char* name;
    std::string token;
  };
  std::vector<Who> who = {
      {"owner", p.applicant()},
      {"other applicant", p.applicant(kOtherOrg)},
      {"county in jurisdiction", p.reviewer("county", "370102")},
      {"county elsewhere", p.reviewer("county", "370103")},
      {"city in jurisdiction", p.reviewer("city", "370100")},
      {"city elsewhere", p.reviewer("city", "370200")},
      {"province", p.reviewer("province", "370000")},
      {"admin", p.minter.token(TokenMinter::admin())},
  };
  struct Row {
    std::string method, path;
    std::optional<json> body;
    bool needs_version;
    std::vector<int> expected;  // in the order of `who`
  };
  auto update = declaration_body();
  update.erase("kind");
  update.erase("region");
  update.erase("round");
  json reject = {{"decision", "reject"}, {"comment", "矩阵测试"}};
  std::vector<Row> rows = {
      {"GET", path, std::nullopt, false, {200, 404, 200, 404, 200, 404, 200, 200}},
      {"GET", path + "/history", std::nullopt, false, {200, 404, 200, 404, 200, 404, 200, 200}},
      {"PUT", path, update, true, {409, 404, 403, 404, 403, 404, 403, 403}},
      {"POST", path + "/submit", std::nullopt, false, {409, 404, 403, 404, 403, 404, 403, 403}},
      // Only the county reviewer of 370102 may decide now; its row is checked on a copy below.
      {"POST", path + "/decisions", reject, true, {403, 404, 0, 404, 409, 404, 409, 403}},
      {"GET", "/v1/reviews/pending", std::nullopt, false, {403, 403, 200, 200, 200, 200, 200, 403}},
      {"GET", "/v1/stats", std::nullopt, false, {403, 403, 200, 200, 200, 200, 200, 200}},
      {"GET", "/v1/declarations", std::nullopt, false, {200, 200, 200, 200, 200, 200, 200, 200}},
      {"POST", "/v1/declarations", declaration_body(), false, {201, 201, 403, 403, 403, 403, 403, 403}},
      {"PUT",
       "/v1/webhook",
       json{{"url", "http://127.0.0.1:9/h"}, {"secret", "0123456789abcdef"}},
       false,
       {200, 200, 403, 403, 403, 403, 403, 403}},
      {"GET", "/v1/webhook", std::nullopt, false, {200, 200, 403, 403, 403, 403, 403, 403}},
      {"GET", "/v1/notifications", std::nullopt, false, {200, 200, 200, 200, 200, 200, 200, 200}},
      {"POST",
       "/v1/scoring/preview",
       json{{"kind", "industry_brain"}, {"payload", json::object()}},
       false,
       {200, 200, 200, 200, 200, 200, 200, 200}},
  };
  for (const auto& row : rows)
    for (size_t i = 0; i < who.size(); ++i) {
      if (row.expected[i] == 0) continue;
      std::vector<std::string> headers;
      if (row.needs_version) headers.push_back(if_match(d));
      auto r = p.send(row.method, row.path, who[i].token, row.body, headers);
      EXPECT_EQ(r.status, row.expected[i]) << row.method << " " << row.path << " as " << who[i].name << ": " << r.body;
    }
  // The county reviewer in jurisdiction decides (on its own copy, so the rows above stay put).
  auto copy = p.submitted();
  auto r = p.send("POST", "/v1/declarations/" + copy["id"].get<std::string>() + "/decisions", who[2].token, reject,
                  {if_match(copy)});
  EXPECT_EQ(r.status, 200) << r.body;

  // Lists show only what the caller may see.
  auto count = [&](const std::string& token) {
    return p.send("GET", "/v1/declarations?limit=100", token).json()["items"].size();
  };
  EXPECT_EQ(count(who[1].token), 1u);  // its own, created by the POST row
  EXPECT_EQ(count(who[3].token), 0u);
  EXPECT_EQ(count(who[5].token), 0u);
  EXPECT_EQ(count(who[4].token), 2u);  // the two submitted; the drafts the POST row made are their applicants' alone

  // Tokens that must never pass, on every authenticated route.
  auto claims = p.minter.defaults(TokenMinter::applicant());
  auto good = p.applicant();
  TokenMinter stranger;
  auto forged_claims = claims;
  forged_claims["org"] = kOtherOrg;
  auto tampered = good.substr(0, good.find('.') + 1) + crypto::base64url_encode(forged_claims.dump()) +
                  good.substr(good.rfind('.'));
  std::vector<std::pair<const char*, std::string>> bad_tokens = {
      {"none", ""},
      {"forged", stranger.sign_rs256({{"alg", "RS256"}, {"kid", p.minter.rsa_kid()}}, claims)},
      {"tampered", tampered},
      {"alg none",
       crypto::base64url_encode(json{{"alg", "none"}}.dump()) + "." + crypto::base64url_encode(claims.dump()) + "."},
      {"expired", p.minter.token([&] {
         auto c = TokenMinter::applicant();
         c["exp"] = 1000;
         return c;
       }())},
      {"wrong audience", p.minter.token([&] {
         auto c = TokenMinter::applicant();
         c["aud"] = "other";
         return c;
       }())},
  };
  for (const auto& [name, token] : bad_tokens)
    for (const auto& row : rows) {
      auto r = p.send(row.method, row.path, token, row.body, {if_match(d)});
      EXPECT_EQ(r.status, 401) << name << " on " << row.method << " " << row.path;
      EXPECT_EQ(r.json()["type"], "/problems/unauthorized");
    }
}

namespace {
// A bad request and the answer it gets: status, problem type, and a pointer among its errors ("" for none).
struct BadRequest {
  const char* name;
  std::string method, path;
  std::optional<std::string> body;
  std::vector<std::string> headers;
  int status;
  std::string type, pointer;
};

// Bad input of every kind, answered by the gateway, the workflow and scoring; `draft` is one of
// the applicant's drafts. None of them creates anything.
std::vector<BadRequest> bad_requests(Platform& p, const json& draft) {
  auto token = p.applicant();
  auto id = draft["id"].get<std::string>();
  auto base = declaration_body();
  auto with = [&](const std::function<void(json&)>& change) {
    auto b = base;
    change(b);
    return b.dump();
  };
  const std::string ct = "Content-Type: application/json";
  const std::string auth = "Authorization: Bearer " + token;
  const std::string decl = "/v1/declarations/" + id;
  const std::string reviewer = "Authorization: Bearer " + p.reviewer("county", "370102");
  std::string big(1024 * 1024 + 10, 'x');
  return {
      {"malformed JSON", "POST", "/v1/declarations", "{\"kind\": ", {ct, auth}, 400, "validation", ""},
      {"invalid UTF-8",
       "POST",
       "/v1/declarations",
       "{\"kind\":\"morning_star\",\"title\":\"\xff\xfe\"}",
       {ct, auth},
       400,
       "validation",
       ""},
      {"a JSON array", "POST", "/v1/declarations", "[1,2]", {ct, auth}, 400, "validation", ""},
      {"no content type",
       "POST",
       "/v1/declarations",
       base.dump(),
       {auth, "Content-Type:"},
       415,
       "unsupported-media-type",
       ""},
      {"text/plain",
       "POST",
       "/v1/declarations",
       base.dump(),
       {auth, "Content-Type: text/plain"},
       415,
       "unsupported-media-type",
       ""},
      {"body over 1 MiB", "POST", "/v1/declarations", big, {ct, auth}, 413, "payload-too-large", ""},
      {"missing round",
       "POST",
       "/v1/declarations",
       with([](json& b) { b.erase("round"); }),
       {ct, auth},
       400,
       "validation",
       "/round"},
      {"unknown kind",
       "POST",
       "/v1/declarations",
       with([](json& b) { b["kind"] = "smart_city"; }),
       {ct, auth},
       400,
       "validation",
       "/kind"},
      {"missing title",
       "POST",
       "/v1/declarations",
       with([](json& b) { b.erase("title"); }),
       {ct, auth},
       400,
       "validation",
       "/title"},
      {"empty title",
       "POST",
       "/v1/declarations",
       with([](json& b) { b["title"] = ""; }),
       {ct, auth},
       400,
       "validation",
       "/title"},
      {"title too long",
       "POST",
       "/v1/declarations",
       with([](json& b) { b["title"] = std::string(201, 'a'); }),
       {ct, auth},
       400,
       "validation",
       "/title"},
      {"region not six digits",
       "POST",
       "/v1/declarations",
       with([](json& b) { b["region"] = "3701"; }),
       {ct, auth},
       400,
       "validation",
       "/region"},
      {"region outside Shandong",
       "POST",
       "/v1/declarations",
       with([](json& b) { b["region"] = "110101"; }),
       {ct, auth},
       400,
       "validation",
       "/region"},
      {"region is a city",
       "POST",
       "/v1/declarations",
       with([](json& b) { b["region"] = "370100"; }),
       {ct, auth},
       400,
       "validation",
       "/region"},
      {"region 莱芜市 no longer exists",
       "POST",
       "/v1/declarations",
       with([](json& b) { b["region"] = "371202"; }),
       {ct, auth},
       400,
       "validation",
       "/region"},
      {"a phone that is not one (a draft may leave it out, not get it wrong)",
       "POST",
       "/v1/declarations",
       with([](json& b) { b["contact"]["phone"] = "call me"; }),
       {ct, auth},
       400,
       "validation",
       "/contact/phone"},
      {"bad e-mail",
       "POST",
       "/v1/declarations",
       with([](json& b) { b["contact"]["email"] = "not-an-address"; }),
       {ct, auth},
       400,
       "validation",
       "/contact/email"},
      {"unknown field",
       "POST",
       "/v1/declarations",
       with([](json& b) { b["colour"] = "red"; }),
       {ct, auth},
       400,
       "validation",
       "/colour"},
      {"unknown criterion",
       "POST",
       "/v1/declarations",
       with([](json& b) {
         b["payload"] = {{"criteria", {{"MS99", {{"met", true}}}}}};
       }),
       {ct, auth},
       400,
       "validation",
       "/payload/criteria/MS99"},
      {"met not boolean",
       "POST",
       "/v1/declarations",
       with([](json& b) { b["payload"]["criteria"]["MS01"]["met"] = "yes"; }),
       {ct, auth},
       400,
       "validation",
       "/payload/criteria/MS01/met"},
      {"claimed level 6",
       "POST",
       "/v1/declarations",
       with([](json& b) { b["payload"]["claimed_level"] = 6; }),
       {ct, auth},
       400,
       "validation",
       "/payload/claimed_level"},
      {"negative value",
       "POST",
       "/v1/declarations",
       with([](json& b) {
         b["kind"] = "industry_brain";
         b["round"] = g_rounds["industry_brain"];
         b["payload"] = {{"indicators", {{"L1P1", {{"value", -1}}}}}};
       }),
       {ct, auth},
       400,
       "validation",
       "/payload/indicators/L1P1/value"},
      {"grade on a number indicator",
       "POST",
       "/v1/declarations",
       with([](json& b) {
         b["kind"] = "industry_brain";
         b["round"] = g_rounds["industry_brain"];
         b["payload"] = {{"indicators", {{"L1P1", {{"grade", "A"}}}}}};
       }),
       {ct, auth},
       400,
       "validation",
       "/payload/indicators/L1P1/grade"},
      {"grade E",
       "POST",
       "/v1/declarations",
       with([](json& b) {
         b["kind"] = "industry_brain";
         b["round"] = g_rounds["industry_brain"];
         b["payload"] = {{"indicators", {{"L1P3", {{"grade", "E"}}}}}};
       }),
       {ct, auth},
       400,
       "validation",
       "/payload/indicators/L1P3/grade"},
      {"limit 0", "GET", "/v1/declarations?limit=0", std::nullopt, {auth}, 400, "validation", "/query/limit"},
      {"limit 101", "GET", "/v1/declarations?limit=101", std::nullopt, {auth}, 400, "validation", "/query/limit"},
      {"limit not a number",
       "GET",
       "/v1/declarations?limit=ten",
       std::nullopt,
       {auth},
       400,
       "validation",
       "/query/limit"},
      {"cursor with bad characters",
       "GET",
       "/v1/declarations?cursor=%3Cscript%3E",
       std::nullopt,
       {auth},
       400,
       "validation",
       "/query/cursor"},
      {"forged cursor",
       "GET",
       "/v1/declarations?cursor=AAAA",
       std::nullopt,
       {auth},
       400,
       "validation",
       "/query/cursor"},
      {"unknown state",
       "GET",
       "/v1/declarations?state=pending",
       std::nullopt,
       {auth},
       400,
       "validation",
       "/query/state"},
      {"unknown parameter", "GET", "/v1/declarations?sort=asc", std::nullopt, {auth}, 400, "validation", "/query/sort"},
      {"If-Match not a version",
       "PUT",
       decl,
       with([](json& b) {
         b.erase("kind");
         b.erase("region");
         b.erase("round");
       }),
       {ct, auth, "If-Match: yesterday"},
       400,
       "validation",
       "/headers/If-Match"},
      {"PUT without If-Match",
       "PUT",
       decl,
       with([](json& b) {
         b.erase("kind");
         b.erase("region");
         b.erase("round");
       }),
       {ct, auth},
       428,
       "precondition-required",
       ""},
      {"PUT with a stale version",
       "PUT",
       decl,
       with([](json& b) {
         b.erase("kind");
         b.erase("region");
         b.erase("round");
       }),
       {ct, auth, "If-Match: \"7\""},
       412,
       "precondition-failed",
       ""},
      {"decision unknown",
       "POST",
       decl + "/decisions",
       "{\"decision\":\"maybe\"}",
       {ct, "Authorization: Bearer " + p.reviewer("county", "370102"), "If-Match: \"1\""},
       400,
       "validation",
       "/decision"},
      {"not a declaration id", "GET", "/v1/declarations/12345", std::nullopt, {auth}, 404, "not-found", ""},
      {"unknown route", "GET", "/v1/nothing", std::nullopt, {auth}, 404, "not-found", ""},
      {"wrong method", "PATCH", decl, std::nullopt, {auth}, 405, "method-not-allowed", ""},
      {"a delete without If-Match", "DELETE", decl, std::nullopt, {auth}, 428, "precondition-required", ""},
      {"preview without kind",
       "POST",
       "/v1/scoring/preview",
       "{\"payload\":{}}",
       {ct, auth},
       400,
       "validation",
       "/kind"},
      {"webhook secret too short",
       "PUT",
       "/v1/webhook",
       "{\"url\":\"https://x.cn/h\",\"secret\":\"short\"}",
       {ct, auth},
       400,
       "validation",
       "/secret"},
      {"Idempotency-Key with spaces",
       "POST",
       "/v1/declarations",
       base.dump(),
       {ct, auth, "Idempotency-Key: a b"},
       400,
       "validation",
       "/headers/Idempotency-Key"},
      {"title a number",
       "POST",
       "/v1/declarations",
       with([](json& b) { b["title"] = 7; }),
       {ct, auth},
       400,
       "validation",
       "/title"},
      {"contact with a fax",
       "POST",
       "/v1/declarations",
       with([](json& b) { b["contact"]["fax"] = "1"; }),
       {ct, auth},
       400,
       "validation",
       "/contact/fax"},
      {"claimed level 0",
       "POST",
       "/v1/declarations",
       with([](json& b) { b["payload"]["claimed_level"] = 0; }),
       {ct, auth},
       400,
       "validation",
       "/payload/claimed_level"},
      {"a count with decimals (a draft's empty indicator is fine)",
       "POST",
       "/v1/declarations",
       with([](json& b) {
         b["kind"] = "industry_brain";
         b["round"] = g_rounds["industry_brain"];
         b["payload"] = {{"indicators", {{"L1P1", json::object()}, {"L1P2", {{"value", 2.5}}}}}};
       }),
       {ct, auth},
       400,
       "validation",
       "/payload/indicators/L1P2/value"},
      {"unknown indicator",
       "POST",
       "/v1/declarations",
       with([](json& b) {
         b["kind"] = "industry_brain";
         b["round"] = g_rounds["industry_brain"];
         b["payload"] = {{"indicators", {{"L9P9", {{"value", 1}}}}}};
       }),
       {ct, auth},
       400,
       "validation",
       "/payload/indicators/L9P9"},
      {"a reviewer creating", "POST", "/v1/declarations", base.dump(), {ct, reviewer}, 403, "forbidden", ""},
      {"no token", "GET", "/v1/declarations", std::nullopt, {}, 401, "unauthorized", ""},
      {"bad token", "GET", "/v1/declarations", std::nullopt, {"Authorization: Bearer x.y.z"}, 401, "unauthorized", ""},
      {"an applicant's queue", "GET", "/v1/reviews/pending", std::nullopt, {auth}, 403, "forbidden", ""},
      {"deciding a draft",
       "POST",
       decl + "/decisions",
       "{\"decision\":\"approve\"}",
       {ct, reviewer, "If-Match: \"1\""},
       404,
       "not-found",
       ""},
      {"return without comment",
       "POST",
       decl + "/decisions",
       "{\"decision\":\"return\"}",
       {ct, reviewer, "If-Match: \"1\""},
       400,
       "validation",
       "/comment"},
      {"no such declaration",
       "GET",
       "/v1/declarations/00000000-0000-7000-8000-000000000000",
       std::nullopt,
       {auth},
       404,
       "not-found",
       ""},
      {"preview with a bad value",
       "POST",
       "/v1/scoring/preview",
       "{\"kind\":\"industry_brain\",\"payload\":{\"indicators\":{\"L1P1\":{\"value\":\"x\"}}}}",
       {ct, auth},
       400,
       "validation",
       "/payload/indicators/L1P1/value"},
      {"webhook of a reviewer",
       "PUT",
       "/v1/webhook",
       "{\"url\":\"https://x.cn/h\",\"secret\":\"0123456789abcdef\"}",
       {ct, reviewer},
       403,
       "forbidden",
       ""},
      {"no webhook yet", "GET", "/v1/webhook", std::nullopt, {auth}, 404, "not-found", ""},
  };
}
}  // namespace

TEST(GatewayE2E, BadInputIsRefusedWithTypeAndPointer) {
  Platform p;
  auto token = p.applicant();
  auto d = p.create();
  auto cases = bad_requests(p, d);
  ASSERT_GE(cases.size(), 30u);
  for (const auto& c : cases) {
    auto r = test::http(c.method, p.url(c.path), c.headers, c.body);
    EXPECT_EQ(r.status, c.status) << c.name << ": " << r.body.substr(0, 300);
    auto j = r.json();
    EXPECT_EQ(r.header("content-type"), "application/problem+json") << c.name;
    EXPECT_EQ(j.value("type", ""), "/problems/" + c.type) << c.name;
    EXPECT_EQ(j.value("status", 0), c.status) << c.name;
    for (const auto& e : j.value("errors", json::array()))
      EXPECT_EQ(e.value("message", "").find("could not be validated"), std::string::npos) << c.name << ": " << e.dump();
    if (!c.pointer.empty()) {
      ASSERT_TRUE(j.contains("errors")) << c.name << ": " << r.body;
      bool found = false;
      for (const auto& e : j["errors"]) found = found || e["pointer"] == c.pointer;
      EXPECT_TRUE(found) << c.name << ": " << j["errors"].dump();
    }
  }
  // Nothing was created by any of them.
  EXPECT_EQ(p.send("GET", "/v1/declarations?limit=100", token).json()["items"].size(), 1u);
}

namespace {
// valijson's own wording, which must never reach a person (CONTRACT §3).
bool has_validator_words(const std::string& text) {
  for (const char* raw :
       {"could not be validated", "constraint", "Failed to validate", "Failed to match", "Expected number",
        "String should be", "Object should have", "Value type not permitted", "Missing required property"})
    if (text.find(raw) != std::string::npos) return true;
  return false;
}
bool has_chinese(const std::string& text) {
  for (size_t i = 0; i + 2 < text.size(); ++i)  // U+4E00..U+9FFF: E4 B8 80 .. E9 BF BF in UTF-8
    if (static_cast<unsigned char>(text[i]) >= 0xE4 && static_cast<unsigned char>(text[i]) <= 0xE9) return true;
  return false;
}
// Every text a person reads in a problem: title, detail and each errors[].message.
std::vector<std::string> readable_texts(const json& problem) {
  std::vector<std::string> out = {problem.value("title", "")};
  if (problem.contains("detail")) out.push_back(problem["detail"].get<std::string>());
  for (const auto& e : problem.value("errors", json::array())) out.push_back(e.value("message", ""));
  return out;
}
}  // namespace

TEST(GatewayE2E, MessagesAreChineseWhenAskedAndPlainAlways) {
  Platform p;
  auto token = p.applicant();
  auto d = p.create();
  auto decl = "/v1/declarations/" + d["id"].get<std::string>();
  const std::string ct = "Content-Type: application/json", auth = "Authorization: Bearer " + token;
  const std::string zh = "Accept-Language: zh-CN,zh;q=0.9,en;q=0.8";

  // An update that names a field it may not: the field and what is accepted, in the asked language.
  json update = {{"kind", "industry_brain"}, {"title", "t"}, {"contact", d["contact"]}, {"payload", d["payload"]}};
  auto bad_field = [&](std::vector<std::string> headers) {
    headers.insert(headers.end(), {ct, auth, if_match(d)});
    auto r = test::http("PUT", p.url(decl), headers, update.dump());
    EXPECT_EQ(r.status, 400) << r.body;
    auto j = r.json();
    for (const auto& e : j.value("errors", json::array()))
      if (e["pointer"] == "/kind") return std::pair{j.value("title", ""), e.value("message", "")};
    ADD_FAILURE() << "no problem at /kind: " << r.body;
    return std::pair{std::string(), std::string()};
  };
  auto [title_zh, message_zh] = bad_field({zh});
  EXPECT_EQ(message_zh, "未知字段 kind：修改只接受 title、contact、org_name、payload");
  EXPECT_TRUE(has_chinese(title_zh)) << title_zh;
  auto [title_en, message_en] = bad_field({});
  EXPECT_EQ(message_en, "unknown field 'kind': an update takes only title, contact, org_name, payload");
  EXPECT_FALSE(has_chinese(title_en)) << title_en;
  EXPECT_EQ(bad_field({"Accept-Language: en, zh;q=0.5"}).second, message_en);
  EXPECT_EQ(bad_field({"Accept-Language: zh"}).second, message_zh);

  // Every bad request of BadInputIsRefusedWithTypeAndPointer: Chinese when asked, never the
  // validator's words, in either language.
  const auto cases = bad_requests(p, d);
  for (const auto& c : cases) {
    for (bool chinese : {false, true}) {
      auto headers = c.headers;
      if (chinese) headers.push_back(zh);
      auto r = test::http(c.method, p.url(c.path), headers, c.body);
      ASSERT_GE(r.status, 400) << c.name;
      auto j = r.json();
      EXPECT_EQ(r.header("content-type"), "application/problem+json") << c.name;
      EXPECT_EQ(std::set<std::string>(), [&] {  // the shape stays CONTRACT §3's
        std::set<std::string> extra;
        for (const auto& [k, v] : j.items())
          if (k != "type" && k != "title" && k != "status" && k != "detail" && k != "errors") extra.insert(k);
        for (const auto& e : j.value("errors", json::array()))
          for (const auto& [k, v] : e.items())
            if (k != "pointer" && k != "message") extra.insert("errors/" + k);
        return extra;
      }()) << c.name;
      for (const auto& text : readable_texts(j)) {
        EXPECT_FALSE(text.empty()) << c.name << ": " << r.body;
        EXPECT_FALSE(has_validator_words(text)) << c.name << ": " << text;
        if (chinese) {
          EXPECT_TRUE(has_chinese(text)) << c.name << " (zh): " << text;
        }
      }
      if (!chinese) {
        EXPECT_FALSE(has_chinese(j.value("title", ""))) << c.name << ": " << j.value("title", "");
      }
    }
  }
}

// Issue 13: JSON nested far too deep once crashed the gateway (its serialiser recurses); a key given
// twice acted as the last one; a claim of the wrong type was a 500. Each is refused, with a pointer.
TEST(GatewayE2E, HostileJsonIsRefusedWithAPointerAndTheGatewayStaysUp) {
  Platform p;
  auto token = p.applicant();
  const std::string ct = "Content-Type: application/json";
  const std::string auth = "Authorization: Bearer " + token;
  auto create_with = [](const std::string& title_part, const std::string& payload) {
    return R"({"kind":"morning_star","round":")" + g_rounds["morning_star"] + R"(","region":"370102",)" + title_part +
           R"(,"contact":{"name":"李工","phone":"13800000000"},"payload":)" + payload + "}";
  };
  auto repeat = [](const std::string& s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
  };
  const std::string deep = std::string(70000, '[') + std::string(70000, ']');  // 140 KB
  struct Case {
    const char* name;
    std::string method, path, body, pointer;
  };
  std::vector<Case> cases = {
      {"arrays 70,000 deep in the payload", "POST", "/v1/declarations",
       create_with(R"("title":"t")", R"({"criteria":)" + deep + "}"), "/payload/criteria" + repeat("/0", 30)},
      {"objects 70,000 deep in the payload", "POST", "/v1/declarations",
       create_with(R"("title":"t")", repeat(R"({"a":)", 70000) + "1" + std::string(70000, '}')),
       "/payload" + repeat("/a", 31)},
      {"a body 70,000 deep for preview", "POST", "/v1/scoring/preview", deep, repeat("/0", 32)},
      {"a title given twice", "POST", "/v1/declarations", create_with(R"("title":"a","title":"b")", "{}"), "/title"},
      {"a criterion given twice", "POST", "/v1/declarations",
       create_with(R"("title":"t")", R"({"criteria":{"MS01":{"met":true},"MS01":{"met":false}}})"),
       "/payload/criteria/MS01"},
      {"a key twice in preview", "POST", "/v1/scoring/preview",
       R"({"kind":"morning_star","payload":{"claimed_level":1,"claimed_level":5}})", "/payload/claimed_level"},
  };
  for (const auto& c : cases) {
    auto t0 = std::chrono::steady_clock::now();
    auto r = test::http(c.method, p.url(c.path), {ct, auth}, c.body);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    std::cout << "[ figures  ] " << c.name << " (" << c.body.size() << " bytes): " << r.status << " in " << ms
              << " ms\n";
    ASSERT_EQ(r.status, 400) << c.name << ": " << r.body.substr(0, 300) << "\n"
                             << p.gateway->process->log_text().substr(0, 2000);
    auto j = r.json();
    EXPECT_EQ(j["type"], "/problems/validation") << c.name;
    ASSERT_EQ(j["errors"].size(), 1u) << c.name << ": " << r.body;
    EXPECT_EQ(j["errors"][0]["pointer"], c.pointer) << c.name;
    EXPECT_EQ(p.send("GET", "/healthz", "").status, 200) << "the gateway is still up after " << c.name;
  }

  // Tokens: a claim of the wrong type, a claim given twice (the last one once won).
  auto header = json{{"alg", "RS256"}, {"typ", "JWT"}, {"kid", p.minter.rsa_kid()}}.dump();
  auto applicant_text = p.minter.defaults(TokenMinter::applicant()).dump();
  std::vector<std::pair<const char*, std::string>> tokens = {
      {"role an array", p.minter.token({{"sub", "x"}, {"role", {"admin"}}})},
      {"sub a number", p.minter.token({{"sub", 42}, {"role", "admin"}})},
      {"org a number", p.minter.token({{"sub", "x"}, {"role", "applicant"}, {"org", 913701}})},
      {"role given twice, admin last",
       p.minter.sign_rs256_text(header, applicant_text.substr(0, applicant_text.size() - 1) + R"(,"role":"admin"})")},
  };
  for (const auto& [name, t] : tokens) {
    auto r = p.send("GET", "/v1/stats", t);
    EXPECT_EQ(r.status, 401) << name << ": " << r.body;
    EXPECT_EQ(r.json().value("type", ""), "/problems/unauthorized") << name;
  }
  // Nothing was created; the platform still works.
  EXPECT_EQ(p.send("GET", "/v1/declarations?limit=100", token).json()["items"].size(), 0u);
  p.create();
}

// Issue 13: validation once grew with the square of a body's unknown keys (5,000 passed the deadline;
// ~1 MiB with 71k keys held a workflow thread for 25 minutes). Any body up to 1 MiB is refused in
// one short answer, with a capped list of problems, and leaves no thread behind.
TEST(GatewayE2E, AMebibyteOfUnknownKeysIsRefusedWithAShortList) {
  Platform p;
  auto token = p.applicant();
  auto reviewer = p.reviewer("county", "370102");
  auto draft = p.create();
  auto submitted = p.submitted();
  // {"x0000000":<value>,…} up to about 1,000,000 bytes.
  auto many = [](const std::string& value, size_t* count) {
    std::string out = "{";
    char key[16];
    for (size_t i = 0; out.size() < 1'000'000 - 64; ++i) {
      std::snprintf(key, sizeof key, "x%07zu", i);
      out += (i ? ",\"" : "\"") + std::string(key) + "\":" + value;
      *count = i + 1;
    }
    return out + "}";
  };
  size_t n_valid = 0, n_wrong = 0;
  const auto valid_shaped = many(R"({"met":true})", &n_valid);
  const auto wrong_typed = many("1", &n_wrong);
  auto contact = R"("contact":{"name":"李工","phone":"13800000000"})";
  struct Case {
    std::string verb, shape, method, path, body, token;
    std::vector<std::string> headers;
    size_t keys;
  };
  auto ms_body = [&](const std::string& criteria) { return R"({"claimed_level":3,"criteria":)" + criteria + "}"; };
  std::vector<Case> cases;
  for (const auto& [shape, criteria, keys] : {std::tuple{"unknown criteria", &valid_shaped, n_valid},
                                              std::tuple{"wrong-typed criteria", &wrong_typed, n_wrong}}) {
    cases.push_back({"create",
                     shape,
                     "POST",
                     "/v1/declarations",
                     R"({"kind":"morning_star","round":")" + g_rounds["morning_star"] +
                         R"(","region":"370102","title":"t",)" + std::string(contact) + R"(,"payload":)" +
                         ms_body(*criteria) + "}",
                     token,
                     {},
                     keys});
    cases.push_back({"update",
                     shape,
                     "PUT",
                     "/v1/declarations/" + draft["id"].get<std::string>(),
                     R"({"title":"t",)" + std::string(contact) + R"(,"payload":)" + ms_body(*criteria) + "}",
                     token,
                     {if_match(draft)},
                     keys});
    cases.push_back({"preview",
                     shape,
                     "POST",
                     "/v1/scoring/preview",
                     R"({"kind":"morning_star","payload":)" + ms_body(*criteria) + "}",
                     token,
                     {},
                     keys});
    cases.push_back({"decision",
                     shape,
                     "POST",
                     "/v1/declarations/" + submitted["id"].get<std::string>() + "/decisions",
                     R"({"decision":"approve","comment":"ok","verified":{"criteria":)" + *criteria + "}}",
                     reviewer,
                     {if_match(submitted)},
                     keys});
  }
  for (const auto& c : cases) {
    std::vector<std::string> headers = c.headers;
    headers.push_back("Content-Type: application/json");
    headers.push_back("Authorization: Bearer " + c.token);
    auto t0 = std::chrono::steady_clock::now();
    auto r = test::http(c.method, p.url(c.path), headers, c.body);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    std::cout << "[ figures  ] " << c.verb << " with " << c.keys << " " << c.shape << " (" << c.body.size()
              << " bytes): " << r.status << " in " << ms << " ms, " << r.body.size() << " bytes of answer\n";
    EXPECT_EQ(r.status, 400) << c.verb << " " << c.shape << ": " << r.body.substr(0, 300);
    auto errors = r.json().value("errors", json());
    EXPECT_TRUE(errors.is_array() && !errors.empty()) << r.body.substr(0, 300);
    if (!errors.is_array()) continue;
    EXPECT_LE(errors.size(), 51u) << c.verb << " " << c.shape;
    bool points_inside = false;
    for (const auto& e : errors)
      points_inside = points_inside || e["pointer"].get<std::string>().find("/criteria") != std::string::npos;
    EXPECT_TRUE(points_inside) << c.verb << " " << c.shape << ": " << errors.dump().substr(0, 300);
  }
  // No thread is left working on them: an ordinary request right after is served at once.
  auto t0 = std::chrono::steady_clock::now();
  p.create();
  std::cout << "[ figures  ] an ordinary create right after: "
            << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count()
            << " ms\n";
  // The draft and the submitted declaration are as they were.
  EXPECT_EQ(p.send("GET", "/v1/declarations/" + draft["id"].get<std::string>(), token).json()["version"],
            draft["version"]);
  EXPECT_EQ(p.send("GET", "/v1/declarations/" + submitted["id"].get<std::string>(), token).json()["state"],
            "county_review");
}

TEST(GatewayE2E, IdempotencyKeysReplayAndRefuse) {
  Platform p;
  auto token = p.applicant();
  auto body = declaration_body();
  auto first = p.send("POST", "/v1/declarations", token, body, {"Idempotency-Key: order-2026-0001"});
  auto again = p.send("POST", "/v1/declarations", token, body, {"Idempotency-Key: order-2026-0001"});
  ASSERT_EQ(first.status, 201);
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.json()["id"], first.json()["id"]);
  EXPECT_EQ(again.header("idempotent-replayed"), "true");
  EXPECT_EQ(p.send("GET", "/v1/declarations?limit=100", token).json()["items"].size(), 1u);
  body["title"] = "另一份";
  auto other = p.send("POST", "/v1/declarations", token, body, {"Idempotency-Key: order-2026-0001"});
  EXPECT_EQ(other.status, 422);
  // Keys are per caller: another org's same key is its own.
  auto theirs = p.send("POST", "/v1/declarations", p.applicant(kOtherOrg), body, {"Idempotency-Key: order-2026-0001"});
  EXPECT_EQ(theirs.status, 201);
}

// CONTRACT §3: a claim whose gateway died before it recorded the response stays "in progress" (409
// with Retry-After) while its request might still run; once older than the claim timeout (30 s) a
// retry takes it over and runs again, and the re-run creates nothing twice (the workflow's request key).
TEST(GatewayE2E, ARetryTakesOverTheClaimOfAGatewayThatDiedAndCreatesNothingTwice) {
  Platform p;
  auto token = p.applicant();
  const auto body = declaration_body();
  const std::string key = "crash-2026-0001";
  auto post = [&] { return p.send("POST", "/v1/declarations", token, body, {"Idempotency-Key: " + key}); };
  auto first = post();
  ASSERT_EQ(first.status, 201) << first.body;
  const auto id = first.json()["id"].get<std::string>();

  // The row as a gateway killed between claiming the key and storing the response leaves it.
  db::Pool gateway_db(p.gateway->db.options(1));
  auto abandoned = [&](int seconds_ago) {
    auto c = gateway_db.acquire();
    ASSERT_EQ(c->execute("UPDATE idempotency_keys SET status = 0, headers = '{}', body = '', created_at = "
                         "UTC_TIMESTAMP(6) - INTERVAL ? SECOND WHERE idem_key = ?",
                         {seconds_ago, key}),
              1u);
  };
  abandoned(5);
  auto busy = post();
  EXPECT_EQ(busy.status, 409) << busy.body;
  const auto retry_after = std::atoi(busy.header("retry-after").c_str());
  EXPECT_GE(retry_after, 24) << busy.header("retry-after");
  EXPECT_LE(retry_after, 25) << busy.header("retry-after");

  abandoned(60);
  auto again = post();
  ASSERT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(again.header("idempotent-replayed"), "") << "run again, not replayed";
  EXPECT_EQ(again.json()["id"], id);
  EXPECT_EQ(again.json()["number"], first.json()["number"]);
  auto items = p.send("GET", "/v1/declarations?limit=100", token).json()["items"];
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["id"], id);
  std::vector<std::string> actions;
  auto history = p.send("GET", "/v1/declarations/" + id + "/history", token).json();
  for (const auto& e : history["items"]) actions.push_back(e["action"]);
  EXPECT_EQ(actions, std::vector<std::string>{"create"});
  // The re-run's response is the one kept now.
  auto third = post();
  EXPECT_EQ(third.status, 201);
  EXPECT_EQ(third.header("idempotent-replayed"), "true");
  EXPECT_EQ(third.json()["id"], id);
}

// CONTRACT §3: a submit that workflow carried out while the gateway's request timed out is answered
// 503 and its key released; the retry gets the first response (the workflow's reply record), not
// the 409 of the state the submit made, and the declaration is submitted once.
TEST(GatewayE2E, ARetryAfterALostReplyGetsTheFirstResponseOfASubmit) {
  Platform p;
  auto token = p.applicant();
  auto created = p.send("POST", "/v1/declarations", token, declaration_body());
  ASSERT_EQ(created.status, 201) << created.body;
  const auto id = created.json()["id"].get<std::string>();
  const std::string key = "lost-reply-2026-0001";
  auto post = [&] {
    return p.send("POST", "/v1/declarations/" + id + "/submit", token, std::nullopt, {"Idempotency-Key: " + key});
  };
  auto first = post();
  ASSERT_EQ(first.status, 200) << first.body;

  // What the gateway leaves after a 503: the key released, the change made by workflow.
  db::Pool gateway_db(p.gateway->db.options(1));
  ASSERT_EQ(gateway_db.acquire()->execute("DELETE FROM idempotency_keys WHERE idem_key = ?", {key}), 1u);
  auto again = post();
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.header("idempotent-replayed"), "") << "run again, not replayed by the gateway";
  EXPECT_EQ(again.json()["version"], first.json()["version"]);
  EXPECT_EQ(again.json()["state"], first.json()["state"]);
  EXPECT_EQ(again.json(), first.json()) << "the first response's body";
  std::vector<std::string> actions;
  auto history = p.send("GET", "/v1/declarations/" + id + "/history", token).json();
  for (const auto& e : history["items"]) actions.push_back(e["action"]);
  EXPECT_EQ(actions, (std::vector<std::string>{"create", "submit"}));
}

TEST(GatewayE2E, ASlowClientIsCutOffWhileOthersAreServed) {
  Platform p;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(p.gateway->port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::atomic<bool> cut{false};
  auto started = std::chrono::steady_clock::now();
  std::thread slow([&] {
    const std::string request = "GET /v1/catalogs/morning-star HTTP/1.1\r\nHost: x\r\n\r\n";
    for (char c : request) {  // a byte a second
      char probe;
      // Closed by the gateway: a read sees the end, or a write fails on the reset connection.
      if (::send(fd, &c, 1, MSG_NOSIGNAL) != 1 || ::recv(fd, &probe, 1, MSG_DONTWAIT) == 0) {
        cut = true;
        break;
      }
      std::this_thread::sleep_for(1s);
    }
  });
  for (int i = 0; i < 20; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(p.send("GET", "/v1/catalogs/industry-brain", "").status, 200);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
    std::this_thread::sleep_for(100ms);
  }
  slow.join();
  ::close(fd);
  EXPECT_TRUE(cut.load());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 6s) << "the read timeout is 2 s";
}

TEST(GatewayE2E, ADependencyThatDoesNotAnswerIs503AndNothingHalfDone) {
  Platform p;
  auto token = p.applicant();
  auto d = p.create();
  p.workflow.process->stop(SIGTERM);
  auto t0 = std::chrono::steady_clock::now();
  auto r = p.send("POST", "/v1/declarations", token, declaration_body());
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.header("retry-after"), "1");
  EXPECT_EQ(r.json()["type"], "/problems/unavailable");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s) << "the deadline is 1.5 s";
  EXPECT_TRUE(test::eventually([&] { return p.send("GET", "/readyz", "").status == 503; }));
  // Back up: the earlier declaration is there and nothing else was created.
  test::ServiceUnderTest again("workflow", p.nats,
                               {{"SDP_DB_NAME", p.workflow.db.name()},
                                {"SDP_DB_USER", p.workflow.db.user()},
                                {"SDP_DB_PASSWORD", p.workflow.db.password()}});
  ASSERT_TRUE(again.wait_ready());
  auto list = p.send("GET", "/v1/declarations?limit=100", token);
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.json()["items"].size(), 1u);
  EXPECT_EQ(list.json()["items"][0]["id"], d["id"]);
}

// CONTRACT §3: an Idempotency-Key belongs to the whole caller and the path. Another org's user,
// or a reviewer, with the same sub and key never gets the first caller's stored response.
TEST(GatewayE2E, AnIdempotencyKeyIsNeverReplayedToAnotherCaller) {
  Platform p;
  auto with_sub = [&](json claims) {
    claims["sub"] = "same-user-7";
    return p.minter.token(claims);
  };
  auto mine = with_sub(TokenMinter::applicant(kOrg));
  auto theirs = with_sub(TokenMinter::applicant(kOtherOrg));
  auto reviewer = with_sub(TokenMinter::reviewer("county", "370102"));
  auto first = p.send("POST", "/v1/declarations", mine, declaration_body(), {"Idempotency-Key: key-1"});
  ASSERT_EQ(first.status, 201) << first.body;
  auto other = p.send("POST", "/v1/declarations", theirs, declaration_body(), {"Idempotency-Key: key-1"});
  ASSERT_EQ(other.status, 201) << other.body;
  EXPECT_EQ(other.header("idempotent-replayed"), "");
  EXPECT_NE(other.json()["id"], first.json()["id"]);
  EXPECT_EQ(other.json()["org"], kOtherOrg);

  auto id = first.json()["id"].get<std::string>();
  auto submit = p.send("POST", "/v1/declarations/" + id + "/submit", mine, std::nullopt, {"Idempotency-Key: key-2"});
  ASSERT_EQ(submit.status, 200) << submit.body;
  for (const auto& stranger : {theirs, reviewer}) {
    auto r = p.send("POST", "/v1/declarations/" + id + "/submit", stranger, std::nullopt, {"Idempotency-Key: key-2"});
    EXPECT_NE(r.status, 200) << r.body;
    EXPECT_EQ(r.header("idempotent-replayed"), "");
    EXPECT_EQ(r.body.find(kOrg), std::string::npos) << "another caller's declaration: " << r.body;
  }
  // The same caller's key on another path is another request, not a replay of the first.
  auto withdraw =
      p.send("POST", "/v1/declarations/" + id + "/withdraw", mine, std::nullopt, {"Idempotency-Key: key-2"});
  EXPECT_EQ(withdraw.status, 200) << withdraw.body;
  EXPECT_EQ(withdraw.json()["state"], "withdrawn");
  EXPECT_EQ(withdraw.header("idempotent-replayed"), "");
}

// Labels of /metrics come only from closed sets: an odd method or path adds no series.
TEST(GatewayE2E, MetricsLabelsNeverComeFromTheClient) {
  Platform p;
  const std::string odd_method = "X" + std::string(600, 'M');
  p.send(odd_method, "/v1/declarations", "");
  p.send("BREW", "/v1/no-such-thing-4711", "");
  p.send("GET", "/no/such/path-4711", "");
  auto metrics = p.send("GET", "/metrics", "").body;
  EXPECT_EQ(metrics.find(odd_method), std::string::npos);
  EXPECT_EQ(metrics.find("BREW"), std::string::npos);
  EXPECT_EQ(metrics.find("4711"), std::string::npos);
  EXPECT_NE(metrics.find("method=\"other\""), std::string::npos) << metrics;
}

// Responses with people's names, phones and e-mails are never stored by a cache, and no
// response is content-sniffed.
TEST(GatewayE2E, ApiResponsesAreNeitherCachedNorSniffed) {
  Platform p;
  auto token = p.applicant();
  auto d = p.create();
  auto id = d["id"].get<std::string>();
  for (const auto& r : {p.send("GET", "/v1/declarations/" + id, token), p.send("GET", "/v1/declarations", token),
                        p.send("GET", "/v1/declarations/" + id + "/history", token),
                        p.send("POST", "/v1/declarations", token, declaration_body()),
                        p.send("GET", "/v1/declarations/" + id, ""), p.send("GET", "/v1/notifications", token)}) {
    EXPECT_EQ(r.header("cache-control"), "no-store") << r.status << " " << r.body.substr(0, 100);
    EXPECT_EQ(r.header("x-content-type-options"), "nosniff") << r.status;
  }
  // Public catalogues keep their own caching, and are not sniffed either.
  auto catalogue = p.send("GET", "/v1/catalogs/morning-star", "");
  EXPECT_NE(catalogue.header("cache-control"), "no-store");
  EXPECT_EQ(catalogue.header("x-content-type-options"), "nosniff");
  EXPECT_EQ(p.send("GET", "/healthz", "").header("x-content-type-options"), "nosniff");
}

// CONTRACT §6 over HTTP: the four round routes, and a declaration in a round.
TEST(GatewayE2E, RoundsOverHttpAndADeclarationInOne) {
  Platform p;
  const auto admin = p.minter.token(TokenMinter::admin());
  const auto applicant = p.applicant();
  const std::string zh = "Accept-Language: zh-CN,zh;q=0.9";

  // POST: the admin alone; the schema bounds the body; the service checks the dates.
  auto body = test::open_round_body("morning_star");
  EXPECT_EQ(p.send("POST", "/v1/rounds", applicant, body).status, 403);
  auto bad = body;
  bad["review_working_days"]["county"] = 61;
  bad["quotas"] = {{"110100", 1}};
  auto refused = p.send("POST", "/v1/rounds", admin, bad);
  ASSERT_EQ(refused.status, 400) << refused.body;
  std::set<std::string> pointers;
  const auto problems = refused.json();  // named: iterating a member of a temporary would dangle
  for (const auto& e : problems["errors"]) pointers.insert(e["pointer"].get<std::string>());
  EXPECT_TRUE(pointers.contains("/review_working_days/county")) << refused.body;
  EXPECT_TRUE(pointers.contains("/quotas/110100")) << refused.body;
  auto backwards = body;
  backwards["opens_at"] = body["closes_at"];
  auto b = p.send("POST", "/v1/rounds", admin, backwards, {zh});
  ASSERT_EQ(b.status, 400) << b.body;
  EXPECT_EQ(b.json()["errors"][0]["pointer"], "/closes_at");
  EXPECT_NE(b.json()["errors"][0]["message"].get<std::string>().find("截止时间"), std::string::npos) << b.body;

  auto created = p.send("POST", "/v1/rounds", admin, body);
  ASSERT_EQ(created.status, 201) << created.body;
  auto round = created.json();
  auto path = "/v1/rounds/" + round["id"].get<std::string>();
  EXPECT_EQ(created.header("location"), path);
  EXPECT_EQ(created.header("etag"), "\"1\"");
  EXPECT_EQ(round["state"], "open");

  // GET one and the list, by any role.
  auto got = p.send("GET", path, p.reviewer("county", "370102"));
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.json()["title"], body["title"]);
  auto listed = p.send("GET", "/v1/rounds?kind=morning_star&state=open", applicant);
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(listed.json()["items"].size(), 2u) << "the platform's own and this one";
  EXPECT_EQ(p.send("GET", "/v1/rounds?state=closed", applicant).json()["items"].size(), 0u);
  EXPECT_EQ(p.send("GET", "/v1/rounds?state=draft", applicant).status, 400);
  EXPECT_EQ(p.send("GET", "/v1/rounds/00000000-0000-7000-8000-000000000000", applicant).status, 404);

  // PATCH: If-Match required, a stale one refused, the admin alone.
  json patch = {{"closes_at", test::rfc3339_from_now(-std::chrono::hours(1))},
                {"opens_at", test::rfc3339_from_now(-std::chrono::hours(48))}};
  EXPECT_EQ(p.send("PATCH", path, admin, patch).status, 428);
  EXPECT_EQ(p.send("PATCH", path, admin, patch, {"If-Match: \"9\""}).status, 412);
  EXPECT_EQ(p.send("PATCH", path, applicant, patch, {"If-Match: \"1\""}).status, 403);

  // A declaration in the open round: it names the round and gets its kind.
  auto decl = declaration_body();
  decl["round"] = round["id"];
  decl.erase("kind");
  auto d = p.send("POST", "/v1/declarations", applicant, decl);
  ASSERT_EQ(d.status, 201) << d.body;
  EXPECT_EQ(d.json()["round"], round["id"]);
  EXPECT_EQ(d.json()["kind"], "morning_star");
  EXPECT_EQ(d.json()["org_name"], "历下区某智能装备有限公司");

  // The round closes: creating in it and first submitting are 409, with the dates, in Chinese too.
  auto closed = p.send("PATCH", path, admin, patch, {"If-Match: \"1\""});
  ASSERT_EQ(closed.status, 200) << closed.body;
  EXPECT_EQ(closed.header("etag"), "\"2\"");
  EXPECT_EQ(closed.json()["state"], "closed");
  auto late = p.send("POST", "/v1/declarations", applicant, decl, {zh});
  ASSERT_EQ(late.status, 409) << late.body;
  EXPECT_NE(late.json()["detail"].get<std::string>().find("已截止"), std::string::npos) << late.body;
  auto submit = p.send("POST", "/v1/declarations/" + d.json()["id"].get<std::string>() + "/submit", applicant);
  EXPECT_EQ(submit.status, 409) << submit.body;
  EXPECT_NE(submit.json()["detail"].get<std::string>().find(closed.json()["closes_at"].get<std::string>()),
            std::string::npos)
      << submit.body;
}

// CONTRACT §6 over HTTP: 济南 hits its quota (422 with the counts, in both languages), the
// province's return frees a place, and the city ranks its recommendations, which the province sees.
TEST(GatewayE2E, ACityHitsItsQuotaAReturnFreesAPlaceAndTheCityRanks) {
  Platform p;
  const auto admin = p.minter.token(TokenMinter::admin());
  const auto applicant = p.applicant();
  const auto county = p.reviewer("county", "370102");
  const auto city = p.reviewer("city", "370100");
  const auto province = p.reviewer("province", "370000");
  const std::string zh = "Accept-Language: zh-CN,zh;q=0.9";

  auto body = test::open_round_body("morning_star");
  body["quotas"] = {{"370100", 2}};
  auto round = p.send("POST", "/v1/rounds", admin, body).json();
  const std::string round_path = "/v1/rounds/" + round["id"].get<std::string>();
  const std::string ranking_path = round_path + "/recommendations/370100";
  auto decide = [&](const std::string& token, const json& d, const std::string& decision,
                    std::vector<std::string> headers = {}) {
    headers.push_back(if_match(d));
    return p.send("POST", "/v1/declarations/" + d["id"].get<std::string>() + "/decisions", token,
                  json{{"decision", decision}, {"comment", "意见"}}, headers);
  };
  auto fresh = [&](const json& d, const std::string& token) {
    return p.send("GET", "/v1/declarations/" + d["id"].get<std::string>(), token).json();
  };
  // Three declarations at the city.
  std::vector<json> ds;
  for (int i = 0; i < 3; ++i) {
    auto decl = declaration_body();
    decl["round"] = round["id"];
    auto d = p.create(kOrg, decl);
    auto s = p.send("POST", "/v1/declarations/" + d["id"].get<std::string>() + "/submit", applicant);
    ASSERT_EQ(s.status, 200) << s.body;
    auto c = decide(county, s.json(), "approve");
    ASSERT_EQ(c.status, 200) << c.body;
    ds.push_back(c.json());
  }
  for (int i = 0; i < 2; ++i) {
    auto r = decide(city, ds[i], "approve");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["recommendation_rank"], i + 1);
    ds[i] = r.json();
  }
  auto over = decide(city, ds[2], "approve");
  ASSERT_EQ(over.status, 422) << over.body;
  EXPECT_EQ(over.json()["detail"], "quota exhausted: 2 of 2 used");
  auto over_zh = decide(city, ds[2], "approve", {zh});
  EXPECT_EQ(over_zh.json()["detail"], "推荐名额已用完：已用 2 个，共 2 个") << over_zh.body;
  auto counted = p.send("GET", round_path, applicant).json()["counts"];
  EXPECT_EQ(counted["cities"]["370100"], (json{{"recommended", 2}, {"quota", 2}}));
  EXPECT_EQ(counted["declared"], 3);
  EXPECT_EQ(counted["submitted"], 3);

  // PATCH below the use is 422 naming the city and the counts.
  auto lowered = p.send("PATCH", round_path, admin, json{{"quotas", {{"370100", 1}}}}, {"If-Match: \"1\""});
  ASSERT_EQ(lowered.status, 422) << lowered.body;
  EXPECT_EQ(lowered.json()["errors"][0]["pointer"], "/quotas/370100");
  EXPECT_NE(lowered.body.find("already used 2"), std::string::npos) << lowered.body;

  // The province returns the first: the place is free, the third is recommended in it.
  auto returned = decide(province, ds[0], "return");
  ASSERT_EQ(returned.status, 200) << returned.body;
  EXPECT_TRUE(returned.json()["recommendation_rank"].is_null());
  EXPECT_EQ(fresh(ds[1], province)["recommendation_rank"], 1) << "the gap closes";
  auto third = decide(city, ds[2], "approve");
  ASSERT_EQ(third.status, 200) << third.body;
  EXPECT_EQ(third.json()["recommendation_rank"], 2);
  // The returned one cannot go back to the province while the city is full.
  auto again = p.send("POST", "/v1/declarations/" + ds[0]["id"].get<std::string>() + "/submit", applicant);
  ASSERT_EQ(again.status, 422) << again.body;
  EXPECT_EQ(again.json()["detail"], "quota exhausted: 2 of 2 used");

  // The city ranks: the third first. Another list is 422 with the missing id; the province may not rank.
  const std::vector<std::string> order{ds[2]["id"], ds[1]["id"]};
  auto ranked = p.send("PUT", ranking_path, city, json{{"ids", order}});
  ASSERT_EQ(ranked.status, 200) << ranked.body;
  EXPECT_EQ(ranked.json()["items"][0]["id"], ds[2]["id"]);
  EXPECT_EQ(ranked.json()["items"][0]["recommendation_rank"], 1);
  EXPECT_EQ(ranked.json()["items"][0]["org_name"], "历下区某智能装备有限公司");
  EXPECT_EQ(ranked.json()["items"][0]["claimed_level"], 3);
  auto partial = p.send("PUT", ranking_path, city, json{{"ids", {ds[2]["id"]}}});
  ASSERT_EQ(partial.status, 422) << partial.body;
  EXPECT_NE(partial.body.find(ds[1]["id"].get<std::string>()), std::string::npos) << partial.body;
  EXPECT_EQ(p.send("PUT", ranking_path, province, json{{"ids", order}}).status, 403);
  EXPECT_EQ(p.send("PUT", ranking_path, city, json{{"ids", {"not-an-id"}}}).status, 400);
  EXPECT_EQ(p.send("GET", round_path + "/recommendations/110100", city).status, 404);
  auto seen = p.send("GET", ranking_path, province);
  ASSERT_EQ(seen.status, 200) << seen.body;
  EXPECT_EQ(seen.json()["used"], 2);
  EXPECT_EQ(seen.json()["quota"], 2);
  EXPECT_EQ(fresh(ds[2], province)["recommendation_rank"], 1) << "the province sees the rank";
  EXPECT_EQ(fresh(ds[1], province)["recommendation_rank"], 2);
  EXPECT_TRUE(fresh(ds[2], applicant)["recommendation_rank"].is_null());

  // Statistics of the round, and ratings expiring (none approved yet).
  auto stats = p.send("GET", "/v1/stats?round=" + round["id"].get<std::string>(), province);
  ASSERT_EQ(stats.status, 200) << stats.body;
  EXPECT_EQ(stats.json()["round"]["recommended"]["370100"]["recommended"], 2);
  EXPECT_EQ(stats.json()["round"]["at_tier"]["province_review"], 2);
  EXPECT_EQ(p.send("GET", "/v1/stats?round=nope", province).status, 400);
  auto expiring = p.send("GET", "/v1/declarations?valid_until_before=2100-01-01", province);
  ASSERT_EQ(expiring.status, 200) << expiring.body;
  EXPECT_EQ(expiring.json()["items"].size(), 0u);
  EXPECT_EQ(p.send("GET", "/v1/declarations?valid_until_before=2026-02-30", province).status, 400);
}

// The reviewer's queue over HTTP (CONTRACT §6): search, filters, sorts, paging with its total, and
// the refusals at the edge and by rule, each reply checked against openapi.json.
TEST(GatewayE2E, TheQueueSearchesFiltersSortsAndCounts) {
  Platform p;
  auto declare = [&](const std::string& region, const std::string& org_name, const std::string& title,
                     const std::string& org = kOrg) {
    auto body = declaration_body(region);
    body["org_name"] = org_name;
    body["title"] = title;
    auto d = p.create(org, body);
    auto r = p.send("POST", "/v1/declarations/" + d["id"].get<std::string>() + "/submit", p.applicant(org));
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json();
  };
  auto a = declare("370102", "济南明湖Precision有限公司", "明湖智能工厂");
  auto b = declare("370102", "历下区泉城装备有限公司", "泉城数字化车间", kOtherOrg);
  auto c = declare("370102", "济南明湖Precision有限公司", "明湖二期");
  auto elsewhere = declare("370103", "济南明湖Precision有限公司", "市中区工厂");
  const auto county = p.reviewer("county", "370102");
  auto queue = [&](const std::string& query, const std::string& token) {
    return p.send("GET", "/v1/reviews/pending?" + query, token);
  };
  auto ids_of = [](const json& page) {
    std::vector<std::string> out;
    for (const auto& i : page["items"]) out.push_back(i["id"]);
    return out;
  };

  auto all = queue("", county);
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(all.json()["total"], 3);
  EXPECT_EQ(ids_of(all.json()), (std::vector<std::string>{a["id"], b["id"], c["id"]})) << "first arrived first";
  const json item = all.json()["items"][0];
  EXPECT_EQ(item["claimed_level"], 3);
  EXPECT_FALSE(item.contains("payload")) << "a list row; the content is the declaration's own read";
  EXPECT_TRUE(item["score_total"].is_null());
  EXPECT_EQ(item["overdue"], false);
  EXPECT_EQ(item["escalated"], false);
  EXPECT_EQ(item["org_name"], "济南明湖Precision有限公司");
  EXPECT_EQ(item["round"], g_rounds["morning_star"]);
  ASSERT_FALSE(item["due_at"].is_null()) << "the round gives the county 5 working days";
  EXPECT_GE(item["working_days_left"].get<int>(), 4);
  EXPECT_LE(item["working_days_left"].get<int>(), 5);

  // q=: an org_name substring in another case, a number prefix, a title; percent-encoded UTF-8.
  auto found = queue("q=%20precision%E6%9C%89%E9%99%90&limit=1", county);  // " precision有限"
  ASSERT_EQ(found.status, 200) << found.body;
  EXPECT_EQ(found.json()["total"], 2);
  EXPECT_EQ(ids_of(found.json()), std::vector<std::string>{a["id"]});
  auto second =
      queue("q=precision%E6%9C%89%E9%99%90&limit=1&cursor=" + found.json()["next_cursor"].get<std::string>(), county);
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(ids_of(second.json()), std::vector<std::string>{c["id"]});
  EXPECT_EQ(second.json()["total"], 2);
  EXPECT_TRUE(second.json()["next_cursor"].is_null());
  EXPECT_EQ(queue("q=" + b["number"].get<std::string>().substr(0, 15), county).json()["total"], 3) << "MSF-2026-370102";
  EXPECT_EQ(ids_of(queue("q=" + b["number"].get<std::string>(), county).json()), std::vector<std::string>{b["id"]});
  EXPECT_EQ(ids_of(queue("q=%E6%95%B0%E5%AD%97%E5%8C%96", county).json()), std::vector<std::string>{b["id"]})
      << "数字化, in a title";
  EXPECT_EQ(queue("q=%E5%B8%82%E4%B8%AD%E5%8C%BA", county).json()["total"], 0) << "市中区 is another county's";

  // Filters and the sort by due date; a city sees both counties, and county= narrows it.
  EXPECT_EQ(queue("round=" + g_rounds["morning_star"] + "&kind=morning_star&sort=due_at", county).json()["total"], 3);
  EXPECT_EQ(queue("kind=industry_brain", county).json()["total"], 0);
  EXPECT_EQ(queue("overdue=true", county).json()["total"], 0);
  (void)elsewhere;
  auto declare_at_city = [&](const json& d) {
    auto r = p.send("POST", "/v1/declarations/" + d["id"].get<std::string>() + "/decisions", county,
                    json{{"decision", "approve"}, {"comment", "同意"}}, {if_match(d)});
    EXPECT_EQ(r.status, 200) << r.body;
  };
  declare_at_city(a);
  const auto city = p.reviewer("city", "370100");
  EXPECT_EQ(queue("", city).json()["total"], 1);
  EXPECT_EQ(queue("county=370103", city).json()["total"], 0);
  EXPECT_EQ(queue("county=370102&q=%E6%98%8E%E6%B9%96", city).json()["total"], 1) << "明湖";

  // Refused: at the edge (400), and by rule (422), in Chinese when asked.
  auto zh = [&](const std::string& query, const std::string& token) {
    return p.send("GET", "/v1/reviews/pending?" + query, token, std::nullopt, {"Accept-Language: zh-CN"});
  };
  auto too_long = zh("q=" + std::string(51, 'x'), county);
  EXPECT_EQ(too_long.status, 400);
  EXPECT_EQ(too_long.json()["errors"][0]["pointer"], "/query/q");
  EXPECT_EQ(too_long.json()["errors"][0]["message"], "最多 50 个字");
  EXPECT_EQ(zh("sort=oldest", county).status, 400);
  EXPECT_EQ(zh("overdue=yes", county).status, 400);
  EXPECT_EQ(zh("round=not-a-round", county).status, 400);
  auto outside = zh("county=370103", county);
  EXPECT_EQ(outside.status, 422) << outside.body;
  EXPECT_EQ(outside.json()["errors"][0]["pointer"], "/query/county");
  EXPECT_EQ(outside.json()["title"], "该县（市、区）不在您的管辖范围内");
  EXPECT_EQ(zh("county=370202", city).status, 422) << "Qingdao's, to Jinan";
  auto page = queue("limit=1", county);
  auto other_sort = zh("limit=1&sort=due_at&cursor=" + page.json()["next_cursor"].get<std::string>(), county);
  EXPECT_EQ(other_sort.status, 422) << other_sort.body;
  EXPECT_EQ(other_sort.json()["errors"][0]["pointer"], "/query/cursor");
  EXPECT_EQ(p.send("GET", "/v1/declarations?cursor=" + page.json()["next_cursor"].get<std::string>(), county).status,
            400)
      << "the queue's cursor is not a list's";
}
