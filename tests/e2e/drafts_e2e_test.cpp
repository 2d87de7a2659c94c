// Issue 15 over HTTP, the real gateway, workflow, scoring and notify: a draft may be incomplete and
// submit lists every gap at once, counts are whole numbers, a draft can be deleted, saves notify
// nobody, the inbox counts and marks all read, and reviewers see what changed between versions.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <thread>

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

const std::string& kOrg = test::kApplicantOrg;
const std::string kOtherOrg = "91350100M000100Y43";
const std::string kZh = "Accept-Language: zh-CN,zh;q=0.9";

json catalogue(const std::string& file) {
  return json::parse(std::ifstream(std::string(build_info::kSchemasDir) + "/catalogs/" + file));
}

// Every indicator given: whole numbers for counts, 3 for L5P5's 等级, grade B for the graded.
json full_indicators() {
  json out = json::object();
  const auto ib = catalogue("industry_brain.json");  // named: a temporary's member would dangle
  for (const auto& i : ib["indicators"]) {
    const auto id = i["id"].get<std::string>();
    out[id] = i["input"] == "grade" ? json{{"grade", "B"}} : json{{"value", id == "L5P5" ? 3 : 12}};
  }
  return out;
}

// The stack, with an admin's open round of each kind; every request asks for Chinese.
struct Stack : test::Stack {
  test::HttpReply call(const std::string& method, const std::string& path, const std::string& token,
                       const std::optional<json>& body = std::nullopt, std::vector<std::string> headers = {}) {
    headers.push_back(kZh);
    return send(method, path, token, body, std::move(headers));
  }

  // A draft with a title alone (and the round and county a number needs).
  json title_only(const std::string& kind, const std::string& org = kOrg) {
    auto r = call("POST", "/v1/declarations", applicant(org),
                  json{{"round", rounds[kind]}, {"region", "370102"}, {"title", "只有标题的草稿"}});
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json();
  }
  json put(const json& d, const json& body, const std::string& org = kOrg) {
    auto r = call("PUT", "/v1/declarations/" + d["id"].get<std::string>(), applicant(org), body, {if_match(d)});
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json();
  }
  test::HttpReply post(const json& d, const std::string& verb, const std::string& token,
                       const std::optional<json>& body = std::nullopt) {
    return call("POST", "/v1/declarations/" + d["id"].get<std::string>() + "/" + verb, token, body,
                body ? std::vector<std::string>{if_match(d)} : std::vector<std::string>{});
  }
  json inbox(const std::string& token) { return call("GET", "/v1/notifications?limit=100", token).json(); }
};

// pointer -> message, of a 400.
std::map<std::string, std::string> errors_of(const test::HttpReply& r) {
  std::map<std::string, std::string> out;
  const auto body = r.json();
  for (const auto& e : body["errors"]) out[e["pointer"].get<std::string>()] += e["message"].get<std::string>();
  return out;
}

}  // namespace

TEST(Drafts, ATitleAloneIsADraftAndSubmitListsEveryGapAtOnceInChinese) {
  Stack s;
  auto d = s.title_only("industry_brain");
  EXPECT_EQ(d["contact"], (json{{"name", ""}, {"phone", ""}}));
  EXPECT_TRUE(d["org_name"].is_null());
  // A save of the title alone, and of an empty contact and empty items: still a draft.
  d = s.put(d, {{"title", "第二次保存"}});
  d = s.put(d, {{"title", "第三次保存"},
                {"org_name", ""},
                {"contact", {{"name", ""}, {"phone", ""}, {"email", ""}}},
                {"payload", {{"indicators", {{"L1P1", json::object()}, {"L1P3", {{"evidence", "链主企业名单"}}}}}}}});
  EXPECT_EQ(d["title"], "第三次保存");
  // A phone that is given must be a phone, said with its pointer, in Chinese.
  auto bad = s.call("PUT", "/v1/declarations/" + d["id"].get<std::string>(), s.applicant(),
                    json{{"title", "t"}, {"contact", {{"phone", "不是电话"}}}}, {if_match(d)});
  ASSERT_EQ(bad.status, 400) << bad.body;
  EXPECT_NE(errors_of(bad)["/contact/phone"].find("电话号码"), std::string::npos) << bad.body;

  auto submitted = s.post(d, "submit", s.applicant());
  ASSERT_EQ(submitted.status, 400) << submitted.body;
  auto errors = errors_of(submitted);
  EXPECT_EQ(errors["/contact/name"], "联系人姓名不能为空");
  EXPECT_EQ(errors["/contact/phone"], "联系电话不能为空") << "an empty phone is missing, not malformed";
  EXPECT_NE(errors["/org_name"].find("不能为空"), std::string::npos);
  EXPECT_TRUE(errors.contains("/payload/cluster_name"));
  int indicators = 0;
  for (const auto& [pointer, message] : errors)
    if (pointer.starts_with("/payload/indicators/")) {
      ++indicators;
      EXPECT_NE(message.find("提交前须填写"), std::string::npos) << pointer << " " << message;
    }
  EXPECT_EQ(indicators, 32) << "every indicator in the same reply as the contact: " << submitted.body;
  EXPECT_EQ(s.call("GET", "/v1/declarations/" + d["id"].get<std::string>(), s.applicant()).json()["state"], "draft");

  // Filled in, it goes through.
  d = s.put(d, {{"title", "济南智能制造产业集群产业大脑评价"},
                {"org_name", "济南某集群运营公司"},
                {"contact", {{"name", "王工"}, {"phone", "0531-88886666"}}},
                {"payload", {{"cluster_name", "济南智能制造产业集群"}, {"indicators", full_indicators()}}}});
  auto ok = s.post(d, "submit", s.applicant());
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.json()["state"], "county_review");
  EXPECT_EQ(ok.json()["score"]["model"]["version"], "2026.2");
}

TEST(Drafts, CountsAreWholeNumbersNegativesAndOutOfRangeAreRefusedAlsoInThePreview) {
  Stack s;
  auto d = s.title_only("industry_brain");
  struct Case {
    json input;
    std::string pointer, words;
  } cases[] = {{{"L1P2", {{"value", 23.5}}}, "/payload/indicators/L1P2/value", "必须是整数（单位：个）"},
               {{"L1P4", {{"value", 50.5}}}, "/payload/indicators/L1P4/value", "必须是整数（单位：家）"},
               {{"L1P4", {{"value", -5}}}, "/payload/indicators/L1P4/value", "0"},
               {{"L5P5", {{"value", 9}}}, "/payload/indicators/L5P5/value", "必须是 1 到 5 之间的整数"},
               {{"L5P5", {{"value", 4.5}}}, "/payload/indicators/L5P5/value", "必须是 1 到 5 之间的整数"}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.input.dump());
    const json payload = {{"indicators", json::object({{c.input[0], c.input[1]}})}};
    auto saved = s.call("PUT", "/v1/declarations/" + d["id"].get<std::string>(), s.applicant(),
                        json{{"title", "t"}, {"payload", payload}}, {if_match(d)});
    ASSERT_EQ(saved.status, 400) << saved.body;
    EXPECT_NE(errors_of(saved)[c.pointer].find(c.words), std::string::npos) << saved.body;
    auto preview =
        s.call("POST", "/v1/scoring/preview", s.applicant(), json{{"kind", "industry_brain"}, {"payload", payload}});
    ASSERT_EQ(preview.status, 400) << preview.body;
    EXPECT_NE(errors_of(preview)[c.pointer].find(c.words), std::string::npos) << preview.body;
  }
  // Amounts take decimals; a count written 12.0 is whole.
  auto fine = s.call("POST", "/v1/scoring/preview", s.applicant(),
                     json{{"kind", "industry_brain"},
                          {"payload", {{"indicators", {{"L1P1", {{"value", 23.5}}}, {"L1P4", {{"value", 12.0}}}}}}}});
  EXPECT_EQ(fine.status, 200) << fine.body;
  // The catalogue says which take whole numbers.
  auto ib = s.call("GET", "/v1/catalogs/industry-brain", s.applicant()).json();
  std::map<std::string, json> integer;
  for (const auto& i : ib["indicators"]) integer[i["id"]] = i.value("integer", json());
  EXPECT_EQ(integer["L1P2"], true);
  EXPECT_EQ(integer["L5P5"], true);
  EXPECT_EQ(integer["L1P1"], false);
  EXPECT_TRUE(integer["L1P3"].is_null()) << "a graded indicator takes no value";
}

// A claimed level above the self-assessed one is the applicant's right: the submit goes through
// and the score already shows both, so the console can warn before it is sent.
TEST(Drafts, AClaimAboveTheSelfAssessedLevelIsSubmittedWithBothInTheScore) {
  Stack s;
  auto d = s.title_only("morning_star");
  json criteria = json::object();
  const auto ms = catalogue("morning_star.json");
  for (const auto& c : ms["criteria"])
    if (c["levels"].size() == 5) criteria[c["id"].get<std::string>()] = {{"met", true}};  // level 1's stars
  d = s.put(d, {{"title", "晨星工厂申报"},
                {"org_name", "某公司"},
                {"contact", {{"name", "李工"}, {"phone", "13800000000"}}},
                {"payload", {{"claimed_level", 2}, {"criteria", criteria}}}});
  auto r = s.post(d, "submit", s.applicant());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["score"]["claimed_level"], 2);
  EXPECT_EQ(r.json()["score"]["self_assessed_level"], 1);
  EXPECT_EQ(r.json()["score"]["claimed_level_reached"], false);
}

TEST(Drafts, ADraftNeverSubmittedIsDeletedByItsOwnerAtItsVersionAndLeavesNoTrace) {
  Stack s;
  const auto round = "/v1/rounds/" + s.rounds["morning_star"];
  auto declared = [&] { return s.call("GET", round, s.applicant()).json()["counts"]["declared"].get<int>(); };
  auto d = s.title_only("morning_star");
  const auto path = "/v1/declarations/" + d["id"].get<std::string>();
  EXPECT_EQ(declared(), 1);
  d = s.put(d, {{"title", "要删除的草稿"}});

  EXPECT_EQ(s.call("DELETE", path, s.applicant()).status, 428);
  EXPECT_EQ(s.call("DELETE", path, s.applicant(), std::nullopt, {"If-Match: \"1\""}).status, 412);
  EXPECT_EQ(s.call("DELETE", path, s.applicant(kOtherOrg), std::nullopt, {if_match(d)}).status, 404);
  EXPECT_EQ(s.call("DELETE", path, s.reviewer("county", "370102"), std::nullopt, {if_match(d)}).status, 404)
      << "a draft is the applicant's alone";
  auto gone = s.call("DELETE", path, s.applicant(), std::nullopt, {if_match(d)});
  ASSERT_EQ(gone.status, 204) << gone.body;
  EXPECT_TRUE(gone.body.empty());
  EXPECT_EQ(s.call("GET", path, s.applicant()).status, 404);
  EXPECT_EQ(s.call("GET", path + "/history", s.applicant()).status, 404);
  EXPECT_EQ(s.call("DELETE", path, s.applicant(), std::nullopt, {if_match(d)}).status, 404) << "a replay";
  EXPECT_EQ(s.call("GET", "/v1/declarations", s.applicant()).json()["items"].size(), 0u);
  EXPECT_EQ(declared(), 0) << "the round no longer counts it";

  // Once submitted it is no draft: a returned one is 409 (withdraw it instead), a reviewer's try 403.
  auto e = s.title_only("morning_star");
  e = s.put(e, {{"title", "退回的申报"},
                {"org_name", "某公司"},
                {"contact", {{"name", "李工"}, {"phone", "13800000000"}}},
                {"payload", {{"claimed_level", 1}}}});
  e = s.post(e, "submit", s.applicant()).json();
  auto county = s.reviewer("county", "370102");
  EXPECT_EQ(
      s.call("DELETE", "/v1/declarations/" + e["id"].get<std::string>(), county, std::nullopt, {if_match(e)}).status,
      403);
  e = s.post(e, "decisions", county, json{{"decision", "return"}, {"comment", "请补充材料"}}).json();
  ASSERT_EQ(e["state"], "returned");
  auto refused =
      s.call("DELETE", "/v1/declarations/" + e["id"].get<std::string>(), s.applicant(), std::nullopt, {if_match(e)});
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_NE(refused.json()["title"].get<std::string>().find("从未提交"), std::string::npos) << refused.body;
  auto stats = s.call("GET", "/v1/stats", s.reviewer("province", "370000")).json();
  EXPECT_EQ(stats["by_state"], (json{{"returned", 1}})) << "the deleted draft was never counted";
}

TEST(Drafts, SavesNotifyNobodyStateChangesDoAndTheInboxCountsAndMarksAllRead) {
  Stack s;
  auto d = s.title_only("morning_star");
  d = s.put(d, {{"title", "保存一次"},
                {"org_name", "某公司"},
                {"contact", {{"name", "李"}, {"phone", "13800000000"}}},
                {"payload", {{"claimed_level", 1}}}});
  auto draft = s.title_only("morning_star");
  ASSERT_EQ(s.call("DELETE", "/v1/declarations/" + draft["id"].get<std::string>(), s.applicant(), std::nullopt,
                   {if_match(draft)})
                .status,
            204);
  d = s.post(d, "submit", s.applicant()).json();  // a state change: told
  d = s.post(d, "decisions", s.reviewer("county", "370102"), json{{"decision", "approve"}, {"comment", ""}}).json();
  ASSERT_TRUE(test::eventually([&] { return s.inbox(s.applicant())["items"].size() >= 2; }, 20s));
  std::this_thread::sleep_for(500ms);  // the creations and the save came before: they would be here by now
  auto inbox = s.inbox(s.applicant());
  std::vector<std::string> types;
  for (const auto& n : inbox["items"]) types.push_back(n["type"]);
  EXPECT_EQ(types, (std::vector<std::string>{"declaration.approved", "declaration.submitted"}));
  EXPECT_EQ(inbox["unread"], 2);
  EXPECT_EQ(s.call("GET", "/v1/notifications?limit=1", s.applicant()).json()["unread"], 2)
      << "the total, not the page's";

  // Mark some, then all; only the caller's own, and the count after.
  auto county = s.reviewer("county", "370102");
  const auto first = inbox["items"][0]["id"].get<std::string>();
  auto others = s.call("POST", "/v1/notifications/read", county, json{{"ids", {first}}});
  ASSERT_EQ(others.status, 200) << others.body;
  EXPECT_EQ(s.inbox(s.applicant())["unread"], 2) << "a reviewer marked the applicant's notification";
  auto one = s.call("POST", "/v1/notifications/read", s.applicant(), json{{"ids", {first}}});
  EXPECT_EQ(one.json(), (json{{"unread", 1}}));
  auto all = s.call("POST", "/v1/notifications/read", s.applicant(), json{{"all", true}});
  EXPECT_EQ(all.json(), (json{{"unread", 0}}));
  EXPECT_EQ(s.inbox(county)["unread"], 1) << "the county's arrival notice is still unread";
  // Bounded and one of the two.
  json many = json::array();
  for (int i = 0; i < 101; ++i)
    many.push_back("0190a0b0-0000-7000-8000-" + std::string(12 - std::to_string(i).size(), '0') + std::to_string(i));
  EXPECT_EQ(s.call("POST", "/v1/notifications/read", s.applicant(), json{{"ids", many}}).status, 400);
  EXPECT_EQ(s.call("POST", "/v1/notifications/read", s.applicant(), json{{"all", true}, {"ids", {first}}}).status, 400);
  EXPECT_EQ(s.call("POST", "/v1/notifications/read", s.applicant(), json::object()).status, 400);
  // The one-by-one route still works.
  EXPECT_EQ(s.call("POST", "/v1/notifications/" + first + "/read", s.applicant()).status, 200);
}

TEST(Drafts, ReviewersSeeWhatChangedBetweenTheVersionsTheyMaySee) {
  Stack s;
  auto d = s.title_only("morning_star");
  d = s.put(d, {{"title", "晨星工厂申报"},
                {"org_name", "某公司"},
                {"contact", {{"name", "李工"}, {"phone", "13800000000"}}},
                {"payload", {{"claimed_level", 1}, {"criteria", {{"MS01", {{"met", true}}}}}}}});
  d = s.post(d, "submit", s.applicant()).json();
  const int first_submitted = d["version"].get<int>() - 1;  // the content saved just before
  const auto id = d["id"].get<std::string>();
  auto county = s.reviewer("county", "370102");
  d = s.post(d, "decisions", county, json{{"decision", "return"}, {"comment", "MS05 缺少佐证"}}).json();
  // The applicant's edits after the return.
  d = s.put(d, {{"title", "晨星工厂申报（补充）"},
                {"payload",
                 {{"claimed_level", 1},
                  {"criteria", {{"MS01", {{"met", true}}}, {"MS05", {{"met", true}, {"evidence", "见附件"}}}}}}}});
  const int edited = d["version"].get<int>();

  // The applicant sees its edits against the version returned.
  auto mine = s.call("GET", "/v1/declarations/" + id + "/diff", s.applicant());
  ASSERT_EQ(mine.status, 200) << mine.body;
  EXPECT_EQ(mine.json()["from"], first_submitted);
  EXPECT_EQ(mine.json()["to"], edited);
  std::set<std::string> changed;
  const auto mine_body = mine.json();
  for (const auto& c : mine_body["changes"])
    changed.insert(c["pointer"].get<std::string>() + " " + c["field"].get<std::string>());
  EXPECT_EQ(changed,
            (std::set<std::string>{"/title title", "/payload/criteria/MS05 met", "/payload/criteria/MS05 evidence"}));
  // Reviewers see only submitted versions: not the edits in progress.
  EXPECT_EQ(s.call("GET", "/v1/declarations/" + id + "/diff?to=" + std::to_string(edited), county).status, 404);
  auto theirs = s.call("GET", "/v1/declarations/" + id + "/diff", county);
  ASSERT_EQ(theirs.status, 200) << theirs.body;
  EXPECT_EQ(theirs.json()["to"], first_submitted);
  EXPECT_TRUE(theirs.json()["from"].is_null());
  EXPECT_EQ(theirs.json()["changes"], json::array());
  EXPECT_EQ(s.call("GET", "/v1/declarations/" + id + "/diff", s.reviewer("county", "370103")).status, 404)
      << "outside the jurisdiction";

  auto resubmitted = s.post(d, "submit", s.applicant());
  ASSERT_EQ(resubmitted.status, 200) << resubmitted.body;
  auto after = s.call("GET", "/v1/declarations/" + id + "/diff", county);
  ASSERT_EQ(after.status, 200) << after.body;
  EXPECT_EQ(after.json()["from"], first_submitted);
  EXPECT_EQ(after.json()["to"], edited);
  EXPECT_EQ(after.json()["changes"].size(), 3u) << after.body;
  EXPECT_EQ(after.json()["changes"][1], (json{{"pointer", "/payload/criteria/MS05"},
                                              {"item", "MS05"},
                                              {"field", "met"},
                                              {"before", false},
                                              {"after", true}}));
  // Bad numbers.
  for (const char* q : {"?from=abc", "?from=0", "?to=-1", "?from=5&to=2", "?since=1"})
    EXPECT_EQ(s.call("GET", "/v1/declarations/" + id + "/diff" + q, county).status, 400) << q;

  // The history says what each save and the resubmission changed, and the chain still verifies.
  auto history = s.call("GET", "/v1/declarations/" + id + "/history", county).json();
  EXPECT_TRUE(history["chain_valid"].get<bool>());
  std::vector<json> saves;
  for (const auto& e : history["items"])
    if (e["action"] == "update" || (e["action"] == "submit" && e["from"] == "returned")) saves.push_back(e["changes"]);
  ASSERT_EQ(saves.size(), 3u);
  EXPECT_EQ(saves[1], (json{"/title", "/payload/criteria/MS05"})) << "the save after the return";
  EXPECT_EQ(saves[2], (json{"/title", "/payload/criteria/MS05"})) << "the resubmission, since the return";
}
