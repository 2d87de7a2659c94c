// The four service binaries start against a real MariaDB and nats-server, report ready, expose
// their operator endpoints, and stop cleanly on SIGTERM.
#include <gtest/gtest.h>

#include <signal.h>

#include "test_env.hpp"
#include "tokens.hpp"

using namespace sdp;
using namespace std::chrono_literals;

using Service = test::ServiceUnderTest;

namespace {
// What a service needs beyond the database and NATS: the gateway, the keys it trusts.
std::map<std::string, std::string> settings_for(const std::string& name) {
  static test::TokenMinter minter;
  if (name == "gateway") return {{"SDP_JWT_PUBLIC_KEYS", minter.rsa_public_pem().string()}};
  if (name == "notify") return {{"SDP_NOTIFY_SEAL_KEY", std::string(64, 'a')}};
  return {};
}
}  // namespace

TEST(Services, EachStartsBecomesReadyAndStopsCleanly) {
  test::NatsServer nats;
  for (auto name : {"workflow", "scoring", "notify", "gateway"}) {
    SCOPED_TRACE(name);
    Service s(name, nats, settings_for(name));
    if (std::string(name) == "gateway") {
      // The gateway is ready only when workflow answers too.
      Service workflow("workflow", nats);
      ASSERT_TRUE(test::eventually([&] { return test::http_get(workflow.url("/readyz")).status == 200; }, 30s));
      ASSERT_TRUE(test::eventually([&] { return test::http_get(s.url("/readyz")).status == 200; }, 30s))
          << test::http_get(s.url("/readyz")).body << s.process->log_text();
      // The catalogues over real HTTP, from the same files scoring loads.
      auto catalogue = test::http_get(s.url("/v1/catalogs/morning-star"));
      EXPECT_EQ(catalogue.status, 200);
      EXPECT_EQ(nlohmann::json::parse(catalogue.body)["criteria"].size(), 72u);
      EXPECT_EQ(test::http_get(s.url("/v1/catalogs/industry-brain")).status, 200);
      workflow.process->stop(SIGTERM);
    } else {
      ASSERT_TRUE(test::eventually([&] { return test::http_get(s.url("/readyz")).status == 200; }, 30s))
          << s.process->log_text();
    }
    EXPECT_EQ(test::http_get(s.url("/healthz")).status, 200);
    auto metrics = test::http_get(s.url("/metrics"));
    EXPECT_EQ(metrics.status, 200);
    EXPECT_EQ(test::http_get(s.url("/no-such-thing")).status, 404);
    EXPECT_EQ(s.process->stop(SIGTERM, 15s), std::optional<int>(0)) << s.process->log_text();
    // Every log line is one JSON object.
    std::istringstream lines(s.process->log_text());
    std::string line;
    int n = 0;
    while (std::getline(lines, line)) {
      EXPECT_FALSE(nlohmann::json::parse(line, nullptr, false).is_discarded()) << line;
      ++n;
    }
    EXPECT_GT(n, 2);
  }
}

TEST(Services, TheGatewayIsNotReadyWithoutWorkflow) {
  test::NatsServer nats;
  Service gateway("gateway", nats, settings_for("gateway"));
  ASSERT_TRUE(test::eventually([&] { return test::http_get(gateway.url("/healthz")).status == 200; }, 20s));
  // Alive, connected, but workflow does not answer: not ready, and /readyz says why.
  ASSERT_TRUE(test::eventually(
      [&] { return test::http_get(gateway.url("/readyz")).body.find("\"workflow\"") != std::string::npos; }, 20s));
  auto ready = test::http_get(gateway.url("/readyz"));
  EXPECT_EQ(ready.status, 503);
  auto checks = nlohmann::json::parse(ready.body)["checks"];
  EXPECT_EQ(checks["workflow"], false);
  EXPECT_EQ(checks["nats"], true);
}

TEST(Services, ReadinessFollowsNats) {
  test::NatsServer nats;
  Service scoring("scoring", nats);
  ASSERT_TRUE(test::eventually([&] { return test::http_get(scoring.url("/readyz")).status == 200; }, 30s));
  nats.stop();
  EXPECT_TRUE(test::eventually([&] { return test::http_get(scoring.url("/readyz")).status == 503; }));
  nats.start();
  EXPECT_TRUE(test::eventually([&] { return test::http_get(scoring.url("/readyz")).status == 200; }, 20s));
}

TEST(Services, ABadSettingStopsTheServiceWithItsName) {
  test::NatsServer nats;
  Service s("notify", nats,
            {{"SDP_DB_POOL_SIZE", "lots"}, {"SDP_NATS_URL", "http://wrong"}, {"SDP_NOTIFY_SEAL_KEY", "short"}});
  ASSERT_TRUE(test::eventually([&] { return !s.process->running(); }));
  EXPECT_EQ(s.process->stop(SIGTERM), std::optional<int>(2));
  auto log = s.process->log_text();
  EXPECT_NE(log.find("SDP_DB_POOL_SIZE must be a whole number"), std::string::npos) << log;
  EXPECT_NE(log.find("SDP_NATS_URL must be a URL"), std::string::npos) << log;
  EXPECT_NE(log.find("SDP_NOTIFY_SEAL_KEY must be 64 hex digits"), std::string::npos) << log;
}
