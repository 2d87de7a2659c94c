// The scoring service binary over a real NATS: score previews over request–reply, through the
// typed command (cmd::call). Declarations are scored by workflow (workflow_test.cpp).
#include <gtest/gtest.h>

#include <fstream>

#include "sdp/build_info.hpp"
#include "sdp/command_bus.hpp"
#include "sdp/nats.hpp"
#include "test_env.hpp"

using namespace sdp;
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

  Harness() { EXPECT_TRUE(scoring.wait_ready()) << scoring.process->log_text(); }

  Result<cmd::Document> preview(Kind kind, json payload, std::optional<json> verified = std::nullopt) {
    return cmd::call(
        topology, [this](const std::string& s, const std::string& b) { return client.request(s, b); },
        cmd::PreviewScore{kind, std::move(payload), std::move(verified)});
  }
};

json ms_all_met() {
  auto catalogue = json::parse(std::ifstream(std::string(build_info::kSchemasDir) + "/catalogs/morning_star.json"));
  json criteria = json::object();
  for (const auto& c : catalogue["criteria"]) criteria[c["id"].get<std::string>()] = {{"met", true}};
  return {{"claimed_level", 5}, {"criteria", criteria}};
}

}  // namespace

TEST(ScoringService, PreviewsBothKindsAndPinsTheModel) {
  Harness h;
  auto ms_payload = ms_all_met();
  ms_payload["criteria"]["MS05"] = {{"met", false}};  // 资源规划, starred for level 5 only
  auto ms = h.preview(Kind::morning_star, ms_payload);
  ASSERT_TRUE(ms.has_value()) << ms.error().title.en;
  EXPECT_EQ(ms->body["model"], (json{{"name", "morning_star"}, {"version", "2026.1"}}));
  EXPECT_EQ(ms->body["self_assessed_level"], 4);
  EXPECT_EQ(ms->body["missing"]["5"], json::array({"MS05"}));
  EXPECT_TRUE(ms->body["verified_level"].is_null());

  auto ib = h.preview(Kind::industry_brain, {{"cluster_name", "烟台高端化工产业集群"},
                                             {"indicators", {{"L1P1", {{"value", 200}}}, {"L1P3", {{"grade", "B"}}}}}});
  ASSERT_TRUE(ib.has_value());
  EXPECT_DOUBLE_EQ(ib->body["indicators"]["L1P1"]["points"].get<double>(), 2.4);   // 4 × 0.6
  EXPECT_DOUBLE_EQ(ib->body["indicators"]["L1P3"]["points"].get<double>(), 2.25);  // 3 × 0.75
  EXPECT_DOUBLE_EQ(ib->body["total"].get<double>(), 4.65);
  EXPECT_EQ(ib->body["missing"].size(), 30u);
}

TEST(ScoringService, AVerdictGivesAVerifiedLevel) {
  Harness h;
  auto s = h.preview(Kind::morning_star, ms_all_met(), json{{"criteria", {{"MS01", true}, {"MS03", false}}}});
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->body["self_assessed_level"], 5);
  EXPECT_EQ(s->body["verified_level"], 2);  // MS03 全面质量管理 is starred from level 3
}

TEST(ScoringService, APreviewOfABadPayloadIsInvalidWithItsPointer) {
  Harness h;
  auto bad = h.preview(Kind::industry_brain, {{"indicators", {{"L1P1", {{"value", -5}}}}}});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().kind, ProblemKind::invalid);
  EXPECT_EQ(bad.error().errors.at(0).pointer, "/payload/indicators/L1P1/value");
  EXPECT_FALSE(bad.error().errors.at(0).message_zh.empty());
}

TEST(ScoringService, AMalformedCommandIsInvalidNotACrash) {
  Harness h;
  auto reply = cmd::decode_reply<cmd::Document>(
      h.client.request(h.topology.command("scoring", "preview"), R"({"body":{"kind":"smart_city","payload":{}}})"),
      "scoring");
  ASSERT_FALSE(reply.has_value());
  EXPECT_EQ(reply.error().kind, ProblemKind::invalid);
  EXPECT_TRUE(h.preview(Kind::morning_star, json::object()).has_value()) << "still serving";
}

TEST(ScoringService, TwoInstancesShareThePreviews) {
  Harness h;
  std::map<std::string, std::string> same_db = {{"SDP_DB_NAME", h.scoring.db.name()},
                                                {"SDP_DB_USER", h.scoring.db.user()},
                                                {"SDP_DB_PASSWORD", h.scoring.db.password()}};
  test::ServiceUnderTest second("scoring", h.nats, same_db);
  ASSERT_TRUE(second.wait_ready());
  for (int i = 0; i < 40; ++i) {
    auto s = h.preview(Kind::industry_brain, {{"indicators", {{"L2P2", {{"value", i}}}}}});
    ASSERT_TRUE(s.has_value()) << i;
  }
  auto answered = [](const test::ServiceUnderTest& s) {
    return test::http_get(s.url("/metrics")).body.find("command=\"preview\"") != std::string::npos;
  };
  EXPECT_TRUE(answered(h.scoring) && answered(second)) << "one queue group: both instances answer";
}
