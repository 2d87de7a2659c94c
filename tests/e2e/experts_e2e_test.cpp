// Issue 18 over HTTP against the real gateway, workflow, scoring and notify: the province's expert
// panel (conflicts refused by name, reviews once and blind, the trimmed mean, the approve held while
// the panel is incomplete and not due), the public 公示 page and real-name objections (anonymous
// ones refused, rate limited per address, upheld or dismissed, the objector never shown to the
// applicant, publicity held while one is open). CONTRACT §8.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <thread>

#include "rounds.hpp"
#include "sdp/build_info.hpp"
#include "stack.hpp"
#include "test_env.hpp"
#include "tokens.hpp"

using namespace sdp;
using namespace std::chrono_literals;
using nlohmann::json;
using test::if_match;
using test::TokenMinter;

namespace {

const std::string& kOrg = test::kApplicantOrg;  // in 历下区 (370102), 济南 (370100)
const std::string kOtherOrg = "91350100M000100Y43";
const std::string kZh = "Accept-Language: zh-CN,zh;q=0.9";

// The objector's identity, which must never reach the applicant.
const std::string kObjector = "李四维";
const std::string kObjectorId = "11010519491231002X";
const std::string kObjectorPhone = "13912345678";

json level_one_criteria() {
  const auto ms = json::parse(std::ifstream(std::string(build_info::kSchemasDir) + "/catalogs/morning_star.json"));
  json criteria = json::object();
  for (const auto& c : ms["criteria"])
    if (c["levels"].size() == 5) criteria[c["id"].get<std::string>()] = {{"met", true}};  // level 1's stars
  return criteria;
}

struct Experts : test::Stack {
  // Objections a minute per address: the walk files more than the default 5 from 127.0.0.1.
  explicit Experts(const std::string& objections_per_minute = "1000")
      : test::Stack(test::StackSettings{{{"SDP_GATEWAY_OBJECTIONS_PER_MINUTE", objections_per_minute}}}) {}

  test::HttpReply call(const std::string& method, const std::string& path, const std::string& token,
                       const std::optional<json>& body = std::nullopt, std::vector<std::string> headers = {}) {
    headers.push_back(kZh);
    return send(method, path, token, body, std::move(headers));
  }
  std::string expert(const std::string& sub) { return minter.token({{"sub", sub}, {"role", "expert"}}); }
  std::string admin() { return minter.token(TokenMinter::admin()); }
  std::string province() { return reviewer("province", "370000"); }

  void add_expert(const std::string& sub, const json& employer, const std::string& home,
                  const json& kinds = json::array({"morning_star"})) {
    auto r = call(
        "POST", "/v1/experts", admin(),
        json{{"sub", sub}, {"name", "专家" + sub}, {"employer", employer}, {"home_region", home}, {"kinds", kinds}});
    ASSERT_EQ(r.status, 201) << r.body;
  }
  // The pool: E01–E04 and E07 fit a 济南 declaration of kOrg; E05 works for the applicant, E06 lives
  // in 济南, E08 reviews 产业大脑 only.
  void add_pool() {
    add_expert("E01", kOtherOrg, "370202");
    add_expert("E02", nullptr, "370302");
    add_expert("E03", nullptr, "370602");
    add_expert("E04", nullptr, "370702");
    add_expert("E05", kOrg, "370811");
    add_expert("E06", nullptr, "370102");
    add_expert("E07", nullptr, "370902");
    add_expert("E08", nullptr, "371002", json::array({"industry_brain"}));
  }

  std::string path(const json& d, const std::string& tail = "") {
    return "/v1/declarations/" + d["id"].get<std::string>() + tail;
  }

  json decide(const json& d, const std::string& token, const std::string& decision, int status = 200,
              const std::string& comment = "同意") {
    auto r =
        call("POST", path(d, "/decisions"), token, json{{"decision", decision}, {"comment", comment}}, {if_match(d)});
    EXPECT_EQ(r.status, status) << r.body;
    return r.status == 200 ? r.json() : d;
  }

  // A 晨星工厂 declaration of kOrg, submitted and approved by its county and city: awaiting the province.
  json at_province(const std::string& title = "某公司晨星工厂申报") {
    auto created = call("POST", "/v1/declarations", applicant(),
                        json{{"round", rounds["morning_star"]},
                             {"region", "370102"},
                             {"title", title},
                             {"org_name", "济南某智能制造有限公司"},
                             {"contact", {{"name", "王工"}, {"phone", "0531-88886666"}}},
                             {"payload", {{"claimed_level", 1}, {"criteria", level_one_criteria()}}}});
    EXPECT_EQ(created.status, 201) << created.body;
    auto d = created.json();
    auto submitted = call("POST", path(d, "/submit"), applicant());
    EXPECT_EQ(submitted.status, 200) << submitted.body;
    d = decide(submitted.json(), reviewer("county", "370102"), "approve");
    d = decide(d, reviewer("city", "370100"), "approve");
    EXPECT_EQ(d["state"], "province_review");
    return d;
  }

  test::HttpReply put_panel(const json& d, const std::vector<std::string>& experts,
                            std::chrono::seconds due_in = std::chrono::hours(72)) {
    return call("PUT", path(d, "/panel"), province(),
                json{{"experts", experts}, {"due_at", test::rfc3339_from_now(due_in)}});
  }
  test::HttpReply review(const json& d, const std::string& sub, double score) {
    return call("POST", path(d, "/expert-reviews"), expert(sub),
                json{{"score", score},
                     {"opinion", "专家" + sub + "的评审意见：符合一级要求。"},
                     {"items", {{"MS01", "资料齐全"}}}});
  }
  json fresh(const json& d, const std::string& token) { return call("GET", path(d), token).json(); }

  test::HttpReply object(const std::string& number, json body) {
    return send("POST", "/v1/public/notices/" + number + "/objections", "", body, {kZh});
  }
  static json real_objection() {
    return {{"name", kObjector},
            {"id_number", kObjectorId},
            {"phone", kObjectorPhone},
            {"content", "该企业申报的数字化车间尚未投产，与公示材料不符。"}};
  }
};

// pointer -> message, of a 400 or 422.
std::map<std::string, std::string> errors_of(const test::HttpReply& r) {
  std::map<std::string, std::string> out;
  const auto body = r.json();  // named: a temporary's member would dangle
  for (const auto& e : body["errors"]) out[e["pointer"].get<std::string>()] += e["message"].get<std::string>();
  return out;
}

// Whatever the applicant can read of its declaration carries nothing of the objector.
void expect_no_objector(Experts& s, const json& d) {
  for (const auto& route : {s.path(d), s.path(d, "/history"), std::string("/v1/notifications?limit=100"),
                            std::string("/v1/declarations?limit=100")}) {
    auto r = s.call("GET", route, s.applicant());
    ASSERT_EQ(r.status, 200) << route << " " << r.body;
    for (const auto& secret : {kObjector, kObjectorId, kObjectorPhone})
      EXPECT_EQ(r.body.find(secret), std::string::npos) << route << " shows " << secret;
  }
}

std::vector<std::string> actions_of(const json& history) {
  std::vector<std::string> out;
  for (const auto& e : history["items"]) out.push_back(e["action"]);
  return out;
}

}  // namespace

TEST(ExpertReview, TheDoneWhenWalkPanelReviewsApprovalPublicityObjectionsAndTheirOutcomes) {
  Experts s;
  s.add_pool();
  EXPECT_EQ(s.call("GET", "/v1/experts", s.province()).json()["items"].size(), 8u);
  EXPECT_EQ(s.call("GET", "/v1/experts?kind=industry_brain", s.province()).json()["items"].size(), 1u);
  EXPECT_EQ(s.call("GET", "/v1/experts", s.applicant()).status, 403);
  EXPECT_EQ(s.call("GET", "/v1/experts", s.reviewer("city", "370100")).status, 403);

  auto d = s.at_province();
  // Conflicts are shown before saving: the candidates of the kind, each with what would refuse it.
  auto candidates = s.call("GET", s.path(d, "/panel/candidates"), s.province());
  ASSERT_EQ(candidates.status, 200) << candidates.body;
  std::map<std::string, json> conflict;
  const auto candidate_list = candidates.json();
  for (const auto& c : candidate_list["items"]) conflict[c["sub"]] = c["conflict"];
  EXPECT_EQ(conflict.size(), 7u) << "E08 reviews 产业大脑 only";
  EXPECT_EQ(conflict["E05"]["reason"], "employer");
  EXPECT_EQ(conflict["E06"]["reason"], "home_region");
  EXPECT_TRUE(conflict["E01"].is_null());

  // A panel of 5 with one in conflict: refused, naming the expert and why; then replaced.
  auto refused = s.put_panel(d, {"E01", "E02", "E03", "E04", "E06"});
  ASSERT_EQ(refused.status, 422) << refused.body;
  EXPECT_NE(errors_of(refused)["/experts/4"].find("E06"), std::string::npos) << refused.body;
  EXPECT_NE(errors_of(refused)["/experts/4"].find("申报单位所在市"), std::string::npos) << refused.body;
  EXPECT_NE(refused.json()["detail"].get<std::string>().find("E06"), std::string::npos);
  EXPECT_EQ(s.put_panel(d, {"E01", "E02", "E03", "E05", "E07"}).status, 422) << "the applicant's own employee";
  EXPECT_EQ(s.put_panel(d, {"E01", "E02", "E03", "E08"}).status, 422) << "of another kind";
  EXPECT_EQ(s.put_panel(d, {"E01", "E02", "E03", "E99"}).status, 422) << "not in the pool";
  EXPECT_EQ(s.put_panel(d, {"E01", "E02", "E01"}).status, 400) << "named twice";
  EXPECT_EQ(s.call("PUT", s.path(d, "/panel"), s.reviewer("city", "370100"),
                   json{{"experts", {"E01", "E02", "E03"}}, {"due_at", test::rfc3339_from_now(72h)}})
                .status,
            403);
  auto panel = s.put_panel(d, {"E01", "E02", "E03", "E04", "E07"});
  ASSERT_EQ(panel.status, 200) << panel.body;
  EXPECT_EQ(panel.json()["experts"].size(), 5u);

  // Each expert heard of it in its own inbox.
  EXPECT_TRUE(test::eventually([&] {
    auto inbox = s.call("GET", "/v1/notifications", s.expert("E07")).json();
    return inbox["items"].size() == 1 &&
           inbox["items"][0]["body"].get<std::string>().find("评审专家") != std::string::npos;
  })) << s.call("GET", "/v1/notifications", s.expert("E07")).body;
  EXPECT_EQ(s.call("GET", "/v1/notifications", s.expert("E06")).json()["items"].size(), 0u);

  // Incomplete and before its due date: the province may not approve yet.
  d = s.fresh(d, s.province());
  s.decide(d, s.province(), "approve", 409);

  // Blind until submitted: E01 sees itself only; after its review, E02 still sees nothing of it.
  auto blind = s.call("GET", s.path(d, "/panel"), s.expert("E01")).json();
  EXPECT_EQ(blind["blind"], true);
  EXPECT_EQ(blind["experts"].size(), 1u);
  EXPECT_TRUE(blind["reviews"].empty());
  EXPECT_TRUE(blind["result"].is_null());
  const std::map<std::string, double> scores = {{"E01", 90}, {"E02", 80}, {"E03", 85}, {"E04", 60}, {"E07", 95}};
  auto first = s.review(d, "E01", scores.at("E01"));
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(first.json()["blind"], false);
  EXPECT_EQ(first.json()["reviews"].size(), 1u);
  auto still_blind = s.call("GET", s.path(d, "/panel"), s.expert("E02")).json();
  EXPECT_TRUE(still_blind["reviews"].empty());
  EXPECT_EQ(s.call("GET", s.path(d, "/history"), s.expert("E02")).body.find("\"score\""), std::string::npos)
      << "the history holds a review's digest, not its score";
  // Once: a second review is refused.
  auto twice = s.review(d, "E01", 10);
  EXPECT_EQ(twice.status, 409) << twice.body;
  for (const auto& sub : {"E02", "E03", "E04", "E07"}) EXPECT_EQ(s.review(d, sub, scores.at(sub)).status, 201) << sub;

  // The province sees every review and the result: (90+80+85+60+95)/5 = 82; without 95 and 60, 85.
  auto result = s.call("GET", s.path(d, "/panel"), s.province()).json();
  EXPECT_EQ(result["reviews"].size(), 5u);
  EXPECT_EQ(result["complete"], true);
  EXPECT_EQ(result["result"]["count"], 5);
  EXPECT_DOUBLE_EQ(result["result"]["mean"].get<double>(), 82.0);
  EXPECT_DOUBLE_EQ(result["result"]["trimmed_mean"].get<double>(), 85.0);
  auto history = s.call("GET", s.path(d, "/history"), s.province()).json();
  EXPECT_TRUE(history["chain_valid"].get<bool>());
  auto actions = actions_of(history);
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "assign_panel"), 1);
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "expert_review"), 5);

  // Complete: the province approves, and the declaration is on the public 公示 page.
  d = s.decide(s.fresh(d, s.province()), s.province(), "approve");
  ASSERT_EQ(d["state"], "publicity");
  auto notices = s.send("GET", "/v1/public/notices", "");
  ASSERT_EQ(notices.status, 200) << notices.body;
  EXPECT_NE(notices.headers["cache-control"].find("public"), std::string::npos);
  EXPECT_NE(notices.headers["cache-control"].find("max-age="), std::string::npos);
  const std::set<std::string> allowed = {"number", "kind",      "org_name",         "title", "level", "total",
                                         "city",   "city_name", "publicity_ends_at"};
  bool listed = false;
  const auto notice_list = notices.json();
  for (const auto& n : notice_list["items"]) {
    for (const auto& [key, _] : n.items()) EXPECT_TRUE(allowed.contains(key)) << key << " is private";
    if (n["number"] == d["number"]) {
      listed = true;
      EXPECT_EQ(n["level"], 1);
      EXPECT_EQ(n["org_name"], "济南某智能制造有限公司");
      EXPECT_EQ(n["city"], "370100");
    }
  }
  EXPECT_TRUE(listed) << notices.body;
  EXPECT_EQ(notices.body.find("0531-88886666"), std::string::npos) << "no contact data";

  // Anonymous, empty, or with a bad phone or identity number: refused, in Chinese.
  const std::string number = d["number"];
  auto anonymous = Experts::real_objection();
  anonymous["name"] = "匿名";
  auto r = s.object(number, anonymous);
  ASSERT_EQ(r.status, 400) << r.body;
  EXPECT_NE(errors_of(r)["/name"].find("匿名异议无效"), std::string::npos) << r.body;
  auto nameless = Experts::real_objection();
  nameless.erase("name");
  EXPECT_EQ(s.object(number, nameless).status, 400);
  auto empty = Experts::real_objection();
  empty["content"] = "   ";
  EXPECT_NE(errors_of(s.object(number, empty))["/content"].find("不能为空"), std::string::npos);
  auto bad_phone = Experts::real_objection();
  bad_phone["phone"] = "打电话";
  EXPECT_TRUE(errors_of(s.object(number, bad_phone)).contains("/phone"));
  auto bad_id = Experts::real_objection();
  bad_id["id_number"] = "110105194912310021";
  EXPECT_NE(errors_of(s.object(number, bad_id))["/id_number"].find("公民身份号码无效"), std::string::npos);
  EXPECT_EQ(s.object("MSF-2026-370102-999999", Experts::real_objection()).status, 404) << "not in publicity";

  // A real one is filed: publicity is held, and the declaration says why.
  auto filed = s.object(number, Experts::real_objection());
  ASSERT_EQ(filed.status, 201) << filed.body;
  const std::string objection = filed.json()["id"];
  auto held = s.fresh(d, s.province());
  EXPECT_EQ(held["publicity_hold"]["open_objections"], 1) << held.dump();
  EXPECT_EQ(s.fresh(d, s.applicant())["publicity_hold"]["open_objections"], 1);
  auto open = s.call("GET", "/v1/objections?state=open", s.province());
  ASSERT_EQ(open.status, 200) << open.body;
  ASSERT_EQ(open.json()["items"].size(), 1u);
  EXPECT_EQ(open.json()["items"][0]["name"], kObjector) << "the province sees who objects";
  EXPECT_EQ(s.call("GET", "/v1/objections", s.reviewer("city", "370100")).status, 403);
  EXPECT_EQ(s.call("GET", "/v1/objections", s.applicant()).status, 403);
  expect_no_objector(s, d);

  // Upheld: recorded with its comment, and the province returns the declaration.
  auto upheld = s.call("POST", "/v1/objections/" + objection + "/resolution", s.province(),
                       json{{"outcome", "upheld"}, {"comment", "经核查，异议属实。"}});
  ASSERT_EQ(upheld.status, 200) << upheld.body;
  EXPECT_EQ(upheld.json()["state"], "resolved");
  EXPECT_EQ(s.call("POST", "/v1/objections/" + objection + "/resolution", s.province(),
                   json{{"outcome", "dismissed"}, {"comment", "再议"}})
                .status,
            409);
  d = s.decide(s.fresh(d, s.province()), s.province(), "return", 200, "公示期间异议成立，请整改后重新提交。");
  EXPECT_EQ(d["state"], "returned");
  auto trail = s.call("GET", s.path(d, "/history"), s.applicant()).json();
  EXPECT_TRUE(trail["chain_valid"].get<bool>());
  bool resolved_upheld = false;
  for (const auto& e : trail["items"])
    if (e["action"] == "resolve_objection")
      resolved_upheld = e["outcome"] == "upheld" && e["comment"] == "经核查，异议属实。";
  EXPECT_TRUE(resolved_upheld) << trail.dump();
  auto acted = actions_of(trail);
  EXPECT_NE(std::find(acted.begin(), acted.end(), "objection"), acted.end());
  expect_no_objector(s, d);

  // A second declaration, no panel (the province approves as before), whose objection is dismissed:
  // its publicity ends once its time is up, not before the objection is resolved.
  auto d2 = s.decide(s.at_province("第二件晨星工厂申报"), s.province(), "approve");
  ASSERT_EQ(d2["state"], "publicity");
  auto second = s.object(d2["number"], Experts::real_objection());
  ASSERT_EQ(second.status, 201) << second.body;
  const auto ends = d2["publicity_ends_at"].get<std::string>();
  s.workflow.restart({{"SDP_CLOCK_OFFSET_SECONDS", test::clock_offset_to(test::utc_time(ends) + 1min)},
                      {"SDP_PUBLICITY_POLL_MS", "100"}});
  ASSERT_TRUE(s.workflow.wait_ready()) << s.workflow.process->log_text();
  std::this_thread::sleep_for(1s);  // several timer passes
  EXPECT_EQ(s.fresh(d2, s.province())["state"], "publicity") << "held by the open objection";
  auto dismissed = s.call("POST", "/v1/objections/" + second.json()["id"].get<std::string>() + "/resolution",
                          s.province(), json{{"outcome", "dismissed"}, {"comment", "经核查，异议不成立。"}});
  ASSERT_EQ(dismissed.status, 200) << dismissed.body;
  EXPECT_TRUE(test::eventually([&] { return s.fresh(d2, s.applicant())["state"] == "approved"; }))
      << s.fresh(d2, s.applicant()).dump();
  EXPECT_TRUE(s.fresh(d2, s.applicant())["publicity_hold"].is_null());
  expect_no_objector(s, d2);
}

TEST(ExpertReview, TheApproveIsHeldWhileThePanelIsIncompleteAndAllowedAfterItsDueDateAndLateExpertsAreReminded) {
  Experts s;
  s.add_pool();
  auto d = s.at_province();
  ASSERT_EQ(s.put_panel(d, {"E01", "E02", "E03"}, 30h).status, 200);
  ASSERT_EQ(s.review(d, "E01", 88).status, 201);
  d = s.fresh(d, s.province());
  auto held = s.call("POST", s.path(d, "/decisions"), s.province(), json{{"decision", "approve"}}, {if_match(d)});
  ASSERT_EQ(held.status, 409) << held.body;
  EXPECT_NE(held.json()["title"].get<std::string>().find("专家评审"), std::string::npos) << held.body;
  // A day before the due date the two yet to review are reminded; past it the province may approve.
  s.workflow.restart({{"SDP_CLOCK_OFFSET_SECONDS", "25200"}, {"SDP_PUBLICITY_POLL_MS", "100"}});  // +7 h: due in 23 h
  ASSERT_TRUE(s.workflow.wait_ready());
  for (const auto& sub : {"E02", "E03"})
    EXPECT_TRUE(test::eventually([&] {
      auto inbox = s.call("GET", "/v1/notifications", s.expert(sub)).json();
      return inbox["items"].size() == 2 &&
             inbox["items"][0]["body"].get<std::string>().find("尚未提交") != std::string::npos;
    })) << sub
        << " " << s.call("GET", "/v1/notifications", s.expert(sub)).body;
  EXPECT_EQ(s.call("GET", "/v1/notifications", s.expert("E01")).json()["items"].size(), 1u)
      << "E01 has reviewed: assigned, not reminded";
  EXPECT_EQ(s.decide(s.fresh(d, s.province()), s.province(), "approve", 409)["state"], "province_review");
  s.workflow.restart({{"SDP_CLOCK_OFFSET_SECONDS", "111600"}});  // +31 h: past the due date
  ASSERT_TRUE(s.workflow.wait_ready());
  auto approved = s.decide(s.fresh(d, s.province()), s.province(), "approve");
  EXPECT_EQ(approved["state"], "publicity");
}

TEST(ExpertReview, AnExpertSeesOnlyTheDeclarationsAssignedToIt) {
  Experts s;
  s.add_pool();
  auto mine = s.at_province("分给专家的申报");
  auto other = s.at_province("未分给专家的申报");
  ASSERT_EQ(s.put_panel(mine, {"E01", "E02", "E03"}).status, 200);
  const auto e01 = s.expert("E01");
  EXPECT_EQ(s.call("GET", s.path(mine), e01).status, 200);
  for (const auto& tail : {"", "/history", "/panel", "/diff"})
    EXPECT_EQ(s.call("GET", s.path(other, tail), e01).status, 404) << tail;
  EXPECT_EQ(s.review(other, "E01", 70).status, 404);
  EXPECT_EQ(s.call("GET", s.path(mine), s.expert("E04")).status, 404) << "an expert of the pool, not of this panel";
  auto listed = s.call("GET", "/v1/declarations", e01).json();
  ASSERT_EQ(listed["items"].size(), 1u);
  EXPECT_EQ(listed["items"][0]["id"], mine["id"]);
  auto queue = s.call("GET", "/v1/reviews/assigned?limit=1", e01);
  ASSERT_EQ(queue.status, 200) << queue.body;
  EXPECT_EQ(queue.json()["total"], 1);
  EXPECT_EQ(queue.json()["items"][0]["id"], mine["id"]);
  EXPECT_EQ(queue.json()["items"][0]["reviewed"], false);
  EXPECT_EQ(s.call("GET", "/v1/reviews/assigned", s.expert("E04")).json()["total"], 0);
  EXPECT_EQ(s.call("GET", "/v1/reviews/pending", e01).status, 403);
  EXPECT_EQ(s.call("GET", "/v1/reviews/assigned", s.province()).status, 403);
  EXPECT_EQ(s.call("POST", s.path(mine, "/decisions"), e01, json{{"decision", "approve"}}, {if_match(mine)}).status,
            403);
  // Re-assigned without it, E01 loses sight of the declaration; a reviewer who reviewed stays.
  ASSERT_EQ(s.review(mine, "E02", 75).status, 201);
  auto again = s.put_panel(mine, {"E03", "E04", "E07"});
  ASSERT_EQ(again.status, 200) << again.body;
  std::set<std::string> members;
  const auto panel = again.json();
  for (const auto& e : panel["experts"]) members.insert(e["sub"]);
  EXPECT_EQ(members, (std::set<std::string>{"E02", "E03", "E04", "E07"}));
  EXPECT_EQ(s.call("GET", s.path(mine), e01).status, 404);
  EXPECT_EQ(s.call("GET", s.path(mine, "/panel"), s.applicant()).status, 404) << "the panel is not the applicant's";
}

TEST(ExpertReview, ObjectionsAreRateLimitedPerClientAddressWithRetryAfter) {
  Experts s("2");
  for (int i = 0; i < 2; ++i)
    EXPECT_EQ(s.object("MSF-2026-370102-999999", Experts::real_objection()).status, 404) << "counted all the same";
  auto limited = s.object("MSF-2026-370102-999999", Experts::real_objection());
  ASSERT_EQ(limited.status, 429) << limited.body;
  ASSERT_TRUE(limited.headers.contains("retry-after"));
  const int wait = std::stoi(limited.headers["retry-after"]);
  EXPECT_GE(wait, 1);
  EXPECT_LE(wait, 60);
  EXPECT_NE(limited.body.find("提交过于频繁"), std::string::npos) << limited.body;
  EXPECT_EQ(s.send("GET", "/v1/public/notices", "").status, 200) << "reading the notices is not limited";
}
