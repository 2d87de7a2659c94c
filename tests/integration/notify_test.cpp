// The notify service between the real workflow and a real webhook receiver and SMTP sink on
// loopback: every event delivered and signed, a receiver that was down catches up, a duplicate
// event notifies once, and a notify killed mid-delivery loses nothing.
#include <gtest/gtest.h>

#include <signal.h>

#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "actors.hpp"
#include "rounds.hpp"
#include "sdp/build_info.hpp"
#include "sdp/command_bus.hpp"
#include "sdp/crypto.hpp"
#include "sdp/event.hpp"
#include "sdp/http.hpp"
#include "sdp/nats.hpp"
#include "test_env.hpp"
#include "tokens.hpp"

using namespace sdp;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

using namespace test::actors;  // commands carry the token's claims as the actor

const std::string kSecret = "a-webhook-secret-of-the-org";
const std::string kSealKey(64, 'b');

// A webhook receiver on a fixed loopback port that can go down and come back.
struct Receiver {
  uint16_t port = test::free_port();
  std::mutex mutex;
  std::vector<std::pair<http::Headers, std::string>> received;
  std::chrono::milliseconds delay{0};
  std::unique_ptr<http::Server> server;

  void start() {
    http::ServerOptions o;
    o.port = port;
    o.threads = 2;
    server = std::make_unique<http::Server>(o, [this](http::Request&& r, http::Respond respond) {
      std::thread([this, r = std::move(r), respond] {
        std::this_thread::sleep_for(delay);
        {
          std::lock_guard l(mutex);
          received.emplace_back(r.headers, r.body);
        }
        respond(http::Response::json(200, "{}"));
      }).detach();
    });
    server->start();
  }
  void stop() { server.reset(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port) + "/hooks/sdp"; }
  std::vector<std::pair<http::Headers, std::string>> all() {
    std::lock_guard l(mutex);
    return received;
  }
  std::multiset<std::string> ids() {
    std::multiset<std::string> out;
    for (const auto& [h, body] : all()) out.insert(json::parse(body)["id"].get<std::string>());
    return out;
  }
};

struct Harness {
  test::NatsServer nats;
  uint16_t smtp_port = test::free_port();
  std::filesystem::path maildir = [] {
    auto dir = test::temp_dir("maildir");
    for (auto sub : {"tmp", "new", "cur"}) std::filesystem::create_directories(dir / sub);  // a Maildir
    return dir;
  }();
  test::Process smtp{"/usr/bin/python3",
                     {"-m", "aiosmtpd", "-n", "-l", "127.0.0.1:" + std::to_string(smtp_port), "-c",
                      "aiosmtpd.handlers.Mailbox", maildir.string()}};
  test::ServiceUnderTest workflow{"workflow", nats};
  std::map<std::string, std::string> notify_settings = {
      {"SDP_NOTIFY_SEAL_KEY", kSealKey},
      {"SDP_NOTIFY_ALLOW_PRIVATE_URLS", "true"},
      {"SDP_NOTIFY_BACKOFF_BASE_MS", "200"},
      {"SDP_NOTIFY_BACKOFF_MAX_MS", "800"},
      {"SDP_SMTP_URL", "smtp://127.0.0.1:" + std::to_string(smtp_port)},
      {"SDP_NOTIFY_TIMEOUT_MS", "2000"}};
  std::unique_ptr<test::ServiceUnderTest> notify;
  nats::Connection client{[&] {
    nats::Options o;
    o.url = nats.url();
    return o;
  }()};
  nats::Topology topology = nats::Topology::from_file(std::string(build_info::kSchemasDir) + "/nats/topology.json");
  Receiver receiver;

  Harness() {
    notify = std::make_unique<test::ServiceUnderTest>("notify", nats, notify_settings);
    EXPECT_TRUE(workflow.wait_ready());
    EXPECT_TRUE(notify->wait_ready()) << notify->process->log_text();
    receiver.start();
    auto r = ask(cmd::SetWebhook{applicant(), receiver.url(), kSecret});
    EXPECT_TRUE(r) << r.error().to_json().dump();
  }

  // Restarts notify on the same database, as after a crash or a deploy.
  void restart_notify() {
    auto same = notify_settings;
    same["SDP_DB_NAME"] = notify->db.name();
    same["SDP_DB_USER"] = notify->db.user();
    same["SDP_DB_PASSWORD"] = notify->db.password();
    restarted = std::make_unique<test::ServiceUnderTest>("notify", nats, same);
    EXPECT_TRUE(restarted->wait_ready());
  }
  std::unique_ptr<test::ServiceUnderTest> restarted;

  // A command to notify or workflow, through the codec the gateway uses.
  template <class C>
  Result<typename C::Reply> ask(const C& command) {
    return cmd::call(
        topology, [&](const std::string& subject, const std::string& body) { return client.request(subject, body); },
        command);
  }
  // The reply to a command that must be answered.
  template <class C>
  typename C::Reply answered(const C& command) {
    auto r = ask(command);
    EXPECT_TRUE(r) << C::verb << ": " << r.error().to_json().dump();
    return r ? *r : typename C::Reply{};
  }
  json inbox_items(const Actor& actor) {
    return answered(cmd::Inbox{actor, cmd::kDefaultPageSize, std::nullopt}).body["items"];
  }

  cmd::Declaration declaration() {
    if (round.empty()) {
      auto body = test::open_round_body("morning_star");
      auto r = answered(*cmd::from_json(json{{"actor", actor_of(test::TokenMinter::admin()).to_json()}, {"body", body}},
                                        cmd::Tag<cmd::CreateRound>{}));
      round = r.id;
    }
    return answered(cmd::CreateDeclaration{applicant(),
                                           Kind::morning_star,
                                           round,
                                           "370102",
                                           "某公司晨星工厂申报",
                                           "某公司",
                                           {"王", "13800000000", "wang@example.cn"},
                                           {{"claimed_level", 1}}});
  }
  std::string round;  // an open round, opened by the first declaration
  cmd::Declaration submit(const cmd::Declaration& d) {
    return answered(cmd::SubmitDeclaration{applicant(), d.id, d.version});
  }
  cmd::Declaration withdraw(const cmd::Declaration& d) {
    return answered(cmd::WithdrawDeclaration{applicant(), d.id, d.version});
  }
  cmd::Declaration decide(const Actor& reviewer, const cmd::Declaration& d, Decision decision,
                          std::string comment = "") {
    return answered(cmd::DecideDeclaration{reviewer, d.id, d.version, decision, std::move(comment), std::nullopt});
  }
  int64_t delivered_count() {
    db::Pool pool(notify->db.options(1));
    auto c = pool.acquire();
    auto r = c->query("SELECT COUNT(*) AS n FROM deliveries WHERE channel = 'webhook' AND state = 'delivered'");
    r.next();
    return r.i64("n");
  }
  size_t mails() {
    size_t n = 0;
    if (std::filesystem::exists(maildir / "new"))
      n = static_cast<size_t>(std::distance(std::filesystem::directory_iterator(maildir / "new"), {}));
    return n;
  }
};

}  // namespace

TEST(Notify, EveryStepReachesInboxWebhookAndMailSigned) {
  Harness h;
  auto d = h.declaration();
  d = h.submit(d);
  d = h.decide(reviewer("county", "370102"), d, Decision::approve);
  d = h.decide(reviewer("city", "370100"), d, Decision::return_, "请补充设备联网证明");

  // Every state change; the draft's creation is no state change and tells nobody (issue 15).
  ASSERT_TRUE(test::eventually([&] { return h.receiver.all().size() >= 3; }, 20s)) << h.notify->process->log_text();
  std::this_thread::sleep_for(500ms);
  auto got = h.receiver.all();
  ASSERT_EQ(got.size(), 3u);
  std::set<std::string> types;
  for (const auto& [headers, body] : got) {
    auto ts = headers.at("X-Timestamp");
    EXPECT_EQ(headers.at("X-Signature"), "sha256=" + crypto::hmac_sha256_hex(kSecret, ts + "." + body)) << body;
    auto j = json::parse(body);
    EXPECT_EQ(j["declaration_id"], d.id);
    EXPECT_EQ(headers.at("X-Event-Id"), j["id"]);
    types.insert(j["type"]);
  }
  EXPECT_EQ(types, (std::set<std::string>{"declaration.submitted", "declaration.approved", "declaration.returned"}));

  auto inbox = h.ask(cmd::Inbox{applicant(), 10, std::nullopt});
  ASSERT_TRUE(inbox) << inbox.error().to_json().dump();
  const auto& items = inbox->body["items"];
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(inbox->body["unread"], 3);
  EXPECT_EQ(items[0]["type"], "declaration.returned");  // newest first
  EXPECT_NE(items[0]["body"].get<std::string>().find("审核意见：请补充设备联网证明"), std::string::npos);
  EXPECT_NE(items[1]["body"].get<std::string>().find("已通过县级审核，进入市级审核"), std::string::npos)
      << items[1]["body"];
  EXPECT_FALSE(items[0]["read"].get<bool>());

  auto county = h.inbox_items(reviewer("county", "370102"));
  auto city = h.inbox_items(reviewer("city", "370100"));
  auto other_city = h.inbox_items(reviewer("city", "370200"));
  EXPECT_EQ(county.size(), 1u);
  EXPECT_EQ(city.size(), 1u);
  EXPECT_EQ(other_city.size(), 0u);

  // The read flag: the caller's own only.
  const auto first = items[0]["id"].get<std::string>();
  EXPECT_EQ(refusal(h.ask(cmd::MarkRead{reviewer("city", "370100"), first})), ProblemKind::not_found);
  EXPECT_EQ(refusal(h.ask(cmd::MarkRead{applicant(), first})), std::nullopt);
  EXPECT_TRUE(h.inbox_items(applicant())[0]["read"].get<bool>());

  // Mark all read: the caller's alone, the count after.
  auto county_before = h.answered(cmd::Inbox{reviewer("county", "370102"), 1, std::nullopt}).body["unread"];
  EXPECT_EQ(county_before, 1);
  auto all = h.ask(cmd::MarkManyRead{applicant(), true, {}});
  ASSERT_TRUE(all) << all.error().to_json().dump();
  EXPECT_EQ(all->body["unread"], 0);
  EXPECT_EQ(h.answered(cmd::Inbox{reviewer("county", "370102"), 1, std::nullopt}).body["unread"], 1)
      << "another audience's notifications were touched";
  auto named = h.ask(cmd::MarkManyRead{reviewer("county", "370102"), false, {first}});  // the applicant's id
  ASSERT_TRUE(named);
  EXPECT_EQ(named->body["unread"], 1) << "an id of another audience is passed over";

  // E-mail to the contact, one per state change.
  ASSERT_TRUE(test::eventually([&] { return h.mails() >= 3; }, 20s))
      << h.notify->process->log_text() << h.smtp.log_text();
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(h.mails(), 3u);

  // The secret is sealed at rest.
  db::Pool pool(h.notify->db.options(1));
  auto c = pool.acquire();
  auto r = c->query("SELECT secret_sealed FROM webhooks WHERE org = ?", {kOrg});
  ASSERT_TRUE(r.next());
  EXPECT_EQ(r.str("secret_sealed").find(kSecret), std::string::npos);
}

// Issue 13: a command message is strict JSON; a key given twice is refused, not read as the last one.
TEST(Notify, ACommandWithARepeatedKeyIsRefused) {
  Harness h;
  const auto other_org = actor_of(test::TokenMinter::applicant("91350100M000100Y43"));
  auto text = R"({"actor":)" + applicant().to_json().dump() + R"(,"body":{"url":"https://a.example.cn/h","secret":")" +
              kSecret + R"("},"actor":)" + other_org.to_json().dump() + "}";
  auto r = cmd::decode_reply<cmd::Document>(h.client.request(h.topology.command("notify", "webhook"), text), "notify");
  ASSERT_EQ(refusal(r), ProblemKind::invalid);
  ASSERT_FALSE(r.error().errors.empty());
  EXPECT_EQ(r.error().errors[0].pointer, "/actor") << r.error().to_json().dump();
  auto other = h.ask(cmd::GetWebhook{other_org});
  EXPECT_EQ(refusal(other), ProblemKind::not_found) << "no webhook for the other org";
}

// Notify's own rules, now that the gateway no longer checks them: only an applicant has a webhook,
// only to an http(s) URL; only an admin sees and replays dead deliveries.
TEST(Notify, WebhooksAreTheApplicantsAndDeadDeliveriesTheAdmins) {
  Harness h;
  auto reviewer_hook = h.ask(cmd::SetWebhook{reviewer("city", "370100"), h.receiver.url(), kSecret});
  ASSERT_EQ(refusal(reviewer_hook), ProblemKind::forbidden);
  EXPECT_EQ(reviewer_hook.error().title,
            (Text{"Only an applicant registers a webhook for its org", "只有申报单位可以设置本单位的回调"}));
  EXPECT_EQ(refusal(h.ask(cmd::GetWebhook{reviewer("city", "370100")})), ProblemKind::forbidden);

  auto ftp = h.ask(cmd::SetWebhook{applicant(), "ftp://a.example.cn/h", kSecret});
  ASSERT_EQ(refusal(ftp), ProblemKind::invalid);
  EXPECT_EQ(ftp.error().errors.at(0).pointer, "/url");
  auto hook = h.ask(cmd::GetWebhook{applicant()});
  ASSERT_TRUE(hook) << hook.error().to_json().dump();
  EXPECT_EQ(hook->body["url"], h.receiver.url()) << "the refused URL replaced nothing";
  EXPECT_TRUE(hook->body["updated_at"].is_string());

  const auto admin = actor_of(test::TokenMinter::admin());
  EXPECT_EQ(refusal(h.ask(cmd::DeadDeliveries{applicant()})), ProblemKind::forbidden);
  EXPECT_EQ(refusal(h.ask(cmd::ReplayDeliveries{applicant(), std::nullopt})), ProblemKind::forbidden);
  auto dead = h.ask(cmd::DeadDeliveries{admin});
  ASSERT_TRUE(dead) << dead.error().to_json().dump();
  EXPECT_EQ(dead->body["items"], json::array());
  auto replayed = h.ask(cmd::ReplayDeliveries{admin, std::nullopt});
  ASSERT_TRUE(replayed) << replayed.error().to_json().dump();
  EXPECT_EQ(replayed->body["replayed"], 0);
}

TEST(Notify, AReceiverThatWasDownGetsEverythingOnceItIsBack) {
  Harness h;
  h.receiver.stop();
  auto d = h.declaration();
  d = h.submit(d);
  d = h.withdraw(d);
  // Let the deliveries fail a few times.
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(h.receiver.all().size(), 0u);
  h.receiver.start();
  ASSERT_TRUE(test::eventually([&] { return h.receiver.all().size() >= 2; }, 20s));
  std::this_thread::sleep_for(1000ms);
  auto ids = h.receiver.ids();
  EXPECT_EQ(ids.size(), 2u) << "submitted and withdrawn (the creation tells nobody)";
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 2u) << "an event was delivered twice";
}

TEST(Notify, AnEventDeliveredTwiceByJetStreamNotifiesOnce) {
  Harness h;
  auto e = make_event("declaration.submitted", "0190a0b0-0000-7000-8000-00000000abcd", 2, applicant().to_json(),
                      {{"number", "MSF-2026-370102-000099"},
                       {"kind", "morning_star"},
                       {"org", kOrg},
                       {"region", "370102"},
                       {"city", "370100"},
                       {"title", "重复投递"},
                       {"contact", {{"name", "王"}, {"phone", "1"}}},
                       {"from", "draft"},
                       {"to", "county_review"},
                       {"arrives_at", "county"}});
  h.client.publish(e.subject(), e.to_json().dump(), e.id);
  h.client.publish(e.subject(), e.to_json().dump(), e.id + "-again");  // not a JetStream duplicate
  ASSERT_TRUE(test::eventually([&] { return h.receiver.all().size() >= 1; }, 20s));
  std::this_thread::sleep_for(1000ms);
  EXPECT_EQ(h.receiver.all().size(), 1u);
  EXPECT_EQ(h.inbox_items(applicant()).size(), 1u);
  EXPECT_EQ(h.inbox_items(reviewer("county", "370102")).size(), 1u);
}

// CONTRACT §5: the data of a declaration event keeps schemas/events/declaration.schema.json, or
// the event is dead-lettered with the pointer and the problem, and notifies nobody.
TEST(Notify, AnEventWhoseDataBreaksItsSchemaIsDeadLetteredWithThePointer) {
  Harness h;
  nats::ConsumerSpec spec{"SDP_DEAD_LETTERS", "test-dead", "sdp.dlq.notify", 5s, 3, {}, 1000, "sdp.dlq.test"};
  h.client.ensure_consumer(spec);
  std::mutex mutex;
  std::vector<std::string> reasons;
  nats::PullConsumer dead(h.client, spec, [&](const nats::Message& m) {
    std::lock_guard l(mutex);
    reasons.push_back(m.headers.at("Sdp-Dead-Letter-Reason"));
    return nats::Disposition::ack();
  });
  std::jthread reader([&](std::stop_token st) { dead.run(st); });

  json data = {{"number", "MSF-2026-370102-000098"},
               {"kind", "morning_star"},
               {"org", kOrg},
               {"region", "370102"},
               {"city", "370100"},
               {"title", "坏数据"},
               {"contact", {{"name", "王"}, {"phone", "1"}}},
               {"from", "draft"},
               {"to", "teleported"}};
  auto bad =
      make_event("declaration.submitted", "0190a0b0-0000-7000-8000-00000000abce", 2, applicant().to_json(), data);
  h.client.publish(bad.subject(), bad.to_json().dump(), bad.id);
  ASSERT_TRUE(test::eventually(
      [&] {
        std::lock_guard l(mutex);
        return !reasons.empty();
      },
      20s))
      << h.notify->process->log_text();
  {
    std::lock_guard l(mutex);
    EXPECT_NE(reasons[0].find("/data/to: "), std::string::npos) << reasons[0];
  }
  data["to"] = "county_review";
  auto good =
      make_event("declaration.submitted", "0190a0b0-0000-7000-8000-00000000abcf", 2, applicant().to_json(), data);
  h.client.publish(good.subject(), good.to_json().dump(), good.id);
  ASSERT_TRUE(test::eventually([&] { return h.inbox_items(applicant()).size() == 1; }, 20s));
  EXPECT_EQ(h.inbox_items(applicant())[0]["event_id"], good.id) << "the refused event notified nobody";
  std::lock_guard l(mutex);
  EXPECT_EQ(reasons.size(), 1u);
}

TEST(Notify, KilledMidDeliveryItLosesNothingAndRepeatsNothingThatSucceeded) {
  Harness h;
  h.receiver.delay = 150ms;       // a slow receiver, so the kill lands mid-delivery
  for (int i = 0; i < 12; ++i) {  // twelve submissions: twelve webhooks (a creation sends none)
    auto d = h.declaration();
    h.submit(d);
  }
  ASSERT_TRUE(test::eventually([&] { return h.delivered_count() >= 3; }, 20s));
  h.notify->process->stop(SIGKILL);
  std::set<std::string> before;
  {
    db::Pool pool(h.notify->db.options(1));
    auto c = pool.acquire();
    for (auto r = c->query("SELECT event_id FROM deliveries WHERE channel = 'webhook' AND state = 'delivered'");
         r.next();)
      before.insert(r.str("event_id"));
  }
  EXPECT_LT(before.size(), 12u) << "the kill should come before the end";
  h.restart_notify();
  ASSERT_TRUE(test::eventually([&] { return h.delivered_count() == 12; }, 30s));
  std::this_thread::sleep_for(500ms);
  auto ids = h.receiver.ids();
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 12u) << "an event was lost";
  for (const auto& id : before) EXPECT_EQ(ids.count(id), 1u) << id << " had succeeded and was sent again";
}
