// A day of province work, driven only over HTTP against the real binaries: many declarations of
// both kinds across several cities and counties, every path (approve through 公示, return and
// resubmit at each tier, reject at each tier, withdraw, an objection during 公示). At each review
// pass every reviewer's pending queue must hold exactly what it should; at the end every
// declaration's state, history chain, score and notifications must agree with what was done.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "rounds.hpp"
#include "sdp/build_info.hpp"
#include "sdp/uscc.hpp"
#include "test_env.hpp"
#include "tokens.hpp"

using namespace sdp;
using namespace std::chrono_literals;
using nlohmann::json;
using test::TokenMinter;

namespace {

// A valid 统一社会信用代码 from a 17-character body (GB 32100-2015 check character).
std::string uscc(const std::string& body) {
  static const std::string alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  static const int weights[] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += static_cast<int>(alphabet.find(body[i])) * weights[i];
  return body + alphabet[(31 - sum % 31) % 31];
}

enum class Path {
  approve,
  return_county,
  return_city,
  return_province,
  reject_county,
  reject_city,
  reject_province,
  withdraw_draft,
  withdraw_county,
  objection
};
const char* path_name(Path p) {
  static const char* names[] = {"approve",         "return@county",      "return@city",     "return@province",
                                "reject@county",   "reject@city",        "reject@province", "withdraw@draft",
                                "withdraw@county", "objection@publicity"};
  return names[static_cast<int>(p)];
}

struct Decl {
  std::string id, org, county, city, kind;
  Path path;
  json current;                      // the last representation read
  std::vector<std::string> actions;  // what the history must say, in order
  std::string expected_state = "draft";
  bool returned_once = false, objected = false;
  int scored_version = 1;             // the last version that asked the scoring service for a score
  std::vector<std::string> arrivals;  // "tier:region" of every arrival at a review tier
};

struct Day {
  TokenMinter minter;
  // The day is Monday 1 June 2026 on workflow's clock, whatever today is; 公示 (5 working days) ends
  // once the clock is moved past it in the evening.
  const std::chrono::system_clock::time_point morning = test::beijing_2026(6, 1, 9);
  test::NatsServer nats;
  test::ServiceUnderTest workflow{
      "workflow",
      nats,
      {{"SDP_CLOCK_OFFSET_SECONDS", test::clock_offset_to(morning)}, {"SDP_PUBLICITY_POLL_MS", "100"}}};
  test::ServiceUnderTest scoring{"scoring", nats};
  test::ServiceUnderTest notify{"notify", nats, {{"SDP_NOTIFY_SEAL_KEY", std::string(64, 'd')}}};
  std::unique_ptr<test::ServiceUnderTest> gateway;
  json ms_catalog, ib_catalog;

  Day() {
    gateway = std::make_unique<test::ServiceUnderTest>(
        "gateway", nats,
        std::map<std::string, std::string>{{"SDP_JWT_PUBLIC_KEYS", minter.rsa_public_pem().string()},
                                           {"SDP_JWT_ISSUER", "sdp-test"}});
    for (auto* s : {&workflow, &scoring, &notify, gateway.get()}) EXPECT_TRUE(s->wait_ready()) << s->name;
    ms_catalog = call("GET", "/v1/catalogs/morning-star", "");
    ib_catalog = call("GET", "/v1/catalogs/industry-brain", "");
  }

  json call(const std::string& method, const std::string& path, const std::string& token,
            const std::optional<json>& body = std::nullopt, std::vector<std::string> headers = {}, int expect = 200) {
    if (!token.empty()) headers.push_back("Authorization: Bearer " + token);
    if (body) headers.push_back("Content-Type: application/json");
    auto r =
        test::http(method, gateway->url(path), headers, body ? std::optional<std::string>(body->dump()) : std::nullopt);
    EXPECT_EQ(r.status, expect) << method << " " << path << ": " << r.body.substr(0, 400);
    return r.json();
  }
  std::string applicant(const std::string& org) { return minter.token(TokenMinter::applicant(org)); }
  // The day runs inside a round of each programme, opened by the admin over HTTP.
  std::string open_round(const std::string& kind) {
    auto r = call("POST", "/v1/rounds", minter.token(TokenMinter::admin()),
                  test::open_round_body(kind, std::chrono::hours(24), std::chrono::hours(24 * 30), morning), {}, 201);
    return r.value("id", "");
  }
  std::string reviewer(const std::string& tier, const std::string& region) {
    return minter.token(TokenMinter::reviewer(tier, region));
  }

  json payload(const std::string& kind, int variant) {
    if (kind == "morning_star") {
      json criteria = json::object();
      int claimed = 1 + variant % 3;
      for (const auto& c : ms_catalog["criteria"])
        if (!c["levels"].empty() && c["levels"][0].get<int>() <= claimed)
          criteria[c["id"].get<std::string>()] = {{"met", true}, {"evidence", "材料 " + std::to_string(variant)}};
      return {{"claimed_level", claimed}, {"criteria", criteria}};
    }
    json indicators = json::object();
    for (const auto& i : ib_catalog["indicators"]) {
      auto id = i["id"].get<std::string>();
      indicators[id] = i["input"] == "grade" ? json{{"grade", std::string(1, "ABCD"[variant % 4])}}
                                             : json{{"value", id == "L5P5" ? 1 + variant % 5 : 10 * (variant + 1)}};
    }
    return {{"cluster_name", "集群 " + std::to_string(variant)}, {"indicators", indicators}};
  }

  // Every page of a list endpoint.
  std::set<std::string> all_ids(const std::string& path, const std::string& token) {
    std::set<std::string> ids;
    std::string cursor;
    for (int page = 0; page < 100; ++page) {
      auto r = call("GET",
                    path + (path.find('?') == std::string::npos ? "?" : "&") + "limit=7" +
                        (cursor.empty() ? "" : "&cursor=" + cursor),
                    token);
      for (const auto& item : r["items"]) ids.insert(item["id"].get<std::string>());
      if (r["next_cursor"].is_null()) break;
      cursor = r["next_cursor"].get<std::string>();
    }
    return ids;
  }
};

std::string jurisdiction(const Decl& d, const std::string& tier) {
  return tier == "county" ? d.county : tier == "city" ? d.city : "370000";
}

std::string describe(const std::set<std::string>& s) {
  std::ostringstream out;
  for (const auto& x : s) out << x << " ";
  return out.str();
}

}  // namespace

TEST(DayOfWork, AProvinceDayAddsUp) {
  Day day;
  // Counties of four cities: 济南 (历下, 莱芜), 青岛 (市南), 烟台 (芝罘), 菏泽 (牡丹).
  const std::vector<std::pair<std::string, std::string>> counties = {
      {"370102", "370100"}, {"370116", "370100"}, {"370202", "370200"}, {"370602", "370600"}, {"371702", "371700"}};
  const std::vector<std::string> orgs = {uscc("91370102MA3C0001X"), uscc("91370202MA3C0002Y"),
                                         uscc("91370602MA3C00030"), uscc("91371702MA3C00041")};
  for (const auto& o : orgs) ASSERT_TRUE(valid_uscc(o)) << o;

  std::vector<Decl> decls;
  const Path paths[] = {Path::approve,         Path::return_county, Path::return_city,     Path::return_province,
                        Path::reject_county,   Path::reject_city,   Path::reject_province, Path::withdraw_draft,
                        Path::withdraw_county, Path::objection};
  const std::map<std::string, std::string> rounds = {{"morning_star", day.open_round("morning_star")},
                                                     {"industry_brain", day.open_round("industry_brain")}};
  int n = 0;
  for (int round = 0; round < 3; ++round)
    for (Path p : paths) {
      Decl d;
      d.path = p;
      std::tie(d.county, d.city) = counties[n % counties.size()];
      d.org = orgs[n % orgs.size()];
      d.kind = n % 2 ? "industry_brain" : "morning_star";
      json body = {{"kind", d.kind},
                   {"round", rounds.at(d.kind)},
                   {"org_name", "申报单位 #" + std::to_string(n)},
                   {"region", d.county},
                   {"title", std::string(path_name(p)) + " #" + std::to_string(n)},
                   {"contact", {{"name", "联系人"}, {"phone", "13800000000"}}},
                   {"payload", day.payload(d.kind, n)}};
      d.current = day.call("POST", "/v1/declarations", day.applicant(d.org), body, {}, 201);
      d.id = d.current["id"];
      d.actions.push_back("create");
      decls.push_back(std::move(d));
      ++n;
    }

  auto etag = [](const Decl& d) { return "If-Match: \"" + std::to_string(d.current["version"].get<int>()) + "\""; };
  auto submit = [&](Decl& d) {
    auto arrives =
        d.returned_once && d.current["state"] == "returned" ? d.current["returned_by"].get<std::string>() : "county";
    d.current = day.call("POST", "/v1/declarations/" + d.id + "/submit", day.applicant(d.org));
    d.actions.push_back("submit");
    d.scored_version = d.current["version"];
    d.expected_state = arrives + "_review";
    d.arrivals.push_back(arrives + ":" + jurisdiction(d, arrives));
  };

  // Morning: submissions and withdrawals.
  for (auto& d : decls) {
    if (d.path == Path::withdraw_draft) {
      d.current = day.call("POST", "/v1/declarations/" + d.id + "/withdraw", day.applicant(d.org));
      d.actions.push_back("withdraw");
      d.expected_state = "withdrawn";
      continue;
    }
    submit(d);
    if (d.path == Path::withdraw_county) {
      d.current = day.call("POST", "/v1/declarations/" + d.id + "/withdraw", day.applicant(d.org));
      d.actions.push_back("withdraw");
      d.expected_state = "withdrawn";  // it arrived at the county and was withdrawn before anyone decided
    }
  }

  // Review passes until nothing awaits a decision.
  for (int pass = 0; pass < 8; ++pass) {
    bool any = false;
    for (std::string tier : {"county", "city", "province"}) {
      // Every reviewer's queue holds exactly the declarations awaiting its tier in its jurisdiction.
      std::set<std::string> regions;
      for (const auto& [county, city] : counties) regions.insert(jurisdiction(Decl{"", "", county, city}, tier));
      for (const auto& region : regions) {
        std::set<std::string> expected;
        for (const auto& d : decls)
          if (d.expected_state == tier + "_review" && jurisdiction(d, tier) == region) expected.insert(d.id);
        auto actual = day.all_ids("/v1/reviews/pending", day.reviewer(tier, region));
        EXPECT_EQ(actual, expected) << "pending queue of the " << tier << " reviewer of " << region << " in pass "
                                    << pass << "\n expected: " << describe(expected)
                                    << "\n actual:   " << describe(actual);
      }
      for (auto& d : decls) {
        if (d.expected_state != tier + "_review") continue;
        any = true;
        auto token = day.reviewer(tier, jurisdiction(d, tier));
        std::string decision = "approve";
        if (!d.returned_once &&
            ((d.path == Path::return_county && tier == "county") || (d.path == Path::return_city && tier == "city") ||
             (d.path == Path::return_province && tier == "province")))
          decision = "return";
        if ((d.path == Path::reject_county && tier == "county") || (d.path == Path::reject_city && tier == "city") ||
            (d.path == Path::reject_province && tier == "province"))
          decision = "reject";
        json body = {{"decision", decision}, {"comment", tier + " 意见：" + decision}};
        if (d.kind == "morning_star" && tier == "county") body["verified"] = {{"criteria", {{"MS01", true}}}};
        d.current = day.call("POST", "/v1/declarations/" + d.id + "/decisions", token, body, {etag(d)});
        d.actions.push_back(decision);
        if (body.contains("verified")) d.scored_version = d.current["version"];
        if (decision == "return") {
          d.returned_once = true;
          d.expected_state = "returned";
        } else if (decision == "reject") {
          d.expected_state = "rejected";
        } else if (tier == "province") {
          d.expected_state = "publicity";
        } else {
          auto next = tier == "county" ? "city" : "province";
          d.expected_state = std::string(next) + "_review";
          d.arrivals.push_back(std::string(next) + ":" + jurisdiction(d, next));
        }
      }
    }
    // An objection upheld during 公示: the province returns it before the period ends.
    for (auto& d : decls)
      if (d.path == Path::objection && d.expected_state == "publicity" && !d.objected) {
        d.objected = d.returned_once = true;
        d.current = day.call("POST", "/v1/declarations/" + d.id + "/decisions", day.reviewer("province", "370000"),
                             json{{"decision", "return"}, {"comment", "公示期间收到异议，请说明"}}, {etag(d)});
        d.actions.push_back("return");
        d.expected_state = "returned";
      }
    // Applicants fix what was returned and resubmit to the tier that returned it.
    for (auto& d : decls)
      if (d.expected_state == "returned") {
        any = true;
        auto payload = d.current["payload"];
        payload[d.kind == "morning_star" ? "claimed_level" : "cluster_name"] =
            d.kind == "morning_star" ? json(1) : json("已修改的集群名称");
        d.current = day.call(
            "PUT", "/v1/declarations/" + d.id, day.applicant(d.org),
            json{{"title", d.current["title"]}, {"contact", d.current["contact"]}, {"payload", payload}}, {etag(d)});
        d.actions.push_back("update");
        d.scored_version = d.current["version"];
        submit(d);
      }
    if (!any) break;
  }

  // Evening: 公示 ends by itself once workflow's clock passes its end (restarted with the clock moved).
  std::string last_end;
  for (auto& d : decls)
    if (d.expected_state == "publicity") {
      d.expected_state = "approved";
      d.actions.push_back("end_publicity");
      ASSERT_TRUE(d.current["publicity_ends_at"].is_string()) << d.current.dump();
      last_end = std::max(last_end, d.current["publicity_ends_at"].get<std::string>());
    }
  ASSERT_FALSE(last_end.empty());
  EXPECT_EQ(last_end, "2026-06-08T16:00:00.000Z") << "5 working days after Monday 1 June";
  day.workflow.restart({{"SDP_CLOCK_OFFSET_SECONDS", test::clock_offset_to(test::utc_time(last_end) + 1min)}});
  ASSERT_TRUE(day.workflow.wait_ready()) << day.workflow.process->log_text();
  ASSERT_TRUE(test::eventually([&] { return test::http_get(day.gateway->url("/readyz")).status == 200; }, 20s));
  ASSERT_TRUE(test::eventually(
      [&] {
        for (const auto& d : decls)
          if (d.expected_state == "approved" &&
              day.call("GET", "/v1/declarations/" + d.id, day.applicant(d.org))["state"] != "approved")
            return false;
        return true;
      },
      30s))
      << "公示 did not end";

  // Every declaration: state, history chain and score agree with what was done.
  std::map<std::string, std::multiset<std::string>> expected_org_inbox, expected_reviewer_inbox;
  std::set<std::string> paths_seen;
  for (const auto& d : decls) {
    SCOPED_TRACE(std::string(path_name(d.path)) + " " + d.id);
    paths_seen.insert(path_name(d.path));
    auto got = day.call("GET", "/v1/declarations/" + d.id, day.applicant(d.org));
    EXPECT_EQ(got["state"], d.expected_state);
    auto h = day.call("GET", "/v1/declarations/" + d.id + "/history", day.applicant(d.org));
    EXPECT_TRUE(h["chain_valid"].get<bool>()) << "history chain broken at " << h["first_broken_seq"];
    std::vector<std::string> actions;
    for (const auto& e : h["items"]) actions.push_back(e["action"]);
    EXPECT_EQ(actions, d.actions) << "a history entry is missing or extra";
    EXPECT_EQ(got["version"].get<size_t>(), d.actions.size());
    // The stored score is the score of the latest payload, with the verdicts given.
    ASSERT_TRUE(test::eventually(
        [&] {
          auto cur = day.call("GET", "/v1/declarations/" + d.id, day.applicant(d.org));
          if (cur["score"].is_null() || cur["score_version"] != d.scored_version) return false;
          json preview = {{"kind", d.kind}, {"payload", cur["payload"]}};
          auto expected = day.call("POST", "/v1/scoring/preview", day.applicant(d.org), preview);
          return d.kind == "morning_star" ? cur["score"]["self_assessed_level"] == expected["self_assessed_level"]
                                          : cur["score"]["self_assessed_total"] == expected["self_assessed_total"];
        },
        10s))
        << "the score is missing or stale: it is for version "
        << day.call("GET", "/v1/declarations/" + d.id, day.applicant(d.org))["score_version"] << ", expected "
        << d.scored_version;
    for (const auto& a : d.actions)  // every state change; a creation or a save tells nobody (issue 15)
      if (a != "create" && a != "update") expected_org_inbox[d.org].insert(a);
    for (const auto& arrival : d.arrivals) expected_reviewer_inbox[arrival].insert(d.id);
  }
  EXPECT_EQ(paths_seen.size(), 10u);

  // Notifications: one per change of state for the applicant, one per arrival for the reviewers there.
  auto inbox_of = [&](const std::string& token) {
    std::multiset<std::string> out;
    std::string cursor;
    for (int page = 0; page < 200; ++page) {
      auto r = day.call("GET", "/v1/notifications?limit=50" + (cursor.empty() ? "" : "&cursor=" + cursor), token);
      for (const auto& item : r["items"])
        out.insert(item["type"].get<std::string>() + " " + item["declaration_id"].get<std::string>());
      if (r["next_cursor"].is_null()) break;
      cursor = r["next_cursor"];
    }
    return out;
  };
  for (const auto& org : orgs) {
    size_t expected = expected_org_inbox[org].size();
    bool complete = test::eventually([&] { return inbox_of(day.applicant(org)).size() >= expected; }, 20s);
    auto got = inbox_of(day.applicant(org));
    EXPECT_TRUE(complete && got.size() == expected)
        << "org " << org << ": " << got.size() << " notifications for " << expected << " steps";
  }
  for (const auto& [who, ids] : expected_reviewer_inbox) {
    auto tier = who.substr(0, who.find(':'));
    auto region = who.substr(who.find(':') + 1);
    auto token = day.reviewer(tier, region);
    test::eventually([&] { return inbox_of(token).size() >= ids.size(); }, 20s);
    auto got = inbox_of(token);
    std::multiset<std::string> got_ids;
    for (const auto& entry : got) got_ids.insert(entry.substr(entry.find(' ') + 1));
    EXPECT_EQ(got_ids, ids) << "the " << tier << " reviewers of " << region << " were not told of every arrival";
  }
  std::cout << decls.size() << " declarations, every path: " << describe(paths_seen) << "\n";
}
