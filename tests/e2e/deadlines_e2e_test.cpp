// Deadlines over HTTP against the real binaries (CONTRACT §6): a declaration waits at the county
// while workflow's clock is moved (restarts with SDP_CLOCK_OFFSET_SECONDS) past the due-soon point
// and then past due_at; the county reviewers' inbox gets each reminder once, the city's the overdue
// escalation, the applicant nothing, and the reviewers' mailboxes (SDP_REVIEWER_MAILBOXES) the e-mail.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <thread>

#include "rounds.hpp"
#include "sdp/build_info.hpp"
#include "test_env.hpp"
#include "tokens.hpp"

using namespace sdp;
using namespace std::chrono_literals;
using nlohmann::json;
using test::TokenMinter;

namespace {

const std::string kOrg = "91370102MA3C00000B";

struct Deadlines {
  TokenMinter minter;
  // Submitted at 10:00 on Monday 28 September 2026, whatever today is.
  const std::chrono::system_clock::time_point submitted_at = test::beijing_2026(9, 28, 10);
  test::NatsServer nats;
  test::ServiceUnderTest workflow{
      "workflow",
      nats,
      {{"SDP_CLOCK_OFFSET_SECONDS", test::clock_offset_to(submitted_at)}, {"SDP_PUBLICITY_POLL_MS", "100"}}};
  test::ServiceUnderTest scoring{"scoring", nats};
  uint16_t smtp_port = test::free_port();
  std::filesystem::path maildir = [] {
    auto dir = test::temp_dir("maildir");
    for (auto sub : {"tmp", "new", "cur"}) std::filesystem::create_directories(dir / sub);
    return dir;
  }();
  test::Process smtp{"/usr/bin/python3",
                     {"-m", "aiosmtpd", "-n", "-l", "127.0.0.1:" + std::to_string(smtp_port), "-c",
                      "aiosmtpd.handlers.Mailbox", maildir.string()}};
  std::filesystem::path mailboxes = [] {
    auto path = test::temp_dir("mailboxes") / "reviewers.json";
    std::ofstream(path)
        << json{{"county:370102", {"lixia-review@example.cn"}}, {"city:370100", {"jinan-review@example.cn"}}}.dump();
    return path;
  }();
  std::unique_ptr<test::ServiceUnderTest> notify, gateway;

  Deadlines() {
    notify = std::make_unique<test::ServiceUnderTest>(
        "notify", nats,
        std::map<std::string, std::string>{{"SDP_NOTIFY_SEAL_KEY", std::string(64, 'e')},
                                           {"SDP_SMTP_URL", "smtp://127.0.0.1:" + std::to_string(smtp_port)},
                                           {"SDP_NOTIFY_BACKOFF_BASE_MS", "200"},
                                           {"SDP_REVIEWER_MAILBOXES", mailboxes.string()}});
    gateway = std::make_unique<test::ServiceUnderTest>(
        "gateway", nats,
        std::map<std::string, std::string>{{"SDP_JWT_PUBLIC_KEYS", minter.rsa_public_pem().string()},
                                           {"SDP_JWT_ISSUER", "sdp-test"}});
    for (auto* s : {&workflow, &scoring, notify.get(), gateway.get()})
      EXPECT_TRUE(s->wait_ready()) << s->name << s->process->log_text();
  }

  json call(const std::string& method, const std::string& path, const std::string& token,
            const std::optional<json>& body = std::nullopt, int expect = 200) {
    std::vector<std::string> headers{"Authorization: Bearer " + token};
    if (body) headers.push_back("Content-Type: application/json");
    auto r =
        test::http(method, gateway->url(path), headers, body ? std::optional<std::string>(body->dump()) : std::nullopt);
    EXPECT_EQ(r.status, expect) << method << " " << path << ": " << r.body.substr(0, 400);
    return r.json();
  }
  // Workflow stopped and started again with its clock at `t`; the gateway is ready again after it.
  void move_clock_to(std::chrono::system_clock::time_point t) {
    workflow.restart({{"SDP_CLOCK_OFFSET_SECONDS", test::clock_offset_to(t)}});
    ASSERT_TRUE(workflow.wait_ready()) << workflow.process->log_text();
    ASSERT_TRUE(test::eventually([&] { return test::http_get(gateway->url("/readyz")).status == 200; }, 20s));
  }
  // The reminders in a caller's inbox (GET /v1/notifications), newest first.
  std::vector<std::string> reminders(const std::string& token) {
    std::vector<std::string> out;
    const auto inbox = call("GET", "/v1/notifications?limit=50", token);  // named: a temporary's items would dangle
    for (const auto& item : inbox["items"])
      if (item["type"] == "declaration.reminder") out.push_back(item["body"]);
    return out;
  }
  // The e-mails the SMTP sink received, as their raw text.
  std::vector<std::string> mails() {
    std::vector<std::string> out;
    for (const auto& f : std::filesystem::directory_iterator(maildir / "new")) {
      std::ifstream in(f.path());
      out.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return out;
  }
};

size_t count_with(const std::vector<std::string>& texts, const std::string& part) {
  return static_cast<size_t>(std::count_if(texts.begin(), texts.end(),
                                           [&](const std::string& t) { return t.find(part) != std::string::npos; }));
}

}  // namespace

TEST(Deadlines, RemindersAndTheEscalationArriveOnceAsTheClockPassesTheDueDate) {
  Deadlines s;
  const auto applicant = s.minter.token(TokenMinter::applicant(kOrg));
  const auto county = s.minter.token(TokenMinter::reviewer("county", "370102"));
  const auto city = s.minter.token(TokenMinter::reviewer("city", "370100"));
  auto round = s.call("POST", "/v1/rounds", s.minter.token(TokenMinter::admin()),
                      test::open_round_body("morning_star", 24h, 24h * 30, s.submitted_at), 201);
  auto d = s.call("POST", "/v1/declarations", applicant,
                  json{{"round", round["id"]},
                       {"org_name", "济南某精密制造有限公司"},
                       {"region", "370102"},
                       {"title", "济南某精密制造有限公司晨星工厂申报"},
                       {"contact", {{"name", "王经理"}, {"phone", "0531-88880000"}}},
                       {"payload", {{"claimed_level", 1}, {"criteria", json::object()}}}},
                  201);
  d = s.call("POST", "/v1/declarations/" + d["id"].get<std::string>() + "/submit", applicant);
  // The county's 5 working days: Tue 29, Wed 30 September, (1-7 October off) Thu 8, Fri 9 and the
  // make-up Saturday 10 October.
  ASSERT_EQ(d["due_at"], "2026-10-10T16:00:00.000Z");
  const std::string number = d["number"];

  // Past the start of the last working day: the county is told it falls due on 10 October.
  s.move_clock_to(test::beijing_2026(10, 10, 8));
  ASSERT_TRUE(test::eventually([&] { return !s.reminders(county).empty(); }, 20s)) << "no due-soon reminder";
  auto soon = s.reminders(county);
  ASSERT_EQ(soon.size(), 1u);
  EXPECT_EQ(
      soon[0],
      "〔" + number + "〕《济南某精密制造有限公司晨星工厂申报》将于 10月10日 到期，请及时办理（县级审核办理时限）。");
  EXPECT_TRUE(s.reminders(city).empty()) << "the city hears only of the overdue";

  // Past due_at: overdue, to the county and (escalation) to the city.
  s.move_clock_to(test::beijing_2026(10, 12, 9));
  ASSERT_TRUE(test::eventually([&] { return s.reminders(county).size() == 2 && s.reminders(city).size() == 1; }, 20s))
      << "county: " << s.reminders(county).size() << ", city: " << s.reminders(city).size();
  EXPECT_EQ(count_with(s.reminders(county), "已超过县级审核办理时限（10月10日）"), 1u);
  EXPECT_EQ(count_with(s.reminders(city), "历下区〔" + number + "〕"), 1u) << s.reminders(city)[0];

  // Restarted once more later on: nothing is sent again.
  s.move_clock_to(test::beijing_2026(10, 14, 9));
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(s.reminders(county).size(), 2u);
  EXPECT_EQ(s.reminders(city).size(), 1u);
  EXPECT_EQ(count_with(s.reminders(applicant), ""), 0u) << "reminders are the reviewers'";
  auto got = s.call("GET", "/v1/declarations/" + d["id"].get<std::string>(), county);
  EXPECT_EQ(got["version"], d["version"]) << "a reminder is not a step";
  EXPECT_EQ(got["state"], "county_review");

  // E-mail to the reviewers' mailboxes: two to the county, one to the city.
  ASSERT_TRUE(test::eventually([&] { return s.mails().size() == 3; }, 20s)) << s.mails().size() << " e-mails";
  auto mails = s.mails();
  EXPECT_EQ(count_with(mails, "lixia-review@example.cn"), 2u);
  EXPECT_EQ(count_with(mails, "jinan-review@example.cn"), 1u);
}

TEST(Deadlines, ABadReviewerMailboxFileStopsNotifyNamingTheEntry) {
  test::NatsServer nats;
  auto path = test::temp_dir("mailboxes") / "bad.json";
  std::ofstream(path) << R"({"county:370102": ["a@example.cn"], "county:379999": ["b@example.cn"]})";
  test::ServiceUnderTest notify{
      "notify", nats, {{"SDP_NOTIFY_SEAL_KEY", std::string(64, 'e')}, {"SDP_REVIEWER_MAILBOXES", path.string()}}};
  ASSERT_TRUE(test::eventually([&] { return !notify.process->running(); }, 20s)) << "notify started with a bad file";
  EXPECT_NE(notify.process->log_text().find("county:379999"), std::string::npos) << notify.process->log_text();
}
