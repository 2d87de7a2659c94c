// Recipients, Chinese messages, signatures, back-off and URL checks: the pure parts of notify.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>

#include "delivery.hpp"
#include "messages.hpp"
#include "sdp/build_info.hpp"
#include "sdp/crypto.hpp"
#include "sdp/error.hpp"

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

// Issue 15: state changes are told, saves are not. Creating a draft, saving it or deleting it sends
// the applicant nothing (no inbox row, so no webhook and no e-mail either); reviewers never hear of drafts.
TEST(Messages, ASaveIsNoStateChangeAndTellsNobody) {
  for (const char* type : {"declaration.created", "declaration.updated", "declaration.deleted"}) {
    auto p = plan(event(type, {{"to", std::string(type) == "declaration.deleted" ? "deleted" : "draft"}}), templates(),
                  "历下区");
    EXPECT_FALSE(p.applicant_text) << type;
    EXPECT_TRUE(p.inbox.empty()) << type;
  }
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

// CONTRACT §6: deadline reminders go to the tier's reviewers, the overdue one to the tier above too.
namespace {
Event reminder(const std::string& stage, const std::string& tier, const std::string& state) {
  return event(
      "declaration.reminder",
      {{"from", state}, {"to", state}, {"reminder", stage}, {"tier", tier}, {"due_at", "2026-10-10T16:00:00.000Z"}});
}
std::vector<std::string> audiences(const Plan& p) {
  std::vector<std::string> out;
  for (const auto& e : p.inbox) out.push_back(e.audience);
  return out;
}
const RegionCatalog& regions() {
  static auto r = RegionCatalog::from_file(std::string(build_info::kSchemasDir) + "/regions/shandong.json");
  return r;
}
}  // namespace

TEST(Reminders, DueSoonToTheTiersReviewersInChineseWithTheLastDay) {
  auto e = reminder("due_soon", "county", "county_review");
  EXPECT_TRUE(read_event(e.to_json().dump(), event_schemas())) << "the event keeps the declaration schema";
  auto p = plan(e, templates(), "历下区");
  EXPECT_EQ(audiences(p), std::vector<std::string>{"reviewer:county:370102"});
  EXPECT_EQ(p.inbox[0].body,
            "〔MSF-2026-370102-000001〕《某公司晨星工厂申报》将于 10月10日 到期，请及时办理（县级审核办理时限）。");
  EXPECT_TRUE(p.inbox[0].email);
  EXPECT_FALSE(p.applicant_text.has_value()) << "a reminder is the reviewers', not a step the applicant hears of";
  EXPECT_FALSE(p.email.has_value());
  EXPECT_EQ(p.email_subject, "【山东省数字经济申报平台】办理时限提醒 MSF-2026-370102-000001");
}

TEST(Reminders, OverdueGoesToTheTierAndTheTierAbove) {
  auto county = plan(reminder("overdue", "county", "county_review"), templates(), "历下区");
  EXPECT_EQ(audiences(county), (std::vector<std::string>{"reviewer:county:370102", "reviewer:city:370100"}));
  EXPECT_NE(county.inbox[0].body.find("已超过县级审核办理时限（10月10日）"), std::string::npos) << county.inbox[0].body;
  EXPECT_NE(county.inbox[1].body.find("历下区〔MSF-2026-370102-000001〕"), std::string::npos) << county.inbox[1].body;
  auto city = plan(reminder("overdue", "city", "city_review"), templates(), "历下区");
  EXPECT_EQ(audiences(city), (std::vector<std::string>{"reviewer:city:370100", "reviewer:province:370000"}));
  auto province = plan(reminder("overdue", "province", "province_review"), templates(), "历下区");
  EXPECT_EQ(audiences(province), std::vector<std::string>{"reviewer:province:370000"}) << "nobody above the province";
  for (const auto& p : {county, city, province})
    for (const auto& entry : p.inbox) EXPECT_EQ(entry.body.find('{'), std::string::npos) << entry.body;
}

TEST(Reminders, MailboxesByJurisdictionAndABadEntryNamed) {
  auto m = read_mailboxes(json{{"county:370102", {"lixia@example.cn", "wang@example.cn"}},
                               {"city:370100", {"jinan@example.cn"}},
                               {"province:370000", json::array()}},
                          regions());
  EXPECT_EQ(mailboxes_of(m, "reviewer:county:370102"),
            (std::vector<std::string>{"lixia@example.cn", "wang@example.cn"}));
  EXPECT_TRUE(mailboxes_of(m, "reviewer:county:370203").empty());
  EXPECT_TRUE(mailboxes_of(m, "org:91370102MA3C00000B").empty());
  auto refused = [&](const json& doc) {
    try {
      read_mailboxes(doc, regions());
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(refused(json{{"county:370100", {"a@example.cn"}}}).find("'county:370100'"), std::string::npos)
      << "370100 is a city, not a county";
  EXPECT_NE(refused(json{{"city:370100", {"not an address"}}}).find("'city:370100'"), std::string::npos);
  EXPECT_NE(refused(json{{"city:370100", "a@example.cn"}}).find("list"), std::string::npos);
  EXPECT_NE(refused(json::array()).find("object"), std::string::npos);
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

// CONTRACT §8: a panel's experts hear of their assignment and are reminded, each in its own inbox;
// a new objection goes to the province, and none of it reaches the applicant.
TEST(ExpertNotices, EachExpertOfAPanelEventGetsItsOwnEntryAndTheApplicantNone) {
  auto assigned = plan(event("declaration.panel_assigned", {{"from", "province_review"},
                                                            {"to", "province_review"},
                                                            {"experts", {"e-1", "e-2"}},
                                                            {"due_at", "2026-07-01T10:00:00.000Z"}}),
                       templates(), "历下区");
  ASSERT_EQ(assigned.inbox.size(), 2u);
  EXPECT_EQ(assigned.inbox[0].audience, "expert:e-1");
  EXPECT_EQ(assigned.inbox[1].audience, "expert:e-2");
  EXPECT_NE(assigned.inbox[0].body.find("评审专家"), std::string::npos) << assigned.inbox[0].body;
  EXPECT_NE(assigned.inbox[0].body.find("7月1日"), std::string::npos) << assigned.inbox[0].body;
  EXPECT_FALSE(assigned.applicant_text);
  EXPECT_FALSE(assigned.email);
  auto reminded = plan(event("declaration.panel_reminder", {{"from", "province_review"},
                                                            {"to", "province_review"},
                                                            {"experts", {"e-2"}},
                                                            {"due_at", "2026-07-01T10:00:00Z"}}),
                       templates(), "历下区");
  ASSERT_EQ(reminded.inbox.size(), 1u);
  EXPECT_EQ(reminded.inbox[0].audience, "expert:e-2");
  EXPECT_NE(reminded.inbox[0].body.find("尚未提交"), std::string::npos);
  auto objected =
      plan(event("declaration.objection_filed", {{"from", "publicity"}, {"to", "publicity"}, {"objection", "0190-ab"}}),
           templates(), "历下区");
  ASSERT_EQ(objected.inbox.size(), 1u);
  EXPECT_EQ(objected.inbox[0].audience, "reviewer:province:370000");
  EXPECT_FALSE(objected.applicant_text) << "the applicant is not told by whom, nor by a message at all";
  EXPECT_EQ(audience_of(*Actor::from_json({{"sub", "e-1"}, {"role", "expert"}})), "expert:e-1");
}
