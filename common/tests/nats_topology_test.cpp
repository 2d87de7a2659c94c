#include <gtest/gtest.h>

#include "sdp/build_info.hpp"

#include "sdp/error.hpp"
#include "sdp/nats.hpp"

using sdp::nats::ConsumerSpec;
using sdp::nats::PullConsumer;
using sdp::nats::Topology;

TEST(Topology, TheShippedFileLoads) {
  auto t = Topology::from_file(std::string(sdp::build_info::kSchemasDir) + "/nats/topology.json");
  ASSERT_FALSE(t.streams.empty());
  EXPECT_TRUE(t.consumers.contains("notify"));
  EXPECT_FALSE(t.consumers.contains("scoring")) << "scores are computed in workflow's transaction";
  for (const auto& [name, c] : t.consumers) {
    EXPECT_FALSE(c.dead_letter_subject.empty()) << name;
    EXPECT_LT(c.backoff.size(), static_cast<size_t>(c.max_deliver)) << name;
  }
  EXPECT_EQ(t.command("workflow", "ping"), "sdp.cmd.workflow.ping");
}

TEST(Topology, ReplicasAreSetForEveryStreamAndConsumer) {
  auto t = Topology::from_file(std::string(sdp::build_info::kSchemasDir) + "/nats/topology.json");
  for (const auto& s : t.streams) EXPECT_EQ(s.replicas, 1) << s.name << ": one copy unless told";
  t.set_replicas(3);
  for (const auto& s : t.streams) EXPECT_EQ(s.replicas, 3) << s.name;
  for (const auto& [name, c] : t.consumers) EXPECT_EQ(c.replicas, 3) << name;
}

TEST(Topology, FaultsAreNamed) {
  auto bad = nlohmann::json::parse(R"({"streams":[{"name":"S","subjects":["a.>"]}],
    "consumers":[{"durable":"c","stream":"T","filter_subject":"a.b","dead_letter_subject":"dlq.c"}]})");
  try {
    Topology::from_json(bad);
    FAIL() << "accepted a consumer on an undeclared stream";
  } catch (const sdp::Error& e) {
    EXPECT_NE(std::string(e.what()).find("stream 'T' is not declared"), std::string::npos) << e.what();
  }
  auto too_much_backoff = nlohmann::json::parse(R"({"streams":[{"name":"S","subjects":["a.>"]}],
    "consumers":[{"durable":"c","stream":"S","filter_subject":"a.b","dead_letter_subject":"d","max_deliver":2,
                  "backoff_ms":[1,2]}]})");
  EXPECT_THROW(Topology::from_json(too_much_backoff), sdp::Error);
}

TEST(PullConsumerBackoff, FollowsTheListThenHoldsTheLast) {
  ConsumerSpec spec;
  spec.backoff = {std::chrono::milliseconds(100), std::chrono::milliseconds(1000)};
  EXPECT_EQ(PullConsumer::backoff_for(spec, 1).count(), 100);
  EXPECT_EQ(PullConsumer::backoff_for(spec, 2).count(), 1000);
  EXPECT_EQ(PullConsumer::backoff_for(spec, 9).count(), 1000);
}

TEST(PullConsumerBackoff, ExponentialWithoutAList) {
  ConsumerSpec spec;
  EXPECT_EQ(PullConsumer::backoff_for(spec, 1).count(), 1000);
  EXPECT_EQ(PullConsumer::backoff_for(spec, 3).count(), 4000);
  EXPECT_EQ(PullConsumer::backoff_for(spec, 50).count(), 64000);
}
