// The scoring service binary against a real JetStream: declaration events in, score events out,
// once per event, poison to the dead-letter subject, previews over request–reply.
#include <gtest/gtest.h>

#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "sdp/build_info.hpp"
#include "sdp/event.hpp"
#include "sdp/nats.hpp"
#include "test_env.hpp"

using namespace sdp;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

struct Harness {
  test::NatsServer nats;
  test::ServiceUnderTest scoring{"scoring", nats};
  nats::Topology topology = nats::Topology::from_file(std::string(build_info::kSchemasDir) + "/nats/topology.json");
  nats::Connection client{[&] {
    nats::Options o;
    o.url = nats.url();
    return o;
  }()};
  std::mutex mutex;
  std::vector<json> scores;
  std::vector<nats::Message> dead;
  std::unique_ptr<nats::PullConsumer> score_reader, dead_reader;
  std::jthread score_thread, dead_thread;

  Harness() {
    EXPECT_TRUE(scoring.wait_ready()) << scoring.process->log_text();
    // Read what scoring publishes through consumers of the test's own.
    nats::ConsumerSpec s{"SDP_EVENTS", "test-scores", "sdp.events.score.>", 5s, 3, {}, 1000, "sdp.dlq.test"};
    nats::ConsumerSpec d{"SDP_DEAD_LETTERS", "test-dead", "sdp.dlq.scoring", 5s, 3, {}, 1000, "sdp.dlq.test"};
    client.ensure_consumer(s);
    client.ensure_consumer(d);
    score_reader = std::make_unique<nats::PullConsumer>(client, s, [this](const nats::Message& m) {
      std::lock_guard l(mutex);
      scores.push_back(json::parse(m.data));
      return nats::Disposition::ack();
    });
    dead_reader = std::make_unique<nats::PullConsumer>(client, d, [this](const nats::Message& m) {
      std::lock_guard l(mutex);
      dead.push_back(m);
      return nats::Disposition::ack();
    });
    score_thread = std::jthread([this](std::stop_token st) { score_reader->run(st); });
    dead_thread = std::jthread([this](std::stop_token st) { dead_reader->run(st); });
  }

  void publish(const Event& e, const std::string& message_id = {}) {
    client.publish(e.subject(), e.to_json().dump(), message_id.empty() ? e.id : message_id);
  }
  size_t score_count() {
    std::lock_guard l(mutex);
    return scores.size();
  }
  size_t dead_count() {
    std::lock_guard l(mutex);
    return dead.size();
  }
  std::vector<json> scores_for(const std::string& declaration) {
    std::lock_guard l(mutex);
    std::vector<json> out;
    for (const auto& s : scores)
      if (s["declaration_id"] == declaration) out.push_back(s);
    return out;
  }
};

Event submitted(const std::string& declaration, const std::string& kind, const json& payload,
                json verdicts = json::array()) {
  return make_event(
      "declaration.submitted", declaration, 2, {{"role", "applicant"}, {"sub", "u-1"}},
      {{"state", "county_review"}, {"scoring", {{"kind", kind}, {"payload", payload}, {"verdicts", verdicts}}}});
}

json ms_all_met() {
  auto catalogue = json::parse(std::ifstream(std::string(build_info::kSchemasDir) + "/catalogs/morning_star.json"));
  json criteria = json::object();
  for (const auto& c : catalogue["criteria"]) criteria[c["id"].get<std::string>()] = {{"met", true}};
  return {{"claimed_level", 5}, {"criteria", criteria}};
}

}  // namespace

TEST(ScoringService, ScoresBothKindsAndPinsTheModel) {
  Harness h;
  auto ms_payload = ms_all_met();
  ms_payload["criteria"]["MS05"] = {{"met", false}};  // 资源规划, starred for level 5 only
  h.publish(submitted("decl-ms", "morning_star", ms_payload));
  h.publish(submitted("decl-ib", "industry_brain",
                      {{"cluster_name", "烟台高端化工产业集群"},
                       {"indicators", {{"L1P1", {{"value", 200}}}, {"L1P3", {{"grade", "B"}}}}}}));
  ASSERT_TRUE(test::eventually([&] { return h.score_count() == 2; })) << h.scoring.process->log_text();

  auto ms = h.scores_for("decl-ms").at(0);
  EXPECT_EQ(ms["type"], "score.computed");
  EXPECT_EQ(ms["version"], 2);
  EXPECT_EQ(ms["data"]["kind"], "morning_star");
  EXPECT_EQ(ms["data"]["score"]["model"], (json{{"name", "morning_star"}, {"version", "2026.1"}}));
  EXPECT_EQ(ms["data"]["score"]["self_assessed_level"], 4);
  EXPECT_EQ(ms["data"]["score"]["missing"]["5"], json::array({"MS05"}));
  EXPECT_TRUE(ms["data"]["score"]["verified_level"].is_null());

  auto ib = h.scores_for("decl-ib").at(0);
  EXPECT_EQ(ib["data"]["kind"], "industry_brain");
  EXPECT_DOUBLE_EQ(ib["data"]["score"]["indicators"]["L1P1"]["points"].get<double>(), 2.4);   // 4 × 0.6
  EXPECT_DOUBLE_EQ(ib["data"]["score"]["indicators"]["L1P3"]["points"].get<double>(), 2.25);  // 3 × 0.75
  EXPECT_DOUBLE_EQ(ib["data"]["score"]["total"].get<double>(), 4.65);
  EXPECT_EQ(ib["data"]["score"]["missing"].size(), 30u);
}

TEST(ScoringService, VerdictsGiveAVerifiedLevel) {
  Harness h;
  auto e =
      submitted("decl-v", "morning_star", ms_all_met(),
                json::array({{{"tier", "county"}, {"verified", {{"criteria", {{"MS01", false}}}}}},
                             {{"tier", "city"}, {"verified", {{"criteria", {{"MS01", true}, {"MS03", false}}}}}}}));
  e.type = "declaration.decided";
  h.publish(e);
  ASSERT_TRUE(test::eventually([&] { return h.score_count() == 1; }));
  auto s = h.scores_for("decl-v").at(0)["data"]["score"];
  EXPECT_EQ(s["self_assessed_level"], 5);
  EXPECT_EQ(s["verified_level"], 2);  // MS03 全面质量管理 is starred from level 3
}

TEST(ScoringService, AnEventDeliveredTwiceIsScoredOnce) {
  Harness h;
  auto e = submitted("decl-dup", "morning_star", ms_all_met());
  h.publish(e);
  // The same event again under another message id: JetStream cannot drop it, scoring must.
  h.publish(e, e.id + "-redelivered");
  // And once more under its own id: JetStream drops this one itself.
  h.publish(e);
  auto other = submitted("decl-after", "morning_star", ms_all_met());
  h.publish(other);
  ASSERT_TRUE(test::eventually([&] { return h.scores_for("decl-after").size() == 1; }));
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(h.scores_for("decl-dup").size(), 1u);
  EXPECT_EQ(h.score_count(), 2u);
}

TEST(ScoringService, APoisonEventGoesToTheDeadLetterSubjectAndBlocksNothing) {
  Harness h;
  h.client.publish("sdp.events.declaration.submitted", "{not json", "poison-1");
  h.publish(submitted("decl-bad", "morning_star", {{"criteria", {{"MS99", {{"met", true}}}}}}));
  h.publish(submitted("decl-good", "industry_brain", {{"indicators", json::object()}}));
  ASSERT_TRUE(test::eventually([&] { return h.dead_count() == 2 && h.score_count() == 1; }))
      << h.dead_count() << " dead, " << h.score_count() << " scored";
  std::lock_guard l(h.mutex);
  std::set<std::string> reasons;
  for (auto& m : h.dead) reasons.insert(m.headers["Sdp-Dead-Letter-Reason"]);
  EXPECT_TRUE(std::any_of(reasons.begin(), reasons.end(),
                          [](auto& r) { return r.find("not an event envelope") != std::string::npos; }));
  EXPECT_TRUE(std::any_of(reasons.begin(), reasons.end(),
                          [](auto& r) { return r.find("/payload/criteria/MS99") != std::string::npos; }));
}

TEST(ScoringService, EventsWithoutAScoringRequestAreIgnored) {
  Harness h;
  h.publish(make_event("declaration.withdrawn", "decl-w", 3, {{"role", "applicant"}}, {{"state", "withdrawn"}}));
  h.publish(submitted("decl-x", "industry_brain", {{"indicators", json::object()}}));
  ASSERT_TRUE(test::eventually([&] { return h.score_count() == 1; }));
  EXPECT_EQ(h.scores_for("decl-w").size(), 0u);
  EXPECT_EQ(h.dead_count(), 0u);
}

TEST(ScoringService, PreviewAnswersOverRequestReply) {
  Harness h;
  auto reply = json::parse(h.client.request(h.topology.command("scoring", "preview"),
                                            json{{"kind", "morning_star"}, {"payload", ms_all_met()}}.dump()));
  EXPECT_EQ(reply["status"], 200);
  EXPECT_EQ(reply["body"]["self_assessed_level"], 5);
  auto bad = json::parse(h.client.request(
      h.topology.command("scoring", "preview"),
      json{{"kind", "industry_brain"}, {"payload", {{"indicators", {{"L1P1", {{"value", -5}}}}}}}}.dump()));
  EXPECT_EQ(bad["status"], 400);
  EXPECT_EQ(bad["errors"][0]["pointer"], "/payload/indicators/L1P1/value");
}

TEST(ScoringService, TwoInstancesShareTheWorkAndScoreEachEventOnce) {
  Harness h;
  // A second instance on the same database and durable consumer, as a horizontal scale-out.
  std::map<std::string, std::string> same_db = {{"SDP_DB_NAME", h.scoring.db.name()},
                                                {"SDP_DB_USER", h.scoring.db.user()},
                                                {"SDP_DB_PASSWORD", h.scoring.db.password()}};
  test::ServiceUnderTest second("scoring", h.nats, same_db);
  ASSERT_TRUE(second.wait_ready());
  for (int i = 0; i < 40; ++i) {
    auto e = submitted("decl-" + std::to_string(i), "industry_brain", {{"indicators", {{"L2P2", {{"value", i}}}}}});
    h.publish(e);
    if (i % 4 == 0) h.publish(e, e.id + "-again");
  }
  ASSERT_TRUE(test::eventually([&] { return h.score_count() >= 40; }, 20s));
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(h.score_count(), 40u);
  auto log_a = h.scoring.process->log_text(), log_b = second.process->log_text();
  auto count = [](const std::string& log) {
    size_t n = 0;
    for (size_t p = log.find("score published"); p != std::string::npos; p = log.find("score published", p + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count(log_a) + count(log_b), 40u);
}
