// The OpenAPI check every e2e reply goes through: it translates OpenAPI 3.0 schemas faithfully and
// refuses, with where and why, what departs from the project's document.
#include <gtest/gtest.h>

#include <tuple>

#include "openapi_contract.hpp"
#include "sdp/build_info.hpp"
#include "sdp/scoring/scorer.hpp"

using nlohmann::json;
using sdp::test::OpenApiContract;

namespace {

const std::map<std::string, std::string> kJson = {{"content-type", "application/json"}, {"x-request-id", "r1"}};
const std::string kId = "0b9c5d1e-2f3a-4b5c-8d7e-6f5a4b3c2d1e";

json declaration() {
  return {{"id", kId},
          {"number", "MSF-2026-370102-000001"},
          {"kind", "morning_star"},
          {"org", "91370102MA3C00000B"},
          {"region", "370102"},
          {"title", "某公司晨星工厂申报"},
          {"contact", {{"name", "李工"}, {"phone", "13800000000"}, {"email", "li@example.cn"}}},
          {"state", "draft"},
          {"returned_by", nullptr},
          {"version", 1},
          {"payload", {{"claimed_level", 3}, {"criteria", json::object()}}},
          {"score", nullptr},
          {"score_version", nullptr},
          {"verdicts", json::array()},
          {"publicity_ends_at", nullptr},
          {"created_at", "2026-12-01T08:00:00.000000Z"},
          {"updated_at", "2026-12-01T08:00:00.000000Z"}};
}

json history_entry(const json& from) {
  return {
      {"seq", 1},
      {"at", "2026-12-01T08:00:00.000000Z"},
      {"actor",
       {{"sub", "u1"}, {"role", "applicant"}, {"tier", nullptr}, {"region", nullptr}, {"org", "91370102MA3C00000B"}}},
      {"action", "create"},
      {"from", from},
      {"to", "draft"},
      {"comment", nullptr},
      {"prev_hash", nullptr},
      {"hash", std::string(64, 'a')}};
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

const OpenApiContract& doc() { return OpenApiContract::gateway(); }

}  // namespace

TEST(OpenApiContract, TranslatesNullableRefsAndBoundsToDraft7) {
  EXPECT_EQ(
      OpenApiContract::to_json_schema(json::parse(R"({"type":"string","nullable":true,"enum":["a"],"example":"a"})")),
      json::parse(R"({"type":["string","null"],"enum":["a"]})"));
  EXPECT_EQ(
      OpenApiContract::to_json_schema(json::parse(R"({"nullable":true,"oneOf":[{"$ref":"#/components/schemas/X"}]})")),
      json::parse(R"({"oneOf":[{"$ref":"#/definitions/X"}]})"));
  EXPECT_EQ(OpenApiContract::to_json_schema(json::parse(R"({"type":"number","minimum":0,"exclusiveMinimum":true})")),
            json::parse(R"({"type":"number","exclusiveMinimum":0})"));
  // A property named like an OpenAPI keyword is a property, not the keyword.
  EXPECT_EQ(
      OpenApiContract::to_json_schema(json::parse(R"({"properties":{"example":{"type":"string","nullable":true}}})")),
      json::parse(R"({"properties":{"example":{"type":["string","null"]}}})"));
}

TEST(OpenApiContract, ADraftBeforeScoringFollowsTheDocument) {
  auto headers = kJson;
  headers["etag"] = "\"1\"";
  headers["location"] = "/v1/declarations/" + kId;
  EXPECT_EQ(joined(doc().check("POST", "/v1/declarations", true, 201, headers, declaration().dump())), "");
  json history = {{"items", {history_entry(nullptr)}}, {"chain_valid", true}, {"first_broken_seq", nullptr}};
  EXPECT_EQ(joined(doc().check("GET", "/v1/declarations/" + kId + "/history", false, 200, kJson, history.dump())), "");
}

TEST(OpenApiContract, SubmitAndWithdrawDescribeTheirOptionalBody) {
  auto headers = kJson;
  headers["etag"] = "\"2\"";
  auto d = declaration();
  d["state"] = "county_review";
  for (const char* verb : {"submit", "withdraw"})
    EXPECT_EQ(joined(doc().check("POST", "/v1/declarations/" + kId + "/" + verb, true, 200, headers, d.dump())), "")
        << verb;
}

TEST(OpenApiContract, RefusesWhatBreaksTheDocumentSayingWhereAndWhy) {
  // A created declaration without its Location header.
  auto problems = joined(doc().check("POST", "/v1/declarations", true, 201, kJson, declaration().dump()));
  EXPECT_NE(problems.find("header Location is required but missing"), std::string::npos) << problems;

  // A history entry whose `from` is "" (neither a state nor null).
  json history = {{"items", {history_entry("")}}, {"chain_valid", true}, {"first_broken_seq", nullptr}};
  problems = joined(doc().check("GET", "/v1/declarations/" + kId + "/history", false, 200, kJson, history.dump()));
  EXPECT_NE(problems.find("GET /v1/declarations/{id}/history -> 200: body /items/0/from"), std::string::npos)
      << problems;

  // A declaration without updated_at.
  auto d = declaration();
  d.erase("updated_at");
  problems = joined(doc().check("GET", "/v1/declarations/" + kId, false, 200, kJson, d.dump()));
  EXPECT_NE(problems.find("body /updated_at"), std::string::npos) << problems;

  // A score that is neither kind's.
  d = declaration();
  d["score"] = {{"model", {{"name", "morning_star"}, {"version", "2026.1"}}}, {"level", 3}};
  problems = joined(doc().check("GET", "/v1/declarations/" + kId, false, 200, kJson, d.dump()));
  EXPECT_NE(problems.find("body /score"), std::string::npos) << problems;

  // A problem sent as plain JSON, a status the operation does not list, a path the API does not have.
  json problem = {{"type", "/problems/not-found"}, {"title", "Not found"}, {"status", 404}};
  problems = joined(doc().check("GET", "/v1/declarations/" + kId, false, 404, kJson, problem.dump()));
  EXPECT_NE(problems.find("Content-Type 'application/json' is not one the document gives (application/problem+json)"),
            std::string::npos)
      << problems;
  problems = joined(doc().check("GET", "/v1/declarations/" + kId, false, 418, kJson, "{}"));
  EXPECT_NE(problems.find("-> 418: status not documented"), std::string::npos) << problems;
  problems = joined(doc().check("GET", "/v1/no-such-thing", false, 200, kJson, "{}"));
  EXPECT_NE(problems.find("not in the document, so it must be 404"), std::string::npos) << problems;
  EXPECT_EQ(joined(doc().check("GET", "/v1/no-such-thing", false, 404, {{"content-type", "application/problem+json"}},
                               problem.dump())),
            "");

  // A documented header whose value breaks its schema.
  auto headers = kJson;
  headers["content-type"] = "application/problem+json";
  headers["retry-after"] = "soon";
  json unavailable = {{"type", "/problems/unavailable"}, {"title", "Service temporarily unavailable"}, {"status", 503}};
  problems = joined(doc().check("GET", "/v1/declarations/" + kId, false, 503, headers, unavailable.dump()));
  EXPECT_NE(problems.find("header Retry-After 'soon'"), std::string::npos) << problems;
}

// The scores the engine produces, of either kind and with or without verdicts, are what the
// document's `Score` (and so a declaration's `score`) says: exactly one of its branches.
TEST(OpenApiContract, TheEnginesScoresOfBothKindsFollowTheDocument) {
  using sdp::scoring::Kind;
  auto scorer = sdp::scoring::Scorer::load(sdp::build_info::kSchemasDir, "2026.1", "2026.1");
  json all_met = json::object(), ib_full = json::object();
  for (const auto& c : scorer.morning_star_catalog().criteria) all_met[c.id] = {{"met", true}};
  for (const auto& i : scorer.industry_brain_catalog().indicators)
    ib_full[i.id] = i.input == sdp::scoring::Indicator::Input::grade ? json{{"grade", "B"}}
                                                                     : json{{"value", i.id == "L5P5" ? 3 : 10}};
  json ms_verdict = {{"criteria", {{scorer.morning_star_catalog().criteria.front().id, false}}}};
  json ib_verdict = {{"indicators", {{"L1P1", {{"value", 1}}}}}};
  const std::vector<std::tuple<Kind, json, std::vector<sdp::scoring::Verdict>>> cases = {
      {Kind::morning_star, json::object(), {}},
      {Kind::morning_star, {{"claimed_level", 3}, {"criteria", all_met}}, {}},
      {Kind::morning_star, {{"claimed_level", 5}, {"criteria", all_met}}, {{"county", ms_verdict}}},
      {Kind::industry_brain, {{"cluster_name", "济南集群"}, {"indicators", json::object()}}, {}},
      {Kind::industry_brain, {{"cluster_name", "济南集群"}, {"indicators", ib_full}}, {{"city", ib_verdict}}},
  };
  auto d = declaration();
  auto headers = kJson;
  headers["etag"] = "\"1\"";
  for (const auto& [kind, payload, verdicts] : cases) {
    auto score = scorer.score(kind, payload, verdicts);
    ASSERT_TRUE(score.has_value()) << payload.dump();
    SCOPED_TRACE(score->dump());
    EXPECT_EQ(joined(doc().check("POST", "/v1/scoring/preview", true, 200, kJson, score->dump())), "");
    d["kind"] = sdp::name(kind);
    d["number"] = kind == Kind::morning_star ? "MSF-2026-370102-000001" : "IBR-2026-370102-000001";
    d["payload"] = payload;
    d["score"] = *score;
    d["score_version"] = 1;
    EXPECT_EQ(joined(doc().check("GET", "/v1/declarations/" + kId, false, 200, headers, d.dump())), "");
  }
}
