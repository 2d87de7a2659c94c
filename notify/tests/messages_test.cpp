// Recipients, Chinese messages, signatures, back-off and URL checks: the pure parts of notify.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>

#include "delivery.hpp"
#include "messages.hpp"
#include "sdp/build_info.hpp"
#include "sdp/crypto.hpp"

using namespace sdp;
using namespace sdp::notify;
using nlohmann::json;

namespace {
const Templates& templates() {
  static auto t =
      Templates::from_json(json::parse(std::ifstream(std::string(build_info::kSchemasDir) + "/notify/templates.json")));
  return t;
}
Event event(const std::string& type, json extra) {
  json data = {{"number", "MSF-2026-370102-000001"},
               {"kind", "morning_star"},
               {"org", "91370102MA3C00000B"},
               {"region", "370102"},
               {"city", "370100"},
               {"title", "某公司晨星工厂申报"},
               {"contact", {{"name", "王"}, {"phone", "1"}, {"email", "wang@example.cn"}}}};
  if (extra.is_object()) data.update(extra);
  return Event{"e-1", type, "d-1", 3, "2026-11-26T00:00:00.000Z", {{"role", "reviewer"}}, data};
}
const EventSchemas& event_schemas() {
  static const EventSchemas schemas{
      JsonSchema::from_file(std::string(build_info::kSchemasDir) + "/events/envelope.schema.json"),
      JsonSchema::from_file(std::string(build_info::kSchemasDir) + "/events/declaration.schema.json")};
  return schemas;
}
// The message of a county approval, with `change` applied to its data.
std::string approval_message(const std::function<void(json&)>& change) {
  auto e = event(
      "declaration.approved",
      {{"from", "county_review"}, {"to", "city_review"}, {"tier", "county"}, {"comment", ""}, {"arrives_at", "city"}});
  change(e.data);
  return e.to_json().dump();
}
}  // namespace

TEST(Events, DataThatKeepsTheDeclarationSchemaIsRead) {
  auto e = read_event(approval_message([](json&) {}), event_schemas());
  ASSERT_TRUE(e) << e.error();
  EXPECT_EQ(e->data["to"], "city_review");
}

TEST(Events, DataThatBreaksTheDeclarationSchemaIsRefusedWithItsPointer) {
  struct Case {
    const char* what;
    std::function<void(json&)> change;
    const char* pointer;
  } cases[] = {
      {"number missing", [](json& d) { d.erase("number"); }, "/data/number"},
      {"unknown to", [](json& d) { d["to"] = "teleported"; }, "/data/to"},
      {"extra member", [](json& d) { d["scoring"] = json::object(); }, "/data/scoring"},
  };
  for (const auto& c : cases) {
    auto e = read_event(approval_message(c.change), event_schemas());
    ASSERT_FALSE(e) << c.what;
    EXPECT_TRUE(e.error().starts_with("data breaks declaration.schema.json: ")) << e.error();
    EXPECT_NE(e.error().find(std::string(c.pointer) + ": "), std::string::npos) << c.what << ": " << e.error();
  }
  EXPECT_FALSE(read_event("{}", event_schemas())) << "not an envelope";
}

TEST(Messages, TheCountyApprovalReadsAsThePolicyOfficeWritesIt) {
  auto e = event(
      "declaration.approved",
      {{"from", "county_review"}, {"to", "city_review"}, {"tier", "county"}, {"comment", ""}, {"arrives_at", "city"}});
  auto p = plan(e, templates(), "历下区");
  ASSERT_TRUE(p.applicant_text);
  EXPECT_EQ(*p.applicant_text, "您申报的晨星工厂（编号 MSF-2026-370102-000001）已通过县级审核，进入市级审核。");
  ASSERT_EQ(p.inbox.size(), 2u);
  EXPECT_EQ(p.inbox[0].audience, "org:91370102MA3C00000B");
  EXPECT_EQ(p.inbox[1].audience, "reviewer:city:370100");
  EXPECT_NE(p.inbox[1].body.find("历下区"), std::string::npos);
  EXPECT_NE(p.inbox[1].body.find("市级审核"), std::string::npos);
  EXPECT_EQ(p.email, "wang@example.cn");
}

TEST(Messages, EveryEventTypeHasAnApplicantMessageWithTheComment) {
  struct Case {
    const char* type;
    json extra;
    const char* must_contain;
  } cases[] = {
      {"declaration.created", {{"to", "draft"}}, "草稿"},
      {"declaration.updated", {{"to", "draft"}}, "保存"},
      {"declaration.submitted", {{"to", "county_review"}, {"arrives_at", "county"}}, "县级审核"},
      {"declaration.withdrawn", {{"to", "withdrawn"}}, "撤回"},
      {"declaration.returned",
       {{"to", "returned"}, {"tier", "city"}, {"comment", "请补充材料"}},
       "审核意见：请补充材料"},
      {"declaration.rejected",
       {{"to", "rejected"}, {"tier", "province"}, {"comment", "不符合条件"}},
       "省级审核。审核意见：不符合条件"},
      {"declaration.approved",
       {{"to", "publicity"}, {"tier", "province"}, {"comment", "同意"}},
       "进入公示。审核意见：同意"},
      {"declaration.publicity_ended", {{"to", "approved"}}, "正式认定"},
  };
  for (const auto& c : cases) {
    auto text = templates().applicant_message(event(c.type, c.extra));
    ASSERT_TRUE(text) << c.type;
    EXPECT_NE(text->find(c.must_contain), std::string::npos) << c.type << ": " << *text;
    EXPECT_EQ(text->find('{'), std::string::npos) << "an unfilled placeholder in " << *text;
  }
  EXPECT_FALSE(templates().applicant_message(event("declaration.teleported", {})).has_value());
}

TEST(Messages, ReviewersOfTheArrivalTierAndJurisdiction) {
  auto county =
      plan(event("declaration.submitted", {{"to", "county_review"}, {"arrives_at", "county"}}), templates(), "历下区");
  EXPECT_EQ(county.inbox.back().audience, "reviewer:county:370102");
  auto province =
      plan(event("declaration.approved", {{"to", "province_review"}, {"arrives_at", "province"}, {"tier", "city"}}),
           templates(), "");
  EXPECT_EQ(province.inbox.back().audience, "reviewer:province:370000");
  auto none = plan(event("declaration.rejected", {{"to", "rejected"}, {"tier", "county"}}), templates(), "");
  EXPECT_EQ(none.inbox.size(), 1u);
  EXPECT_EQ(audience_of({"r-1", Role::reviewer, "", Tier::city, "370100"}), "reviewer:city:370100");
  EXPECT_EQ(audience_of({"a-1", Role::applicant, "91370102MA3C00000B", std::nullopt, ""}), "org:91370102MA3C00000B");
  EXPECT_EQ(audience_of(Actor{"ops", Role::admin, "", std::nullopt, ""}), "");
}

TEST(Webhook, SignatureIsHmacOfTimestampDotBody) {
  auto sig = signature("s3cret-s3cret-s3", "1795700000", R"({"id":"e-1"})");
  EXPECT_EQ(sig, "sha256=" + crypto::hmac_sha256_hex("s3cret-s3cret-s3", R"(1795700000.{"id":"e-1"})"));
  auto body = webhook_body(event("declaration.submitted", {{"to", "county_review"}}), "文本");
  EXPECT_EQ(body["id"], "e-1");
  EXPECT_EQ(body["state"], "county_review");
  EXPECT_EQ(body["message"], "文本");
}

TEST(Webhook, BackoffDoublesIsCappedAndJittered) {
  DeliverySettings s;
  s.backoff_base = std::chrono::milliseconds(1000);
  s.backoff_max = std::chrono::milliseconds(10000);
  EXPECT_EQ(backoff(s, 1, 0.5).count(), 1000);
  EXPECT_EQ(backoff(s, 2, 0.5).count(), 2000);
  EXPECT_EQ(backoff(s, 3, 0.5).count(), 4000);
  EXPECT_EQ(backoff(s, 10, 0.5).count(), 10000);
  EXPECT_EQ(backoff(s, 2, 0.0).count(), 1600);
  EXPECT_EQ(backoff(s, 2, 1.0).count(), 2400);
}

TEST(Webhook, PrivateAndLoopbackUrlsAreRefusedUnlessAllowed) {
  for (auto url : {"http://127.0.0.1:8080/h", "http://localhost/h", "http://10.1.2.3/h", "http://192.168.1.1/h",
                   "http://172.20.0.1/h", "http://169.254.169.254/latest", "http://[::1]/h", "http://0.0.0.0/h"})
    EXPECT_TRUE(refuse_url(url, false).has_value()) << url;
  EXPECT_FALSE(refuse_url("http://127.0.0.1:8080/h", true).has_value());
  EXPECT_TRUE(refuse_url("ftp://example.cn/h", true).has_value());
  EXPECT_TRUE(refuse_url("not a url", true).has_value());
}
